// Durable events, then push (ENGINEERING.md §3) through a real server, real socket.io-client connections and
// a real database on every backend: same events in the same order for two clients; catch-up after a short
// disconnect; resync after a long one (QUALITY.md fault 4); grid workers see their grid only.
import { afterEach, describe, expect, it } from 'vitest';
import { appendEvent, EVENTS_APPEND_LOCK } from '../../server/events/append-event';
import { realtimeOf } from '../../server/realtime/create-realtime';
import { SYNC_MAX_GAP, type LiveSnapshot } from '../../common/realtime';
import type { Db } from '../../server/db/db';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type TestApp } from '../helpers/auth';
import { liveClient, type LiveClient } from './live-client';
import { ensureGrids } from './fixtures';

async function commitEvents(db: Db, n: number, opts: { gridId?: number | null; perTx?: number } = {}): Promise<number[]> {
  const ids: number[] = [];
  const perTx = opts.perTx ?? 1;
  for (let i = 0; i < n; i += perTx) {
    await db.transaction(async (tx) => {
      for (let j = i; j < Math.min(n, i + perTx); j++) {
        const e = await appendEvent(tx, {
          type: 'test.happened', entityType: 'test', entityId: j, version: 1, actor: 'system:test',
          payload: { n: j, gridId: opts.gridId ?? null },
        });
        ids.push(e.id);
      }
    });
  }
  return ids;
}

/** Many events in one statement under the ordering lock appendEvent takes (fast on a busy machine). */
async function bulkEvents(db: Db, n: number): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_APPEND_LOCK]);
    const r = await tx.query<{ id: number }>(
      `INSERT INTO events (type, entity_type, entity_id, actor, payload)
       SELECT 'test.bulk', 'test', i::text, 'system:test', jsonb_build_object('n', i, 'gridId', null)
         FROM generate_series(1, $1::int) AS i ORDER BY i RETURNING id`,
      [n],
    );
    return r.rows.map((x) => Number(x.id)).sort((a, b) => a - b);
  });
}

async function dbEventIds(db: Db): Promise<number[]> {
  const r = await db.query<{ id: number }>('SELECT id FROM events ORDER BY id');
  return r.rows.map((x) => Number(x.id));
}

describe.each(backends())('realtime event stream (%s)', { timeout: 180_000 }, (backend) => {
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

  async function setup() {
    tdb = await freshDb(backend, 'empty');
    srv = await startTestApp(tdb.db);
    return { db: tdb.db, srv };
  }

  it('two clients receive the same committed events, in id order, each once', async () => {
    const { db, srv } = await setup();
    const wall = await loginAs(srv.baseUrl, db, 'wall');
    const dispatcher = await loginAs(srv.baseUrl, db, 'dispatcher');
    const a = liveClient(srv.baseUrl, wall);
    const b = liveClient(srv.baseUrl, dispatcher);
    clients.push(a, b);
    await Promise.all([a.waitFor((c) => c.syncs > 0), b.waitFor((c) => c.syncs > 0)]);

    const notify = realtimeOf(srv.app.io).notifyCommitted;
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(...(await commitEvents(db, 10, { perTx: i % 2 ? 5 : 1 })));
      notify();
    }
    await Promise.all([a.waitFor((c) => c.lastId === ids.at(-1)), b.waitFor((c) => c.lastId === ids.at(-1))]);
    expect(a.applied.map((e) => e.id)).toEqual(ids);
    expect(b.applied.map((e) => e.id)).toEqual(ids);
    expect(a.applied.map((e) => (e.payload as { n: number }).n)).toEqual(b.applied.map((e) => (e.payload as { n: number }).n));
    expect(ids).toEqual(await dbEventIds(db));
  });

  it('pushes commits made without notify (another process, or before a restart) within the poll interval', async () => {
    const { db, srv } = await setup();
    const a = liveClient(srv.baseUrl, await loginAs(srv.baseUrl, db, 'wall'));
    clients.push(a);
    await a.waitFor((c) => c.syncs > 0);
    const ids = await commitEvents(db, 3);
    await a.waitFor((c) => c.lastId === ids[2], 3000);
    expect(a.applied.map((e) => e.id)).toEqual(ids);
  });

  it('a client that reconnects gets everything after its last id, nothing twice', async () => {
    const { db, srv } = await setup();
    const session = await loginAs(srv.baseUrl, db, 'dispatcher');
    const a = liveClient(srv.baseUrl, session);
    clients.push(a);
    await a.waitFor((c) => c.syncs > 0);
    const first = await commitEvents(db, 5);
    realtimeOf(srv.app.io).notifyCommitted();
    await a.waitFor((c) => c.lastId === first[4]);

    a.socket.disconnect();
    const missed = await commitEvents(db, 20, { perTx: 4 });
    a.socket.connect();
    await a.waitFor((c) => c.lastId === missed.at(-1));
    expect(a.applied.map((e) => e.id)).toEqual([...first, ...missed]);
    expect(a.syncs).toBeGreaterThanOrEqual(2);
  });

  it('a client further behind than the sync limit is told to resync and starts again from the snapshot', { timeout: 120_000 }, async () => {
    const { db, srv } = await setup();
    const session = await loginAs(srv.baseUrl, db, 'wall');
    const ids = await bulkEvents(db, SYNC_MAX_GAP + 50);
    // the server has already pushed them (to nobody): a client arriving now is that far behind
    const publisher = realtimeOf(srv.app.io).publisher;
    publisher.notifyCommitted();
    for (let i = 0; publisher.cursor !== ids.at(-1); i++) {
      if (i > 500) throw new Error(`publisher stuck at ${publisher.cursor}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const a = liveClient(srv.baseUrl, session, { afterId: 0 });
    clients.push(a);
    await a.waitFor((c) => c.resyncs === 1 && c.lastId === ids.at(-1));
    // Nothing after the snapshot was skipped: new events arrive on top of it.
    const later = await commitEvents(db, 3);
    realtimeOf(srv.app.io).notifyCommitted();
    await a.waitFor((c) => c.lastId === later[2]);
    expect(a.applied.map((e) => e.id)).toEqual(later);
    const snap = (await (await fetch(`${srv.baseUrl}/api/live/snapshot`, { headers: { cookie: session.cookie } })).json()) as LiveSnapshot;
    expect(snap.lastEventId).toBe(later[2]);
  });

  it('a grid worker receives its own grid only and cannot see the street feed', async () => {
    const { db, srv } = await setup();
    const grids = await ensureGrids(db, 2);
    const worker = liveClient(srv.baseUrl, await loginAs(srv.baseUrl, db, 'worker', { scopeGridId: grids[0] }));
    const wall = liveClient(srv.baseUrl, await loginAs(srv.baseUrl, db, 'wall'));
    clients.push(worker, wall);
    await Promise.all([worker.waitFor((c) => c.syncs > 0), wall.waitFor((c) => c.syncs > 0)]);
    const mine = await commitEvents(db, 3, { gridId: grids[0] });
    const other = await commitEvents(db, 3, { gridId: grids[1] });
    const street = await commitEvents(db, 2, { gridId: null });
    realtimeOf(srv.app.io).notifyCommitted();
    await wall.waitFor((c) => c.lastId === street[1]);
    await worker.waitFor((c) => c.lastId === mine[2]);
    // give any wrongly routed push time to arrive
    await new Promise((r) => setTimeout(r, 400));
    expect(worker.applied.map((e) => e.id)).toEqual(mine);
    expect(wall.applied.map((e) => e.id)).toEqual([...mine, ...other, ...street]);
    // a reconnecting worker syncs its grid only, too
    worker.socket.disconnect();
    const mine2 = await commitEvents(db, 2, { gridId: grids[0] });
    await commitEvents(db, 2, { gridId: grids[1] });
    worker.socket.connect();
    await worker.waitFor((c) => c.lastId === mine2[1]);
    expect(worker.applied.map((e) => e.id)).toEqual([...mine, ...mine2]);
  });
});
