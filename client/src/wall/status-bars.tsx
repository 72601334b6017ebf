// Open incidents by status, as horizontal bars in the map's status colours.
import type { IncidentLive } from '../../../common/realtime';
import type { IncidentStatus } from '../../../common/domain';
import { INCIDENT_STATUS_COLORS } from '../layers/palette';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

const SHOWN: Array<[IncidentStatus, MessageKey]> = [
  ['reported', 'statusReported'],
  ['accepted', 'statusAccepted'],
  ['assigned', 'statusAssigned'],
  ['in_progress', 'statusInProgress'],
  ['resolved', 'statusResolved'],
  ['verified', 'statusVerified'],
];

export function StatusBars({ incidents }: { incidents: readonly IncidentLive[] }) {
  const { t } = useI18n();
  const counts = new Map<IncidentStatus, number>();
  for (const i of incidents) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  const max = Math.max(1, ...counts.values());
  return (
    <section className="wall-card status-bars">
      <h2>{t('incidentsByStatus')}</h2>
      {SHOWN.map(([status, key]) => {
        const n = counts.get(status) ?? 0;
        const [r, g, b] = INCIDENT_STATUS_COLORS[status];
        return (
          <div key={status} className="status-row">
            <span className="status-name">
              <i style={{ background: `rgb(${r},${g},${b})` }} />
              {t(key)}
            </span>
            <span className="status-bar">
              <span style={{ width: `${(100 * n) / max}%`, background: `rgb(${r},${g},${b})` }} />
            </span>
            <span className="status-count">{n}</span>
          </div>
        );
      })}
    </section>
  );
}
