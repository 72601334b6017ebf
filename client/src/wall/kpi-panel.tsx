// The street's figures, big enough to read from the back of the hall. Aggregates only.
import type { Kpis } from '../../../common/realtime';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { formatRate } from '../panels/unit-panel';

interface Tile {
  key: MessageKey;
  value: string;
  /** Smaller text after the value, e.g. "/ 2,776" capacity. */
  sub?: string;
  tone?: 'alert' | 'good';
}

export function KpiPanel({ kpis }: { kpis: Kpis | null }) {
  const { t } = useI18n();
  const n = (v: number | undefined) => (v == null ? '—' : v.toLocaleString('zh-CN'));
  const tiles: Tile[] = [
    { key: 'households', value: n(kpis?.households) },
    { key: 'residents', value: n(kpis?.residents) },
    { key: 'partyMembers', value: n(kpis?.partyMembers) },
    { key: 'openIncidents', value: n(kpis?.openIncidents), tone: 'alert' },
    { key: 'reportedToday', value: n(kpis?.reportedToday) },
    { key: 'closedToday', value: n(kpis?.closedToday), tone: 'good' },
    { key: 'onTimeRate', value: formatRate(kpis?.onTimeRate) },
    { key: 'satisfaction', value: kpis?.satisfactionAvg == null ? '—' : `${kpis.satisfactionAvg.toFixed(2)} / 5` },
    { key: 'rectificationRate', value: formatRate(kpis?.rectificationRate) },
    { key: 'parkingFree', value: n(kpis?.parkingFree), sub: kpis ? `/ ${n(kpis.parkingCapacity)}` : undefined, tone: 'good' },
  ];
  return (
    <section className="wall-card kpi-panel" data-testid="kpi-panel">
      <h2>{t('streetFigures')}</h2>
      <div className="kpi-grid">
        {tiles.map((tile) => (
          <div key={tile.key} className={`kpi ${tile.tone ?? ''}`} data-kpi={tile.key}>
            <div className="kpi-value">
              {tile.value}
              {tile.sub && <small>{tile.sub}</small>}
            </div>
            <div className="kpi-label">{t(tile.key)}</div>
          </div>
        ))}
      </div>
    </section>
  );
}
