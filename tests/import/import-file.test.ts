// importFile with GeoJSON and CSV: happy paths, CRS conversion, and the bad-file cases of QUALITY.md —
// each a coded error, and not one row changed (one transaction per import).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import gcoord from 'gcoord';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { importFile } from '../../server/import/import-file';
import { toWgs84 } from '../../server/import/crs';
import { STEPS_SPEED_FACTOR } from '../../server/import/walk-graph';
import { WALK_SPEED_MPS } from '../../common/domain';
import { expectAppError, fixture, rowCounts } from './helpers';

async function tmpFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gcc-import-'));
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

const square = (x: number, y: number, d = 0.001) => [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]];

describe('CRS conversion (gcoord, once at the boundary)', () => {
  it('converts a known GCJ-02 point to WGS84 within a few metres', () => {
    // Tianjin: a WGS84 point moved into GCJ-02 by gcoord, then back through our converter.
    const wgs: [number, number] = [117.14, 39.22];
    const gcj = gcoord.transform(wgs, gcoord.WGS84, gcoord.GCJ02);
    // The GCJ-02 offset in Tianjin is a few hundred metres: the input really is different.
    expect(Math.abs(gcj[0] - wgs[0]) + Math.abs(gcj[1] - wgs[1])).toBeGreaterThan(0.002);
    const back = toWgs84(gcj, 'gcj02');
    const metres = Math.hypot((back[0] - wgs[0]) * 111_320 * Math.cos((wgs[1] * Math.PI) / 180), (back[1] - wgs[1]) * 110_540);
    expect(metres).toBeLessThan(3);
    const bd = gcoord.transform(wgs, gcoord.WGS84, gcoord.BD09);
    const back2 = toWgs84(bd, 'bd09');
    expect(Math.abs(back2[0] - wgs[0])).toBeLessThan(3e-5);
    expect(Math.abs(back2[1] - wgs[1])).toBeLessThan(3e-5);
  });

  it('leaves WGS84 as given (a GCJ-02 coordinate declared as WGS84 is stored unchanged)', () => {
    expect(toWgs84([117.14, 39.22], 'wgs84')).toEqual([117.14, 39.22]);
  });
});

describe.each(backends())('importFile on %s', (backend) => {
  describe('formats and layers', () => {
  let t: TestDb;
  beforeEach(async () => { t = await freshDb(backend, 'empty'); });
  afterEach(async () => { await t.drop(); });

  it('imports GeoJSON buildings, reports ignored attributes, writes one event and one audit row', async () => {
    const report = await importFile(t.db, { file: fixture('buildings.geojson'), layer: 'buildings' });
    expect(report.imported).toEqual({ buildings: 2 });
    expect(report.warnings.join('\n')).toContain('OBJECTID');
    const rows = (await t.db.query<{ code: string; floors: number; households: number; source: string; t: string }>(
      `SELECT code, floors, households, source, GeometryType(geom) AS t FROM buildings ORDER BY code`)).rows;
    expect(rows).toEqual([
      { code: 'T-B1', floors: 6, households: 24, source: 'import:buildings.geojson', t: 'POLYGON' },
      { code: 'imp:buildings.geojson:1', floors: 3, households: 0, source: 'import:buildings.geojson', t: 'POLYGON' },
    ]);
    const ev = (await t.db.query<{ type: string; payload: { imported: Record<string, number> } }>(`SELECT type, payload FROM events`)).rows;
    expect(ev).toHaveLength(1);
    expect(ev[0].type).toBe('layer.imported');
    expect(ev[0].payload.imported).toEqual({ buildings: 2 });
    expect((await rowCounts(t.db)).audit_log).toBe(1);
  });

  it('a second import of the same codes updates those rows in place (same ids, no duplicates); --replace replaces the layer', async () => {
    await importFile(t.db, { file: fixture('buildings.geojson'), layer: 'buildings' });
    const ids = (await t.db.query<{ id: number; code: string }>('SELECT id, code FROM buildings ORDER BY code')).rows;
    const again = await importFile(t.db, { file: fixture('buildings.geojson'), layer: 'buildings' });
    expect(again.imported).toMatchObject({ buildings: 2, buildings_updated: 2 });
    expect((await t.db.query<{ id: number; code: string }>('SELECT id, code FROM buildings ORDER BY code')).rows).toEqual(ids);
    const replaced = await importFile(t.db, { file: fixture('buildings.geojson'), layer: 'buildings', replace: true });
    expect(replaced.imported.buildings).toBe(2);
    expect((await rowCounts(t.db)).buildings).toBe(2);
  });

  it('converts GCJ-02 input to WGS84 before storing', async () => {
    const wgs: [number, number] = [117.1405, 39.2205];
    const gcj = gcoord.transform(wgs, gcoord.WGS84, gcoord.GCJ02);
    const file = await tmpFile('gcj.geojson', JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { type: 'clinic', name: 'X' }, geometry: { type: 'Point', coordinates: gcj } }],
    }));
    const report = await importFile(t.db, { file, layer: 'facilities', crs: 'gcj02' });
    expect(report.crs).toBe('gcj02');
    const r = (await t.db.query<{ d: number }>(
      `SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS d FROM facilities`, wgs)).rows[0];
    expect(r.d).toBeLessThan(3);
  });

  it('accepts WGS84 spelled two ways in one file (CRS84 at the root, EPSG:4326 on a feature)', async () => {
    const file = await tmpFile('two-names.geojson', JSON.stringify({
      type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
      features: [{ type: 'Feature', crs: { type: 'name', properties: { name: 'EPSG:4326' } }, properties: { type: 'clinic', name: 'A' }, geometry: { type: 'Point', coordinates: [117.14, 39.22] } }],
    }));
    expect((await importFile(t.db, { file, layer: 'facilities' })).imported).toEqual({ facilities: 1 });
  });

  it('imports CSV points with lng/lat columns', async () => {
    const report = await importFile(t.db, { file: fixture('facilities.csv'), layer: 'facilities' });
    expect(report.imported).toEqual({ facilities: 3 });
    expect(report.warnings.join()).toContain('note');
    const rows = (await t.db.query<{ code: string; type: string; area_m2: number | null; x: number; y: number }>(
      `SELECT code, type, area_m2, ST_X(geom) AS x, ST_Y(geom) AS y FROM facilities ORDER BY code`)).rows;
    expect(rows.map((r) => [r.code, r.type, r.area_m2])).toEqual([['T-F1', 'clinic', 320], ['T-F2', 'school', null], ['T-F3', 'kindergarten', 850.5]]);
    expect(rows[0].x).toBeCloseTo(117.1405, 9);
    expect(rows[0].y).toBeCloseTo(39.2205, 9);
  });

  it('imports walking lines as a graph split at shared vertices; steps slower; one-way lines not walkable backwards', async () => {
    const report = await importFile(t.db, { file: fixture('walk-lines.geojson'), layer: 'walk' });
    // No buildings yet: the snap after the walk import finds none.
    expect(report.imported).toEqual({ walk_nodes: 6, walk_edges: 5, building_access: 0 });
    // Buildings imported afterwards are snapped to the network in the same transaction.
    const b = await importFile(t.db, { file: fixture('buildings.geojson'), layer: 'buildings' });
    expect(b.imported).toEqual({ buildings: 2, building_access: 2 });
    const edges = (await t.db.query<{ kind: string; length_m: number; cost_s: number; reverse_cost_s: number }>(
      `SELECT kind, length_m, cost_s, reverse_cost_s FROM walk_edges ORDER BY id`)).rows;
    for (const e of edges) {
      const speed = WALK_SPEED_MPS * (e.kind === 'steps' ? STEPS_SPEED_FACTOR : 1);
      expect(e.cost_s).toBeCloseTo(e.length_m / speed, 6);
    }
    const oneway = edges.filter((e) => e.reverse_cost_s < 0);
    expect(oneway).toHaveLength(1);
    // 0.001° of latitude ≈ 111 m at 39°N; the steps edges are that long.
    const steps = edges.filter((e) => e.kind === 'steps');
    expect(steps).toHaveLength(2);
    expect(steps[0].length_m).toBeGreaterThan(105);
    expect(steps[0].length_m).toBeLessThan(115);
  });

  it('imports communities and grids; a grid whose community is missing is refused', async () => {
    await t.db.query(`INSERT INTO streets (code, name, name_en, district, city, geom)
      VALUES ('120113001', 'S', 'S', 'D', 'C', ST_Multi(ST_MakeEnvelope(117.1, 39.19, 117.18, 39.245, 4326)))`);
    const communities = await tmpFile('c.geojson', JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { code: '120113001001', name: '一社区' }, geometry: { type: 'Polygon', coordinates: square(117.13, 39.21, 0.02) } },
    ] }));
    expect((await importFile(t.db, { file: communities, layer: 'communities' })).imported).toEqual({ communities: 1 });
    const grids = await tmpFile('g.geojson', JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { code: '120113001001001', name: 'G1' }, geometry: { type: 'Polygon', coordinates: square(117.13, 39.21, 0.01) } },
    ] }));
    expect((await importFile(t.db, { file: grids, layer: 'grids' })).imported).toEqual({ grids: 1 });
    const orphan = await tmpFile('g2.geojson', JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { code: '120113001009001', name: 'G9' }, geometry: { type: 'Polygon', coordinates: square(117.13, 39.21, 0.01) } },
    ] }));
    const err = await expectAppError(() => importFile(t.db, { file: orphan, layer: 'grids' }), 'VALIDATION_ERROR');
    expect(err.message).toContain('120113001009');
    // A building inside the grid is assigned to it and its community.
    const b = await tmpFile('b.geojson', JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square(117.135, 39.215, 0.0005) } },
    ] }));
    await importFile(t.db, { file: b, layer: 'buildings' });
    const row = (await t.db.query<{ c: number | null; g: number | null }>(`SELECT community_id AS c, grid_id AS g FROM buildings`)).rows[0];
    expect(row.c).not.toBeNull();
    expect(row.g).not.toBeNull();
  });

  });

  describe('bad files: a coded error and no row changed', () => {
    // One database for the table of bad files: none of them may change it, which each case checks.
    let bad: TestDb;
    beforeAll(async () => {
      bad = await freshDb(backend, 'empty');
      await importFile(bad.db, { file: fixture('facilities.csv'), layer: 'facilities' });
    });
    afterAll(async () => { await bad.drop(); });
    const cases: { name: string; make: () => Promise<string>; layer: 'buildings' | 'facilities'; code: string; expect: RegExp; field?: RegExp }[] = [
      { name: 'a file of 0 bytes', make: async () => fixture('empty.geojson'), layer: 'buildings', code: 'IMPORT_FAILED', expect: /0 bytes/, field: /^file$/ },
      { name: 'CSV with missing columns', make: async () => fixture('facilities-missing-columns.csv'), layer: 'facilities', code: 'VALIDATION_ERROR', expect: /lat.*type/, field: /^columns$/ },
      { name: 'GeoJSON with mixed CRSs', make: async () => fixture('mixed-crs.geojson'), layer: 'facilities', code: 'VALIDATION_ERROR', expect: /mixed CRS/, field: /features\[1\]\.crs/ },
      { name: 'a self-intersecting polygon (ST_IsValidReason)', make: async () => fixture('bowtie.geojson'), layer: 'buildings', code: 'INVALID_GEOMETRY', expect: /feature #1 \(id "bow"\).*Self-intersection/, field: /features\[1\]/ },
      { name: 'not JSON', make: () => tmpFile('x.geojson', '{"type": "FeatureCollection", "features": ['), layer: 'buildings', code: 'IMPORT_FAILED', expect: /not valid JSON/ },
      { name: 'a projected CRS declared at the root', make: () => tmpFile('p.geojson', JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:3857' } }, features: [] })), layer: 'buildings', code: 'IMPORT_FAILED', expect: /EPSG:3857/ },
      { name: 'a ring with 3 positions', make: () => tmpFile('r.geojson', JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[117, 39], [117.1, 39], [117, 39]]] } })), layer: 'buildings', code: 'INVALID_GEOMETRY', expect: /at least 4/ },
      { name: 'an unclosed ring', make: () => tmpFile('u.geojson', JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[117, 39], [117.1, 39], [117.1, 39.1], [117, 39.1]]] } })), layer: 'buildings', code: 'INVALID_GEOMETRY', expect: /not closed/ },
      { name: 'Z values', make: () => tmpFile('z.geojson', JSON.stringify({ type: 'Feature', properties: { type: 'clinic', name: 'z' }, geometry: { type: 'Point', coordinates: [117, 39, 12] } })), layer: 'facilities', code: 'INVALID_GEOMETRY', expect: /Z\/M/ },
      { name: 'an EMPTY geometry', make: () => tmpFile('e.geojson', JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [] } })), layer: 'buildings', code: 'INVALID_GEOMETRY', expect: /EMPTY/ },
      { name: 'the wrong geometry type for the layer', make: () => tmpFile('w.geojson', JSON.stringify({ type: 'Feature', properties: { type: 'clinic', name: 'l' }, geometry: { type: 'LineString', coordinates: [[117, 39], [117.1, 39]] } })), layer: 'facilities', code: 'INVALID_GEOMETRY', expect: /LineString is not accepted/ },
      { name: 'a nested GeometryCollection', make: () => tmpFile('gc.geojson', JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'GeometryCollection', geometries: [] } })), layer: 'buildings', code: 'INVALID_GEOMETRY', expect: /GeometryCollection/ },
      { name: 'an unknown facility type', make: () => tmpFile('t.geojson', JSON.stringify({ type: 'Feature', properties: { type: 'casino', name: 'c' }, geometry: { type: 'Point', coordinates: [117, 39] } })), layer: 'facilities', code: 'VALIDATION_ERROR', expect: /attribute "type"/, field: /properties\.type$/ },
      { name: 'projected coordinates without a crs member', make: () => tmpFile('m.geojson', JSON.stringify({ type: 'Feature', properties: { type: 'clinic', name: 'm' }, geometry: { type: 'Point', coordinates: [13040000, 4753000] } })), layer: 'facilities', code: 'INVALID_GEOMETRY', expect: /outside longitude\/latitude/ },
      { name: 'a CSV row with a non-numeric latitude', make: () => tmpFile('n.csv', 'type,name,lon,lat\nclinic,a,117.1,39.2\nclinic,b,117.1,north\n'), layer: 'facilities', code: 'VALIDATION_ERROR', expect: /row 3/, field: /rows\[1\]\.lat/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = await rowCounts(bad.db);
        expect(before.facilities).toBe(3);
        const file = await c.make();
        const err = await expectAppError(() => importFile(bad.db, { file, layer: c.layer }), c.code);
        expect(err.message).toMatch(c.expect);
        if (c.field) expect(err.field).toMatch(c.field);
        expect(await rowCounts(bad.db)).toEqual(before);
      });
    }

    it('one invalid feature among valid ones leaves the layer untouched', async () => {
      const good = { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square(117.14, 39.22) } };
      const broken = { type: 'Feature', id: 7, properties: {}, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] } };
      const file = await tmpFile('mix.geojson', JSON.stringify({ type: 'FeatureCollection', features: [good, good, broken] }));
      const err = await expectAppError(() => importFile(bad.db, { file, layer: 'buildings' }), 'INVALID_GEOMETRY');
      expect(err.details).toMatchObject({ index: 2 });
      expect((await rowCounts(bad.db)).buildings).toBe(0);
    });
  });
});
