// Draws its child layer only from a zoom on. At district or city scale hundreds of community names and
// facility symbols would cover the map; they appear once the view is close enough to read them.
import { CompositeLayer, type DefaultProps, type Layer, type UpdateParameters } from '@deck.gl/core';

export interface MinZoomLayerProps {
  child: Layer | null;
  minZoom: number;
}

const defaultProps: DefaultProps<MinZoomLayerProps> = {
  child: { type: 'object', value: null },
  minZoom: { type: 'number', value: 0 },
};

export class MinZoomLayer extends CompositeLayer<MinZoomLayerProps> {
  static override layerName = 'MinZoomLayer';
  static override defaultProps = defaultProps;

  // Re-render when the camera crosses the threshold, not only when props change.
  override shouldUpdateState({ changeFlags }: UpdateParameters<this>): boolean {
    return changeFlags.propsOrDataChanged || changeFlags.viewportChanged;
  }

  override renderLayers() {
    return this.context.viewport.zoom >= this.props.minZoom ? this.props.child : null;
  }
}
