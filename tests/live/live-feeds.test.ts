// Live feeds through the real HTTP routes and socket: parking occupancy and violation status are state
// changes (row + event in one transaction, pushed with ids, 409 on a stale version, 422 on an illegal
// move, role-checked); KPIs follow them; worker positions are volatile batches and stored on people.
// Plus QUALITY.md fault 10: a burst of 1,000 events/s is pushed in batches with bounded server memory.
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS_APPEND_LOCK } from '../../server/events/append-event';
import { realtimeOf } from '../../server/realtime/create-realtime';
import { computeKpis, shanghaiDayStart } from '../../server/live/kpis';
import { STREET_SCOPE } from '../../server/auth/scope';
import type { Kpis, LiveSnapshot, ParkingEventPayload, ViolationEventPayload, WorkerPositionsBatch } from '../../common/realtime';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type TestApp } from '../helpers/auth';
import { ensureGrids, insertLiveResources } from '../realtime/fixtures';
import { liveClient, type LiveClient } from '../realtime/live-client';

describe('shanghaiDayStart', () => {
  it('is Asia/Shanghai midnight (UTC+8, no DST) on both sides of UTC midnight', () => {
    expect(shanghaiDayStart(new Date('2026-11-26T02:00:00Z')).toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(shanghaiDayStart(new Date('2026-11-25T15:59:59Z')).toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(shanghaiDayStart(new Date('2026-11-25T16:00:00Z')).toISOString()).toBe('2026-11-25T16:00:00.000Z');
  });
});

describe.each(backends())('live feeds (%s)', { timeout: 180_000 }, (backend) => {
  let tdb: TestDb | undefined;
  let srv: TestApp | undefined;
  const clients: LiveClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await srv?.close();
    await tdb?.drop();
    srv = undefined;
    tdb = undefined;
  });

  it('parking and violation changes commit an event, are pushed, guard versions, transitions and roles; KPIs follow', async () => {
    tdb = await freshDb(backend, 'empty');
    const db = tdb.db;
    const [grid] = await ensureGrids(db, 1);
    const { lotId, violationId } = await insertLiveResources(db, grid);
    srv = await startTestApp(db);
    const dispatcher = await loginAs(srv.baseUrl, db, 'dispatcher');
    const wallSession = await loginAs(srv.baseUrl, db, 'wall');
    const wall = liveClient(srv.baseUrl, wallSession);
    clients.push(wall);
    const kpiPushes: Kpis[] = [];
    wall.socket.on('kpis:updated', (k) => kpiPushes.push(k));
    await wall.waitFor((c) => c.syncs > 0);

    const snap0 = (await (await fetch(`${srv.baseUrl}/api/live/snapshot`, { headers: { cookie: wallSession.cookie } })).json()) as LiveSnapshot;
    expect(snap0.parking.find((p) => p.id === lotId)).toMatchObject({ occupied: 10, capacity: 40, version: 1 });
    expect(snap0.kpis.parkingFree).toBe(30);

    const patch = (url: string, body: unknown, headers = dispatcher.headers) =>
      fetch(`${srv!.baseUrl}${url}`, { method: 'PATCH', headers, body: JSON.stringify(body) });

    // parking: ok, then stale, then over capacity, then a wall display trying to write
    const ok = await patch(`/api/live/parking/${lotId}`, { occupied: 35, version: 1 });
    expect(ok.status).toBe(200);
    const stale = await patch(`/api/live/parking/${lotId}`, { occupied: 1, version: 1 });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('STALE_VERSION');
    const over = await patch(`/api/live/parking/${lotId}`, { occupied: 41, version: 2 });
    expect(over.status).toBe(400);
    const extra = await patch(`/api/live/parking/${lotId}`, { occupied: 3, version: 2, capacity: 999 });
    expect(((await extra.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'body.capacity' });
    const forbidden = await patch(`/api/live/parking/${lotId}`, { occupied: 3, version: 2 }, { ...wallSession.headers });
    expect(forbidden.status).toBe(403);
    const row = await db.query<{ occupied: number; version: number }>('SELECT occupied, version FROM parking_lots WHERE id = $1', [lotId]);
    expect(row.rows[0]).toEqual({ occupied: 35, version: 2 });

    // violation: a skip is refused in the service, a legal move is stored and pushed
    const skip = await patch(`/api/live/violations/${violationId}`, { status: 'verified', version: 1 });
    expect(skip.status).toBe(422);
    expect(((await skip.json()) as { error: { code: string } }).error.code).toBe('INVALID_TRANSITION');
    const notified = await patch(`/api/live/violations/${violationId}`, { status: 'notified', version: 1, reason: '已下达整改通知' });
    expect(notified.status).toBe(200);

    const events = (await db.query<{ id: number; type: string }>('SELECT id, type FROM events ORDER BY id')).rows;
    expect(events.map((e) => e.type)).toEqual(['parking.occupancy_changed', 'violation.status_changed']);
    await wall.waitFor((c) => c.lastId === Number(events[1].id));
    const [pe, ve] = wall.applied;
    expect((pe.payload as ParkingEventPayload).lot).toMatchObject({ id: lotId, occupied: 35, version: 2 });
    expect((pe.payload as ParkingEventPayload).previousOccupied).toBe(10);
    expect(ve.payload as ViolationEventPayload).toMatchObject({ from: 'found', gridId: grid, violation: { status: 'notified', version: 2 } });

    // KPIs: pushed after the change, and equal to a fresh computation
    await wall.waitFor(() => kpiPushes.some((k) => k.parkingFree === 5), 10_000);
    const latest = kpiPushes.at(-1) as Kpis;
    const fresh = await computeKpis(db, srv.clock.now(), latest.asOfEventId, STREET_SCOPE);
    expect({ ...latest, computedAt: '' }).toEqual({ ...fresh, computedAt: '' });
    expect(latest.rectificationRate).toBe(0);
    const audit = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action IN ('parking.occupancy', 'violation.status')`);
    expect(audit.rows).toHaveLength(2);
  });

  it('worker positions: volatile batches to the street and the worker grid, stored on people, nothing in events', async () => {
    tdb = await freshDb(backend, 'empty');
    const db = tdb.db;
    const [g1, g2] = await ensureGrids(db, 2);
    const people = await db.query<{ id: number }>(
      `INSERT INTO people (role, name, grid_id, on_duty) VALUES ('grid_worker', '甲', $1, true), ('grid_worker', '乙', $2, true) RETURNING id`,
      [g1, g2],
    );
    const [p1, p2] = people.rows.map((r) => r.id);
    srv = await startTestApp(db);
    const dispatcher = await loginAs(srv.baseUrl, db, 'dispatcher');
    const workerSession = await loginAs(srv.baseUrl, db, 'worker', { scopeGridId: g1, personId: p1 });
    const wall = liveClient(srv.baseUrl, await loginAs(srv.baseUrl, db, 'wall'));
    const worker = liveClient(srv.baseUrl, workerSession);
    clients.push(wall, worker);
    const onWall: WorkerPositionsBatch[] = [];
    const onWorker: WorkerPositionsBatch[] = [];
    wall.socket.on('workers:positions', (b) => onWall.push(b));
    worker.socket.on('workers:positions', (b) => onWorker.push(b));
    await Promise.all([wall, worker].map((c) => c.waitFor((x) => x.syncs > 0)));

    const res = await fetch(`${srv.baseUrl}/api/live/workers/positions`, {
      method: 'POST', headers: dispatcher.headers,
      body: JSON.stringify({ fixes: [{ personId: p1, lon: 117.101, lat: 39.191 }, { personId: p2, lon: 117.111, lat: 39.192 }] }),
    });
    expect(res.status).toBe(202);
    // a worker reports over the socket for themself, and may not report for someone else
    const own = await worker.socket.emitWithAck('workers:report', { fixes: [{ lon: 117.102, lat: 39.1915 }] });
    expect(own).toEqual({ ok: true, accepted: 1 });
    const foreign = await worker.socket.emitWithAck('workers:report', { fixes: [{ personId: p2, lon: 117.1, lat: 39.19 }] });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const bad = await worker.socket.emitWithAck('workers:report', { fixes: [{ lon: 181, lat: 39.19 }] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', field: 'payload.fixes.0.lon' } });

    await wall.waitFor(() => new Set(onWall.flatMap((b) => b.positions.map((p) => p.personId))).size === 2, 10_000);
    await worker.waitFor(() => onWorker.length > 0, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(onWorker.flatMap((b) => b.positions.map((p) => p.personId)).every((id) => id === p1)).toBe(true);
    const stored = await db.query<{ id: number; lon: number; lat: number }>(
      'SELECT id, ST_X(position) AS lon, ST_Y(position) AS lat FROM people WHERE id = $1', [p1]);
    expect(stored.rows[0]).toEqual({ id: p1, lon: 117.102, lat: 39.1915 });
    expect((await db.query('SELECT 1 FROM events')).rows).toHaveLength(0);
  });

  it('a burst of 1,000 events/s is pushed in batches with bounded memory, and the client gets every event in order', { timeout: 120_000 }, async () => {
    tdb = await freshDb(backend, 'empty');
    const db = tdb.db;
    srv = await startTestApp(db);
    const rt = realtimeOf(srv.app.io);
    const wall = liveClient(srv.baseUrl, await loginAs(srv.baseUrl, db, 'wall'));
    clients.push(wall);
    await wall.waitFor((c) => c.syncs > 0);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const batchesBefore = rt.publisher.stats.batches;
    const ids: number[] = [];
    // 3 seconds at 1,000 events/s: every 100 ms a commit of 100 events (as a busy intake would produce)
    const started = Date.now();
    for (let tick = 0; tick < 30; tick++) {
      // one multi-row insert under the same ordering lock appendEvent takes (as the batch intake does)
      const batch = await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_APPEND_LOCK]);
        const r = await tx.query<{ id: number }>(
          `INSERT INTO events (type, entity_type, entity_id, actor, payload)
           SELECT 'test.burst', 'test', $1::int || '-' || i, 'system:test', jsonb_build_object('tick', $1::int, 'i', i, 'gridId', null)
             FROM generate_series(1, 100) AS i ORDER BY i RETURNING id`,
          [tick],
        );
        return r.rows.map((x) => Number(x.id)).sort((x, y) => x - y);
      });
      ids.push(...batch);
      rt.notifyCommitted();
      const wait = started + (tick + 1) * 100 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const elapsed = Date.now() - started;
    await wall.waitFor((c) => c.lastId === ids.at(-1), 30_000);
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    const batches = rt.publisher.stats.batches - batchesBefore;
    expect(wall.applied.map((e) => e.id)).toEqual(ids);
    // batching: far fewer pushes than events (commits arriving during a push are sent together)
    expect(batches).toBeLessThanOrEqual(ids.length / 100);
    // memory: the publisher reads at most EVENTS_BATCH_MAX rows at a time and keeps a capped ring
    expect(heapGrowthMb).toBeLessThan(100);
    // the burst really was a burst (the machine is shared: a loose floor, the figure is printed)
    expect((ids.length * 1000) / elapsed).toBeGreaterThan(300);
    console.log(`burst: ${ids.length} events in ${elapsed} ms (${Math.round((ids.length * 1000) / elapsed)}/s), ${batches} batches, heap +${heapGrowthMb.toFixed(1)} MB`);
  });
});
