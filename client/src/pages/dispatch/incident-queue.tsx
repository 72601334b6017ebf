// The dispatcher's queue: open incidents, most urgent first, with live SLA timers and filters by stage,
// category and severity. Everything here is derived from the live store; nothing is fetched.
import type { IncidentLive } from '../../../../common/realtime';
import { INCIDENT_CATEGORIES, type IncidentCategory, type IncidentSeverity, type IncidentStatus } from '../../../../common/domain';
import { compareUrgency, formatDuration, slaOf } from './sla';
import { useDispatchText, type DispatchTextKey } from './dispatch-text';
import type { MessageKey } from '../../i18n/messages';

export type StageFilter = 'all' | 'new' | 'toAssign' | 'working' | 'toVerify' | 'toClose' | 'overdue';

export interface QueueFilter {
  stage: StageFilter;
  category: IncidentCategory | '';
  severity: IncidentSeverity | '';
}

const STAGE_STATUSES: Record<Exclude<StageFilter, 'all' | 'overdue'>, readonly IncidentStatus[]> = {
  new: ['reported'],
  toAssign: ['accepted'],
  working: ['assigned', 'in_progress'],
  toVerify: ['resolved'],
  toClose: ['verified'],
};
const OPEN: readonly IncidentStatus[] = ['reported', 'accepted', 'assigned', 'in_progress', 'resolved', 'verified'];
const STAGE_KEYS: Record<StageFilter, DispatchTextKey> = {
  all: 'filterAll',
  new: 'filterNew',
  toAssign: 'filterToAssign',
  working: 'filterWorking',
  toVerify: 'filterToVerify',
  toClose: 'filterToClose',
  overdue: 'filterOverdue',
};
export const STATUS_KEYS: Record<IncidentStatus, MessageKey> = {
  reported: 'statusReported',
  accepted: 'statusAccepted',
  rejected: 'statusRejected',
  assigned: 'statusAssigned',
  in_progress: 'statusInProgress',
  resolved: 'statusResolved',
  verified: 'statusVerified',
  closed: 'statusClosed',
};

/** The queue's rows for a filter, most urgent first (pure: unit-tested through the page's browser test). */
export function queueRows(incidents: Iterable<IncidentLive>, f: QueueFilter, nowMs: number): IncidentLive[] {
  const rows: IncidentLive[] = [];
  for (const i of incidents) {
    if (!OPEN.includes(i.status)) continue;
    if (f.category && i.category !== f.category) continue;
    if (f.severity && i.severity !== f.severity) continue;
    if (f.stage === 'overdue' && slaOf(i.dueAt, i.status, nowMs).level !== 'overdue') continue;
    if (f.stage !== 'all' && f.stage !== 'overdue' && !STAGE_STATUSES[f.stage].includes(i.status)) continue;
    rows.push(i);
  }
  return rows.sort(compareUrgency);
}

export function IncidentQueue(props: {
  rows: readonly IncidentLive[];
  filter: QueueFilter;
  onFilter: (f: QueueFilter) => void;
  selectedId: number | null;
  onSelect: (id: number) => void;
  nowMs: number;
  communityName: (id: number) => string;
}) {
  const { d, shared, category, locale } = useDispatchText();
  const { rows, filter, onFilter, selectedId, onSelect, nowMs, communityName } = props;
  const shown = rows.slice(0, 300);
  return (
    <aside className="dispatch-queue" data-testid="dispatch-queue">
      <header>
        <h2>
          {d('queue')} <span className="queue-count">{rows.length}</span>
        </h2>
        <div className="stage-tabs" role="tablist">
          {(Object.keys(STAGE_KEYS) as StageFilter[]).map((s) => (
            <button key={s} type="button" role="tab" aria-selected={filter.stage === s} className={filter.stage === s ? 'active' : undefined}
              onClick={() => onFilter({ ...filter, stage: s })}>
              {d(STAGE_KEYS[s])}
            </button>
          ))}
        </div>
        <div className="queue-selects">
          <select aria-label={d('allCategories')} value={filter.category} onChange={(e) => onFilter({ ...filter, category: e.target.value as IncidentCategory | '' })}>
            <option value="">{d('allCategories')}</option>
            {INCIDENT_CATEGORIES.map((c) => (
              <option key={c} value={c}>{category(c)}</option>
            ))}
          </select>
          <select aria-label={d('allSeverities')} value={filter.severity} onChange={(e) => onFilter({ ...filter, severity: e.target.value as IncidentSeverity | '' })}>
            <option value="">{d('allSeverities')}</option>
            <option value="small">{d('small')}</option>
            <option value="big">{d('big')}</option>
          </select>
        </div>
      </header>
      {shown.length === 0 && <p className="queue-empty">{d('empty')}</p>}
      <ol className="queue-list">
        {shown.map((i) => {
          const sla = slaOf(i.dueAt, i.status, nowMs);
          return (
            <li key={i.id}>
              <button type="button" className={`queue-item sla-${sla.level}${i.id === selectedId ? ' selected' : ''}`} onClick={() => onSelect(i.id)} data-incident-id={i.id}>
                <span className="queue-title">
                  {i.severity === 'big' && <span className="big-badge">{d('big')}</span>}
                  {i.title}
                </span>
                <span className="queue-meta">
                  <span className={`status-chip status-${i.status}`}>{shared(STATUS_KEYS[i.status])}</span>
                  <span>{category(i.category)}</span>
                  <span>{communityName(i.communityId)}</span>
                  {i.escalationLevel > 0 && <span className="escalated">{d('escalation')}×{i.escalationLevel}</span>}
                </span>
                <span className="queue-sla">
                  {sla.level === 'overdue' ? `${d('overdueBy')} ${formatDuration(sla.remainingMs, locale)}` : `${d('dueIn')} ${formatDuration(sla.remainingMs, locale)}`}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </aside>
  );
}
