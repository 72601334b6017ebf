// Planner overlay: uncovered buildings in red, the scenario's reachable streets per 5/10/15-minute band,
// the facilities of the chosen type (added ones hollow, the selected one ringed) and suggested sites.
// Stock deck.gl layers only; facilities are pickable and draggable (the page handles the drag).
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { GeoJsonLayer, PathLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import { RING_COLORS } from '../palette';

export interface PlanFacilityPoint {
  id: number;
  name: string;
  lon: number;
  lat: number;
  virtual: boolean;
}

export interface PlanSuggestion {
  rank: number;
  lon: number;
  lat: number;
}

export interface PlanRingLines {
  minutes: number;
  geometry: { type: 'MultiLineString'; coordinates: number[][][] };
}

export interface PlanLayerProps {
  facilities: readonly PlanFacilityPoint[];
  selectedFacilityId: number | null;
  uncovered: { type: 'FeatureCollection'; features: unknown[] } | null;
  scenarioRings: readonly PlanRingLines[];
  suggestions: readonly PlanSuggestion[];
  ringColors: Record<5 | 10 | 15, Color>;
  facilityColor: Color;
}

const defaultProps: DefaultProps<PlanLayerProps> = {
  facilities: { type: 'array', value: [] },
  selectedFacilityId: null,
  uncovered: null,
  scenarioRings: { type: 'array', value: [] },
  suggestions: { type: 'array', value: [] },
  ringColors: { type: 'object', value: RING_COLORS },
  facilityColor: { type: 'color', value: [200, 16, 46, 255] },
};

function band(m: number): 5 | 10 | 15 {
  return m <= 5 ? 5 : m <= 10 ? 10 : 15;
}

export class PlanLayer extends CompositeLayer<PlanLayerProps> {
  static override layerName = 'PlanLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { facilities, selectedFacilityId, uncovered, scenarioRings, suggestions, ringColors, facilityColor } = this.props;
    // One path per line string, widest band first so the 5-minute streets sit on top.
    const paths = [...scenarioRings]
      .sort((a, b) => b.minutes - a.minutes)
      .flatMap((r) => r.geometry.coordinates.map((path) => ({ minutes: band(r.minutes), path })));
    return [
      new GeoJsonLayer(
        this.getSubLayerProps({
          id: 'uncovered',
          data: uncovered ?? { type: 'FeatureCollection', features: [] },
          filled: true,
          stroked: true,
          getFillColor: [245, 34, 45, 170],
          getLineColor: [168, 7, 26, 255],
          lineWidthUnits: 'pixels',
          getLineWidth: 1,
          pickable: true,
        }),
      ),
      new PathLayer<{ minutes: 5 | 10 | 15; path: number[][] }>(
        this.getSubLayerProps({
          id: 'scenario-rings',
          data: paths,
          getPath: (d: { path: number[][] }) => d.path as [number, number][],
          getColor: (d: { minutes: 5 | 10 | 15 }) => {
            const c = ringColors[d.minutes];
            return [c[0], c[1], c[2], 235];
          },
          widthUnits: 'pixels',
          getWidth: (d: { minutes: 5 | 10 | 15 }) => (d.minutes === 5 ? 5 : d.minutes === 10 ? 4 : 3),
          capRounded: true,
          updateTriggers: { getColor: [ringColors] },
        }),
      ),
      new ScatterplotLayer<PlanSuggestion>(
        this.getSubLayerProps({
          id: 'suggestions',
          data: suggestions,
          getPosition: (s: PlanSuggestion) => [s.lon, s.lat],
          radiusUnits: 'pixels',
          getRadius: 13,
          getFillColor: [250, 173, 20, 230],
          stroked: true,
          getLineColor: [120, 70, 0, 255],
          lineWidthUnits: 'pixels',
          getLineWidth: 2,
          pickable: true,
        }),
      ),
      new TextLayer<PlanSuggestion>(
        this.getSubLayerProps({
          id: 'suggestion-ranks',
          data: suggestions,
          getPosition: (s: PlanSuggestion) => [s.lon, s.lat],
          getText: (s: PlanSuggestion) => String(s.rank),
          getSize: 13,
          getColor: [60, 30, 0, 255],
          fontWeight: 700,
          characterSet: '0123456789',
        }),
      ),
      new ScatterplotLayer<PlanFacilityPoint>(
        this.getSubLayerProps({
          id: 'facilities',
          data: facilities,
          pickable: true,
          getPosition: (f: PlanFacilityPoint) => [f.lon, f.lat],
          radiusUnits: 'pixels',
          getRadius: (f: PlanFacilityPoint) => (f.id === selectedFacilityId ? 12 : 9),
          filled: true,
          getFillColor: (f: PlanFacilityPoint) => (f.virtual ? [255, 255, 255, 255] : facilityColor),
          stroked: true,
          getLineColor: (f: PlanFacilityPoint) => (f.id === selectedFacilityId ? [24, 144, 255, 255] : facilityColor),
          lineWidthUnits: 'pixels',
          getLineWidth: (f: PlanFacilityPoint) => (f.id === selectedFacilityId ? 4 : 3),
          updateTriggers: { getRadius: [selectedFacilityId], getLineColor: [selectedFacilityId, facilityColor], getLineWidth: [selectedFacilityId], getFillColor: [facilityColor] },
        }),
      ),
    ];
  }
}
