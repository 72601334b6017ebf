// The offline basemap style (MapLibre style spec v8). Its only source is our own GeoJSON endpoint over
// basemap_features: no glyphs, no sprite, no outside host — command halls often run on closed networks
// (PRODUCT.md §4). Text is drawn by deck.gl on the client, so the style has fill and line layers only.

export type BasemapTheme = 'dark' | 'light';

interface Palette {
  background: string;
  landuse: string;
  green: string;
  water: string;
  rail: string;
  roadMinor: string;
  roadMajor: string;
  roadCasing: string;
  path: string;
}

/** Colours per theme: the dark one is for the wall (high contrast, low glare in a dim hall). */
export const BASEMAP_PALETTES: Record<BasemapTheme, Palette> = {
  dark: {
    background: '#0b1320',
    landuse: '#111c2c',
    green: '#12301f',
    water: '#0f3352',
    rail: '#4a5568',
    roadMinor: '#2a3a52',
    roadMajor: '#3d5679',
    roadCasing: '#07101c',
    path: '#22314a',
  },
  light: {
    background: '#f3f1ec',
    landuse: '#ebe7df',
    green: '#cfe8c4',
    water: '#a9cfea',
    rail: '#9aa0a8',
    roadMinor: '#ffffff',
    roadMajor: '#ffe7a8',
    roadCasing: '#c9c3b8',
    path: '#e0dbd2',
  },
};

/** A vector-tile source for large data (a district or a city): `tiles` is our own /api/tiles/basemap URL. */
export interface BasemapVectorSource {
  tiles: string;
  minzoom: number;
  /** Tiles past this zoom are over-zoomed from it (fewer requests, same look for lines and fills). */
  maxzoom: number;
}

export function basemapStyle(theme: BasemapTheme, dataUrl: string, vector?: BasemapVectorSource): Record<string, unknown> {
  const style = geojsonStyle(theme, dataUrl);
  if (!vector) return style;
  // Same layers and colours; only the source changes, and every data layer names the tile's layer.
  const layers = (style.layers as Array<Record<string, unknown>>).map((l) => (l.source ? { ...l, 'source-layer': 'basemap' } : l));
  return {
    ...style,
    sources: { basemap: { type: 'vector', tiles: [vector.tiles], minzoom: vector.minzoom, maxzoom: vector.maxzoom, attribution: '示例底图 · 本地数据' } },
    layers,
  };
}

function geojsonStyle(theme: BasemapTheme, dataUrl: string): Record<string, unknown> {
  const p = BASEMAP_PALETTES[theme];
  const kind = (k: string) => ['==', ['get', 'kind'], k];
  const width = (base: number) => ['interpolate', ['exponential', 1.6], ['zoom'], 12, base * 0.4, 16, base * 2, 19, base * 8];
  return {
    version: 8,
    name: `gcc-offline-${theme}`,
    // Deliberately no "glyphs" and no "sprite": nothing here may point to another host.
    sources: {
      basemap: { type: 'geojson', data: dataUrl, attribution: '示例底图 · 本地数据' },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': p.background } },
      { id: 'landuse', type: 'fill', source: 'basemap', filter: kind('landuse'), paint: { 'fill-color': p.landuse } },
      { id: 'green', type: 'fill', source: 'basemap', filter: kind('green'), paint: { 'fill-color': p.green } },
      {
        id: 'water',
        type: 'fill',
        source: 'basemap',
        filter: ['all', kind('water'), ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]]],
        paint: { 'fill-color': p.water },
      },
      {
        id: 'water-line',
        type: 'line',
        source: 'basemap',
        filter: ['all', kind('water'), ['in', ['geometry-type'], ['literal', ['LineString', 'MultiLineString']]]],
        paint: { 'line-color': p.water, 'line-width': width(3) },
      },
      { id: 'path', type: 'line', source: 'basemap', filter: kind('path'), paint: { 'line-color': p.path, 'line-width': width(0.6), 'line-dasharray': [2, 1] } },
      { id: 'rail', type: 'line', source: 'basemap', filter: kind('rail'), paint: { 'line-color': p.rail, 'line-width': width(1), 'line-dasharray': [3, 2] } },
      { id: 'road-minor', type: 'line', source: 'basemap', filter: kind('road_minor'), layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': p.roadMinor, 'line-width': width(1.5) } },
      { id: 'road-major-casing', type: 'line', source: 'basemap', filter: kind('road_major'), layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': p.roadCasing, 'line-width': width(4) } },
      { id: 'road-major', type: 'line', source: 'basemap', filter: kind('road_major'), layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': p.roadMajor, 'line-width': width(3) } },
    ],
  };
}
