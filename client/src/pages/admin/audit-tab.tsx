// 审计日志: who did what, when, to which record, from where — filtered, paged, exported. Read-only: the
// server has no route that changes or deletes audit rows (and the table refuses it).
import { useEffect, useState, type FormEvent } from 'react';
import type { AuditPage, AuditRowDto } from '../../../../common/admin';
import { api } from '../../api/http';
import { useAdminText } from './admin-text';

const PAGE_SIZE = 50;

interface Filters {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  /** datetime-local values, read as Beijing time (the street's clock) */
  from: string;
  to: string;
}
const EMPTY: Filters = { actor: '', action: '', entityType: '', entityId: '', from: '', to: '' };

/** Names of the actions people look for most; any other action shows its code. */
const ACTION_NAMES: Record<string, [string, string]> = {
  'account.create': ['新建账号', 'Account created'],
  'account.disable': ['停用账号', 'Account disabled'],
  'account.enable': ['启用账号', 'Account enabled'],
  'account.password_reset': ['重置密码', 'Password reset'],
  'account.password_change': ['修改密码', 'Password changed'],
  'account.password_change_failed': ['修改密码失败', 'Password change refused'],
  'account.role_change': ['修改角色/网格', 'Role / grid changed'],
  'auth.login': ['登录', 'Signed in'],
  'auth.login_failed': ['登录失败', 'Sign-in failed'],
  'auth.logout': ['退出', 'Signed out'],
  'auth.wall_key_issued': ['签发大屏配对码', 'Wall key issued'],
  'auth.wall_paired': ['大屏配对', 'Wall paired'],
  'audit.export': ['导出审计日志', 'Audit log exported'],
  'care_subjects.read': ['查看关爱对象', 'Care subjects read'],
  'roster.import': ['名册导入', 'Roster imported'],
};

function toQuery(f: Filters): URLSearchParams {
  const qs = new URLSearchParams();
  if (f.actor.trim()) qs.set('actor', f.actor.trim());
  if (f.action) qs.set('action', f.action);
  if (f.entityType.trim()) qs.set('entityType', f.entityType.trim());
  if (f.entityId.trim()) qs.set('entityId', f.entityId.trim());
  if (f.from) qs.set('from', `${f.from}:00+08:00`);
  if (f.to) qs.set('to', `${f.to}:00+08:00`);
  return qs;
}

function fmtTime(iso: string): string {
  // Beijing time, to the second, in the sortable form the export uses
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function detailText(r: AuditRowDto): string {
  return r.detail == null ? '' : JSON.stringify(r.detail);
}

export function AuditTab() {
  const { tx, locale } = useAdminText();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<AuditPage | null>(null);
  const [actions, setActions] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.get<{ actions: string[] }>('/api/admin/audit/actions').then((r) => setActions(r.actions), () => undefined);
  }, []);
  useEffect(() => {
    const qs = toQuery(filters);
    qs.set('page', String(page));
    qs.set('pageSize', String(PAGE_SIZE));
    const ctl = new AbortController();
    api.get<AuditPage>(`/api/admin/audit?${qs}`, ctl.signal).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (err: Error) => err.name !== 'AbortError' && setError(err.message),
    );
    return () => ctl.abort();
  }, [filters, page]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setPage(1);
    setFilters({ ...draft });
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const exportQs = toQuery(filters);
  const actionName = (a: string) => {
    const n = ACTION_NAMES[a];
    return n ? (locale === 'en' ? n[1] : n[0]) : a;
  };

  return (
    <div className="admin-audit" data-testid="admin-audit">
      <form className="admin-toolbar admin-filters" onSubmit={apply} data-testid="audit-filters">
        <label>{tx('filterActor')}<input name="actor" value={draft.actor} onChange={set('actor')} /></label>
        <label>
          {tx('filterAction')}
          <select name="action" value={draft.action} onChange={set('action')}>
            <option value="">{tx('allActions')}</option>
            {actions.map((a) => <option key={a} value={a}>{ACTION_NAMES[a] ? `${actionName(a)} · ${a}` : a}</option>)}
          </select>
        </label>
        <label>{tx('filterRecordType')}<input name="entityType" value={draft.entityType} placeholder="user" onChange={set('entityType')} /></label>
        <label>{tx('filterRecordId')}<input name="entityId" value={draft.entityId} onChange={set('entityId')} /></label>
        <label>{tx('filterFrom')}<input type="datetime-local" name="from" value={draft.from} onChange={set('from')} /></label>
        <label>{tx('filterTo')}<input type="datetime-local" name="to" value={draft.to} onChange={set('to')} /></label>
        <div className="admin-filter-buttons">
          <button type="submit" className="admin-primary" data-testid="audit-apply">{tx('apply')}</button>
          <button type="button" onClick={() => { setDraft(EMPTY); setFilters(EMPTY); setPage(1); }}>{tx('clear')}</button>
        </div>
      </form>
      <div className="admin-subbar">
        <span data-testid="audit-total">{data ? tx('rows', { n: data.total }) : tx('loading')}</span>
        <span className="admin-muted">{tx('readOnly')}</span>
        <span className="admin-exports" data-testid="audit-export">
          <a href={`/api/admin/audit/export?${new URLSearchParams([...exportQs, ['format', 'csv']])}`} download>{tx('exportCsv')}</a>
          <a href={`/api/admin/audit/export?${new URLSearchParams([...exportQs, ['format', 'xlsx']])}`} download>{tx('exportXlsx')}</a>
        </span>
      </div>
      {error && <p className="admin-error" role="alert">{tx('error')}{error}</p>}
      <div className="admin-table-wrap">
        <table className="admin-table admin-audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>{tx('colTime')}</th>
              <th>{tx('colActor')}</th>
              <th>{tx('colAction')}</th>
              <th>{tx('colRecord')}</th>
              <th>{tx('colReason')}</th>
              <th>{tx('colAddress')}</th>
              <th>{tx('colDetail')}</th>
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((r) => (
              <tr key={r.id} data-testid="audit-row" data-action={r.action}>
                <td data-label={tx('colTime')} className="mono nowrap">{fmtTime(r.at)}</td>
                <td data-label={tx('colActor')}>{r.actorName ? `${r.actorName}（${r.actorUsername}）` : r.actor}</td>
                <td data-label={tx('colAction')} title={r.action}>{actionName(r.action)}</td>
                <td data-label={tx('colRecord')} className="mono">{r.entityType ? `${r.entityType}${r.entityId ? ` #${r.entityId}` : ''}` : '—'}</td>
                <td data-label={tx('colReason')}>{r.reason ?? ''}</td>
                <td data-label={tx('colAddress')} className="mono">{r.ip ?? ''}</td>
                <td data-label={tx('colDetail')} className="admin-detail" title={detailText(r)}>{detailText(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.rows.length === 0 && <p className="admin-note">{tx('empty')}</p>}
      </div>
      <div className="admin-pager">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>{tx('prev')}</button>
        <span>{tx('pageOf', { page, pages })}</span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>{tx('next')}</button>
      </div>
    </div>
  );
}
