// Every map page asks how large the data is before it draws anything (GET /api/layers/extent): a street is
// loaded as GeoJSON, a district or a city is drawn from vector tiles with a tiled basemap. The answer has
// to come first because the basemap style and the first view are chosen when the map is created, and
// because a city's buildings must never be requested as one GeoJSON document.
import type { ReactNode } from 'react';
import { useLayerExtent, type LayerExtent } from './use-layer-extent';
import type { Bbox } from './view-window';

export interface MapExtent {
  /** Large data: polygons and basemap from vector tiles, names and symbols near the view only. */
  tiled: boolean;
  /** The data's bounds when tiled (the first view and the "whole area" scene); null on a street. */
  bbox: Bbox | null;
  /** The database's totals when tiled (the browser holds only the tiles in view). */
  counts: LayerExtent['counts'] | null;
}

export const STREET_EXTENT: MapExtent = { tiled: false, bbox: null, counts: null };

export function mapExtentOf(extent: LayerExtent | null): MapExtent {
  // If the extent request fails the page falls back to the street's GeoJSON path.
  if (!extent?.tiled || !extent.bbox) return STREET_EXTENT;
  return { tiled: true, bbox: extent.bbox, counts: extent.counts };
}

/** Renders an empty placeholder with `className` until the extent is known, then `children(extent)`. */
export function LayerExtentGate({ className, children }: { className: string; children: (extent: MapExtent) => ReactNode }) {
  const { ready, extent } = useLayerExtent();
  if (!ready) return <div className={className} />;
  return <>{children(mapExtentOf(extent))}</>;
}
