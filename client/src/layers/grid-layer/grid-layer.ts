// Grids (网格): thin dashed-looking outlines inside the communities, transparent fill so a click anywhere in
// the grid picks it, and small labels from a zoom level on.
import { CompositeLayer, type DefaultProps, type Color, type UpdateParameters } from '@deck.gl/core';
import { GeoJsonLayer, TextLayer } from '@deck.gl/layers';
import type { Feature, GridCollection, GridProps, PolygonGeometry } from '../../../../common/layers';
import { CJK_FONT_FAMILY } from '../palette';

type GridFeature = Feature<PolygonGeometry, GridProps>;

export interface GridLayerProps {
  data: GridCollection | null;
  highlightId: number | null;
  lineColor: Color;
  highlightColor: Color;
  lineWidthPixels: number;
  /** Labels are drawn from this zoom on (grids are many; at street scale they crowd). */
  labelMinZoom: number;
  labelSizePixels: number;
}

const defaultProps: DefaultProps<GridLayerProps> = {
  data: { type: 'object', value: null },
  highlightId: null,
  lineColor: { type: 'color', value: [180, 200, 230, 150] },
  highlightColor: { type: 'color', value: [255, 214, 102, 255] },
  lineWidthPixels: { type: 'number', value: 1 },
  labelMinZoom: { type: 'number', value: 15.5 },
  labelSizePixels: { type: 'number', value: 12 },
};

export class GridLayer extends CompositeLayer<GridLayerProps> {
  static override layerName = 'GridLayer';
  static override defaultProps = defaultProps;

  override updateState({ changeFlags }: UpdateParameters<this>): void {
    if (changeFlags.dataChanged) this.setState({ features: this.props.data?.features ?? [] });
  }

  override renderLayers() {
    const { highlightId, lineColor, highlightColor, lineWidthPixels, labelMinZoom, labelSizePixels } = this.props;
    const features = (this.state.features as GridFeature[] | undefined) ?? [];
    const zoom = this.context.viewport.zoom;
    return [
      new GeoJsonLayer<GridProps>(
        this.getSubLayerProps({
          id: 'polygons',
          data: features,
          pickable: true,
          stroked: true,
          filled: true,
          getFillColor: (f: GridFeature) => (f.properties.id === highlightId ? [255, 214, 102, 60] : [0, 0, 0, 1]),
          getLineColor: (f: GridFeature) => (f.properties.id === highlightId ? highlightColor : lineColor),
          getLineWidth: (f: GridFeature) => (f.properties.id === highlightId ? lineWidthPixels * 3 : lineWidthPixels),
          lineWidthUnits: 'pixels',
          updateTriggers: { getFillColor: [highlightId], getLineColor: [highlightId, lineColor, highlightColor], getLineWidth: [highlightId, lineWidthPixels] },
        }),
      ),
      zoom >= labelMinZoom &&
        new TextLayer<GridFeature>(
          this.getSubLayerProps({
            id: 'labels',
            data: features,
            getText: (f: GridFeature) => f.properties.name,
            getPosition: (f: GridFeature) => [f.properties.labelLon, f.properties.labelLat],
            getSize: labelSizePixels,
            getColor: [220, 230, 245, 230],
            fontFamily: CJK_FONT_FAMILY,
            characterSet: 'auto',
            fontSettings: { sdf: true, fontSize: 48, buffer: 4 },
            outlineWidth: 2,
            outlineColor: [5, 12, 24, 255],
          }),
        ),
    ];
  }
}
