// How large the map data is and where it lies, so the client can choose how to draw it: small data (one
// street) loads as GeoJSON once; large data (a district or a city) is drawn from vector tiles
// (/api/tiles/*), which the browser fetches per view instead of holding every building at once.
import type { Db } from '../db/db';

/** Above this many buildings the client switches to vector tiles (one street has under a thousand). */
export const TILED_BUILDINGS_THRESHOLD = 5_000;

export interface LayerExtent {
  /** [minLon, minLat, maxLon, maxLat] over communities, grids and buildings; null when all are empty. */
  bbox: [number, number, number, number] | null;
  counts: { communities: number; grids: number; buildings: number };
  /** True when the client should draw the polygon layers and the basemap from vector tiles. */
  tiled: boolean;
  threshold: number;
}

type ExtentRow = { n: unknown; xmin: unknown; ymin: unknown; xmax: unknown; ymax: unknown };

// Literal SQL per table (identifiers from this list only). ST_Extent reads bounding boxes, not geometry.
const TABLES = ['communities', 'grids', 'buildings'] as const;
const extentSql = (table: (typeof TABLES)[number]) =>
  `SELECT count(*) AS n, ST_XMin(ST_Extent(geom)) AS xmin, ST_YMin(ST_Extent(geom)) AS ymin,
          ST_XMax(ST_Extent(geom)) AS xmax, ST_YMax(ST_Extent(geom)) AS ymax
     FROM ${table}`;

export async function layerExtent(db: Db, threshold = TILED_BUILDINGS_THRESHOLD): Promise<LayerExtent> {
  const counts = { communities: 0, grids: 0, buildings: 0 };
  let bbox: LayerExtent['bbox'] = null;
  for (const table of TABLES) {
    const row = (await db.query<ExtentRow>(extentSql(table))).rows[0];
    if (!row || row.xmin === null) continue;
    counts[table] = Number(row.n);
    const b: [number, number, number, number] = [Number(row.xmin), Number(row.ymin), Number(row.xmax), Number(row.ymax)];
    bbox = bbox ? [Math.min(bbox[0], b[0]), Math.min(bbox[1], b[1]), Math.max(bbox[2], b[2]), Math.max(bbox[3], b[3])] : b;
  }
  return { bbox, counts, tiled: counts.buildings > threshold, threshold };
}
