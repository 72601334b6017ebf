// The multi-source Dijkstra against a brute-force reference (Bellman–Ford over the same edges, with the
// partial-edge seeds of facilities placed on edges) on random graphs with one-way and blocked edges.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildWalkGraph, alongEdge, type WalkEdgeInput } from '../../server/walk/walk-graph';
import { fillTimesAtPoints, multiSourceDijkstra, timeAtPoint, timeFieldFromPoints, type WalkDirection } from '../../server/walk/dijkstra';

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
