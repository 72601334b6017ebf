// Contracts of the leaders' insight API (/api/insight/*): query schemas validated at the boundary, the DTOs
// the server answers with, and the fixed-cell frame math that client and server share so a cell id always
// means the same square on the ground, whatever the viewport.
import { z } from 'zod';
import { INCIDENT_CATEGORIES, INCIDENT_SEVERITIES, type IncidentCategory, type IncidentSeverity } from './domain';

// --- fixed cells -------------------------------------------------------------------------------------------

/**
 * A square lattice anchored at a fixed origin in a local equirectangular metres frame. Cell (ix, iy) covers
 * [origin + ix·size, origin + (ix+1)·size) in x (east) and y (north). The origin comes from the street
 * (rounded to 0.01°), never from the request, so cells are fixed in space and panning cannot move them.
 */
export interface CellFrame {
  originLon: number;
  originLat: number;
  cellSizeM: number;
  /** Metres per degree of longitude at the origin latitude (equirectangular). */
  mPerDegLon: number;
  /** Metres per degree of latitude. */
  mPerDegLat: number;
}

/** Mean metres per degree of latitude (WGS84, mid-latitudes); the frame only needs to be fixed, not geodesic. */
export const M_PER_DEG_LAT = 110_946;

export function makeCellFrame(originLon: number, originLat: number, cellSizeM: number): CellFrame {
  return {
    originLon,
    originLat,
    cellSizeM,
    mPerDegLon: 111_320 * Math.cos((originLat * Math.PI) / 180),
    mPerDegLat: M_PER_DEG_LAT,
  };
}

export function cellOf(frame: CellFrame, lon: number, lat: number): [number, number] {
  return [
    Math.floor(((lon - frame.originLon) * frame.mPerDegLon) / frame.cellSizeM),
    Math.floor(((lat - frame.originLat) * frame.mPerDegLat) / frame.cellSizeM),
  ];
}

/** The cell's ring [lon, lat][] (closed, counter-clockwise) for drawing. */
export function cellPolygon(frame: CellFrame, ix: number, iy: number): [number, number][] {
  const lon = (i: number) => frame.originLon + (i * frame.cellSizeM) / frame.mPerDegLon;
  const lat = (j: number) => frame.originLat + (j * frame.cellSizeM) / frame.mPerDegLat;
  return [
    [lon(ix), lat(iy)],
    [lon(ix + 1), lat(iy)],
    [lon(ix + 1), lat(iy + 1)],
    [lon(ix), lat(iy + 1)],
    [lon(ix), lat(iy)],
  ];
}

export function cellCenter(frame: CellFrame, ix: number, iy: number): [number, number] {
  return [
    frame.originLon + ((ix + 0.5) * frame.cellSizeM) / frame.mPerDegLon,
    frame.originLat + ((iy + 0.5) * frame.cellSizeM) / frame.mPerDegLat,
  ];
}

// --- significance ------------------------------------------------------------------------------------------

/** Two-sided critical z values for 90/95/99 % confidence (standard normal). */
export const Z_CRITICAL = { 90: 1.645, 95: 1.96, 99: 2.576 } as const;

/** -3…3: cold 99/95/90, not significant, hot 90/95/99. */
export type SignificanceBin = -3 | -2 | -1 | 0 | 1 | 2 | 3;

export function significanceBin(z: number): SignificanceBin {
  const a = Math.abs(z);
  const level = a >= Z_CRITICAL[99] ? 3 : a >= Z_CRITICAL[95] ? 2 : a >= Z_CRITICAL[90] ? 1 : 0;
  return (z < 0 ? -level : level) as SignificanceBin;
}

// --- query schemas -----------------------------------------------------------------------------------------

export const CELL_SIZES_M = [50, 100, 150, 200, 250, 300, 500] as const;
export const MAX_WINDOW_DAYS = 731;

const isoTime = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with offset, e.g. 2026-11-01T00:00:00+08:00' });

const categoryList = z
  .string()
  .max(400)
  .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
  .pipe(z.array(z.enum(INCIDENT_CATEGORIES, { message: `each category must be one of ${INCIDENT_CATEGORIES.join(', ')}` })).max(INCIDENT_CATEGORIES.length));

const severity = z.enum(['all', ...INCIDENT_SEVERITIES], { message: 'severity must be all, small or big' });

const cellSize = z.coerce
  .number({ message: `cellSize must be one of ${CELL_SIZES_M.join(', ')} (metres)` })
  .refine((n) => (CELL_SIZES_M as readonly number[]).includes(n), `cellSize must be one of ${CELL_SIZES_M.join(', ')} (metres)`);

const bbox = z
  .string()
  .max(200)
  .transform((s) => s.split(',').map(Number))
  .refine((a) => a.length === 4 && a.every(Number.isFinite), 'bbox must be minLon,minLat,maxLon,maxLat')
  .refine(([w, s, e, n]) => w >= -180 && e <= 180 && s >= -90 && n <= 90 && w < e && s < n,
    'bbox must be minLon,minLat,maxLon,maxLat with -180 ≤ minLon < maxLon ≤ 180 and -90 ≤ minLat < maxLat ≤ 90')
  .transform((a) => a as [number, number, number, number]);

/** Filters common to every insight query. Time window is [from, to); defaults to the last 30 days. */
export const insightFilterShape = {
  from: isoTime.optional(),
  to: isoTime.optional(),
  categories: categoryList.optional(),
  severity: severity.default('all'),
};

export const hotspotsQuerySchema = z
  .object({
    ...insightFilterShape,
    cellSize: cellSize.default(150),
    /** Distance band of the binary weights in metres (centre to centre, self included); default 1.5 cells. */
    band: z.coerce.number().min(50).max(3000).optional(),
    /** Only cells intersecting this box are returned; the statistic is always over the whole study area. */
    bbox: bbox.optional(),
  })
  .strict();
export type HotspotsQuery = z.infer<typeof hotspotsQuerySchema>;

export const densityQuerySchema = z
  .object({ ...insightFilterShape, bbox: bbox.optional() })
  .strict();
export type DensityQuery = z.infer<typeof densityQuerySchema>;

export const playbackQuerySchema = z
  .object({
    ...insightFilterShape,
    bin: z.enum(['day', 'week'], { message: 'bin must be day or week' }).default('day'),
    mode: z.enum(['reported', 'backlog'], { message: 'mode must be reported or backlog' }).default('reported'),
    cellSize: cellSize.default(150),
  })
  .strict();
export type PlaybackQuery = z.infer<typeof playbackQuerySchema>;

export const RANKING_METRICS = ['medianCloseHours', 'meanCloseHours', 'onTimeRate', 'reworkRate', 'escalations', 'meanSatisfaction'] as const;
export type RankingMetric = (typeof RANKING_METRICS)[number];
/** Whether a larger value is better: decides the order of the ranking. */
export const RANKING_HIGHER_IS_BETTER: Readonly<Record<RankingMetric, boolean>> = {
  medianCloseHours: false,
  meanCloseHours: false,
  onTimeRate: true,
  reworkRate: false,
  escalations: false,
  meanSatisfaction: true,
};

export const rankingsQuerySchema = z
  .object({
    ...insightFilterShape,
    level: z.enum(['community', 'grid'], { message: 'level must be community or grid' }).default('community'),
    sort: z.enum(RANKING_METRICS, { message: `sort must be one of ${RANKING_METRICS.join(', ')}` }).default('onTimeRate'),
  })
  .strict();
export type RankingsQuery = z.infer<typeof rankingsQuerySchema>;

export const BRIEF_SHEETS = ['open', 'overdue', 'rankings'] as const;
export type BriefSheet = (typeof BRIEF_SHEETS)[number];

export const briefQuerySchema = z
  .object({
    ...insightFilterShape,
    communityId: z.coerce.number().int().positive().optional(),
    /** CSV holds one table: which one (XLSX has all three as sheets). */
    sheet: z.enum(BRIEF_SHEETS, { message: 'sheet must be open, overdue or rankings' }).default('open'),
  })
  .strict();
export type BriefQuery = z.infer<typeof briefQuerySchema>;

// --- DTOs --------------------------------------------------------------------------------------------------

export interface ResolvedFilters {
  from: string;
  to: string;
  categories: IncidentCategory[];
  severity: 'all' | IncidentSeverity;
}

export interface HotspotCell {
  ix: number;
  iy: number;
  count: number;
  /** Gi* z-score (Getis & Ord 1992; Ord & Getis 1995). */
  z: number;
  /** Two-sided p-value under the normal approximation. */
  p: number;
  bin: SignificanceBin;
}

export interface HotspotsResponse {
  filters: ResolvedFilters;
  frame: CellFrame;
  bandM: number;
  /** Cells in the study area (incl. zero counts) the statistic is computed over. */
  studyCells: number;
  incidents: number;
  mean: number;
  sd: number;
  /** Only the cells intersecting the requested bbox (all when none was given). */
  cells: HotspotCell[];
  /** How the study area was defined: the street polygon, the union of communities, or the cells with data. */
  studyArea: 'street' | 'communities' | 'data';
}

export type DensityResponse =
  | { filters: ResolvedFilters; mode: 'points'; total: number; /** flat [lon, lat, lon, lat, …] */ points: number[] }
  | { filters: ResolvedFilters; mode: 'cells'; total: number; frame: CellFrame; /** flat [lon, lat, count, …] at cell centres */ cells: number[] };

export interface PlaybackFrame {
  /** Start of the bin (ISO, +08:00 calendar days/weeks); in backlog mode counts are taken at `at`. */
  start: string;
  at: string;
  total: number;
  /** flat [ix, iy, count, …] */
  counts: number[];
}

export interface PlaybackResponse {
  filters: ResolvedFilters;
  bin: 'day' | 'week';
  mode: 'reported' | 'backlog';
  frame: CellFrame;
  /** One colour domain for every frame: [0, max count of any cell in any frame]. */
  domain: [number, number];
  frames: PlaybackFrame[];
}

export interface RankingMetrics {
  incidents: number;
  closed: number;
  open: number;
  medianCloseHours: number | null;
  meanCloseHours: number | null;
  onTimeRate: number | null;
  reworkRate: number | null;
  escalations: number;
  meanSatisfaction: number | null;
}

export interface RankingRow extends RankingMetrics {
  rank: number;
  id: number;
  code: string;
  name: string;
  communityName: string;
  trend: Array<RankingMetrics & { week: string }>;
}

export interface RankingsResponse {
  filters: ResolvedFilters;
  level: 'community' | 'grid';
  sort: RankingMetric;
  weeks: string[];
  rows: RankingRow[];
}
