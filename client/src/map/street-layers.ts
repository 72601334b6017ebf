// Builds the street's deck.gl layer list from loaded data, in drawing order. Shared by the desk map and
// the wall so both draw the same thing the same way; each page chooses what is visible and the sizes.
import type { Color, LayersList } from '@deck.gl/core';
import { CommunityLayer } from '../layers/community-layer/community-layer';
import { GridLayer } from '../layers/grid-layer/grid-layer';
import { BuildingLayer } from '../layers/building-layer/building-layer';
import { FacilityLayer } from '../layers/facility-layer/facility-layer';
import { CoverageLayer } from '../layers/coverage-layer/coverage-layer';
import { RoadLabelLayer } from '../layers/road-label-layer/road-label-layer';
import { IncidentLayer } from '../layers/incident-layer/incident-layer';
import { ViolationLayer } from '../layers/violation-layer/violation-layer';
import { ParkingLayer } from '../layers/parking-layer/parking-layer';
import { WorkerLayer } from '../layers/worker-layer/worker-layer';
import type { StreetLayers } from './use-street-layers';
import { STREET_EXTENT, type MapExtent } from './layer-extent-gate';
import type { IncidentLive, ParkingLive, ViolationLive, WorkerPosition } from '../../../common/realtime';
import { LAYER_IDS } from './pick-unit';
import { tiledBuildingLayer, tiledCommunityLabels, tiledCommunityLayer, tiledGridLayer } from '../layers/tiled-layer/tiled-layers';

export interface LiveLayerData {
  incidents: readonly IncidentLive[];
  violations: readonly ViolationLive[];
  parking: readonly ParkingLive[];
  workers: readonly WorkerPosition[];
  pulsingSince: ReadonlyMap<number, number>;
  timeMs: number;
}

export interface StreetLayerOptions {
  /** Multiplies every pixel size (labels, points): 2 on a 3840-px wall. */
  scale: number;
  /** Label colours follow the basemap: light text with a dark halo on dark, the reverse on light. */
  theme: 'dark' | 'light';
  highlightCommunityId: number | null;
  highlightGridId: number | null;
  highlightBuildingId: number | null;
  visible: Partial<Record<keyof typeof LAYER_IDS, boolean>>;
  /**
   * Large data: communities, grids and buildings come from vector tiles (same ids, same colours), and
   * `data` holds only the names and symbols near the view (see view-window.ts, useWindowedLabels).
   */
  tiled?: boolean;
  /**
   * Large data: the camera's zoom when it last came to rest. Parking, violation points and workers are
   * drawn from LIVE_MIN_ZOOM on (a district overview would be a carpet of dots); incidents always.
   */
  viewZoom?: number | null;
}

/** Zoom from which the dense live layers show on large data (parking labels one level later). */
export const LIVE_MIN_ZOOM = 14;

export function streetLayers(data: StreetLayers, live: LiveLayerData | null, o: StreetLayerOptions): LayersList {
  const on = (k: keyof typeof LAYER_IDS) => o.visible[k] !== false;
  const s = o.scale;
  const text: [number, number, number, number] = o.theme === 'dark' ? [255, 255, 255, 255] : [30, 35, 48, 255];
  const halo: [number, number, number, number] = o.theme === 'dark' ? [5, 12, 24, 255] : [255, 255, 255, 255];
  const zoom = o.tiled ? (o.viewZoom ?? 0) : Infinity;
  const dense = zoom >= LIVE_MIN_ZOOM;
  const parkingLabels = zoom >= LIVE_MIN_ZOOM + 1;
  return [
    on('coverage') && data.coverage && new CoverageLayer({ id: LAYER_IDS.coverage, data: data.coverage, lineWidthPixels: s }),
    ...(o.tiled ? tiledPolygonLayers(data, o, text, halo) : []),
    !o.tiled &&
      on('communities') &&
      new CommunityLayer({ id: LAYER_IDS.communities, data: data.communities, highlightId: o.highlightCommunityId, labelSizePixels: 20 * s, lineWidthPixels: 2 * s, labelColor: text, labelOutlineColor: halo }),
    !o.tiled && on('grids') && new GridLayer({ id: LAYER_IDS.grids, data: data.grids, highlightId: o.highlightGridId, lineWidthPixels: 0.8 * s, labelSizePixels: 12 * s }),
    !o.tiled && on('buildings') && new BuildingLayer({ id: LAYER_IDS.buildings, data: data.buildings, highlightId: o.highlightBuildingId }),
    on('roadLabels') && new RoadLabelLayer({ id: LAYER_IDS.roadLabels, data: data.roadLabels, sizePixels: 13 * s, color: o.theme === 'dark' ? [150, 175, 205, 255] : [90, 80, 60, 255], outlineColor: halo }),
    on('facilities') && new FacilityLayer({ id: LAYER_IDS.facilities, data: data.facilities, radiusPixels: 6 * s, labelSizePixels: 12 * s }),
    live && on('parking') && dense && new ParkingLayer({ id: LAYER_IDS.parking, data: live.parking, radiusPixels: 9 * s, labelSizePixels: 11 * s, showLabels: parkingLabels }),
    live && on('violations') && dense && new ViolationLayer({ id: LAYER_IDS.violations, data: live.violations, radiusPixels: 5 * s }),
    live && on('workers') && dense && new WorkerLayer({ id: LAYER_IDS.workers, data: live.workers, radiusPixels: 3.5 * s }),
    live &&
      on('incidents') &&
      new IncidentLayer({ id: LAYER_IDS.incidents, data: live.incidents, pulsingSince: live.pulsingSince, timeMs: live.timeMs, radiusPixels: 6 * s }),
  ];
}

/** The polygon layers from vector tiles, in the same order as the GeoJSON ones (buildings on top). */
function tiledPolygonLayers(data: StreetLayers, o: StreetLayerOptions, text: Color, halo: Color): LayersList {
  const on = (k: keyof typeof LAYER_IDS) => o.visible[k] !== false;
  const t = {
    highlightCommunityId: o.highlightCommunityId,
    highlightGridId: o.highlightGridId,
    highlightBuildingId: o.highlightBuildingId,
    communityLineWidthPixels: 2 * o.scale,
    gridLineWidthPixels: 0.8 * o.scale,
  };
  return [
    on('communities') && tiledCommunityLayer(t),
    on('grids') && tiledGridLayer(t),
    on('buildings') && tiledBuildingLayer(t),
    on('communities') && tiledCommunityLabels(data.communities, { highlightId: o.highlightCommunityId, sizePixels: 20 * o.scale, color: text, outlineColor: halo }),
  ];
}

/**
 * Feature counts per layer id, for the test hook and the legend. On large data the polygon counts are the
 * server's totals (the browser holds only the tiles in view), and `tiled` says which path the map took.
 */
export function layerCounts(data: StreetLayers, live: LiveLayerData | null, extent: MapExtent = STREET_EXTENT): Record<string, number> {
  return {
    [LAYER_IDS.communities]: data.communities?.features.length ?? 0,
    [LAYER_IDS.grids]: data.grids?.features.length ?? 0,
    [LAYER_IDS.buildings]: data.buildings?.features.length ?? 0,
    [LAYER_IDS.facilities]: data.facilities?.features.length ?? 0,
    [LAYER_IDS.roadLabels]: data.roadLabels.length,
    [LAYER_IDS.coverage]: data.coverage?.features.length ?? 0,
    [LAYER_IDS.incidents]: live?.incidents.length ?? 0,
    [LAYER_IDS.violations]: live?.violations.length ?? 0,
    [LAYER_IDS.parking]: live?.parking.length ?? 0,
    [LAYER_IDS.workers]: live?.workers.length ?? 0,
    ...(extent.counts ?? {}),
    tiled: extent.tiled ? 1 : 0,
  };
}
