// QUALITY.md fault 12 (and issue 8): two server processes on the same PostgreSQL share Socket.IO through
// @socket.io/postgres-adapter. An event committed through one process reaches clients of the other, each
// exactly once (every process pushes table events to its own sockets only); volatile worker positions
// cross processes through the adapter; restarting one process loses nothing. PostgreSQL only: PGlite is
// an embedded, single-process database.
import { afterAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/auth/users';
import type { WorkerPositionsBatch } from '../../common/realtime';
import { freshDb } from '../helpers/test-db';
import { login } from '../helpers/auth';
import { ensureGrids, insertLiveResources } from './fixtures';
import { liveClient, type LiveClient } from './live-client';
import { freePort, startServerProcess, type ServerProcess } from './server-process';

const PASSWORD = 'multi-node-password';
const run = process.env.DATABASE_URL ? describe : describe.skip;

run('two server processes (pg + postgres adapter)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('an event committed on one process reaches clients of the other once; a restart loses nothing', { timeout: 300_000 }, async () => {
    const t = await freshDb('pg', 'empty');
    cleanups.push(() => t.drop());
    const db = t.db;
    const [grid] = await ensureGrids(db, 1);
    const { lotId } = await insertLiveResources(db, grid);
    const person = await db.query<{ id: number }>(
      `INSERT INTO people (role, name, grid_id, on_duty) VALUES ('grid_worker', '测试网格员', $1, true) RETURNING id`,
      [grid],
    );
    await createUser(db, { username: 'mn_dispatcher', password: PASSWORD, role: 'dispatcher', displayName: 'MN dispatcher' });
    await createUser(db, { username: 'mn_wall', password: PASSWORD, role: 'wall', displayName: 'MN wall' });

    const env = (node: string) => ({ DATABASE_URL: t.url as string, NODE_ID: node });
    const [portA, portB] = [await freePort(), await freePort()];
    const a: ServerProcess = await startServerProcess(env('node-a'), portA);
    cleanups.push(() => a.stop());
    let b: ServerProcess = await startServerProcess(env('node-b'), portB);
    cleanups.push(() => b.stop());

    const dispatcherA = await login(a.baseUrl, 'mn_dispatcher', PASSWORD);
    const wallB = await login(b.baseUrl, 'mn_wall', PASSWORD);
    const wallA = await login(a.baseUrl, 'mn_wall', PASSWORD);
    const onA: LiveClient = liveClient(a.baseUrl, wallA);
    const onB: LiveClient = liveClient(b.baseUrl, wallB);
    cleanups.push(async () => [onA, onB].forEach((c) => c.close()));
    await Promise.all([onA, onB].map((c) => c.waitFor((x) => x.syncs > 0)));
    const positionsOnB: WorkerPositionsBatch[] = [];
    onB.socket.on('workers:positions', (batch) => positionsOnB.push(batch));

    let version = 1;
    const patch = async (occupied: number) => {
      const res = await fetch(`${a.baseUrl}/api/live/parking/${lotId}`, {
        method: 'PATCH', headers: dispatcherA.headers, body: JSON.stringify({ occupied, version }),
      });
      expect(res.status).toBe(200);
      version = ((await res.json()) as { lot: { version: number } }).lot.version;
    };

    // 1. committed through A, received on B (and A), each once
    for (let i = 0; i < 10; i++) await patch(i);
    const ids1 = (await db.query<{ id: number }>('SELECT id FROM events ORDER BY id')).rows.map((r) => Number(r.id));
    await Promise.all([onA, onB].map((c) => c.waitFor((x) => x.lastId === ids1.at(-1))));
    expect(onB.applied.map((e) => e.id)).toEqual(ids1);
    expect(onA.applied.map((e) => e.id)).toEqual(ids1);
    expect(onB.duplicates).toBe(0);
    expect(onA.duplicates).toBe(0);

    // 2. a volatile position reported to A reaches the wall on B through the adapter
    const rep = await fetch(`${a.baseUrl}/api/live/workers/positions`, {
      method: 'POST', headers: dispatcherA.headers,
      body: JSON.stringify({ fixes: [{ personId: person.rows[0].id, lon: 117.105, lat: 39.195 }] }),
    });
    expect(rep.status).toBe(202);
    await onB.waitFor(() => positionsOnB.some((p) => p.positions.some((x) => x.personId === person.rows[0].id)), 10_000);

    // 3. SIGKILL B while A keeps committing; restart B; its client catches up with nothing lost
    const writes = (async () => {
      for (let i = 0; i < 15; i++) await patch(20 + i);
    })();
    await b.kill9();
    await writes;
    b = await startServerProcess(env('node-b'), portB);
    for (let i = 0; i < 5; i++) await patch(40 - i);
    const ids2 = (await db.query<{ id: number }>('SELECT id FROM events ORDER BY id')).rows.map((r) => Number(r.id));
    await Promise.all([onA, onB].map((c) => c.waitFor((x) => x.lastId === ids2.at(-1), 60_000)));
    expect(onB.applied.map((e) => e.id)).toEqual(ids2);
    expect(onA.applied.map((e) => e.id)).toEqual(ids2);
    expect(onA.duplicates).toBe(0);
  });
});
