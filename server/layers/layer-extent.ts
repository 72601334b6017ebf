// How large the map data is and where it lies, so the client can choose how to draw it: small data (one
// street) loads as GeoJSON once; large data (a district or a city) is drawn from vector tiles
// (/api/tiles/*), which the browser fetches per view instead of holding every building at once.
// The bbox and counts are of what the caller reads (ScopePolicy, the layer rules of layer-scope.ts): a grid
// worker gets their grid's part, never the street's outline or sizes.
import type { Queryable } from '../db/db';
import type { ScopePolicy } from '../auth/scope';
import { LAYER_SCOPE, type ScopedLayer } from './layer-scope';

/** Above this many buildings the client switches to vector tiles (one street has under a thousand). */
export const TILED_BUILDINGS_THRESHOLD = 5_000;

export type Bbox = [number, number, number, number];

export interface LayerExtent {
  /** [minLon, minLat, maxLon, maxLat] over the caller's communities, grids and buildings; null when all are empty. */
  bbox: Bbox | null;
  /** Rows of each layer the caller reads (a worker: their community, their grid, its buildings). */
  counts: { communities: number; grids: number; buildings: number };
  /**
   * True when the client should draw the polygon layers and the basemap from vector tiles. Decided on the
   * whole street's buildings for every role: the basemap under a worker's grid is the street's, and the
   * phone should draw like the desk. The one street fact in the answer: whether it exceeds `threshold`.
   */
  tiled: boolean;
  threshold: number;
}

/** Tables with a scope rule, from the allow-lists of layer-scope.ts and tile-layers.ts only. */
const TABLE = /^[a-z_]+$/;

/**
 * Row count and bbox of `table` as `scope` reads it under `layer`'s rule (layer-scope.ts). ST_Extent reads
 * bounding boxes, not geometry. `table` is an identifier from an allow-list (never user input).
 */
export async function scopedExtent(db: Queryable, table: string, layer: ScopedLayer, scope: ScopePolicy): Promise<{ n: number; bbox: Bbox | null }> {
  if (!TABLE.test(table)) throw new Error(`scopedExtent: "${table}" is not a table name`);
  const params: unknown[] = [];
  const rule = scope.where(LAYER_SCOPE[layer], (v) => `$${params.push(v)}`);
  const row = (await db.query<{ n: unknown; xmin: unknown; ymin: unknown; xmax: unknown; ymax: unknown }>(
    `SELECT n, ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
       FROM (SELECT count(*) AS n, ST_Extent(t.geom)::geometry AS e FROM ${table} t WHERE ${rule}) x`,
    params,
  )).rows[0];
  return { n: Number(row?.n ?? 0), bbox: row && row.xmin != null ? [Number(row.xmin), Number(row.ymin), Number(row.xmax), Number(row.ymax)] : null };
}

const TABLES = ['communities', 'grids', 'buildings'] as const satisfies readonly ScopedLayer[];

export async function layerExtent(db: Queryable, scope: ScopePolicy, threshold = TILED_BUILDINGS_THRESHOLD): Promise<LayerExtent> {
  const counts = { communities: 0, grids: 0, buildings: 0 };
  let bbox: Bbox | null = null;
  for (const table of TABLES) {
    const ext = await scopedExtent(db, table, table, scope);
    counts[table] = ext.n;
    const b = ext.bbox;
    if (!b) continue;
    bbox = bbox ? [Math.min(bbox[0], b[0]), Math.min(bbox[1], b[1]), Math.max(bbox[2], b[2]), Math.max(bbox[3], b[3])] : b;
  }
  const streetBuildings = scope.street ? counts.buildings : Number((await db.query<{ n: unknown }>('SELECT count(*) AS n FROM buildings')).rows[0]?.n ?? 0);
  return { bbox, counts, tiled: streetBuildings > threshold, threshold };
}
