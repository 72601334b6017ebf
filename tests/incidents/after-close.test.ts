// Write paths after close (issue 12 item 4), through the real HTTP server on every backend: a closed case
// takes no reply, no second rating, no photo, no escalation; the one change it takes is an explicit re-open
// with a reason, audited and pushed, after which the loop runs again and the reporter rates the new outcome.
// The resident's tracking page and the refusal details follow the same rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, loadFixture, type Fixture } from './fixture';
import type { IncidentDto } from '../../common/incidents';
import type { ApiErrorBody } from '../../common/errors';

interface Res<T = unknown> {
  status: number;
  body: T;
}

describe.each(backends())('changes to a closed case on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let leader: Session;
  let workerA1: Session;
  let planner: Session;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db, { clock: new ManualClock(new Date()) });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    leader = await loginAs(srv.baseUrl, t.db, 'leader');
    planner = await loginAs(srv.baseUrl, t.db, 'planner');
    workerA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  async function call<T = unknown>(s: Session, method: string, path: string, body?: unknown): Promise<Res<T>> {
    const res = await fetch(`${srv.baseUrl}${path}`, { method, headers: s.headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  }
  const verb = <T = IncidentDto>(s: Session, id: number, v: string, body: unknown = {}) => call<T>(s, 'POST', `/api/incidents/${id}/${v}`, body);

  /** Runs one case through the loop to closed, with the worker of grid A1. */
  async function closedCase(title: string): Promise<IncidentDto> {
    const r = await call<IncidentDto>(disp, 'POST', '/api/incidents', { category: 'environment', title, location: IN_A1 });
    expect(r.status).toBe(201);
    const id = r.body.id;
    for (const [s, v, body] of [
      [disp, 'accept', {}],
      [disp, 'assign', { workerId: fx.workerA1 }],
      [workerA1, 'start', {}],
      [workerA1, 'resolve', { note: '已清理' }],
      [disp, 'verify', { passed: true }],
      [disp, 'close', { reply: '已处理，感谢反映' }],
    ] as const) {
      const res = await verb(s, id, v, body);
      expect(res.status, `${v}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const rated = await verb(disp, id, 'rating', { satisfaction: 2 });
    expect(rated.status).toBe(200);
    return rated.body;
  }

  it('refuses every change to a closed case but a re-open, with a coded error and only the status and version', async () => {
    const inc = await closedCase('after close refusals');
    const before = await t.db.query('SELECT * FROM incidents WHERE id = $1', [inc.id]);
    const attempts: Array<[Session, string, unknown]> = [
      [disp, 'reply', { reply: '改一下答复' }],
      [disp, 'rating', { satisfaction: 5 }],
      [disp, 'escalate', { reason: '再督办' }],
      [disp, 'close', { reply: '再结一次' }],
      [disp, 'assign', { workerId: fx.workerA1 }],
      [disp, 'accept', {}],
      [workerA1, 'start', {}],
      [workerA1, 'resolve', {}],
      [leader, 'verify', { passed: false, note: '不满意' }],
    ];
    for (const [s, v, body] of attempts) {
      const r = await verb<ApiErrorBody>(s, inc.id, v, body);
      expect([v, r.status, r.body.error.code]).toEqual([v, 422, 'INVALID_TRANSITION']);
      expect(r.body.error.message.length).toBeGreaterThan(10);
      expect(r.body.error.details).toEqual({ status: 'closed', version: inc.version });
    }
    const reply = await verb<ApiErrorBody>(disp, inc.id, 'reply', { reply: '改一下答复' });
    expect(reply.body.error.message).toMatch(/re-open/);
    // Nothing changed: not the row, and no event or audit row was written by the refusals.
    expect((await t.db.query('SELECT * FROM incidents WHERE id = $1', [inc.id])).rows).toEqual(before.rows);
    const ev = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE entity_type = 'incident' AND entity_id = $1`, [String(inc.id)]);
    expect(ev.rows[0].n).toBe(inc.version);
    // Photos: the evidence of a closed case is final.
    const form = new FormData();
    form.append('kind', 'after');
    form.append('photo', new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }), 'a.jpg');
    const headers: Record<string, string> = { ...workerA1.headers };
    delete headers['content-type'];
    const photo = await fetch(`${srv.baseUrl}/api/incidents/${inc.id}/photos`, { method: 'POST', headers, body: form });
    expect(photo.status).toBeGreaterThanOrEqual(400);
    expect(photo.status).toBeLessThan(500);
  });

  it('re-opens only explicitly: a reason, a permitted role, an audit row and a pushed event', async () => {
    const inc = await closedCase('re-open me');
    const noReason = await verb<ApiErrorBody>(disp, inc.id, 'reopen', {});
    expect([noReason.status, noReason.body.error.code, noReason.body.error.field]).toEqual([400, 'VALIDATION_ERROR', 'body.reason']);
    for (const s of [workerA1, planner]) {
      const r = await verb<ApiErrorBody>(s, inc.id, 'reopen', { reason: '居民再次反映' });
      expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
    }
    const stale = await verb<ApiErrorBody>(disp, inc.id, 'reopen', { reason: '居民再次反映', expectedVersion: inc.version - 1 });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'STALE_VERSION']);

    const r = await verb(leader, inc.id, 'reopen', { reason: '居民再次反映，问题复发', expectedVersion: inc.version });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'accepted', assigneeId: null, closedAt: null, satisfaction: null, version: inc.version + 1 });
    const audit = await t.db.query<{ action: string; actor: string; reason: string; detail: { reply: string; satisfaction: number; closedAt: string } }>(
      `SELECT action, actor, reason, detail FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [String(inc.id)],
    );
    expect(audit.rows[0]).toMatchObject({ action: 'incident.reopen', reason: '居民再次反映，问题复发', detail: { reply: '已处理，感谢反映', satisfaction: 2 } });
    expect(audit.rows[0].detail.closedAt).toBeTruthy();
    const ev = await t.db.query<{ type: string; reason: string }>(
      `SELECT type, reason FROM events WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
      [String(inc.id)],
    );
    expect(ev.rows[0]).toEqual({ type: 'incident.reopened', reason: '居民再次反映，问题复发' });

    // Re-opening an open case is refused; the rating waits until it is closed again.
    expect((await verb<ApiErrorBody>(disp, inc.id, 'reopen', { reason: '再开' })).body.error.code).toBe('INVALID_TRANSITION');
    expect((await verb<ApiErrorBody>(disp, inc.id, 'rating', { satisfaction: 4 })).body.error.code).toBe('INVALID_TRANSITION');
    // The loop runs again, the reply may be changed while it is open, and the new outcome is rated once.
    for (const [s, v, body] of [
      [disp, 'assign', { workerId: fx.workerA1 }],
      [workerA1, 'start', {}],
      [workerA1, 'resolve', { note: '复查后彻底清理' }],
      [disp, 'verify', { passed: true }],
      [disp, 'reply', { reply: '已彻底处理，感谢再次反映' }],
      [disp, 'close', {}],
      [disp, 'rating', { satisfaction: 4 }],
    ] as const) {
      const res = await verb(s, inc.id, v, body);
      expect(res.status, `${v}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    const again = await verb<ApiErrorBody>(disp, inc.id, 'rating', { satisfaction: 5 });
    expect(again.body.error.code).toBe('INVALID_TRANSITION');
    const row = await t.db.query<{ status: string; satisfaction: number; reply: string }>('SELECT status, satisfaction, reply FROM incidents WHERE id = $1', [inc.id]);
    expect(row.rows[0]).toEqual({ status: 'closed', satisfaction: 4, reply: '已彻底处理，感谢再次反映' });
  });

  it('a refused command on a case outside the worker\'s grid returns nothing of it', async () => {
    // A case in grid B1, closed; the worker of grid A1 tries to re-open it and to reply to it.
    const r = await call<IncidentDto>(disp, 'POST', '/api/incidents', { category: 'environment', title: '外网格的事件', location: { lon: 117.16, lat: 39.2 } });
    expect(r.body.gridId).toBe(fx.gridB1);
    for (const v of ['reopen', 'reply', 'start']) {
      const res = await fetch(`${srv.baseUrl}/api/incidents/${r.body.id}/${v}`, { method: 'POST', headers: workerA1.headers, body: JSON.stringify({ reason: 'x', reply: 'x' }) });
      const text = await res.text();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(text).not.toContain('外网格的事件');
      expect(text).not.toContain(r.body.code);
    }
  });
});
