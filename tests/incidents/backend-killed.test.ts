// QUALITY.md fault 8 on a PostgreSQL server: the backend running an assignment is terminated mid-transaction.
// The transaction rolls back, the API answers 503 DB_UNAVAILABLE, the pool recovers, and a retry with the same
// Idempotency-Key has exactly one effect. (PGlite is embedded: there is no backend to kill; pg only.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { IN_A1, loadFixture, type Fixture } from './fixture';
import type { IncidentDto } from '../../common/incidents';
import type { ApiErrorBody } from '../../common/errors';

const serverBackends = backends().filter((b) => b === 'pg');

describe.skipIf(serverBackends.length === 0)('a backend terminated mid-transaction (pg)', () => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let locker: pg.Client;

  beforeAll(async () => {
    t = await freshDb('pg', 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db);
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await srv?.close();
    await t?.drop();
  });

  const post = (path: string, body: unknown, key?: string) =>
    fetch(`${srv.baseUrl}${path}`, { method: 'POST', headers: { ...disp.headers, ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });

  it('answers 503, stores nothing, and the retry with the same key assigns once', async () => {
    const inc = (await (await post('/api/incidents', { category: 'safety', title: '燃气泄漏', location: IN_A1 })).json()) as IncidentDto;
    expect((await post(`/api/incidents/${inc.id}/accept`, {})).status).toBe(200);

    // Hold the row so the assignment blocks inside its UPDATE, then kill the backend running it.
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM incidents WHERE id = $1 FOR UPDATE', [inc.id]);
    const pending = post(`/api/incidents/${inc.id}/assign`, { workerId: fx.workerA1 }, 'kill-me-0001');
    let pid: number | undefined;
    for (let i = 0; i < 100 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const r = await locker.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE incidents%'`,
      );
      pid = r.rows[0]?.pid;
    }
    expect(pid).toBeDefined();
    await locker.query('SELECT pg_terminate_backend($1)', [pid]);
    const res = await pending;
    const body = (await res.json()) as ApiErrorBody;
    expect([res.status, body.error.code]).toEqual([503, 'DB_UNAVAILABLE']);
    await locker.query('ROLLBACK');

    const state = await t.db.query<{ status: string; version: number }>('SELECT status, version FROM incidents WHERE id = $1', [inc.id]);
    expect(state.rows[0]).toEqual({ status: 'accepted', version: 2 });
    const key = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'kill-me-0001'`);
    expect(key.rows[0].n).toBe(0);

    // The pool recovered; the retry with the same key has one effect, and a second retry replays it.
    const retry = await post(`/api/incidents/${inc.id}/assign`, { workerId: fx.workerA1 }, 'kill-me-0001');
    expect(retry.status).toBe(200);
    const again = await post(`/api/incidents/${inc.id}/assign`, { workerId: fx.workerA1 }, 'kill-me-0001');
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    const ev = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE entity_id = $1 AND type = 'incident.assigned'`, [String(inc.id)]);
    expect(ev.rows[0].n).toBe(1);
  });
});
