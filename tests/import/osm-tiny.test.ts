// The OSM import rules on a hand-written extract (tests/fixtures/import/tiny.osm → tiny.osm.pbf), and bad PBF
// files: truncated, empty, not PBF — each IMPORT_FAILED with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { importOsmPbf } from '../../server/import/osm/import-osm';
import { importFile } from '../../server/import/import-file';
import { blocksFoot, facilityTypeOf, floorsOf, walkability } from '../../server/import/osm/osm-tags';
import { STEPS_SPEED_FACTOR } from '../../server/import/walk-graph';
import { WALK_SPEED_MPS } from '../../common/domain';
import type { ImportReport } from '../../server/import/types';
import { expectAppError, fixture, rowCounts } from './helpers';

describe('OSM tag rules', () => {
  it('walkability: streets and paths yes, motorways never, trunk only with foot=yes, foot=no and private excluded', () => {
    expect(walkability({ highway: 'residential', oneway: 'yes' })).toEqual({ oneway: 0 });
    expect(walkability({ highway: 'steps' })).toEqual({ oneway: 0 });
    expect(walkability({ highway: 'footway', 'oneway:foot': 'yes' })).toEqual({ oneway: 1 });
    expect(walkability({ highway: 'footway', 'oneway:foot': '-1' })).toEqual({ oneway: -1 });
    expect(walkability({ highway: 'motorway', foot: 'yes' })).toBeNull();
    expect(walkability({ highway: 'trunk' })).toBeNull();
    expect(walkability({ highway: 'trunk', foot: 'yes' })).toEqual({ oneway: 0 });
    expect(walkability({ highway: 'footway', foot: 'no' })).toBeNull();
    expect(walkability({ highway: 'service', access: 'private' })).toBeNull();
    expect(walkability({ highway: 'service', access: 'private', foot: 'yes' })).toEqual({ oneway: 0 });
    expect(walkability({ highway: 'construction' })).toBeNull();
    expect(walkability({ building: 'yes' })).toBeNull();
  });

  it('barriers: walls and locked/private gates block, gates and bollards do not', () => {
    expect(blocksFoot({ barrier: 'wall' })).toBe(true);
    expect(blocksFoot({ barrier: 'fence' })).toBe(true);
    expect(blocksFoot({ barrier: 'gate' })).toBe(false);
    expect(blocksFoot({ barrier: 'gate', access: 'private' })).toBe(true);
    expect(blocksFoot({ barrier: 'gate', locked: 'yes' })).toBe(true);
    expect(blocksFoot({ barrier: 'bollard' })).toBe(false);
    expect(blocksFoot({ highway: 'crossing' })).toBe(false);
    expect(blocksFoot({ barrier: 'fence', foot: 'yes' })).toBe(false);
  });

  it('POIs map to our facility types; building:levels to floors', () => {
    expect(facilityTypeOf({ amenity: 'doctors' })).toBe('clinic');
    expect(facilityTypeOf({ amenity: 'kindergarten' })).toBe('kindergarten');
    expect(facilityTypeOf({ amenity: 'marketplace' })).toBe('market');
    expect(facilityTypeOf({ amenity: 'social_facility', social_facility: 'assisted_living' })).toBe('elderly_daycare');
    expect(facilityTypeOf({ amenity: 'restaurant' })).toBeNull();
    expect(floorsOf({ 'building:levels': '7' })).toBe(7);
    expect(floorsOf({ 'building:levels': '2.5' })).toBe(3);
    expect(floorsOf({ 'building:levels': '3;4' })).toBe(4);
    expect(floorsOf({ 'building:levels': 'many' })).toBeNull();
    expect(floorsOf({ 'building:levels': '0' })).toBeNull();
  });
});

describe.each(backends())('OSM PBF import on %s', (backend) => {
  let t: TestDb;
  let report: ImportReport;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    report = await importOsmPbf(t.db, fixture('tiny.osm.pbf'));
  });
  afterAll(async () => { await t?.drop(); });

  it('imports buildings with floors, skipping the unclosed and the self-intersecting one with reasons', async () => {
    expect(report.imported.buildings).toBe(1);
    expect(report.skipped).toMatchObject({ building_way_unclosed: 1, building_invalid_geometry: 1 });
    expect(report.warnings.join('\n')).toMatch(/osm:w202 skipped: Self-intersection/);
    const b = (await t.db.query(`SELECT code, name, address, use, floors, source, source_id FROM buildings`)).rows;
    expect(b).toEqual([{ code: 'osm:w200', name: 'Le Bloc', address: 'Rue A 3', use: 'residential', floors: 7, source: 'osm', source_id: 'w200' }]);
  });

  it('builds the walking graph: OSM node ids, split at shared nodes, cut at the wall, one-way streets walkable both ways', async () => {
    const nodes = (await t.db.query<{ id: string }>('SELECT id FROM walk_nodes ORDER BY id')).rows.map((r) => Number(r.id));
    expect(nodes).toEqual([1, 2, 3, 5, 8, 9, 10, 12, 13, 14, 17]);
    const edges = (await t.db.query<{ source: string; target: string; kind: string; length_m: number; cost_s: number; reverse_cost_s: number; source_id: string }>(
      'SELECT source, target, kind, length_m, cost_s, reverse_cost_s, source_id FROM walk_edges ORDER BY source_id, source')).rows;
    expect(edges.map((e) => `${e.source_id}:${e.source}-${e.target}`)).toEqual([
      'w100:1-2', 'w100:2-3', 'w101:2-5', 'w104:5-8', 'w105:8-9', 'w106:9-10', 'w107:10-13', 'w107:14-12', 'w109:1-17',
    ]);
    for (const e of edges) {
      const speed = WALK_SPEED_MPS * (e.kind === 'steps' ? STEPS_SPEED_FACTOR : 1);
      expect(e.cost_s).toBeCloseTo(e.length_m / speed, 6);
      // oneway=yes on the street does not matter to walkers; oneway:foot=yes on w106 does.
      expect(e.reverse_cost_s).toBe(e.source_id === 'w106' ? -1 : e.cost_s);
    }
    // 0.001° of longitude at 43.73°N ≈ 80.4 m.
    const w100 = edges.find((e) => e.source_id === 'w100' && Number(e.source) === 1);
    expect(w100?.length_m).toBeGreaterThan(79);
    expect(w100?.length_m).toBeLessThan(82);
    expect(report.warnings.join('\n')).toMatch(/1 barrier node/);
  });

  it('maps POIs to facilities (way POIs at their centroid) and counts the unmapped ones', async () => {
    const f = (await t.db.query<{ code: string; type: string; name: string }>('SELECT code, type, name FROM facilities ORDER BY code')).rows;
    expect(f).toEqual([
      { code: 'osm:n40', type: 'school', name: 'École de test' },
      { code: 'osm:n42', type: 'elderly_daycare', name: 'Résidence' },
      { code: 'osm:w203', type: 'clinic', name: 'Hôpital' },
    ]);
    expect(report.skipped.poi_unmapped).toBe(1);
    const kinds = (await t.db.query<{ kind: string; n: string }>('SELECT kind, count(*) AS n FROM basemap_features GROUP BY kind ORDER BY kind')).rows;
    expect(kinds.map((k) => k.kind)).toEqual(['path', 'road_major', 'road_minor', 'water']);
  });

  it('snaps the building to the new network and records one event', async () => {
    expect(report.imported.building_access).toBe(1);
    const ev = (await t.db.query<{ type: string; entity_id: string }>(`SELECT type, entity_id FROM events`)).rows;
    expect(ev).toEqual([{ type: 'layer.imported', entity_id: 'osm' }]);
  });

  it('re-importing replaces instead of duplicating', async () => {
    const before = await rowCounts(t.db);
    await importOsmPbf(t.db, fixture('tiny.osm.pbf'));
    const after = await rowCounts(t.db);
    expect({ ...after, events: 0, audit_log: 0 }).toEqual({ ...before, events: 0, audit_log: 0 });
    expect(after.events).toBe(before.events + 1);
  });

  it('importFile({source: "osm"}) is the same import', async () => {
    const r = await importFile(t.db, { file: fixture('tiny.osm.pbf'), source: 'osm' });
    expect(r.format).toBe('osm-pbf');
    expect(r.imported).toEqual(report.imported);
  });

  describe('bad PBF files: IMPORT_FAILED and nothing changed', () => {
    const tmp = async (name: string, content: Buffer | string) => {
      const file = path.join(await mkdtemp(path.join(tmpdir(), 'gcc-osm-')), name);
      await writeFile(file, content);
      return file;
    };
    const cases: { name: string; make: () => Promise<string>; expect: RegExp }[] = [
      { name: 'a truncated PBF', make: async () => { const b = await readFile(fixture('tiny.osm.pbf')); return tmp('cut.osm.pbf', b.subarray(0, b.length - 200)); }, expect: /truncated or corrupt/ },
      { name: 'a PBF of 0 bytes', make: () => tmp('empty.osm.pbf', ''), expect: /0 bytes/ },
      { name: 'a text file named .pbf', make: () => tmp('junk.osm.pbf', 'this is not protobuf\n'), expect: /not (a readable OSM PBF|an OSM PBF)/ },
      { name: 'a missing file', make: async () => '/nonexistent/x.osm.pbf', expect: /cannot open/ },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = await rowCounts(t.db);
        const err = await expectAppError(async () => importOsmPbf(t.db, await c.make()), 'IMPORT_FAILED');
        expect(err.message).toMatch(c.expect);
        expect(await rowCounts(t.db)).toEqual(before);
      });
    }
    it('--crs gcj02 is refused for OSM (WGS84 by definition)', async () => {
      const err = await expectAppError(() => importOsmPbf(t.db, fixture('tiny.osm.pbf'), { crs: 'gcj02' }), 'VALIDATION_ERROR');
      expect(err.field).toBe('crs');
    });
  });
});
