// Benchmark `fanout` (QUALITY.md): an incident reported over HTTP until every one of N connected Socket.IO
// clients has it, p50/p99, against a bare Socket.IO server that only re-broadcasts the same payload, in the
// same run. Ours is the full path: POST /api/incidents (validation, point-in-polygon, incident + event row,
// commit) → publisher wake-up → events:appended to the street room. Clients live in a child process.
// Two scales, each with its own bare baseline in the same run: 'street' (a one-square bench street) and, on a
// PostgreSQL server, 'city' (the sample ×250, ~13,000 grids / 3,000 communities, one day of history), so the
// report's point-in-polygon and the event path run against a city-sized database.
//
// Run alone: npx tsx bench/fanout.ts [--quick]   (writes bench/results/fanout.json)
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Server as SocketServer } from 'socket.io';
import { createApp } from '../server/app';
import { testConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { systemClock } from '../server/clock';
import { migrate } from '../server/db/migrate';
import type { Db } from '../server/db/db';
import { createUser } from '../server/auth/users';
import { generateSample, SCALES } from '../server/sample/load-sample';
import { benchDb } from './bench-app';
import { percentile, printTable, row, writeResult, type BenchContext, type BenchRow } from './bench-kit';

const here = path.dirname(fileURLToPath(import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const PASSWORD = 'fanout-bench-password';
const SQUARE = 'SRID=4326;MULTIPOLYGON(((117.1 39.19,117.18 39.19,117.18 39.245,117.1 39.245,117.1 39.19)))';

interface Target {
  url: string;
  cookie?: string;
  sync: boolean;
  /** Sends the k-th marker; resolves when the server answered. */
  send(marker: string): Promise<void>;
}

async function seedDb(db: Db): Promise<void> {
  await migrate(db);
  await db.query(
    `INSERT INTO streets (code, name, name_en, district, city, geom) VALUES ('120113001', '果园新村街道', 'bench', '北辰区', '天津市', $1::geometry)
     ON CONFLICT DO NOTHING`, [SQUARE]);
  const c = await db.query<{ id: number }>(
    `INSERT INTO communities (street_code, code, name, name_en, geom) VALUES ('120113001', '120113001001', '基准社区', 'bench', $1::geometry)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [SQUARE]);
  await db.query(
    `INSERT INTO grids (community_id, code, name, geom) VALUES ($1, '120113001001001', '基准网格', $2::geometry) ON CONFLICT (code) DO NOTHING`,
    [c.rows[0].id, SQUARE]);
  await db.query(`DELETE FROM users WHERE username = 'fanout_dispatcher'`).catch(() => undefined);
  await createUser(db, { username: 'fanout_dispatcher', password: PASSWORD, role: 'dispatcher', displayName: 'fanout bench' }).catch(() => undefined);
}

async function startClients(t: Target, n: number): Promise<{ child: ChildProcess; waitFor(marker: string): Promise<{ at: number; sample: unknown }> ; stop(): Promise<void> }> {
  const child = fork(path.join(here, 'fanout-clients.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<string, (v: { at: number; sample: unknown }) => void>();
  const arrived = new Map<string, { at: number; sample: unknown }>();
  let readyResolve: () => void = () => undefined;
  let readyReject: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  child.on('message', (m: { type: string; marker?: string; at?: number; sample?: unknown }) => {
    if (m.type === 'ready') readyResolve();
    if (m.type === 'all' && m.marker) {
      const v = { at: m.at as number, sample: m.sample };
      const w = waiting.get(m.marker);
      if (w) w(v);
      else arrived.set(m.marker, v);
    }
  });
  child.once('exit', (code) => readyReject(new Error(`client process exited (${code})`)));
  child.send({ url: t.url, n, cookie: t.cookie, sync: t.sync });
  await ready;
  return {
    child,
    waitFor: (marker) =>
      new Promise((resolve, reject) => {
        const got = arrived.get(marker);
        if (got) return resolve(got);
        const timer = setTimeout(() => reject(new Error(`${marker} did not reach all ${n} clients in 15 s`)), 15_000);
        waiting.set(marker, (v) => {
          clearTimeout(timer);
          resolve(v);
        });
      }),
    async stop() {
      child.send({ type: 'stop' });
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function measure(t: Target, n: number, samples: number, label: string): Promise<{ latencies: number[]; acks: number[]; sample: unknown }> {
  const clients = await startClients(t, n);
  const latencies: number[] = [];
  const acks: number[] = [];
  let sample: unknown;
  try {
    for (let k = 0; k < samples + 3; k++) {
      const marker = `fanout-${label}-${n}-${k}-${Math.random().toString(36).slice(2, 8)}`;
      const t0 = now();
      const arrival = clients.waitFor(marker);
      await t.send(marker);
      const acked = now();
      const got = await arrival;
      if (k >= 3) {
        // the first three warm up both paths
        latencies.push(got.at - t0);
        acks.push(acked - t0);
      }
      sample ??= got.sample;
      await new Promise((r) => setTimeout(r, 30));
    }
  } finally {
    await clients.stop();
  }
  return { latencies, acks, sample };
}

/** A bare Socket.IO server: POST /broadcast re-broadcasts the body as one events:appended batch. */
async function startBare(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
      io.emit('events:appended', [event]);
      res.writeHead(204).end();
    });
  });
  const io = new SocketServer(server, { serveClient: false });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      io.close();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push(...(await measureScale(ctx, 'street', ctx.quick ? [100, 500] : [100, 500, 1000])));
  if (ctx.databaseUrl) rows.push(...(await measureScale(ctx, 'city', ctx.quick ? [500] : [500, 1000])));
  else ctx.log('city scale skipped: DATABASE_URL is not set (generating ×250 on PGlite takes too long)');
  return rows;
}

async function measureScale(ctx: BenchContext, scale: 'street' | 'city', sizes: number[]): Promise<BenchRow[]> {
  const samples = ctx.quick ? 20 : 60;
  // On a server: a throwaway database, so the benchmark never touches real data.
  const bdb = await benchDb(ctx.databaseUrl, `fanout_${scale}`);
  const db = bdb.db;
  const dbUrl = bdb.url;
  let location = { lon: 117.14, lat: 39.22 };
  if (scale === 'street') {
    await seedDb(db);
  } else {
    const t0 = Date.now();
    ctx.log(`city: generating the sample ×${SCALES.city} (one day of history) …`);
    await generateSample(db, { scale: SCALES.city, historyDays: 1 });
    await createUser(db, { username: 'fanout_dispatcher', password: PASSWORD, role: 'dispatcher', displayName: 'fanout bench' });
    // a grid in the middle of the city: the report goes through the full point-in-polygon of ~13,000 grids
    const p = await db.query<{ lon: number; lat: number; grids: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat, (SELECT count(*)::int FROM grids) AS grids
         FROM grids ORDER BY id OFFSET (SELECT count(*) / 2 FROM grids) LIMIT 1`,
    );
    location = { lon: Number(p.rows[0].lon), lat: Number(p.rows[0].lat) };
    ctx.log(`city: ${p.rows[0].grids} grids, generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const app = await createApp({ db, config: testConfig({ DATABASE_URL: dbUrl }), logger: createLogger('silent'), clock: systemClock });
  await new Promise<void>((r) => app.server.listen(0, '127.0.0.1', r));
  app.readiness.markInitialised();
  await app.start();
  const ourUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const login = await fetch(`${ourUrl}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'fanout_dispatcher', password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.getSetCookie().find((c) => c.includes('gcc_session')) ?? '').split(';')[0];
  const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const bare = await startBare();

  const ours: Target = {
    url: ourUrl, cookie, sync: true,
    async send(marker) {
      const res = await fetch(`${ourUrl}/api/incidents`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify({ category: 'environment', title: marker, location }),
      });
      if (res.status !== 201 && res.status !== 200) throw new Error(`report failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    },
  };
  let barePayload: unknown;
  const bareTarget: Target = {
    url: bare.url, sync: false,
    async send(marker) {
      // the same event our server pushed, with this marker as its title
      const event = structuredClone(barePayload) as { payload: { incident: { title: string } } };
      event.payload.incident.title = marker;
      const res = await fetch(`${bare.url}/broadcast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
      await res.arrayBuffer();
    },
  };

  const rows: BenchRow[] = [];
  try {
    for (const n of sizes) {
      const label = `${scale}, ${n} clients`;
      ctx.log(`${label}: ours`);
      const a = await measure(ours, n, samples, 'ours');
      barePayload ??= a.sample;
      ctx.log(`${label}: bare socket.io`);
      const b = await measure(bareTarget, n, samples, 'bare');
      for (const [metric, p] of [['p50_ms', 50], ['p99_ms', 99]] as const) {
        const value = percentile(a.latencies, p);
        const baselineValue = percentile(b.latencies, p);
        rows.push(row({
          scale: label, metric, value, baseline: 'bare socket.io re-broadcast', baselineValue,
          target: metric === 'p99_ms' ? (n === 500 ? '<= 1.5x and < 100 ms' : '<= 1.5x') : 'report only',
          met: metric === 'p99_ms' ? (v, ratio) => ratio <= 1.5 && (n !== 500 || v < 100) : undefined,
        }));
      }
      // Where the time goes: the HTTP answer alone (ours: validation + transaction; bare: a 204).
      rows.push(row({
        scale: label, metric: 'http_answer_p50_ms', value: percentile(a.acks, 50), baseline: 'bare socket.io re-broadcast',
        baselineValue: percentile(b.acks, 50), target: 'report only',
      }));
    }
  } finally {
    await bare.close();
    await app.close();
    await bdb.drop();
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick');
  const rows = await run({ databaseUrl: process.env.DATABASE_URL, quick, log: (m) => console.log(`[fanout] ${m}`) });
  printTable('fanout', rows);
  console.log(`written ${await writeResult('fanout', rows, [
    'ours: POST /api/incidents (validation, point-in-polygon, incident + event commit) until all N clients got events:appended',
    'baseline: bare Socket.IO server re-broadcasting the same event payload on POST, same clients process',
    `backend: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite (in-memory)'}`,
    "scale 'street, N clients': a one-square bench street; 'city, N clients': the sample ×250 (one day of history), report in a mid-city grid",
  ])}`);
  process.exit(0);
}
