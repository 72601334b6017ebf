// The grid worker's phone API on every backend: inbox, 接单, start/resolve with idempotency keys (a queued
// retry from the phone applies once), rework after a failed verification, patrol reports with 随手办, the duty
// switch, the device session, and scope (a worker of grid A cannot read or change grid B's tasks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, IN_B1, loadFixture, type Fixture } from '../incidents/fixture';
import type { IncidentDto, IncidentDetailDto } from '../../common/incidents';
import type { ApiErrorBody } from '../../common/errors';
import { sessionTtlMs } from '../../server/auth/sessions';

describe.each(backends())('field (phone) API on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let wA1: Session;
  let wB1: Session;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db, { clock: new ManualClock(new Date()) });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    wA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
    wB1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerB1, scopeGridId: fx.gridB1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  async function call<T = unknown>(s: Session, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const res = await fetch(`${srv.baseUrl}${path}`, { method, headers: { ...s.headers, ...extra }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  }
  async function assigned(worker: number, at: { lon: number; lat: number } = IN_A1): Promise<IncidentDto> {
    const r = await call<IncidentDto>(disp, 'POST', '/api/incidents', { category: 'environment', title: '垃圾堆放', location: at });
    await call(disp, 'POST', `/api/incidents/${r.body.id}/accept`, {});
    const a = await call<IncidentDto>(disp, 'POST', `/api/incidents/${r.body.id}/assign`, { workerId: worker });
    expect(a.status).toBe(200);
    return a.body;
  }

  it('a worker session is a long-lived device session; other desk roles keep the short TTL', () => {
    const cfg = { SESSION_TTL_HOURS: 12, WALL_SESSION_TTL_DAYS: 90 };
    expect(sessionTtlMs('worker', cfg)).toBe(30 * 86_400_000);
    expect(sessionTtlMs('dispatcher', cfg)).toBe(12 * 3_600_000);
  });

  it('inbox lists my tasks only; ack → start → resolve; a retried resolve with the same key applies once', async () => {
    const mine = await assigned(fx.workerA1);
    const theirs = await assigned(fx.workerB1, IN_B1);
    const inbox = await call<{ items: IncidentDto[] }>(wA1, 'GET', '/api/field/tasks');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.map((i) => i.id)).toContain(mine.id);
    expect(inbox.body.items.map((i) => i.id)).not.toContain(theirs.id);

    const ack = await call<IncidentDto>(wA1, 'POST', `/api/field/tasks/${mine.id}/ack`, {});
    expect([ack.status, ack.body.status]).toEqual([200, 'assigned']);
    expect(ack.body.acknowledgedAt).not.toBeNull();
    const again = await call<ApiErrorBody>(wA1, 'POST', `/api/field/tasks/${mine.id}/ack`, {});
    expect([again.status, again.body.error.code]).toEqual([422, 'INVALID_TRANSITION']);

    const s = await call<IncidentDto>(wA1, 'POST', `/api/incidents/${mine.id}/start`, {}, { 'idempotency-key': 'phone-start-0001' });
    expect(s.body.status).toBe('in_progress');
    const key = { 'idempotency-key': 'phone-resolve-0001' };
    const r1 = await call<IncidentDto>(wA1, 'POST', `/api/incidents/${mine.id}/resolve`, { note: '已清理' }, key);
    const r2 = await call<IncidentDto>(wA1, 'POST', `/api/incidents/${mine.id}/resolve`, { note: '已清理' }, key);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect(r2.headers.get('idempotent-replayed')).toBe('true');
    expect(r2.body.version).toBe(r1.body.version);
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE entity_id = $1 AND type = 'incident.resolved'`, [mine.id]);
    expect(n.rows[0].n).toBe(1);

    // Verification rejects: the task is back in progress on the phone (返工), and can be resolved again.
    const v = await call<IncidentDto>(disp, 'POST', `/api/incidents/${mine.id}/verify`, { passed: false, note: '还有残留' });
    expect([v.body.status, v.body.reworkCount]).toEqual(['in_progress', 1]);
    const detail = await call<IncidentDetailDto>(wA1, 'GET', `/api/field/tasks/${mine.id}`);
    expect(detail.body.status).toBe('in_progress');
    expect(detail.body.history.map((h) => h.type)).toContain('incident.reworked');
    const r3 = await call<IncidentDto>(wA1, 'POST', `/api/incidents/${mine.id}/resolve`, { note: '已彻底清理' }, { 'idempotency-key': 'phone-resolve-0002' });
    expect(r3.body.status).toBe('resolved');
  });

  it('a worker of grid A can neither read nor change a task of grid B', async () => {
    const theirs = await assigned(fx.workerB1, IN_B1);
    const inboxB = await call<{ items: IncidentDto[] }>(wB1, 'GET', '/api/field/tasks');
    expect(inboxB.body.items.map((i) => i.id)).toContain(theirs.id);
    const read = await call<ApiErrorBody>(wA1, 'GET', `/api/field/tasks/${theirs.id}`);
    expect(read.status).toBe(404);
    // Another grid's case answers as one that does not exist (a 403 naming it would give its code away).
    const readDesk = await call<ApiErrorBody>(wA1, 'GET', `/api/incidents/${theirs.id}`);
    expect(readDesk.status).toBe(404);
    expect(JSON.stringify(readDesk.body)).not.toContain(theirs.code);
    const route = await call<ApiErrorBody>(wA1, 'GET', `/api/field/tasks/${theirs.id}/route?lon=117.12&lat=39.2`);
    expect(route.status).toBe(404);
    for (const [path, body] of [
      [`/api/field/tasks/${theirs.id}/ack`, {}],
      [`/api/incidents/${theirs.id}/start`, {}],
    ] as const) {
      const res = await call<ApiErrorBody>(wA1, 'POST', path, body);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, 'NOT_FOUND']);
      expect(JSON.stringify(res.body)).not.toContain(theirs.code);
    }
    const row = await t.db.query<{ status: string; acknowledged_at: unknown }>('SELECT status, acknowledged_at FROM incidents WHERE id = $1', [theirs.id]);
    expect(row.rows[0]).toEqual({ status: 'assigned', acknowledged_at: null });
    // Dispatcher-only verbs stay closed to workers.
    const verify = await call<ApiErrorBody>(wA1, 'POST', `/api/incidents/${theirs.id}/assign`, { workerId: fx.workerA1 });
    expect(verify.status).toBe(403);
  });

  it('patrol report is routed by point-in-polygon with source patrol; 随手办 self-assigns and starts, once per key', async () => {
    const body = { category: 'environment', title: '井盖松动', location: IN_A1, note: '巡查发现', fixOnSpot: true };
    const key = { 'idempotency-key': 'patrol-0001-abcdef' };
    const a = await call<IncidentDto>(wA1, 'POST', '/api/field/patrol', body, key);
    expect(a.status).toBe(201);
    expect([a.body.gridId, a.body.status, a.body.assigneeId, a.body.source]).toEqual([fx.gridA1, 'in_progress', fx.workerA1, 'patrol']);
    const b = await call<IncidentDto>(wA1, 'POST', '/api/field/patrol', body, key);
    expect(b.body.id).toBe(a.body.id);
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE title = '井盖松动'`);
    expect(n.rows[0].n).toBe(1);
    // Fixed on the spot still needs verification by someone else: the reporter cannot verify.
    await call(wA1, 'POST', `/api/incidents/${a.body.id}/resolve`, { note: '已固定' });
    const selfVerify = await call<ApiErrorBody>(wA1, 'POST', `/api/incidents/${a.body.id}/verify`, { passed: true });
    expect(selfVerify.status).toBe(403);

    // Plain report in another grid: stored and routed there; 随手办 outside my grid is refused after storing.
    const elsewhere = await call<IncidentDto>(wA1, 'POST', '/api/field/patrol', { category: 'environment', title: '路灯不亮', location: IN_B1 });
    expect([elsewhere.status, elsewhere.body.gridId, elsewhere.body.status]).toEqual([201, fx.gridB1, 'reported']);
    const fixThere = await call<ApiErrorBody>(wA1, 'POST', '/api/field/patrol', { category: 'environment', title: '路灯不亮2', location: IN_B1, fixOnSpot: true });
    expect(fixThere.status).toBe(403);
    const bad = await call<ApiErrorBody>(wA1, 'POST', '/api/field/patrol', { category: 'environment', title: 'x', location: { lon: 500, lat: 1 } });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('duty switch changes only my own person; me answers my grid', async () => {
    const off = await call<{ onDuty: boolean }>(wA1, 'POST', '/api/field/duty', { onDuty: false });
    expect(off.body.onDuty).toBe(false);
    const rows = await t.db.query<{ id: number; on_duty: boolean }>('SELECT id, on_duty FROM people WHERE id = ANY($1::int[]) ORDER BY id', [[fx.workerA1, fx.workerB1]]);
    expect(rows.rows.find((r) => r.id === fx.workerA1)?.on_duty).toBe(false);
    expect(rows.rows.find((r) => r.id === fx.workerB1)?.on_duty).toBe(true);
    await call(wA1, 'POST', '/api/field/duty', { onDuty: true });
    const me = await call<{ personId: number; gridId: number; onDuty: boolean }>(wA1, 'GET', '/api/field/me');
    expect([me.body.personId, me.body.gridId, me.body.onDuty]).toEqual([fx.workerA1, fx.gridA1, true]);
    const deskRole = await call<ApiErrorBody>(disp, 'GET', '/api/field/tasks');
    expect(deskRole.status).toBe(403);
  });
});
