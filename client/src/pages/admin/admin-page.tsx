// /admin — the administration console (issue 14): a tab per task, built from ADMIN_TABS so a task is added
// with one entry. A tab either renders here (chosen by ?tab=<id>) or links to its own page (`href`). Each
// tab lists the roles that see it; the server checks the same roles on every route (server/admin).
import { lazy, Suspense, useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import type { UserRole } from '../../../../common/domain';
import { useSession } from '../../auth/session';
import { navigate } from '../../router';
import { useAdminText, type AdminTextKey } from './admin-text';
import './admin.css';

const AccountsTab = lazy(() => import('./accounts-tab').then((m) => ({ default: m.AccountsTab })));
const AuditTab = lazy(() => import('./audit-tab').then((m) => ({ default: m.AuditTab })));
const TokensTab = lazy(() => import('./tokens-tab').then((m) => ({ default: m.TokensTab })));
const RostersTab = lazy(() => import('./rosters-tab').then((m) => ({ default: m.RostersTab })));

export interface AdminTab {
  id: string;
  label: AdminTextKey;
  roles: readonly UserRole[];
  /** Rendered inside the console … */
  render?: () => ReactNode;
  /** … or a page of its own. */
  href?: string;
}

export const ADMIN_TABS: readonly AdminTab[] = [
  { id: 'accounts', label: 'tabAccounts', roles: ['admin'], render: () => <AccountsTab /> },
  { id: 'audit', label: 'tabAudit', roles: ['admin', 'leader'], render: () => <AuditTab /> },
  { id: 'rosters', label: 'tabRosters', roles: ['admin'], render: () => <RostersTab /> },
  { id: 'import', label: 'tabImport', roles: ['admin'], href: '/admin/import' },
  // The roles of server/auth/api-tokens.ts API_TOKEN_ROLES: every desk role and grid workers, not the wall.
  { id: 'tokens', label: 'tabTokens', roles: ['admin', 'leader', 'planner', 'dispatcher', 'worker'], render: () => <TokensTab /> },
];

function tabHref(tab: AdminTab): string {
  return tab.href ?? (tab.id === ADMIN_TABS[0].id ? '/admin' : `/admin?tab=${tab.id}`);
}

/** ?tab= of the address, kept current on navigate() and back/forward (the shell's usePath sees only the path). */
function useTabParam(): string | null {
  const read = () => new URLSearchParams(window.location.search).get('tab');
  const [tab, setTab] = useState(read);
  useEffect(() => {
    const onPop = () => setTab(read());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return tab;
}

export function AdminPage() {
  const { tx } = useAdminText();
  const { state } = useSession();
  const role = state.status === 'signed-in' ? state.user.role : undefined;
  const visible = ADMIN_TABS.filter((t) => role && t.roles.includes(role));
  const wanted = useTabParam();
  const current = visible.find((t) => t.id === wanted && t.render) ?? visible.find((t) => t.render);
  const go = (to: string) => (e: MouseEvent) => {
    e.preventDefault();
    navigate(to);
  };
  if (!current) {
    return (
      <div className="admin-page" data-testid="admin-page">
        <p className="admin-note" data-testid="admin-no-access">{tx('noAccess')}</p>
      </div>
    );
  }
  return (
    <div className="admin-page" data-testid="admin-page">
      <nav className="admin-tabs" role="tablist" aria-label={tx('title')}>
        {visible.map((t) => (
          <a
            key={t.id}
            role="tab"
            href={tabHref(t)}
            aria-selected={t === current}
            className={t === current ? 'active' : undefined}
            data-testid={`admin-tab-${t.id}`}
            onClick={go(tabHref(t))}
          >
            {tx(t.label)}
          </a>
        ))}
      </nav>
      <section className="admin-body" role="tabpanel">
        <Suspense fallback={<div className="loading">{tx('loading')}</div>}>{current.render?.()}</Suspense>
      </section>
    </div>
  );
}
