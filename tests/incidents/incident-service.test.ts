// The closed loop at the service layer, on every backend: transitions, refusals (service and database),
// version conflicts, concurrent assignment, idempotent intake, due times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { createIncidentService, type CommandContext, type IncidentService } from '../../server/incidents/incident-service';
import { ReportIncidentSchema, type ReportIncidentInput } from '../../common/incidents';
import { AppError } from '../../common/errors';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { IN_A1, IN_B1, OUTSIDE, loadFixture, type Fixture } from './fixture';

const dispatcher: CommandContext = { actor: 'user:1', role: 'dispatcher', personId: null };
const otherDispatcher: CommandContext = { actor: 'user:2', role: 'dispatcher', personId: null };

function report(overrides: Partial<ReportIncidentInput> = {}) {
  return ReportIncidentSchema.parse({ category: 'environment', title: '垃圾堆放', location: IN_A1, ...overrides });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

describe.each(backends())('incident service on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let svc: IncidentService;
  const clock = new ManualClock(new Date('2026-11-26T02:00:00Z')); // 10:00 in Tianjin
  let notified = 0;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    svc = createIncidentService({ db: t.db, clock, onCommitted: () => notified++ });
  });
  afterAll(async () => {
    await t.drop();
  });

  const worker = (personId: number): CommandContext => ({ actor: `user:w${personId}`, role: 'worker', personId });

  it('runs the whole loop, with who/when in events and audit, and small-matter due time', async () => {
    const before = notified;
    const r = await svc.reportIncident(dispatcher, report({ reporterName: '张三丰', reporterPhone: '13912345678' }));
    expect(r.status).toBe(201);
    const inc = r.body;
    expect(inc.status).toBe('reported');
    expect(inc.communityId).toBe(fx.communityA);
    expect(inc.gridId).toBe(fx.gridA1);
    expect(inc.reporterName).toBe('张三丰'); // dispatcher sees personal data
    // Reported 10:00 on 26 Nov in Tianjin → due 23:59:59 on 27 Nov local = 15:59:59Z.
    expect(inc.dueAt).toBe('2026-11-27T15:59:59.000Z');
    expect(inc.planDueAt).toBeNull();
    expect(notified).toBeGreaterThan(before);

    clock.advance(60_000);
    let cur = (await svc.acceptIncident(dispatcher, inc.id, { expectedVersion: 1 })).body;
    expect(cur.status).toBe('accepted');
    cur = (await svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerA1 })).body;
    expect([cur.status, cur.assigneeId]).toEqual(['assigned', fx.workerA1]);
    cur = (await svc.startWork(worker(fx.workerA1), inc.id, {})).body;
    expect(cur.status).toBe('in_progress');
    cur = (await svc.resolve(worker(fx.workerA1), inc.id, { note: '已清理' })).body;
    expect([cur.status, cur.resolvedBy]).toEqual(['resolved', `user:w${fx.workerA1}`]);
    // Fails verification once: back to in progress, rework counted.
    cur = (await svc.verify(dispatcher, inc.id, { passed: false, note: '仍有残留' })).body;
    expect([cur.status, cur.reworkCount, cur.resolvedBy]).toEqual(['in_progress', 1, null]);
    await svc.resolve(worker(fx.workerA1), inc.id, {});
    cur = (await svc.verify(dispatcher, inc.id, { passed: true })).body;
    expect([cur.status, cur.verifiedBy]).toEqual(['verified', 'user:1']);
    cur = (await svc.close(dispatcher, inc.id, { reply: '已处理完毕，感谢反映' })).body;
    expect(cur.status).toBe('closed');
    expect(cur.reply).toBe('已处理完毕，感谢反映');
    cur = (await svc.rate(dispatcher, inc.id, { satisfaction: 5 })).body;
    expect(cur.satisfaction).toBe(5);
    expect(cur.version).toBe(10);

    const ev = await t.db.query<{ type: string; version: number; actor: string }>(
      `SELECT type, version, actor FROM events WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`,
      [String(inc.id)],
    );
    expect(ev.rows.map((e) => e.type)).toEqual([
      'incident.reported', 'incident.accepted', 'incident.assigned', 'incident.started', 'incident.resolved',
      'incident.reworked', 'incident.resolved', 'incident.verified', 'incident.closed', 'incident.rated',
    ]);
    expect(ev.rows.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const au = await t.db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE entity_type = 'incident' AND entity_id = $1 ORDER BY id`,
      [String(inc.id)],
    );
    expect(au.rows).toHaveLength(10); // the report + 9 changes (rating included)
    // Event payloads carry no personal data (they are broadcast to the wall).
    const payload = await t.db.query<{ payload: unknown }>(`SELECT payload FROM events WHERE entity_id = $1`, [String(inc.id)]);
    expect(JSON.stringify(payload.rows)).not.toContain('张三丰');
  });

  it('masks reporter name and phone for roles without personal-data access', async () => {
    const r = await svc.reportIncident({ actor: 'user:9', role: 'worker', personId: fx.workerA1 }, report({ reporterName: '张三丰', reporterPhone: '13912345678' }));
    expect(r.body.reporterName).toBe('张**');
    expect(r.body.reporterPhone).toBe('139****5678');
    const stored = await t.db.query<{ reporter_name: string }>('SELECT reporter_name FROM incidents WHERE id = $1', [r.body.id]);
    expect(stored.rows[0].reporter_name).toBe('张三丰');
  });

  it('big matters: plan due in 24 h, case due in 7 days, community leader owns it', async () => {
    const r = (await svc.reportIncident(dispatcher, report({ severity: 'big', location: IN_B1 }))).body;
    expect(r.planDueAt).toBe('2026-11-27T02:01:00.000Z');
    expect(r.dueAt).toBe('2026-12-03T02:01:00.000Z');
    expect(r.leaderId).toBe(fx.leader);
    const planned = (await svc.setPlan(dispatcher, r.id, { plan: '联合城管、物业三日内拆除' })).body;
    expect(planned.plan).toBe('联合城管、物业三日内拆除');
    expect(await codeOf(svc.assignLeader(dispatcher, r.id, { leaderId: fx.workerA1 }))).toBe('VALIDATION_ERROR');
  });

  it('refuses every transition the loop does not allow, in the service', async () => {
    const inc = (await svc.reportIncident(dispatcher, report())).body;
    expect(await codeOf(svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerA1 }))).toBe('INVALID_TRANSITION'); // skip accept
    expect(await codeOf(svc.startWork(dispatcher, inc.id, {}))).toBe('INVALID_TRANSITION');
    expect(await codeOf(svc.resolve(dispatcher, inc.id, {}))).toBe('INVALID_TRANSITION');
    expect(await codeOf(svc.verify(dispatcher, inc.id, { passed: true }))).toBe('INVALID_TRANSITION');
    expect(await codeOf(svc.close(dispatcher, inc.id, { reply: 'x' }))).toBe('INVALID_TRANSITION');
    expect(await codeOf(svc.rate(dispatcher, inc.id, { satisfaction: 3 }))).toBe('INVALID_TRANSITION');
    await svc.acceptIncident(dispatcher, inc.id, {});
    expect(await codeOf(svc.reject(dispatcher, inc.id, { reason: 'dup' }))).toBe('INVALID_TRANSITION');
    expect(await codeOf(svc.acceptIncident(dispatcher, inc.id, {}))).toBe('INVALID_TRANSITION');
    // The rejected state is final.
    const rej = (await svc.reportIncident(dispatcher, report())).body;
    await svc.reject(dispatcher, rej.id, { reason: '重复上报' });
    expect(await codeOf(svc.acceptIncident(dispatcher, rej.id, {}))).toBe('INVALID_TRANSITION');
    const rows = await t.db.query<{ status: string; version: number }>('SELECT status, version FROM incidents WHERE id = $1', [inc.id]);
    expect(rows.rows[0]).toEqual({ status: 'accepted', version: 2 });
  });

  it('refuses illegal status changes in the database too (trigger), whatever the service does', async () => {
    const inc = (await svc.reportIncident(dispatcher, report())).body;
    const direct = (status: string) =>
      t.db.query('UPDATE incidents SET status = $2, version = version + 1 WHERE id = $1', [inc.id, status]);
    for (const skip of ['assigned', 'in_progress', 'resolved', 'verified', 'closed']) {
      const err = await direct(skip).then(() => null, (e: unknown) => e as { hint?: string; message: string });
      expect(err?.hint, `reported → ${skip}`).toBe('INVALID_TRANSITION');
    }
    // And a write that does not advance the version is refused as stale.
    const stale = await t.db.query('UPDATE incidents SET title = $2 WHERE id = $1', [inc.id, 'x']).then(() => null, (e: unknown) => e as { hint?: string });
    expect(stale?.hint).toBe('STALE_VERSION');
    const rows = await t.db.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [inc.id]);
    expect(rows.rows[0].status).toBe('reported');
  });

  it('refuses verification by the handler and by the resolver', async () => {
    const inc = (await svc.reportIncident(dispatcher, report())).body;
    await svc.acceptIncident(dispatcher, inc.id, {});
    await svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerA1 });
    await svc.startWork(worker(fx.workerA1), inc.id, {});
    await svc.resolve(dispatcher, inc.id, {});
    expect(await codeOf(svc.verify(dispatcher, inc.id, { passed: true }))).toBe('INVALID_TRANSITION'); // resolver
    expect(await codeOf(svc.verify(worker(fx.workerA1), inc.id, { passed: true }))).toBe('INVALID_TRANSITION'); // handler
    const ok = await svc.verify(otherDispatcher, inc.id, { passed: true });
    expect(ok.body.status).toBe('verified');
    // Closing needs a reply to the reporter (件件有回音).
    expect(await codeOf(svc.close(dispatcher, inc.id, {}))).toBe('INVALID_TRANSITION');
  });

  it('a worker cannot start someone else\'s task', async () => {
    const inc = (await svc.reportIncident(dispatcher, report())).body;
    await svc.acceptIncident(dispatcher, inc.id, {});
    await svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerA1 });
    // A colleague of the same grid sees the case but may not act on it …
    const colleague: CommandContext = { actor: 'user:colleague', role: 'worker', personId: fx.workerA2, scopeGridId: fx.gridA1 };
    expect(await codeOf(svc.startWork(colleague, inc.id, {}))).toBe('FORBIDDEN');
    // … a worker of another grid does not even learn that it exists.
    expect(await codeOf(svc.startWork({ ...worker(fx.workerA2), scopeGridId: fx.gridA2 }, inc.id, {}))).toBe('NOT_FOUND');
  });

  it('assignment refuses unknown, off-duty and non-assignable people', async () => {
    const inc = (await svc.reportIncident(dispatcher, report())).body;
    await svc.acceptIncident(dispatcher, inc.id, {});
    expect(await codeOf(svc.assignIncident(dispatcher, inc.id, { workerId: 999_999 }))).toBe('NOT_FOUND');
    expect(await codeOf(svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerB2 }))).toBe('WORKER_UNAVAILABLE');
    expect(await codeOf(svc.assignIncident(dispatcher, inc.id, { workerId: fx.buildingHead }))).toBe('WORKER_UNAVAILABLE');
    // someone who has left the roll (离册, a complete roster import) is refused even while marked on duty
    await t.db.query('UPDATE people SET left_at = now(), on_duty = true WHERE id = $1', [fx.workerA2]);
    try {
      expect(await codeOf(svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerA2 }))).toBe('WORKER_UNAVAILABLE');
    } finally {
      await t.db.query('UPDATE people SET left_at = NULL WHERE id = $1', [fx.workerA2]);
    }
    expect(await codeOf(svc.acceptIncident(dispatcher, 999_999, {}))).toBe('NOT_FOUND');
    // Re-assignment needs the current version; with it, it works.
    const a = (await svc.assignIncident(dispatcher, inc.id, { workerId: fx.workerA1 })).body;
    expect(await codeOf(svc.assignIncident(dispatcher, inc.id, { workerId: fx.volunteer }))).toBe('ASSIGNMENT_CONFLICT');
    const b = (await svc.assignIncident(dispatcher, inc.id, { workerId: fx.volunteer, expectedVersion: a.version })).body;
    expect(b.assigneeId).toBe(fx.volunteer);
  });

  it('a stale version is refused with the current state and nothing is overwritten', async () => {
    const inc = (await svc.reportIncident(dispatcher, report())).body;
    await svc.acceptIncident(dispatcher, inc.id, {});
    await svc.reply(dispatcher, inc.id, { reply: '已受理' });
    let err: AppError | undefined;
    await svc.reply(otherDispatcher, inc.id, { reply: '覆盖', expectedVersion: 2 }).catch((e: AppError) => (err = e));
    expect(err?.code).toBe('STALE_VERSION');
    expect((err?.details as { current: { version: number; reply: string } }).current).toMatchObject({ version: 3, reply: '已受理' });
    const row = await t.db.query<{ reply: string }>('SELECT reply FROM incidents WHERE id = $1', [inc.id]);
    expect(row.rows[0].reply).toBe('已受理');
  });

  it('fifty simultaneous assigns: exactly one wins, 49 get ASSIGNMENT_CONFLICT with the current state (20 rounds)', async () => {
    for (let round = 0; round < 20; round++) {
      const inc = (await svc.reportIncident(dispatcher, report())).body;
      await svc.acceptIncident(dispatcher, inc.id, {});
      const people = [fx.workerA1, fx.workerA2, fx.workerB1, fx.volunteer];
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          svc.assignIncident({ actor: `user:${100 + i}`, role: 'dispatcher', personId: null }, inc.id, { workerId: people[i % people.length] }),
        ),
      );
      const wins = results.filter((r) => r.status === 'fulfilled');
      const losses = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(wins, `round ${round}`).toHaveLength(1);
      const winner = (wins[0] as PromiseFulfilledResult<{ body: { assigneeId: number; version: number } }>).value.body;
      for (const l of losses) {
        expect(l.reason).toBeInstanceOf(AppError);
        expect((l.reason as AppError).code).toBe('ASSIGNMENT_CONFLICT');
        expect(((l.reason as AppError).details as { current: { assigneeId: number; version: number } }).current).toMatchObject({
          assigneeId: winner.assigneeId,
          version: winner.version,
        });
      }
      const ev = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE entity_id = $1 AND type = 'incident.assigned'`,
        [String(inc.id)],
      );
      expect(ev.rows[0].n).toBe(1);
    }
  });

  it('an idempotent report is stored once and answered the same, also for 20 concurrent retries', async () => {
    const key = 'report-key-0001';
    const ctx = { ...dispatcher, idempotencyKey: key };
    const a = await svc.reportIncident(ctx, report({ title: '幂等' }));
    const b = await svc.reportIncident(ctx, report({ title: '幂等' }));
    expect(b.replayed).toBe(true);
    expect(b.body).toEqual(a.body);
    expect(b.status).toBe(201);
    expect(await codeOf(svc.reportIncident(ctx, report({ title: '不同' })))).toBe('IDEMPOTENCY_MISMATCH');

    const ctx2 = { ...dispatcher, idempotencyKey: 'report-key-0002' };
    const all = await Promise.all(Array.from({ length: 20 }, () => svc.reportIncident(ctx2, report({ title: '并发幂等' }))));
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    expect(all.filter((r) => !r.replayed)).toHaveLength(1);
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE title = '并发幂等'`);
    expect(n.rows[0].n).toBe(1);
  });

  it('a burst of concurrent reports shares commits yet each keeps its own answer, key, event and audit row', async () => {
    const tag = `burst-${backend}`;
    const calls = Array.from({ length: 40 }, (_, i) => {
      const ctx = { ...dispatcher, actor: `user:${200 + (i % 3)}`, idempotencyKey: i % 10 === 9 ? `${tag}-same` : `${tag}-${i}` };
      const body = report({ title: tag, location: i % 7 === 3 ? OUTSIDE : IN_A1, description: i % 10 === 9 ? 'same' : `n${i}` });
      return svc.reportIncident(ctx, body).then((r) => ({ i, r, code: 'ok' }), (e: AppError) => ({ i, r: null, code: e.code }));
    });
    const all = await Promise.all(calls);
    for (const a of all) {
      if (a.i % 7 === 3) expect(a.code, `call ${a.i}`).toBe('OUT_OF_JURISDICTION');
      else expect(a.code, `call ${a.i}`).toBe('ok');
    }
    const stored = await t.db.query<{ id: number; description: string }>('SELECT id, description FROM incidents WHERE title = $1', [tag]);
    const okCalls = all.filter((a) => a.code === 'ok');
    // Same key + same actor + same body → one incident; calls 9, 19, 29, 39 use actors 200..202 in turn.
    const distinct = new Set(okCalls.map((a) => a.r?.body.id));
    expect(stored.rows.length).toBe(distinct.size);
    for (const a of okCalls) expect(stored.rows.some((r) => r.id === a.r?.body.id)).toBe(true);
    const ev = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'incident.reported' AND entity_id = ANY($1::text[])`,
      [stored.rows.map((r) => String(r.id))],
    );
    const au = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'incident.report' AND entity_id = ANY($1::text[])`,
      [stored.rows.map((r) => String(r.id))],
    );
    expect([ev.rows[0].n, au.rows[0].n]).toEqual([stored.rows.length, stored.rows.length]);
  });

  it('a point outside every community is OUT_OF_JURISDICTION and stores nothing', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    expect(await codeOf(svc.reportIncident(dispatcher, report({ location: OUTSIDE })))).toBe('OUT_OF_JURISDICTION');
    const batch = [report(), report({ location: OUTSIDE })];
    let err: AppError | undefined;
    await svc.reportBatch(dispatcher, batch).catch((e: AppError) => (err = e));
    expect([err?.code, err?.field]).toEqual(['OUT_OF_JURISDICTION', 'body.reports.1.location']);
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('stores a description with markup verbatim, as text', async () => {
    const xss = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    const r = (await svc.reportIncident(dispatcher, report({ description: xss }))).body;
    expect(r.description).toBe(xss);
    const row = await t.db.query<{ description: string }>('SELECT description FROM incidents WHERE id = $1', [r.id]);
    expect(row.rows[0].description).toBe(xss);
  });
});
