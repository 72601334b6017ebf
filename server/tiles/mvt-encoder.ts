// Vector-tile encoding for the embedded database, whose PostGIS is built without protobuf-c (no
// ST_AsMVT / ST_AsMVTGeom). PostGIS still does the geometric work — transform, clip to the buffered
// tile, map to tile pixels, snap to the integer grid, orient rings — and returns tile-space GeoJSON;
// vt-pbf (Mapbox's encoder for the MVT 2.1 protobuf) writes the bytes.
import vtpbf from 'vt-pbf';

type Position = [number, number];

/** A feature in geojson-vt's tile form, which vt-pbf encodes: type 1 point, 2 line, 3 polygon. */
export interface TileFeature {
  id?: number;
  type: 1 | 2 | 3;
  geometry: Position[] | Position[][];
  tags: Record<string, string | number | boolean>;
}

interface GeoJsonGeometry {
  type: string;
  coordinates?: unknown;
  geometries?: GeoJsonGeometry[];
}

/** Converts tile-space GeoJSON (already in 0…extent pixels) into vt-pbf features; empty parts dropped. */
export function toTileFeatures(geometry: GeoJsonGeometry, id: number | undefined, tags: TileFeature['tags']): TileFeature[] {
  const base = id === undefined ? { tags } : { id, tags };
  switch (geometry.type) {
    case 'Point':
      return [{ ...base, type: 1, geometry: [geometry.coordinates as Position] }];
    case 'MultiPoint':
      return [{ ...base, type: 1, geometry: geometry.coordinates as Position[] }];
    case 'LineString':
      return [{ ...base, type: 2, geometry: [geometry.coordinates as Position[]] }];
    case 'MultiLineString':
      return [{ ...base, type: 2, geometry: geometry.coordinates as Position[][] }];
    case 'Polygon':
      return [{ ...base, type: 3, geometry: geometry.coordinates as Position[][] }];
    case 'MultiPolygon':
      // One MVT polygon feature may hold several exterior rings, each followed by its holes.
      return [{ ...base, type: 3, geometry: (geometry.coordinates as Position[][][]).flat() }];
    case 'GeometryCollection':
      return (geometry.geometries ?? []).flatMap((g) => toTileFeatures(g, id, tags));
    default:
      return [];
  }
}

export function encodeTile(layers: Record<string, TileFeature[]>, extent: number): Uint8Array {
  const input: Record<string, { features: TileFeature[] }> = {};
  for (const [name, features] of Object.entries(layers)) input[name] = { features };
  return vtpbf.fromGeojsonVt(input, { version: 2, extent });
}
