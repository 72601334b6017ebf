// The simulator's field side (issue 13 item 7): simulated grid workers sign in as the phone does and work
// through /api/field — 接单, start and resolve with generated before/after photos, patrol reports (巡查上报)
// with a photo where they walk, 随手办 — while the dispatcher side assigns and a leader verifies. Checked
// from the database (events with the worker as actor, photos stored and linked to the worker's cases,
// patrol incidents routed to the grid that contains them) and from a wall's socket (the field activity
// arrives there as incident events and worker positions), on every backend.
import { afterEach, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { runSimulation } from '../../server/simulator/run-simulation';
import { provisionSimWorkers } from '../../server/simulator/provision-workers';
import { systemClock } from '../../server/clock';
import type { IncidentEventPayload, LiveEvent } from '../../common/realtime';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type TestApp } from '../helpers/auth';

const CAP_S = 60;

describe.each(backends())('simulator field side through /api/field (%s)', { timeout: 180_000 }, (backend) => {
  let tdb: TestDb | undefined;
  let srv: TestApp | undefined;
  let wall: Socket | undefined;
  afterEach(async () => {
    wall?.close();
    await srv?.close();
    await tdb?.drop();
    srv = undefined;
    tdb = undefined;
  });

  it('phones ack/start/resolve with photos, report on patrol (some 随手办), send positions; the desk verifies; the wall sees it', async () => {
    tdb = await freshDb(backend, 'sample');
    const db = tdb.db;
    srv = await startTestApp(db, { clock: systemClock });
    const dispatcher = await loginAs(srv.baseUrl, db, 'dispatcher');
    const leader = await loginAs(srv.baseUrl, db, 'leader');
    const first = await provisionSimWorkers(db, { count: 8 });
    expect(first.length).toBe(8);
    // provisioning again resets the passwords (the old ones stop working) rather than failing on the taken names
    const accounts = await provisionSimWorkers(db, { count: 8 });
    expect(accounts.map((a) => a.username)).toEqual(first.map((a) => a.username));
    const stale = await fetch(`${srv.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: first[0].username, password: first[0].password }) });
    expect(stale.status).toBe(401);

    // the wall's own view: a wall session's socket, as the wall page connects
    const wallSession = await loginAs(srv.baseUrl, db, 'wall');
    const wallEvents: LiveEvent[] = [];
    const wallPositions = new Set<number>();
    wall = connect(srv.baseUrl, socketAuth(wallSession));
    wall.on('events:appended', (batch: LiveEvent[]) => wallEvents.push(...batch));
    wall.on('workers:positions', (b: { positions: Array<{ personId: number }> }) => b.positions.forEach((p) => wallPositions.add(p.personId)));
    await new Promise<void>((resolve, reject) => {
      wall?.on('connect', () => resolve());
      wall?.on('connect_error', reject);
    });
    // as the wall's live store does after connecting (and it tells us the connection is fully set up)
    await new Promise((resolve) => wall?.emit('events:sync', { afterId: 0 }, resolve));

    const lines: string[] = [];
    const started = Date.now();
    const summary = await runSimulation({
      url: srv.baseUrl,
      username: dispatcher.username,
      password: dispatcher.password,
      verifierUsername: leader.username,
      verifierPassword: leader.password,
      // one real second is half a simulated hour: on a loaded machine a phone's round (sharp-made photos, several
      // requests) takes real seconds, and at one hour a second too few rounds fell inside the run to ack anything
      speed: 1800,
      rate: 6,
      simulatedHours: 10,
      durationS: CAP_S,
      start: new Date('2026-11-26T00:00:00Z'), // 08:00 in Shanghai
      seed: 7,
      backlog: false,
      residentShare: 0,
      fieldAccounts: accounts.map(({ username, password }) => ({ username, password })),
      patrolPerHour: 0.8,
      fixOnSpotShare: 0.7,
      log: (l) => lines.push(l),
    });
    const elapsed = (Date.now() - started) / 1000;
    if (process.env.SIM_DEBUG) console.log(lines.join('\n'));
    console.log(`[${backend}] ${elapsed.toFixed(1)} s real; field ${JSON.stringify(summary.field)}; loop assigned ${summary.loop?.assigned} (phones ${summary.loop?.assignedToPhones}), closed ${summary.loop?.closed}`);
    expect(summary.field?.phones).toBe(8);

    const users = await db.query<{ id: number; person_id: number; scope_grid_id: number }>(
      `SELECT id, person_id, scope_grid_id FROM users WHERE username = ANY($1::text[])`, [`{${accounts.map((a) => a.username).join(',')}}`]);
    const actorOf = new Map(users.rows.map((u) => [`user:${u.id}`, u]));
    const actors = `{${[...actorOf.keys()].join(',')}}`;

    // 1. the phones' own verbs, as events whose actor is the worker's account
    const verbs = await db.query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM events WHERE entity_type = 'incident' AND actor = ANY($1::text[]) GROUP BY type`, [actors]);
    const byType = Object.fromEntries(verbs.rows.map((r) => [r.type, r.n]));
    for (const t of ['incident.reported', 'incident.updated', 'incident.started', 'incident.resolved', 'incident.photo_added']) {
      expect(byType[t] ?? 0, t).toBeGreaterThan(0);
    }
    const acks = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'incident.acknowledge' AND actor = ANY($1::text[])`, [actors]);
    expect(acks.rows[0].n).toBe(summary.field?.acknowledged);

    // 2. resolved by a phone: it was the assignee, it left an after photo, and someone else verified it
    const resolved = await db.query<{ id: number; resolved_by: string; verified_by: string | null; assignee_id: number; grid_id: number | null; source: string; afters: number; befores: number }>(
      `SELECT i.id, i.resolved_by, i.verified_by, i.assignee_id, i.grid_id, i.source,
              (SELECT count(*)::int FROM incident_photos p WHERE p.incident_id = i.id AND p.kind = 'after') AS afters,
              (SELECT count(*)::int FROM incident_photos p WHERE p.incident_id = i.id AND p.kind IN ('before', 'report')) AS befores
         FROM incidents i WHERE i.resolved_by = ANY($1::text[])`, [actors]);
    expect(resolved.rows.length).toBeGreaterThan(0);
    // No photo of a phone was refused: the phones add before/after photos to every task assigned to them, in
    // their grid or across its boundary (a task of theirs is in their scope, ScopePolicy.mayReadCase), and the
    // after photo only while the case is in progress (server/photos/photo-store.ts assertKindFitsStatus).
    expect(summary.field?.photosRefused).toBe(0);
    for (const r of resolved.rows) {
      expect(actorOf.get(r.resolved_by)?.person_id).toBe(r.assignee_id);
      expect(r.afters, `case ${r.id}: resolved by a phone without an after photo`).toBeGreaterThan(0);
      // the before is the 整改前 photo, or for a 随手办 case the patrol report's photo, which a phone sends only
      // inside its own grid (elsewhere the report is text and the desk dispatches it)
      if (r.source !== 'patrol' || r.grid_id === actorOf.get(r.resolved_by)?.scope_grid_id) expect(r.befores, `case ${r.id}`).toBeGreaterThan(0);
      if (r.verified_by) expect(r.verified_by).toBe(`user:${leader.identity.userId}`);
    }
    expect(resolved.rows.filter((r) => r.verified_by).length).toBeGreaterThan(0);
    expect(resolved.rows.filter((r) => r.afters > 0).length).toBeGreaterThan(0);

    // 3. photos: stored re-encoded (a JPEG with no EXIF left), linked to the case, capture fields kept apart
    const photos = await db.query<{ id: number; incident_id: number; kind: string; uploaded_by: string; head: Uint8Array; exif: boolean; captured_at: unknown; lon: number | null; assignee_id: number | null; grid_id: number | null }>(
      `SELECT p.id, p.incident_id, p.kind, p.uploaded_by, substring(p.image from 1 for 4) AS head,
              position('\\x457869660000'::bytea in p.image) > 0 AS exif, p.captured_at, p.lon, i.assignee_id, i.grid_id
         FROM incident_photos p JOIN incidents i ON i.id = p.incident_id WHERE p.uploaded_by = ANY($1::text[])`, [actors]);
    expect(photos.rows.length).toBe(summary.field?.photos);
    expect(new Set(photos.rows.map((p) => p.kind))).toEqual(new Set(['report', 'before', 'after']));
    for (const p of photos.rows) {
      expect([...Buffer.from(p.head).subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      expect(p.exif).toBe(false);
      expect(p.captured_at).not.toBeNull();
      expect(p.lon).not.toBeNull();
      const who = actorOf.get(p.uploaded_by);
      if (p.kind === 'report') expect(p.grid_id).toBe(who?.scope_grid_id);
      else expect(p.assignee_id).toBe(who?.person_id);
    }

    // 4. patrol reports: source patrol, labelled, routed to the grid that contains the point; 随手办 self-assigned
    const patrol = await db.query<{ id: number; grid_id: number | null; contains: number | null; title: string; description: string; self: boolean }>(
      `SELECT i.id, i.grid_id, i.title, i.description,
              (SELECT g.id FROM grids g WHERE ST_Contains(g.geom, i.geom) ORDER BY g.id LIMIT 1) AS contains,
              EXISTS (SELECT 1 FROM events e WHERE e.entity_id = i.id::text AND e.type = 'incident.assigned' AND e.actor = ANY($1::text[])) AS self
         FROM incidents i WHERE i.source = 'patrol'`, [actors]);
    expect(patrol.rows.length).toBe(summary.field?.patrolReports);
    expect(patrol.rows.length).toBeGreaterThan(2);
    for (const r of patrol.rows) {
      expect(r.grid_id).toBe(r.contains);
      expect(r.title.startsWith('【模拟】')).toBe(true);
      expect(r.description).toContain('SIMULATION');
    }
    expect(patrol.rows.filter((r) => r.self).length).toBe(summary.field?.fixedOnSpot);
    expect(summary.field?.fixedOnSpot).toBeGreaterThan(0);

    // 5. the wall saw it: the phones' incident events (with their incident) and the phones' own positions
    if (process.env.SIM_DEBUG) console.log(`wall events ${wallEvents.length}: ${[...new Set(wallEvents.map((e) => `${e.type}/${e.actor}`))].join(" ")}; positions ${wallPositions.size}`);
    const fromPhones = wallEvents.filter((e) => actorOf.has(e.actor) && e.type.startsWith('incident.'));
    expect(fromPhones.some((e) => e.type === 'incident.resolved')).toBe(true);
    expect(fromPhones.some((e) => e.type === 'incident.reported' && (e.payload as IncidentEventPayload).incident.source === 'patrol')).toBe(true);
    const phonePeople = users.rows.map((u) => u.person_id);
    expect(phonePeople.some((p) => wallPositions.has(p))).toBe(true);
    // …and nothing the simulator wrote is unlabelled: every incident it created is 【模拟】
    const unlabelled = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE source IN ('patrol', 'simulator') AND title NOT LIKE '【模拟】%'`);
    expect(unlabelled.rows[0].n).toBe(0);
  });
});
