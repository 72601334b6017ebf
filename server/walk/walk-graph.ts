// The walking network as compact typed arrays (CSR adjacency), built once from walk_nodes/walk_edges and
// reused by every coverage, what-if and dispatch query until the network changes. Costs are seconds of
// walking; a negative cost means "not walkable in that direction" (pgRouting convention, migration 001).
import type { Queryable } from '../db/db';

export interface WalkEdgeInput {
  id: number;
  source: number;
  target: number;
  costS: number;
  reverseCostS: number;
}

export interface WalkGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Database id of each node index. */
  readonly nodeIds: Float64Array;
  readonly nodeIndex: ReadonlyMap<number, number>;
  readonly edgeIds: Float64Array;
  readonly edgeIndex: ReadonlyMap<number, number>;
  readonly edgeSource: Int32Array;
  readonly edgeTarget: Int32Array;
  /** Cost source → target (s), < 0 when not walkable that way. */
  readonly edgeCost: Float64Array;
  /** Cost target → source (s), < 0 when not walkable that way. */
  readonly edgeReverseCost: Float64Array;
  /** Outgoing arcs: node u's arcs are [outOffsets[u], outOffsets[u+1]). */
  readonly outOffsets: Int32Array;
  readonly outTo: Int32Array;
  readonly outCost: Float64Array;
  /** Incoming arcs (the reversed graph), for "time from every node to the nearest source". */
  readonly inOffsets: Int32Array;
  readonly inFrom: Int32Array;
  readonly inCost: Float64Array;
}

function buildCsr(n: number, from: Int32Array, to: Int32Array, cost: Float64Array, count: number) {
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < count; i++) offsets[from[i] + 1]++;
  for (let u = 0; u < n; u++) offsets[u + 1] += offsets[u];
  const cursor = offsets.slice(0, n);
  const outTo = new Int32Array(count);
  const outCost = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const k = cursor[from[i]]++;
    outTo[k] = to[i];
    outCost[k] = cost[i];
  }
  return { offsets, to: outTo, cost: outCost };
}

/** Builds the graph from plain arrays (the loader below, tests and benchmarks use it). */
export function buildWalkGraph(nodeIdList: ArrayLike<number>, edges: readonly WalkEdgeInput[]): WalkGraph {
  const n = nodeIdList.length;
  const nodeIds = Float64Array.from(nodeIdList);
  const nodeIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) nodeIndex.set(nodeIds[i], i);
  const m = edges.length;
  const edgeIds = new Float64Array(m);
  const edgeIndex = new Map<number, number>();
  const edgeSource = new Int32Array(m);
  const edgeTarget = new Int32Array(m);
  const edgeCost = new Float64Array(m);
  const edgeReverseCost = new Float64Array(m);
  const arcFrom = new Int32Array(2 * m);
  const arcTo = new Int32Array(2 * m);
  const arcCost = new Float64Array(2 * m);
  let arcs = 0;
  for (let i = 0; i < m; i++) {
    const e = edges[i];
    const s = nodeIndex.get(e.source);
    const t = nodeIndex.get(e.target);
    if (s === undefined || t === undefined) throw new Error(`walk edge ${e.id} references an unknown node`);
    edgeIds[i] = e.id;
    edgeIndex.set(e.id, i);
    edgeSource[i] = s;
    edgeTarget[i] = t;
    edgeCost[i] = e.costS;
    edgeReverseCost[i] = e.reverseCostS;
    if (e.costS >= 0) {
      arcFrom[arcs] = s; arcTo[arcs] = t; arcCost[arcs] = e.costS; arcs++;
    }
    if (e.reverseCostS >= 0) {
      arcFrom[arcs] = t; arcTo[arcs] = s; arcCost[arcs] = e.reverseCostS; arcs++;
    }
  }
  const out = buildCsr(n, arcFrom, arcTo, arcCost, arcs);
  const inn = buildCsr(n, arcTo, arcFrom, arcCost, arcs);
  return {
    nodeCount: n,
    edgeCount: m,
    nodeIds,
    nodeIndex,
    edgeIds,
    edgeIndex,
    edgeSource,
    edgeTarget,
    edgeCost,
    edgeReverseCost,
    outOffsets: out.offsets,
    outTo: out.to,
    outCost: out.cost,
    inOffsets: inn.offsets,
    inFrom: inn.to,
    inCost: inn.cost,
  };
}

/** Loads the whole walking network from the database (one query per table, numbers only). */
export async function loadWalkGraph(q: Queryable): Promise<WalkGraph> {
  const nodes = await q.query<{ id: number }>('SELECT id FROM walk_nodes ORDER BY id');
  const edges = await q.query<{ id: number; source: number; target: number; cost_s: number; reverse_cost_s: number }>(
    'SELECT id, source, target, cost_s, reverse_cost_s FROM walk_edges ORDER BY id',
  );
  return buildWalkGraph(
    nodes.rows.map((r) => Number(r.id)),
    edges.rows.map((r) => ({
      id: Number(r.id),
      source: Number(r.source),
      target: Number(r.target),
      costS: Number(r.cost_s),
      reverseCostS: Number(r.reverse_cost_s),
    })),
  );
}

/**
 * Cost of walking along edge `e` from fraction p to fraction q (0 = source end, 1 = target end), or
 * Infinity when that direction is not walkable. Fractions are those of ST_LineLocatePoint.
 */
export function alongEdge(g: WalkGraph, e: number, p: number, q: number): number {
  if (q === p) return 0;
  if (q > p) {
    const c = g.edgeCost[e];
    return c >= 0 ? (q - p) * c : Infinity;
  }
  const rc = g.edgeReverseCost[e];
  return rc >= 0 ? (p - q) * rc : Infinity;
}
