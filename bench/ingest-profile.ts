// Where the server's CPU goes on the HTTP intake path (issue 15 item 1). Starts the real app on the sample
// street (or the ×250 city with --city), sends single reports from a load client in a process of its own
// (bench/http-load-child.ts, as bench/ingest.ts does), and records a V8 CPU profile of the SERVER's process
// only while the measured requests run (node:inspector, so the data load and warm-up are not in it). It also
// times a bare authenticated GET /api/auth/me with the same client and concurrency, the fixed cost of a
// request before any incident work. The profile is summarised by bench/cpuprofile-summary.ts.
// Not a benchmark of its own (no baseline, no result file): it is the profile bench/README's
// "where the time goes" list cites.
//
//   DATABASE_URL=… npx tsx bench/ingest-profile.ts [--city] [--singles N] [--gather-ms 0,2] [--out /tmp/prefix]
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Session } from 'node:inspector/promises';
import { benchDb, startBenchApp } from './bench-app';
import { startLoadClient } from './http-load-child';
import { currentLoadAverage, httpRequest, median } from './bench-kit';
import { generateSample, loadSampleStreet, SCALES } from '../server/sample/load-sample';
import { INCIDENT_CATEGORIES } from '../common/domain';
import { summariseProfile, type CpuProfile } from './cpuprofile-summary';
import type { Db } from '../server/db/db';

const CONCURRENCY = 8;

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

interface IntakeStats {
  statements: number;
  rows: number;
  ms: number;
}

/** The app's Db with its intake statements (server/incidents/intake-statement.ts) counted: group sizes and latency. */
function countingIntake(db: Db, stats: IntakeStats): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
      return async (sql: string, params?: readonly unknown[]) => {
        if (!sql.trimStart().startsWith('WITH input AS')) return target.query(sql, params);
        const t0 = performance.now();
        try {
          return await target.query(sql, params);
        } finally {
          stats.statements++;
          stats.rows += Array.isArray(params?.[2]) ? (params[2] as unknown[]).length : 0;
          stats.ms += performance.now() - t0;
        }
      };
    },
  });
}

/** Listens on an ephemeral port; resolves to the base URL and a close function. */
async function listen(server: http.Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The floors of an HTTP request in this process, for the "where the time goes" list: a bare node:http server
 * that reads the body, parses it and answers a stored report's JSON, and a bare Express app (express.json and
 * one handler) answering the same. Neither touches the database.
 */
async function startFloors(answer: string): Promise<{ bare: string; express: string; close: () => Promise<void> }> {
  const bare = await listen(
    http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
      });
    }),
  );
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  const parsed = JSON.parse(answer) as unknown;
  app.post('/api/incidents', (_req, res) => {
    res.status(201).json(parsed);
  });
  const ex = await listen(http.createServer(app));
  return { bare: bare.url, express: ex.url, close: async () => { await bare.close(); await ex.close(); } };
}

/** Runs fn with the V8 profiler on (this process only), writes the profile, and returns it with the CPU time used. */
async function profiled<T>(file: string, fn: () => Promise<T>): Promise<{ result: T; profile: CpuProfile; cpu: NodeJS.CpuUsage }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const cpu0 = process.cpuUsage();
  const result = await fn();
  const cpu = process.cpuUsage(cpu0);
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  await writeFile(file, JSON.stringify(profile));
  return { result, profile, cpu };
}

async function main(): Promise<void> {
  const city = process.argv.includes('--city');
  const singles = Number(argValue('--singles') ?? 3000);
  const out = argValue('--out') ?? `/tmp/ingest-${city ? 'city' : 'street'}`;
  const bdb = await benchDb(process.env.DATABASE_URL, city ? 'profile_city' : 'profile_street');
  try {
    if (city) await generateSample(bdb.db, { scale: SCALES.city, historyDays: 1 });
    else await loadSampleStreet(bdb.db);
    const intake: IntakeStats = { statements: 0, rows: 0, ms: 0 };
    const app = await startBenchApp(countingIntake(bdb.db, intake), 'dispatcher');
    const clients = await startLoadClient();
    try {
      const pts = await bdb.db.query<{ lon: number; lat: number }>(
        `SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat FROM grids g, LATERAL ST_Dump(ST_GeneratePoints(g.geom, CEIL($1::float8 / (SELECT count(*) FROM grids))::int, g.id)) d
          ORDER BY md5(g.id::text || ':' || d.path[1]::text) LIMIT $1`,
        [singles + 300 + 15 * Math.min(1000, singles)],
      );
      const bodies = pts.rows.map((p, i) =>
        JSON.stringify({
          category: INCIDENT_CATEGORIES[i % INCIDENT_CATEGORIES.length],
          severity: i % 10 === 0 ? 'big' : 'small',
          title: `基准事件 ${i}`,
          description: '道路破损，请尽快处理'.repeat(3),
          location: { lon: Number(p.lon), lat: Number(p.lat) },
        }),
      );
      const url = `${app.baseUrl}/api/incidents`;
      // warm-up: JIT, prepared statements, pool connections
      await clients.run({ url, headers: app.headers, concurrency: CONCURRENCY, expectStatus: 201, bodies: bodies.slice(0, 300) });
      await clients.run({ url: `${app.baseUrl}/api/auth/me`, method: 'GET', headers: app.headers, concurrency: CONCURRENCY, expectStatus: 200, bodies: Array<string>(500).fill('') });

      const perReq = (c: NodeJS.CpuUsage, n: number) => ((c.user + c.system) / 1000 / n).toFixed(3);
      // Stages side by side, alternating rounds: rate and this process's CPU per request, same client and concurrency.
      const sample = await httpRequest(url, { method: 'POST', headers: app.headers, body: bodies[bodies.length - 1] });
      const floors = await startFloors(sample.body.toString('utf8'));
      const stageN = Math.min(1000, singles);
      let fed = 300;
      const stages: Array<{ name: string; run: () => Promise<{ ms: number }> }> = [
        { name: 'bare node:http (read + JSON.parse body, answer a stored report)', run: () => clients.run({ url: `${floors.bare}/api/incidents`, headers: app.headers, concurrency: CONCURRENCY, expectStatus: 201, bodies: bodies.slice(0, stageN) }) },
        { name: 'bare Express (express.json + one handler, same answer)', run: () => clients.run({ url: `${floors.express}/api/incidents`, headers: app.headers, concurrency: CONCURRENCY, expectStatus: 201, bodies: bodies.slice(0, stageN) }) },
        { name: 'our app: GET /api/auth/me (helmet, session, CSRF check, one route)', run: () => clients.run({ url: `${app.baseUrl}/api/auth/me`, method: 'GET', headers: app.headers, concurrency: CONCURRENCY, expectStatus: 200, bodies: Array<string>(stageN).fill('') }) },
        { name: 'our app: POST /api/incidents (the whole report)', run: () => clients.run({ url, headers: app.headers, concurrency: CONCURRENCY, expectStatus: 201, bodies: bodies.slice(fed, (fed += stageN)) }) },
      ];
      const stageStats = stages.map(() => ({ rate: [] as number[], cpu: [] as number[] }));
      for (let round = 0; round < 3; round++) {
        for (const [i, st] of stages.entries()) {
          const c0 = process.cpuUsage();
          const r = await st.run();
          const c = process.cpuUsage(c0);
          stageStats[i].rate.push(stageN / (r.ms / 1000));
          stageStats[i].cpu.push((c.user + c.system) / 1000 / stageN);
        }
      }
      await floors.close();
      console.log(`stages (${stageN} requests, ${CONCURRENCY} concurrent, median of 3 alternating rounds; load average ${currentLoadAverage().join(' ')}):`);
      for (const [i, st] of stages.entries()) console.log(`  ${median(stageStats[i].rate).toFixed(0).padStart(6)} /s  ${median(stageStats[i].cpu).toFixed(3)} ms CPU a request  ${st.name}`);
      // A/B of the group commit's gathering (INTAKE_GATHER_MS), same database, alternating rounds: one app per value.
      if (bdb.db.capabilities.concurrent) {
        const variants = (argValue('--gather-ms') ?? '0,2').split(',').map(Number);
        const apps = await Promise.all(variants.map((n) => startBenchApp(countingIntake(bdb.db, intake), 'dispatcher', { INTAKE_GATHER_MS: n })));
        const ab = variants.map(() => ({ rate: [] as number[], group: [] as number[], ms: [] as number[] }));
        try {
          for (let round = 0; round < 3; round++) {
            for (const [i, a] of apps.entries()) {
              Object.assign(intake, { statements: 0, rows: 0, ms: 0 });
              const r = await clients.run({ url: `${a.baseUrl}/api/incidents`, headers: a.headers, concurrency: CONCURRENCY, expectStatus: 201, bodies: bodies.slice(fed, (fed += stageN)) });
              ab[i].rate.push(stageN / (r.ms / 1000));
              ab[i].group.push(intake.rows / intake.statements);
              ab[i].ms.push(intake.ms / intake.statements);
            }
          }
        } finally {
          for (const a of apps) await a.close();
        }
        console.log(`group commit A/B (${stageN} reports a round, median of 3 alternating rounds; load average ${currentLoadAverage().join(' ')}):`);
        for (const [i, v] of ab.entries()) {
          console.log(`  gather ${variants[i]} ms: ${median(v.rate).toFixed(0)} /s (${(median(v.rate) / median(ab[0].rate)).toFixed(2)}x the first), ${median(v.group).toFixed(2)} reports a group, ${median(v.ms).toFixed(1)} ms a statement`);
        }
      }
      // the profiled phase below uses fresh points (the stages used up to `fed`)
      bodies.splice(300, fed - 300);
      const me = await profiled(`${out}.me.cpuprofile`, () =>
        clients.run({ url: `${app.baseUrl}/api/auth/me`, method: 'GET', headers: app.headers, concurrency: CONCURRENCY, expectStatus: 200, bodies: Array<string>(singles).fill('') }),
      );
      Object.assign(intake, { statements: 0, rows: 0, ms: 0 });
      const post = await profiled(`${out}.post.cpuprofile`, () =>
        clients.run({ url, headers: app.headers, concurrency: CONCURRENCY, expectStatus: 201, bodies: bodies.slice(300, 300 + singles) }),
      );
      console.log(`load average ${currentLoadAverage().join(' ')}`);
      console.log(`GET /api/auth/me, ${CONCURRENCY} concurrent: ${(singles / (me.result.ms / 1000)).toFixed(0)} /s, server CPU ${perReq(me.cpu, singles)} ms a request`);
      console.log(summariseProfile(me.profile, 15));
      console.log(`\nPOST /api/incidents, ${CONCURRENCY} concurrent: ${(singles / (post.result.ms / 1000)).toFixed(0)} /s, server CPU ${perReq(post.cpu, singles)} ms a report`);
      console.log(`intake statements: ${intake.statements} for ${intake.rows} reports (${(intake.rows / intake.statements).toFixed(2)} a group), ${(intake.ms / intake.statements).toFixed(2)} ms each`);
      console.log(summariseProfile(post.profile, 30));
      console.log(`\nprofiles written to ${out}.{me,post}.cpuprofile`);
    } finally {
      clients.close();
      await app.close();
    }
  } finally {
    await bdb.drop();
  }
}

await main();
process.exit(0);
