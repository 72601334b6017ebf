// Benchmark `field` (issue 13 item 8): 839 grid workers connected (one per grid, each in their own grid's
// room, as the phone app connects), then a burst of 200 assignments made by a dispatcher over HTTP; the time
// from sending each assign to the incident.assigned event arriving on the socket of the right worker, p50/p99.
// Ours is the full path: POST /api/incidents/:id/assign (zod, state and version checks, guarded UPDATE, event
// and audit rows, commit) → publisher → events:appended to one grid room. Baseline in the same run: a bare
// Socket.IO server with the same 839 clients in 839 rooms, where POST /emit sends the same payload to one room.
// The 839 sockets run in this process (both sides alike), so client work is charged to both equally.
//
// Run alone: npx tsx bench/field.ts [--quick]   (writes bench/results/field.json)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Server as SocketServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createApp } from '../server/app';
import { testConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { systemClock } from '../server/clock';
import { createUser } from '../server/auth/users';
import { createSession } from '../server/auth/sessions';
import { hashPassword } from '../server/auth/passwords';
import { benchDb } from './bench-app';
import { percentile, row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';

const now = () => performance.timeOrigin + performance.now();
const WORKERS = 839;
const PASSWORD = 'field-bench-password';

interface Client {
  socket: Socket;
  /** incident id (ours) or marker (bare) → resolver */
  waiting: Map<string, (at: number) => void>;
}

function waitFor(c: Client, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${key} did not arrive in 20 s`)), 20_000);
    c.waiting.set(key, (at) => {
      clearTimeout(timer);
      resolve(at);
    });
  });
}

async function connectAll(n: number, open: (i: number) => Socket, onReady: (c: Client, i: number) => Promise<void>): Promise<Client[]> {
  const clients: Client[] = [];
  // In waves, so the handshake burst itself is not what is measured.
  for (let start = 0; start < n; start += 100) {
    const wave = Array.from({ length: Math.min(100, n - start) }, async (_, j) => {
      const i = start + j;
      const c: Client = { socket: open(i), waiting: new Map() };
      await new Promise<void>((res, rej) => {
        c.socket.once('connect', () => res());
        c.socket.once('connect_error', rej);
      });
      await onReady(c, i);
      clients[i] = c;
    });
    await Promise.all(wave);
  }
  return clients;
}

async function seed(db: Awaited<ReturnType<typeof benchDb>>['db']): Promise<{ gridIds: number[]; personIds: number[]; sessions: string[]; centers: Array<{ lon: number; lat: number }> }> {
  // 839 small square grids in a 30-wide block inside one community (the street's real count of workers).
  await db.query(
    `INSERT INTO streets (code, name, name_en, district, city, geom) VALUES ('120113001', '果园新村街道', 'bench', '北辰区', '天津市',
       ST_Multi(ST_MakeEnvelope(117.1, 39.19, 117.18, 39.245, 4326))) ON CONFLICT DO NOTHING`,
  );
  const c = await db.query<{ id: number }>(
    `INSERT INTO communities (street_code, code, name, name_en, geom) VALUES ('120113001', '120113001001', '基准社区', 'bench',
       ST_Multi(ST_MakeEnvelope(117.1, 39.19, 117.18, 39.245, 4326))) RETURNING id`,
  );
  const g = await db.query<{ id: number; lon: number; lat: number }>(
    `INSERT INTO grids (community_id, code, name, geom)
       SELECT $1, '120113001001' || lpad(k::text, 3, '0'), '网格' || k,
              ST_Multi(ST_MakeEnvelope(117.1 + (k % 30) * 0.0025, 39.19 + (k / 30) * 0.0019, 117.1 + (k % 30) * 0.0025 + 0.0024, 39.19 + (k / 30) * 0.0019 + 0.0018, 4326))
         FROM generate_series(0, $2 - 1) AS k
     RETURNING id, ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat`,
    [c.rows[0].id, WORKERS],
  );
  const gridIds = g.rows.map((r) => r.id);
  const p = await db.query<{ id: number }>(
    `INSERT INTO people (name, role, community_id, grid_id, on_duty)
       SELECT '网格员' || k, 'grid_worker', $1, ($2::int[])[k], true FROM generate_series(1, $3) AS k
     RETURNING id`,
    [c.rows[0].id, gridIds, WORKERS],
  );
  const personIds = p.rows.map((r) => r.id);
  const hash = await hashPassword(PASSWORD);
  const u = await db.query<{ id: number }>(
    `INSERT INTO users (username, password_hash, role, display_name, person_id, scope_grid_id)
       SELECT 'field_w' || k, $1, 'worker', '网格员' || k, ($2::int[])[k], ($3::int[])[k] FROM generate_series(1, $4) AS k
     RETURNING id`,
    [hash, personIds, gridIds, WORKERS],
  );
  const sessions: string[] = [];
  for (const row of u.rows) sessions.push((await createSession(db, { id: row.id, role: 'worker' }, testConfig(), new Date())).token);
  await createUser(db, { username: 'field_dispatcher', password: PASSWORD, role: 'dispatcher', displayName: 'field bench' });
  return { gridIds, personIds, sessions, centers: g.rows.map((r) => ({ lon: Number(r.lon), lat: Number(r.lat) })) };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const burst = ctx.quick ? 100 : 200;
  const bdb = await benchDb(ctx.databaseUrl, 'field');
  const db = bdb.db;
  ctx.log(`seeding ${WORKERS} grids, workers and device sessions …`);
  const s = await seed(db);
  const app = await createApp({ db, config: testConfig({ DATABASE_URL: bdb.url }), logger: createLogger('silent'), clock: systemClock });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
  app.readiness.markInitialised();
  await app.start();
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'field_dispatcher', password: PASSWORD }) });
  if (login.status !== 200) throw new Error(`bench login failed: ${login.status}`);
  const cookie = (login.headers.getSetCookie().find((c) => c.includes('gcc_session')) ?? '').split(';')[0];
  const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const headers = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };

  // The incidents to assign: accepted, one per chosen worker's grid (spread over the 839).
  const picks = Array.from({ length: burst }, (_, k) => Math.floor((k * WORKERS) / burst));
  const batch = await fetch(`${url}/api/incidents/batch`, {
    method: 'POST', headers,
    body: JSON.stringify({ reports: picks.map((w, k) => ({ category: 'environment', title: `field bench ${k}`, location: s.centers[w] })) }),
  });
  const items = ((await batch.json()) as { items: Array<{ id: number; gridId: number }> }).items;
  for (let k = 0; k < items.length; k++) {
    if (items[k].gridId !== s.gridIds[picks[k]]) throw new Error(`bench incident ${k} landed in grid ${items[k].gridId}, not ${s.gridIds[picks[k]]}`);
  }
  await Promise.all(items.map((it) => fetch(`${url}/api/incidents/${it.id}/accept`, { method: 'POST', headers, body: '{}' }).then((r) => r.arrayBuffer())));

  const rows: BenchRow[] = [];
  let ourClients: Client[] = [];
  let bareClients: Client[] = [];
  const bareServer = http.createServer();
  const bareIo = new SocketServer(bareServer, { serveClient: false });
  try {
    ctx.log(`connecting ${WORKERS} worker sockets (ours) …`);
    ourClients = await connectAll(
      WORKERS,
      (i) => connect(url, { transports: ['websocket'], extraHeaders: { cookie: `gcc_session=${s.sessions[i]}` }, forceNew: true, reconnection: false }),
      async (c) => {
        c.socket.on('events:appended', (events: Array<{ type: string; entityId: string }>) => {
          const at = now();
          for (const e of events) if (e.type === 'incident.assigned') c.waiting.get(e.entityId)?.(at);
        });
        // The phone's handshake: sync from the newest event, which joins the grid's room (server/realtime/rooms.ts).
        await c.socket.timeout(20_000).emitWithAck('events:sync', { afterId: 0 });
      },
    );
    ctx.log(`burst of ${burst} assignments`);
    await new Promise((r) => setTimeout(r, 500));
    const oursLat = await Promise.all(
      items.map(async (it, k) => {
        const w = picks[k];
        const arrival = waitFor(ourClients[w], String(it.id));
        const t0 = now();
        const res = await fetch(`${url}/api/incidents/${it.id}/assign`, { method: 'POST', headers, body: JSON.stringify({ workerId: s.personIds[w] }) });
        if (res.status !== 200) throw new Error(`assign failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        return (await arrival) - t0;
      }),
    );
    for (const c of ourClients) c.socket.close();

    // Baseline: the same sockets and rooms, the same payload size, no database.
    bareIo.on('connection', (sock) => void sock.join(`grid:${String(sock.handshake.query.room)}`));
    bareServer.on('request', (req, res) => {
      if (req.method !== 'POST' || !req.url) return void res.writeHead(404).end();
      const room = new URL(req.url, 'http://x').searchParams.get('room');
      const chunks: Buffer[] = [];
      req.on('data', (ch: Buffer) => chunks.push(ch));
      req.on('end', () => {
        bareIo.to(`grid:${room}`).emit('events:appended', [JSON.parse(Buffer.concat(chunks).toString()) as unknown]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => bareServer.listen(0, '127.0.0.1', r));
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;
    ctx.log(`connecting ${WORKERS} sockets (bare) …`);
    bareClients = await connectAll(
      WORKERS,
      (i) => connect(bareUrl, { transports: ['websocket'], query: { room: String(i) }, forceNew: true, reconnection: false }),
      async (c) => {
        c.socket.on('events:appended', (events: Array<{ type: string; entityId: string }>) => {
          const at = now();
          for (const e of events) c.waiting.get(e.entityId)?.(at);
        });
      },
    );
    await new Promise((r) => setTimeout(r, 500));
    const sample = await db.query<{ payload: unknown }>(`SELECT payload FROM events WHERE type = 'incident.assigned' LIMIT 1`);
    const bareLat = await Promise.all(
      items.map(async (it, k) => {
        const w = picks[k];
        const key = `bare-${it.id}`;
        const arrival = waitFor(bareClients[w], key);
        const t0 = now();
        const res = await fetch(`${bareUrl}/emit?room=${w}`, { method: 'POST', body: JSON.stringify({ type: 'incident.assigned', entityId: key, payload: sample.rows[0]?.payload }) });
        await res.arrayBuffer();
        return (await arrival) - t0;
      }),
    );
    const label = `${WORKERS} worker sockets, burst of ${burst}`;
    for (const [metric, p] of [['p50_ms', 50], ['p99_ms', 99]] as const) {
      rows.push(row({
        scale: label, metric, value: percentile(oursLat, p), baseline: 'bare socket.io emit to one room', baselineValue: percentile(bareLat, p),
        target: metric === 'p99_ms' ? 'p99 < 1000 ms (a task on the phone within 1 s)' : 'report only',
        met: metric === 'p99_ms' ? (v) => v < 1000 : undefined,
      }));
    }
  } finally {
    for (const c of [...ourClients, ...bareClients]) c?.socket.close();
    bareIo.close();
    await new Promise((r) => bareServer.close(r));
    await app.close();
    await bdb.drop();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runStandalone('field', run);
}
