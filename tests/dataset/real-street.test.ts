// A real street from nothing (issue 16), on every backend: the street from its boundary, communities from a
// file as web maps publish it (a bare array, 6-digit adcodes through a code map, a multipart area as two
// features and as a MultiPolygon whose parts share an edge), grids, then OSM; what is missing is reported per
// capability at each step; buildings and incidents get their grid by point-in-polygon; re-imports update.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { importFile } from '../../server/import/import-file';
import { importStreet } from '../../server/import/import-street';
import { importOsmPbf } from '../../server/import/osm/import-osm';
import { datasetStatus } from '../../server/dataset/dataset-status';
import { STREET_SCOPE } from '../../server/auth/scope';
import { generateSample } from '../../server/sample/load-sample';
import { createIncidentService, type CommandContext } from '../../server/incidents/incident-service';
import { ReportIncidentSchema } from '../../common/incidents';
import { ManualClock } from '../../server/clock';
import { expectAppError, fixture } from '../import/helpers';

const rect = (x0: number, y0: number, x1: number, y1: number) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
const feature = (properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties, geometry });
// Around tests/fixtures/import/tiny.osm (7.399–7.417 E, 43.729–43.735 N).
const X0 = 7.395, X1 = 7.42, XM = 7.4075, Y0 = 43.725, Y1 = 43.74, YM = 43.7325;

async function tmp(name: string, doc: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gcc-street-'));
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(doc));
  return file;
}

const capability = async (t: TestDb, name: string) => (await datasetStatus(t.db, STREET_SCOPE)).capabilities.find((c) => c.capability === name);

describe.each(backends())('a real street from nothing on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => { t = await freshDb(backend, 'empty'); });
  afterAll(async () => { await t.drop(); });

  it('an empty database says it is empty and that the street is missing', async () => {
    const s = await datasetStatus(t.db, STREET_SCOPE);
    expect(s.kind).toBe('empty');
    expect((await capability(t, 'jurisdiction'))?.missing).toContain('npm run import -- street');
  });

  it('refuses communities before the street exists, saying how to create it', async () => {
    const file = await tmp('c.geojson', [feature({ code: '990001001001', name: 'A' }, { type: 'Polygon', coordinates: rect(X0, Y0, XM, Y1) })]);
    const err = await expectAppError(() => importFile(t.db, { file, layer: 'communities' }), 'VALIDATION_ERROR');
    expect(err.message).toContain('npm run import -- street');
  });

  it('creates the street from a two-part boundary sharing an edge (12-digit code stored as its 9 digits)', async () => {
    const file = await tmp('street.geojson', { type: 'FeatureCollection', features: [
      feature({}, { type: 'MultiPolygon', coordinates: [rect(X0, Y0, XM, Y1), rect(XM, Y0, X1, Y1)] }),
    ] });
    const r = await importStreet(t.db, { file, name: '测试街道', nameEn: 'Test Sub-district', code: '990001001000' });
    expect(r.warnings.join('\n')).toMatch(/dissolved/);
    const row = (await t.db.query<{ code: string; is_sample: boolean; n: number; area: number }>(
      'SELECT code, is_sample, ST_NumGeometries(geom) AS n, ST_Area(geom) AS area FROM streets')).rows;
    expect(row).toHaveLength(1);
    expect(row[0]).toMatchObject({ code: '990001001', is_sample: false, n: 1 });
    expect(Number(row[0].area)).toBeCloseTo((X1 - X0) * (Y1 - Y0), 10);
    const s = await datasetStatus(t.db, STREET_SCOPE);
    expect(s.kind).toBe('real');
    expect(s.streets[0]).toMatchObject({ name: '测试街道', isSample: false });
    expect((await capability(t, 'jurisdiction'))?.missing).toContain('no communities');
  });

  it('a 6-digit adcode without a code map is refused with how to map it', async () => {
    const file = await tmp('c.json', [feature({ adcode: 100001, name: 'A' }, { type: 'Polygon', coordinates: rect(X0, Y0, XM, Y1) })]);
    const err = await expectAppError(() => importFile(t.db, { file, layer: 'communities', codeField: 'adcode' }), 'VALIDATION_ERROR');
    expect(err.message).toMatch(/6-digit adcode.*--code-map/);
  });

  it('imports communities as published: a bare array, adcodes through a code map, multipart areas', async () => {
    // Community A is two features with the same adcode (its two halves share an edge at YM); community B is
    // one MultiPolygon whose two parts share that edge too. Both become one valid area each, area unchanged.
    const file = await tmp('communities.json', [
      feature({ adcode: 100001, name: '甲社区' }, { type: 'Polygon', coordinates: rect(X0, Y0, XM, YM) }),
      feature({ adcode: 100001, name: '甲社区' }, { type: 'Polygon', coordinates: rect(X0, YM, XM, Y1) }),
      feature({ adcode: 100002, name: '乙社区' }, { type: 'MultiPolygon', coordinates: [rect(XM, Y0, X1, YM), rect(XM, YM, X1, Y1)] }),
    ]);
    const codeMap = { '100001': '990001001001', '100002': '990001001002' };
    const r = await importFile(t.db, { file, layer: 'communities', codeField: 'adcode', codeMap });
    expect(r.imported.communities).toBe(2);
    expect(r.warnings.join('\n')).toMatch(/same code 990001001001/);
    expect(r.warnings.filter((w) => /dissolved/.test(w))).toHaveLength(2);
    const rows = (await t.db.query<{ code: string; street_code: string; n: number; area: number }>(
      'SELECT code, street_code, ST_NumGeometries(geom) AS n, ST_Area(geom) AS area FROM communities ORDER BY code')).rows;
    expect(rows.map((x) => [x.code, x.street_code, Number(x.n)])).toEqual([['990001001001', '990001001', 1], ['990001001002', '990001001', 1]]);
    expect(Number(rows[0].area)).toBeCloseTo((XM - X0) * (Y1 - Y0), 10);
    expect((await capability(t, 'jurisdiction'))?.ready).toBe(true);
    expect((await capability(t, 'routing'))?.missing).toContain('no grids');
    // Re-importing the same file updates the two communities in place.
    const again = await importFile(t.db, { file, layer: 'communities', codeField: 'adcode', codeMap });
    expect(again.imported).toMatchObject({ communities: 2, communities_updated: 2 });
    expect(Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM communities')).rows[0].n)).toBe(2);
  });

  it('an invalid area gets PostGIS reason, the vertex and the --make-valid flag; with the flag it is repaired and reported', async () => {
    const bow = [[[X0, Y0], [XM, Y1], [XM, Y0], [X0, Y1], [X0, Y0]]];
    const file = await tmp('grids.geojson', { type: 'FeatureCollection', features: [
      feature({ code: '990001001001001', name: '甲1' }, { type: 'Polygon', coordinates: bow }),
    ] });
    const err = await expectAppError(() => importFile(t.db, { file, layer: 'grids' }), 'INVALID_GEOMETRY');
    expect(err.message).toMatch(/Self-intersection/);
    expect(err.message).toMatch(/nearest vertex coordinates\[0\]\[\d\]/);
    expect(err.message).toContain('--make-valid');
    expect((err.details as { location: number[] }).location[0]).toBeCloseTo((X0 + XM) / 2, 6);
    const fixed = await importFile(t.db, { file, layer: 'grids', makeValid: true });
    expect(fixed.warnings.join('\n')).toMatch(/feature #0: repaired with --make-valid \(Self-intersection/);
  });

  it('grids, then OSM: buildings get community and grid by point-in-polygon; an incident is routed to its grid', async () => {
    const file = await tmp('grids.geojson', [
      feature({ code: '990001001001001', name: '甲1' }, { type: 'Polygon', coordinates: rect(X0, Y0, XM, Y1) }),
      feature({ code: '990001001002001', name: '乙1' }, { type: 'Polygon', coordinates: rect(XM, Y0, X1, Y1) }),
    ]);
    await importFile(t.db, { file, layer: 'grids', replace: true });
    expect((await capability(t, 'routing'))?.ready).toBe(true);
    expect((await capability(t, 'walking'))?.ready).toBe(false);
    const osm = await importOsmPbf(t.db, fixture('tiny.osm.pbf'));
    expect(osm.imported.buildings).toBeGreaterThan(0);
    const unplaced = (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM buildings WHERE grid_id IS NULL OR community_id IS NULL')).rows[0];
    expect(Number(unplaced.n)).toBe(0);
    const ids = (await t.db.query<{ id: number }>('SELECT id FROM buildings ORDER BY id')).rows;
    // The same extract again: same rows (upserted by OSM id), nothing doubled.
    await importOsmPbf(t.db, fixture('tiny.osm.pbf'));
    expect((await t.db.query<{ id: number }>('SELECT id FROM buildings ORDER BY id')).rows).toEqual(ids);
    expect((await capability(t, 'walking'))?.ready).toBe(true);

    const svc = createIncidentService({ db: t.db, clock: new ManualClock(new Date('2026-11-26T02:00:00Z')) });
    const dispatcher: CommandContext = { actor: 'user:1', role: 'dispatcher', personId: null };
    const r = await svc.reportIncident(dispatcher, ReportIncidentSchema.parse({ category: 'environment', title: '垃圾堆放', location: { lon: 7.41, lat: 43.73 } }));
    const grid = (await t.db.query<{ id: number }>(`SELECT id FROM grids WHERE code = '990001001002001'`)).rows[0];
    expect(r.body.gridId).toBe(grid.id);
  });

  it('never mixes: the sample is not loaded into this database, and it stays "real"', async () => {
    const res = await generateSample(t.db, { scale: 1, onlyIfEmpty: true });
    expect(res.loaded).toBe(false);
    const sampleRows = (await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM buildings WHERE source = 'sample'`)).rows[0];
    expect(Number(sampleRows.n)).toBe(0);
    expect((await datasetStatus(t.db, STREET_SCOPE)).kind).toBe('real');
  });
});
