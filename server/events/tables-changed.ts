// Which data tables a committed event may have changed: the one vocabulary both caches that follow the
// events table (the street's KPI parts, server/live/kpis.ts, and the vector-tile cache,
// server/tiles/tile-invalidation.ts) translate into what they hold, so a new kind of event is taught once.

export type DataTable = 'incidents' | 'buildings' | 'grids' | 'communities' | 'facilities' | 'basemap_features' | 'parking_lots' | 'violations';

export const DATA_TABLES: readonly DataTable[] = ['incidents', 'buildings', 'grids', 'communities', 'facilities', 'basemap_features', 'parking_lots', 'violations'];

/** Every table an import may replace: an import of communities or grids also re-assigns the rest; incidents are never imported. */
const IMPORTED_TABLES: readonly DataTable[] = DATA_TABLES.filter((t) => t !== 'incidents');

/** The part of a stored event this needs. */
export interface ChangeEvent {
  readonly type: string;
  readonly entityType: string;
}

/** The data tables `e` may have changed; none for people, accounts, positions, photos and the like. */
export function tablesChangedBy(e: ChangeEvent): readonly DataTable[] {
  switch (e.entityType) {
    case 'incident': return ['incidents'];
    case 'building': return ['buildings'];
    case 'parking_lot': return ['parking_lots']; // occupancy
    case 'violation': return ['violations']; // status
    case 'layer': return IMPORTED_TABLES; // layer.imported: file, street and OSM imports
    case 'dataset': return DATA_TABLES; // sample.loaded: everything replaced
    default: return [];
  }
}
