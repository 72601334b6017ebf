// Every route and socket command refuses the unauthenticated (401) and every role it does not allow (403),
// through the real HTTP and socket paths. The route list comes from the Express router stack at test time,
// so routes added later are covered automatically; a route with no declared policy fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { USER_ROLES, type UserRole } from '../../common/domain';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { listRoutes, type RouteEntry } from '../../server/auth/route-inventory';
import { GUARDED_PREFIXES, ROUTE_POLICIES, SOCKET_COMMAND_POLICIES } from '../../server/auth/route-policy';
import { hashToken } from '../../server/auth/sessions';

/** A concrete URL for an Express path pattern: params → "1", wildcards → "x", optional groups dropped. */
function concrete(path: string): string {
  return path
    .replace(/\{[^}]*\}/g, '')
    .replace(/:[A-Za-z0-9_]+/g, '1')
    .replace(/\*[A-Za-z0-9_]*/g, 'x');
}

const OPEN311_CODES: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' };

async function call(baseUrl: string, r: RouteEntry, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const write = r.method !== 'GET';
  const sample = ROUTE_POLICIES.find((p) => p.method === r.method && p.path === r.path)?.sample;
  const res = await fetch(`${baseUrl}${sample?.path ?? concrete(r.path)}`, {
    method: r.method,
    headers: { ...headers, ...(write ? { 'content-type': 'application/json' } : {}) },
    body: write ? JSON.stringify(sample?.body ?? {}) : undefined,
    redirect: 'manual',
  });
  const text = await res.text();
  let code: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: string }; code?: string } | Array<{ code?: number }>;
    // Open311 answers errors in its own spec format: [{ code: <http status>, description }]; OGC API -
    // Features in its exception shape { code, description } with our code
    code = Array.isArray(body) ? OPEN311_CODES[Number(body[0]?.code)] : body.error?.code ?? body.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

for (const backend of backends()) {
  describe(`route permissions (${backend})`, () => {
    let t: TestDb;
    let srv: TestApp;
    const sessions = new Map<UserRole, Session>();
    let routes: RouteEntry[] = [];
    beforeAll(async () => {
      t = await freshDb(backend, 'sample');
      srv = await startTestApp(t.db);
      for (const role of USER_ROLES) sessions.set(role, await loginAs(srv.baseUrl, t.db, role));
      routes = listRoutes(srv.app.app).filter((r) => GUARDED_PREFIXES.some((p) => r.path.startsWith(p)));
    });
    afterAll(async () => {
      await srv.close();
      await t.drop();
    });

    it('finds the routes, and every /api, /open311 and /ogc route declares who may call it', () => {
      expect(routes.length).toBeGreaterThanOrEqual(4);
      expect(routes.some((r) => r.method === 'POST' && r.path === '/api/auth/login')).toBe(true);
      const undeclared = routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.path}`);
      expect(undeclared, 'declare these with requireRole/publicRoute or in server/auth/route-policy.ts').toEqual([]);
    });

    it('answers 401 to every non-public route without a session', async () => {
      const wrong: string[] = [];
      for (const r of routes.filter((x) => x.access !== 'public')) {
        const got = await call(srv.baseUrl, r, {});
        if (got.status !== 401 || got.code !== 'UNAUTHENTICATED') wrong.push(`${r.method} ${r.path} → ${got.status} ${got.code}`);
      }
      expect(wrong).toEqual([]);
    });

    it('answers 403 FORBIDDEN to every role a route does not allow, and lets an allowed role past the guard', async () => {
      const wrong: string[] = [];
      let refusals = 0;
      for (const r of routes) {
        if (r.access === 'public' || r.access === undefined) continue;
        const allowed = r.access;
        for (const role of USER_ROLES) {
          const s = sessions.get(role)!;
          if (r.path === '/api/auth/logout') continue;
          const got = await call(srv.baseUrl, r, { cookie: s.cookie, 'x-csrf-token': s.csrf });
          if (!allowed.includes(role)) {
            refusals++;
            if (got.status !== 403 || got.code !== 'FORBIDDEN') wrong.push(`${role} ${r.method} ${r.path} → ${got.status} ${got.code} (want 403 FORBIDDEN)`);
          } else if (role !== 'worker' && (got.status === 401 || got.code === 'FORBIDDEN' || got.code === 'CSRF_FAILED')) {
            // a worker may still be refused a row outside its grid: only the street roles must pass
            wrong.push(`${role} ${r.method} ${r.path} → ${got.status} ${got.code} (allowed role refused)`);
          }
        }
      }
      expect(wrong).toEqual([]);
      expect(refusals).toBeGreaterThan(0);
    });

    it('answers 401 SESSION_EXPIRED to every non-public route with an expired session', async () => {
      const s = await loginAs(srv.baseUrl, t.db, 'admin');
      const token = s.cookie.slice(s.cookie.indexOf('=') + 1);
      await t.db.query('UPDATE sessions SET expires_at = $2 WHERE id = $1', [hashToken(token), new Date(srv.clock.now().getTime() - 1000)]);
      const wrong: string[] = [];
      for (const r of routes.filter((x) => x.access !== 'public')) {
        const got = await call(srv.baseUrl, r, { cookie: s.cookie, 'x-csrf-token': s.csrf });
        // Open311's spec error format carries only the HTTP status: 401 is all it can say
        const want = r.path.startsWith('/open311/') ? 'UNAUTHENTICATED' : 'SESSION_EXPIRED';
        if (got.status !== 401 || got.code !== want) wrong.push(`${r.method} ${r.path} → ${got.status} ${got.code}`);
      }
      expect(wrong).toEqual([]);
    });

    it('public routes answer without a session', async () => {
      for (const r of routes.filter((x) => x.access === 'public')) {
        const got = await call(srv.baseUrl, r, {});
        expect(got.status, `${r.method} ${r.path}`).not.toBe(401);
      }
    });

    describe('socket commands', () => {
      const open: Socket[] = [];
      afterAll(() => open.forEach((s) => s.close()));

      it('refuses the unauthenticated handshake before any command can be sent', async () => {
        const s = ioClient(srv.baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true });
        open.push(s);
        const err = await new Promise<{ code?: string }>((resolve) => {
          s.on('connect', () => resolve({ code: 'CONNECTED' }));
          s.on('connect_error', (e) => resolve((e as Error & { data?: { code?: string } }).data ?? {}));
        });
        expect(err.code).toBe('UNAUTHENTICATED');
      });

      it('refuses every socket command to every role it does not allow', async () => {
        let checked = 0;
        const wrong: string[] = [];
        for (const role of USER_ROLES) {
          const denied = Object.entries(SOCKET_COMMAND_POLICIES).filter(([, p]) => !p.roles.includes(role));
          if (denied.length === 0) continue;
          const s = ioClient(srv.baseUrl, { ...socketAuth(sessions.get(role)!), reconnection: false, forceNew: true });
          open.push(s);
          await new Promise<void>((resolve, reject) => {
            s.on('connect', () => resolve());
            s.on('connect_error', reject);
          });
          for (const [command, policy] of denied) {
            const ack = (await s.timeout(5000).emitWithAck(command, policy.sample)) as { ok: boolean; error?: { code: string } };
            checked++;
            if (ack.ok || ack.error?.code !== 'FORBIDDEN') wrong.push(`${role} ${command} → ${JSON.stringify(ack)}`);
          }
          s.close();
        }
        expect(wrong).toEqual([]);
        expect(checked).toBeGreaterThan(0);
      });
    });
  });
}
