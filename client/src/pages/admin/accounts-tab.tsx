// 账号管理: the street's accounts — search, filter, page; create; disable / enable; reset password; change
// role and grid. Every change asks for a reason (kept in the audit log); a generated password is shown once.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { USER_ROLES, type UserRole } from '../../../../common/domain';
import type { AccountChangeAnswer, AccountDto, AccountPage, GridOption, OneTimePasswordAnswer, PersonOption } from '../../../../common/admin';
import { api } from '../../api/http';
import { useSession } from '../../auth/session';
import { useAdminText } from './admin-text';
import { PasswordDialog } from './password-dialog';

const PAGE_SIZE = 25;

type Pending =
  | { kind: 'create' }
  | { kind: 'disable' | 'enable' | 'reset' | 'role'; account: AccountDto };

function fmtTime(iso: string | null, locale: string): string | null {
  if (!iso) return null;
  return new Date(iso).toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' });
}

export function AccountsTab() {
  const { tx, roleName, locale } = useAdminText();
  const { state } = useSession();
  const me = state.status === 'signed-in' ? state.user.username : '';
  const [q, setQ] = useState('');
  const [role, setRole] = useState<UserRole | ''>('');
  const [status, setStatus] = useState<'' | 'active' | 'disabled'>('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<AccountPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const [grids, setGrids] = useState<GridOption[]>([]);

  const load = useCallback(async () => {
    const qs = new URLSearchParams({ page: String(page), pageSize: String(PAGE_SIZE) });
    if (q.trim()) qs.set('q', q.trim());
    if (role) qs.set('role', role);
    if (status) qs.set('status', status);
    try {
      setData(await api.get<AccountPage>(`/api/admin/accounts?${qs}`));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [q, role, status, page]);

  useEffect(() => {
    const h = setTimeout(() => void load(), 200); // typing in the search box: one request when it pauses
    return () => clearTimeout(h);
  }, [load]);
  useEffect(() => {
    api.get<{ grids: GridOption[] }>('/api/admin/grids').then((r) => setGrids(r.grids), () => undefined);
  }, []);

  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const afterChange = (a: AccountChangeAnswer | OneTimePasswordAnswer) => {
    setPending(null);
    setNotice(a.sessionsEnded > 0 ? tx('sessionsEnded', { n: a.sessionsEnded }) : tx('done'));
    if ('password' in a) setShown({ username: a.account.username, password: a.password });
    void load();
  };

  return (
    <div className="admin-accounts" data-testid="admin-accounts">
      <div className="admin-toolbar">
        <input
          type="search"
          value={q}
          placeholder={tx('search')}
          aria-label={tx('search')}
          data-testid="account-search"
          onChange={(e) => {
            setQ(e.target.value);
            setPage(1);
          }}
        />
        <select value={role} aria-label={tx('colRole')} onChange={(e) => { setRole(e.target.value as UserRole | ''); setPage(1); }}>
          <option value="">{tx('allRoles')}</option>
          {USER_ROLES.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
        </select>
        <select value={status} aria-label={tx('colStatus')} onChange={(e) => { setStatus(e.target.value as '' | 'active' | 'disabled'); setPage(1); }}>
          <option value="">{tx('allStatuses')}</option>
          <option value="active">{tx('statusActive')}</option>
          <option value="disabled">{tx('statusDisabled')}</option>
        </select>
        <button type="button" className="admin-primary" data-testid="account-new" onClick={() => setPending({ kind: 'create' })}>
          + {tx('newAccount')}
        </button>
      </div>
      {notice && <p className="admin-notice" role="status" data-testid="account-notice">{notice}</p>}
      {error && <p className="admin-error" role="alert">{tx('error')}{error}</p>}
      <div className="admin-table-wrap">
        <table className="admin-table" data-testid="account-table">
          <thead>
            <tr>
              <th>{tx('colUsername')}</th>
              <th>{tx('colName')}</th>
              <th>{tx('colRole')}</th>
              <th>{tx('colGrid')}</th>
              <th>{tx('colStatus')}</th>
              <th>{tx('colLastLogin')}</th>
              <th className="num">{tx('colSessions')}</th>
              <th>{tx('colActions')}</th>
            </tr>
          </thead>
          <tbody>
            {data?.accounts.map((a) => (
              <tr key={a.id} data-testid={`account-row-${a.username}`} className={a.disabled ? 'is-disabled' : undefined}>
                <td data-label={tx('colUsername')} className="mono">{a.username}{a.username === me ? tx('you') : ''}</td>
                <td data-label={tx('colName')}>{a.displayName}</td>
                <td data-label={tx('colRole')}>{roleName(a.role)}</td>
                <td data-label={tx('colGrid')}>{a.scopeGridName ?? '—'}{a.personName ? ` · ${a.personName}` : ''}</td>
                <td data-label={tx('colStatus')}>
                  <span className={`admin-status ${a.disabled ? 'off' : 'on'}`} data-testid="account-status">{a.disabled ? tx('statusDisabled') : tx('statusActive')}</span>
                </td>
                <td data-label={tx('colLastLogin')}>{fmtTime(a.lastLoginAt, locale) ?? tx('never')}</td>
                <td data-label={tx('colSessions')} className="num">{a.activeSessions}</td>
                <td className="admin-actions">
                  {a.username !== me && (
                    <>
                      {a.disabled ? (
                        <button type="button" data-testid="account-enable" onClick={() => setPending({ kind: 'enable', account: a })}>{tx('enable')}</button>
                      ) : (
                        <button type="button" className="danger" data-testid="account-disable" onClick={() => setPending({ kind: 'disable', account: a })}>{tx('disable')}</button>
                      )}
                      <button type="button" data-testid="account-reset" onClick={() => setPending({ kind: 'reset', account: a })}>{tx('resetPassword')}</button>
                      <button type="button" data-testid="account-role" onClick={() => setPending({ kind: 'role', account: a })}>{tx('changeRole')}</button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="admin-pager">
        <span data-testid="account-total">{data ? tx('total', { n: data.total }) : tx('loading')}</span>
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>{tx('prev')}</button>
        <span>{tx('pageOf', { page, pages })}</span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>{tx('next')}</button>
      </div>
      {pending?.kind === 'create' && <CreateDialog grids={grids} onCancel={() => setPending(null)} onDone={afterChange} />}
      {pending && pending.kind !== 'create' && (
        <ChangeDialog pending={pending} grids={grids} onCancel={() => setPending(null)} onDone={afterChange} />
      )}
      {shown && <PasswordDialog username={shown.username} password={shown.password} onClose={() => setShown(null)} />}
    </div>
  );
}

function GridAndPerson({ grids, gridId, personId, onGrid, onPerson }: {
  grids: GridOption[];
  gridId: number | null;
  personId: number | null;
  onGrid: (id: number | null) => void;
  onPerson: (id: number | null) => void;
}) {
  const { tx } = useAdminText();
  const [people, setPeople] = useState<PersonOption[]>([]);
  useEffect(() => {
    if (gridId == null) return setPeople([]);
    api.get<{ people: PersonOption[] }>(`/api/admin/people?gridId=${gridId}`).then((r) => setPeople(r.people), () => setPeople([]));
  }, [gridId]);
  return (
    <>
      <label>
        {tx('grid')}
        <select required value={gridId ?? ''} data-testid="account-grid" onChange={(e) => { onGrid(e.target.value ? Number(e.target.value) : null); onPerson(null); }}>
          <option value="">{tx('chooseGrid')}</option>
          {grids.map((g) => <option key={g.id} value={g.id}>{g.communityName} · {g.name}</option>)}
        </select>
      </label>
      <label>
        {tx('person')}
        <select value={personId ?? ''} data-testid="account-person" onChange={(e) => onPerson(e.target.value ? Number(e.target.value) : null)}>
          <option value="">{tx('noPerson')}</option>
          {people.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
    </>
  );
}

function Dialog({ title, children, onCancel, onSubmit, busy, error, submitLabel, testId }: {
  title: string;
  children: ReactNode;
  onCancel: () => void;
  onSubmit: () => void;
  busy: boolean;
  error: string | null;
  submitLabel: string;
  testId: string;
}) {
  const { tx } = useAdminText();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <div className="admin-modal-backdrop">
      <form className="admin-modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testId} onSubmit={submit}>
        <h3>{title}</h3>
        {children}
        {error && <p className="admin-error" role="alert">{error}</p>}
        <div className="admin-modal-buttons">
          <button type="button" onClick={onCancel}>{tx('cancel')}</button>
          <button type="submit" className="admin-primary" disabled={busy} data-testid="dialog-submit">{submitLabel}</button>
        </div>
      </form>
    </div>
  );
}

function CreateDialog({ grids, onCancel, onDone }: { grids: GridOption[]; onCancel: () => void; onDone: (a: OneTimePasswordAnswer) => void }) {
  const { tx, roleName } = useAdminText();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<UserRole>('dispatcher');
  const [gridId, setGridId] = useState<number | null>(null);
  const [personId, setPersonId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = { username: username.trim(), displayName: displayName.trim(), role, ...(role === 'worker' ? { scopeGridId: gridId } : {}), ...(personId ? { personId } : {}) };
      onDone(await api.post<OneTimePasswordAnswer>('/api/admin/accounts', body));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={tx('newAccount')} onCancel={onCancel} onSubmit={() => void submit()} busy={busy} error={error} submitLabel={tx('create')} testId="account-create-dialog">
      <label>
        {tx('colUsername')}
        <input required value={username} name="new-username" pattern="[a-z0-9_.\-]{2,64}" title={tx('usernameHint')} placeholder="wang.li" onChange={(e) => setUsername(e.target.value.toLowerCase())} />
        <small>{tx('usernameHint')}</small>
      </label>
      <label>
        {tx('displayName')}
        <input required value={displayName} name="new-display-name" maxLength={100} onChange={(e) => setDisplayName(e.target.value)} />
      </label>
      <label>
        {tx('role')}
        <select value={role} name="new-role" onChange={(e) => setRole(e.target.value as UserRole)}>
          {USER_ROLES.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
        </select>
      </label>
      {role === 'worker' && <GridAndPerson grids={grids} gridId={gridId} personId={personId} onGrid={setGridId} onPerson={setPersonId} />}
    </Dialog>
  );
}

function ChangeDialog({ pending, grids, onCancel, onDone }: {
  pending: { kind: 'disable' | 'enable' | 'reset' | 'role'; account: AccountDto };
  grids: GridOption[];
  onCancel: () => void;
  onDone: (a: AccountChangeAnswer | OneTimePasswordAnswer) => void;
}) {
  const { tx, roleName } = useAdminText();
  const { kind, account } = pending;
  const [reason, setReason] = useState('');
  const [role, setRole] = useState<UserRole>(account.role);
  const [gridId, setGridId] = useState<number | null>(account.scopeGridId);
  const [personId, setPersonId] = useState<number | null>(account.personId);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = `${account.displayName}（${account.username}）`;
  const copy = {
    disable: { title: tx('disable'), text: tx('confirmDisable', { name }), hint: tx('reasonDisable'), path: 'disable' },
    enable: { title: tx('enable'), text: tx('confirmEnable', { name }), hint: tx('reasonEnable'), path: 'enable' },
    reset: { title: tx('resetPassword'), text: tx('confirmReset', { name }), hint: tx('reasonReset'), path: 'reset-password' },
    role: { title: tx('changeRole'), text: tx('confirmRole', { name }), hint: tx('reasonRole'), path: 'role' },
  }[kind];
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = kind === 'role' ? { role, reason, ...(role === 'worker' ? { scopeGridId: gridId } : {}), personId } : { reason };
      onDone(await api.post<AccountChangeAnswer | OneTimePasswordAnswer>(`/api/admin/accounts/${account.id}/${copy.path}`, body));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={copy.title} onCancel={onCancel} onSubmit={() => void submit()} busy={busy} error={error} submitLabel={tx('confirm')} testId={`account-${kind}-dialog`}>
      <p>{copy.text}</p>
      {kind === 'role' && (
        <>
          <label>
            {tx('role')}
            <select value={role} name="change-role" onChange={(e) => setRole(e.target.value as UserRole)}>
              {USER_ROLES.map((r) => <option key={r} value={r}>{roleName(r)}</option>)}
            </select>
          </label>
          {role === 'worker' && <GridAndPerson grids={grids} gridId={gridId} personId={personId} onGrid={setGridId} onPerson={setPersonId} />}
        </>
      )}
      <label>
        {tx('reason')}
        <input required minLength={2} maxLength={200} value={reason} name="reason" placeholder={copy.hint} data-testid="dialog-reason" onChange={(e) => setReason(e.target.value)} />
      </label>
    </Dialog>
  );
}
