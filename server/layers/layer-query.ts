// Query-string contract of the map layer endpoints: `bbox=minLon,minLat,maxLon,maxLat&zoom=Z`.
// Validated once here (zod) so every layer route rejects the same bad input with the same code and field.
import { z } from 'zod';
import { parseOrThrow } from '../http/validate';
import { AppError } from '../../common/errors';

export type Bbox = [number, number, number, number];

/** Largest bbox (degrees, each side) the buildings layer answers: about 40 km, a district at most. */
export const BUILDINGS_MAX_SPAN_DEG = 0.4;
/** Most features one layer response carries; beyond it the response says `truncated: true`. */
export const LAYER_FEATURE_CAP = 50_000;

const finite = (name: string) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, `${name} must be a decimal number`)
    .transform(Number);

const BboxSchema = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(',');
    if (parts.length !== 4) {
      ctx.addIssue({ code: 'custom', message: 'bbox must be four numbers: minLon,minLat,maxLon,maxLat' });
      return z.NEVER;
    }
    const nums: number[] = [];
    for (const p of parts) {
      const r = finite('bbox').safeParse(p);
      if (!r.success) {
        ctx.addIssue({ code: 'custom', message: `bbox value "${p.slice(0, 30)}" is not a decimal number` });
        return z.NEVER;
      }
      nums.push(r.data);
    }
    const [minLon, minLat, maxLon, maxLat] = nums;
    if (minLon < -180 || maxLon > 180) ctx.addIssue({ code: 'custom', message: 'bbox longitudes must be within -180..180' });
    else if (minLat < -90 || maxLat > 90) ctx.addIssue({ code: 'custom', message: 'bbox latitudes must be within -90..90' });
    else if (!(minLon < maxLon) || !(minLat < maxLat))
      ctx.addIssue({ code: 'custom', message: 'bbox must be minLon,minLat,maxLon,maxLat with min < max (lon/lat swapped?)' });
    return nums as Bbox;
  });

export const LayerQuerySchema = z
  .object({
    bbox: BboxSchema.optional(),
    zoom: finite('zoom').pipe(z.number().min(0, 'zoom must be 0..24').max(24, 'zoom must be 0..24')).optional(),
  })
  .strict();

export interface LayerQuery {
  bbox: Bbox;
  zoom: number;
}

const WORLD: Bbox = [-180, -90, 180, 90];

export function parseLayerQuery(query: unknown, opts: { maxSpanDeg?: number } = {}): LayerQuery {
  const q = parseOrThrow(LayerQuerySchema, query, 'query');
  const bbox = q.bbox ?? WORLD;
  if (opts.maxSpanDeg !== undefined) {
    const span = Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1]);
    if (span > opts.maxSpanDeg) {
      throw new AppError(
        'VALIDATION_ERROR',
        `bbox spans ${span.toFixed(3)}°, more than the ${opts.maxSpanDeg}° this layer answers: zoom in or pass a smaller bbox`,
        'query.bbox',
      );
    }
  }
  return { bbox, zoom: q.zoom ?? 16 };
}

/**
 * Simplification tolerance in degrees for a zoom level: half a screen pixel of a 256-px tile at that zoom,
 * so simplified outlines are indistinguishable on screen. 0 (no simplification) from zoom 17 on.
 */
export function toleranceForZoom(zoom: number): number {
  if (zoom >= 17) return 0;
  return 360 / (256 * 2 ** zoom) / 2;
}
