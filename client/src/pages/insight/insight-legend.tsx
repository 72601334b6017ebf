// The legend says what is on the map: which statistic or count, the classes and their colours, the scale.
import type { SignificanceBin } from '../../../../common/insight';
import { COUNT_RAMP, SIGNIFICANCE_COLORS, css } from './insight-colors';
import { useInsightText, type InsightTextKey } from './insight-text';
import { HEX_RADIUS_M } from './insight-layers';

export type InsightView = 'hotspots' | 'heatmap' | 'hexbin' | 'playback';

const BIN_LABELS: Array<[SignificanceBin, InsightTextKey]> = [
  [3, 'hot99'], [2, 'hot95'], [1, 'hot90'], [0, 'notSig'], [-1, 'cold90'], [-2, 'cold95'], [-3, 'cold99'],
];

export function InsightLegend(props: { view: InsightView; bandM?: number; domainMax?: number; backlog?: boolean; counts?: Record<number, number> }) {
  const { tx } = useInsightText();
  const { view } = props;
  if (view === 'hotspots') {
    return (
      <div className="insight-legend" data-testid="insight-legend">
        <strong>{tx('legendHotTitle')}</strong>
        <ul>
          {BIN_LABELS.map(([bin, key]) => (
            <li key={bin}>
              <i style={{ background: bin === 0 ? 'transparent' : css(SIGNIFICANCE_COLORS[bin]) }} className={bin === 0 ? 'hollow' : undefined} />
              {tx(key)}
              {props.counts && <span className="insight-muted"> ({props.counts[bin] ?? 0})</span>}
            </li>
          ))}
        </ul>
        <small>{tx('legendHotNote', { band: Math.round(props.bandM ?? 0) })}</small>
      </div>
    );
  }
  const title =
    view === 'heatmap' ? tx('legendHeatTitle')
      : view === 'hexbin' ? tx('legendHexTitle', { r: HEX_RADIUS_M })
        : tx(props.backlog ? 'legendBacklogTitle' : 'legendPlayTitle', { max: props.domainMax ?? 0 });
  return (
    <div className="insight-legend" data-testid="insight-legend">
      <strong>{title}</strong>
      <div className="insight-ramp">
        <span>{view === 'playback' ? '1' : tx('low')}</span>
        {COUNT_RAMP.map((c, k) => (
          <i key={k} style={{ background: css([c[0], c[1], c[2], 220]) }} />
        ))}
        <span>{view === 'playback' ? String(props.domainMax ?? 0) : tx('high')}</span>
      </div>
    </div>
  );
}
