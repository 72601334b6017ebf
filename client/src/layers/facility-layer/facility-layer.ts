// Service facilities (党群服务中心, community centers, clinics …): a ringed dot per facility coloured by type,
// named from a zoom level on.
import { CompositeLayer, type DefaultProps, type Color, type UpdateParameters } from '@deck.gl/core';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { FacilityCollection, FacilityProps, Feature, PointGeometry } from '../../../../common/layers';
import type { FacilityType } from '../../../../common/domain';
import { CJK_FONT_FAMILY, FACILITY_COLORS } from '../palette';

type FacilityFeature = Feature<PointGeometry, FacilityProps>;

export interface FacilityLayerProps {
  data: FacilityCollection | null;
  /** Only these types are drawn (all when null). */
  types: readonly FacilityType[] | null;
  radiusPixels: number;
  labelMinZoom: number;
  labelSizePixels: number;
  typeColors: Record<FacilityType, Color>;
}

const defaultProps: DefaultProps<FacilityLayerProps> = {
  data: { type: 'object', value: null },
  types: { type: 'array', value: null },
  radiusPixels: { type: 'number', value: 7 },
  labelMinZoom: { type: 'number', value: 15 },
  labelSizePixels: { type: 'number', value: 12 },
  typeColors: { type: 'object', value: FACILITY_COLORS },
};

export class FacilityLayer extends CompositeLayer<FacilityLayerProps> {
  static override layerName = 'FacilityLayer';
  static override defaultProps = defaultProps;

  // The filtered list is kept in state: a new array on every render would make deck.gl rebuild the
  // points' attributes and the labels' glyph atlas each time the layer re-renders.
  override updateState({ props, oldProps, context, changeFlags }: UpdateParameters<this>): void {
    if (changeFlags.dataChanged || props.types !== oldProps.types) {
      this.setState({ features: (props.data?.features ?? []).filter((f) => !props.types || props.types.includes(f.properties.type)) });
    }
    const showLabels = context.viewport.zoom >= props.labelMinZoom;
    if (showLabels !== this.state.showLabels) this.setState({ showLabels });
  }

  // Re-render when the camera crosses labelMinZoom, not on every frame of a pan.
  override shouldUpdateState({ props, context, changeFlags }: UpdateParameters<this>): boolean {
    if (changeFlags.propsOrDataChanged) return true;
    return Boolean(changeFlags.viewportChanged) && context.viewport.zoom >= props.labelMinZoom !== this.state.showLabels;
  }

  override renderLayers() {
    const { radiusPixels, labelSizePixels, typeColors } = this.props;
    const features = (this.state.features as FacilityFeature[] | undefined) ?? [];
    return [
      new ScatterplotLayer<FacilityFeature>(
        this.getSubLayerProps({
          id: 'points',
          data: features,
          pickable: true,
          getPosition: (f: FacilityFeature) => f.geometry.coordinates,
          radiusUnits: 'pixels',
          getRadius: radiusPixels,
          getFillColor: (f: FacilityFeature) => typeColors[f.properties.type],
          stroked: true,
          getLineColor: [255, 255, 255, 255],
          lineWidthUnits: 'pixels',
          getLineWidth: 2,
          updateTriggers: { getFillColor: [typeColors] },
        }),
      ),
      Boolean(this.state.showLabels) &&
        new TextLayer<FacilityFeature>(
          this.getSubLayerProps({
            id: 'labels',
            data: features,
            getPosition: (f: FacilityFeature) => f.geometry.coordinates,
            getText: (f: FacilityFeature) => f.properties.name,
            getSize: labelSizePixels,
            getColor: [255, 230, 230, 255],
            getPixelOffset: [0, radiusPixels + labelSizePixels],
            fontFamily: CJK_FONT_FAMILY,
            characterSet: 'auto',
            fontSettings: { sdf: true, fontSize: 48, buffer: 4 },
            outlineWidth: 2,
            outlineColor: [5, 12, 24, 255],
            updateTriggers: { getPixelOffset: [radiusPixels, labelSizePixels] },
          }),
        ),
    ];
  }
}
