// The busy intake gathers its next group (INTAKE_GATHER_MS, issue 15 item 1): the client answered by a group
// that sends again at once joins the report already waiting, so both share one intake statement, and a report
// in a quiet moment never waits for the gather window. Every report still has its incident, event and audit row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { createIncidentService, type CommandContext } from '../../server/incidents/incident-service';
import { ReportIncidentSchema } from '../../common/incidents';
import type { Db } from '../../server/db/db';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { IN_A1, loadFixture } from './fixture';

const ctx: CommandContext = { actor: 'user:gather', role: 'dispatcher', personId: null };
const report = (title: string) => ReportIncidentSchema.parse({ category: 'environment', title, location: IN_A1 });
/** Far longer than any statement here: a test that waited for it would show in its time. */
const GATHER_MS = 8000;

/** The Db with its intake statements counted (the group commit's unit). */
function counting(db: Db, seen: { statements: number }): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return (sql: string, params?: readonly unknown[]) => {
        if (sql.trimStart().startsWith('WITH input AS')) seen.statements++;
        return target.query(sql, params);
      };
    },
  });
}

describe.each(backends())('intake gathering on %s', (backend) => {
  let t: TestDb;
  const clock = new ManualClock(new Date('2026-11-26T02:00:00Z'));

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await loadFixture(t.db);
  });
  afterAll(async () => {
    await t.drop();
  });

  it('a report in a quiet moment goes at once', async () => {
    const seen = { statements: 0 };
    const svc = createIncidentService({ db: counting(t.db, seen), clock, intakeGatherMs: GATHER_MS });
    const t0 = performance.now();
    const r = await svc.reportIncident(ctx, report('quiet 1'));
    // a second one after the first was answered: the intake is quiet again (nothing queued when it ended)
    const r2 = await svc.reportIncident(ctx, report('quiet 2'));
    expect(performance.now() - t0).toBeLessThan(GATHER_MS);
    expect([r.status, r2.status]).toEqual([201, 201]);
    expect(seen.statements).toBe(2);
  });

  it('puts the answered client\'s next report in the group with the one that waited', async () => {
    const run = async (gatherMs: number) => {
      const seen = { statements: 0 };
      const svc = createIncidentService({ db: counting(t.db, seen), clock, intakeGatherMs: gatherMs });
      // A goes at once; B arrives while A is in flight; A's client sends C 30 ms after its answer (an HTTP
      // client's turnaround: a later event-loop turn, not a microtask of the answer itself).
      const turnaround = () => new Promise((resolve) => setTimeout(resolve, 30));
      const a = svc.reportIncident(ctx, report(`A ${gatherMs}`)).then(async (r) => {
        await turnaround();
        return [r, await svc.reportIncident(ctx, report(`C ${gatherMs}`))] as const;
      });
      const b = svc.reportIncident(ctx, report(`B ${gatherMs}`));
      const t0 = performance.now();
      const [[ra, rc], rb] = await Promise.all([a, b]);
      return { seen, ms: performance.now() - t0, codes: [ra.body.code, rb.body.code, rc.body.code] };
    };
    const without = await run(0);
    const gathered = await run(GATHER_MS);
    // without gathering: A, then B alone (queued during A), then C alone (sent during B)
    expect(without.seen.statements).toBe(3);
    // gathering: A, then B and C together; C's arrival starts the group, the window is not waited out
    expect(gathered.seen.statements).toBe(2);
    expect(gathered.ms).toBeLessThan(GATHER_MS);
    // each report is its own incident with its reported event and audit row
    const codes = [...without.codes, ...gathered.codes];
    expect(new Set(codes).size).toBe(6);
    const rows = await t.db.query<{ n: number; ev: number; au: number }>(
      `SELECT count(*)::int AS n,
              (SELECT count(*)::int FROM events e WHERE e.type = 'incident.reported' AND e.entity_id IN (SELECT id::text FROM incidents WHERE code = ANY($1))) AS ev,
              (SELECT count(*)::int FROM audit_log a WHERE a.action = 'incident.report' AND a.entity_id IN (SELECT id::text FROM incidents WHERE code = ANY($1))) AS au
         FROM incidents WHERE code = ANY($1)`,
      [codes],
    );
    expect(rows.rows[0]).toEqual({ n: 6, ev: 6, au: 6 });
  });
});
