// The simulator drives the whole closed loop through the real API (server/simulator/closed-loop.ts): on a fresh
// sample street it reports incidents labelled source 'simulator', and walks them and the sample's open backlog
// through accept → assign → start → resolve → verify (by a second account) → close with a reply → rating,
// with rejections, rework and escalations. Checked from the database, not from the simulator's own counts.
import { afterEach, describe, expect, it } from 'vitest';
import { runSimulation, type SimulationSummary } from '../../server/simulator/run-simulation';
import { ClosedLoop } from '../../server/simulator/closed-loop';
import { ApiClient } from '../../server/simulator/api-client';
import type { IncidentDto } from '../../common/incidents';
import { systemClock } from '../../server/clock';
import { computeKpis } from '../../server/live/kpis';
import { STREET_SCOPE } from '../../server/auth/scope';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type TestApp } from '../helpers/auth';

/** Real seconds the closed-loop run may take at most. */
const CAP_S = 90;

describe.each(backends())('simulator closed loop (%s)', { timeout: 240_000 }, (backend) => {
  let tdb: TestDb | undefined;
  let srv: TestApp | undefined;
  afterEach(async () => {
    await srv?.close();
    await tdb?.drop();
    srv = undefined;
    tdb = undefined;
  });

  it('reports simulated incidents and walks them (and the backlog) to closed, verified by another user, rated, with events and audit', async () => {
    tdb = await freshDb(backend, 'sample');
    const db = tdb.db;
    srv = await startTestApp(db, { clock: systemClock });
    const dispatcher = await loginAs(srv.baseUrl, db, 'dispatcher', { username: 'sim_dispatcher' });
    const leader = await loginAs(srv.baseUrl, db, 'leader', { username: 'sim_leader' });
    const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE status NOT IN ('closed', 'rejected')`);
    // a real report (source 'api') open before the run: the simulator must leave it alone
    const spot = await db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM grids ORDER BY id LIMIT 1`,
    );
    const realRes = await fetch(`${srv.baseUrl}/api/incidents`, {
      method: 'POST', headers: dispatcher.headers, body: JSON.stringify({ category: 'safety', title: '井盖松动存在隐患', location: spot.rows[0] }),
    });
    expect(realRes.status).toBe(201);
    const real = (await realRes.json()) as IncidentDto;

    const lines: string[] = [];
    const started = Date.now();
    const summary: SimulationSummary = await runSimulation({
      url: srv.baseUrl,
      username: dispatcher.username,
      password: dispatcher.password,
      verifierUsername: leader.username,
      verifierPassword: leader.password,
      // one real second is one simulated hour: a short run covers most of a simulated day
      speed: 3600,
      rate: 4,
      // ten simulated hours (08:00–18:00), however slow the shared machine is; the real bound is the cap
      simulatedHours: 10,
      durationS: CAP_S,
      start: new Date('2026-11-26T00:00:00Z'), // 08:00 in Shanghai: the morning peak
      seed: 42,
      concurrency: 4,
      log: (l) => lines.push(l),
    });
    const elapsedS = (Date.now() - started) / 1000;
    if (process.env.SIM_DEBUG) console.log(lines.join("\n"));
    console.log(`[${backend}] ${elapsedS.toFixed(1)} s real, open before ${before.rows[0].n}; ${JSON.stringify(summary)}`);
    expect(elapsedS).toBeLessThan(CAP_S + 30); // bounded by --duration (plus set-up)
    expect(summary.simulatedEnd.toISOString()).toBe('2026-11-26T10:00:00.000Z');
    expect(summary.loop).not.toBeNull();
    expect(summary.loop?.backlog).toBe(before.rows[0].n); // the sample's open cases, not the real one
    const untouched = await db.query<{ status: string; version: number; source: string }>('SELECT status, version, source FROM incidents WHERE id = $1', [real.id]);
    expect(untouched.rows[0]).toEqual({ status: 'reported', version: 1, source: 'api' });

    const sim = await db.query<{ n: number; titled: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE title LIKE '【模拟】%')::int AS titled FROM incidents WHERE source = 'simulator'`,
    );
    expect(sim.rows[0].n).toBeGreaterThan(5);
    expect(sim.rows[0].titled).toBe(sim.rows[0].n);
    expect(sim.rows[0].n).toBe(summary.incidentsSent);

    const dActor = `user:${dispatcher.identity.userId}`;
    const lActor = `user:${leader.identity.userId}`;
    // closed by the simulator, with a reply and a rating, verified by the leader and resolved by the dispatcher
    const closed = await db.query<{ id: number; source: string; satisfaction: number | null; reply: string | null; resolved_by: string; verified_by: string }>(
      `SELECT id, source, satisfaction, reply, resolved_by, verified_by FROM incidents
        WHERE status = 'closed' AND id IN (SELECT entity_id::bigint FROM events WHERE type = 'incident.closed' AND actor = $1)`,
      [dActor],
    );
    expect(closed.rows.length).toBeGreaterThan(3);
    for (const r of closed.rows) {
      expect(r.reply).toBeTruthy();
      expect(r.verified_by).toBeTruthy();
      expect(r.resolved_by).not.toBe(r.verified_by);
    }
    // the simulator's own cases: resolved by the dispatcher, verified by the leader
    const own = closed.rows.filter((r) => r.source === 'simulator');
    expect(own.length).toBeGreaterThan(0);
    for (const r of own) expect([r.resolved_by, r.verified_by]).toEqual([dActor, lActor]);
    const rated = closed.rows.filter((r) => r.satisfaction != null);
    expect(rated.length).toBeGreaterThan(0);
    for (const r of rated) expect([1, 2, 3, 4, 5]).toContain(r.satisfaction);
    // what the wall's KPI strip shows after the run (the same SQL it pushes): today's closures count them
    const kpis = await computeKpis(db, new Date(), 0, STREET_SCOPE);
    console.log(`[${backend}] wall KPIs: closed today ${kpis.closedToday}, on-time ${kpis.onTimeRate}, satisfaction ${kpis.satisfactionAvg}, open ${kpis.openIncidents}, reported today ${kpis.reportedToday}`);
    expect(kpis.closedToday).toBeGreaterThanOrEqual(closed.rows.length);
    expect(kpis.satisfactionAvg).not.toBeNull();
    // nowhere in the database did the resolver verify their own case
    const self = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE verified_by IS NOT NULL AND verified_by = resolved_by`);
    expect(self.rows[0].n).toBe(0);

    // every verb the simulator's accounts used left an event and an audit row
    const verbs = await db.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM events WHERE entity_type = 'incident' AND actor = ANY($1::text[]) GROUP BY type`,
      [`{${dActor},${lActor}}`],
    );
    const byType = Object.fromEntries(verbs.rows.map((r) => [r.type, r.n]));
    for (const t of ['incident.reported', 'incident.accepted', 'incident.assigned', 'incident.started', 'incident.resolved', 'incident.verified', 'incident.closed', 'incident.rated']) {
      expect(byType[t], t).toBeGreaterThan(0);
    }
    const mismatch = await db.query<{ id: string; events: number; audits: number }>(
      `WITH e AS (SELECT entity_id, count(*)::int AS n FROM events
                   WHERE entity_type = 'incident' AND actor = ANY($1::text[]) GROUP BY entity_id),
            a AS (SELECT entity_id, count(*)::int AS n FROM audit_log
                   WHERE entity_type = 'incident' AND actor = ANY($1::text[]) AND action NOT IN ('incident.read_personal', 'incidents.read_personal') GROUP BY entity_id)
       SELECT coalesce(e.entity_id, a.entity_id) AS id, coalesce(e.n, 0) AS events, coalesce(a.n, 0) AS audits
         FROM e FULL JOIN a ON a.entity_id = e.entity_id
        WHERE coalesce(e.n, 0) <> coalesce(a.n, 0)`,
      [`{${dActor},${lActor}}`],
    );
    expect(mismatch.rows).toEqual([]);
    // a simulated incident's version counts its changes: one event per version, none missing
    const gaps = await db.query<{ id: number }>(
      `SELECT i.id FROM incidents i
        WHERE i.source = 'simulator'
          AND i.version <> (SELECT count(*) FROM events e WHERE e.entity_type = 'incident' AND e.entity_id = i.id::text)`,
    );
    expect(gaps.rows).toEqual([]);
  });

  it('X-Simulation is validated at the boundary: exactly "1", and only from a dispatcher or admin', async () => {
    tdb = await freshDb(backend, 'sample');
    const db = tdb.db;
    srv = await startTestApp(db, { clock: systemClock });
    const dispatcher = await loginAs(srv.baseUrl, db, 'dispatcher');
    const worker = await loginAs(srv.baseUrl, db, 'worker');
    const grid = await db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM grids ORDER BY id LIMIT 1`,
    );
    const report = JSON.stringify({ category: 'environment', title: '【模拟】垃圾桶满溢未清运', location: grid.rows[0] });
    const post = (headers: Record<string, string>) => fetch(`${srv!.baseUrl}/api/incidents`, { method: 'POST', headers, body: report });

    const labelled = await post({ ...dispatcher.headers, 'x-simulation': '1' });
    expect(labelled.status).toBe(201);
    const plain = await post(dispatcher.headers);
    expect(plain.status).toBe(201);
    const bad = await post({ ...dispatcher.headers, 'x-simulation': 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'header.x-simulation' });
    const byWorker = await post({ ...worker.headers, 'x-simulation': '1' });
    expect(byWorker.status).toBe(403);

    const ids = [((await labelled.json()) as { id: number }).id, ((await plain.json()) as { id: number }).id];
    const rows = await db.query<{ id: number; source: string }>('SELECT id, source FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id', [`{${ids.join(',')}}`]);
    expect(rows.rows.map((r) => [Number(r.id), r.source])).toEqual([[ids[0], 'simulator'], [ids[1], 'api']]);
  });

  it('a 409 from a concurrent change is handled by re-reading and moving on; without a verifier cases stop at resolved, said once', async () => {
    tdb = await freshDb(backend, 'sample');
    const db = tdb.db;
    srv = await startTestApp(db, { clock: systemClock });
    const human = await loginAs(srv.baseUrl, db, 'dispatcher');
    const sim = await loginAs(srv.baseUrl, db, 'dispatcher');
    const grid = await db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM grids ORDER BY id LIMIT 1`,
    );
    const report = async (): Promise<IncidentDto> => {
      const res = await fetch(`${srv!.baseUrl}/api/incidents`, {
        method: 'POST', headers: human.headers,
        body: JSON.stringify({ category: 'environment', title: '【模拟】道路油污需清理', location: grid.rows[0] }),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as IncidentDto;
    };
    const api = new ApiClient(srv.baseUrl);
    await api.login(sim.username, sim.password);
    const logs: string[] = [];
    // rand 0.5: an ordinary case (not rejected, stalled or reworked), mid-range delays
    const loop = new ClosedLoop({ api, verifier: null, rand: () => 0.5, concurrency: 2, log: (l) => logs.push(l) });
    const t0 = Date.parse('2026-11-26T01:00:00Z');
    const a = await report();
    const b = await report();
    loop.trackReported(a, t0);
    loop.trackReported(b, t0);
    // a person accepts `a` first: the simulator's accept (expectedVersion 1) meets a newer version
    const accepted = await fetch(`${srv.baseUrl}/api/incidents/${a.id}/accept`, { method: 'POST', headers: human.headers, body: JSON.stringify({ expectedVersion: 1 }) });
    expect(accepted.status).toBe(200);

    for (let h = 1; h <= 12; h++) await loop.tick(t0 + h * 3600_000, Date.now() + 60_000);
    expect(loop.summary.conflicts).toBe(1);
    const rows = await db.query<{ id: number; status: string; resolved_by: string | null; verified_by: string | null }>(
      'SELECT id, status, resolved_by, verified_by FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id', [`{${a.id},${b.id}}`],
    );
    // both moved on to resolved (the one that lost the race too) and stopped there: nobody else may verify
    expect(rows.rows.map((r) => [Number(r.id), r.status, r.resolved_by, r.verified_by])).toEqual([
      [a.id, 'resolved', `user:${sim.identity.userId}`, null],
      [b.id, 'resolved', `user:${sim.identity.userId}`, null],
    ]);
    expect(loop.summary.waitingForVerifier).toBe(2);
    expect(logs.filter((l) => l.includes('no verifying account')).length).toBe(1);
    expect(loop.active).toBe(0);
  });
});
