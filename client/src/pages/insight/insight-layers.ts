// deck.gl layers of the insight map, composed from stock layers with stable ids. Cell polygons come from
// the server's fixed frame (common/insight.ts), so what is drawn is exactly what the statistic used.
import { PolygonLayer } from '@deck.gl/layers';
import { HeatmapLayer, HexagonLayer } from '@deck.gl/aggregation-layers';
import type { Color, Layer } from '@deck.gl/core';
import {
  cellPolygon,
  type CellFrame,
  type DensityResponse,
  type HotspotCell,
  type HotspotsResponse,
  type PlaybackFrame,
} from '../../../../common/insight';
import { COUNT_RAMP, SIGNIFICANCE_COLORS, countColor } from './insight-colors';

export interface DensityPoint {
  position: [number, number];
  weight: number;
}

export interface PlaybackCell {
  ix: number;
  iy: number;
  count: number;
  polygon: [number, number][];
}

const OUTLINE: Color = [90, 100, 120, 70];

export function hotspotLayer(h: HotspotsResponse): Layer {
  const data = h.cells.map((c) => ({ ...c, polygon: cellPolygon(h.frame, c.ix, c.iy) }));
  return new PolygonLayer<HotspotCell & { polygon: [number, number][] }>({
    id: 'insight-hotspots',
    data,
    getPolygon: (d) => d.polygon,
    getFillColor: (d) => SIGNIFICANCE_COLORS[d.bin],
    getLineColor: OUTLINE,
    lineWidthUnits: 'pixels',
    getLineWidth: 0.5,
    stroked: true,
    filled: true,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 90],
  });
}

export function densityPoints(d: DensityResponse): DensityPoint[] {
  const out: DensityPoint[] = [];
  if (d.mode === 'points') for (let k = 0; k < d.points.length; k += 2) out.push({ position: [d.points[k], d.points[k + 1]], weight: 1 });
  else for (let k = 0; k < d.cells.length; k += 3) out.push({ position: [d.cells[k], d.cells[k + 1]], weight: d.cells[k + 2] });
  return out;
}

export function heatmapLayer(points: DensityPoint[]): Layer {
  return new HeatmapLayer<DensityPoint>({
    id: 'insight-heatmap',
    data: points,
    getPosition: (d) => d.position,
    getWeight: (d) => d.weight,
    radiusPixels: 40,
    intensity: 1,
    threshold: 0.04,
    colorRange: COUNT_RAMP,
    aggregation: 'SUM',
  });
}

export const HEX_RADIUS_M = 120;

export function hexbinLayer(points: DensityPoint[]): Layer {
  return new HexagonLayer<DensityPoint>({
    id: 'insight-hexbin',
    data: points,
    getPosition: (d) => d.position,
    getColorWeight: (d) => d.weight,
    colorAggregation: 'SUM',
    getElevationWeight: (d) => d.weight,
    elevationAggregation: 'SUM',
    radius: HEX_RADIUS_M,
    coverage: 0.92,
    extruded: false,
    gpuAggregation: false,
    colorRange: COUNT_RAMP,
    opacity: 0.75,
    pickable: true,
  });
}

export function playbackCells(frame: CellFrame, f: PlaybackFrame | undefined): PlaybackCell[] {
  if (!f) return [];
  const out: PlaybackCell[] = [];
  for (let k = 0; k < f.counts.length; k += 3) {
    const [ix, iy, count] = [f.counts[k], f.counts[k + 1], f.counts[k + 2]];
    out.push({ ix, iy, count, polygon: cellPolygon(frame, ix, iy) });
  }
  return out;
}

/** One colour domain for every frame: the same count has the same colour in every frame. */
export function playbackLayer(cells: PlaybackCell[], domainMax: number, frameIndex: number): Layer {
  return new PolygonLayer<PlaybackCell>({
    id: 'insight-playback',
    data: cells,
    getPolygon: (d) => d.polygon,
    getFillColor: (d) => countColor(d.count, domainMax),
    getLineColor: OUTLINE,
    lineWidthUnits: 'pixels',
    getLineWidth: 0.5,
    pickable: true,
    updateTriggers: { getFillColor: [domainMax, frameIndex] },
  });
}
