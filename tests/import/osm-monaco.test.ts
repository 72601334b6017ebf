// The real-data check: Monaco's OSM extract (../shared/data/osm/monaco.osm.pbf, never copied into the repo).
// Skips with a message when the file is absent (a fresh clone has no ../shared).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { importOsmPbf } from '../../server/import/osm/import-osm';
import type { ImportReport } from '../../server/import/types';
import { rowCounts } from './helpers';
import { MONACO_PBF as MONACO } from '../helpers/osm-cut';

const haveMonaco = existsSync(MONACO);
if (!haveMonaco) console.warn(`[import] SKIPPED the Monaco OSM import test: ${MONACO} does not exist (it lives in ../shared/data, outside the repository)`);

/** Sizes of the connected components of an undirected graph, largest first (union-find). */
function componentSizes(nodeIds: number[], edges: { source: number; target: number }[]): number[] {
  const index = new Map(nodeIds.map((id, i) => [id, i]));
  const parent = nodeIds.map((_, i) => i);
  const find = (i: number): number => { while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; } return i; };
  for (const e of edges) {
    const a = find(index.get(e.source) as number);
    const b = find(index.get(e.target) as number);
    if (a !== b) parent[a] = b;
  }
  const sizes = new Map<number, number>();
  for (let i = 0; i < parent.length; i++) { const r = find(i); sizes.set(r, (sizes.get(r) ?? 0) + 1); }
  return [...sizes.values()].sort((x, y) => y - x);
}

describe.skipIf(!haveMonaco).each(backends())('Monaco OSM import on %s', (backend) => {
  let t: TestDb;
  let report: ImportReport;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    report = await importOsmPbf(t.db, MONACO);
    console.log(`[import] Monaco on ${backend}: ${JSON.stringify({ imported: report.imported, skipped: report.skipped, ms: report.durationMs })}`);
  }, 240_000);
  afterAll(async () => { await t?.drop(); });

  it('imports the building ways and multipolygons; the rest are counted with a reason', async () => {
    const counts = await rowCounts(t.db);
    expect(counts.buildings).toBe(report.imported.buildings);
    // 23,370 building=* ways in the extract (data README). 44 of them are not closed rings (outer parts of
    // multipolygon relations) and 2 self-intersect: skipped and counted. 3 polygons come from building
    // multipolygon relations. 23,370 − 44 − 2 + 3 = 23,327.
    expect(report.skipped.building_way_unclosed).toBe(44);
    expect(report.skipped.building_invalid_geometry).toBe(2);
    expect(counts.buildings).toBe(23_327);
    const fromWays = Number((await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM buildings WHERE source_id LIKE 'w%'`)).rows[0].n);
    expect(fromWays + report.skipped.building_way_unclosed + report.skipped.building_invalid_geometry).toBe(23_370);
    // The extract has exactly one building:levels tag (osmium tags-count); it became that building's floors,
    // every other building keeps the default of 1 (tiny.osm covers the mapping in detail).
    const tall = (await t.db.query<{ floors: number }>(`SELECT floors FROM buildings WHERE floors > 1`)).rows;
    expect(tall).toHaveLength(1);
    // Every building was snapped to the new walking network.
    expect(report.imported.building_access).toBe(counts.buildings);
  });

  it('builds a walking network whose largest connected component holds ≥ 95% of its nodes', async () => {
    const nodes = (await t.db.query<{ id: string }>('SELECT id FROM walk_nodes')).rows.map((r) => Number(r.id));
    const edges = (await t.db.query<{ source: string; target: string }>('SELECT source, target FROM walk_edges')).rows
      .map((r) => ({ source: Number(r.source), target: Number(r.target) }));
    const sizes = componentSizes(nodes, edges);
    const share = sizes[0] / nodes.length;
    console.log(`[import] Monaco walk network on ${backend}: ${nodes.length} nodes, ${edges.length} edges, ${sizes.length} components, largest ${sizes[0]} (${(share * 100).toFixed(2)}%)`);
    expect(nodes.length).toBe(report.imported.walk_nodes);
    expect(share).toBeGreaterThanOrEqual(0.95);
    // Costs come from lengths; one edge has length 0 (two distinct OSM nodes at the same position).
    const bad = (await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM walk_edges WHERE length_m < 0 OR cost_s < 0 OR (length_m > 0) <> (cost_s > 0)`)).rows[0];
    expect(Number(bad.n)).toBe(0);
    const zero = (await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM walk_edges WHERE length_m = 0`)).rows[0];
    expect(Number(zero.n)).toBeLessThanOrEqual(1);
    // Walk node ids are the (positive) OSM node ids, not generated ones.
    const minId = (await t.db.query<{ m: string }>('SELECT min(id) AS m FROM walk_nodes')).rows[0];
    expect(Number(minId.m)).toBeGreaterThan(0);
    const steps = (await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM walk_edges WHERE kind = 'steps'`)).rows[0];
    expect(Number(steps.n)).toBeGreaterThan(0);
  });

  it('maps POIs to facilities and fills the basemap', async () => {
    const types = (await t.db.query<{ type: string; n: string }>(`SELECT type, count(*) AS n FROM facilities GROUP BY type ORDER BY type`)).rows;
    expect(types.map((r) => r.type)).toEqual(expect.arrayContaining(['clinic', 'school']));
    expect(report.skipped.poi_unmapped).toBeGreaterThan(0);
    const kinds = (await t.db.query<{ kind: string }>(`SELECT DISTINCT kind FROM basemap_features ORDER BY kind`)).rows.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['road_major', 'road_minor', 'green']));
  });
});
