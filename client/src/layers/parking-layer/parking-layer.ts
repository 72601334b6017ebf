// Parking (智慧停车): a disc per lot sized by capacity, green → red by occupancy, with the number of free
// spaces written on it ("P 30").
import { CompositeLayer, type DefaultProps } from '@deck.gl/core';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { ParkingLive } from '../../../../common/realtime';
import { CJK_FONT_FAMILY } from '../palette';

export interface ParkingLayerProps {
  data: readonly ParkingLive[];
  /** Radius of a 100-space lot in pixels (sqrt-scaled by capacity). */
  radiusPixels: number;
  labelSizePixels: number;
  showLabels: boolean;
}

const defaultProps: DefaultProps<ParkingLayerProps> = {
  data: { type: 'array', value: [] },
  radiusPixels: { type: 'number', value: 10 },
  labelSizePixels: { type: 'number', value: 12 },
  showLabels: true,
};

/** Green when mostly free, amber around 80 % full, red when full. */
export function occupancyColor(lot: Pick<ParkingLive, 'capacity' | 'occupied'>): [number, number, number, number] {
  const ratio = lot.capacity > 0 ? lot.occupied / lot.capacity : 1;
  if (ratio >= 0.95) return [245, 34, 45, 230];
  if (ratio >= 0.8) return [250, 173, 20, 230];
  return [82, 196, 26, 230];
}

export class ParkingLayer extends CompositeLayer<ParkingLayerProps> {
  static override layerName = 'ParkingLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { data, radiusPixels, labelSizePixels, showLabels } = this.props;
    const radius = (p: ParkingLive) => radiusPixels * Math.sqrt(Math.max(10, p.capacity) / 100);
    return [
      new ScatterplotLayer<ParkingLive>(
        this.getSubLayerProps({
          id: 'lots',
          data,
          pickable: true,
          getPosition: (p: ParkingLive) => [p.lon, p.lat],
          radiusUnits: 'pixels',
          getRadius: radius,
          getFillColor: occupancyColor,
          stroked: true,
          getLineColor: [255, 255, 255, 220],
          lineWidthUnits: 'pixels',
          getLineWidth: 1.5,
          // occupancy changes arrive as new objects (reconcile replaces by version): data identity suffices
          updateTriggers: { getRadius: [radiusPixels] },
        }),
      ),
      showLabels &&
        new TextLayer<ParkingLive>(
          this.getSubLayerProps({
            id: 'free',
            data,
            getPosition: (p: ParkingLive) => [p.lon, p.lat],
            getText: (p: ParkingLive) => `P ${p.capacity - p.occupied}`,
            getSize: labelSizePixels,
            getColor: [255, 255, 255, 255],
            getPixelOffset: (p: ParkingLive) => [0, -(radius(p) + labelSizePixels * 0.7)],
            fontFamily: CJK_FONT_FAMILY,
            fontWeight: 700,
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
