// Benchmark `coverage` (QUALITY.md): walking time from every building to the nearest facility of each
// type, full recompute and what-if, against pgRouting's pgr_drivingDistance (multi-start, equicost) on
// the same walk_edges in the same PostgreSQL, in the same run. Equal results are checked, not assumed:
// both searches start from the same nodes with the same cutoff, and the reachable sets and times must
// agree within 1% or the row is marked not met.
//
// Scales: "street" = the sample street (or a 45×45 synthetic grid when the sample has no network yet);
// "city" = a synthetic 320×320 grid (≈ 204k edges, ≈ 102k buildings), generated here because the sample
// generator has no scale option for the walking network.
//
// Run alone: `DATABASE_URL=… npx tsx bench/coverage.ts [--quick]` → bench/results/coverage.json.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import type { Db } from '../server/db/db';
import { openPg } from '../server/db/pg-driver';
import { migrate } from '../server/db/migrate';
import { loadSampleStreet } from '../server/sample/load-sample';
import { FACILITY_TYPES } from '../common/domain';
import { createSyntheticGrid } from '../server/walk/synthetic-grid';
import { snapBuildingsToNetwork } from '../server/walk/snap-buildings';
import { multiSourceDijkstra } from '../server/walk/dijkstra';
import { CoverageEngine } from '../server/coverage/coverage-engine';
import { evaluateWhatIf } from '../server/coverage/what-if';
import { median, percentile, printTable, row, writeResult, type BenchContext, type BenchRow } from './bench-kit';

const CUTOFF_S = 15 * 60;
/** Resident walks to the facility: pgRouting on the reversed edges is the same search as our 'to'. */
const REVERSED_EDGES_SQL = 'SELECT id, target AS source, source AS target, cost_s AS cost, reverse_cost_s AS reverse_cost FROM walk_edges';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function scratchDb(base: string): Promise<{ db: Db; drop(): Promise<void> }> {
  const name = `gcc_bench_coverage_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(base, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = await openPg({ connectionString: withDatabase(base, name), statementTimeoutMillis: 600_000 });
  await migrate(db);
  await db.query('CREATE EXTENSION IF NOT EXISTS pgrouting');
  return {
    db,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: withDatabase(base, 'postgres') });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

interface ScaleResult { rows: BenchRow[]; notes: string[] }

async function measureScale(db: Db, scale: string, runs: number, log: (m: string) => void): Promise<ScaleResult> {
  const notes: string[] = [];
  const engine = new CoverageEngine(db, { recheckMs: Infinity });
  let t0 = performance.now();
  const state = await engine.getState();
  const loadMs = performance.now() - t0;
  log(`${scale}: ${state.graph.nodeCount} nodes, ${state.graph.edgeCount} edges, ${state.buildings.count} buildings, ${state.facilities.length} facilities; load ${loadMs.toFixed(0)} ms`);

  // Start nodes per type: the nearer end of each facility's edge (pgRouting starts at vertices only).
  const startsByType = FACILITY_TYPES.map((type) => {
    const ids = new Set<number>();
    for (const f of state.facilities) {
      if (f.type !== type || !f.at) continue;
      const e = f.at.edge;
      const node = f.at.fraction < 0.5 ? state.graph.edgeSource[e] : state.graph.edgeTarget[e];
      ids.add(state.graph.nodeIds[node]);
    }
    return { type, ids: [...ids] };
  }).filter((s) => s.ids.length > 0);

  // 1. Same search both ways: node fields for every type from the same start vertices, 15-minute cutoff.
  const oursNodeMs: number[] = [];
  const pgrMs: number[] = [];
  let worstSetDiff = 0, worstTimeOff = 0, worstExactOff = 0;
  const pgrQuery = (equicost: boolean) =>
    `SELECT node, min(agg_cost) AS agg_cost FROM pgr_drivingDistance($1, $2::bigint[], $3, directed => true, equicost => ${equicost}) GROUP BY node`;
  const oursAllTypes = () => {
    for (const { ids } of startsByType) {
      multiSourceDijkstra(state.graph, ids.map((id, i) => ({ node: state.graph.nodeIndex.get(id)!, costS: 0, origin: i })), 'to', CUTOFF_S);
    }
  };
  // One untimed run of each first (pgRouting's pages in cache, our code compiled by V8), so the few
  // timed runs at city size measure the steady state of both rather than one side's warm-up.
  for (const { ids } of startsByType) await db.query(pgrQuery(true), [REVERSED_EDGES_SQL, ids, CUTOFF_S]);
  oursAllTypes();
  // Baseline and ours in separate loops, so the garbage of large result sets is not collected inside our timings.
  for (let r = 0; r < runs; r++) {
    const b = performance.now();
    for (const { ids } of startsByType) await db.query(pgrQuery(true), [REVERSED_EDGES_SQL, ids, CUTOFF_S]);
    pgrMs.push(performance.now() - b);
  }
  for (let r = 0; r < runs; r++) {
    const a = performance.now();
    oursAllTypes();
    oursNodeMs.push(performance.now() - a);
  }
  // Equal results: reachable set vs pgRouting's equicost answer (QUALITY.md's criterion), and times vs the
  // exact minimum over starts (pgRouting 3.4's equicost times are above it at some nodes).
  for (const { ids } of startsByType) {
    const { dist } = multiSourceDijkstra(state.graph, ids.map((id, i) => ({ node: state.graph.nodeIndex.get(id)!, costS: 0, origin: i })), 'to', CUTOFF_S);
    const eq = await db.query<{ node: number; agg_cost: number }>(pgrQuery(true), [REVERSED_EDGES_SQL, ids, CUTOFF_S]);
    const ex = await db.query<{ node: number; agg_cost: number }>(pgrQuery(false), [REVERSED_EDGES_SQL, ids, CUTOFF_S]);
    let reach = 0;
    for (let i = 0; i < state.graph.nodeCount; i++) if (Number.isFinite(dist[i])) reach++;
    let off = 0, exactOff = 0;
    for (const x of eq.rows) {
      const i = state.graph.nodeIndex.get(Number(x.node));
      if (i === undefined || Math.abs(dist[i] - Number(x.agg_cost)) > 0.01 * Math.max(1, Number(x.agg_cost))) off++;
    }
    for (const x of ex.rows) {
      const i = state.graph.nodeIndex.get(Number(x.node));
      if (i === undefined || Math.abs(dist[i] - Number(x.agg_cost)) > 1e-6 * Math.max(1, Number(x.agg_cost))) exactOff++;
    }
    worstSetDiff = Math.max(worstSetDiff, Math.abs(reach - eq.rows.length) / Math.max(1, eq.rows.length));
    worstTimeOff = Math.max(worstTimeOff, off / Math.max(1, eq.rows.length));
    worstExactOff = Math.max(worstExactOff, exactOff / Math.max(1, ex.rows.length) + Math.abs(reach - ex.rows.length) / Math.max(1, ex.rows.length));
  }
  const equal = worstSetDiff <= 0.01 && worstExactOff <= 0.01;
  notes.push(`${scale}: load average ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} after the search timings`);
  notes.push(`${scale}: reachable set vs pgRouting equicost differs by ≤ ${(worstSetDiff * 100).toFixed(3)}%; nodes whose time differs > 1% from equicost: ≤ ${(worstTimeOff * 100).toFixed(3)}%; mismatches vs the exact minimum over starts (pgRouting, equicost off): ≤ ${(worstExactOff * 100).toFixed(3)}%`);
  const baseline = 'pgr_drivingDistance multi-start, equicost, 15 min, all types';

  // 2. Our full coverage recompute: fields from the facilities' exact edge positions + every building's time.
  const fullMs: number[] = [];
  await engine.recomputeAll(); // untimed warm-up, as above
  for (let r = 0; r < runs; r++) {
    t0 = performance.now();
    await engine.recomputeAll();
    fullMs.push(performance.now() - t0);
  }

  // 3. What-if latency: add a site / move a facility, figures + rings, server time.
  await engine.edgeGeometry();
  await engine.snapIndex();
  const type = startsByType.reduce((a, b) => (b.ids.length < a.ids.length ? b : a)).type; // fewest sites: biggest change
  const some = state.facilities.find((f) => f.type === type)!;
  const whatIfMs: number[] = [];
  const whatIfCpuMs: number[] = [];
  const whatIfRuns = Math.max(20, runs * 10);
  for (let i = 0; i < whatIfRuns; i++) {
    const dx = ((i % 7) - 3) * 0.0012, dy = ((Math.floor(i / 7) % 7) - 3) * 0.0012;
    const changes = i % 2 === 0
      ? [{ op: 'add' as const, type, lon: some.lon + dx, lat: some.lat + dy }]
      : [{ op: 'move' as const, facilityId: some.id, lon: some.lon + dx, lat: some.lat + dy }];
    try {
      const cpu0 = process.cpuUsage();
      const res = await evaluateWhatIf(db, engine, changes);
      const cpu = process.cpuUsage(cpu0);
      whatIfMs.push(res.serverMs);
      whatIfCpuMs.push((cpu.user + cpu.system) / 1000);
    } catch {
      // a site off the network at this offset: not a what-if the planner could place
    }
  }
  const pgrOneType = median(pgrMs) / startsByType.length;
  const whatIfTarget = scale.startsWith('city') ? 1000 : 50;
  return {
    notes,
    rows: [
      row({ scale, metric: 'node_fields_all_types_median_ms', value: median(oursNodeMs), baseline, baselineValue: median(pgrMs),
        target: '≤ 0.1 (≥ 10× faster) at equal results', met: (_v, ratio) => ratio <= 0.1 && equal }),
      row({ scale, metric: 'full_recompute_with_buildings_median_ms', value: median(fullMs), baseline, baselineValue: median(pgrMs),
        target: '≤ 0.1 (≥ 10× faster)', met: (_v, ratio) => ratio <= 0.1 }),
      row({ scale, metric: 'graph_load_ms', value: loadMs, baseline, baselineValue: median(pgrMs), target: 'info (once per data change)', met: () => true }),
      row({ scale, metric: 'what_if_median_ms', value: median(whatIfMs), baseline: 'pgr_drivingDistance for one type', baselineValue: pgrOneType,
        target: `< ${whatIfTarget} ms`, met: (v) => v < whatIfTarget }),
      // CPU time of this process during the what-if: what the wall time would be on an idle core.
      row({ scale, metric: 'what_if_cpu_median_ms', value: median(whatIfCpuMs), baseline: 'pgr_drivingDistance for one type (wall)', baselineValue: pgrOneType,
        target: `< ${whatIfTarget} ms`, met: (v) => v < whatIfTarget }),
      row({ scale, metric: 'what_if_p99_ms', value: percentile(whatIfMs, 99), baseline: 'pgr_drivingDistance for one type', baselineValue: pgrOneType,
        target: `< ${whatIfTarget} ms`, met: (v) => v < whatIfTarget }),
    ],
  };
}

/** Notes of the last run (equality checks, machine load), written beside the rows when run alone. */
export const lastNotes: string[] = [];

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.databaseUrl) {
    ctx.log('skipped: DATABASE_URL is not set (the baseline is pgRouting on a PostgreSQL server)');
    return [];
  }
  const runs = ctx.quick ? 3 : 7;
  const rows: BenchRow[] = [];
  const notes: string[] = [];

  const street = await scratchDb(ctx.databaseUrl);
  try {
    await loadSampleStreet(street.db);
    const n = Number((await street.db.query<{ n: number }>('SELECT count(*)::int AS n FROM walk_edges')).rows[0].n);
    let label = 'street';
    if (n === 0) {
      label = 'street (synthetic 45×45 grid: the sample has no walking network)';
      await createSyntheticGrid(street.db, { side: 45, facilitySpacing: 15 });
      await snapBuildingsToNetwork(street.db);
    }
    const r = await measureScale(street.db, label, runs, ctx.log);
    rows.push(...r.rows);
    notes.push(...r.notes);
  } finally {
    await street.drop();
  }

  const side = ctx.quick ? 150 : 320;
  const city = await scratchDb(ctx.databaseUrl);
  try {
    const t0 = performance.now();
    const made = await createSyntheticGrid(city.db, { side, facilitySpacing: 12 });
    await snapBuildingsToNetwork(city.db);
    await city.db.query('ANALYZE');
    ctx.log(`city: synthetic ${side}×${side} grid, ${made.edges} edges, ${made.buildings} buildings, ${made.facilities} facilities, built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const r = await measureScale(city.db, `city (synthetic ${side}×${side} grid, ${made.edges} edges)`, Math.min(runs, 3), ctx.log);
    rows.push(...r.rows);
    notes.push(...r.notes);
  } finally {
    await city.drop();
  }
  notes.push(`load average while measuring: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${os.cpus().length} cores (shared machine: absolute latencies are inflated, ratios are same-run)`);
  for (const n of notes) ctx.log(n);
  lastNotes.splice(0, lastNotes.length, ...notes);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const rows = await run({ databaseUrl: process.env.DATABASE_URL, quick, log: (m) => console.log(`[coverage] ${m}`) });
  printTable('coverage', rows);
  console.log(`written ${await writeResult('coverage', rows, lastNotes)}`);
}
