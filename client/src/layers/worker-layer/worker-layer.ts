// On-duty grid workers' live positions: small bright dots with a dark halo, anonymous (no names on shared
// screens).
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { WorkerPosition } from '../../../../common/realtime';

export interface WorkerLayerProps {
  data: readonly WorkerPosition[];
  radiusPixels: number;
  color: Color;
}

const defaultProps: DefaultProps<WorkerLayerProps> = {
  data: { type: 'array', value: [] },
  radiusPixels: { type: 'number', value: 4 },
  color: { type: 'color', value: [0, 229, 255, 255] },
};

export class WorkerLayer extends CompositeLayer<WorkerLayerProps> {
  static override layerName = 'WorkerLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { data, radiusPixels, color } = this.props;
    return new ScatterplotLayer<WorkerPosition>(
      this.getSubLayerProps({
        id: 'dots',
        data,
        pickable: false,
        getPosition: (w: WorkerPosition) => [w.lon, w.lat],
        radiusUnits: 'pixels',
        getRadius: radiusPixels,
        getFillColor: color,
        stroked: true,
        getLineColor: [0, 40, 60, 255],
        lineWidthUnits: 'pixels',
        getLineWidth: 1.5,
        updateTriggers: { getFillColor: [color] },
      }),
    );
  }
}
