// The contract of GET /api/dataset: what the database holds, where each layer came from, what is missing.
export type DatasetOrigin = 'sample' | 'import';
/** empty: nothing loaded; sample: only generated rows; real: only imported rows; mixed: both (a mistake to fix). */
export type DatasetKind = 'empty' | 'sample' | 'real' | 'mixed';

export interface DatasetLayerRecord {
  layer: string;
  origin: DatasetOrigin;
  source: string;
  /** Rows the layer's import wrote; null for a caller who reads less than the street (a grid worker). */
  rows: number | null;
  updatedAt: string;
}

/** Tables whose rows make a database "not empty" for the sample loader: any one row and the sample stays out. */
export const DATA_TABLES = [
  'streets', 'communities', 'grids', 'buildings', 'facilities', 'parking_lots', 'violations', 'walk_edges',
  'basemap_features', 'incidents', 'people',
] as const;
export type DataTable = (typeof DATA_TABLES)[number];

export interface CapabilityStatus {
  /** Stable id of what the product can do with the data. */
  capability: 'jurisdiction' | 'routing' | 'dispatch' | 'walking' | 'coverage' | 'population' | 'basemap';
  ready: boolean;
  /** What is missing, and the command that adds it, when not ready. */
  missing?: string;
}

export interface DatasetStatus {
  kind: DatasetKind;
  /** The streets served (a real street's own name replaces the sample's on every screen). */
  streets: { code: string; name: string; nameEn: string; isSample: boolean }[];
  layers: DatasetLayerRecord[];
  /** Of what the caller reads: the street for street roles, a grid worker's part for them (SECURITY.md). */
  counts: Record<DataTable | 'building_access' | 'grid_workers' | 'residents', number>;
  capabilities: CapabilityStatus[];
}

