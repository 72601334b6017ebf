// The drawer for one incident: details, the closed-loop actions its state allows, the ranked candidates
// with walking time over the network, and the history of every state change (who, when, why).
import { PhotoStrip } from '../../panels/photo-strip';
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../../api/http';
import type { CandidateDto, CandidatesDto, IncidentCommandName, IncidentDetailDto } from '../../../../common/incidents';
import type { IncidentStatus } from '../../../../common/domain';
import { formatDuration, slaOf } from './sla';
import { useDispatchText, type DispatchTextKey } from './dispatch-text';
import { STATUS_KEYS } from './incident-queue';

/** Actions offered per status; those with a text field say which prompt to show. */
interface Action {
  verb: IncidentCommandName;
  label: DispatchTextKey;
  /** Body field filled from the text box, and its prompt. */
  text?: { field: 'reason' | 'note' | 'reply' | 'plan'; prompt: DispatchTextKey };
  body?: Record<string, unknown>;
  tone?: 'primary' | 'danger';
}

const OPEN_EXTRA: Action[] = [{ verb: 'escalate', label: 'escalate', text: { field: 'reason', prompt: 'reasonPrompt' }, tone: 'danger' }];

export function actionsFor(status: IncidentStatus, severity: 'small' | 'big'): Action[] {
  const plan: Action[] = severity === 'big' ? [{ verb: 'plan', label: 'savePlan', text: { field: 'plan', prompt: 'planPrompt' } }] : [];
  switch (status) {
    case 'reported':
      return [{ verb: 'accept', label: 'accept', tone: 'primary' }, { verb: 'reject', label: 'reject', text: { field: 'reason', prompt: 'reasonPrompt' } }];
    case 'accepted':
      return [...plan, ...OPEN_EXTRA];
    case 'assigned':
      return [{ verb: 'start', label: 'start', tone: 'primary' }, ...plan, ...OPEN_EXTRA];
    case 'in_progress':
      return [{ verb: 'resolve', label: 'resolve', tone: 'primary' }, ...plan, ...OPEN_EXTRA];
    case 'resolved':
      return [
        { verb: 'verify', label: 'verifyPass', body: { passed: true }, tone: 'primary' },
        { verb: 'verify', label: 'verifyFail', body: { passed: false }, text: { field: 'note', prompt: 'notePrompt' } },
        ...OPEN_EXTRA,
      ];
    case 'verified':
      return [{ verb: 'close', label: 'close', text: { field: 'reply', prompt: 'replyPrompt' }, tone: 'primary' }];
    case 'closed':
      // A closed case's reply is what the reporter was told; answering again starts with an audited re-open.
      return [{ verb: 'reopen', label: 'reopen', text: { field: 'reason', prompt: 'reopenPrompt' }, tone: 'danger' }];
    case 'rejected':
      return [{ verb: 'reply', label: 'sendReply', text: { field: 'reply', prompt: 'replyPrompt' } }];
    default:
      return [];
  }
}

const ROLE_TEXT: Record<CandidateDto['role'], DispatchTextKey> = {
  grid_worker: 'roleGridWorker',
  volunteer: 'roleVolunteer',
  community_staff: 'roleStaff',
  cadre: 'roleCadre',
};

export function IncidentDrawer(props: {
  incidentId: number;
  /** Live version of the incident: a change (anyone's) refetches details and candidates. */
  liveVersion: number | undefined;
  nowMs: number;
  communityName: (id: number) => string;
  onCandidates: (c: CandidatesDto | null) => void;
  focusPersonId: number | null;
  onFocusPerson: (id: number | null) => void;
  onClose: () => void;
}) {
  const { d, shared, category, locale } = useDispatchText();
  const { incidentId, liveVersion, nowMs, communityName, onCandidates, focusPersonId, onFocusPerson, onClose } = props;
  const [detail, setDetail] = useState<IncidentDetailDto | null>(null);
  const [candidates, setCandidates] = useState<CandidatesDto | null>(null);
  const [notice, setNotice] = useState<{ tone: 'error' | 'info'; text: string } | null>(null);
  const [pending, setPending] = useState<Action | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [rating, setRating] = useState(5);

  const load = useCallback(async () => {
    const ctl = new AbortController();
    try {
      const det = await api.get<IncidentDetailDto>(`/api/incidents/${incidentId}`, ctl.signal);
      setDetail(det);
      const open = !['closed', 'rejected', 'resolved', 'verified'].includes(det.status);
      if (open) {
        const c = await api.get<CandidatesDto>(`/api/incidents/${incidentId}/candidates`, ctl.signal).catch(() => null);
        setCandidates(c);
      } else {
        setCandidates(null);
      }
    } catch (err) {
      setNotice({ tone: 'error', text: (err as Error).message });
    }
  }, [incidentId]);

  useEffect(() => {
    setDetail(null);
    setCandidates(null);
    setNotice(null);
    setPending(null);
  }, [incidentId]);
  useEffect(() => {
    void load();
  }, [load, liveVersion]);
  useEffect(() => onCandidates(candidates), [candidates, onCandidates]);

  // 'spam' (POST /api/incidents/:id/spam) is not a closed-loop verb but posts the same way.
  async function run(verb: IncidentCommandName | 'spam', body: Record<string, unknown>): Promise<void> {
    if (!detail) return;
    setBusy(true);
    try {
      await api.post(`/api/incidents/${detail.id}/${verb}`, { ...body, expectedVersion: detail.version });
      setNotice(null);
      setPending(null);
      setText('');
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'ASSIGNMENT_CONFLICT' || err.code === 'STALE_VERSION')) {
        setNotice({ tone: 'info', text: d(err.code === 'ASSIGNMENT_CONFLICT' ? 'conflict' : 'stale') });
      } else {
        setNotice({ tone: 'error', text: err instanceof ApiError ? `${err.code}: ${err.message}` : (err as Error).message });
      }
    } finally {
      setBusy(false);
      await load();
    }
  }

  if (!detail) {
    return (
      <aside className="dispatch-drawer" data-testid="incident-drawer">
        <button type="button" className="panel-close" onClick={onClose} aria-label="close">×</button>
        <p className="muted">{notice?.text ?? shared('loading')}</p>
      </aside>
    );
  }

  const sla = slaOf(detail.dueAt, detail.status, nowMs);
  const canAssign = detail.status === 'accepted' || detail.status === 'assigned' || detail.status === 'in_progress';
  return (
    <aside className="dispatch-drawer" data-testid="incident-drawer" data-status={detail.status} data-version={detail.version}>
      <header>
        <button type="button" className="panel-close" onClick={onClose} aria-label="close">×</button>
        <div className="drawer-code">{detail.code}</div>
        <h2>
          {detail.severity === 'big' && <span className="big-badge">{d('big')}</span>}
          {detail.title}
        </h2>
        <div className="drawer-tags">
          <span className={`status-chip status-${detail.status}`} data-testid="drawer-status">{shared(STATUS_KEYS[detail.status])}</span>
          <span>{category(detail.category)}</span>
          {detail.source === 'resident' && <span className="resident-tag" data-testid="resident-tag">{locale.startsWith('en') ? 'Resident' : '居民上报'}</span>}
          <span className={`sla-text sla-${sla.level}`}>
            {sla.level === 'done' ? d('done') : sla.level === 'overdue' ? `${d('overdueBy')} ${formatDuration(sla.remainingMs, locale)}` : `${d('dueIn')} ${formatDuration(sla.remainingMs, locale)}`}
          </span>
        </div>
      </header>
      {notice && <p className={`drawer-notice ${notice.tone}`} role="status">{notice.text}</p>}
      {detail.description && <p className="drawer-description">{detail.description}</p>}
      <dl className="drawer-facts">
        <dt>{d('place')}</dt>
        <dd>{communityName(detail.communityId)}{detail.address ? ` · ${detail.address}` : ''}</dd>
        <dt>{d('reportedAt')}</dt>
        <dd>{new Date(detail.reportedAt).toLocaleString(locale)}</dd>
        <dt>{d('dueAt')}</dt>
        <dd>{new Date(detail.dueAt).toLocaleString(locale)}</dd>
        {(detail.reporterName || detail.reporterPhone) && (<><dt>{d('reporter')}</dt><dd>{detail.reporterName ?? ''} {detail.reporterPhone ?? ''}</dd></>)}
        {detail.escalationLevel > 0 && (<><dt>{d('escalation')}</dt><dd>{detail.escalationLevel} {d('times')}</dd></>)}
        {detail.reworkCount > 0 && (<><dt>{d('rework')}</dt><dd>{detail.reworkCount} {d('times')}</dd></>)}
        {detail.plan && (<><dt>{d('plan')}</dt><dd>{detail.plan}</dd></>)}
        {detail.reply && (<><dt>{d('reply')}</dt><dd>{detail.reply}</dd></>)}
        {detail.satisfaction != null && (<><dt>{d('satisfaction')}</dt><dd>{'★'.repeat(detail.satisfaction)}</dd></>)}
      </dl>

      <div className="drawer-actions">
        {actionsFor(detail.status, detail.severity).map((a) => (
          <button key={a.label} type="button" disabled={busy} className={a.tone ?? ''} data-action={a.label}
            onClick={() => (a.text ? (setPending(a), setText('')) : void run(a.verb, a.body ?? {}))}>
            {d(a.label)}
          </button>
        ))}
        {detail.status === 'reported' && (
          // Not-yet-accepted reports only: rejected with reason "spam", audited; a resident's device is paused a day.
          <button type="button" disabled={busy} className="danger" data-action="spam" onClick={() => void run('spam', {})}>
            {locale.startsWith('en') ? 'Mark as spam' : '标记为无效/恶意'}
          </button>
        )}
        {detail.status === 'closed' && detail.satisfaction == null && (
          <span className="rating">
            <select value={rating} onChange={(e) => setRating(Number(e.target.value))} aria-label={d('satisfaction')}>
              {[5, 4, 3, 2, 1].map((n) => <option key={n} value={n}>{'★'.repeat(n)}</option>)}
            </select>
            <button type="button" disabled={busy} onClick={() => void run('rating', { satisfaction: rating })}>{d('rate')}</button>
          </span>
        )}
      </div>
      {pending?.text && (
        <form className="drawer-text" onSubmit={(e) => {
          e.preventDefault();
          void run(pending.verb, { ...(pending.body ?? {}), [pending.text!.field]: text });
        }}>
          <label>
            {d(pending.text.prompt)}
            <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} maxLength={2000} required autoFocus />
          </label>
          <div>
            <button type="submit" className="primary" disabled={busy || !text.trim()}>{d(pending.label)}</button>
            <button type="button" onClick={() => setPending(null)}>×</button>
          </div>
        </form>
      )}

      {candidates && canAssign && (
        <section className="drawer-candidates">
          <h3>{d('candidates')}</h3>
          <p className="muted small">{d('candidatesNote')} · {d('walkSource')}: {candidates.walkSource}</p>
          <ol className="candidate-list" data-testid="candidates">
            {candidates.candidates.map((c) => (
              <li key={c.personId} className={`${c.personId === focusPersonId ? 'focus' : ''}${c.available ? '' : ' unavailable'}`}
                onMouseEnter={() => onFocusPerson(c.personId)}>
                <span className="cand-rank">{c.rank}</span>
                <span className="cand-name">
                  {c.name}
                  <small>{d(ROLE_TEXT[c.role])}{c.ownGrid ? ` · ${d('ownGrid')}` : ''}{c.onDuty ? '' : ` · ${d('offDuty')}`}</small>
                </span>
                <span className="cand-walk">
                  {c.walkSeconds == null ? d('unreachable') : `${d('walk')} ${Math.max(1, Math.round(c.walkSeconds / 60))} ${d('minutes')}`}
                  {c.walkMeters != null && <small>{Math.round(c.walkMeters)} {d('metres')}</small>}
                </span>
                <span className="cand-load">{d('workload')} {c.workload}</span>
                <button type="button" className="primary" disabled={busy || !c.available || detail.assigneeId === c.personId}
                  data-testid={`assign-${c.personId}`}
                  onClick={() => void run('assign', { workerId: c.personId })}>
                  {detail.assigneeId ? d('reassign') : d('assign')}
                </button>
              </li>
            ))}
          </ol>
        </section>
      )}

      <PhotoStrip incidentId={detail.id} refreshKey={detail.version} locale={locale} verifying={['resolved', 'verified', 'closed'].includes(detail.status)} />

      <section className="drawer-history">
        <h3>{d('history')}</h3>
        <ol>
          {detail.history.map((h) => (
            <li key={h.eventId}>
              <time>{new Date(h.at).toLocaleString(locale)}</time>
              <span>{h.type === 'incident.photo_added' ? d('photoAdded') : h.status ? shared(STATUS_KEYS[h.status]) : h.type}</span>
              <span className="muted">{h.actor}</span>
              {h.reason && <span className="history-reason">{h.reason}</span>}
            </li>
          ))}
        </ol>
      </section>
    </aside>
  );
}
