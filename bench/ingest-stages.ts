// Where the time of a report goes (issue 15 item 1): the real intake path with every statement timed. It wraps
// the Db the app uses so each statement (its first words name it) adds its wall time and count, then sends
// single reports over HTTP (8 concurrent) and batches of 500, and prints per statement: count, total ms, mean ms
// and ms per report, next to the wall time per report. Not a benchmark of its own (no baseline, no result file):
// it is the profile bench/README's "Where targets are missed" cites. Add `--city` for the ×250 city.
//
//   DATABASE_URL=… npx tsx bench/ingest-stages.ts [--city] [--singles N]
import { benchDb, startBenchApp } from './bench-app';
import { generateSample, loadSampleStreet, SCALES } from '../server/sample/load-sample';
import { INCIDENT_CATEGORIES } from '../common/domain';
import type { Db, Queryable } from '../server/db/db';

interface Stat {
  n: number;
  ms: number;
}

/** A short, stable name for a statement: its leading keywords and first table. */
function nameOf(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  const m = /^(WITH [a-z_]+ AS \(\w+ [a-z_(]+|INSERT INTO \w+|UPDATE \w+|SELECT [^ ]+(?: [^ ]+){0,3}|BEGIN|COMMIT|ROLLBACK)/i.exec(s);
  return (m ? m[0] : s.slice(0, 40)).slice(0, 60);
}

function timed(db: Db, stats: Map<string, Stat>): Db {
  const wrap = (q: Queryable): Queryable => ({
    async query(sql, params) {
      const t0 = performance.now();
      try {
        return await q.query(sql, params);
      } finally {
        const k = nameOf(sql);
        const s = stats.get(k) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t0;
        stats.set(k, s);
      }
    },
  });
  const outer = wrap(db);
  return {
    kind: db.kind,
    capabilities: db.capabilities,
    publisherLane: db.publisherLane,
    query: outer.query,
    async transaction(fn) {
      const t0 = performance.now();
      try {
        return await db.transaction((tx) => fn(wrap(tx)));
      } finally {
        const s = stats.get('(whole transaction)') ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t0;
        stats.set('(whole transaction)', s);
      }
    },
    exec: (sql) => db.exec(sql),
    ping: (ms) => db.ping(ms),
    close: () => db.close(),
  };
}

function print(title: string, stats: Map<string, Stat>, reports: number, wallMs: number): void {
  console.log(`\n${title}: ${reports} reports in ${wallMs.toFixed(0)} ms = ${(reports / (wallMs / 1000)).toFixed(0)} /s, ${(wallMs / reports).toFixed(3)} ms wall per report`);
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.table(rows.map(([k, s]) => ({ statement: k, count: s.n, totalMs: Math.round(s.ms), meanMs: Number((s.ms / s.n).toFixed(3)), msPerReport: Number((s.ms / reports).toFixed(3)) })));
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const city = process.argv.includes('--city');
  const singlesArg = process.argv.indexOf('--singles');
  const singles = singlesArg > 0 ? Number(process.argv[singlesArg + 1]) : 1000;
  const bdb = await benchDb(url, city ? 'stages_city' : 'stages_street');
  try {
    if (city) await generateSample(bdb.db, { scale: SCALES.city, historyDays: 1 });
    else await loadSampleStreet(bdb.db);
    const stats = new Map<string, Stat>();
    const db = timed(bdb.db, stats);
    const app = await startBenchApp(db, 'dispatcher');
    try {
      const pts = await bdb.db.query<{ lon: number; lat: number }>(
        `SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat FROM grids g, LATERAL ST_Dump(ST_GeneratePoints(g.geom, CEIL($1::float8 / (SELECT count(*) FROM grids))::int, g.id)) d
          ORDER BY md5(g.id::text || ':' || d.path[1]::text) LIMIT $1`,
        [singles + 2050],
      );
      const reports = pts.rows.map((p, i) => ({
        category: INCIDENT_CATEGORIES[i % INCIDENT_CATEGORIES.length],
        severity: i % 10 === 0 ? 'big' : 'small',
        title: `基准事件 ${i}`,
        description: '道路破损，请尽快处理'.repeat(3),
        location: { lon: Number(p.lon), lat: Number(p.lat) },
      }));
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${app.baseUrl}${path}`, { method: 'POST', headers: app.headers, body: JSON.stringify(body) });
        if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      };
      for (const r of reports.slice(0, 50)) await post('/api/incidents', r); // warm-up
      // The fixed cost of an authenticated request without the report: the same client, headers and concurrency.
      let g = 0;
      const t1 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (g++ < singles) await (await fetch(`${app.baseUrl}/api/auth/me`, { headers: app.headers })).arrayBuffer();
        }),
      );
      const getMs = performance.now() - t1;
      console.log(`\nGET /api/auth/me, 8 concurrent: ${singles} in ${getMs.toFixed(0)} ms = ${(singles / (getMs / 1000)).toFixed(0)} /s`);
      stats.clear();
      let next = 50;
      const end = 50 + singles;
      let t0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < end) await post('/api/incidents', reports[next++]);
        }),
      );
      print('single over HTTP, 8 concurrent', stats, singles, performance.now() - t0);
      stats.clear();
      t0 = performance.now();
      const batches = Math.floor((reports.length - end) / 500);
      for (let b = 0; b < batches; b++) await post('/api/incidents/batch', { reports: reports.slice(end + b * 500, end + (b + 1) * 500) });
      print('batch of 500 over HTTP', stats, batches * 500, performance.now() - t0);
    } finally {
      await app.close();
    }
  } finally {
    await bdb.drop();
  }
}

await main();
process.exit(0);
