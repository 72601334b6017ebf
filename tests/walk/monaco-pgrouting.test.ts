// Correctness on real data: on the Monaco OpenStreetMap network, walking times from ten start nodes equal
// pgRouting's pgr_drivingDistance (multi-start, equicost) on the same walk_edges costs, within 1% — same
// reachable set and same per-node nearest times. Needs the PostgreSQL server with pgRouting (CI) and the
// shared OSM extract; otherwise it says why it skipped.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/test-db';
import { loadWalkGraph, type WalkGraph } from '../../server/walk/walk-graph';
import { multiSourceDijkstra, type WalkDirection } from '../../server/walk/dijkstra';
import type { Db } from '../../server/db/db';
// The same path (and GCC_MONACO_PBF override) as every other Monaco test: a worktree has no ../shared.
import { MONACO_PBF as MONACO } from '../helpers/osm-cut';
type Importer = (db: Db, file: string, opts: { snap?: boolean }) => Promise<unknown>;

async function findImporter(): Promise<Importer | null> {
  // H2a's importer; its module path settled late, so both names are tried.
  for (const p of ['../../server/import/osm/import-osm', '../../server/import/osm-pbf']) {
    try {
      const m = (await import(/* @vite-ignore */ p)) as { importOsmPbf?: Importer };
      if (m.importOsmPbf) return m.importOsmPbf;
    } catch {
      // not there: try the next
    }
  }
  return null;
}

let skipReason: string | null = null;
if (!process.env.DATABASE_URL) skipReason = 'DATABASE_URL is not set (no PostgreSQL server with pgRouting)';
else if (!existsSync(MONACO)) skipReason = `${MONACO} is missing (the shared data folder is not present)`;
if (skipReason) console.warn(`monaco-pgrouting: skipped — ${skipReason}`);

describe.skipIf(skipReason !== null)('Monaco: engine vs pgr_drivingDistance', () => {
  let t: TestDb;
  let g: WalkGraph;
  let starts: number[];
  let ready = false;
  beforeAll(async () => {
    t = await freshDb('pg', 'empty');
    try {
      await t.db.query('CREATE EXTENSION IF NOT EXISTS pgrouting');
    } catch (err) {
      console.warn(`monaco-pgrouting: skipped — pgrouting cannot be created: ${(err as Error).message}`);
      return;
    }
    const importOsmPbf = await findImporter();
    if (!importOsmPbf) {
      console.warn('monaco-pgrouting: skipped — the OSM importer (importOsmPbf) is not in the tree yet');
      return;
    }
    await importOsmPbf(t.db, MONACO, { snap: false });
    g = await loadWalkGraph(t.db);
    // Ten start nodes spread over the id range (deterministic).
    const step = Math.floor(g.nodeCount / 10);
    starts = Array.from({ length: 10 }, (_, i) => g.nodeIds[i * step + 7]);
    ready = true;
  }, 600_000);
  afterAll(async () => t?.drop());

  async function compare(direction: WalkDirection, distance: number, skip: () => void) {
    if (!ready) skip();
    // 'to' = the same search on reversed arcs: swap the ends and keep each cost on its column, so the arc
    // s→t (cost) becomes t→s and t→s (reverse cost) becomes s→t.
    const edgesSql = direction === 'from'
      ? 'SELECT id, source, target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM walk_edges'
      : 'SELECT id, target AS source, source AS target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM walk_edges';
    const t0 = performance.now();
    const pgr = await t.db.query<{ node: number; agg_cost: number }>(
      'SELECT node, agg_cost FROM pgr_drivingDistance($1, $2::bigint[], $3, directed => true, equicost => true)',
      [edgesSql, starts, distance],
    );
    const pgrMs = performance.now() - t0;
    const t1 = performance.now();
    const seeds = starts.map((id, i) => ({ node: g.nodeIndex.get(id)!, costS: 0, origin: i }));
    const { dist } = multiSourceDijkstra(g, seeds, direction, distance);
    const oursMs = performance.now() - t1;
    const theirs = new Map<number, number>();
    for (const r of pgr.rows) theirs.set(Number(r.node), Math.min(theirs.get(Number(r.node)) ?? Infinity, Number(r.agg_cost)));
    let ours = 0, both = 0, timeOff = 0;
    for (let i = 0; i < g.nodeCount; i++) {
      if (!Number.isFinite(dist[i])) continue;
      ours++;
      const other = theirs.get(g.nodeIds[i]);
      if (other === undefined) continue;
      both++;
      if (Math.abs(other - dist[i]) > 0.01 * Math.max(1, other)) timeOff++;
    }
    // pgRouting 3.4's equicost answer is above the true minimum at a few nodes (seen: 7 of 2131); the
    // exact reference is the minimum over starts of the non-equicost run, which ours must match everywhere.
    const exact = await t.db.query<{ node: number; agg_cost: number }>(
      'SELECT node, min(agg_cost) AS agg_cost FROM pgr_drivingDistance($1, $2::bigint[], $3, directed => true, equicost => false) GROUP BY node',
      [edgesSql, starts, distance],
    );
    let exactOff = 0;
    for (const r of exact.rows) {
      const i = g.nodeIndex.get(Number(r.node));
      const mine = i === undefined ? Infinity : dist[i];
      if (!(Math.abs(mine - Number(r.agg_cost)) <= 1e-6 * Math.max(1, Number(r.agg_cost)))) exactOff++;
    }
    console.log(`Monaco ${direction}, ≤ ${distance} s: ${g.nodeCount} nodes, ${g.edgeCount} edges; reachable ours ${ours}, pgRouting ${theirs.size}, both ${both}; times off by > 1% vs equicost: ${timeOff}, vs exact min over starts: ${exactOff}; pgRouting ${pgrMs.toFixed(0)} ms, ours ${oursMs.toFixed(1)} ms`);
    expect(theirs.size).toBeGreaterThan(100);
    expect(Math.abs(ours - theirs.size)).toBeLessThanOrEqual(0.01 * theirs.size);
    expect(both).toBeGreaterThanOrEqual(0.99 * theirs.size);
    expect(timeOff).toBeLessThanOrEqual(0.01 * both);
    expect(exact.rows.length).toBe(ours);
    expect(exactOff).toBe(0);
  }

  it('same reachable set and times within 15 minutes, walking from the starts (pgRouting direction)', async (ctx) => {
    await compare('from', 900, () => ctx.skip());
  });

  it('same over the whole network, walking to the starts (reversed edges)', async (ctx) => {
    await compare('to', 1e9, () => ctx.skip());
  });
});
