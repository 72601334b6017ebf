// The part of a district or a city that names and symbols are drawn for. At ×50 or ×250 a map holds
// thousands of community names, facility symbols and road names; drawing all of them in every frame is
// what made panning a tiled district crawl in software WebGL (each glyph is an instance the vertex stage
// processes, on screen or not). So they are drawn only near the view, only from a reading zoom on, and
// the set is recomputed when the camera rests (moveend), never per frame.
import type { CommunityCollection, FacilityCollection } from '../../../common/layers';
import type { RoadLabel } from '../layers/road-label-layer/road-label-layer';

export type Bbox = [west: number, south: number, east: number, north: number];

export interface ViewWindow {
  /** The visible bounds, padded on every side so a short pan shows names at once. */
  bbox: Bbox;
  /** The camera's zoom when it came to rest. */
  zoom: number;
}

/** Zoom from which each kind of label is drawn on large data (below it they would cover the map). */
export const LABEL_MIN_ZOOM = {
  communityNames: 14,
  roadLabels: 14,
  facilities: 14.5,
} as const;

/** Share of the view's width/height added on each side. */
export const VIEW_PADDING = 0.5;

export function padBbox([w, s, e, n]: Bbox, share = VIEW_PADDING): Bbox {
  const dx = (e - w) * share;
  const dy = (n - s) * share;
  return [w - dx, s - dy, e + dx, n + dy];
}

export function inBbox(lon: number, lat: number, [w, s, e, n]: Bbox): boolean {
  return lon >= w && lon <= e && lat >= s && lat <= n;
}

export interface WindowedLabels {
  communities: CommunityCollection | null;
  facilities: FacilityCollection | null;
  roadLabels: RoadLabel[];
}

const EMPTY: WindowedLabels = { communities: null, facilities: null, roadLabels: [] };

/**
 * The community names, facilities and road names to draw for a view window: those inside it, each kind
 * only from its reading zoom on. No window yet (the map has not rested once) → nothing.
 */
export function labelsInWindow(data: WindowedLabels, win: ViewWindow | null): WindowedLabels {
  if (!win) return EMPTY;
  const communities =
    data.communities && win.zoom >= LABEL_MIN_ZOOM.communityNames
      ? { ...data.communities, features: data.communities.features.filter((f) => inBbox(f.properties.labelLon, f.properties.labelLat, win.bbox)) }
      : null;
  const facilities =
    data.facilities && win.zoom >= LABEL_MIN_ZOOM.facilities
      ? { ...data.facilities, features: data.facilities.features.filter((f) => inBbox(f.geometry.coordinates[0], f.geometry.coordinates[1], win.bbox)) }
      : null;
  const roadLabels = win.zoom >= LABEL_MIN_ZOOM.roadLabels ? data.roadLabels.filter((l) => inBbox(l.lon, l.lat, win.bbox)) : [];
  return { communities, facilities, roadLabels };
}

/** Same window (to the metre and a hundredth of a zoom level): a resting camera changes no layer data. */
export function sameWindow(a: ViewWindow | null, b: ViewWindow | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const eps = 1e-5;
  return Math.abs(a.zoom - b.zoom) < 0.01 && a.bbox.every((v, i) => Math.abs(v - b.bbox[i]) < eps);
}
