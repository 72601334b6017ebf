// The multi-source Dijkstra against a brute-force reference (Bellman–Ford over the same edges, with the
// partial-edge seeds of facilities placed on edges) on random graphs with one-way and blocked edges.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildWalkGraph, alongEdge, type WalkEdgeInput } from '../../server/walk/walk-graph';
import {
  bucketQueueApplies, fillTimesAtPoints, minArcCost, multiSourceDijkstra, multiSourceDijkstraUsing, timeAtPoint, timeFieldFromPoints, usesBucketQueue,
  type Seed, type WalkDirection,
} from '../../server/walk/dijkstra';

interface Case {
  n: number;
  edges: WalkEdgeInput[];
  sources: Array<{ edge: number; fraction: number }>;
  probes: Array<{ edge: number; fraction: number }>;
}

const caseArb = fc
  .integer({ min: 2, max: 14 })
  .chain((n) =>
    fc
      .array(
        fc.record({
          source: fc.integer({ min: 0, max: n - 1 }),
          target: fc.integer({ min: 0, max: n - 1 }),
          costS: fc.oneof(fc.double({ min: 0, max: 500, noNaN: true }), fc.constant(-1)),
          reverseCostS: fc.oneof(fc.double({ min: 0, max: 500, noNaN: true }), fc.constant(-1)),
        }),
        { minLength: 1, maxLength: 30 },
      )
      .chain((raw) => {
        const edges = raw.map((e, i) => ({ id: 1000 + i, source: 10 + e.source, target: 10 + e.target, costS: e.costS, reverseCostS: e.reverseCostS }));
        const pt = fc.record({ edge: fc.integer({ min: 0, max: edges.length - 1 }), fraction: fc.double({ min: 0, max: 1, noNaN: true }) });
        return fc.record({
          n: fc.constant(n),
          edges: fc.constant(edges),
          sources: fc.array(pt, { minLength: 1, maxLength: 4 }),
          probes: fc.array(pt, { minLength: 1, maxLength: 6 }),
        });
      }),
  );

/** Bellman–Ford: relax every arc n times; sources enter through their partial edges. */
function reference(c: Case, direction: WalkDirection): Float64Array {
  const ids = Array.from({ length: c.n }, (_, i) => 10 + i);
  const g = buildWalkGraph(ids, c.edges);
  const d = new Float64Array(c.n).fill(Infinity);
  for (const s of c.sources) {
    const u = g.edgeSource[s.edge], v = g.edgeTarget[s.edge];
    const toU = direction === 'from' ? alongEdge(g, s.edge, s.fraction, 0) : alongEdge(g, s.edge, 0, s.fraction);
    const toV = direction === 'from' ? alongEdge(g, s.edge, s.fraction, 1) : alongEdge(g, s.edge, 1, s.fraction);
    d[u] = Math.min(d[u], toU);
    d[v] = Math.min(d[v], toV);
  }
  for (let it = 0; it < c.n + 1; it++) {
    for (const e of c.edges) {
      const u = e.source - 10, v = e.target - 10;
      // arc u→v with cost, v→u with reverse cost; 'to' relaxes along reversed arcs.
      const arcs: Array<[number, number, number]> = [];
      if (e.costS >= 0) arcs.push([u, v, e.costS]);
      if (e.reverseCostS >= 0) arcs.push([v, u, e.reverseCostS]);
      for (const [a, b, w] of arcs) {
        if (direction === 'from') d[b] = Math.min(d[b], d[a] + w);
        else d[a] = Math.min(d[a], d[b] + w);
      }
    }
  }
  return d;
}

function close(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

describe('multiSourceDijkstra', () => {
  for (const direction of ['from', 'to'] as const) {
    it(`equals brute force on random graphs with one-ways (${direction})`, () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const ids = Array.from({ length: c.n }, (_, i) => 10 + i);
          const g = buildWalkGraph(ids, c.edges);
          const field = timeFieldFromPoints(g, c.sources.map((s, i) => ({ ...s, origin: i })), direction);
          const ref = reference(c, direction);
          for (let i = 0; i < c.n; i++) expect(close(field.dist[i], ref[i])).toBe(true);
          // A probe point on an edge: min over both ends and any source on the same edge.
          for (const p of c.probes) {
            const u = g.edgeSource[p.edge], v = g.edgeTarget[p.edge];
            let want = direction === 'to'
              ? Math.min(alongEdge(g, p.edge, p.fraction, 0) + ref[u], alongEdge(g, p.edge, p.fraction, 1) + ref[v])
              : Math.min(ref[u] + alongEdge(g, p.edge, 0, p.fraction), ref[v] + alongEdge(g, p.edge, 1, p.fraction));
            for (const s of c.sources) {
              if (s.edge !== p.edge) continue;
              want = Math.min(want, direction === 'to' ? alongEdge(g, p.edge, p.fraction, s.fraction) : alongEdge(g, p.edge, s.fraction, p.fraction));
            }
            expect(close(timeAtPoint(g, field, p).timeS, want)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('stops at the cutoff and leaves farther nodes unreachable', () => {
    const g = buildWalkGraph([1, 2, 3, 4], [
      { id: 1, source: 1, target: 2, costS: 100, reverseCostS: 100 },
      { id: 2, source: 2, target: 3, costS: 100, reverseCostS: 100 },
      { id: 3, source: 3, target: 4, costS: 100, reverseCostS: 100 },
    ]);
    const { dist } = multiSourceDijkstra(g, [{ node: 0, costS: 0, origin: 0 }], 'from', 150);
    expect(Array.from(dist)).toEqual([0, 100, Infinity, Infinity]);
  });

  it('adding a source to a cached field equals computing both from scratch', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const ids = Array.from({ length: c.n }, (_, i) => 10 + i);
        const g = buildWalkGraph(ids, c.edges);
        const pts = c.sources.map((s, i) => ({ ...s, origin: i }));
        const base = timeFieldFromPoints(g, pts.slice(0, 1), 'to');
        const inc = timeFieldFromPoints(g, pts.slice(1), 'to', Infinity, base);
        const full = timeFieldFromPoints(g, pts, 'to');
        for (let i = 0; i < c.n; i++) expect(close(inc.dist[i], full.dist[i])).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fillTimesAtPoints', () => {
  it('equals timeAtPoint point by point on random graphs', () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom<WalkDirection>('from', 'to'), (c, direction) => {
        const ids = Array.from({ length: c.n }, (_, i) => 10 + i);
        const g = buildWalkGraph(ids, c.edges);
        const field = timeFieldFromPoints(g, c.sources.map((s, i) => ({ ...s, origin: i })), direction);
        const edges = Int32Array.from([...c.probes.map((p) => p.edge), -1]);
        const fractions = Float64Array.from([...c.probes.map((p) => p.fraction), 0]);
        const access = new Float64Array(edges.length).fill(7);
        const time = new Float64Array(edges.length);
        const origin = new Int32Array(edges.length);
        fillTimesAtPoints(g, field, edges, fractions, access, time, origin);
        c.probes.forEach((p, i) => {
          const one = timeAtPoint(g, field, p);
          expect(close(time[i], one.timeS + 7)).toBe(true);
          expect(origin[i]).toBe(one.origin);
        });
        expect(time[edges.length - 1]).toBe(Infinity);
      }),
      { numRuns: 300 },
    );
  });
});

// Integer costs (exact arithmetic, so "tie" means an exact tie) on random graphs with one-ways; seeds at nodes.
const intCaseArb = fc.integer({ min: 2, max: 16 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.record({
        source: fc.integer({ min: 0, max: n - 1 }),
        target: fc.integer({ min: 0, max: n - 1 }),
        costS: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(-1)),
        reverseCostS: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(-1)),
      }),
      { minLength: 1, maxLength: 40 },
    ),
    seeds: fc.array(fc.record({ node: fc.integer({ min: 0, max: n - 1 }), costS: fc.integer({ min: 0, max: 4 }), origin: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 5 }),
    cutoff: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.constant(Infinity)),
  }),
);

function intGraph(c: { n: number; edges: Array<{ source: number; target: number; costS: number; reverseCostS: number }> }) {
  return buildWalkGraph(Array.from({ length: c.n }, (_, i) => 10 + i), c.edges.map((e, i) => ({ id: 1000 + i, source: 10 + e.source, target: 10 + e.target, costS: e.costS, reverseCostS: e.reverseCostS })));
}

/** Per-origin Bellman–Ford, then per node: the minimum time within the cutoff and the smallest origin giving it. */
function referenceWithOrigin(g: ReturnType<typeof intGraph>, seeds: readonly Seed[], direction: WalkDirection, cutoff: number) {
  const n = g.nodeCount;
  const dist = new Float64Array(n).fill(Infinity);
  const origin = new Int32Array(n).fill(-1);
  for (const o of [...new Set(seeds.map((s) => s.origin))].sort((a, b) => a - b)) {
    const d = new Float64Array(n).fill(Infinity);
    for (const s of seeds) if (s.origin === o) d[s.node] = Math.min(d[s.node], s.costS);
    for (let it = 0; it <= n; it++) {
      for (let e = 0; e < g.edgeCount; e++) {
        const u = g.edgeSource[e], v = g.edgeTarget[e];
        const arcs: Array<[number, number, number]> = [];
        if (g.edgeCost[e] >= 0) arcs.push([u, v, g.edgeCost[e]]);
        if (g.edgeReverseCost[e] >= 0) arcs.push([v, u, g.edgeReverseCost[e]]);
        for (const [a, b, w] of arcs) {
          if (direction === 'from') d[b] = Math.min(d[b], d[a] + w);
          else d[a] = Math.min(d[a], d[b] + w);
        }
      }
    }
    // origins ascend, so a strict < keeps the smallest origin at a tie
    for (let i = 0; i < n; i++) if (d[i] <= cutoff && d[i] < dist[i]) { dist[i] = d[i]; origin[i] = o; }
  }
  return { dist, origin };
}

describe('bucket queue (Dinitz) and heap', () => {
  it('the bucket queue applies to positive arc costs within a bounded ratio, and is chosen when its ring is small against the graph', () => {
    const g = buildWalkGraph([1, 2, 3], [
      { id: 1, source: 1, target: 2, costS: 90, reverseCostS: 90 },
      { id: 2, source: 2, target: 3, costS: 30, reverseCostS: -1 },
    ]);
    expect(minArcCost(g)).toBe(30);
    expect(bucketQueueApplies(g)).toBe(true);
    expect(usesBucketQueue(g)).toBe(false); // a ring of 9 buckets for 3 nodes: the heap is cheaper
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    const path = buildWalkGraph(ids, ids.slice(1).map((id) => ({ id, source: id - 1, target: id, costS: 30 + (id % 3) * 30, reverseCostS: 90 })));
    expect(usesBucketQueue(path)).toBe(true); // 9 buckets for 40 nodes
    const free = buildWalkGraph([1, 2], [{ id: 1, source: 1, target: 2, costS: 0, reverseCostS: 5 }]);
    expect(bucketQueueApplies(free)).toBe(false);
    expect(() => multiSourceDijkstraUsing('bucket', free, [{ node: 0, costS: 0, origin: 0 }], 'to', 900)).toThrow(RangeError);
    // a 1 µs arc beside a 100 s one would need a ring of 2·10⁸ buckets
    const tiny = buildWalkGraph([1, 2, 3], [
      { id: 1, source: 1, target: 2, costS: 1e-6, reverseCostS: 1e-6 },
      { id: 2, source: 2, target: 3, costS: 100, reverseCostS: 100 },
    ]);
    expect(bucketQueueApplies(tiny)).toBe(false);
  });

  it('runs without a cutoff around the ring and hands a thin frontier over long empty stretches to the heap', () => {
    // A path of 1–3 s arcs with one 10 ms arc: buckets are 5 ms wide, so each hop walks ~200 empty ones.
    const n = 3000;
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const edges = ids.slice(1).map((id, i) => ({ id, source: id - 1, target: id, costS: i === 7 ? 0.01 : 1, reverseCostS: i % 5 === 0 ? -1 : 1 + (i % 3) }));
    const g = buildWalkGraph(ids, edges);
    expect(usesBucketQueue(g)).toBe(true);
    const seeds = [{ node: 0, costS: 0, origin: 2 }, { node: 1500, costS: 150.5, origin: 1 }, { node: n - 1, costS: 3, origin: 0 }];
    for (const direction of ['from', 'to'] as const) {
      for (const cutoff of [Infinity, 1200]) {
        const heap = multiSourceDijkstraUsing('heap', g, seeds, direction, cutoff);
        const bucket = multiSourceDijkstraUsing('bucket', g, seeds, direction, cutoff);
        expect(Array.from(bucket.dist)).toEqual(Array.from(heap.dist));
        expect(Array.from(bucket.origin)).toEqual(Array.from(heap.origin));
      }
    }
  });

  for (const direction of ['from', 'to'] as const) {
    it(`both queues give exact times and the smallest origin at ties, equal to per-origin brute force (${direction})`, () => {
      fc.assert(
        fc.property(intCaseArb, (c) => {
          const g = intGraph(c);
          const want = referenceWithOrigin(g, c.seeds, direction, c.cutoff);
          const heap = multiSourceDijkstraUsing('heap', g, c.seeds, direction, c.cutoff);
          expect(Array.from(heap.dist)).toEqual(Array.from(want.dist));
          expect(Array.from(heap.origin)).toEqual(Array.from(want.origin));
          if (bucketQueueApplies(g)) {
            const bucket = multiSourceDijkstraUsing('bucket', g, c.seeds, direction, c.cutoff);
            expect(Array.from(bucket.dist)).toEqual(Array.from(want.dist));
            expect(Array.from(bucket.origin)).toEqual(Array.from(want.origin));
          }
        }),
        { numRuns: 400 },
      );
    });
  }

  it('gives bit-identical times and origins on both queues with real-valued costs and edge seeds', () => {
    // real-valued costs of at least 0.5 s, so the bucket queue applies
    const positive = caseArb.map((c) => ({
      ...c,
      edges: c.edges.map((e) => ({ ...e, costS: e.costS < 0 ? -1 : 0.5 + e.costS, reverseCostS: e.reverseCostS < 0 ? -1 : 0.5 + e.reverseCostS })),
    }));
    fc.assert(
      fc.property(positive, fc.oneof(fc.double({ min: 1, max: 3000, noNaN: true }), fc.constant(Infinity)), fc.constantFrom<WalkDirection>('from', 'to'), (c, cutoff, direction) => {
        const g = buildWalkGraph(Array.from({ length: c.n }, (_, i) => 10 + i), c.edges);
        fc.pre(bucketQueueApplies(g));
        const pts = c.sources.map((s, i) => ({ ...s, origin: i }));
        const seeds = pts.flatMap((p) => {
          const s = g.edgeSource[p.edge], t = g.edgeTarget[p.edge];
          const toS = direction === 'from' ? alongEdge(g, p.edge, p.fraction, 0) : alongEdge(g, p.edge, 0, p.fraction);
          const toT = direction === 'from' ? alongEdge(g, p.edge, p.fraction, 1) : alongEdge(g, p.edge, 1, p.fraction);
          return [{ node: s, costS: toS, origin: p.origin }, { node: t, costS: toT, origin: p.origin }].filter((x) => Number.isFinite(x.costS));
        });
        const heap = multiSourceDijkstraUsing('heap', g, seeds, direction, cutoff);
        const bucket = multiSourceDijkstraUsing('bucket', g, seeds, direction, cutoff);
        expect(Array.from(bucket.dist)).toEqual(Array.from(heap.dist));
        expect(Array.from(bucket.origin)).toEqual(Array.from(heap.origin));
      }),
      { numRuns: 400 },
    );
  });

  it('adding sources to a cached field on the bucket queue equals the search from scratch, origins included', () => {
    fc.assert(
      fc.property(intCaseArb, (c) => {
        const g = intGraph(c);
        fc.pre(bucketQueueApplies(g) && c.seeds.length > 1);
        const base = multiSourceDijkstraUsing('bucket', g, c.seeds.slice(0, 1), 'to', c.cutoff);
        const inc = multiSourceDijkstraUsing('bucket', g, c.seeds.slice(1), 'to', c.cutoff, base);
        const full = multiSourceDijkstraUsing('bucket', g, c.seeds, 'to', c.cutoff);
        expect(Array.from(inc.dist)).toEqual(Array.from(full.dist));
        expect(Array.from(inc.origin)).toEqual(Array.from(full.origin));
      }),
      { numRuns: 300 },
    );
  });

  it('at an exact tie on a grid the smallest origin wins, whatever order the sources come in', () => {
    // 1 — 2 — 3 with equal costs: node 2 is 60 s from both ends
    const g = buildWalkGraph([1, 2, 3], [
      { id: 1, source: 1, target: 2, costS: 60, reverseCostS: 60 },
      { id: 2, source: 2, target: 3, costS: 60, reverseCostS: 60 },
    ]);
    for (const queue of ['heap', 'bucket'] as const) {
      for (const seeds of [[{ node: 0, costS: 0, origin: 7 }, { node: 2, costS: 0, origin: 3 }], [{ node: 2, costS: 0, origin: 3 }, { node: 0, costS: 0, origin: 7 }]]) {
        const r = multiSourceDijkstraUsing(queue, g, seeds, 'to', 900);
        expect(Array.from(r.dist)).toEqual([0, 60, 0]);
        expect(Array.from(r.origin)).toEqual([7, 3, 3]);
      }
    }
  });
});
