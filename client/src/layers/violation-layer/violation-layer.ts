// Violation points (双违 / 创文创卫): squares-ish markers (thick outline) coloured by rectification status.
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { ViolationLive } from '../../../../common/realtime';
import type { ViolationStatus } from '../../../../common/domain';
import { VIOLATION_STATUS_COLORS } from '../palette';

export interface ViolationLayerProps {
  data: readonly ViolationLive[];
  radiusPixels: number;
  statusColors: Record<ViolationStatus, Color>;
}

const defaultProps: DefaultProps<ViolationLayerProps> = {
  data: { type: 'array', value: [] },
  radiusPixels: { type: 'number', value: 5 },
  statusColors: { type: 'object', value: VIOLATION_STATUS_COLORS },
};

export class ViolationLayer extends CompositeLayer<ViolationLayerProps> {
  static override layerName = 'ViolationLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { data, radiusPixels, statusColors } = this.props;
    return new ScatterplotLayer<ViolationLive>(
      this.getSubLayerProps({
        id: 'points',
        data,
        pickable: true,
        getPosition: (v: ViolationLive) => [v.lon, v.lat],
        radiusUnits: 'pixels',
        getRadius: radiusPixels,
        filled: false,
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: Math.max(2, radiusPixels / 2),
        getLineColor: (v: ViolationLive) => statusColors[v.status],
        updateTriggers: { getLineColor: [statusColors], getLineWidth: [radiusPixels] },
      }),
    );
  }
}
