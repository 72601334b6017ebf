// Road names of the offline basemap, drawn by deck.gl with a local CJK font along the road's direction
// (MapLibre would need a glyph server for symbol text; we have none by design).
import { CompositeLayer, type DefaultProps, type Color, type UpdateParameters } from '@deck.gl/core';
import { TextLayer } from '@deck.gl/layers';
import { CJK_FONT_FAMILY } from '../palette';

export interface RoadLabel {
  name: string;
  kind: string;
  lon: number;
  lat: number;
  angle: number;
}

export interface RoadLabelLayerProps {
  data: readonly RoadLabel[];
  sizePixels: number;
  /** Minor roads (often a compound's inner street, right under a community label) are named from this zoom on. */
  minorMinZoom: number;
  color: Color;
  outlineColor: Color;
}

const defaultProps: DefaultProps<RoadLabelLayerProps> = {
  data: { type: 'array', value: [] },
  sizePixels: { type: 'number', value: 13 },
  minorMinZoom: { type: 'number', value: 15.5 },
  color: { type: 'color', value: [170, 190, 215, 255] },
  outlineColor: { type: 'color', value: [5, 12, 24, 255] },
};

export class RoadLabelLayer extends CompositeLayer<RoadLabelLayerProps> {
  static override layerName = 'RoadLabelLayer';
  static override defaultProps = defaultProps;

  // Major roads only, computed once per data (filtering in renderLayers would hand the text layer a new
  // array, so a new glyph layout, every time it re-renders); and whether minor roads show at this zoom.
  override updateState({ props, oldProps, context, changeFlags }: UpdateParameters<this>): void {
    if (changeFlags.dataChanged) this.setState({ major: props.data.filter((l) => l.kind === 'road_major') });
    const showMinor = context.viewport.zoom >= props.minorMinZoom;
    if (changeFlags.dataChanged || props.minorMinZoom !== oldProps.minorMinZoom || showMinor !== this.state.showMinor) this.setState({ showMinor });
  }

  // Re-render when the camera crosses minorMinZoom, not on every frame of a pan.
  override shouldUpdateState({ props, context, changeFlags }: UpdateParameters<this>): boolean {
    if (changeFlags.propsOrDataChanged) return true;
    return Boolean(changeFlags.viewportChanged) && context.viewport.zoom >= props.minorMinZoom !== this.state.showMinor;
  }

  override renderLayers() {
    const { data, sizePixels, color, outlineColor } = this.props;
    const showMinor = this.state.showMinor as boolean;
    return new TextLayer<RoadLabel>(
      this.getSubLayerProps({
        id: 'names',
        data: showMinor ? data : (this.state.major as RoadLabel[]),
        getText: (l: RoadLabel) => l.name,
        getPosition: (l: RoadLabel) => [l.lon, l.lat],
        getAngle: (l: RoadLabel) => l.angle,
        getSize: (l: RoadLabel) => (l.kind === 'road_major' ? sizePixels * 1.15 : sizePixels),
        getColor: color,
        fontFamily: CJK_FONT_FAMILY,
        characterSet: 'auto',
        fontSettings: { sdf: true, fontSize: 48, buffer: 4 },
        outlineWidth: 2,
        outlineColor,
        updateTriggers: { getSize: [sizePixels] },
      }),
    );
  }
}
