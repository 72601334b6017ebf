// Communities (社区): tinted polygons with a bold outline and a Chinese name label. The highlighted one
// (scene rotation, hover or selection) is filled brighter and outlined thicker.
import { CompositeLayer, type DefaultProps, type Color, type UpdateParameters } from '@deck.gl/core';
import { GeoJsonLayer, TextLayer } from '@deck.gl/layers';
import type { CommunityCollection, CommunityProps, Feature, PolygonGeometry } from '../../../../common/layers';
import { CJK_FONT_FAMILY, communityColor } from '../palette';

type CommunityFeature = Feature<PolygonGeometry, CommunityProps>;

export interface CommunityLayerProps {
  /** The /api/layers/communities answer. */
  data: CommunityCollection | null;
  /** Community drawn highlighted, or null. */
  highlightId: number | null;
  /** Fill alpha of ordinary communities (0..255). */
  fillAlpha: number;
  /** Outline width in pixels. */
  lineWidthPixels: number;
  /** Label size in pixels (scale it with the screen on the wall). */
  labelSizePixels: number;
  labelColor: Color;
  labelOutlineColor: Color;
  showLabels: boolean;
}

const defaultProps: DefaultProps<CommunityLayerProps> = {
  data: { type: 'object', value: null },
  highlightId: null,
  fillAlpha: { type: 'number', value: 40 },
  lineWidthPixels: { type: 'number', value: 2 },
  labelSizePixels: { type: 'number', value: 18 },
  labelColor: { type: 'color', value: [255, 255, 255, 255] },
  labelOutlineColor: { type: 'color', value: [5, 12, 24, 255] },
  showLabels: true,
};

export class CommunityLayer extends CompositeLayer<CommunityLayerProps> {
  static override layerName = 'CommunityLayer';
  static override defaultProps = defaultProps;

  override updateState({ changeFlags }: UpdateParameters<this>): void {
    if (changeFlags.dataChanged) this.setState({ features: this.props.data?.features ?? [] });
  }

  override renderLayers() {
    const { highlightId, fillAlpha, lineWidthPixels, labelSizePixels, labelColor, labelOutlineColor, showLabels } = this.props;
    const features = (this.state.features as CommunityFeature[] | undefined) ?? [];
    return [
      new GeoJsonLayer<CommunityProps>(
        this.getSubLayerProps({
          id: 'polygons',
          data: features,
          pickable: true,
          stroked: true,
          filled: true,
          getFillColor: (f: CommunityFeature) => communityColor(f.properties.id, f.properties.id === highlightId ? Math.min(255, fillAlpha * 3) : fillAlpha),
          getLineColor: (f: CommunityFeature) => (f.properties.id === highlightId ? [255, 255, 255, 255] : communityColor(f.properties.id, 230)),
          getLineWidth: (f: CommunityFeature) => (f.properties.id === highlightId ? lineWidthPixels * 2.5 : lineWidthPixels),
          lineWidthUnits: 'pixels',
          updateTriggers: { getFillColor: [highlightId, fillAlpha], getLineColor: [highlightId], getLineWidth: [highlightId, lineWidthPixels] },
        }),
      ),
      showLabels &&
        new TextLayer<CommunityFeature>(
          this.getSubLayerProps({
            id: 'labels',
            data: features,
            getText: (f: CommunityFeature) => f.properties.name,
            getPosition: (f: CommunityFeature) => [f.properties.labelLon, f.properties.labelLat],
            getSize: (f: CommunityFeature) => (f.properties.id === highlightId ? labelSizePixels * 1.3 : labelSizePixels),
            getColor: labelColor,
            fontFamily: CJK_FONT_FAMILY,
            fontWeight: 700,
            characterSet: 'auto',
            fontSettings: { sdf: true, fontSize: 64, buffer: 6 },
            outlineWidth: 3,
            outlineColor: labelOutlineColor,
            updateTriggers: { getSize: [highlightId, labelSizePixels] },
          }),
        ),
    ];
  }
}
