// Incidents (事件): points coloured by status; incidents that arrived recently pulse — an expanding,
// fading ring whose radius is recomputed from `timeMs` (forwarded through updateTriggers, so only the
// small pulse sub-layer re-evaluates each frame; no custom shader).
import { CompositeLayer, type DefaultProps, type Color } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { IncidentLive } from '../../../../common/realtime';
import type { IncidentStatus } from '../../../../common/domain';
import { INCIDENT_STATUS_COLORS } from '../palette';

export interface IncidentLayerProps {
  data: readonly IncidentLive[];
  /** Arrival time (ms, client clock) of incidents that should pulse, by id. */
  pulsingSince: ReadonlyMap<number, number>;
  /** Current animation time (ms, same clock as pulsingSince). */
  timeMs: number;
  /** How long one pulse takes. */
  pulsePeriodMs: number;
  /** Point radius in pixels; big (大事) incidents are drawn 1.5× larger. */
  radiusPixels: number;
  statusColors: Record<IncidentStatus, Color>;
  /** Closed and rejected incidents are hidden unless this is on. */
  showClosed: boolean;
}

const defaultProps: DefaultProps<IncidentLayerProps> = {
  data: { type: 'array', value: [] },
  pulsingSince: { type: 'object', value: new Map() },
  timeMs: { type: 'number', value: 0 },
  pulsePeriodMs: { type: 'number', value: 1600 },
  radiusPixels: { type: 'number', value: 6 },
  statusColors: { type: 'object', value: INCIDENT_STATUS_COLORS },
  showClosed: false,
};

export class IncidentLayer extends CompositeLayer<IncidentLayerProps> {
  static override layerName = 'IncidentLayer';
  static override defaultProps = defaultProps;

  override renderLayers() {
    const { data, pulsingSince, timeMs, pulsePeriodMs, radiusPixels, statusColors, showClosed } = this.props;
    const visible = showClosed ? data : data.filter((i) => i.status !== 'closed' && i.status !== 'rejected');
    const pulsing = visible.filter((i) => pulsingSince.has(i.id));
    const phase = (i: IncidentLive) => (((timeMs - (pulsingSince.get(i.id) ?? timeMs)) % pulsePeriodMs) + pulsePeriodMs) % pulsePeriodMs / pulsePeriodMs;
    return [
      new ScatterplotLayer<IncidentLive>(
        this.getSubLayerProps({
          id: 'pulse',
          data: pulsing,
          getPosition: (i: IncidentLive) => [i.lon, i.lat],
          radiusUnits: 'pixels',
          getRadius: (i: IncidentLive) => radiusPixels * (1.5 + 3.5 * phase(i)),
          stroked: true,
          filled: true,
          getFillColor: (i: IncidentLive) => {
            const c = statusColors[i.status];
            return [c[0], c[1], c[2], Math.round(90 * (1 - phase(i)))];
          },
          getLineColor: (i: IncidentLive) => {
            const c = statusColors[i.status];
            return [c[0], c[1], c[2], Math.round(255 * (1 - phase(i)))];
          },
          lineWidthUnits: 'pixels',
          getLineWidth: 2,
          updateTriggers: { getRadius: [timeMs, radiusPixels], getFillColor: [timeMs], getLineColor: [timeMs] },
        }),
      ),
      new ScatterplotLayer<IncidentLive>(
        this.getSubLayerProps({
          id: 'points',
          data: visible,
          pickable: true,
          getPosition: (i: IncidentLive) => [i.lon, i.lat],
          radiusUnits: 'pixels',
          getRadius: (i: IncidentLive) => (i.severity === 'big' ? radiusPixels * 1.5 : radiusPixels),
          getFillColor: (i: IncidentLive) => statusColors[i.status],
          stroked: true,
          getLineColor: [10, 16, 28, 255],
          lineWidthUnits: 'pixels',
          getLineWidth: 1.5,
          updateTriggers: { getFillColor: [statusColors], getRadius: [radiusPixels] },
        }),
      ),
    ];
  }
}
