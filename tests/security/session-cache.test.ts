// The in-process session cache (server/auth/session-cache.ts) through the real HTTP server and Socket.IO
// handshakes, on every backend: it saves the database lookup for repeated requests, and it never accepts what
// the database would refuse except for the documented window — a session ended or a user disabled by another
// process (here: directly in the database, or a second app on its own connection pool) is refused within
// SESSION_CACHE_TTL_MS. Signing out here, expiry and the wall's sliding renewal are exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import type { Db } from '../../server/db/db';
import { openPg } from '../../server/db/pg-driver';
import { hashToken } from '../../server/auth/sessions';
import { SESSION_CACHE_TTL_MS, SessionCache, sessionCacheOf } from '../../server/auth/session-cache';

/** The db with a counter of session lookups (the SELECT … FROM sessions s JOIN users u of lookupSession). */
function countingDb(db: Db): { db: Db; lookups: () => number } {
  let n = 0;
  const wrapped: Db = {
    ...db,
    query: (sql, params) => {
      if (sql.includes('FROM sessions s JOIN users u ON u.id = s.user_id') && sql.includes('WHERE s.id = $1')) n++;
      return db.query(sql, params);
    },
  };
  return { db: wrapped, lookups: () => n };
}

function tokenOf(s: Session): string {
  return s.cookie.slice(s.cookie.indexOf('=') + 1);
}

async function me(baseUrl: string, s: Session): Promise<{ status: number; code?: string; setCookie: string }> {
  const res = await fetch(`${baseUrl}/api/auth/me`, { headers: { cookie: s.cookie } });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code, setCookie: res.headers.getSetCookie().join('\n') };
}

function handshake(baseUrl: string, s: Session): Promise<{ ok: true } | { ok: false; code: string }> {
  const sock: Socket = ioClient(baseUrl, { ...socketAuth(s), reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    sock.on('connect', () => {
      sock.close();
      resolve({ ok: true });
    });
    sock.on('connect_error', (err) => {
      sock.close();
      resolve({ ok: false, code: String((err as Error & { data?: { code?: string } }).data?.code) });
    });
  });
}

describe('SessionCache', () => {
  it('drops an entry after its TTL on the monotonic clock even when the injected clock stands still', async () => {
    const c = new SessionCache(40, 10);
    const entry = { identity: {} as never, session: {} as never, lastSeenAt: 0, cachedAt: 1000 };
    c.set('a', entry);
    expect(c.get('a', 1000)).toBe(entry);
    expect(c.get('a', 1000 + 40)).toBeUndefined(); // injected clock at the TTL
    c.set('a', entry);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.get('a', 1000)).toBeUndefined(); // real time past the TTL, injected clock frozen
    c.set('b', entry);
    expect(c.get('b', 999)).toBeUndefined(); // injected clock moved backwards: not trusted
  });

  it('is bounded and refuses to re-cache an ended session (a lookup racing the sign-out)', () => {
    const c = new SessionCache(60_000, 3);
    const entry = { identity: {} as never, session: {} as never, lastSeenAt: 0, cachedAt: 0 };
    for (const id of ['a', 'b', 'c', 'd']) c.set(id, entry);
    expect(c.size).toBe(3);
    expect(c.get('a', 0)).toBeUndefined();
    c.delete('d');
    c.set('d', entry);
    expect(c.get('d', 0)).toBeUndefined();
  });
});

for (const backend of backends()) {
  describe(`session cache over HTTP and sockets (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    let clock: ManualClock;
    let counted: ReturnType<typeof countingDb>;
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      clock = new ManualClock(new Date('2026-11-26T02:00:00Z'));
      counted = countingDb(t.db);
      srv = await startTestApp(counted.db, { clock });
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('answers repeated requests of one session with one database lookup per SESSION_CACHE_TTL_MS', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const before = counted.lookups();
      for (let i = 0; i < 10; i++) expect((await me(srv.baseUrl, s)).status).toBe(200);
      expect(await handshake(srv.baseUrl, s)).toEqual({ ok: true });
      expect(counted.lookups() - before).toBe(1);
      clock.advance(SESSION_CACHE_TTL_MS);
      expect((await me(srv.baseUrl, s)).status).toBe(200);
      expect(counted.lookups() - before).toBe(2);
    });

    it('refuses a signed-out session at once in the same process, over HTTP and on a socket handshake', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'leader');
      expect((await me(srv.baseUrl, s)).status).toBe(200); // cached now
      expect(await handshake(srv.baseUrl, s)).toEqual({ ok: true });
      const out = await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: s.headers });
      expect(out.status).toBe(204);
      expect(await me(srv.baseUrl, s)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await handshake(srv.baseUrl, s)).toEqual({ ok: false, code: 'UNAUTHENTICATED' });
      // the write path too: the CSRF token of the ended session opens nothing
      const again = await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: s.headers });
      expect(again.status).toBe(401);
    });

    it('refuses the old session at once after a fresh sign-in on the same browser', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'planner', { password: 'planner-pass-cache' });
      expect((await me(srv.baseUrl, s)).status).toBe(200);
      const res = await fetch(`${srv.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: s.cookie },
        body: JSON.stringify({ username: s.username, password: 'planner-pass-cache' }),
      });
      expect(res.status).toBe(200);
      expect((await me(srv.baseUrl, s)).status).toBe(401);
    });

    it('answers 401 SESSION_EXPIRED at the expiry time although the session was cached a moment before', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const row = await t.db.query<{ expires_at: Date | string }>('SELECT expires_at FROM sessions WHERE id = $1', [hashToken(tokenOf(s))]);
      const expiresAt = new Date(row.rows[0].expires_at).getTime();
      clock.set(new Date(expiresAt - 1000));
      expect((await me(srv.baseUrl, s)).status).toBe(200); // looked up and cached 1 s before expiry
      clock.set(new Date(expiresAt));
      expect(await me(srv.baseUrl, s)).toMatchObject({ status: 401, code: 'SESSION_EXPIRED' });
      expect(await handshake(srv.baseUrl, s)).toEqual({ ok: false, code: 'SESSION_EXPIRED' });
    });

    it('still renews a cached wall session when its sliding renewal falls due', async () => {
      const w = await loginAs(srv.baseUrl, t.db, 'wall');
      const id = hashToken(tokenOf(w));
      const start = clock.now().getTime();
      const read = async () =>
        new Date((await t.db.query<{ expires_at: Date | string }>('SELECT expires_at FROM sessions WHERE id = $1', [id])).rows[0].expires_at).getTime();
      const first = await read();
      clock.set(new Date(start + 3_600_000 - 1000));
      expect((await me(srv.baseUrl, w)).setCookie).not.toMatch(/gcc_session=/); // not due yet; cached now
      clock.set(new Date(start + 3_600_000));
      const due = await me(srv.baseUrl, w); // 1 s after caching, but the renewal is due: the database is asked
      expect(due.status).toBe(200);
      expect(due.setCookie).toMatch(/gcc_session=/);
      expect(await read()).toBe(first + 3_600_000);
    });

    it('refuses a session deleted or a user disabled by another process within SESSION_CACHE_TTL_MS', async () => {
      const a = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const b = await loginAs(srv.baseUrl, t.db, 'planner');
      expect((await me(srv.baseUrl, a)).status).toBe(200);
      expect((await me(srv.baseUrl, b)).status).toBe(200);
      // what another node does: its sign-out deletes the row, an administrator disables the account
      await t.db.query('DELETE FROM sessions WHERE id = $1', [hashToken(tokenOf(a))]);
      await t.db.query('UPDATE users SET disabled = true WHERE username = $1', [b.username]);
      // the documented window: this process has not asked the database yet
      expect((await me(srv.baseUrl, a)).status).toBe(200);
      clock.advance(SESSION_CACHE_TTL_MS);
      expect(await me(srv.baseUrl, a)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await me(srv.baseUrl, b)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await handshake(srv.baseUrl, b)).toEqual({ ok: false, code: 'UNAUTHENTICATED' });
    });

    it('keeps the raw token out of the cache key', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'leader');
      expect((await me(srv.baseUrl, s)).status).toBe(200);
      const cache = sessionCacheOf(counted.db);
      expect(cache.get(tokenOf(s), clock.now().getTime())).toBeUndefined();
      expect(cache.get(hashToken(tokenOf(s)), clock.now().getTime())?.identity.username).toBe(s.username);
    });

    if (backend === 'pg') {
      it('two processes on one database: a sign-out on one is refused by the other within the TTL', async () => {
        // a second app with its own connection pool and therefore its own cache, as a second node has
        const otherDb = await openPg({ connectionString: t.url! });
        const other = await startTestApp(otherDb, { clock });
        try {
          const s = await loginAs(srv.baseUrl, t.db, 'dispatcher');
          expect((await me(other.baseUrl, s)).status).toBe(200); // cached on the other node
          expect((await fetch(`${srv.baseUrl}/api/auth/logout`, { method: 'POST', headers: s.headers })).status).toBe(204);
          expect((await me(srv.baseUrl, s)).status).toBe(401); // this node: at once
          clock.advance(SESSION_CACHE_TTL_MS);
          expect((await me(other.baseUrl, s)).status).toBe(401); // the other: within the TTL
        } finally {
          await other.close();
          await otherDb.close();
        }
      });
    }
  });
}
