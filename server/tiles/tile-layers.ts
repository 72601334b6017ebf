// The layers served as vector tiles: an allow-list that maps a URL name to a table, its geometry, the
// attributes copied into the tile and the zoom range. SQL identifiers come only from here.

export interface TileLayerDef {
  /** Layer name in the URL and inside the tile (source-layer in a MapLibre style). */
  readonly name: string;
  readonly table: string;
  /**
   * Attribute expressions (SQL over alias `t`) → property names. Only literal SQL from this file. The unit
   * layers repeat their row id as `unit_id`: the MVT feature id is not handed to deck.gl's accessors when
   * the client parses tiles to binary arrays (the fast path), and colours/highlights go by unit id.
   */
  readonly properties: Readonly<Record<string, string>>;
  /** Below this zoom the layer is not tiled (the client shows coarser layers instead). */
  readonly minzoom: number;
  readonly maxzoom: number;
}

export const TILE_LAYERS: Readonly<Record<string, TileLayerDef>> = {
  buildings: {
    name: 'buildings',
    table: 'buildings',
    properties: {
      unit_id: 't.id', code: 't.code', name: 't.name', floors: 't.floors', households: 't.households', residents: 't.residents',
      grid_id: 't.grid_id', community_id: 't.community_id', use: 't.use',
    },
    minzoom: 13,
    maxzoom: 22,
  },
  grids: {
    name: 'grids',
    table: 'grids',
    properties: { unit_id: 't.id', code: 't.code', name: 't.name', community_id: 't.community_id' },
    minzoom: 9,
    maxzoom: 22,
  },
  communities: {
    name: 'communities',
    table: 'communities',
    properties: { unit_id: 't.id', code: 't.code', name: 't.name', name_en: 't.name_en' },
    minzoom: 5,
    maxzoom: 22,
  },
  basemap: {
    name: 'basemap',
    table: 'basemap_features',
    properties: { kind: 't.kind', name: 't.name' },
    minzoom: 8,
    maxzoom: 22,
  },
};

export type TileLayerName = keyof typeof TILE_LAYERS;

export function isTileLayer(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(TILE_LAYERS, name);
}
