// 修改密码 / Change password: the person replaces the password an administrator handed them with their own.
// Opened from the top bar (desk and admin pages) and the phone app's tab bar, and shown alone (`forced`: no
// cancel, only sign out) while the account still has the password an administrator set. The server renews
// the session on success; the new CSRF token is handed to the session (useSession().passwordChanged). The admin console's dialog look
// (theme.css .admin-modal). The checks made here (length, the two new ones equal, not the current one) only
// save a round trip: the server applies the same rule (common/password.ts) and its refusals are shown too.
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/http';
import { useI18n } from '../i18n/i18n';
import { useSession } from './session';
import type { MessageKey } from '../i18n/messages';
import { MIN_PASSWORD_LENGTH, type ChangePasswordAnswer } from '../../../common/password';

/** The server's refusal in the page's language where we know it; its own message otherwise. */
function refusalText(err: unknown, t: (k: MessageKey) => string): string {
  if (!(err instanceof ApiError)) return (err as Error).message;
  if (err.code === 'WRONG_PASSWORD') return t('passwordWrongCurrent');
  if (err.code === 'RATE_LIMITED') return t('passwordRateLimited');
  return err.message;
}

export function ChangePasswordDialog({ onClose, forced = false }: { onClose: () => void; forced?: boolean }) {
  const { t } = useI18n();
  const { passwordChanged, signOut } = useSession();
  const [answer, setAnswer] = useState<ChangePasswordAnswer | null>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next.length < MIN_PASSWORD_LENGTH) return setError(t('passwordTooShort'));
    if (next !== again) return setError(t('passwordMismatch'));
    if (next === current) return setError(t('passwordSameAsOld'));
    setBusy(true);
    setError(null);
    try {
      const a = await api.post<ChangePasswordAnswer>('/api/auth/password', { currentPassword: current, newPassword: next });
      // writes from now on carry the renewed session's token; a forced dialog waits for "continue" to let go
      setAnswer(a);
      if (!forced) passwordChanged(a.csrfToken);
      setDone(true);
    } catch (err) {
      setError(refusalText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="admin-modal-backdrop">
      <form className="admin-modal" role="dialog" aria-modal="true" aria-label={t('changePassword')} data-testid="change-password-dialog" onSubmit={(e) => void submit(e)}>
        <h3>{t('changePassword')}</h3>
        {forced && !done && <p className="admin-notice" data-testid="change-password-forced">{t('passwordMustChange')}</p>}
        {done ? (
          <p className="admin-notice" role="status" data-testid="change-password-done">{t('passwordChanged')}</p>
        ) : (
          <>
            <label>
              {forced ? t('currentPasswordHandedOut') : t('currentPassword')}
              <input type="password" name="current-password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
            </label>
            <label>
              {t('newPassword')}
              <input type="password" name="new-password" autoComplete="new-password" required value={next} onChange={(e) => setNext(e.target.value)} />
              <small>{t('passwordRule')}</small>
            </label>
            <label>
              {t('confirmPassword')}
              <input type="password" name="confirm-password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
            </label>
            {error && <p className="admin-error" role="alert" data-testid="change-password-error">{error}</p>}
          </>
        )}
        <div className="admin-modal-buttons">
          {done ? (
            <button
              type="button"
              className="admin-primary"
              onClick={() => {
                if (forced && answer) passwordChanged(answer.csrfToken);
                onClose();
              }}
              data-testid="change-password-close"
            >
              {forced ? t('passwordContinue') : t('close')}
            </button>
          ) : (
            <>
              {forced ? (
                <button type="button" onClick={() => void signOut()} data-testid="change-password-sign-out">{t('signOut')}</button>
              ) : (
                <button type="button" onClick={onClose}>{t('cancel')}</button>
              )}
              <button type="submit" className="admin-primary" disabled={busy} data-testid="change-password-submit">{t('passwordSave')}</button>
            </>
          )}
        </div>
      </form>
    </div>
  );
}
