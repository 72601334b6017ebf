// Where to build next: the maximal covering location problem (Church & ReVelle 1974) with the existing
// facilities kept — pick k candidate sites that maximise newly covered demand within the time limit.
// Greedy with lazy evaluation (Minoux 1978): coverage gain is submodular, so a candidate's last computed
// gain is an upper bound and only the top of the queue needs recomputing. Greedy reaches ≥ (1 − 1/e) of
// the optimum.
import type { Queryable } from '../db/db';
import type { FacilityType } from '../../common/domain';
import { multiSourceDijkstra, timeAtPoint, type TimeField } from '../walk/dijkstra';
import type { CoverageEngine } from './coverage-engine';
import type { CoverageState } from './coverage-engine';
import type { SuggestedSite, SuggestResult } from '../../common/coverage';

export type { SuggestedSite, SuggestResult };

/**
 * Candidate sites are network nodes (so a suggested site always stands on the network); beyond this many, an
 * even stride over them. Buildings unreachable by the network (network-access.ts) are no one's demand: no
 * site can cover them, and the answer says how many residents that leaves out.
 */
export const MAX_CANDIDATES = 1500;



/** The greedy core, on in-memory data (tests call it directly). */
export function greedyMaximalCovering(
  state: CoverageState,
  baseTimeS: Float64Array,
  limitS: number,
  weights: Float64Array,
  k: number,
  candidateNodes: Int32Array,
): Array<{ node: number; gain: number; covered: Int32Array }> {
  const { graph, buildings } = state;
  const open: number[] = [];
  for (let i = 0; i < buildings.count; i++) if (baseTimeS[i] > limitS && buildings.edge[i] >= 0 && weights[i] > 0) open.push(i);
  const sets: Int32Array[] = [];
  const gains = new Float64Array(candidateNodes.length);
  for (let c = 0; c < candidateNodes.length; c++) {
    const { dist, origin } = multiSourceDijkstra(graph, [{ node: candidateNodes[c], costS: 0, origin: c }], 'to', limitS);
    const field: TimeField = { direction: 'to', dist, origin, onEdge: new Map(), cutoffS: limitS };
    const hit: number[] = [];
    let gain = 0;
    for (const i of open) {
      const t = timeAtPoint(graph, field, { edge: buildings.edge[i], fraction: buildings.fraction[i] }).timeS + buildings.accessS[i];
      if (t <= limitS) { hit.push(i); gain += weights[i]; }
    }
    sets.push(Int32Array.from(hit));
    gains[c] = gain;
  }
  const covered = new Uint8Array(buildings.count);
  const order = Array.from(candidateNodes.keys()).sort((a, b) => gains[b] - gains[a]);
  // Lazy greedy: `bound` holds each candidate's last known gain; re-evaluate only the current best.
  const bound = gains.slice();
  const picked: Array<{ node: number; gain: number; covered: Int32Array }> = [];
  const used = new Uint8Array(candidateNodes.length);
  while (picked.length < k) {
    let best = -1;
    for (;;) {
      order.sort((a, b) => bound[b] - bound[a]);
      const top = order.find((c) => !used[c]);
      if (top === undefined || bound[top] <= 0) break;
      let g = 0;
      for (const i of sets[top]) if (!covered[i]) g += weights[i];
      bound[top] = g;
      const next = order.find((c) => !used[c] && c !== top);
      if (next === undefined || g >= bound[next]) { best = top; break; }
    }
    if (best < 0 || bound[best] <= 0) break;
    used[best] = 1;
    const newly: number[] = [];
    for (const i of sets[best]) if (!covered[i]) { covered[i] = 1; newly.push(i); }
    picked.push({ node: candidateNodes[best], gain: bound[best], covered: Int32Array.from(newly) });
  }
  return picked;
}

/** Per-building demand: residents, optionally scaled up where incidents were reported nearby. */
async function demandWeights(db: Queryable, state: CoverageState, weight: 'residents' | 'incidents', since: Date): Promise<Float64Array> {
  const w = Float64Array.from(state.buildings.residents);
  if (weight === 'residents') return w;
  // Incidents within ≈150 m (0.0015° — the GiST index works in degrees) over the last year.
  const res = await db.query<{ id: number; n: number }>(
    `SELECT b.id, count(i.id)::int AS n
       FROM buildings b JOIN incidents i ON ST_DWithin(i.geom, ST_PointOnSurface(b.geom), 0.0015) AND i.reported_at >= $1
      GROUP BY b.id`,
    [since],
  );
  const counts = new Map(res.rows.map((r) => [r.id, Number(r.n)]));
  let total = 0;
  for (const n of counts.values()) total += n;
  const mean = total / Math.max(1, state.buildings.count);
  if (mean === 0) return w;
  // Weight = residents × (1 + incidents nearby / mean incidents per building): twice the demand where
  // twice the usual number of matters come from.
  for (let i = 0; i < state.buildings.count; i++) w[i] *= 1 + (counts.get(state.buildings.ids[i]) ?? 0) / mean;
  return w;
}

export async function suggestSites(
  db: Queryable,
  engine: CoverageEngine,
  opts: { type: FacilityType; k: number; minutes: number; weight: 'residents' | 'incidents'; now: Date },
): Promise<SuggestResult> {
  const t0 = performance.now();
  const { state, coverage } = await engine.typeCoverage(opts.type);
  const limit = opts.minutes * 60;
  const since = new Date(opts.now.getTime() - 365 * 86_400_000);
  const weights = await demandWeights(db, state, opts.weight, since);
  const n = state.graph.nodeCount;
  const stride = Math.max(1, Math.ceil(n / MAX_CANDIDATES));
  const candidates = new Int32Array(Math.ceil(n / stride));
  for (let c = 0, u = 0; u < n; u += stride, c++) candidates[c] = u;
  const picked = greedyMaximalCovering(state, coverage.buildingTimeS, limit, weights, opts.k, candidates);
  const ids = picked.map((p) => state.graph.nodeIds[p.node]);
  const pos = await db.query<{ id: number; lon: number; lat: number }>(
    'SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM walk_nodes WHERE id = ANY($1::bigint[])',
    [ids],
  );
  const where = new Map(pos.rows.map((r) => [Number(r.id), r]));
  let base = 0, unreachable = 0;
  for (let i = 0; i < state.buildings.count; i++) {
    if (coverage.buildingTimeS[i] <= limit) base += state.buildings.residents[i];
    if (state.buildings.unreachable[i]) unreachable += state.buildings.residents[i];
  }
  let after = base;
  const sites = picked.map((p, r) => {
    let residents = 0;
    for (const i of p.covered) residents += state.buildings.residents[i];
    after += residents;
    const id = state.graph.nodeIds[p.node];
    return { rank: r + 1, nodeId: id, lon: Number(where.get(id)?.lon), lat: Number(where.get(id)?.lat), gain: p.gain, newResidents: residents, newBuildings: p.covered.length };
  });
  return {
    type: opts.type, minutes: opts.minutes, weight: opts.weight, candidates: candidates.length,
    baseResidentsCovered: base, residentsCoveredAfter: after, residentsUnreachable: unreachable, sites, serverMs: performance.now() - t0,
  };
}
