// 名册导入: the office's roster spreadsheet (grid workers, building heads, volunteer teams, Party members) →
// a preview of every row (new / changed with the fields that differ / unchanged / refused and why) → one
// import. Nothing is written by the preview; the import refuses the whole file while any row is refused.
import { useState, type ChangeEvent } from 'react';
import { ROSTER_COMPLETE_KINDS, ROSTER_KINDS, type RosterApplyAnswer, type RosterKind, type RosterPreview, type RosterPreviewRow } from '../../../../common/roster';
import type { ApiErrorBody } from '../../../../common/errors';
import { getCsrfToken } from '../../api/http';
import { useRosterText } from './rosters-text';

const canBeComplete = (k: RosterKind) => (ROSTER_COMPLETE_KINDS as readonly RosterKind[]).includes(k);

async function send<T>(kind: RosterKind, step: 'preview' | 'apply', file: File, complete: boolean): Promise<T> {
  const csrf = getCsrfToken();
  const res = await fetch(`/api/admin/rosters/${kind}/${step}${complete ? '?complete=1' : ''}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'Content-Type': file.type || 'application/octet-stream', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
    body: file,
  });
  const data: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error((data as ApiErrorBody | undefined)?.error?.message ?? `HTTP ${res.status}`);
  return data as T;
}

export function RostersTab() {
  const { tx, kindName, statusName, fieldName, refusalName } = useRosterText();
  const [kind, setKind] = useState<RosterKind>('grid_worker');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<RosterPreview | null>(null);
  const [busy, setBusy] = useState<'reading' | 'applying' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState<RosterApplyAnswer | null>(null);
  // off by default: leaving the roll stops accounts, so the administrator asks for it on each upload
  const [complete, setComplete] = useState(false);
  const asComplete = complete && canBeComplete(kind);

  const load = async (k: RosterKind, f: File | null, whole = complete && canBeComplete(k)) => {
    setPreview(null);
    setApplied(null);
    setError(null);
    if (!f) return;
    setBusy('reading');
    try {
      setPreview(await send<RosterPreview>(k, 'preview', f, whole));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const onComplete = (e: ChangeEvent<HTMLInputElement>) => {
    setComplete(e.target.checked);
    void load(kind, file, e.target.checked && canBeComplete(kind));
  };
  const onKind = (e: ChangeEvent<HTMLSelectElement>) => {
    const k = e.target.value as RosterKind;
    setKind(k);
    void load(k, file);
  };
  const onFile = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0] ?? null;
    setFile(f);
    void load(kind, f);
  };
  const onApply = async () => {
    if (!file) return;
    // leaving the roll stops sign-in accounts: asked once more, with the number
    if (preview && preview.counts.leave > 0 && !window.confirm(tx('confirmLeave', { leave: preview.counts.leave }))) return;
    setBusy('applying');
    setError(null);
    try {
      const a = await send<RosterApplyAnswer>(kind, 'apply', file, asComplete);
      setApplied(a);
      // what the database holds now: the same file previews as unchanged
      setPreview(await send<RosterPreview>(kind, 'preview', file, asComplete));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const c = preview?.counts;
  const canApply = !!c && c.refused === 0 && c.create + c.change + c.leave > 0 && !busy;
  const detail = (r: RosterPreviewRow) => {
    if (r.status === 'refused') return r.refusals.map((x) => <div key={x.code} className="roster-reason" title={x.message}>{refusalName(x.code)}<span className="admin-muted"> · {x.message}</span></div>);
    return r.changes.map((x) => (
      <div key={x.field}>
        {fieldName(x.field)}：{r.status === 'change' || r.status === 'leave' || x.from != null ? <><s>{x.from ?? tx('empty')}</s> → </> : null}<b>{x.to ?? tx('empty')}</b>
      </div>
    ));
  };

  return (
    <div className="admin-rosters" data-testid="admin-rosters">
      <p className="admin-muted roster-intro">{tx('intro')}</p>
      <div className="admin-toolbar admin-filters">
        <label>
          {tx('kind')}
          <select name="kind" value={kind} onChange={onKind} data-testid="roster-kind">
            {ROSTER_KINDS.map((k) => <option key={k} value={k}>{kindName(k)}</option>)}
          </select>
        </label>
        <a className="roster-template" href={`/api/admin/rosters/${kind}/template`} download data-testid="roster-template">{tx('template')}</a>
        <label>
          {tx('file')}
          <input type="file" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv" onChange={onFile} className="roster-file-input" data-testid="roster-file" />
        </label>
      </div>
      {canBeComplete(kind) && (
        <label className="roster-complete">
          <input type="checkbox" checked={complete} onChange={onComplete} data-testid="roster-complete" />
          {tx('complete')}
        </label>
      )}
      {!canBeComplete(kind) && complete && <p className="admin-muted">{tx('completeHint')}</p>}
      <p className="admin-warning roster-policy">{tx('policy')}</p>
      {busy === 'reading' && <p className="loading">{tx('reading')}</p>}
      {error && <p className="admin-error" role="alert" data-testid="roster-error">{tx('error')}{error}</p>}
      {applied && (
        <p className="admin-notice" role="status" data-testid="roster-applied">
          {tx('applied', { ...applied.counts })}
          {applied.counts.leave > 0 && ` ${tx('appliedLeave', { leave: applied.counts.leave, accounts: applied.disabledAccounts.length })}`}
        </p>
      )}
      {preview && c && (
        <>
          <div className="admin-subbar">
            <span data-testid="roster-summary">{tx('summary', { ...c })}{asComplete && tx('summaryLeave', { leave: c.leave })}</span>
            {c.refused > 0 && <span className="roster-blocked" data-testid="roster-blocked">{tx('blocked', { n: c.refused })}</span>}
            <button type="button" className="admin-primary roster-apply" disabled={!canApply} onClick={() => void onApply()} data-testid="roster-apply">
              {busy === 'applying' ? tx('applying') : c.refused === 0 && c.create + c.change === 0 ? tx('nothingToApply') : tx('apply')}
            </button>
          </div>
          <div className="admin-table-wrap">
            <table className="admin-table roster-table" data-testid="roster-table">
              <thead>
                <tr>
                  <th>{tx('colRow')}</th>
                  <th>{tx('colStatus')}</th>
                  <th>{tx('colName')}</th>
                  <th>{tx('colPhone')}</th>
                  <th>{tx('colPlace')}</th>
                  <th>{tx('colDetail')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((r) => (
                  <tr key={r.row ?? `leave-${r.personId}`} data-testid="roster-row" data-status={r.status} data-row={r.row ?? ''}>
                    <td data-label={tx('colRow')} className="num">{r.row ?? '—'}</td>
                    <td data-label={tx('colStatus')}><span className={`roster-status ${r.status}`}>{statusName(r.status)}</span></td>
                    <td data-label={tx('colName')}>{r.name || tx('empty')}</td>
                    <td data-label={tx('colPhone')} className="mono">{r.phone ?? ''}</td>
                    <td data-label={tx('colPlace')}>{r.place ?? ''}</td>
                    <td data-label={tx('colDetail')} className="roster-detail">{detail(r)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}
