// Benchmark `pan` (issue 8: "the client stays smooth when panning the city"): the desk map in real Chromium
// (software WebGL2, 960×600) panned along the same path — a loop of equal size around the centre of the
// data — on a district (sample ×50) and a city (×250, full run only), drawn from vector tiles, against the
// one-street sample drawn as GeoJSON, in the same run on the same machine. QUALITY.md sets no frame budget
// (a software-rendered frame has none worth naming), so the target is parity with the street: frame p50
// and p95 within 2× of the street's, cold (tiles load while panning, fresh browser) and warm (same path
// again, tiles cached). Rounds alternate street and large data, each in a fresh browser profile.
//
//   DATABASE_URL=… npx tsx bench/pan.ts [--quick]     (or: npm run bench -- pan)
import { randomBytes } from 'node:crypto';
import { benchDb, startBenchApp, type BenchDb } from './bench-app';
import { median, row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';
import { ensureClientBuilt } from '../tests/helpers/build-client';
import { launchBrowser, signInThroughForm } from '../tests/helpers/browser';
import { describePan, legsAcross, legsAround, panAcross, type Bbox, type PanFigures } from '../tests/helpers/map-pan';
import { generateSample, loadSampleStreet } from '../server/sample/load-sample';
import { createUser } from '../server/auth/users';

const VIEWPORT = { width: 960, height: 600 };
const ZOOM = 15;
const TARGET = 2;

interface Site {
  label: string;
  bdb: BenchDb;
  baseUrl: string;
  close(): Promise<void>;
  username: string;
  password: string;
}

async function openSite(ctx: BenchContext, label: string, scale: number): Promise<Site> {
  const bdb = await benchDb(ctx.databaseUrl, `pan_${scale}`);
  const t0 = Date.now();
  if (scale === 1) await loadSampleStreet(bdb.db);
  else await generateSample(bdb.db, { scale, historyDays: 1 });
  if (bdb.url) await bdb.db.query('ANALYZE');
  ctx.log(`${label}: data ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const app = await startBenchApp(bdb.db, 'dispatcher');
  const username = `pan_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  await createUser(bdb.db, { username, password, role: 'dispatcher', displayName: 'pan bench' });
  return { label, bdb, baseUrl: app.baseUrl, username, password, close: () => app.close() };
}

/** One round on one site in a fresh browser: a cold pass (tiles load) then a warm pass over the same path. */
async function panRound(site: Site, path: (bbox: Bbox) => Array<[number, number]>): Promise<{ cold: PanFigures; warm: PanFigures; tiled: boolean }> {
  const b = await launchBrowser(VIEWPORT);
  try {
    const { page } = b;
    await page.goto(`${site.baseUrl}/`);
    await signInThroughForm(page, site.username, site.password);
    await page.waitForFunction(() => !!window.__gcc?.mapReady && window.__gcc.layers.tiled !== undefined, undefined, { timeout: 120_000 });
    const extent = (await page.evaluate(async () => (await fetch('/api/layers/extent')).json())) as { bbox: Bbox; tiled: boolean };
    const legs = path(extent.bbox);
    const start = legs[legs.length - 1];
    const rest = async () => {
      await page.evaluate(`window.__gcc.easeTo(${start[0]}, ${start[1]}, ${ZOOM}, 0)`);
      await page.waitForTimeout(2500);
    };
    await rest();
    const cold = await panAcross(page, legs, ZOOM);
    await rest();
    const warm = await panAcross(page, legs, ZOOM);
    return { cold, warm, tiled: extent.tiled };
  } finally {
    await b.close();
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  if (!ctx.databaseUrl) {
    ctx.log('DATABASE_URL not set: skipped (a ×50 district takes too long to generate on the embedded database)');
    return [];
  }
  await ensureClientBuilt();
  const rounds = ctx.quick ? 1 : 2;
  // PAN_SCALES=250 (comma-separated) measures only those scales
  const only = (process.env.PAN_SCALES ?? '').split(',').filter(Boolean).map(Number);
  const all: Array<[string, number]> = ctx.quick ? [['district ×50', 50]] : [['district ×50', 50], ['city ×250', 250]];
  const large = only.length ? only.map((k): [string, number] => [k === 250 ? 'city ×250' : `×${k}`, k]) : all;
  const street = await openSite(ctx, 'street ×1', 1);
  const rows: BenchRow[] = [];
  try {
    // The street's own loop sets the size of the path every data set is panned along.
    const streetBox = { w: 0, h: 0 };
    const streetPath = (bbox: Bbox) => {
      streetBox.w = (bbox[2] - bbox[0]) * 0.6;
      streetBox.h = (bbox[3] - bbox[1]) * 0.6;
      return legsAcross(bbox);
    };
    for (const [label, scale] of large) {
      const site = await openSite(ctx, label, scale);
      try {
        const base: { cold: PanFigures[]; warm: PanFigures[] } = { cold: [], warm: [] };
        const ours: { cold: PanFigures[]; warm: PanFigures[] } = { cold: [], warm: [] };
        for (let i = 0; i < rounds; i++) {
          const s = await panRound(street, streetPath);
          if (s.tiled) throw new Error('the street sample should not be tiled');
          base.cold.push(s.cold);
          base.warm.push(s.warm);
          ctx.log(`  street, cold: ${describePan(s.cold)}`);
          ctx.log(`  street, warm: ${describePan(s.warm)}`);
          const o = await panRound(site, (bbox) => legsAround(bbox, streetBox.w / 0.6, streetBox.h / 0.6));
          if (!o.tiled) throw new Error(`${label} should be drawn from tiles`);
          ours.cold.push(o.cold);
          ours.warm.push(o.warm);
          ctx.log(`  ${label}, cold: ${describePan(o.cold)}`);
          ctx.log(`  ${label}, warm: ${describePan(o.warm)}`);
        }
        const baseline = 'street ×1 GeoJSON, same pan, same run';
        for (const pass of ['cold', 'warm'] as const) {
          for (const stat of ['p50', 'p95'] as const) {
            rows.push(
              row({
                scale: label,
                metric: `${pass} frame ${stat}_ms`,
                value: median(ours[pass].map((f) => f[stat])),
                baseline,
                baselineValue: median(base[pass].map((f) => f[stat])),
                target: `<= ${TARGET}`,
                met: (_v, r) => r <= TARGET,
              }),
            );
          }
          rows.push(
            row({
              scale: label,
              metric: `${pass} longest task_ms`,
              value: Math.max(...ours[pass].map((f) => f.longestTaskMs)),
              baseline,
              baselineValue: Math.max(...base[pass].map((f) => f.longestTaskMs)),
              target: 'report',
            }),
          );
        }
      } finally {
        await site.close();
        await site.bdb.drop();
      }
    }
  } finally {
    await street.close();
    await street.bdb.drop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runStandalone('pan', run);
