// The signed-in identity for the whole app. H4's auth API: GET /api/auth/me and POST /api/auth/login both
// answer { user, csrfToken }. Until a session exists, pages show the sign-in form instead of their content.
// A wall display signs in once with the read-only 'wall' account and its session slides for weeks.
import { createContext, useCallback, useContext, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken } from '../api/http';
import { useI18n } from '../i18n/i18n';
import { ChangePasswordDialog } from './change-password-dialog';
import type { UserRole } from '../../../common/domain';

export interface SessionUser {
  username: string;
  role: UserRole;
  displayName: string;
  /** The password was set by an administrator: the server answers nothing else until it is changed. */
  mustChangePassword?: boolean;
}
interface AuthAnswer {
  user: SessionUser;
  csrfToken: string;
}

type SessionState = { status: 'loading' } | { status: 'anonymous' } | { status: 'signed-in'; user: SessionUser };

interface SessionApi {
  state: SessionState;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** After POST /api/auth/password: the session was renewed (new cookie, this CSRF token) and the password is the person's own. */
  passwordChanged(csrfToken: string): void;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  useEffect(() => {
    api
      .get<AuthAnswer>('/api/auth/me')
      .then((a) => {
        setCsrfToken(a.csrfToken);
        setState({ status: 'signed-in', user: a.user });
      })
      .catch(() => setState({ status: 'anonymous' }));
  }, []);
  const signIn = useCallback(async (username: string, password: string) => {
    const a = await api.post<AuthAnswer>('/api/auth/login', { username, password });
    setCsrfToken(a.csrfToken);
    setState({ status: 'signed-in', user: a.user });
  }, []);
  const signOut = useCallback(async () => {
    await api.post('/api/auth/logout', {}).catch(() => undefined);
    setCsrfToken(null);
    setState({ status: 'anonymous' });
  }, []);
  const passwordChanged = useCallback((csrfToken: string) => {
    setCsrfToken(csrfToken);
    setState((s) => (s.status === 'signed-in' ? { status: 'signed-in', user: { ...s.user, mustChangePassword: false } } : s));
  }, []);
  return <SessionContext.Provider value={{ state, signIn, signOut, passwordChanged }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const v = useContext(SessionContext);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

export function LoginForm() {
  const { t } = useI18n();
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get('username') ?? ''), String(form.get('password') ?? ''));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('loginFailed') : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login-screen">
      <form className="login-form" onSubmit={onSubmit} aria-label={t('loginTitle')}>
        <h1>{t('appTitle')}</h1>
        <label>
          {t('username')}
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && <p className="login-error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
      </form>
    </div>
  );
}

/**
 * Renders children once signed in; the sign-in form otherwise; and only the change-password dialog while the
 * password is one an administrator set (the server refuses everything else then: PASSWORD_CHANGE_REQUIRED).
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const { t } = useI18n();
  if (state.status === 'loading') return <div className="loading">{t('loading')}</div>;
  if (state.status === 'anonymous') return <LoginForm />;
  if (state.user.mustChangePassword) return <ChangePasswordDialog forced onClose={() => undefined} />;
  return <>{children}</>;
}
