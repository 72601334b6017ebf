// The latest events, newest first: time, what happened, the incident title. No personal data exists in
// the payloads to leak (common/realtime.ts).
import type { TickerItem } from '../live/reconcile';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { formatHms } from './time-format';

const STATUS_KEYS: Record<string, MessageKey> = {
  reported: 'statusReported',
  accepted: 'statusAccepted',
  assigned: 'statusAssigned',
  in_progress: 'statusInProgress',
  resolved: 'statusResolved',
  verified: 'statusVerified',
  closed: 'statusClosed',
  rejected: 'statusRejected',
};

export function Ticker({ items, communityName }: { items: readonly TickerItem[]; communityName: (id: number | null) => string }) {
  const { t } = useI18n();
  return (
    <section className="wall-ticker" data-testid="ticker" aria-live="polite">
      <h2>{t('tickerTitle')}</h2>
      <ol>
        {items.slice(0, 8).map((it) => (
          <li key={it.eventId} className={`ticker-item status-${it.status ?? 'none'}`}>
            <time>{formatHms(it.at)}</time>
            {it.status && <span className="ticker-status">{STATUS_KEYS[it.status] ? t(STATUS_KEYS[it.status]) : it.status}</span>}
            <span className="ticker-place">{communityName(it.communityId)}</span>
            <span className="ticker-label">{it.label}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
