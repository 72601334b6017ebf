// Shapefile import: .prj read and checked, a missing .prj refused unless --crs is explicit, projected CRSs
// refused, attributes from the .dbf (UTF-8 via .cpg).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, copyFile, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { importFile } from '../../server/import/import-file';
import { checkPrj } from '../../server/import/shapefile-reader';
import { expectAppError, fixture, rowCounts } from './helpers';

describe('.prj check', () => {
  it('accepts WGS84 geographic, warns on CGCS2000, refuses projected and other datums', () => {
    expect(checkPrj('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]]]', 'a.shp')).toEqual([]);
    expect(checkPrj('GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000"]]', 'a.shp')[0]).toMatch(/CGCS2000/);
    expect(() => checkPrj('PROJCS["Xian_1980_3_Degree_GK_CM_117E",GEOGCS["GCS_Xian_1980"]]', 'a.shp')).toThrow(/projected.*Xian_1980_3_Degree/);
    expect(() => checkPrj('GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954"]]', 'a.shp')).toThrow(/Beijing_1954.*not WGS84/);
  });
});

describe.each(backends())('shapefile import on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => { t = await freshDb(backend, 'empty'); });
  afterAll(async () => { await t?.drop(); });

  it('imports points with attributes from the .dbf', async () => {
    const r = await importFile(t.db, { file: fixture('shp/facilities.shp'), layer: 'facilities', replace: true });
    expect(r.format).toBe('shapefile');
    expect(r.imported).toEqual({ facilities: 2 });
    const rows = (await t.db.query<{ type: string; name: string; area_m2: number; x: number }>(
      'SELECT type, name, area_m2, ST_X(geom) AS x FROM facilities ORDER BY type')).rows;
    expect(rows.map((x) => [x.type, x.name, x.area_m2])).toEqual([['clinic', '社区卫生服务站', 320], ['school', 'Guoyuan Primary', 1500.5]]);
    expect(rows[0].x).toBeCloseTo(117.1405, 9);
  });

  it('imports polygons as buildings', async () => {
    const r = await importFile(t.db, { file: fixture('shp/buildings.shp'), layer: 'buildings', replace: true });
    expect(r.imported).toEqual({ buildings: 2 });
    const rows = (await t.db.query<{ code: string; floors: number; v: boolean }>('SELECT code, floors, ST_IsValid(geom) AS v FROM buildings ORDER BY code')).rows;
    expect(rows).toEqual([{ code: 'SHP-1', floors: 6, v: true }, { code: 'SHP-2', floors: 18, v: true }]);
  });

  it('a shapefile without .prj is refused, and says --crs would make it importable', async () => {
    const before = await rowCounts(t.db);
    const err = await expectAppError(() => importFile(t.db, { file: fixture('shp/facilities-noprj.shp'), layer: 'facilities' }), 'IMPORT_FAILED');
    expect(err.message).toMatch(/no \.prj.*--crs/);
    expect(err.field).toBe('prj');
    expect(await rowCounts(t.db)).toEqual(before);
    const ok = await importFile(t.db, { file: fixture('shp/facilities-noprj.shp'), layer: 'facilities', crs: 'wgs84', replace: true });
    expect(ok.imported.facilities).toBe(2);
    expect(ok.warnings.join()).toMatch(/no \.prj/);
  });

  it('a projected .prj is refused with its name', async () => {
    const before = await rowCounts(t.db);
    const err = await expectAppError(() => importFile(t.db, { file: fixture('shp/facilities-mercator.shp'), layer: 'facilities' }), 'IMPORT_FAILED');
    expect(err.message).toMatch(/projected.*Web_Mercator/);
    expect(await rowCounts(t.db)).toEqual(before);
  });

  it('a truncated .shp and a PointZ shapefile are refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gcc-shp-'));
    const shp = await readFile(fixture('shp/facilities.shp'));
    await writeFile(path.join(dir, 'cut.shp'), shp.subarray(0, shp.length - 10));
    await copyFile(fixture('shp/facilities.prj'), path.join(dir, 'cut.prj'));
    const before = await rowCounts(t.db);
    const e1 = await expectAppError(() => importFile(t.db, { file: path.join(dir, 'cut.shp'), layer: 'facilities' }), 'IMPORT_FAILED');
    expect(e1.message).toMatch(/truncated/);
    const z = Buffer.from(shp);
    z.writeInt32LE(11, 32); // header says PointZ
    await writeFile(path.join(dir, 'z.shp'), z);
    await copyFile(fixture('shp/facilities.prj'), path.join(dir, 'z.prj'));
    const e2 = await expectAppError(() => importFile(t.db, { file: path.join(dir, 'z.shp'), layer: 'facilities' }), 'INVALID_GEOMETRY');
    expect(e2.message).toMatch(/Z values/);
    expect(await rowCounts(t.db)).toEqual(before);
  });
});
