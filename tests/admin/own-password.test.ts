// Issue 14 item 1 (the person's side of a reset): POST /api/auth/password on every backend. A signed-in
// person of each role changes their own password; the other devices of the account are signed out at once
// (their sessions refused, their sockets dropped), this browser stays signed in under a renewed session
// (new cookie and CSRF token; the old ones stop working); the change is audited without the password; every
// refusal has its stable code; wrong current passwords are rate-limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ROLES } from '../../common/domain';
import type { ChangePasswordAnswer } from '../../common/password';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { changeOwnPassword, login, loginAs, startTestApp, type TestApp } from '../helpers/auth';
import { call, connectSocket, within } from './admin-fixture';
import { createApiToken } from '../../server/auth/api-tokens';

const PATH = '/api/auth/password';

for (const backend of backends()) {
  describe(`changing one's own password (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    const base = () => srv.baseUrl;

    async function auditRows(action: string, userId: number): Promise<Array<{ actor: string; detail: unknown; ip: string | null }>> {
      const r = await t.db.query<{ actor: string; detail: unknown; ip: string | null }>(
        'SELECT actor, detail, ip FROM audit_log WHERE action = $1 AND entity_id = $2 ORDER BY id',
        [action, String(userId)],
      );
      return r.rows.map((x) => ({ ...x, detail: typeof x.detail === 'string' ? JSON.parse(x.detail) : x.detail }));
    }

    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      srv = await startTestApp(t.db);
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('every role changes its own password: the new one signs in, the old one no longer does', async () => {
      for (const role of USER_ROLES) {
        const s = await loginAs(base(), t.db, role, { password: 'old-password-1' });
        const a = await call<ChangePasswordAnswer>(base(), s, 'POST', PATH, { currentPassword: 'old-password-1', newPassword: `new ${role} passphrase` });
        expect(a.status, `${role}: ${JSON.stringify(a.body)}`).toBe(200);
        expect(a.body).toMatchObject({ changed: true, otherSessionsEnded: 0 });
        expect(a.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
        expect(a.headers.get('cache-control')).toBe('no-store');
        await expect(login(base(), s.username, 'old-password-1')).rejects.toThrow(/401/);
        expect((await login(base(), s.username, `new ${role} passphrase`)).identity.role).toBe(role);
      }
    });

    it('ends every other session of the account at once (request and socket), keeps this one, and audits without the password', async () => {
      const here = await loginAs(base(), t.db, 'dispatcher', { username: 'li.change', password: 'handed-out-1' });
      const phone = await login(base(), 'li.change', 'handed-out-1');
      const laptop = await login(base(), 'li.change', 'handed-out-1');
      // warm in the session cache, and a live socket
      expect((await call(base(), phone, 'GET', '/api/auth/me')).status).toBe(200);
      const sock = await connectSocket(base(), phone);
      const mine = await connectSocket(base(), here);

      // warm in the cache too: the old token must stop at once, not after the cache's TTL
      expect((await call(base(), here, 'GET', '/api/auth/me')).status).toBe(200);
      const renewed = await changeOwnPassword(base(), here, '我自己的新密码 2026');
      expect(renewed.cookie).not.toBe(here.cookie);
      expect(renewed.csrf).not.toBe(here.csrf);
      // the other devices, at once
      expect((await call(base(), phone, 'GET', '/api/auth/me')).status).toBe(401);
      expect((await call(base(), laptop, 'GET', '/api/auth/me')).status).toBe(401);
      expect(await within(sock.ended, 2000)).not.toBe('timeout');
      // this browser goes on under the renewed session; whoever copied its old cookie is out, and the old
      // CSRF token does not pass with the new cookie
      expect((await call(base(), renewed, 'GET', '/api/auth/me')).status).toBe(200);
      expect((await call(base(), here, 'GET', '/api/auth/me')).status).toBe(401);
      expect((await call(base(), { ...renewed, csrf: here.csrf }, 'POST', '/api/auth/logout', {})).code).toBe('CSRF_FAILED');
      // the old token's socket is dropped too; a socket with the new cookie connects
      expect(await within(mine.ended, 2000)).not.toBe('timeout');
      const again = await connectSocket(base(), renewed);
      sock.close();
      mine.close();
      again.close();

      const rows = await auditRows('account.password_change', here.identity.userId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: `user:${here.identity.userId}`, detail: { username: 'li.change', otherSessionsEnded: 2, sessionRenewed: true } });
      expect(rows[0].ip).toMatch(/127\.0\.0\.1/);
      const all = JSON.stringify(await t.db.query("SELECT * FROM audit_log WHERE action LIKE 'account.password%'").then((r) => r.rows));
      expect(all).not.toContain('handed-out-1');
      expect(all).not.toContain('我自己的新密码');
    });

    it('refuses with stable codes: wrong current, weak, same as old, unknown fields, no session, an access token', async () => {
      const s = await loginAs(base(), t.db, 'planner', { password: 'planner-pw-1' });
      const wrong = await call(base(), s, 'POST', PATH, { currentPassword: 'not-my-password', newPassword: 'long-enough-1' });
      expect(wrong).toMatchObject({ status: 403, code: 'WRONG_PASSWORD', field: 'body.currentPassword' });
      expect(await auditRows('account.password_change_failed', s.identity.userId)).toHaveLength(1);
      const weak = await call(base(), s, 'POST', PATH, { currentPassword: 'planner-pw-1', newPassword: 'short' });
      expect(weak).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', field: 'body.newPassword' });
      const same = await call(base(), s, 'POST', PATH, { currentPassword: 'planner-pw-1', newPassword: 'planner-pw-1' });
      expect(same).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', field: 'body.newPassword' });
      expect(same.message).toMatch(/different/);
      const extra = await call(base(), s, 'POST', PATH, { currentPassword: 'planner-pw-1', newPassword: 'long-enough-1', userId: 1 });
      expect(extra).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
      const missing = await call(base(), s, 'POST', PATH, { newPassword: 'long-enough-1' });
      expect(missing).toMatchObject({ status: 400, code: 'VALIDATION_ERROR', field: 'body.currentPassword' });
      expect((await call(base(), null, 'POST', PATH, { currentPassword: 'planner-pw-1', newPassword: 'long-enough-1' })).status).toBe(401);
      // no CSRF header: refused before anything
      const noCsrf = await fetch(`${base()}${PATH}`, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: 'planner-pw-1', newPassword: 'long-enough-1' }) });
      expect(noCsrf.status).toBe(403);
      // a personal access token is not a session
      const token = await createApiToken(t.db, { id: s.identity.userId, username: s.username }, 'qgis', 30, srv.clock.now());
      const byToken = await fetch(`${base()}${PATH}`, { method: 'POST', headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ currentPassword: 'planner-pw-1', newPassword: 'long-enough-1' }) });
      expect(byToken.status).toBeGreaterThanOrEqual(400);
      expect(byToken.status).toBeLessThan(500);
      // nothing of the above changed the password
      expect((await login(base(), s.username, 'planner-pw-1')).identity.role).toBe('planner');
      expect(await auditRows('account.password_change', s.identity.userId)).toHaveLength(0);
    });

    it('rate-limits wrong current passwords per account (5 in 15 minutes), not weak new ones', async () => {
      const s = await loginAs(base(), t.db, 'leader', { password: 'leader-pw-1' });
      for (let i = 0; i < 3; i++) expect((await call(base(), s, 'POST', PATH, { currentPassword: 'leader-pw-1', newPassword: 'x' })).code).toBe('VALIDATION_ERROR');
      for (let i = 0; i < 5; i++) expect((await call(base(), s, 'POST', PATH, { currentPassword: `guess-${i}`, newPassword: 'long-enough-1' })).code).toBe('WRONG_PASSWORD');
      const limited = await call(base(), s, 'POST', PATH, { currentPassword: 'leader-pw-1', newPassword: 'long-enough-1' });
      expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      // another account is not affected
      const other = await loginAs(base(), t.db, 'leader', { password: 'leader-pw-2' });
      expect((await call(base(), other, 'POST', PATH, { currentPassword: 'leader-pw-2', newPassword: 'long-enough-2' })).status).toBe(200);
    });

    it('an administrator reset that ended this session wins over a change in flight', async () => {
      const s = await loginAs(base(), t.db, 'dispatcher', { password: 'before-reset-1' });
      // the reset deleted the session rows (as account-service does) while this browser still holds its cookie
      await t.db.query('DELETE FROM sessions WHERE user_id = $1', [s.identity.userId]);
      const a = await call(base(), s, 'POST', PATH, { currentPassword: 'before-reset-1', newPassword: 'after-reset-1' });
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(['UNAUTHENTICATED', 'STALE_VERSION']).toContain(a.code);
      expect((await login(base(), s.username, 'before-reset-1')).username).toBe(s.username);
    });
  });
}
