// Where a cold tile request's time goes (issue 15 item 3): each stage of the real path timed on its own,
// per tile, in the same run and alternating order, against the bare tile SQL. Not a QUALITY.md benchmark
// (no results file): it prints medians to explain bench/tiles.ts. `npx tsx bench/tiles-stages.ts`
// (DATABASE_URL set: PostgreSQL too).
//
//   floor   a bare node:http server answering the same bytes, same client: the HTTP transport itself
//   warm    our route answering from the tile cache: transport + Express + helmet + session + zod + scope
//   sql     the tile SQL through the app's Db (prepared on pg), nothing else
//   bare    the bench's baseline: the same SQL unprepared on its own connection (or the same PGlite)
//   encode  PGlite only: rows → vt-pbf bytes (JSON.parse of the pixel GeoJSON + the encoder)
//   render  the TileService's miss path: SQL + encode + cache store
//   cold    our route with the tile cache empty
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { benchDb, startBenchApp } from './bench-app';
import { httpRequest, median } from './bench-kit';
import { generateSample } from '../server/sample/load-sample';
import { tileForLonLat, type TileAddress } from '../server/tiles/tile-coords';
import { createTileService, tileBufferMetres, tileSql, tileRowsToMvt } from '../server/tiles/tile-service';
import { STREET_SCOPE } from '../server/auth/scope';
import { prepared } from '../server/db/db';

const ZOOMS = [14, 15, 16, 17, 18];
const STAGES = ['floor', 'warm', 'sql', 'bare', 'encode', 'render', 'cold'] as const;
type Stage = (typeof STAGES)[number];

async function stages(url: string | undefined, rounds: number): Promise<Record<Stage, number[]>> {
  const target = await benchDb(url, 'tilestages');
  try {
    await generateSample(target.db, { scale: 1, historyDays: 1 });
    if (target.url) await target.db.query('ANALYZE');
    const pts = await target.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_Centroid(geom)) AS lon, ST_Y(ST_Centroid(geom)) AS lat FROM buildings WHERE id % 17 = 0 ORDER BY id LIMIT 60`,
    );
    const seen = new Map<string, TileAddress>();
    pts.rows.forEach((r, i) => {
      const t = tileForLonLat(r.lon, r.lat, ZOOMS[i % ZOOMS.length]);
      seen.set(`${t.z}/${t.x}/${t.y}`, t);
    });
    const tiles = [...seen.values()];
    const app = await startBenchApp(target.db, 'wall');
    const encoder = !target.db.capabilities.mvt;
    const bare = target.url ? new pg.Client({ connectionString: target.url, options: '-c jit=off' }) : undefined;
    await bare?.connect();
    let floorBody: Buffer = Buffer.alloc(0);
    const floorServer = http.createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/vnd.mapbox-vector-tile');
      res.end(floorBody);
    });
    floorServer.keepAliveTimeout = 65_000;
    await new Promise<void>((r) => floorServer.listen(0, '127.0.0.1', r));
    const floorUrl = `http://127.0.0.1:${(floorServer.address() as AddressInfo).port}/`;
    const out = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
    const time = async (stage: Stage, fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      out[stage].push(performance.now() - t0);
    };
    try {
      for (let round = 0; round < rounds; round++) {
        app.app.tiles.invalidate();
        const service = createTileService(target.db);
        for (const [i, t] of tiles.entries()) {
          const stmt = tileSql('buildings', encoder, STREET_SCOPE);
          const params = [t.z, t.x, t.y, tileBufferMetres(t), ...stmt.params];
          const tileUrl = `${app.baseUrl}/api/tiles/buildings/${t.z}/${t.x}/${t.y}.mvt`;
          const steps: Array<() => Promise<void>> = [
            () => time('cold', () => httpRequest(tileUrl, { headers: app.headers })),
            () => time('bare', () => (bare ? bare.query(stmt.sql, params) : target.db.query(stmt.sql, params))),
            () => time('sql', () => target.db.query(encoder ? stmt.sql : prepared(stmt.sql), params)),
            () => time('render', () => service.getTile('buildings', t, STREET_SCOPE)),
          ];
          // Rotate the order of the cold stages per tile and round: each runs in each position equally often
          // (on a loaded machine the first query after an idle moment pays the wake-up of the database).
          const k = (i + round) % steps.length;
          const order = [...steps.slice(k), ...steps.slice(0, k)];
          for (const s of order) await s();
          const warm = await httpRequest(tileUrl, { headers: app.headers });
          floorBody = warm.body;
          await time('warm', () => httpRequest(tileUrl, { headers: app.headers }));
          await time('floor', () => httpRequest(floorUrl));
          if (encoder) {
            const rows = (await target.db.query<Record<string, unknown> & { id: number; geojson: string }>(stmt.sql, params)).rows;
            await time('encode', async () => tileRowsToMvt('buildings', rows));
          }
        }
      }
    } finally {
      await new Promise<void>((r) => floorServer.close(() => r()));
      await bare?.end();
      await app.close();
    }
    return out;
  } finally {
    await target.drop();
  }
}

const rounds = Number(process.env.ROUNDS ?? 5);
for (const url of [undefined, process.env.DATABASE_URL].filter((u, i) => i === 0 || u)) {
  const res = await stages(url, rounds);
  const [l1, l5] = (await import('node:os')).loadavg();
  console.log(`\n${url ? 'PostgreSQL' : 'PGlite'} street, ${res.cold.length} samples a stage, load ${l1.toFixed(2)} / ${l5.toFixed(2)}`);
  const bare = median(res.bare);
  for (const s of STAGES) {
    if (!res[s].length) continue;
    console.log(`  ${s.padEnd(7)} median ${median(res[s]).toFixed(3)} ms   (${(median(res[s]) / bare).toFixed(2)}× bare)`);
  }
}
