// The admin import page's contract (server/import/upload-routes.ts ↔ client/src/pages/admin-import): what a
// preview request says, and the status of a staged upload the page polls.
import { z } from 'zod';
import type { ApiErrorBody } from './errors';

export const STAGE_TARGETS = ['street', 'communities', 'grids', 'buildings', 'walk', 'facilities', 'parking_lots', 'violations', 'basemap', 'osm'] as const;
export type StageTarget = (typeof STAGE_TARGETS)[number];
export const STAGE_CRSS = ['wgs84', 'gcj02', 'bd09'] as const;
export type StageFormat = 'geojson' | 'csv' | 'shapefile-zip' | 'osm-pbf';
export type StageState = 'uploaded' | 'previewing' | 'previewed' | 'failed' | 'applying' | 'applied' | 'cancelled' | 'expired';

const CodeMap = z.record(z.string().trim().min(1).max(64), z.string().trim().regex(/^[0-9]{12}([0-9]{3})?$/, 'a mapped code is a 12-digit community or 15-digit grid code'))
  .refine((m) => Object.keys(m).length <= 10_000, 'at most 10,000 codes');

export const PreviewRequestSchema = z.object({
  target: z.enum(STAGE_TARGETS),
  crs: z.enum(STAGE_CRSS).optional(),
  makeValid: z.boolean().optional(),
  replace: z.boolean().optional(),
  codeField: z.string().trim().min(1).max(64).optional(),
  codeMap: CodeMap.optional(),
  /** For target 'street': the street's own facts (its boundary is the file). */
  street: z.object({
    name: z.string().trim().min(1).max(100),
    nameEn: z.string().trim().min(1).max(200).optional(),
    code: z.string().trim().regex(/^([0-9]{9}|[0-9]{9}000)$/, 'a street code is 9 digits, or 12 digits ending in 000 (e.g. 120113001000)'),
  }).strict().optional(),
}).strict();
export type PreviewRequest = z.infer<typeof PreviewRequestSchema>;

export const UploadQuerySchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

/**
 * A feature the import refused, with everything a person needs to fix it: PostGIS's reason (or the attribute
 * check's), where it fails, the nearest input vertex, and the option that would repair it when there is one.
 * The import itself (server/import/types.ts RefusedFeature) narrows the geometry to GeoJSON.
 */
export interface StageRefused {
  index: number;
  id?: string | number;
  code?: string;
  name?: string;
  reason: string;
  field?: string;
  /** [lon, lat] where PostGIS found the problem (WGS84, after conversion). */
  location?: [number, number];
  /** Path of the input vertex nearest the failure, e.g. "coordinates[0][3]". */
  vertex?: string;
  /** The import option that would repair it (`makeValid` = --make-valid), when one would. */
  repair?: 'makeValid';
  /** The feature's geometry in WGS84 when it could be read at all (null: not drawable). */
  geometry: unknown;
}

export interface StageReport {
  layer: string;
  crs: string;
  imported: Record<string, number>;
  skipped: Record<string, number>;
  warnings: string[];
  refused?: StageRefused[];
  features?: { type: 'Feature'; geometry: unknown; properties: { index: number; code?: string; name?: string; status: string } }[];
  featuresTruncated?: boolean;
  dryRun?: boolean;
}

export interface StageStatus {
  id: string;
  name: string;
  format: StageFormat;
  bytes: number;
  state: StageState;
  createdAt: string;
  expiresAt: string;
  progress?: { phase: string; done?: number; total?: number };
  request?: PreviewRequest;
  preview?: StageReport;
  summary?: { create: number; update: number; refuse: number };
  applied?: StageReport;
  error?: ApiErrorBody['error'];
}
