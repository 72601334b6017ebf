// Benchmark `wall` (QUALITY.md): the wall view in real Chromium (software WebGL2, 1920×1080; 3840×2160 first
// render too) against the same page with live updates switched off (`/wall?live=off`: the snapshot is loaded
// once over HTTP, no socket), in the same run, on a fresh database with the sample street:
//   1. first full render: navigation start → every wall layer drawn and the KPI panel filled; median of cold
//      page loads (fresh browser profile each time), live and live=off interleaved;
//   2. main-thread time per second while 200 incidents/s come in through the real batch intake API (20 every
//      100 ms), from CDP Performance.getMetrics (TaskDuration, ScriptDuration) before/after the window, both
//      pages open side by side under the same load; plus how many posted incidents the live page applied;
//   2b. main-thread time per second while one new incident pulses on the map, against the same page at rest;
//   3. JS heap (after a forced GC) at 2 min and at 30 min of a steady load in which every report is walked to
//      closed (accept → assign → start → resolve → verify by a second dispatcher → close), both pages open.
//   4. resync after an outage (bench/wall/resync.ts): the real server entry in a child process killed while a
//      wall is open, incidents written meanwhile through a second instance, restarted after 10 minutes; time
//      from the restarted listener accepting connections to the open wall holding all of it; baseline a fresh
//      cold load of /wall at that moment.
// --quick: 15 s window, heap at 1 min and 6 min, no 4K loads, outages of 30 s (3 rounds) instead of 10 min (1).
// WALL_PARTS=render,mainthread,pulse,heap,resync (default all) runs some sections; WALL_OUTAGE_S, WALL_RESYNC_ROUNDS
// override the outage.
//
// Run alone: npx tsx bench/wall.ts [--quick]   (writes bench/results/wall.json; uses DATABASE_URL when set)
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { benchDb, startBenchApp } from './bench-app';
import { median, row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';
import { onDutyWorkers, signIn, startLoad, streetPoints } from './wall/load';
import { openWall, type WallPage } from './wall/page';
import { ensureClientBuilt } from '../tests/helpers/build-client';
import { loadSampleStreet } from '../server/sample/load-sample';
import { createUser } from '../server/auth/users';
import { openPglite } from '../server/db/pglite-driver';
import { migrate } from '../server/db/migrate';
import { settleEscalation } from '../tests/helpers/settle-escalation';
import { measureResync, type OutageTarget } from './wall/resync';

const BASELINE = 'same page, live=off';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 2 ** 20;
/** CDP Performance.getMetrics durations (seconds) between two samples, as ms per second of `elapsedMs`. */
const msPerSecond = (m1: Record<string, number>, m0: Record<string, number>, elapsedMs: number, key: string) => ((m1[key] - m0[key]) * 1000 * 1000) / elapsedMs;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const quick = ctx.quick;
  const backend = ctx.databaseUrl ? 'PostgreSQL' : 'PGlite';
  const loads = 3;
  const windowS = quick ? 15 : 30;
  const [t1, t2] = quick ? [60, 360] : [120, 1800];
  // WALL_4K=0 leaves out the 3840×2160 loads of the full run (software WebGL at 4K is slow on a shared machine)
  const sizes: Array<[number, number]> = quick || process.env.WALL_4K === '0' ? [[1920, 1080]] : [[1920, 1080], [3840, 2160]];
  const parts = new Set((process.env.WALL_PARTS ?? 'render,mainthread,pulse,heap,resync').split(',').map((x) => x.trim()));
  const outageS = Number(process.env.WALL_OUTAGE_S ?? (quick ? 30 : 600));
  const resyncRounds = Number(process.env.WALL_RESYNC_ROUNDS ?? (quick ? 3 : 1));

  ctx.log('building the client if stale');
  await ensureClientBuilt();
  const started = Date.now();
  const bdb = await benchDb(ctx.databaseUrl, 'wall');
  const rows: BenchRow[] = [];
  const open: WallPage[] = [];
  try {
    await loadSampleStreet(bdb.db);
    ctx.log(`sample street loaded on ${backend} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const app = await startBenchApp(bdb.db, 'dispatcher');
    try {
      const password = randomBytes(12).toString('base64url');
      const tag = randomBytes(3).toString('hex');
      await createUser(bdb.db, { username: `wall_bench_b_${tag}`, password, role: 'dispatcher', displayName: 'bench verifier' });
      await createUser(bdb.db, { username: `wall_bench_wall_${tag}`, password, role: 'wall', displayName: '大屏' });
      const dispatcherA = { ...app.headers, origin: app.baseUrl };
      const dispatcherB = await signIn(app.baseUrl, `wall_bench_b_${tag}`, password);
      const wallCookie = (await signIn(app.baseUrl, `wall_bench_wall_${tag}`, password)).cookie;
      const points = await streetPoints(bdb.db, 20);
      const workers = await onDutyWorkers(bdb.db);
      const page = async (live: boolean, width = 1920, height = 1080) => {
        // others rebuild dist/client while we run (a load during the rebuild misses its assets): retry twice
        for (let attempt = 1; ; attempt++) {
          try {
            const p = await openWall({ baseUrl: app.baseUrl, sessionCookie: wallCookie, width, height, live });
            open.push(p);
            return p;
          } catch (err) {
            if (attempt >= 3) throw err;
            ctx.log(`  page load failed (${(err as Error).message.split('\n')[0]}); client rebuilt meanwhile? retrying`);
            await ensureClientBuilt();
          }
        }
      };
      const close = async (p: WallPage) => {
        open.splice(open.indexOf(p), 1);
        await p.close();
      };

      // 1. first full render, cold loads, live and live=off interleaved
      for (const [w, h] of parts.has('render') ? sizes : []) {
        const times: Record<'live' | 'off', number[]> = { live: [], off: [] };
        const marks: Record<'live' | 'off', Array<Record<string, number>>> = { live: [], off: [] };
        for (let i = 0; i < loads; i++) {
          for (const live of [true, false]) {
            const p = await page(live, w, h);
            const mode = live ? 'live' : 'off';
            times[mode].push(p.firstRenderMs);
            marks[mode].push(p.marks);
            ctx.log(`  load ${i + 1} ${mode}: ${p.firstRenderMs.toFixed(0)} ms (${Object.entries(p.marks).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')})`);
            await close(p);
          }
        }
        ctx.log(`first render ${w}×${h}: live ${times.live.map((t) => t.toFixed(0)).join('/')} ms, off ${times.off.map((t) => t.toFixed(0)).join('/')} ms`);
        rows.push(row({
          scale: `street (sample), ${w}×${h}, ${backend}, median of ${loads} cold loads`, metric: 'first_full_render_ms',
          value: median(times.live), baseline: BASELINE, baselineValue: median(times.off), target: '< 3 s', met: (v) => v < 3000,
        }));
        // the same, until the GPU process has shown that frame (bench/wall/page.ts `presented`): in software WebGL
        // deck.gl's first frame is rasterised for seconds after its layers are set up
        rows.push(row({
          scale: `street (sample), ${w}×${h}, ${backend}, median of ${loads} cold loads`, metric: 'first_full_render_presented_ms',
          value: median(marks.live.map((m) => m.presented)), baseline: BASELINE, baselineValue: median(marks.off.map((m) => m.presented)), target: '< 3 s', met: (v) => v < 3000,
        }));
        // where the time goes: milestones on the way to the full render (medians)
        for (const k of ['domContentLoaded', 'shell', 'map_created', 'map_styleLoaded', 'map_firstRender', 'map_sourcesLoaded', 'mapReady', 'snapshot', 'layers', 'connected', 'rings', 'trend']) {
          rows.push(row({
            scale: `street (sample), ${w}×${h}, ${backend}, median of ${loads} cold loads`, metric: `first_render_milestone_${k}_ms`,
            value: median(marks.live.map((m) => m[k])), baseline: BASELINE, baselineValue: median(marks.off.map((m) => m[k])), target: 'report only',
          }));
        }
      }

      // 2. main-thread time per second under 200 incidents/s, both pages side by side under the same load
      if (parts.has('mainthread')) {
        const live = await page(true);
        const off = await page(false);
        await sleep(5000); // the first fit of the street finishes
        ctx.log(`main thread: 200 incidents/s for ${windowS} s (after 3 s warm-up)`);
        const load = startLoad({
          baseUrl: app.baseUrl, dispatcherA, dispatcherB, points, perTick: 20, tickMs: 100, durationMs: (windowS + 3) * 1000, log: ctx.log,
        });
        await sleep(3000);
        const a0 = await live.metrics();
        const b0 = await off.metrics();
        const w0 = performance.now();
        const posted0 = load.stats.posted;
        await sleep(windowS * 1000);
        const a1 = await live.metrics();
        const b1 = await off.metrics();
        const windowMs = performance.now() - w0;
        const seconds = windowMs / 1000;
        const postedInWindow = load.stats.posted - posted0;
        load.stop();
        const stats = await load.done;
        await sleep(3000); // the last pushes and one flush reach the page
        const applied = await live.countApplied(stats.ids);
        const appliedOff = await off.countApplied(stats.ids);
        ctx.log(`posted ${stats.posted} (${(postedInWindow / seconds).toFixed(0)}/s in the window), ${stats.failedBatches} failed batches, ${stats.skippedTicks} skipped ticks; live page applied ${applied}, live=off ${appliedOff}`);
        const perS = (m1: Record<string, number>, m0: Record<string, number>, k: string) => msPerSecond(m1, m0, windowMs, k);
        const scale = `street, 1920×1080, ${backend}, ${(postedInWindow / seconds).toFixed(0)} incidents/s for ${windowS} s`;
        rows.push(row({
          scale, metric: 'main_thread_task_ms_per_s', value: perS(a1, a0, 'TaskDuration'), baseline: BASELINE,
          baselineValue: perS(b1, b0, 'TaskDuration'), target: 'report only (< 1000 = not saturated)', met: (v) => v < 1000,
        }));
        rows.push(row({
          scale, metric: 'main_thread_script_ms_per_s', value: perS(a1, a0, 'ScriptDuration'), baseline: BASELINE,
          baselineValue: perS(b1, b0, 'ScriptDuration'), target: 'report only',
        }));
        rows.push(row({
          scale, metric: 'incidents_applied_by_live_page', value: applied, baseline: 'incidents posted', baselineValue: stats.posted,
          target: 'all posted applied (ratio 1)', met: (_v, ratio) => ratio >= 0.999,
        }));
        await close(live);
        await close(off);
      }

      // 2b. what one incident's pulse costs: main-thread time per second while it pulses, against the same page at
      // rest just before (no load otherwise: the wall's ordinary day is one report at a time)
      if (parts.has('pulse')) {
        const p = await page(true);
        await sleep(5000); // the first fit of the street finishes
        const perS = msPerSecond;
        const pulseS = quick ? 8 : 20;
        const r0 = await p.metrics();
        const t0 = performance.now();
        await sleep(pulseS * 1000);
        const r1 = await p.metrics();
        const restMs = performance.now() - t0;
        const res = await fetch(`${app.baseUrl}/api/incidents`, {
          method: 'POST', headers: dispatcherA,
          body: JSON.stringify({ category: 'environment', severity: 'small', title: `脉冲-${tag}`, location: { lon: points[0][0], lat: points[0][1] } }),
        });
        if (res.status >= 300) throw new Error(`pulse incident refused: ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { incident?: { id: number }; id?: number };
        const id = Number(body.incident?.id ?? body.id);
        for (let i = 0; i < 100 && (await p.countApplied([id])) === 0; i++) await sleep(20);
        const p0 = await p.metrics();
        const t1 = performance.now();
        await sleep(pulseS * 1000);
        const p1 = await p.metrics();
        const pulseMs = performance.now() - t1;
        const scale = `street, 1920×1080, ${backend}, one incident pulsing, ${pulseS} s`;
        for (const [k, metric] of [['TaskDuration', 'main_thread_task_ms_per_s'], ['ScriptDuration', 'main_thread_script_ms_per_s']] as const) {
          rows.push(row({
            scale, metric: `pulse_${metric}`, value: perS(p1, p0, pulseMs, k), baseline: 'same page at rest just before',
            baselineValue: perS(r1, r0, restMs, k), target: 'report only',
          }));
        }
        ctx.log(`pulse: task ${perS(p1, p0, pulseMs, 'TaskDuration').toFixed(0)} ms/s pulsing, ${perS(r1, r0, restMs, 'TaskDuration').toFixed(0)} ms/s at rest`);
        await close(p);
      }

      // 3. heap after t1 and t2 of steady load where every report is walked to closed
      if (parts.has('heap')) {
        const live = await page(true);
        const off = await page(false);
        // 2 reports/s, each walked to closed after 20 s on the wall; on this shared 2-core machine six commands
        // per report is what the server keeps up with: intake pauses while 100 reports wait (bounded live set)
        const perTick = 2;
        const maxBacklog = 100;
        ctx.log(`heap: ${perTick} reports/s, each closed after 20 s on the wall; samples at ${t1} s and ${t2} s`);
        const load = startLoad({
          baseUrl: app.baseUrl, dispatcherA, dispatcherB, points, perTick, tickMs: 1000, durationMs: (t2 + 5) * 1000,
          lifecycle: { workers, holdMs: 20_000, maxChains: 12, maxBacklog }, log: ctx.log,
        });
        const t0 = Date.now();
        const at = (s: number) => t0 + s * 1000;
        const heaps: Record<'live' | 'off', number[]> = { live: [], off: [] };
        const backlogs: number[] = [];
        for (const target of [t1, t2]) {
          while (Date.now() < at(target)) {
            await sleep(Math.min(60_000, at(target) - Date.now()));
            const s = load.stats;
            const [ml, mo] = [await live.metrics(), await off.metrics()];
            ctx.log(`  ${((Date.now() - t0) / 1000).toFixed(0)} s: posted ${s.posted}, closed ${s.closed}, backlog ${s.backlog()}, failures ${s.failedBatches + s.commandFailures}; heap live ${(ml.JSHeapUsedSize / MB).toFixed(1)} MB, off ${(mo.JSHeapUsedSize / MB).toFixed(1)} MB (before GC)`);
          }
          heaps.live.push(await live.heapAfterGc());
          heaps.off.push(await off.heapAfterGc());
          backlogs.push(load.stats.backlog());
          ctx.log(`  heap after GC at ${target} s: live ${(heaps.live.at(-1)! / MB).toFixed(1)} MB, off ${(heaps.off.at(-1)! / MB).toFixed(1)} MB`);
        }
        load.stop();
        const stats = await load.done;
        ctx.log(`heap load done: posted ${stats.posted}, closed ${stats.closed}, failures ${stats.failedBatches + stats.commandFailures}`);
        const label = (s: number) => (s % 60 === 0 ? `${s / 60} min` : `${s} s`);
        const rate = stats.posted / ((stats.stoppedAt - stats.startedAt) / 1000);
        const scale = `street, 1920×1080, ${backend}, ${rate.toFixed(1)} reports/s achieved (${perTick}/s offered) each closed after ≥ 20 s (${stats.closed} closed, backlog ${backlogs.join('→')}), ${label(t2)} vs ${label(t1)}${quick ? ' (--quick: not 30 vs 2 min)' : ''}`;
        rows.push(row({ scale, metric: `js_heap_mb_at_${label(t1).replace(' ', '')}`, value: heaps.live[0] / MB, baseline: BASELINE, baselineValue: heaps.off[0] / MB, target: 'report only' }));
        rows.push(row({ scale, metric: `js_heap_mb_at_${label(t2).replace(' ', '')}`, value: heaps.live[1] / MB, baseline: BASELINE, baselineValue: heaps.off[1] / MB, target: 'report only' }));
        rows.push(row({
          scale, metric: 'js_heap_growth_later_over_earlier', value: heaps.live[1] / heaps.live[0], baseline: BASELINE,
          baselineValue: heaps.off[1] / heaps.off[0], target: 'growth < 10% (< 1.10)', met: (v) => v < 1.1,
        }));
        await close(live);
        await close(off);
      }

      // 4. resync after an outage of the server process
      if (parts.has('resync')) {
        const wallUser = { username: `wall_bench_wall_${tag}`, password };
        let target: OutageTarget;
        let cleanup = async () => {};
        if (bdb.url) {
          // the child server on the same PostgreSQL database; the bench's own app is the second instance
          target = { env: { DATABASE_URL: bdb.url }, open: async () => ({ db: bdb.db, release: async () => {} }), wallUser };
          await settleEscalation(bdb.db); // the child's first escalation pass would add a burst of its own
        } else {
          // PGlite is one process's database: the child gets its own directory, and the second instance opens it
          // only while the child is down
          const dir = await mkdtemp(path.join(os.tmpdir(), 'gcc-wall-resync-'));
          cleanup = () => rm(dir, { recursive: true, force: true });
          const db = await openPglite({ dataDir: dir });
          await migrate(db);
          await loadSampleStreet(db);
          await createUser(db, { username: wallUser.username, password, role: 'wall', displayName: '大屏' });
          await settleEscalation(db);
          await db.close();
          target = {
            env: { PGLITE_DIR: dir, DATABASE_URL: undefined },
            open: async () => {
              const d = await openPglite({ dataDir: dir });
              return { db: d, release: () => d.close() };
            },
            wallUser,
          };
        }
        try {
          ctx.log(`resync: ${resyncRounds} outage(s) of ${outageS} s${quick ? ' (--quick: not 10 min)' : ''}`);
          const rounds = await measureResync({ target, outageMs: outageS * 1000, rounds: resyncRounds, writes: 40, log: ctx.log });
          const scale = `street, 1920×1080, ${backend}, server process killed for ${outageS} s${quick ? ' (--quick: not 10 min)' : ''}, ${rounds[0]?.written ?? 0} incidents reported + half accepted meanwhile, median of ${rounds.length}`;
          rows.push(row({
            scale, metric: 'resync_after_outage_ms (listener accepting → open wall current)',
            value: median(rounds.map((r) => r.resyncMs)), baseline: 'fresh cold load of /wall at that moment (first full render)',
            baselineValue: median(rounds.map((r) => r.freshLoadMs)), target: '< 2 s', met: (v) => v < 2000 && rounds.every((r) => r.freshHasAll),
          }));
          rows.push(row({
            scale, metric: 'resync_after_outage_max_ms', value: Math.max(...rounds.map((r) => r.resyncMs)),
            baseline: 'fresh cold load (max)', baselineValue: Math.max(...rounds.map((r) => r.freshLoadMs)), target: '< 2 s', met: (v) => v < 2000,
          }));
          // where the time goes: each traced step's median, ms after the listener accepted (report only; the
          // baseline column is the full resync, so the ratio is the step's share of it)
          const stepNames = [...new Set(rounds.flatMap((r) => Object.keys(r.steps)))];
          for (const k of stepNames) {
            const vals = rounds.map((r) => r.steps[k]).filter((v): v is number => v != null);
            if (!vals.length) continue;
            rows.push(row({
              scale, metric: `resync_step_${k}_ms (after the listener accepted)`, value: median(vals),
              baseline: 'resync (listener accepting → open wall current)', baselineValue: median(rounds.map((r) => r.resyncMs)), target: 'report only',
            }));
          }
          rows.push(row({
            scale, metric: 'resync_from_readyz_ms', value: median(rounds.map((r) => r.resyncFromReadyMs)),
            baseline: 'server start-up: listener → /readyz 200', baselineValue: median(rounds.map((r) => r.serverInitMs)), target: 'report only',
          }));
        } finally {
          await cleanup();
        }
      }
    } finally {
      for (const p of [...open]) await p.close();
      await app.close();
    }
  } finally {
    await bdb.drop();
  }
  ctx.log(`done in ${((Date.now() - started) / 60000).toFixed(1)} min`);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runStandalone('wall', run);
  process.exit(0);
}
