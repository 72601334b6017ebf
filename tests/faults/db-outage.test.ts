// Database faults (QUALITY.md Reliability 8 and 9), server mode only: the database unreachable at start-up
// and for a while at run time (readiness 503, API 503 DB_UNAVAILABLE, recovery by itself), a backend
// terminated mid-transaction (rollback, 503, a retry with the same Idempotency-Key has one effect), and —
// when GCC_TEST_PG_RESTART=1 (CI) — the real PostgreSQL cluster stopped and started.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

const PG = process.env.DATABASE_URL;

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function codeOf(res: Response): Promise<string | undefined> {
  try {
    return ((await res.json()) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** A point inside the sample street's first grid (so a report is in jurisdiction). */
async function pointInStreet(db: TestDb['db']): Promise<{ lon: number; lat: number }> {
  const r = await db.query<{ lon: number; lat: number }>(
    'SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids ORDER BY id LIMIT 1) s',
  );
  return r.rows[0];
}

function report(loc: { lon: number; lat: number }, title = 'fault test') {
  return JSON.stringify({ category: 'environment', title, location: loc });
}

describe.runIf(Boolean(PG))('database faults (pg)', () => {
  describe('unreachable at start-up and at run time (real server process)', () => {
    let t: TestDb;
    let proxy: TcpProxy;
    let child: ChildProcess;
    let base: string;
    beforeAll(async () => {
      t = await freshDb('pg', 'empty');
      const u = new URL(t.url!);
      proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) }, false);
      u.hostname = '127.0.0.1';
      u.port = String(proxy.port);
      child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        env: { ...process.env, DATABASE_URL: u.toString(), PORT: '0', HOST: '127.0.0.1', SEED_SAMPLE: 'false', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      base = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /"port":(\d+)[^\n]*"listening"/.exec(out) ?? /"msg":"listening"[^\n]*"port":(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(`http://127.0.0.1:${m[1]}`);
          }
        });
        child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
      });
    });
    afterAll(async () => {
      child?.kill('SIGTERM');
      await proxy?.close();
      await t?.drop();
    });

    it('serves liveness, answers readiness 503 NOT_READY and API 503 DB_UNAVAILABLE, then recovers by itself', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await codeOf(ready)).toBe('NOT_READY');
      const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody', password: 'whatever1' }) });
      expect(login.status).toBe(503);
      expect(await codeOf(login)).toBe('DB_UNAVAILABLE');
      proxy.up();
      const ms = await waitFor('readiness', async () => (await fetch(`${base}/readyz`)).status === 200, 40_000);
      expect(ms).toBeLessThan(40_000);
    });

    it('goes unready during a run-time outage, refuses writes with 503, and recovers when the database returns', async () => {
      const s = await loginAs(base, t.db, 'dispatcher');
      proxy.down();
      await new Promise((r) => setTimeout(r, 1000));
      // every connection (query pool, LISTEN client of the Socket.IO adapter, …) must survive being cut
      expect(child.exitCode, 'the server process died when its database connections were cut').toBeNull();
      await waitFor('readiness to fail', async () => (await fetch(`${base}/readyz`)).status === 503, 10_000);
      const me = await fetch(`${base}/api/auth/me`, { headers: { cookie: s.cookie } });
      expect(me.status).toBe(503);
      expect(await codeOf(me)).toBe('DB_UNAVAILABLE');
      const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
      const out = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: s.headers });
      expect(out.status).toBe(503);
      proxy.up();
      await waitFor('readiness to return', async () => (await fetch(`${base}/readyz`)).status === 200, 20_000);
      expect((await fetch(`${base}/api/auth/me`, { headers: { cookie: s.cookie } })).status).toBe(200); // session survived: nothing half-done
      const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
      expect(after.rows[0].n).toBe(before.rows[0].n); // the refused logout stored nothing
    });
  });

  describe('a backend terminated mid-transaction', () => {
    let t: TestDb;
    let srv: TestApp;
    let d: Session;
    let admin: pg.Client;
    beforeAll(async () => {
      t = await freshDb('pg', 'sample');
      srv = await startTestApp(t.db, { start: false });
      d = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      admin = new pg.Client({ connectionString: t.url });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
      await srv?.close();
      await t?.drop();
    });

    it('rolls back, answers 503 DB_UNAVAILABLE, and a retry with the same Idempotency-Key has exactly one effect', async () => {
      const hasRoute = (await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: d.headers, body: '{}' })).status !== 404;
      if (!hasRoute) return; // the incident routes are wired by their owner
      const loc = await pointInStreet(t.db);
      const key = `fault-${randomUUID()}`;
      const dbName = new URL(t.url!).pathname.slice(1);
      // hold the incidents table so the server's INSERT waits inside its transaction
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE incidents IN EXCLUSIVE MODE');
      const pending = fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { ...d.headers, 'idempotency-key': key }, body: report(loc, `fault test ${key}`) });
      await waitFor('the server transaction to block', async () => {
        const r = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`, [dbName]);
        return r.rows.length > 0;
      }, 10_000);
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        [dbName],
      );
      expect(killed.rows.length).toBeGreaterThan(0);
      await admin.query('ROLLBACK');
      const res = await pending;
      expect(res.status).toBe(503);
      expect(await codeOf(res)).toBe('DB_UNAVAILABLE');
      const title = `fault test ${key}`;
      const none = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents WHERE title = $1', [title]);
      expect(none.rows[0].n).toBe(0);
      // the pool recovers; the retry stores one incident, a second retry replays it
      const first = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { ...d.headers, 'idempotency-key': key }, body: report(loc, title) });
      expect(first.status).toBe(201);
      const again = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { ...d.headers, 'idempotency-key': key }, body: report(loc, title) });
      expect(again.status).toBe(201);
      expect(((await again.json()) as { id: number }).id).toBe(((await first.json()) as { id: number }).id);
      const one = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents WHERE title = $1', [title]);
      expect(one.rows[0].n).toBe(1);
    });
  });

  /**
   * Stops or starts the PostgreSQL cluster of DATABASE_URL: CI's throwaway cluster through the script .ci/run
   * names in GCC_TEST_PG_CTL_SCRIPT, else Debian's default cluster.
   */
  function pgCluster(action: 'start' | 'stop', opts: { quiet?: boolean } = {}): void {
    const script = process.env.GCC_TEST_PG_CTL_SCRIPT;
    const stdio = opts.quiet ? 'ignore' : 'inherit';
    if (script) execFileSync('bash', [script, action], { stdio });
    else execFileSync('pg_ctlcluster', ['15', 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio });
  }

  describe.runIf(process.env.GCC_TEST_PG_RESTART === '1')('PostgreSQL stopped and started (GCC_TEST_PG_RESTART=1)', () => {
    let t: TestDb;
    let srv: TestApp;
    beforeAll(async () => {
      t = await freshDb('pg', 'sample');
      srv = await startTestApp(t.db, { start: false });
    });
    afterAll(async () => {
      try {
        pgCluster('start', { quiet: true });
      } catch {
        // already running
      }
      await srv?.close();
      await t?.drop();
    });

    it('answers 503 DB_UNAVAILABLE while the cluster is down and recovers by itself after it restarts', async () => {
      const d = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const loc = await pointInStreet(t.db);
      pgCluster('stop');
      try {
        const res = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { ...d.headers, 'idempotency-key': `restart-${randomUUID()}` }, body: report(loc) });
        expect(res.status).toBe(503);
        expect(await codeOf(res)).toBe('DB_UNAVAILABLE');
        expect((await fetch(`${srv.baseUrl}/readyz`)).status).toBe(503);
        expect((await fetch(`${srv.baseUrl}/healthz`)).status).toBe(200);
      } finally {
        pgCluster('start');
      }
      await waitFor('readiness after restart', async () => (await fetch(`${srv.baseUrl}/readyz`)).status === 200, 30_000);
      const key = `restart-${randomUUID()}`;
      const ok = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { ...d.headers, 'idempotency-key': key }, body: report(loc) });
      expect(ok.status).toBe(201);
    });
  });
});
