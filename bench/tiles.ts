// Benchmark `tiles` (QUALITY.md): building vector tiles for a city-sized set (sample generator ×250,
// ≥ 200k buildings), p50/p99 per request through the real HTTP route, cold (tile cache empty) and warm,
// against the bare SQL that produces the same tile run directly on the same database. Also the street
// on the embedded database, where our path adds the JS encoder to the bare feature SQL.
// Fairness: every tile is timed once per round by both sides, in alternating order, over several rounds
// (the tile cache emptied before each), so p99 rests on some hundred samples, not on a few dozen.
import pg from 'pg';
import { benchDb, startBenchApp } from './bench-app';
import { httpRequest, median, percentile, row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';
import { generateSample } from '../server/sample/load-sample';
import { tileForLonLat, type TileAddress } from '../server/tiles/tile-coords';
import { tileBufferMetres, tileSql } from '../server/tiles/tile-service';
import { STREET_SCOPE } from '../server/auth/scope';
import type { Db } from '../server/db/db';

const ZOOMS = [14, 15, 16, 17, 18];

/**
 * Up to `count` distinct tiles over ZOOMS, at building centroids spread evenly over the table (every n-th
 * building by id), so the street gives as many samples as the city and no zoom is left out.
 */
async function pickTiles(db: Db, count: number): Promise<TileAddress[]> {
  const res = await db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (
       SELECT ST_Centroid(geom) AS c, row_number() OVER (ORDER BY id) AS rn, count(*) OVER () AS n FROM buildings) s
      WHERE rn % GREATEST(1, n / $1) = 0 ORDER BY rn LIMIT $1`,
    [count * 4],
  );
  const seen = new Map<string, TileAddress>();
  res.rows.forEach((r, i) => {
    if (seen.size >= count) return;
    const t = tileForLonLat(r.lon, r.lat, ZOOMS[i % ZOOMS.length]);
    seen.set(`${t.z}/${t.x}/${t.y}`, t);
  });
  return [...seen.values()];
}

async function timeFetch(url: string, headers: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  const res = await httpRequest(url, { headers });
  if (res.status !== 200 && res.status !== 204) throw new Error(`tile ${url} answered ${res.status}`);
  return performance.now() - t0;
}

async function measureScale(ctx: BenchContext, label: string, scale: number, useServer: boolean): Promise<BenchRow[]> {
  const target = await benchDb(useServer ? ctx.databaseUrl : undefined, `tiles_${scale}`);
  try {
    const t0 = Date.now();
    const totals = await generateSample(target.db, { scale, historyDays: 1 });
    ctx.log(`${label}: generated ×${scale} (${totals.buildings} buildings) in ${((Date.now() - t0) / 1000).toFixed(0)} s on ${target.db.kind}`);
    if (target.url) await target.db.query('ANALYZE');
    const tiles = await pickTiles(target.db, ctx.quick ? 40 : 90);
    const app = await startBenchApp(target.db, 'wall');
    const encoder = !target.db.capabilities.mvt;
    // The baseline runs its SQL on its own connection (server; with the app pool's session settings, JIT off)
    // or on the same embedded database.
    const bare = target.url ? new pg.Client({ connectionString: target.url, options: '-c jit=off' }) : undefined;
    await bare?.connect();
    const runBare = async (t: TileAddress) => {
      const { sql, params: scoped } = tileSql('buildings', encoder, STREET_SCOPE);
      const params = [t.z, t.x, t.y, tileBufferMetres(t), ...scoped];
      const t1 = performance.now();
      if (bare) await bare.query(sql, params);
      else await target.db.query(sql, params);
      return performance.now() - t1;
    };
    try {
      for (const t of tiles) await runBare(t); // warm PostgreSQL's buffers for both sides alike
      const cold: number[] = [];
      const warm: number[] = [];
      const base: number[] = [];
      const rounds = ctx.quick ? 4 : 8;
      for (let round = 0; round < rounds; round++) {
        // Each round starts with an empty tile cache (what a data change does), so every tile is cold again.
        app.app.tiles.invalidate();
        for (const [i, t] of tiles.entries()) {
          const url = `${app.baseUrl}/api/tiles/buildings/${t.z}/${t.x}/${t.y}.mvt`;
          // Alternate which side goes first, so neither always runs right after the other's cache misses.
          if ((i + round) % 2 === 0) {
            cold.push(await timeFetch(url, app.headers));
            base.push(await runBare(t));
          } else {
            base.push(await runBare(t));
            cold.push(await timeFetch(url, app.headers));
          }
          warm.push(await timeFetch(url, app.headers));
        }
      }
      const counted = await target.db.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings');
      const features = counted.rows[0].n;
      const baseline = encoder ? 'bare feature SQL (PGlite)' : 'bare ST_AsMVT SQL (pg)';
      const s = `${label} (${features} buildings, ${tiles.length} tiles z${ZOOMS.join('/')} × ${rounds} rounds)`;
      return [
        row({ scale: s, metric: 'cold p50_ms', value: median(cold), baseline, baselineValue: median(base), target: '<= 1.3', met: (_v, r) => r <= 1.3 }),
        row({ scale: s, metric: 'cold p99_ms', value: percentile(cold, 99), baseline, baselineValue: percentile(base, 99), target: '<= 1.3', met: (_v, r) => r <= 1.3 }),
        row({ scale: s, metric: 'warm p50_ms', value: median(warm), baseline, baselineValue: median(base), target: '< 1 (cache)', met: (_v, r) => r < 1 }),
        row({ scale: s, metric: 'warm p99_ms', value: percentile(warm, 99), baseline, baselineValue: percentile(base, 99), target: '< 1 (cache)', met: (_v, r) => r < 1 }),
      ];
    } finally {
      await bare?.end();
      await app.close();
    }
  } finally {
    await target.drop();
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows = await measureScale(ctx, 'street, embedded', 1, false);
  if (!ctx.databaseUrl) {
    ctx.log('DATABASE_URL not set: city scale on PostgreSQL skipped');
    return rows;
  }
  rows.push(...(await measureScale(ctx, 'street, server', 1, true)));
  rows.push(...(await measureScale(ctx, ctx.quick ? 'district ×50, server' : 'city ×250, server', ctx.quick ? 50 : 250, true)));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runStandalone('tiles', run);
