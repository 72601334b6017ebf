// The GET paths of a map page's static layers (communities, grids, buildings, facilities, road labels), in one
// place: useStreetLayers asks them, and the boot (boot/boot.ts) sends the wall's before the app has loaded —
// a prefetched answer is only used for exactly the same path, so both must build them the same way.
import { streetBboxQuery } from './street-view';

export interface StreetLayerPaths {
  communities: string;
  /** null on large data: vector tiles draw grids and buildings */
  grids: string | null;
  buildings: string | null;
  facilities: string;
  roadLabels: string;
}

/** bbox query over the data extent (large data), with a small margin. */
function extentQuery(b: readonly [number, number, number, number], zoom: number): string {
  const m = 0.005;
  return `bbox=${b[0] - m},${b[1] - m},${b[2] + m},${b[3] + m}&zoom=${zoom}`;
}

/**
 * `tiledExtent`: the data's bbox on large data (from /api/layers/extent), else null (a street: everything as
 * GeoJSON; polygons simplified for street-scale zoom, buildings keep their detail at zoom 17).
 */
export function streetLayerPaths(tiledExtent: readonly [number, number, number, number] | null): StreetLayerPaths {
  if (tiledExtent) {
    return {
      communities: `/api/layers/communities?${extentQuery(tiledExtent, 12)}`,
      grids: null,
      buildings: null,
      facilities: `/api/layers/facilities?${extentQuery(tiledExtent, 16)}`,
      roadLabels: '/api/basemap/labels',
    };
  }
  return {
    communities: `/api/layers/communities?${streetBboxQuery(14)}`,
    grids: `/api/layers/grids?${streetBboxQuery(15)}`,
    buildings: `/api/layers/buildings?${streetBboxQuery(17)}`,
    facilities: `/api/layers/facilities?${streetBboxQuery(16)}`,
    roadLabels: '/api/basemap/labels',
  };
}

/** The basemap style a map page asks MapLibre for (map-view.tsx). */
export function basemapStylePath(theme: 'dark' | 'light', tiled: boolean): string {
  return `/api/basemap/style.json?theme=${theme}${tiled ? '&tiled=1' : ''}`;
}
