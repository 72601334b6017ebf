// Identity through the real HTTP and socket paths: login, me, logout, CSRF, Origin, expiry, sliding wall
// sessions, login rate limiting, and Socket.IO handshake authentication with re-checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, login, socketAuth, startTestApp, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { authOf } from '../../server/auth/create-auth';

function connect(baseUrl: string, opts: { cookie?: string; origin?: string }): Socket {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin) headers.origin = opts.origin;
  return ioClient(baseUrl, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
}

function outcome(s: Socket): Promise<{ ok: true } | { ok: false; code: string }> {
  return new Promise((resolve) => {
    s.on('connect', () => resolve({ ok: true }));
    s.on('connect_error', (err) => resolve({ ok: false, code: String((err as Error & { data?: { code?: string } }).data?.code) }));
  });
}

for (const backend of backends()) {
  describe(`auth (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let clock: ManualClock;
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      clock = new ManualClock(new Date('2026-11-26T02:00:00Z'));
      srv = await startTestApp(t.db, { clock, config: { ALLOWED_ORIGINS: 'https://wall.example.org' } });
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('logs in with an httpOnly SameSite=Strict cookie, answers /me, and stores only hashes', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'dispatcher', { password: 'correct horse battery' });
      const res = await fetch(`${srv.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: s.username, password: 'correct horse battery' }),
      });
      const setCookie = res.headers.getSetCookie().join('\n');
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      const me = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: s.cookie } });
      expect(me.status).toBe(200);
      const body = (await me.json()) as { user: { role: string; username: string }; csrfToken: string };
      expect(body.user).toMatchObject({ role: 'dispatcher', username: s.username });
      expect(body.csrfToken).toBe(s.csrf);
      const row = await t.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = $1', [s.username]);
      expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$/);
      const token = s.cookie.split('=')[1];
      const sessions = await t.db.query('SELECT 1 FROM sessions WHERE id = $1', [token]);
      expect(sessions.rows).toHaveLength(0); // the raw token is never stored
      const audit = await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'auth.login' AND actor = $1`, [`user:${s.identity.userId}`]);
      expect(audit.rows.length).toBeGreaterThanOrEqual(1);
    });

    it('refuses a wrong password and an unknown user with the same 401 and audits the failure', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'planner');
      for (const [username, password] of [[s.username, 'wrong-password'], ['nobody_here', 'whatever1']]) {
        const res = await fetch(`${srv.baseUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
          code: 'UNAUTHENTICATED',
          message: 'wrong username or password',
        });
      }
      const failed = await t.db.query(`SELECT 1 FROM audit_log WHERE action = 'auth.login_failed'`);
      expect(failed.rows.length).toBeGreaterThanOrEqual(2);
    });

    it('rejects unknown fields on login and a /me without a session', async () => {
      const res = await fetch(`${srv.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'a', password: 'b', role: 'admin' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'body.role' });
      const me = await fetch(`${srv.baseUrl}/api/auth/me`);
      expect(me.status).toBe(401);
    });

    it('requires the CSRF token and an allowed Origin on cookie-authenticated writes', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'leader');
      const noToken = await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie: s.cookie } });
      expect(noToken.status).toBe(403);
      expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');
      const wrong = await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) } });
      expect(wrong.status).toBe(403);
      const foreign = await fetch(`${srv.baseUrl}/api/auth/logout`, {
        method: 'POST',
        headers: { ...s.headers, origin: 'https://evil.example.com' },
      });
      expect(foreign.status).toBe(403);
      expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('CSRF_FAILED');
      // still signed in after all refused attempts
      expect((await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: s.cookie } })).status).toBe(200);
      const allowed = await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: { ...s.headers, origin: 'https://wall.example.org' } });
      expect(allowed.status).toBe(204);
      expect((await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: s.cookie } })).status).toBe(401);
    });

    it('expires sessions after SESSION_TTL_HOURS with 401 SESSION_EXPIRED; wall sessions slide', async () => {
      const d = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const w = await loginAs(srv.baseUrl, t.db, 'wall');
      const start = clock.now().getTime();
      // the wall display polls /me now and then: each call more than an hour apart renews the session
      for (let day = 1; day <= 100; day += 10) {
        clock.set(new Date(start + day * 86_400_000));
        const me = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: w.cookie } });
        expect(me.status).toBe(200);
      }
      const exp = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: d.cookie } });
      expect(exp.status).toBe(401);
      expect(((await exp.json()) as { error: { code: string } }).error.code).toBe('SESSION_EXPIRED');
      clock.advance(91 * 86_400_000);
      const wallExp = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: w.cookie } });
      expect(((await wallExp.json()) as { error: { code: string } }).error.code).toBe('SESSION_EXPIRED');
    });

    it('rate-limits repeated failed logins with 429 RATE_LIMITED but still lets the right password through elsewhere', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'admin');
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await fetch(`${srv.baseUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: s.username, password: `guess-${i}` }),
        });
        codes.push(res.status);
        if (res.status === 429) expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      }
      expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
      expect(codes.slice(5).every((c) => c === 429)).toBe(true);
      // another account from the same address is not locked out by these failures
      const other = await loginAs(srv.baseUrl, t.db, 'planner');
      expect(other.identity.role).toBe('planner');
    });

    describe('Socket.IO handshake', () => {
      const sockets: Socket[] = [];
      afterAll(() => sockets.forEach((s) => s.close()));

      it('refuses no cookie, a foreign Origin and a signed-out session; accepts the own and allowed origins', async () => {
        const s = await loginAs(srv.baseUrl, t.db, 'wall');
        const none = connect(srv.baseUrl, {});
        sockets.push(none);
        expect(await outcome(none)).toEqual({ ok: false, code: 'UNAUTHENTICATED' });
        const foreign = connect(srv.baseUrl, { cookie: s.cookie, origin: 'https://evil.example.com' });
        sockets.push(foreign);
        expect(await outcome(foreign)).toEqual({ ok: false, code: 'FORBIDDEN' });
        const own = connect(srv.baseUrl, { cookie: s.cookie, origin: srv.baseUrl });
        sockets.push(own);
        expect(await outcome(own)).toEqual({ ok: true });
        const allowed = ioClient(srv.baseUrl, { ...socketAuth(s), extraHeaders: { cookie: s.cookie, origin: 'https://wall.example.org' }, reconnection: false, forceNew: true });
        sockets.push(allowed);
        expect(await outcome(allowed)).toEqual({ ok: true });
        // signing out disconnects the session's sockets, and a reconnect is refused
        const disconnected = new Promise<string>((resolve) => own.on('disconnect', (reason) => resolve(reason)));
        const out = await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: s.headers });
        expect(out.status).toBe(204);
        expect(await disconnected).toBe('io server disconnect');
        const again = connect(srv.baseUrl, { cookie: s.cookie });
        sockets.push(again);
        expect(await outcome(again)).toEqual({ ok: false, code: 'UNAUTHENTICATED' });
      });

      it('disconnects sockets whose session expired at the periodic sweep, and refuses their reconnect', async () => {
        const d = await loginAs(srv.baseUrl, t.db, 'dispatcher');
        const sock = ioClient(srv.baseUrl, { ...socketAuth(d), reconnection: false, forceNew: true });
        sockets.push(sock);
        expect(await outcome(sock)).toEqual({ ok: true });
        const expired = new Promise<unknown>((resolve) => sock.on('session_expired', resolve));
        expect(await authOf(srv.app.io).sweepSockets()).toBe(0);
        clock.advance(13 * 3_600_000);
        expect(await authOf(srv.app.io).sweepSockets()).toBeGreaterThanOrEqual(1);
        expect(await expired).toMatchObject({ code: 'SESSION_EXPIRED' });
        const again = ioClient(srv.baseUrl, { ...socketAuth(d), reconnection: false, forceNew: true });
        sockets.push(again);
        expect(await outcome(again)).toEqual({ ok: false, code: 'SESSION_EXPIRED' });
      });
    });

    it('a fresh login replaces the browser\'s old session (no fixation)', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'planner', { password: 'planner-pass-1' });
      const res = await fetch(`${srv.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: s.cookie },
        body: JSON.stringify({ username: s.username, password: 'planner-pass-1' }),
      });
      expect(res.status).toBe(200);
      expect((await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { cookie: s.cookie } })).status).toBe(401);
      const again = await login(srv.baseUrl, s.username, 'planner-pass-1');
      expect(again.cookie).not.toBe(s.cookie);
    });
  });
}
