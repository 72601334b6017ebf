// The layers served as vector tiles: an allow-list that maps a URL name to a table, its geometry, the
// attributes copied into the tile and the zoom range. SQL identifiers come only from here.
import type { ScopedLayer } from '../layers/layer-scope';

export interface TileLayerDef {
  /** Layer name in the URL and inside the tile (source-layer in a MapLibre style). */
  readonly name: string;
  readonly table: string;
  /** Which rule of server/layers/layer-scope.ts decides what of it a grid worker sees (required: no default). */
  readonly scope: ScopedLayer;
  /**
   * Attribute expressions (SQL over alias `t`) → property names. Only literal SQL from this file. The unit
   * layers repeat their row id as `unit_id`: the MVT feature id is not handed to deck.gl's accessors when
   * the client parses tiles to binary arrays (the fast path), and colours/highlights go by unit id.
   */
  readonly properties: Readonly<Record<string, string>>;
  /** TileJSON `vector_layers[].fields` type of each property (MBTiles convention: Number, String, Boolean). */
  readonly types: Readonly<Record<string, 'Number' | 'String' | 'Boolean'>>;
  readonly description: string;
  /** Below this zoom the layer is not tiled (the client shows coarser layers instead). */
  readonly minzoom: number;
  readonly maxzoom: number;
}

export const TILE_LAYERS: Readonly<Record<string, TileLayerDef>> = {
  buildings: {
    name: 'buildings',
    table: 'buildings',
    scope: 'buildings',
    properties: {
      unit_id: 't.id', code: 't.code', name: 't.name', floors: 't.floors', households: 't.households', residents: 't.residents',
      grid_id: 't.grid_id', community_id: 't.community_id', use: 't.use',
    },
    types: { unit_id: 'Number', code: 'String', name: 'String', floors: 'Number', households: 'Number', residents: 'Number', grid_id: 'Number', community_id: 'Number', use: 'String' },
    description: 'buildings (楼栋)',
    minzoom: 13,
    maxzoom: 22,
  },
  grids: {
    name: 'grids',
    table: 'grids',
    scope: 'grids',
    properties: { unit_id: 't.id', code: 't.code', name: 't.name', community_id: 't.community_id' },
    types: { unit_id: 'Number', code: 'String', name: 'String', community_id: 'Number' },
    description: 'grids (网格)',
    minzoom: 9,
    maxzoom: 22,
  },
  communities: {
    name: 'communities',
    table: 'communities',
    scope: 'communities',
    properties: { unit_id: 't.id', code: 't.code', name: 't.name', name_en: 't.name_en' },
    types: { unit_id: 'Number', code: 'String', name: 'String', name_en: 'String' },
    description: 'communities (社区)',
    minzoom: 5,
    maxzoom: 22,
  },
  basemap: {
    name: 'basemap',
    table: 'basemap_features',
    scope: 'basemap',
    properties: { kind: 't.kind', name: 't.name' },
    types: { kind: 'String', name: 'String' },
    description: 'offline basemap: roads, water, green space, rail',
    minzoom: 8,
    maxzoom: 22,
  },
  // The point layers of the map, so a desktop GIS or another map can read every layer as tiles. Incidents
  // and worker positions are not tiled: they are live and role-scoped (served by /api/layers and the socket).
  facilities: {
    name: 'facilities',
    table: 'facilities',
    scope: 'facilities',
    properties: { unit_id: 't.id', code: 't.code', type: 't.type', name: 't.name', community_id: 't.community_id', meets_standard: 't.meets_standard' },
    types: { unit_id: 'Number', code: 'String', type: 'String', name: 'String', community_id: 'Number', meets_standard: 'Boolean' },
    description: 'service facilities (服务设施)',
    minzoom: 10,
    maxzoom: 22,
  },
  parking_lots: {
    name: 'parking_lots',
    table: 'parking_lots',
    scope: 'parking_lots',
    properties: { unit_id: 't.id', code: 't.code', name: 't.name', kind: 't.kind', capacity: 't.capacity', occupied: 't.occupied', community_id: 't.community_id' },
    types: { unit_id: 'Number', code: 'String', name: 'String', kind: 'String', capacity: 'Number', occupied: 'Number', community_id: 'Number' },
    description: 'parking resources (停车资源)',
    minzoom: 10,
    maxzoom: 22,
  },
  violations: {
    name: 'violations',
    table: 'violations',
    scope: 'violations',
    properties: { unit_id: 't.id', code: 't.code', kind: 't.kind', status: 't.status', grid_id: 't.grid_id', community_id: 't.community_id' },
    types: { unit_id: 'Number', code: 'String', kind: 'String', status: 'String', grid_id: 'Number', community_id: 'Number' },
    description: 'violation and inspection points (双违 / 创文创卫)',
    minzoom: 10,
    maxzoom: 22,
  },
};

export type TileLayerName = keyof typeof TILE_LAYERS;

export function isTileLayer(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TILE_LAYERS, name);
}
