// Road names of the offline basemap, drawn by deck.gl with a local CJK font along the road's direction
// (MapLibre would need a glyph server for symbol text; we have none by design).
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
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

  override renderLayers() {
    const { data, sizePixels, minorMinZoom, color, outlineColor } = this.props;
    const showMinor = this.context.viewport.zoom >= minorMinZoom;
    return new TextLayer<RoadLabel>(
      this.getSubLayerProps({
        id: 'names',
        data: showMinor ? data : data.filter((l) => l.kind === 'road_major'),
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
