// Multi-source Dijkstra over the CSR walking graph on typed arrays, with one of two priority queues:
//
// - a bucket queue (Dinitz 1978, "Economical algorithms for finding shortest paths in a network"; on the
//   circular array of Dial 1969) when every arc costs at least some c_min > 0 — walking networks, where
//   an arc is a street segment. Buckets are Δ = c_min / 2 wide. A node u labelled d(u) in bucket
//   ⌊d(u)/Δ⌋ = b can only be improved by a node p with d(p) ≤ d(u) − c_min ≤ d(u) − 2Δ, i.e. from a
//   bucket ≤ b − 1 (the second Δ of margin absorbs floating-point rounding in ⌊d/Δ⌋), so every label in
//   bucket b is final when the scan reaches b and nodes within a bucket may be settled in any order.
//   Pushes and pops are O(1): 2.5–4× faster than the heap on the 204k-edge city grid (bench/coverage).
// - a binary heap with lazy deletion otherwise (zero-cost arcs, or arc costs so far apart that the ring
//   of buckets would be huge): a node may be pushed more than once; stale entries are skipped when popped.
//
// Both give the same times (each node's time is the minimum over its in-arcs of the predecessor's final
// time plus the arc cost, whatever the settling order) and the same origin: at an exact tie between
// sources the smallest origin wins, so the answer never depends on the queue's internal order.
import { alongEdge, type WalkGraph } from './walk-graph';

/**
 * 'from': times from the sources outward (what pgr_drivingDistance computes; a worker walking to an
 * incident is 'from' the worker). 'to': times from every node to the nearest source (a resident walking to
 * a facility) — the same search on the reversed arcs. They differ only where one-way paths exist.
 */
export type WalkDirection = 'from' | 'to';

export interface Seed {
  node: number;
  costS: number;
  /** Which source this seed belongs to (e.g. an index into the facility list). */
  origin: number;
}

/** A point on the network: edge index and fraction along it (0 at the source node). */
export interface EdgePoint {
  edge: number;
  fraction: number;
}

export interface OnEdgeSource {
  fraction: number;
  origin: number;
  offsetS: number;
}

/**
 * A source placed on an edge. `offsetS` is a time the source itself adds before (direction 'to': after) the
 * network: the facility's straight-line access walk to its snap point. It is part of the seed's cost, so the
 * field, the building times and the rings all carry it.
 */
export type SourcePoint = EdgePoint & { origin: number; offsetS?: number };

export interface TimeField {
  direction: WalkDirection;
  /** Seconds per node; Infinity when unreachable (or beyond the cutoff). */
  dist: Float64Array;
  /** Origin of the nearest source per node (the smallest one at an exact tie); -1 when unreachable. */
  origin: Int32Array;
  /**
   * Sources that sit on an edge, so points on the same edge can reach them without passing a node;
   * offsetS is the source's own access walk (server/walk/network-access.ts), 0 on the network.
   */
  onEdge: ReadonlyMap<number, ReadonlyArray<OnEdgeSource>>;
  cutoffS: number;
}

class MinHeap {
  private keys: Float64Array;
  private vals: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity));
    this.vals = new Int32Array(Math.max(16, capacity));
  }
  push(key: number, val: number): void {
    if (this.size === this.keys.length) {
      const k = new Float64Array(this.size * 2); k.set(this.keys); this.keys = k;
      const v = new Int32Array(this.size * 2); v.set(this.vals); this.vals = v;
    }
    let i = this.size++;
    const keys = this.keys, vals = this.vals;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] <= key) break;
      keys[i] = keys[p]; vals[i] = vals[p]; i = p;
    }
    keys[i] = key; vals[i] = val;
  }
  /** Removes the minimum; read it first with topKey/topVal. */
  pop(): void {
    const keys = this.keys, vals = this.vals;
    const n = --this.size;
    if (n === 0) return;
    const key = keys[n], val = vals[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && keys[c + 1] < keys[c]) c++;
      if (keys[c] >= key) break;
      keys[i] = keys[c]; vals[i] = vals[c]; i = c;
    }
    keys[i] = key; vals[i] = val;
  }
  topKey(): number { return this.keys[0]; }
  topVal(): number { return this.vals[0]; }
}

/** Seeds for a source sitting at a point on an edge: both end nodes with the partial cost. */
export function seedsForPoint(g: WalkGraph, p: EdgePoint, origin: number, direction: WalkDirection, offsetS = 0): Seed[] {
  const s = g.edgeSource[p.edge], t = g.edgeTarget[p.edge];
  const toS = offsetS + (direction === 'from' ? alongEdge(g, p.edge, p.fraction, 0) : alongEdge(g, p.edge, 0, p.fraction));
  const toT = offsetS + (direction === 'from' ? alongEdge(g, p.edge, p.fraction, 1) : alongEdge(g, p.edge, 1, p.fraction));
  const seeds: Seed[] = [];
  if (Number.isFinite(toS)) seeds.push({ node: s, costS: toS, origin });
  if (Number.isFinite(toT)) seeds.push({ node: t, costS: toT, origin });
  return seeds;
}

/** Largest bucket ring: 2·c_max/c_min buckets must fit, or the heap is used. */
const MAX_RING = 1 << 20;
/** Shortest arc (s) the bucket queue accepts (1 ms: a millimetre of walking). */
const MIN_BUCKET_ARC_S = 1e-3;

const arcRangeCache = new WeakMap<WalkGraph, { min: number; max: number }>();

function arcRange(g: WalkGraph): { min: number; max: number } {
  let r = arcRangeCache.get(g);
  if (r === undefined) {
    let min = Infinity, max = 0;
    const c = g.outCost; // both CSR directions hold the same arcs
    for (let k = 0; k < c.length; k++) {
      if (c[k] < min) min = c[k];
      if (c[k] > max) max = c[k];
    }
    r = { min, max };
    arcRangeCache.set(g, r);
  }
  return r;
}

/** Smallest arc cost of the graph; 0 when any arc is free, Infinity without arcs. */
export function minArcCost(g: WalkGraph): number {
  return arcRange(g).min;
}

/**
 * Whether the bucket queue gives exact answers on this graph: every arc costs ≥ 1 ms and the ring of
 * buckets (Δ = c_min/2 wide, spanning the longest arc) is at most MAX_RING long. The cutoff does not
 * matter: the ring is circular (Dial 1969), so a search may run to any distance.
 */
export function bucketQueueApplies(g: WalkGraph): boolean {
  const { min, max } = arcRange(g);
  // c_min ≥ 1 ms keeps bucket numbers d/Δ far below 2^50 for any real walk, where ⌊d/Δ⌋ stays exact.
  return min >= MIN_BUCKET_ARC_S && Number.isFinite(min) && ringSize(min, max) <= MAX_RING;
}

function ringSize(min: number, max: number): number {
  return Math.floor(max * (2 / min)) + 3;
}

/**
 * Whether multiSourceDijkstra picks the bucket queue: it applies, and its ring is small against the graph
 * (≤ n/4 buckets). Every search allocates and walks the ring, so on a small network with a wide spread of
 * arc lengths (the sample street: 0.15–477 s, 6,400 buckets for 493 nodes) the heap is cheaper.
 */
export function usesBucketQueue(g: WalkGraph): boolean {
  const { min, max } = arcRange(g);
  return bucketQueueApplies(g) && ringSize(min, max) <= g.nodeCount / 4;
}

/** Arc relaxation rule shared by both queues: strictly shorter, or as short from a smaller origin. */
function better(nd: number, o: number, dv: number, ov: number): boolean {
  return nd < dv || (nd === dv && o < ov);
}

/**
 * Multi-source shortest paths. With `init`, the search starts from an existing field and only improves it
 * (adding a source to a cached field: the new source's search stops where the old times are already better).
 */
export function multiSourceDijkstra(
  g: WalkGraph,
  seeds: readonly Seed[],
  direction: WalkDirection,
  cutoffS = Infinity,
  init?: { dist: Float64Array; origin: Int32Array },
): { dist: Float64Array; origin: Int32Array } {
  return multiSourceDijkstraUsing(usesBucketQueue(g) ? 'bucket' : 'heap', g, seeds, direction, cutoffS, init);
}

/** multiSourceDijkstra on a chosen queue (tests compare the two; 'bucket' needs bucketQueueApplies). */
export function multiSourceDijkstraUsing(
  queue: 'heap' | 'bucket',
  g: WalkGraph,
  seeds: readonly Seed[],
  direction: WalkDirection,
  cutoffS = Infinity,
  init?: { dist: Float64Array; origin: Int32Array },
): { dist: Float64Array; origin: Int32Array } {
  if (queue === 'bucket' && !bucketQueueApplies(g)) {
    throw new RangeError('the bucket queue needs arcs of positive cost within a factor MAX_RING/2 of each other');
  }
  const n = g.nodeCount;
  const dist = init ? init.dist.slice() : new Float64Array(n).fill(Infinity);
  const origin = init ? init.origin.slice() : new Int32Array(n).fill(-1);
  if (queue === 'bucket') bucketSearch(g, seeds, direction, cutoffS, dist, origin);
  else {
    const heap = new MinHeap(Math.min(n, 1024));
    for (const sd of seeds) {
      if (sd.costS <= cutoffS && better(sd.costS, sd.origin, dist[sd.node], origin[sd.node])) {
        dist[sd.node] = sd.costS;
        origin[sd.node] = sd.origin;
        heap.push(sd.costS, sd.node);
      }
    }
    drainHeap(g, heap, direction, cutoffS, dist, origin);
  }
  return { dist, origin };
}

function drainHeap(g: WalkGraph, heap: MinHeap, direction: WalkDirection, cutoffS: number, dist: Float64Array, origin: Int32Array): void {
  const offsets = direction === 'from' ? g.outOffsets : g.inOffsets;
  const adj = direction === 'from' ? g.outTo : g.inFrom;
  const cost = direction === 'from' ? g.outCost : g.inCost;
  while (heap.size > 0) {
    const d = heap.topKey();
    const u = heap.topVal();
    heap.pop();
    // Stale entry. An entry with d === dist[u] is processed again when a zero-cost tie gave u a smaller
    // origin after it was settled: that origin must reach u's successors too.
    if (d > dist[u]) continue;
    const o = origin[u];
    for (let k = offsets[u], end = offsets[u + 1]; k < end; k++) {
      const v = adj[k];
      const nd = d + cost[k];
      if (nd <= cutoffS && better(nd, o, dist[v], origin[v])) {
        dist[v] = nd;
        origin[v] = o;
        heap.push(nd, v);
      }
    }
  }
}

/**
 * Dinitz's bucket queue on a circular ring of R buckets (Dial 1969). Every label in the queue lies within
 * one longest arc above the bucket being scanned, so R = ⌊c_max/Δ⌋ + 3 buckets never wrap onto a live
 * one. Seeds enter when the scan reaches their bucket (so their spread does not matter), the scan jumps
 * to the next seed when the ring is empty, and a search that keeps walking empty buckets (a thin frontier
 * on a graph with a few very short arcs) hands its queue to the heap instead.
 */
function bucketSearch(g: WalkGraph, seeds: readonly Seed[], direction: WalkDirection, cutoffS: number, dist: Float64Array, origin: Int32Array): void {
  const offsets = direction === 'from' ? g.outOffsets : g.inOffsets;
  const adj = direction === 'from' ? g.outTo : g.inFrom;
  const cost = direction === 'from' ? g.outCost : g.inCost;
  const { min, max } = arcRange(g);
  const inv = 2 / min; // 1 / Δ
  const ring = ringSize(min, max);
  // Buckets are singly linked lists threaded through two growable entry arrays (node, next entry).
  const head = new Int32Array(ring).fill(-1);
  let cap = Math.max(1024, Math.min(g.nodeCount, 1 << 16));
  let entryNode = new Int32Array(cap);
  let entryNext = new Int32Array(cap);
  let entries = 0;
  let live = 0;
  const push = (bucket: number, v: number): void => {
    if (entries === cap) {
      cap *= 2;
      const a = new Int32Array(cap); a.set(entryNode); entryNode = a;
      const c = new Int32Array(cap); c.set(entryNext); entryNext = c;
    }
    const slot = bucket % ring;
    entryNode[entries] = v;
    entryNext[entries] = head[slot];
    head[slot] = entries++;
    live++;
  };
  const pending = seeds.filter((sd) => sd.costS <= cutoffS).sort((x, y) => x.costS - y.costS);
  let next = 0;
  const settled = new Uint8Array(g.nodeCount);
  let empty = 0;
  for (let b = pending.length ? Math.floor(pending[0].costS * inv) : 0; live > 0 || next < pending.length; b++) {
    if (live === 0 && Math.floor(pending[next].costS * inv) > b) b = Math.floor(pending[next].costS * inv);
    while (next < pending.length && Math.floor(pending[next].costS * inv) <= b) {
      const sd = pending[next++];
      if (better(sd.costS, sd.origin, dist[sd.node], origin[sd.node])) {
        dist[sd.node] = sd.costS;
        origin[sd.node] = sd.origin;
        push(b, sd.node);
      }
    }
    const slot = b % ring;
    let e = head[slot];
    if (e === -1) {
      // Walking empty buckets: beyond a few per entry the heap is cheaper. Every label in the ring is
      // final or tentative exactly as the heap would hold it, so the heap finishes the same search.
      if (++empty > 4 * entries + ring) {
        const heap = new MinHeap(Math.max(16, live));
        for (let k = 0; k < ring; k++) {
          for (let x = head[k]; x !== -1; x = entryNext[x]) {
            const u = entryNode[x];
            if (settled[u] === 0) heap.push(dist[u], u);
          }
        }
        for (; next < pending.length; next++) {
          const sd = pending[next];
          if (better(sd.costS, sd.origin, dist[sd.node], origin[sd.node])) {
            dist[sd.node] = sd.costS;
            origin[sd.node] = sd.origin;
            heap.push(sd.costS, sd.node);
          }
        }
        drainHeap(g, heap, direction, cutoffS, dist, origin);
        return;
      }
      continue;
    }
    head[slot] = -1; // detached: pushes from this bucket land in later buckets (arcs cost ≥ 2Δ)
    while (e !== -1) {
      const u = entryNode[e];
      e = entryNext[e];
      live--;
      const d = dist[u];
      // A label only falls, into an earlier bucket, where it was settled: so an entry whose node is not
      // settled is the node's current label, in this bucket.
      if (settled[u] === 1) continue;
      settled[u] = 1;
      const o = origin[u];
      // The relaxation repeats the heap search's on purpose: this is the innermost loop of every coverage
      // recompute, and a shared per-arc callback would not be inlined across the two queues.
      for (let k = offsets[u], end = offsets[u + 1]; k < end; k++) {
        const v = adj[k];
        const nd = d + cost[k];
        if (nd <= cutoffS && better(nd, o, dist[v], origin[v])) {
          dist[v] = nd;
          origin[v] = o;
          push(Math.floor(nd * inv), v);
        }
      }
    }
  }
}

/** A full time field from sources placed on edges (facilities, workers, an incident point). */
export function timeFieldFromPoints(
  g: WalkGraph,
  points: ReadonlyArray<SourcePoint>,
  direction: WalkDirection,
  cutoffS = Infinity,
  base?: TimeField,
): TimeField {
  const seeds: Seed[] = [];
  const onEdge = new Map<number, OnEdgeSource[]>();
  if (base) for (const [e, list] of base.onEdge) onEdge.set(e, [...list]);
  for (const p of points) {
    const offsetS = p.offsetS ?? 0;
    seeds.push(...seedsForPoint(g, p, p.origin, direction, offsetS));
    const list = onEdge.get(p.edge) ?? [];
    list.push({ fraction: p.fraction, origin: p.origin, offsetS });
    onEdge.set(p.edge, list);
  }
  const { dist, origin } = multiSourceDijkstra(g, seeds, direction, cutoffS, base);
  return { direction, dist, origin, onEdge, cutoffS: base ? Math.min(base.cutoffS, cutoffS) : cutoffS };
}

/** Walking time at a point of the network (a building's access point) and the origin that gives it. */
export function timeAtPoint(g: WalkGraph, field: TimeField, p: EdgePoint): { timeS: number; origin: number } {
  const e = p.edge, x = p.fraction;
  const s = g.edgeSource[e], t = g.edgeTarget[e];
  let best = Infinity, who = -1;
  const viaS = field.direction === 'to' ? alongEdge(g, e, x, 0) + field.dist[s] : field.dist[s] + alongEdge(g, e, 0, x);
  if (viaS < best) { best = viaS; who = field.origin[s]; }
  const viaT = field.direction === 'to' ? alongEdge(g, e, x, 1) + field.dist[t] : field.dist[t] + alongEdge(g, e, 1, x);
  if (viaT < best) { best = viaT; who = field.origin[t]; }
  const same = field.onEdge.get(e);
  if (same) {
    for (const f of same) {
      const c = f.offsetS + (field.direction === 'to' ? alongEdge(g, e, x, f.fraction) : alongEdge(g, e, f.fraction, x));
      if (c < best) { best = c; who = f.origin; }
    }
  }
  return best <= field.cutoffS ? { timeS: best, origin: who } : { timeS: Infinity, origin: -1 };
}

/**
 * timeAtPoint for many points at once, written into typed arrays (no object per point): the hot loop of a
 * full recompute. Points with edge < 0 get Infinity / -1. `accessS` is added to every finite time.
 */
export function fillTimesAtPoints(
  g: WalkGraph,
  field: TimeField,
  edges: Int32Array,
  fractions: Float64Array,
  accessS: Float64Array,
  outTime: Float64Array,
  outOrigin: Int32Array,
): void {
  const to = field.direction === 'to';
  const { dist, origin } = field;
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i];
    if (e < 0) { outTime[i] = Infinity; outOrigin[i] = -1; continue; }
    const x = fractions[i];
    const s = g.edgeSource[e], t = g.edgeTarget[e];
    const c = g.edgeCost[e], rc = g.edgeReverseCost[e];
    // To/from the source end walks towards fraction 0; to/from the target end towards 1.
    const toS = to ? (x === 0 ? 0 : rc >= 0 ? x * rc : Infinity) : (x === 0 ? 0 : c >= 0 ? x * c : Infinity);
    const toT = to ? (x === 1 ? 0 : c >= 0 ? (1 - x) * c : Infinity) : (x === 1 ? 0 : rc >= 0 ? (1 - x) * rc : Infinity);
    let best = Infinity, who = -1;
    const viaS = toS + dist[s];
    if (viaS < best) { best = viaS; who = origin[s]; }
    const viaT = toT + dist[t];
    if (viaT < best) { best = viaT; who = origin[t]; }
    const same = field.onEdge.get(e);
    if (same) {
      for (const f of same) {
        const cost = f.offsetS + (to ? alongEdge(g, e, x, f.fraction) : alongEdge(g, e, f.fraction, x));
        if (cost < best) { best = cost; who = f.origin; }
      }
    }
    const total = best + accessS[i];
    if (best <= field.cutoffS && total < Infinity) { outTime[i] = total; outOrigin[i] = who; } else { outTime[i] = Infinity; outOrigin[i] = -1; }
  }
}
