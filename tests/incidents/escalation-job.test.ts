// 督办: the escalation job raises overdue open cases one level per day overdue, big matters without a plan
// after 24 h, idempotently per level, with an event and audit row by system:escalation. Time is a ManualClock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { createIncidentService, type CommandContext, type IncidentService } from '../../server/incidents/incident-service';
import { createEscalationJob, targetLevel, type EscalationJob } from '../../server/incidents/escalation-job';
import { ReportIncidentSchema } from '../../common/incidents';
import { createLogger } from '../../server/logger';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { IN_A1, loadFixture } from './fixture';

const dispatcher: CommandContext = { actor: 'user:1', role: 'dispatcher', personId: null };
const HOUR = 3600_000;

describe('targetLevel', () => {
  it('is 0 before the due time, then 1 + whole days overdue, capped at 3', () => {
    const due = new Date('2026-11-27T15:59:59Z');
    expect(targetLevel(new Date(due.getTime() - 1), due, false)).toBe(0);
    expect(targetLevel(new Date(due.getTime() + 1), due, false)).toBe(1);
    expect(targetLevel(new Date(due.getTime() + 25 * HOUR), due, false)).toBe(2);
    expect(targetLevel(new Date(due.getTime() + 30 * 24 * HOUR), due, false)).toBe(3);
    expect(targetLevel(new Date(due.getTime() - HOUR), due, true)).toBe(1);
  });
});

describe.each(backends())('escalation job on %s', (backend) => {
  let t: TestDb;
  let svc: IncidentService;
  let job: EscalationJob;
  const clock = new ManualClock(new Date('2026-11-26T02:00:00Z'));

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await loadFixture(t.db);
    svc = createIncidentService({ db: t.db, clock });
    job = createEscalationJob({ db: t.db, clock, service: svc, logger: createLogger('silent') });
  });
  afterAll(async () => {
    await job.stop();
    await t.drop();
  });

  const level = async (id: number) =>
    (await t.db.query<{ escalation_level: number }>('SELECT escalation_level FROM incidents WHERE id = $1', [id])).rows[0].escalation_level;

  it('escalates overdue small matters per day overdue, once per level, and leaves closed ones alone', async () => {
    const small = (await svc.reportIncident(dispatcher, ReportIncidentSchema.parse({ category: 'care', title: '独居老人求助', location: IN_A1 }))).body;
    const rejected = (await svc.reportIncident(dispatcher, ReportIncidentSchema.parse({ category: 'care', title: '重复', location: IN_A1 }))).body;
    await svc.reject(dispatcher, rejected.id, { reason: '重复上报' });
    expect(await job.runOnce()).toBe(0);
    clock.set(new Date(new Date(small.dueAt).getTime() + 1000)); // just past the end of the next day
    expect(await job.runOnce()).toBe(1);
    expect(await level(small.id)).toBe(1);
    expect(await job.runOnce()).toBe(0); // idempotent per level
    expect(await level(small.id)).toBe(1);
    clock.advance(24 * HOUR);
    expect(await job.runOnce()).toBe(1);
    expect(await level(small.id)).toBe(2);
    expect(await level(rejected.id)).toBe(0);
    const ev = await t.db.query<{ actor: string; type: string }>(
      `SELECT actor, type FROM events WHERE entity_id = $1 AND type = 'incident.escalated' ORDER BY id`,
      [String(small.id)],
    );
    expect(ev.rows).toEqual([
      { actor: 'system:escalation', type: 'incident.escalated' },
      { actor: 'system:escalation', type: 'incident.escalated' },
    ]);
    const au = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE entity_id = $1 AND action = 'incident.escalate' AND actor = 'system:escalation'`,
      [String(small.id)],
    );
    expect(au.rows[0].n).toBe(2);
  });

  it('escalates a big matter with no plan after 24 h, but not one with a plan', async () => {
    clock.set(new Date('2026-12-10T02:00:00Z'));
    const big = (await svc.reportIncident(dispatcher, ReportIncidentSchema.parse({ category: 'safety', severity: 'big', title: '违建', location: IN_A1 }))).body;
    const planned = (await svc.reportIncident(dispatcher, ReportIncidentSchema.parse({ category: 'safety', severity: 'big', title: '违建2', location: IN_A1 }))).body;
    await svc.setPlan(dispatcher, planned.id, { plan: '三日内联合执法' });
    clock.advance(23 * HOUR);
    await job.runOnce();
    expect([await level(big.id), await level(planned.id)]).toEqual([0, 0]);
    clock.advance(2 * HOUR);
    await job.runOnce();
    expect([await level(big.id), await level(planned.id)]).toEqual([1, 0]);
  });
});
