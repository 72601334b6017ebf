// Structural checks on a GeoJSON geometry before it reaches the database, plus the CRS conversion. The
// database then judges validity with ST_IsValidReason (db-validate.ts). Nothing is repaired here: Z/M values,
// EMPTY geometries, short or unclosed rings and wrong types are rejected with the feature's index and why.
import type { Geometry, GeometryCollection, Position } from 'geojson';

/** Every GeoJSON geometry except collections (refused: import each part as its own feature). */
export type SimpleGeometry = Exclude<Geometry, GeometryCollection>;
import { AppError } from '../../common/errors';

export type GeomType = 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';
const KNOWN: readonly string[] = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'];

export interface FeatureRef {
  index: number;
  id?: string | number;
}

export function featureLabel(ref: FeatureRef): string {
  return ref.id !== undefined ? `feature #${ref.index} (id ${JSON.stringify(ref.id)})` : `feature #${ref.index}`;
}

export function invalidGeometry(ref: FeatureRef, reason: string): AppError {
  return new AppError('INVALID_GEOMETRY', `${featureLabel(ref)}: ${reason}`, `features[${ref.index}].geometry`, {
    index: ref.index,
    ...(ref.id !== undefined ? { id: ref.id } : {}),
    reason,
  });
}

/**
 * Checks shape and converts every position with `convert`. Returns a new geometry (the input is untouched).
 * Throws INVALID_GEOMETRY naming the feature and the reason.
 */
export function checkAndConvert(
  geometry: unknown,
  allowed: readonly GeomType[],
  ref: FeatureRef,
  convert: (p: Position) => Position,
): SimpleGeometry {
  if (geometry === null || geometry === undefined) throw invalidGeometry(ref, 'has no geometry');
  if (typeof geometry !== 'object') throw invalidGeometry(ref, 'geometry is not an object');
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g.type === 'GeometryCollection') {
    throw invalidGeometry(ref, 'GeometryCollection is not accepted: import each part as its own feature');
  }
  if (typeof g.type !== 'string' || !KNOWN.includes(g.type)) {
    throw invalidGeometry(ref, `unknown geometry type ${JSON.stringify(g.type)}`);
  }
  const type = g.type as GeomType;
  if (!allowed.includes(type)) {
    throw invalidGeometry(ref, `geometry type ${type} is not accepted by this layer (expected ${allowed.join(' or ')})`);
  }
  const pos = (p: unknown, where: string): Position => {
    if (!Array.isArray(p)) throw invalidGeometry(ref, `${where}: a position must be an array [lon, lat]`);
    if (p.length > 2) {
      throw invalidGeometry(ref, `${where}: has Z/M values (${p.length} numbers per position); only 2D [lon, lat] is stored and nothing is dropped silently — remove the extra dimensions before importing`);
    }
    if (p.length < 2) throw invalidGeometry(ref, `${where}: a position needs 2 numbers [lon, lat]`);
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw invalidGeometry(ref, `${where}: coordinates must be finite numbers`);
    }
    // WGS84, GCJ-02 and BD-09 are all longitude/latitude in degrees: a position outside the range is refused
    // before conversion (the GCJ-02/BD-09 formulas turn such input into NaN), and so is a converted one that
    // is not finite and in range (a NaN compares false with every bound, so the test is written to catch it).
    const inRange = (q: Position) => Math.abs(q[0]) <= 180 && Math.abs(q[1]) <= 90;
    const out = inRange([x, y]) ? convert([x, y]) : null;
    if (!out || !inRange(out)) {
      throw invalidGeometry(ref, `${where}: [${x}, ${y}] is outside longitude/latitude range — is the file in a projected CRS? Reproject it to WGS84 (EPSG:4326) first`);
    }
    return out;
  };
  const arr = (v: unknown, where: string): unknown[] => {
    if (!Array.isArray(v)) throw invalidGeometry(ref, `${where}: coordinates must be an array`);
    return v;
  };
  const line = (v: unknown, where: string): Position[] => {
    const pts = arr(v, where).map((p, i) => pos(p, `${where}[${i}]`));
    if (pts.length === 0) throw invalidGeometry(ref, `${where}: EMPTY line`);
    if (pts.length < 2) throw invalidGeometry(ref, `${where}: a line needs at least 2 positions`);
    return pts;
  };
  const ring = (v: unknown, where: string): Position[] => {
    const raw = arr(v, where);
    if (raw.length === 0) throw invalidGeometry(ref, `${where}: EMPTY ring`);
    if (raw.length < 4) throw invalidGeometry(ref, `${where}: ring has ${raw.length} positions; a closed ring needs at least 4`);
    const first = raw[0] as unknown[];
    const last = raw[raw.length - 1] as unknown[];
    if (!Array.isArray(first) || !Array.isArray(last) || first[0] !== last[0] || first[1] !== last[1]) {
      throw invalidGeometry(ref, `${where}: ring is not closed (first and last positions differ)`);
    }
    return raw.map((p, i) => pos(p, `${where}[${i}]`));
  };
  const polygon = (v: unknown, where: string): Position[][] => {
    const rings = arr(v, where);
    if (rings.length === 0) throw invalidGeometry(ref, `${where}: EMPTY polygon`);
    return rings.map((r, i) => ring(r, `${where}[${i}]`));
  };
  const nonEmpty = <T>(items: T[], where: string): T[] => {
    if (items.length === 0) throw invalidGeometry(ref, `${where}: EMPTY ${type}`);
    return items;
  };
  const c = g.coordinates;
  switch (type) {
    case 'Point':
      if (Array.isArray(c) && c.length === 0) throw invalidGeometry(ref, 'coordinates: EMPTY point');
      return { type, coordinates: pos(c, 'coordinates') };
    case 'MultiPoint':
      return { type, coordinates: nonEmpty(arr(c, 'coordinates'), 'coordinates').map((p, i) => pos(p, `coordinates[${i}]`)) };
    case 'LineString':
      return { type, coordinates: line(c, 'coordinates') };
    case 'MultiLineString':
      return { type, coordinates: nonEmpty(arr(c, 'coordinates'), 'coordinates').map((l, i) => line(l, `coordinates[${i}]`)) };
    case 'Polygon':
      return { type, coordinates: polygon(c, 'coordinates') };
    case 'MultiPolygon':
      return { type, coordinates: nonEmpty(arr(c, 'coordinates'), 'coordinates').map((p, i) => polygon(p, `coordinates[${i}]`)) };
  }
}
