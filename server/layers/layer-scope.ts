// What part of each map layer a grid worker may see, as a condition on alias `t` over the worker's grid id
// (SECURITY.md: a grid worker sees their grid only). One table for every reader of the layers: the map's
// GeoJSON (layer-features.ts), the vector tiles (server/tiles) and OGC API - Features (server/ogc), applied
// through ScopePolicy.where (server/auth/scope.ts). The conditions are literals written here.

/** A point layer without a grid column is in a worker's scope when the grid's polygon covers it. */
const inGrid = (p: string) => `EXISTS (SELECT 1 FROM grids sg WHERE sg.id = ${p} AND ST_Covers(sg.geom, t.geom))`;

export const LAYER_SCOPE = {
  /** the worker's own community (the outline their grid sits in) */
  communities: (p: string) => `t.id = (SELECT sg.community_id FROM grids sg WHERE sg.id = ${p})`,
  grids: (p: string) => `t.id = ${p}`,
  buildings: (p: string) => `t.grid_id = ${p}`,
  facilities: inGrid,
  parking_lots: inGrid,
  violations: (p: string) => `t.grid_id = ${p}`,
  /** roads, water, green: the same base map for everyone, no per-grid rows */
  basemap: () => 'TRUE',
} as const satisfies Record<string, (gridParam: string) => string>;

export type ScopedLayer = keyof typeof LAYER_SCOPE;
