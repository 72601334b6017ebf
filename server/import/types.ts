// Shared vocabulary of the import module: source CRSs, target layers, the neutral feature shape every reader
// produces, and the report every import returns.
import type { Geometry } from 'geojson';

/** Coordinate systems a file may be in; everything is converted to WGS84 once, at the boundary. */
export const IMPORT_CRSS = ['wgs84', 'gcj02', 'bd09'] as const;
export type ImportCrs = (typeof IMPORT_CRSS)[number];

/** Target layers of `importFile` (`--layer`). `walk` = walking-network lines, `basemap` = offline basemap features. */
export const IMPORT_LAYERS = [
  'communities', 'grids', 'buildings', 'facilities', 'parking_lots', 'violations', 'walk', 'basemap',
] as const;
export type ImportLayer = (typeof IMPORT_LAYERS)[number];

export const IMPORT_FORMATS = ['geojson', 'csv', 'shapefile'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One feature as read from a file, before validation. `index` is 0-based in file order (error messages). */
export interface RawFeature {
  index: number;
  /** The feature's own id when the file has one (GeoJSON `id`), for error messages. */
  id?: string | number;
  geometry: Geometry | null;
  properties: Record<string, unknown>;
}

export interface ImportReport {
  file: string;
  format: ImportFormat | 'osm-pbf';
  layer: ImportLayer | 'osm' | 'street';
  crs: ImportCrs;
  /** Rows written, per table. */
  imported: Record<string, number>;
  /** Input items not imported, per reason (counted, never silently dropped). */
  skipped: Record<string, number>;
  warnings: string[];
  durationMs: number;
  /** Where the time went (read, validate, insert, snap…), to see what grows with the data. */
  phasesMs?: Record<string, number>;
}
