// Traces cold loads of /wall (1920×1080, software WebGL) and says where each 100 ms went: every request with
// when it was sent and answered, the page's main thread and the GPU process's main thread in 100 ms buckets,
// and the page's milestones (bench/wall/page.ts). The app, database and browser are the `wall` benchmark's.
//
//   npx tsx bench/wall-trace.ts [--live=off] [--loads=N] [--out=DIR]   (uses DATABASE_URL when set)
//
// Writes DIR/wall-trace-N.json (the raw Chromium trace: open it in chrome://tracing or Perfetto) and
// DIR/wall-trace-N.txt (the summary); DIR defaults to a temporary folder, printed at the end.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CDPSession } from 'playwright-core';
import { benchDb, startBenchApp } from './bench-app';
import { currentLoadAverage } from './bench-kit';
import { signIn } from './wall/load';
import { openWall } from './wall/page';
import { formatSummary, summariseTrace, type TraceEvent } from './wall/trace-summary';
import { ensureClientBuilt } from '../tests/helpers/build-client';
import { loadSampleStreet } from '../server/sample/load-sample';
import { createUser } from '../server/auth/users';

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'toplevel',
  'blink.user_timing',
  'loading',
  'v8',
  'v8.execute',
  'gpu',
  'viz',
];

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

async function startTrace(cdp: CDPSession): Promise<() => Promise<TraceEvent[]>> {
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (m) => events.push(...(m.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
  return async () => {
    const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await done;
    return events;
  };
}

const live = arg('live') !== 'off';
const loads = Number(arg('loads') ?? 1);
const out = arg('out') ?? (await mkdtemp(path.join(os.tmpdir(), 'gcc-wall-trace-')));

await mkdir(out, { recursive: true });
await ensureClientBuilt();
const bdb = await benchDb(process.env.DATABASE_URL, 'walltrace');
try {
  await loadSampleStreet(bdb.db);
  const app = await startBenchApp(bdb.db, 'dispatcher');
  try {
    const password = randomBytes(12).toString('base64url');
    const username = `wall_trace_${randomBytes(3).toString('hex')}`;
    await createUser(bdb.db, { username, password, role: 'wall', displayName: '大屏' });
    const cookie = (await signIn(app.baseUrl, username, password)).cookie;
    for (let i = 1; i <= loads; i++) {
      let stop: (() => Promise<TraceEvent[]>) | null = null;
      const load = currentLoadAverage();
      const p = await openWall({
        baseUrl: app.baseUrl,
        sessionCookie: cookie,
        width: 1920,
        height: 1080,
        live,
        beforeNavigate: async (b) => {
          stop = await startTrace(await b.context.newCDPSession(b.page));
        },
      });
      try {
        const events = await (stop as unknown as () => Promise<TraceEvent[]>)();
        const marks = { ...p.marks, fullRender: p.firstRenderMs };
        const endMs = Math.max(p.firstRenderMs, ...Object.values(p.marks).filter((v) => Number.isFinite(v)));
        const summary = summariseTrace(events, '/wall', Math.ceil(endMs / 100) * 100 + 200);
        const text = `cold load ${i} of /wall${live ? '' : '?live=off'}, 1920×1080, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, load average ${load.join(' ')} → ${currentLoadAverage().join(' ')}\nfirst full render ${p.firstRenderMs.toFixed(0)} ms\n\n${formatSummary(summary, marks)}\n`;
        await writeFile(path.join(out, `wall-trace-${i}.json`), JSON.stringify({ traceEvents: events }));
        await writeFile(path.join(out, `wall-trace-${i}.txt`), text);
        console.log(text);
      } finally {
        await p.close();
      }
    }
  } finally {
    await app.close();
  }
} finally {
  await bdb.drop();
}
console.log(`traces in ${out}`);
process.exit(0);
