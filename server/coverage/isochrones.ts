// Isochrone rings that tell the truth: built from the reachable pieces of edges (partial edges cut at the
// exact fraction where the time runs out), so a place no edge reaches in time is never inside a ring.
// Lines are computed in memory (what-if speed); polygons are the lines buffered by PostGIS, minus the
// footprints of buildings that are not covered in time (their access walk may be what makes them late).
import type { Queryable } from '../db/db';
import type { WalkGraph } from '../walk/walk-graph';
import type { TimeField } from '../walk/dijkstra';

/** Edge geometries as flat coordinate arrays: edge i has points [offsets[i], offsets[i+1]). */
export interface EdgeGeometry {
  offsets: Int32Array;
  coords: Float64Array; // lon, lat pairs
}

export async function loadEdgeGeometry(q: Queryable, g: WalkGraph): Promise<EdgeGeometry> {
  const res = await q.query<{ id: number; gj: string }>('SELECT id, ST_AsGeoJSON(geom, 7) AS gj FROM walk_edges');
  const lists: number[][][] = new Array(g.edgeCount);
  let total = 0;
  for (const r of res.rows) {
    const i = g.edgeIndex.get(Number(r.id));
    if (i === undefined) continue;
    const c = (JSON.parse(r.gj) as { coordinates: number[][] }).coordinates;
    lists[i] = c;
    total += c.length;
  }
  const offsets = new Int32Array(g.edgeCount + 1);
  const coords = new Float64Array(total * 2);
  let k = 0;
  for (let i = 0; i < g.edgeCount; i++) {
    offsets[i] = k;
    for (const p of lists[i] ?? []) { coords[2 * k] = p[0]; coords[2 * k + 1] = p[1]; k++; }
  }
  offsets[g.edgeCount] = k;
  return { offsets, coords };
}

export interface EdgePiece {
  edge: number;
  from: number;
  to: number;
  /** The facility (origin) whose time reaches this piece. */
  origin: number;
}

/** How far (as a fraction of the edge) a time budget carries at a per-edge cost; -1: not that way. */
function reach(budget: number, cost: number): number {
  if (budget < 0) return -Infinity;
  if (cost < 0) return 0;
  if (cost === 0) return Infinity;
  return budget / cost;
}

/**
 * The parts of every edge reachable within `limitS` in the field's direction: from each end node with the
 * remaining budget, and around any source sitting on the edge itself. Overlapping parts are merged.
 */
export function reachablePieces(g: WalkGraph, field: TimeField, limitS: number, only?: (edge: number) => boolean): EdgePiece[] {
  const pieces: EdgePiece[] = [];
  const to = field.direction === 'to';
  const iv: Array<[number, number, number]> = [];
  for (let e = 0; e < g.edgeCount; e++) {
    if (only && !only(e)) continue;
    const s = g.edgeSource[e], t = g.edgeTarget[e];
    const c = g.edgeCost[e], rc = g.edgeReverseCost[e];
    iv.length = 0;
    const ds = field.dist[s], dt = field.dist[t];
    // Walking the edge away from s uses the cost towards t for 'from', the reverse cost for 'to'.
    if (ds <= limitS && (to ? rc : c) >= 0) iv.push([0, Math.min(1, reach(limitS - ds, to ? rc : c)), field.origin[s]]);
    else if (ds <= limitS) iv.push([0, 0, field.origin[s]]);
    if (dt <= limitS && (to ? c : rc) >= 0) iv.push([Math.max(0, 1 - reach(limitS - dt, to ? c : rc)), 1, field.origin[t]]);
    else if (dt <= limitS) iv.push([1, 1, field.origin[t]]);
    const same = field.onEdge.get(e);
    if (same) {
      for (const f of same) {
        // The source's own access walk (an off-network facility) is spent before it reaches its edge.
        const budget = limitS - f.offsetS;
        if (budget < 0) continue;
        const left = reach(budget, to ? c : rc);
        const right = reach(budget, to ? rc : c);
        iv.push([Math.max(0, f.fraction - left), Math.min(1, f.fraction + right), f.origin]);
      }
    }
    if (iv.length === 0) continue;
    iv.sort((a, b) => a[0] - b[0]);
    let [a, b, o] = iv[0];
    for (let k = 1; k < iv.length; k++) {
      const [x, y, oo] = iv[k];
      if (x <= b) { if (y > b) b = y; continue; }
      if (b > a) pieces.push({ edge: e, from: a, to: b, origin: o });
      [a, b, o] = [x, y, oo];
    }
    if (b > a) pieces.push({ edge: e, from: a, to: b, origin: o });
  }
  return pieces;
}

/** The sub-line of an edge between two fractions of its planar length (the measure ST_LineLocatePoint uses). */
export function cutEdge(geom: EdgeGeometry, edge: number, from: number, to: number): number[][] {
  const start = geom.offsets[edge], end = geom.offsets[edge + 1];
  const c = geom.coords;
  const n = end - start;
  if (n < 2) return [];
  const seg = new Float64Array(n - 1);
  let total = 0;
  for (let i = 0; i < n - 1; i++) {
    const j = 2 * (start + i);
    seg[i] = Math.hypot(c[j + 2] - c[j], c[j + 3] - c[j + 1]);
    total += seg[i];
  }
  const at = (d: number): number[] => {
    let acc = 0;
    for (let i = 0; i < n - 1; i++) {
      if (acc + seg[i] >= d || i === n - 2) {
        const f = seg[i] > 0 ? Math.min(1, Math.max(0, (d - acc) / seg[i])) : 0;
        const j = 2 * (start + i);
        return [c[j] + f * (c[j + 2] - c[j]), c[j + 1] + f * (c[j + 3] - c[j + 1])];
      }
      acc += seg[i];
    }
    return [c[2 * (end - 1)], c[2 * (end - 1) + 1]];
  };
  const d0 = from * total, d1 = to * total;
  const out: number[][] = [at(d0)];
  let acc = 0;
  for (let i = 0; i < n - 1; i++) {
    acc += seg[i];
    if (acc > d0 && acc < d1) out.push([c[2 * (start + i + 1)], c[2 * (start + i + 1) + 1]]);
  }
  out.push(at(d1));
  return out;
}

export interface RingLines {
  minutes: number;
  /** Reachable network as a MultiLineString's coordinates. */
  lines: number[][][];
}

/** Keeps edges whose first point lies in [west, south, east, north]. */
export function edgesInBox(geom: EdgeGeometry, box: readonly [number, number, number, number]): (edge: number) => boolean {
  return (e) => {
    const p = geom.offsets[e];
    const x = geom.coords[2 * p], y = geom.coords[2 * p + 1];
    return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
  };
}

export function ringLines(g: WalkGraph, geom: EdgeGeometry, field: TimeField, minutesList: readonly number[], only?: (edge: number) => boolean): RingLines[] {
  return minutesList.map((minutes) => ({
    minutes,
    lines: reachablePieces(g, field, minutes * 60, only)
      .map((p) => cutEdge(geom, p.edge, p.from, p.to))
      .filter((l) => l.length >= 2),
  }));
}

/** Ring buffer around reachable lines (m). */
export const RING_BUFFER_M = 40;

/**
 * Polygons from reachable lines: buffered by `bufferM` metres, minus the footprints of the
 * given (uncovered) buildings. Returns GeoJSON geometry text, or null when nothing is reachable.
 */
export async function ringPolygon(q: Queryable, lines: number[][][], excludeBuildingIds: readonly number[], bufferM = RING_BUFFER_M): Promise<unknown | null> {
  if (lines.length === 0) return null;
  // Buffer in a locally isotropic frame (longitude scaled by cos(latitude)) rather than on the geography:
  // pure GEOS, no projection library (PGlite's geography buffer returned no row for some inputs), and at
  // street scale the error of this local frame is far below a metre.
  const lat = lines[0][0][1];
  const k = Math.cos((lat * Math.PI) / 180);
  const res = await q.query<{ gj: string | null }>(
    `WITH ring AS (
       SELECT ST_Scale(ST_Buffer(ST_Scale(ST_GeomFromGeoJSON($1), $4::float8, 1), $2::float8 / 111320.0, 'quad_segs=4'), 1 / $4::float8, 1) AS g),
     holes AS (
       SELECT ST_Union(b.geom) AS g
         FROM buildings b, ring WHERE b.id = ANY($3::int[]) AND ST_Intersects(b.geom, ring.g))
     SELECT ST_AsGeoJSON(CASE WHEN holes.g IS NULL THEN ring.g ELSE ST_Difference(ring.g, holes.g) END, 7) AS gj
       FROM ring, holes`,
    [JSON.stringify({ type: 'MultiLineString', coordinates: lines }), bufferM, excludeBuildingIds, k],
  );
  const gj = res.rows[0]?.gj;
  return gj ? (JSON.parse(gj) as unknown) : null;
}
