// Dispatch overlay: a ring around the selected incident, the candidates as numbered points, and the
// walking route (over the street network) to the candidate in focus. Stock deck.gl layers only.
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { PathLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';

export interface DispatchCandidatePoint {
  personId: number;
  rank: number;
  position: [number, number];
  available: boolean;
  route: [number, number][] | null;
}

export interface DispatchLayerProps {
  selected: [number, number] | null;
  candidates: readonly DispatchCandidatePoint[];
  /** The candidate whose route is drawn (hovered or top-ranked). */
  focusPersonId: number | null;
  scale: number;
  routeColor: Color;
  candidateColor: Color;
}

const defaultProps: DefaultProps<DispatchLayerProps> = {
  selected: { type: 'object', value: null },
  candidates: { type: 'array', value: [] },
  focusPersonId: null,
  scale: { type: 'number', value: 1 },
  routeColor: { type: 'color', value: [24, 144, 255, 230] },
  candidateColor: { type: 'color', value: [24, 144, 255, 255] },
};

export class DispatchLayer extends CompositeLayer<DispatchLayerProps> {
  static override layerName = 'DispatchLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { selected, candidates, focusPersonId, scale, routeColor, candidateColor } = this.props;
    const focus = candidates.find((c) => c.personId === focusPersonId) ?? null;
    return [
      new PathLayer<[number, number][]>(
        this.getSubLayerProps({
          id: 'route',
          data: focus?.route ? [focus.route] : [],
          getPath: (p: [number, number][]) => p,
          getColor: routeColor,
          widthUnits: 'pixels',
          getWidth: 5 * scale,
          capRounded: true,
          jointRounded: true,
          updateTriggers: { getWidth: [scale] },
        }),
      ),
      new ScatterplotLayer<[number, number]>(
        this.getSubLayerProps({
          id: 'selected',
          data: selected ? [selected] : [],
          getPosition: (p: [number, number]) => p,
          radiusUnits: 'pixels',
          getRadius: 16 * scale,
          filled: false,
          stroked: true,
          getLineColor: [255, 77, 79, 255],
          lineWidthUnits: 'pixels',
          getLineWidth: 3 * scale,
          updateTriggers: { getRadius: [scale], getLineWidth: [scale] },
        }),
      ),
      new ScatterplotLayer<DispatchCandidatePoint>(
        this.getSubLayerProps({
          id: 'candidates',
          data: candidates,
          pickable: true,
          getPosition: (c: DispatchCandidatePoint) => c.position,
          radiusUnits: 'pixels',
          getRadius: (c: DispatchCandidatePoint) => (c.personId === focusPersonId ? 11 : 8) * scale,
          getFillColor: (c: DispatchCandidatePoint) => (c.available ? candidateColor : [140, 140, 140, 255]),
          stroked: true,
          getLineColor: [255, 255, 255, 255],
          lineWidthUnits: 'pixels',
          getLineWidth: 2,
          updateTriggers: { getRadius: [focusPersonId, scale], getFillColor: [candidateColor] },
        }),
      ),
      new TextLayer<DispatchCandidatePoint>(
        this.getSubLayerProps({
          id: 'ranks',
          data: candidates,
          getPosition: (c: DispatchCandidatePoint) => c.position,
          getText: (c: DispatchCandidatePoint) => String(c.rank),
          getSize: 11 * scale,
          getColor: [255, 255, 255, 255],
          fontWeight: 700,
          characterSet: '0123456789',
          updateTriggers: { getSize: [scale] },
        }),
      ),
    ];
  }
}
