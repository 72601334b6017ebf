// Buildings (楼栋): footprints coloured by use, optionally extruded by floors (3 m a floor).
import { CompositeLayer, type DefaultProps, type Color, type UpdateParameters } from '@deck.gl/core';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { BuildingCollection, BuildingProps, Feature, PolygonGeometry } from '../../../../common/layers';

type BuildingFeature = Feature<PolygonGeometry, BuildingProps>;

export interface BuildingLayerProps {
  data: BuildingCollection | null;
  highlightId: number | null;
  /** Extrude by floors × metersPerFloor. */
  extruded: boolean;
  metersPerFloor: number;
  residentialColor: Color;
  otherColor: Color;
  highlightColor: Color;
}

const defaultProps: DefaultProps<BuildingLayerProps> = {
  data: { type: 'object', value: null },
  highlightId: null,
  extruded: false,
  metersPerFloor: { type: 'number', value: 3 },
  residentialColor: { type: 'color', value: [120, 150, 190, 200] },
  otherColor: { type: 'color', value: [170, 140, 110, 200] },
  highlightColor: { type: 'color', value: [255, 214, 102, 255] },
};

export class BuildingLayer extends CompositeLayer<BuildingLayerProps> {
  static override layerName = 'BuildingLayer';
  static override defaultProps = defaultProps;

  override updateState({ changeFlags }: UpdateParameters<this>): void {
    if (changeFlags.dataChanged) this.setState({ features: this.props.data?.features ?? [] });
  }

  override renderLayers() {
    const { highlightId, extruded, metersPerFloor, residentialColor, otherColor, highlightColor } = this.props;
    const features = (this.state.features as BuildingFeature[] | undefined) ?? [];
    return new GeoJsonLayer<BuildingProps>(
      this.getSubLayerProps({
        id: 'footprints',
        data: features,
        pickable: true,
        stroked: false,
        filled: true,
        extruded,
        getElevation: (f: BuildingFeature) => f.properties.floors * metersPerFloor,
        getFillColor: (f: BuildingFeature) =>
          f.properties.id === highlightId
            ? highlightColor
            : f.properties.use === 'residential' || f.properties.use === 'mixed'
              ? residentialColor
              : otherColor,
        updateTriggers: {
          getFillColor: [highlightId, residentialColor, otherColor, highlightColor],
          getElevation: [metersPerFloor],
        },
      }),
    );
  }
}
