// Communities, grids and buildings drawn from our vector tiles (/api/tiles/<layer>/{z}/{x}/{y}.mvt) for
// large data (a district or a city): the browser holds only the tiles in view instead of every polygon.
// Same colours as the GeoJSON layers (their defaults and palette.ts), same layer ids, so a click still
// resolves to a unit through unitFromPick() and the unit panel opens as on the street.
import { MVTLayer } from '@deck.gl/geo-layers';
import { TextLayer } from '@deck.gl/layers';
import type { Color, DefaultProps } from '@deck.gl/core';
// The MVT parser runs in a worker bundled and served by our own server (the loader's default is a CDN).
import mvtWorkerUrl from '@loaders.gl/mvt/mvt-worker.js?url';
import type { CommunityCollection, CommunityProps, Feature, PolygonGeometry } from '../../../../common/layers';
import { BuildingLayer } from '../building-layer/building-layer';
import { GridLayer } from '../grid-layer/grid-layer';
import { CJK_FONT_FAMILY, communityColor } from '../palette';

/**
 * Properties of a tile feature as deck.gl's accessors see them. Tiles are parsed to binary arrays in the
 * worker (triangulated there too), so an accessor gets the tile's attributes only — the unit's id comes
 * as the `unit_id` attribute (server/tiles/tile-layers.ts), not as the MVT feature id.
 */
interface TileProps {
  unit_id?: number;
  use?: string;
  floors?: number;
  [key: string]: unknown;
}
interface TileFeature {
  id?: number | string;
  properties: TileProps;
}

/**
 * Tile zooms the map asks for per layer (the server serves wider ranges, server/tiles/tile-layers.ts); past
 * maxZoom tiles are over-zoomed, below minZoom the layer is not drawn. Grids start at 12: on a city
 * overview (zoom 10–11) a tile held every one of 13,000 grids — a 0.7 s task to upload outlines a few
 * pixels wide — while the communities say the same at that scale.
 */
export const TILE_ZOOMS = {
  communities: { minZoom: 5, maxZoom: 14 },
  grids: { minZoom: 12, maxZoom: 15 },
  buildings: { minZoom: 13, maxZoom: 16 },
} as const;

type TiledLayerName = keyof typeof TILE_ZOOMS;

/**
 * An MVTLayer whose picked features carry their database id in `properties.id`, which is where
 * unitFromPick() looks (the GeoJSON layers' features have it there already).
 */
class UnitTileLayer extends MVTLayer<TileProps> {
  static override layerName = 'UnitTileLayer';

  override getPickingInfo(params: Parameters<MVTLayer['getPickingInfo']>[0]): ReturnType<MVTLayer['getPickingInfo']> {
    const info = super.getPickingInfo(params);
    const f = info.object as TileFeature | undefined;
    if (f?.properties && f.properties.unit_id !== undefined) f.properties.id = Number(f.properties.unit_id);
    return info;
  }
}

// Return type inferred: `data` stays a plain URL template, which the props type accepts.
function tileProps(name: TiledLayerName) {
  return {
    id: name,
    data: `/api/tiles/${name}/{z}/{x}/{y}.mvt`,
    minZoom: TILE_ZOOMS[name].minZoom,
    maxZoom: TILE_ZOOMS[name].maxZoom,
    // Binary: the worker parses and triangulates; the main thread only uploads typed arrays. Measured on
    // the ×50 district (software WebGL, 2 cores): cold pan frame p50 1.65 s → 0.27 s against GeoJSON features.
    binary: true as const,
    pickable: true,
    uniqueIdProperty: 'unit_id',
    // Keep recently seen tiles: panning back over them costs nothing.
    maxCacheSize: 200,
    loadOptions: { mvt: { workerUrl: mvtWorkerUrl } },
  };
}

/** A prop's default from a GeoJSON layer, so the tiled look cannot drift from the street's. */
function defaultColor(defaults: unknown, key: string): Color {
  return ((defaults as DefaultProps<Record<string, unknown>>)[key] as { value: Color }).value;
}

export interface TiledLayerOptions {
  highlightCommunityId: number | null;
  highlightGridId: number | null;
  highlightBuildingId: number | null;
  communityLineWidthPixels: number;
  gridLineWidthPixels: number;
}

export function tiledCommunityLayer(o: TiledLayerOptions) {
  const fillAlpha = 40;
  const hl = o.highlightCommunityId;
  return new UnitTileLayer({
    ...tileProps('communities'),
    stroked: true,
    filled: true,
    getFillColor: (f: TileFeature) => communityColor(Number(f.properties.unit_id), f.properties.unit_id === hl ? Math.min(255, fillAlpha * 3) : fillAlpha),
    getLineColor: (f: TileFeature) => (f.properties.unit_id === hl ? [255, 255, 255, 255] : communityColor(Number(f.properties.unit_id), 230)),
    getLineWidth: (f: TileFeature) => (f.properties.unit_id === hl ? o.communityLineWidthPixels * 2.5 : o.communityLineWidthPixels),
    lineWidthUnits: 'pixels',
    updateTriggers: { getFillColor: [hl], getLineColor: [hl], getLineWidth: [hl, o.communityLineWidthPixels] },
  });
}

export function tiledGridLayer(o: TiledLayerOptions) {
  const lineColor = defaultColor(GridLayer.defaultProps, 'lineColor');
  const highlightColor = defaultColor(GridLayer.defaultProps, 'highlightColor');
  const hl = o.highlightGridId;
  return new UnitTileLayer({
    ...tileProps('grids'),
    stroked: true,
    filled: true,
    getFillColor: (f: TileFeature) => (f.properties.unit_id === hl ? [255, 214, 102, 60] : [0, 0, 0, 1]),
    getLineColor: (f: TileFeature) => (f.properties.unit_id === hl ? highlightColor : lineColor),
    getLineWidth: (f: TileFeature) => (f.properties.unit_id === hl ? o.gridLineWidthPixels * 3 : o.gridLineWidthPixels),
    lineWidthUnits: 'pixels',
    updateTriggers: { getFillColor: [hl], getLineColor: [hl], getLineWidth: [hl, o.gridLineWidthPixels] },
  });
}

export function tiledBuildingLayer(o: TiledLayerOptions) {
  const residential = defaultColor(BuildingLayer.defaultProps, 'residentialColor');
  const other = defaultColor(BuildingLayer.defaultProps, 'otherColor');
  const highlight = defaultColor(BuildingLayer.defaultProps, 'highlightColor');
  const hl = o.highlightBuildingId;
  return new UnitTileLayer({
    ...tileProps('buildings'),
    stroked: false,
    filled: true,
    getFillColor: (f: TileFeature) =>
      f.properties.unit_id === hl ? highlight : f.properties.use === 'residential' || f.properties.use === 'mixed' ? residential : other,
    updateTriggers: { getFillColor: [hl] },
  });
}

type CommunityFeature = Feature<PolygonGeometry, CommunityProps>;

/** Community names (tiles would repeat a label in every tile the polygon crosses): from the small GeoJSON. */
export function tiledCommunityLabels(data: CommunityCollection | null, o: { highlightId: number | null; sizePixels: number; color: Color; outlineColor: Color }) {
  return new TextLayer<CommunityFeature>({
    id: 'community-names',
    data: data?.features ?? [],
    getText: (f) => f.properties.name,
    getPosition: (f) => [f.properties.labelLon, f.properties.labelLat],
    getSize: (f) => (f.properties.id === o.highlightId ? o.sizePixels * 1.3 : o.sizePixels),
    getColor: o.color,
    fontFamily: CJK_FONT_FAMILY,
    fontWeight: 700,
    characterSet: 'auto',
    fontSettings: { sdf: true, fontSize: 64, buffer: 6 },
    outlineWidth: 3,
    outlineColor: o.outlineColor,
    updateTriggers: { getSize: [o.highlightId, o.sizePixels] },
  });
}
