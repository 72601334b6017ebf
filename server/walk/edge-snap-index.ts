// In-memory nearest-edge lookup for what-if sites: the same answer as snapPoints() (nearest walkable edge,
// fraction along its planar length as ST_LineLocatePoint gives it) without a database round trip, which on
// PGlite costs more than the whole what-if computation. Segments are bucketed in a uniform grid of
// CELL_M cells in a local metric frame (longitude scaled by cos(latitude)).
import type { WalkGraph } from './walk-graph';
import type { EdgeGeometry } from '../coverage/isochrones';

const M_PER_DEG = 111_320;
const CELL_M = 100;

export interface EdgeSnap {
  edge: number;
  fraction: number;
  distanceM: number;
  lon: number;
  lat: number;
}

export class EdgeSnapIndex {
  private readonly kx: number;
  private readonly cells = new Map<number, number[]>(); // cell key → segment ids (edge << 0 packed below)
  private readonly segEdge: Int32Array;
  private readonly segIndex: Int32Array; // index of the segment's first point in geom.coords (point units)
  private readonly edgeLength: Float64Array; // planar length in degrees
  private readonly segStart: Float64Array; // planar length in degrees before this segment

  constructor(private readonly g: WalkGraph, private readonly geom: EdgeGeometry) {
    const lat0 = geom.coords.length >= 2 ? geom.coords[1] : 0;
    this.kx = Math.cos((lat0 * Math.PI) / 180);
    const segs = geom.offsets[g.edgeCount] - g.edgeCount;
    this.segEdge = new Int32Array(Math.max(0, segs));
    this.segIndex = new Int32Array(Math.max(0, segs));
    this.segStart = new Float64Array(Math.max(0, segs));
    this.edgeLength = new Float64Array(g.edgeCount);
    const c = geom.coords;
    let s = 0;
    for (let e = 0; e < g.edgeCount; e++) {
      if (g.edgeCost[e] < 0 && g.edgeReverseCost[e] < 0) continue; // never snap to an unwalkable edge
      let acc = 0;
      for (let p = geom.offsets[e]; p < geom.offsets[e + 1] - 1; p++) {
        this.segEdge[s] = e;
        this.segIndex[s] = p;
        this.segStart[s] = acc;
        acc += Math.hypot(c[2 * p + 2] - c[2 * p], c[2 * p + 3] - c[2 * p + 1]);
        const [x1, y1] = this.xy(c[2 * p], c[2 * p + 1]);
        const [x2, y2] = this.xy(c[2 * p + 2], c[2 * p + 3]);
        for (let cx = Math.floor(Math.min(x1, x2) / CELL_M); cx <= Math.floor(Math.max(x1, x2) / CELL_M); cx++) {
          for (let cy = Math.floor(Math.min(y1, y2) / CELL_M); cy <= Math.floor(Math.max(y1, y2) / CELL_M); cy++) {
            const k = this.key(cx, cy);
            const list = this.cells.get(k);
            if (list) list.push(s); else this.cells.set(k, [s]);
          }
        }
        s++;
      }
      this.edgeLength[e] = acc;
    }
    this.segEdge = this.segEdge.subarray(0, s);
  }

  private xy(lon: number, lat: number): [number, number] {
    return [lon * M_PER_DEG * this.kx, lat * M_PER_DEG];
  }

  private key(cx: number, cy: number): number {
    return (cx + 2 ** 20) * 2 ** 21 + (cy + 2 ** 20);
  }

  /** Nearest walkable edge within `maxM` metres, or null. */
  nearest(lon: number, lat: number, maxM: number): EdgeSnap | null {
    const [px, py] = this.xy(lon, lat);
    const c = this.geom.coords;
    const cx0 = Math.floor(px / CELL_M), cy0 = Math.floor(py / CELL_M);
    let best = Infinity, bestSeg = -1, bestT = 0;
    const seen = new Set<number>();
    const maxRing = Math.ceil(maxM / CELL_M) + 1;
    for (let r = 0; r <= maxRing; r++) {
      // Every point outside ring r is at least (r) cells away: stop once the best beats that.
      if (bestSeg >= 0 && best <= (r - 1) * CELL_M) break;
      for (let cx = cx0 - r; cx <= cx0 + r; cx++) {
        for (let cy = cy0 - r; cy <= cy0 + r; cy++) {
          if (Math.max(Math.abs(cx - cx0), Math.abs(cy - cy0)) !== r) continue;
          for (const s of this.cells.get(this.key(cx, cy)) ?? []) {
            if (seen.has(s)) continue;
            seen.add(s);
            const p = this.segIndex[s];
            const [x1, y1] = this.xy(c[2 * p], c[2 * p + 1]);
            const [x2, y2] = this.xy(c[2 * p + 2], c[2 * p + 3]);
            const dx = x2 - x1, dy = y2 - y1;
            const len2 = dx * dx + dy * dy;
            const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - x1) * dx + (py - y1) * dy) / len2)) : 0;
            const d = Math.hypot(x1 + t * dx - px, y1 + t * dy - py);
            if (d < best || (d === best && this.g.edgeIds[this.segEdge[s]] < this.g.edgeIds[this.segEdge[bestSeg]])) {
              best = d; bestSeg = s; bestT = t;
            }
          }
        }
      }
    }
    if (bestSeg < 0 || best > maxM) return null;
    const e = this.segEdge[bestSeg];
    const p = this.segIndex[bestSeg];
    const segLen = Math.hypot(c[2 * p + 2] - c[2 * p], c[2 * p + 3] - c[2 * p + 1]);
    const total = this.edgeLength[e];
    return {
      edge: e,
      fraction: total > 0 ? Math.min(1, (this.segStart[bestSeg] + bestT * segLen) / total) : 0,
      distanceM: best,
      lon: c[2 * p] + bestT * (c[2 * p + 2] - c[2 * p]),
      lat: c[2 * p + 1] + bestT * (c[2 * p + 3] - c[2 * p + 1]),
    };
  }
}
