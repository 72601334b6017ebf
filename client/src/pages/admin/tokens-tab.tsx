// 访问令牌: personal access tokens for QGIS and GDAL (OGC API – Features under /ogc). Every desk role and grid
// workers make their own; the token is shown once (the server keeps only its hash) next to what to paste into
// QGIS; revoking is immediate. An administrator sees and revokes everyone's (a lost laptop).
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ApiTokenInfo, ApiTokenList, NewApiToken } from '../../../../common/api-tokens';
import { api, ApiError } from '../../api/http';
import { useAdminText } from './admin-text';

const LIFETIMES = [30, 90, 180, 365] as const;

function day(iso: string | null): string {
  return iso ? new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10) : '—';
}

function stateOf(t: ApiTokenInfo, nowMs: number): 'active' | 'revoked' | 'expired' {
  if (t.revokedAt) return 'revoked';
  return Date.parse(t.expiresAt) <= nowMs ? 'expired' : 'active';
}

export function TokensTab() {
  const { tx } = useAdminText();
  const [tokens, setTokens] = useState<ApiTokenInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [days, setDays] = useState<number>(90);
  const [created, setCreated] = useState<NewApiToken | null>(null);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const ogcUrl = `${window.location.origin}/ogc`;

  const load = useCallback(async () => {
    try {
      setTokens((await api.get<ApiTokenList>('/api/auth/tokens')).tokens);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const t = await api.post<NewApiToken>('/api/auth/tokens', { name: name.trim(), expiresInDays: days });
      setCreated(t);
      setCopied(false);
      setName('');
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (t: ApiTokenInfo) => {
    if (!window.confirm(tx('tokenRevokeConfirm', { name: t.name }))) return;
    setError(null);
    try {
      await api.delete(`/api/auth/tokens/${t.id}`);
      await load();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };

  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // plain http on the hall's network is not a secure context: the field stays selectable
    }
    setCopied(true);
  };

  const nowMs = Date.now();
  return (
    <section className="admin-tokens" data-testid="tokens-tab">
      <p className="admin-note">{tx('tokenIntro', { url: ogcUrl })}</p>
      <form className="admin-toolbar" onSubmit={(e) => void create(e)}>
        <label>
          {tx('tokenName')}
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={tx('tokenNameHint')} maxLength={80} required data-testid="token-name" />
        </label>
        <label>
          {tx('tokenLifetime')}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="token-days">
            {LIFETIMES.map((d) => <option key={d} value={d}>{tx('tokenDays', { n: d })}</option>)}
          </select>
        </label>
        <button type="submit" className="admin-primary" disabled={busy || name.trim() === ''} data-testid="token-create">{tx('tokenCreate')}</button>
      </form>
      {error && <p className="admin-error" role="alert" data-testid="token-error">{error}</p>}
      {created && (
        <div className="admin-token-once" data-testid="token-once">
          <h3>{tx('tokenOnceTitle', { name: created.name })}</h3>
          <div className="admin-password">
            <input readOnly value={created.token} data-testid="token-secret" onFocus={(e) => e.target.select()} />
            <button type="button" className="admin-primary" onClick={() => void copy(created.token)}>{copied ? tx('copied') : tx('copy')}</button>
          </div>
          <p className="admin-warning" role="alert">{tx('tokenOnceWarning')}</p>
          <ol className="admin-token-steps">
            <li>{tx('tokenStepAuth')}</li>
            <li>{tx('tokenStepHeader')} <code>{created.token.slice(0, 12)}…</code></li>
            <li>{tx('tokenStepUrl')} <code>{ogcUrl}</code></li>
            <li>{tx('tokenStepGdal')} <code>{`ogrinfo --config GDAL_HTTP_HEADERS "Authorization: Bearer …" OAPIF:${ogcUrl}`}</code></li>
          </ol>
          <button type="button" onClick={() => setCreated(null)} data-testid="token-once-close">{tx('close')}</button>
        </div>
      )}
      <div className="admin-table-wrap">
        <table className="admin-table" data-testid="token-table">
          <thead>
            <tr>
              <th>{tx('tokenName')}</th>
              <th>{tx('colUsername')}</th>
              <th>{tx('tokenCreated')}</th>
              <th>{tx('tokenExpires')}</th>
              <th>{tx('tokenLastUsed')}</th>
              <th>{tx('colStatus')}</th>
              <th>{tx('colActions')}</th>
            </tr>
          </thead>
          <tbody>
            {tokens?.length === 0 && (
              <tr><td colSpan={7}>{tx('tokenNone')}</td></tr>
            )}
            {tokens?.map((t) => {
              const state = stateOf(t, nowMs);
              return (
                <tr key={t.id} className={state === 'active' ? undefined : 'is-disabled'} data-testid={`token-row-${t.id}`} data-state={state}>
                  <td>{t.name}</td>
                  <td>{t.username}</td>
                  <td>{day(t.createdAt)}</td>
                  <td>{day(t.expiresAt)}</td>
                  <td>{day(t.lastUsedAt)}</td>
                  <td>{tx(state === 'active' ? 'tokenActive' : state === 'revoked' ? 'tokenRevoked' : 'tokenExpired')}</td>
                  <td>{state === 'active' && <button type="button" onClick={() => void revoke(t)} data-testid={`token-revoke-${t.id}`}>{tx('tokenRevoke')}</button>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
