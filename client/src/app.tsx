// App shell: language and session providers, the top bar with navigation, and the page for the path.
// The wall is full-screen (no top bar): a command hall shows nothing but the situation.
import { lazy, Suspense, useState, type MouseEvent } from 'react';
import { I18nProvider, LanguageSwitch, useI18n } from './i18n/i18n';
import { RequireSession, SessionProvider, useSession, LoginForm } from './auth/session';
import { navigate, usePath } from './router';
import type { MessageKey } from './i18n/messages';
import { StreetMapPage } from './pages/street-map-page';
import { SampleBadge, useStreetName } from './panels/sample-badge';
import { ChangePasswordDialog } from './auth/change-password-dialog';
import { isPublicSpaPath } from '../../common/spa-routes';

const WallPage = lazy(() => import('./wall/wall-page').then((m) => ({ default: m.WallPage })));
const DispatchPage = lazy(() => import('./pages/dispatch/dispatch-page').then((m) => ({ default: m.DispatchPage })));
const PlanPage = lazy(() => import('./pages/plan/plan-page').then((m) => ({ default: m.PlanPage })));
const MobileApp = lazy(() => import('./mobile/mobile-app').then((m) => ({ default: m.MobileApp })));
const ReportShell = lazy(() => import('./pages/report/report-page').then((m) => ({ default: m.ReportShell })));
const AdminPage = lazy(() => import('./pages/admin/admin-page').then((m) => ({ default: m.AdminPage })));
const ImportPage = lazy(() => import('./pages/admin-import/admin-import-page').then((m) => ({ default: m.ImportPage })));
const InsightPage = lazy(() => import('./pages/insight/insight-page').then((m) => ({ default: m.InsightPage })));

const NAV: Array<[string, MessageKey]> = [
  ['/wall', 'navWall'],
  ['/dispatch', 'navDispatch'],
  ['/plan', 'navPlan'],
  ['/insight', 'navInsight'],
  ['/admin', 'navAdmin'],
];

function TopBar({ path }: { path: string }) {
  const { t } = useI18n();
  const { state, signOut } = useSession();
  const streetName = useStreetName();
  const [changing, setChanging] = useState(false);
  const go = (to: string) => (e: MouseEvent) => {
    e.preventDefault();
    navigate(to);
  };
  return (
    <header className="top-bar">
      <a href="/" className="brand" onClick={go('/')}>
        {t('appTitle')} · {streetName}
      </a>
      <nav>
        {NAV.map(([to, key]) => (
          <a key={to} href={to} onClick={go(to)} className={path === to ? 'active' : undefined}>
            {t(key)}
          </a>
        ))}
      </nav>
      <SampleBadge />
      <LanguageSwitch />
      {state.status === 'signed-in' && (
        <>
          <button type="button" className="sign-out" data-testid="change-password" onClick={() => setChanging(true)}>
            {t('changePassword')}
          </button>
          <button type="button" className="sign-out" onClick={() => void signOut()}>
            {state.user.displayName} · {t('signOut')}
          </button>
        </>
      )}
      {changing && <ChangePasswordDialog onClose={() => setChanging(false)} />}
    </header>
  );
}

function Page({ path }: { path: string }) {
  const { t } = useI18n();
  if (path === '/login') return <LoginForm />;
  if (path === '/insight') {
    return (
      <Suspense fallback={<div className="loading">{t('loading')}</div>}>
        <InsightPage />
      </Suspense>
    );
  }
  if (path === '/dispatch') {
    return (
      <Suspense fallback={<div className="loading">{t('loading')}</div>}>
        <DispatchPage />
      </Suspense>
    );
  }
  if (path === '/plan') {
    return (
      <Suspense fallback={<div className="loading">{t('loading')}</div>}>
        <PlanPage />
      </Suspense>
    );
  }
  if (path === '/admin/import') {
    return (
      <Suspense fallback={<div className="loading">{t('loading')}</div>}>
        <ImportPage />
      </Suspense>
    );
  }
  if (path === '/admin') {
    return (
      <Suspense fallback={<div className="loading">{t('loading')}</div>}>
        <AdminPage />
      </Suspense>
    );
  }
  return <StreetMapPage />;
}

function Shell() {
  const path = usePath();
  const { t } = useI18n();
  // The public report page (no account, no top bar): residents see nothing of the desk.
  if (isPublicSpaPath(path)) {
    return (
      <Suspense fallback={<div className="loading">{t('loading')}</div>}>
        <ReportShell path={path} />
      </Suspense>
    );
  }
  if (path === '/m' || path.startsWith('/m/')) {
    return (
      <RequireSession>
        <Suspense fallback={<div className="loading">{t('loading')}</div>}>
          <MobileApp />
        </Suspense>
      </RequireSession>
    );
  }
  if (path === '/wall') {
    return (
      <RequireSession>
        <Suspense fallback={<div className="loading wall-loading">{t('loading')}</div>}>
          <WallPage />
        </Suspense>
      </RequireSession>
    );
  }
  return (
    <div className="app">
      <TopBar path={path} />
      <main>
        <RequireSession>
          <Page path={path} />
        </RequireSession>
      </main>
    </div>
  );
}

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </I18nProvider>
  );
}
