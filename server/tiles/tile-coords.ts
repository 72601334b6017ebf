// Tile addresses (XYZ, Web Mercator) validated at the boundary.
import { z } from 'zod';
import { AppError } from '../../common/errors';

export const TILE_EXTENT = 4096;
/** Pixels of extent around the tile kept so strokes and fills join seamlessly across tile edges. */
export const TILE_BUFFER = 64;
/** Half the Web Mercator world width in metres (EPSG:3857). */
const HALF_WORLD = 20037508.342789244;

export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

const TileParams = z.object({
  z: z.coerce.number().int().min(0).max(22),
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
});

export function parseTileAddress(params: unknown): TileAddress {
  const parsed = TileParams.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_ERROR', `tile ${issue.path.join('.')}: ${issue.message} (z 0–22, x and y integers)`, `params.${issue.path.join('.')}`);
  }
  const { z: zoom, x, y } = parsed.data;
  const n = 2 ** zoom;
  if (x >= n || y >= n) {
    throw new AppError('VALIDATION_ERROR', `tile ${zoom}/${x}/${y} does not exist: at zoom ${zoom}, x and y must be below ${n}`, x >= n ? 'params.x' : 'params.y');
  }
  return parsed.data;
}

/** The tile's bounds in EPSG:3857 metres: [xmin, ymin, xmax, ymax]. Same as PostGIS ST_TileEnvelope. */
export function tileBounds3857({ z: zoom, x, y }: TileAddress): [number, number, number, number] {
  const size = (2 * HALF_WORLD) / 2 ** zoom;
  const xmin = -HALF_WORLD + x * size;
  const ymax = HALF_WORLD - y * size;
  return [xmin, ymax - size, xmin + size, ymax];
}

/** The tile at zoom z that contains a WGS84 point (standard slippy-map formula). */
export function tileForLonLat(lon: number, lat: number, zoom: number): TileAddress {
  const n = 2 ** zoom;
  const latRad = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(latRad) + 1 / Math.cos(latRad)) / Math.PI) / 2) * n);
  return { z: zoom, x: Math.min(n - 1, Math.max(0, x)), y: Math.min(n - 1, Math.max(0, y)) };
}
