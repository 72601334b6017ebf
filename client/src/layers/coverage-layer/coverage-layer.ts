// 5/10/15-minute walking rings around service centers (from /api/coverage/isochrones): drawn largest first
// so the 5-minute ring sits on top.
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { GeoJsonLayer } from '@deck.gl/layers';
import { RING_COLORS } from '../palette';

/** One ring as the coverage endpoint answers it; `minutes` is read from properties.minutes. */
export interface RingFeature {
  type: 'Feature';
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
  properties: { minutes?: number; [key: string]: unknown };
}

export interface CoverageLayerProps {
  data: { type: 'FeatureCollection'; features: RingFeature[] } | null;
  ringColors: Record<5 | 10 | 15, Color>;
  lineWidthPixels: number;
}

const defaultProps: DefaultProps<CoverageLayerProps> = {
  data: { type: 'object', value: null },
  ringColors: { type: 'object', value: RING_COLORS },
  lineWidthPixels: { type: 'number', value: 1 },
};

function ringMinutes(f: RingFeature): 5 | 10 | 15 {
  const m = Number(f.properties.minutes ?? 15);
  return m <= 5 ? 5 : m <= 10 ? 10 : 15;
}

export class CoverageLayer extends CompositeLayer<CoverageLayerProps> {
  static override layerName = 'CoverageLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { data, ringColors, lineWidthPixels } = this.props;
    const features = [...(data?.features ?? [])].sort((a, b) => ringMinutes(b) - ringMinutes(a));
    return new GeoJsonLayer(
      this.getSubLayerProps({
        id: 'rings',
        data: features,
        stroked: true,
        filled: true,
        getFillColor: (f: RingFeature) => ringColors[ringMinutes(f)],
        getLineColor: (f: RingFeature) => {
          const c = ringColors[ringMinutes(f)];
          return [c[0], c[1], c[2], 200];
        },
        lineWidthUnits: 'pixels',
        getLineWidth: lineWidthPixels,
        updateTriggers: { getFillColor: [ringColors], getLineColor: [ringColors] },
      }),
    );
  }
}
