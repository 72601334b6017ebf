// Benchmark `hotspots` (QUALITY.md): Gi* over 100k and 1M incidents on fixed cells, end to end through
// the real HTTP route (session → validation → SQL aggregation → Gi* → JSON), against the baseline "the same
// aggregation done with a GROUP BY in PostGIS, plus our statistic": a spatial join of the incidents with
// a GiST-indexed table of the very same cell polygons, GROUP BY cell, then our giStar() on the result.
// Target: 1M incidents < 1 s end to end. Runs against DATABASE_URL in a throwaway database.
//
//   npx tsx bench/hotspots.ts [--quick]      (or: npm run bench -- hotspots)
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { pathToFileURL } from 'node:url';
import { median, percentile, row, runStandalone, timeMs, type BenchContext, type BenchRow } from './bench-kit';
import { openPg } from '../server/db/pg-driver';
import { migrate } from '../server/db/migrate';
import type { Db } from '../server/db/db';
import { loadSampleStreet } from '../server/sample/load-sample';
import { createUser } from '../server/auth/users';
import { createApp } from '../server/app';
import { testConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { ManualClock } from '../server/clock';
import { cellPolygon, type HotspotsResponse } from '../common/insight';
import { giStar } from '../server/insight/gi-star';
import { insightRead } from '../server/insight/read-tx';

const BENCH_DB = 'gcc_bench_hotspots';
const NOW = new Date('2026-11-23T01:00:00Z');
const WINDOW_DAYS = 90;
const CELL_SIZE = 150;

function dbUrl(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

async function recreateDatabase(base: string): Promise<Db> {
  const admin = new pg.Client({ connectionString: dbUrl(base, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  } finally {
    await admin.end();
  }
  return openPg({ connectionString: dbUrl(base, BENCH_DB) });
}

async function dropDatabase(base: string): Promise<void> {
  const admin = new pg.Client({ connectionString: dbUrl(base, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Adds `count` synthetic incidents with one INSERT … SELECT generate_series per chunk. Positions are
 * building centroids picked with a skewed index (random()³, so some areas are persistently hot) plus
 * ±30 m of jitter; report times spread over the window. setseed makes the set reproducible.
 */
async function insertSynthetic(db: Db, firstSeq: number, count: number, log: (m: string) => void): Promise<void> {
  const chunk = 250_000;
  for (let start = firstSeq; start < firstSeq + count; start += chunk) {
    const end = Math.min(firstSeq + count, start + chunk) - 1;
    const t0 = performance.now();
    await db.transaction(async (tx) => {
      await tx.query(`SELECT setseed($1::float8)`, [(start % 1000) / 1000]);
      await tx.query(
        `WITH b AS (SELECT array_agg(ST_X(ST_Centroid(geom)) ORDER BY id) AS xs, array_agg(ST_Y(ST_Centroid(geom)) ORDER BY id) AS ys,
                           array_agg(community_id ORDER BY id) AS cs, count(*)::int AS n FROM buildings WHERE community_id IS NOT NULL),
              pick AS (SELECT g, 1 + floor(power(random(), 3) * b.n)::int AS k, random() AS r1, random() AS r2, random() AS r3
                       FROM b, generate_series($1::int, $2::int) AS g)
         INSERT INTO incidents (code, category, severity, status, title, source, community_id, geom, reported_at, due_at, closed_at)
         SELECT 'BH' || lpad(pick.g::text, 9, '0'),
                (ARRAY['public_sentiment','appeal','care','mediation','errand','environment','safety','security','emergency','parking','party'])[1 + pick.g % 11],
                CASE WHEN pick.g % 10 = 0 THEN 'big' ELSE 'small' END, 'closed', '合成事件', 'sample', b.cs[pick.k],
                ST_SetSRID(ST_MakePoint(b.xs[pick.k] + (pick.r1 - 0.5) * 0.0007, b.ys[pick.k] + (pick.r2 - 0.5) * 0.00054), 4326),
                $3::timestamptz - pick.r3 * interval '${WINDOW_DAYS} days',
                $3::timestamptz - pick.r3 * interval '${WINDOW_DAYS} days' + interval '48 hours',
                $3::timestamptz - pick.r3 * interval '${WINDOW_DAYS} days' + interval '20 hours'
         FROM pick, b`,
        [start, end, NOW.toISOString()],
      );
    });
    log(`inserted ${end - start + 1} incidents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await db.query('ANALYZE incidents');
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.databaseUrl) {
    ctx.log('skipped: DATABASE_URL is not set (the baseline needs a PostGIS server)');
    return [];
  }
  const base = ctx.databaseUrl;
  const scales = ctx.quick ? [20_000, 100_000] : [100_000, 1_000_000];
  const runs = ctx.quick ? 3 : 5;
  const db = await recreateDatabase(base);
  const rows: BenchRow[] = [];
  const clock = new ManualClock(NOW);
  const app = await createApp({ db, config: testConfig(), logger: createLogger('silent'), clock });
  try {
    await migrate(db);
    await loadSampleStreet(db);
    await createUser(db, { username: 'bench_leader', password: 'bench-leader-pw-1', role: 'leader', displayName: '领导', personId: null, scopeGridId: null });
    await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
    app.readiness.markInitialised();
    const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const login = await fetch(`${baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'bench_leader', password: 'bench-leader-pw-1' }),
    });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const cookie = (login.headers.getSetCookie().find((c) => c.includes('gcc_session=')) ?? '').split(';')[0];

    const from = new Date(NOW.getTime() - (WINDOW_DAYS + 1) * 86_400_000).toISOString();
    const to = new Date(NOW.getTime() + 86_400_000).toISOString();
    const url = `${baseUrl}/api/insight/hotspots?cellSize=${CELL_SIZE}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const ours = async (): Promise<HotspotsResponse> => {
      const res = await fetch(url, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`hotspots answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as HotspotsResponse;
    };

    const sampleCount = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0].n);
    let synthetic = 0;
    for (const scale of scales) {
      const need = scale - sampleCount - synthetic;
      if (need > 0) await insertSynthetic(db, synthetic + 1, need, ctx.log);
      synthetic += Math.max(0, need);
      const total = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0].n);

      // The baseline's cells: exactly the cells our response covers, as polygons with a GiST index.
      const reference = await ours();
      await db.query('DROP TABLE IF EXISTS bench_cells');
      await db.query('CREATE TABLE bench_cells (ix int, iy int, geom geometry(Polygon, 4326))');
      const wkt = reference.cells.map((c) => `POLYGON((${cellPolygon(reference.frame, c.ix, c.iy).map(([x, y]) => `${x} ${y}`).join(',')}))`);
      await db.query(
        `INSERT INTO bench_cells SELECT ix, iy, ST_GeomFromText(w, 4326) FROM unnest($1::int[], $2::int[], $3::text[]) AS u(ix, iy, w)`,
        [reference.cells.map((c) => c.ix), reference.cells.map((c) => c.iy), wkt],
      );
      await db.query('CREATE INDEX bench_cells_geom_idx ON bench_cells USING gist (geom)');
      await db.query('ANALYZE bench_cells');
      let baselineZ: Float64Array = new Float64Array();
      const baseline = async () => {
        // same session settings as ours (read-only, JIT off) so the comparison is about the query, not JIT
        const r = await insightRead(db, (tx) => tx.query<{ ix: number; iy: number; n: number }>(
          `SELECT c.ix, c.iy, count(i.id)::int AS n
           FROM bench_cells c LEFT JOIN incidents i
             ON ST_Contains(c.geom, i.geom) AND i.reported_at >= $1::timestamptz AND i.reported_at < $2::timestamptz
           GROUP BY c.ix, c.iy`,
          [from, to],
        ));
        const cells = r.rows.map((x) => ({ ix: Number(x.ix), iy: Number(x.iy), count: Number(x.n) }));
        const g = giStar(cells, 1.5);
        const byKey = new Map(cells.map((c, k) => [`${c.ix},${c.iy}`, g.z[k]]));
        baselineZ = Float64Array.from(reference.cells.map((c) => byKey.get(`${c.ix},${c.iy}`) ?? NaN));
      };

      await ours();
      await baseline(); // warm-up
      const oursMs: number[] = [];
      const baseMs: number[] = [];
      for (let k = 0; k < runs; k++) {
        oursMs.push(await timeMs(ours));
        baseMs.push(await timeMs(baseline));
      }
      let maxDz = 0;
      reference.cells.forEach((c, k) => (maxDz = Math.max(maxDz, Math.abs(c.z - baselineZ[k]))));
      const label = scale >= 1_000_000 ? `${scale / 1_000_000}M incidents` : `${scale / 1000}k incidents`;
      ctx.log(`load average ${os.loadavg().map((v) => v.toFixed(1)).join(' / ')} on ${os.cpus().length} cores (shared machine: figures scale with it)`);
      ctx.log(`${label}: ${total} rows, ${reference.studyCells} cells, ${reference.incidents} aggregated; max |Δz| ours vs baseline = ${maxDz.toExponential(2)}`);
      const baselineName = 'PostGIS spatial-join GROUP BY on the same cells + our Gi*';
      rows.push(
        row({
          scale: label, metric: 'e2e_median_ms', value: median(oursMs), baseline: baselineName, baselineValue: median(baseMs),
          target: scale >= 1_000_000 ? '< 1000 ms' : 'ratio ≤ 1', met: (v, ratio) => (scale >= 1_000_000 ? v < 1000 : ratio <= 1),
        }),
        row({
          scale: label, metric: 'e2e_p99_ms', value: percentile(oursMs, 99), baseline: baselineName, baselineValue: percentile(baseMs, 99),
          target: scale >= 1_000_000 ? '< 1000 ms' : 'info', met: (v) => (scale >= 1_000_000 ? v < 1000 : true),
        }),
      );
    }
  } finally {
    await app.close().catch(() => undefined);
    await db.close();
    // HOTSPOTS_KEEP_DB=1 keeps the data for EXPLAIN sessions
    if (process.env.HOTSPOTS_KEEP_DB !== '1') await dropDatabase(base);
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runStandalone('hotspots', run);
}
