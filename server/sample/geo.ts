// Local metric frame for the sample: the layout is drawn in metres (x east, y north) around the street
// centre, rotated a little for realism, then mapped to WGS84 with a fixed equirectangular scale. The whole
// mapping is affine, so rectangles stay valid polygons and shared vertices stay shared after the mapping.
import { STREET } from '../../common/domain';

export type Pt = readonly [number, number];

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQ = 111_320;

export class Frame {
  private readonly cos: number;
  private readonly sin: number;
  private readonly kx: number;
  private readonly ky: number;

  constructor(
    rotationDeg: number,
    private readonly lon0 = STREET.center[0],
    private readonly lat0 = STREET.center[1],
  ) {
    const a = (rotationDeg * Math.PI) / 180;
    this.cos = Math.cos(a);
    this.sin = Math.sin(a);
    this.kx = 1 / (M_PER_DEG_LON_EQ * Math.cos((lat0 * Math.PI) / 180));
    this.ky = 1 / M_PER_DEG_LAT;
  }

  /** Local metres → [lon, lat], rounded to 1e-8° (≈1 mm) so the text form stays short and stable. */
  toLonLat(x: number, y: number): [number, number] {
    const xr = x * this.cos - y * this.sin;
    const yr = x * this.sin + y * this.cos;
    return [round8(this.lon0 + xr * this.kx), round8(this.lat0 + yr * this.ky)];
  }
}

function round8(v: number): number {
  return Math.round(v * 1e8) / 1e8;
}

const EPS = 1e-6;

/**
 * A counter-clockwise rectangle ring that also passes through every given point lying on its sides. Parents
 * (street, community) include their children's corners so a child's edges are exactly the parent's edges:
 * containment then holds exactly, not just up to floating-point noise.
 */
export function rectRing(r: Rect, extra: readonly Pt[] = []): Pt[] {
  const on = (p: Pt, side: 'b' | 'r' | 't' | 'l'): boolean => {
    const [x, y] = p;
    if (side === 'b') return Math.abs(y - r.y0) < EPS && x > r.x0 + EPS && x < r.x1 - EPS;
    if (side === 't') return Math.abs(y - r.y1) < EPS && x > r.x0 + EPS && x < r.x1 - EPS;
    if (side === 'r') return Math.abs(x - r.x1) < EPS && y > r.y0 + EPS && y < r.y1 - EPS;
    return Math.abs(x - r.x0) < EPS && y > r.y0 + EPS && y < r.y1 - EPS;
  };
  const uniq = (pts: Pt[], key: (p: Pt) => number): Pt[] => {
    const seen = new Set<number>();
    return pts.filter((p) => {
      const k = Math.round(key(p) * 1000);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  const bottom = uniq(extra.filter((p) => on(p, 'b')), (p) => p[0]).sort((a, b) => a[0] - b[0]);
  const right = uniq(extra.filter((p) => on(p, 'r')), (p) => p[1]).sort((a, b) => a[1] - b[1]);
  const top = uniq(extra.filter((p) => on(p, 't')), (p) => p[0]).sort((a, b) => b[0] - a[0]);
  const left = uniq(extra.filter((p) => on(p, 'l')), (p) => p[1]).sort((a, b) => b[1] - a[1]);
  return [
    [r.x0, r.y0],
    ...bottom.map((p): Pt => [p[0], r.y0]),
    [r.x1, r.y0],
    ...right.map((p): Pt => [r.x1, p[1]]),
    [r.x1, r.y1],
    ...top.map((p): Pt => [p[0], r.y1]),
    [r.x0, r.y1],
    ...left.map((p): Pt => [r.x0, p[1]]),
  ];
}

export function rectCorners(r: Rect): Pt[] {
  return [
    [r.x0, r.y0],
    [r.x1, r.y0],
    [r.x1, r.y1],
    [r.x0, r.y1],
  ];
}

export function shiftRect(r: Rect, dx: number, dy: number): Rect {
  return { x0: r.x0 + dx, y0: r.y0 + dy, x1: r.x1 + dx, y1: r.y1 + dy };
}

export function rectCenter(r: Rect): [number, number] {
  return [(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2];
}

function fmt(p: [number, number]): string {
  return `${p[0]} ${p[1]}`;
}

/** WKT of a closed ring (local points shifted by dx, dy, then mapped). */
function ringText(frame: Frame, ring: readonly Pt[], dx: number, dy: number): string {
  const pts = ring.map((p) => fmt(frame.toLonLat(p[0] + dx, p[1] + dy)));
  pts.push(pts[0]);
  return `(${pts.join(',')})`;
}

export function polygonWkt(frame: Frame, ring: readonly Pt[], dx = 0, dy = 0): string {
  return `POLYGON(${ringText(frame, ring, dx, dy)})`;
}

export function multiPolygonWkt(frame: Frame, ring: readonly Pt[], dx = 0, dy = 0): string {
  return `MULTIPOLYGON((${ringText(frame, ring, dx, dy)}))`;
}

export function pointWkt(frame: Frame, p: Pt, dx = 0, dy = 0): string {
  return `POINT(${fmt(frame.toLonLat(p[0] + dx, p[1] + dy))})`;
}

export function lineWkt(frame: Frame, pts: readonly Pt[], dx = 0, dy = 0): string {
  return `LINESTRING(${pts.map((p) => fmt(frame.toLonLat(p[0] + dx, p[1] + dy))).join(',')})`;
}
