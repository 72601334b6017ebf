// npm run simulate also files reports as residents through the public API (issue 13 item 7, the resident
// part): the simulator solves the proof of work like the page does, and the reports arrive as incidents of
// source 'resident', labelled 【模拟】, each with its tracking code, and walk through the closed loop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulation } from '../../server/simulator/run-simulation';
import { systemClock } from '../../server/clock';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';

describe.each(backends())('simulated residents (%s)', { timeout: 180_000 }, (backend) => {
  let t: TestDb;
  let srv: TestApp;
  let dispatcher: Session;
  let leader: Session;
  beforeAll(async () => {
    t = await freshDb(backend, 'sample');
    srv = await startTestApp(t.db, { clock: systemClock, config: { RESIDENT_POW_BITS: 12 } });
    dispatcher = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    leader = await loginAs(srv.baseUrl, t.db, 'leader');
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('sends resident reports through the public API and walks them through the loop', async () => {
    const summary = await runSimulation({
      url: srv.baseUrl,
      username: dispatcher.username,
      password: dispatcher.password,
      verifierUsername: leader.username,
      verifierPassword: leader.password,
      speed: 3600,
      rate: 6,
      simulatedHours: 8,
      durationS: 60,
      start: new Date('2026-11-26T00:00:00Z'),
      seed: 7,
      residentShare: 1,
      backlog: false,
      log: () => undefined,
    });
    expect(summary.residentSent).toBeGreaterThan(3);
    const rows = await t.db.query<{ n: number; titled: number; coded: number; routed: number; moved: number }>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE i.title LIKE '【模拟】%')::int AS titled,
              count(r.id)::int AS coded,
              count(*) FILTER (WHERE i.grid_id IS NOT NULL)::int AS routed,
              count(*) FILTER (WHERE i.status <> 'reported')::int AS moved
         FROM incidents i LEFT JOIN resident_reports r ON r.incident_id = i.id
        WHERE i.source = 'resident'`,
    );
    const r = rows.rows[0];
    expect(r.n).toBe(summary.residentSent);
    expect(r.titled).toBe(r.n);
    expect(r.coded).toBe(r.n);
    expect(r.routed).toBe(r.n);
    expect(r.moved).toBeGreaterThan(0); // the closed loop picked them up
  });
});
