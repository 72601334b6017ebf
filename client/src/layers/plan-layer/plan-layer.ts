// Planner overlay: uncovered buildings in red, the scenario's reachable streets per 5/10/15-minute band,
// the facilities of the chosen type (added ones hollow, the selected one ringed) and suggested sites.
// Facilities off the walking network (server/walk/network-access.ts) are marked: an orange outline and
// the straight access walk to their snap point when that walk is added to their times; grey with a red
// outline when they are unreachable by the network; the distance is written beside those far enough off
// for it to matter (a building's usual setback from the street is not labelled).
// Stock deck.gl layers only; facilities are pickable and draggable (the page handles the drag).
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { GeoJsonLayer, PathLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import { CJK_FONT_FAMILY, RING_COLORS } from '../palette';

export type PlanAccessStatus = 'on_network' | 'walk_added' | 'unreachable';

export interface PlanFacilityPoint {
  id: number;
  name: string;
  lon: number;
  lat: number;
  virtual: boolean;
  /** How it meets the walking network; absent = not known yet (drawn as on the network). */
  access?: { status: PlanAccessStatus; snapDistanceM: number | null; snapLon: number | null; snapLat: number | null };
}

/** Access walks at least this long (m) get their distance written on the map. */
export const LABELLED_ACCESS_M = 50;
const WALK_COLOR: Color = [250, 140, 22, 255];
const UNREACHABLE_FILL: Color = [140, 140, 140, 255];
const UNREACHABLE_LINE: Color = [130, 0, 20, 255];

function accessLabel(f: PlanFacilityPoint, unreachableWord: string): string {
  const a = f.access;
  if (!a || a.status === 'on_network') return '';
  const d = a.snapDistanceM == null ? '' : `${Math.round(a.snapDistanceM)} m`;
  if (a.status === 'unreachable') return `${unreachableWord} ${d}`.trim();
  return a.snapDistanceM != null && a.snapDistanceM >= LABELLED_ACCESS_M ? `+${d}` : '';
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
  /** Word written before an unreachable facility's distance (the page's locale). */
  unreachableWord: string;
}

const defaultProps: DefaultProps<PlanLayerProps> = {
  facilities: { type: 'array', value: [] },
  selectedFacilityId: null,
  uncovered: null,
  scenarioRings: { type: 'array', value: [] },
  suggestions: { type: 'array', value: [] },
  ringColors: { type: 'object', value: RING_COLORS },
  facilityColor: { type: 'color', value: [200, 16, 46, 255] },
  unreachableWord: '不可达',
};

function band(m: number): 5 | 10 | 15 {
  return m <= 5 ? 5 : m <= 10 ? 10 : 15;
}

export class PlanLayer extends CompositeLayer<PlanLayerProps> {
  static override layerName = 'PlanLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { facilities, selectedFacilityId, uncovered, scenarioRings, suggestions, ringColors, facilityColor, unreachableWord } = this.props;
    const offNetwork = facilities.filter((f) => f.access && f.access.status !== 'on_network');
    const walks = offNetwork.filter((f) => f.access!.snapLon != null && f.access!.snapLat != null);
    const labelled = offNetwork.filter((f) => accessLabel(f, unreachableWord) !== '');
    const status = (f: PlanFacilityPoint): PlanAccessStatus => f.access?.status ?? 'on_network';
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
      new PathLayer<PlanFacilityPoint>(
        this.getSubLayerProps({
          id: 'access-walks',
          data: walks,
          getPath: (f: PlanFacilityPoint) => [[f.lon, f.lat], [f.access!.snapLon!, f.access!.snapLat!]],
          getColor: (f: PlanFacilityPoint) => (status(f) === 'unreachable' ? UNREACHABLE_LINE : WALK_COLOR),
          widthUnits: 'pixels',
          getWidth: 2.5,
          capRounded: true,
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
          getFillColor: (f: PlanFacilityPoint) => (status(f) === 'unreachable' ? UNREACHABLE_FILL : f.virtual ? [255, 255, 255, 255] : facilityColor),
          stroked: true,
          getLineColor: (f: PlanFacilityPoint) =>
            f.id === selectedFacilityId ? [24, 144, 255, 255] : status(f) === 'unreachable' ? UNREACHABLE_LINE : status(f) === 'walk_added' ? WALK_COLOR : facilityColor,
          lineWidthUnits: 'pixels',
          getLineWidth: (f: PlanFacilityPoint) => (f.id === selectedFacilityId ? 4 : 3),
          updateTriggers: { getRadius: [selectedFacilityId], getLineColor: [selectedFacilityId, facilityColor], getLineWidth: [selectedFacilityId], getFillColor: [facilityColor] },
        }),
      ),
      new TextLayer<PlanFacilityPoint>(
        this.getSubLayerProps({
          id: 'access-labels',
          data: labelled,
          getPosition: (f: PlanFacilityPoint) => [f.lon, f.lat],
          getText: (f: PlanFacilityPoint) => accessLabel(f, unreachableWord),
          getSize: 13,
          getColor: (f: PlanFacilityPoint) => (status(f) === 'unreachable' ? UNREACHABLE_LINE : [150, 70, 0, 255]),
          getPixelOffset: [0, -20],
          fontFamily: CJK_FONT_FAMILY,
          characterSet: 'auto',
          fontWeight: 700,
          outlineWidth: 3,
          outlineColor: [255, 255, 255, 255],
          fontSettings: { sdf: true, fontSize: 48, buffer: 4 },
          updateTriggers: { getText: [unreachableWord] },
        }),
      ),
    ];
  }
}
