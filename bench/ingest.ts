// Benchmark `ingest` (QUALITY.md): incidents per second through the real API path — HTTP, session, zod
// validation, community/grid by point-in-polygon (ST_Covers on the GiST-indexed polygons), the incident row,
// its event row and audit row, COMMIT — single reports and batches, against the baseline "plain
// parameterized INSERT of the same rows with pg" in the same run, on the same server database:
//   single: one INSERT per row (autocommit), the same concurrency as our HTTP clients;
//   batch:  one multi-row INSERT … VALUES per 500 rows (the natural bulk baseline).
// The baseline is handed the community and grid ids our path computes (looked up before timing), so it
// does strictly less work. For batches two baselines are reported: one multi-row INSERT per 500 rows (the
// fastest plain way) and 500 single-row INSERTs in one transaction. An extra row measures the service layer
// without HTTP, to show how much of the cost is HTTP + session on a busy machine. Target: ≥ 0.5× the plain
// insert rate. Rounds alternate ours/baseline; the
// median rate of the rounds is reported.
// Two scales, each in its own throwaway database with its own same-run baselines: 'street' (the sample street,
// a few hundred grids) and 'city' (the sample ×250: ~13,000 grids in ~3,000 communities, so the
// point-in-polygon lookup runs against a city-sized GiST index; one day of history).
//
//   DATABASE_URL=… npx tsx bench/ingest.ts [--quick]     (or: npm run bench -- ingest)
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { benchDb, startBenchApp } from './bench-app';
import { httpRequest, median, percentile, row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';
import { generateSample, loadSampleStreet, SCALES } from '../server/sample/load-sample';
import { locatePoints } from '../server/incidents/jurisdiction';
import { dueTimes } from '../server/incidents/due-times';
import { INCIDENT_CATEGORIES } from '../common/domain';
import { ReportIncidentSchema, type ReportIncidentInput } from '../common/incidents';
import { createIncidentService } from '../server/incidents/incident-service';
import { systemClock } from '../server/clock';

const CONCURRENCY = 8;
const BATCH = 500;
const TARGET = 0.5;

interface Prepared {
  report: ReportIncidentInput & { location: { lon: number; lat: number } };
  communityId: number;
  gridId: number | null;
}

async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++];
        await fn(item);
      }
    }),
  );
}

/** Plain INSERT parameters for one prepared report (the same columns our path fills). */
function plainValues(p: Prepared, i: number, tag: string, now: Date): unknown[] {
  const due = dueTimes(p.report.severity ?? 'small', now);
  return [
    `BASE-${tag}-${i}`, p.report.category, p.report.severity ?? 'small', p.report.title, p.report.description ?? '', 'api',
    p.communityId, p.gridId, p.report.location.lon, p.report.location.lat, due.dueAt.toISOString(), now.toISOString(),
  ];
}
const PLAIN_COLS = '(code, category, severity, title, description, source, community_id, grid_id, geom, due_at, reported_at)';
const plainTuple = (o: number) =>
  `($${o + 1}, $${o + 2}, $${o + 3}, $${o + 4}, $${o + 5}, $${o + 6}, $${o + 7}, $${o + 8}, ST_SetSRID(ST_MakePoint($${o + 9}, $${o + 10}), 4326), $${o + 11}, $${o + 12})`;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.databaseUrl) {
    ctx.log('skipped: DATABASE_URL is not set (the baseline is plain pg on a PostgreSQL server)');
    return [];
  }
  const rows: BenchRow[] = [];
  rows.push(...(await measureScale(ctx, ctx.databaseUrl, 'street')));
  rows.push(...(await measureScale(ctx, ctx.databaseUrl, 'city')));
  return rows;
}

async function measureScale(ctx: BenchContext, databaseUrl: string, scale: 'street' | 'city'): Promise<BenchRow[]> {
  // The city pass costs a minute of generation first; its rounds are kept a little shorter in --quick.
  const singles = ctx.quick ? (scale === 'city' ? 300 : 400) : 2000;
  const batches = ctx.quick ? 4 : 16;
  const rounds = ctx.quick ? 2 : 3;
  const bdb = await benchDb(databaseUrl, `ingest_${scale}`);
  const plain = new pg.Pool({ connectionString: bdb.url, max: CONCURRENCY });
  // DROP DATABASE … WITH (FORCE) at the end terminates whatever is still idle: that must not crash the run
  plain.on('error', () => undefined);
  try {
    const t0gen = Date.now();
    if (scale === 'street') {
      ctx.log('street: loading the sample street …');
      await loadSampleStreet(bdb.db);
    } else {
      ctx.log(`city: generating the sample ×${SCALES.city} (one day of history) …`);
      await generateSample(bdb.db, { scale: SCALES.city, historyDays: 1 });
    }
    const size = await bdb.db.query<{ grids: number; communities: number }>(
      'SELECT (SELECT count(*)::int FROM grids) AS grids, (SELECT count(*)::int FROM communities) AS communities',
    );
    const { grids, communities } = size.rows[0];
    ctx.log(`${scale}: ${grids} grids, ${communities} communities, loaded in ${((Date.now() - t0gen) / 1000).toFixed(0)} s`);
    const app = await startBenchApp(bdb.db, 'dispatcher');
    try {
      const need = rounds * (singles * 3 + batches * BATCH * 3) + 100;
      // Points spread over every grid (a few per grid, seeded per grid): a union of 13,000 city grids would
      // cost more than the benchmark itself.
      const pts = await bdb.db.query<{ lon: number; lat: number }>(
        `SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
           FROM grids g, LATERAL ST_Dump(ST_GeneratePoints(g.geom, CEIL($1::float8 / $2)::int, g.id)) AS d
          ORDER BY md5(g.id::text || ':' || d.path[1]::text)
          LIMIT $1`,
        [need, grids],
      );
      const located = await locatePoints(bdb.db, pts.rows);
      const prepared: Prepared[] = pts.rows.map((p, i) => ({
        report: {
          category: INCIDENT_CATEGORIES[i % INCIDENT_CATEGORIES.length],
          severity: i % 10 === 0 ? 'big' : 'small',
          title: `基准事件 ${i}`,
          description: '道路破损，请尽快处理'.repeat(3),
          location: { lon: Number(p.lon), lat: Number(p.lat) },
        },
        communityId: located[i].communityId as number,
        gridId: located[i].gridId,
      }));
      const before = await bdb.db.query<{ n: number; ev: number }>(
        `SELECT (SELECT count(*)::int FROM incidents WHERE code LIKE 'INC-%') AS n,
                (SELECT count(*)::int FROM events WHERE type = 'incident.reported') AS ev`,
      );
      let cursor = 0;
      const take = (n: number) => prepared.slice(cursor, (cursor += n));

      const ours = { single: [] as number[], batch: [] as number[], singleLat: [] as number[], service: [] as number[] };
      const base = { single: [] as number[], batch: [] as number[], singleLat: [] as number[], batchRows: [] as number[] };
      const service = createIncidentService({ db: bdb.db, clock: systemClock });
      const serviceCtx = { actor: 'user:bench', role: 'dispatcher' as const, personId: null };
      // Warm-up (JIT, plan caches, pool connections) — not measured.
      for (const p of take(50)) {
        await httpRequest(`${app.baseUrl}/api/incidents`, { method: 'POST', headers: app.headers, body: JSON.stringify(p.report) });
      }

      for (let r = 0; r < rounds; r++) {
        // ours, single
        const mine = take(singles);
        let t0 = performance.now();
        await runPool(mine, CONCURRENCY, async (p) => {
          const s = performance.now();
          const res = await httpRequest(`${app.baseUrl}/api/incidents`, { method: 'POST', headers: app.headers, body: JSON.stringify(p.report) });
          if (res.status !== 201) throw new Error(`report failed: ${res.status} ${res.body.toString()}`);
          ours.singleLat.push(performance.now() - s);
        });
        ours.single.push(singles / ((performance.now() - t0) / 1000));

        // baseline, single
        const theirs = take(singles);
        const now = new Date();
        t0 = performance.now();
        let k = 0;
        await runPool(theirs, CONCURRENCY, async (p) => {
          const s = performance.now();
          await plain.query(`INSERT INTO incidents ${PLAIN_COLS} VALUES ${plainTuple(0)}`, plainValues(p, k++, `s${r}`, now));
          base.singleLat.push(performance.now() - s);
        });
        base.single.push(singles / ((performance.now() - t0) / 1000));

        // ours, batch
        t0 = performance.now();
        for (let b = 0; b < batches; b++) {
          const chunk = take(BATCH).map((p) => p.report);
          const res = await httpRequest(`${app.baseUrl}/api/incidents/batch`, { method: 'POST', headers: app.headers, body: JSON.stringify({ reports: chunk }) });
          if (res.status !== 201) throw new Error(`batch failed: ${res.status} ${res.body.toString()}`);
        }
        ours.batch.push((batches * BATCH) / ((performance.now() - t0) / 1000));

        // baseline, batch
        t0 = performance.now();
        for (let b = 0; b < batches; b++) {
          const chunk = take(BATCH);
          const params: unknown[] = [];
          const tuples = chunk.map((p, i) => {
            const o = params.length;
            params.push(...plainValues(p, i, `b${r}-${b}`, now));
            return plainTuple(o);
          });
          await plain.query(`INSERT INTO incidents ${PLAIN_COLS} VALUES ${tuples.join(', ')}`, params);
        }
        base.batch.push((batches * BATCH) / ((performance.now() - t0) / 1000));

        // baseline, batch as one parameterized INSERT per row inside one transaction
        t0 = performance.now();
        for (let b = 0; b < batches; b++) {
          const chunk = take(BATCH);
          const client = await plain.connect();
          try {
            await client.query('BEGIN');
            for (const [i, p] of chunk.entries()) {
              await client.query(`INSERT INTO incidents ${PLAIN_COLS} VALUES ${plainTuple(0)}`, plainValues(p, i, `t${r}-${b}`, now));
            }
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        }
        base.batchRows.push((batches * BATCH) / ((performance.now() - t0) / 1000));

        // ours without HTTP: the service layer alone, same concurrency (where the time goes)
        const direct = take(singles);
        t0 = performance.now();
        await runPool(direct, CONCURRENCY, async (p) => {
          await service.reportIncident(serviceCtx, ReportIncidentSchema.parse(p.report));
        });
        ours.service.push(singles / ((performance.now() - t0) / 1000));
        ctx.log(`${scale} round ${r + 1}/${rounds}: single ${ours.single[r].toFixed(0)} vs ${base.single[r].toFixed(0)}/s (service alone ${ours.service[r].toFixed(0)}/s), batch ${ours.batch[r].toFixed(0)} vs ${base.batch[r].toFixed(0)} multi-row / ${base.batchRows[r].toFixed(0)} per-row /s`);
      }

      const check = await bdb.db.query<{ n: number; ev: number }>(
        `SELECT (SELECT count(*)::int FROM incidents WHERE code LIKE 'INC-%') AS n,
                (SELECT count(*)::int FROM events WHERE type = 'incident.reported') AS ev`,
      );
      // our reports only: the generated history may hold incidents without a reported event of their own
      const added = check.rows[0].n - before.rows[0].n;
      const addedEvents = check.rows[0].ev - before.rows[0].ev;
      if (added !== addedEvents) throw new Error(`every incident must have its event: ${added} vs ${addedEvents}`);

      const atLeast = (_v: number, ratio: number) => ratio >= TARGET;
      ctx.log(`${scale}: ${added} incidents reported through our path, each with its event`);
      return [
        row({ scale, metric: `single incidents/s (${CONCURRENCY} concurrent, HTTP)`, value: median(ours.single), baseline: `plain pg INSERT per row, ${CONCURRENCY} concurrent`, baselineValue: median(base.single), target: `>= ${TARGET}`, met: atLeast }),
        row({ scale, metric: `batch incidents/s (${BATCH} per request, HTTP)`, value: median(ours.batch), baseline: `plain pg multi-row INSERT of ${BATCH}`, baselineValue: median(base.batch), target: `>= ${TARGET}`, met: atLeast }),
        row({ scale, metric: `batch incidents/s (${BATCH} per request, HTTP)`, value: median(ours.batch), baseline: `plain pg INSERT per row, ${BATCH} in one transaction`, baselineValue: median(base.batchRows), target: `>= ${TARGET}`, met: atLeast }),
        row({ scale, metric: `single incidents/s, service layer without HTTP (${CONCURRENCY} concurrent)`, value: median(ours.service), baseline: `plain pg INSERT per row, ${CONCURRENCY} concurrent`, baselineValue: median(base.single), target: 'report only', met: () => true }),
        row({ scale, metric: 'single report p99 ms', value: percentile(ours.singleLat, 99), baseline: 'plain pg INSERT p99 ms', baselineValue: percentile(base.singleLat, 99), target: 'report only', met: () => true }),
      ];
    } finally {
      await app.close();
    }
  } finally {
    await plain.end();
    await bdb.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runStandalone('ingest', run);
  process.exit(0);
}
