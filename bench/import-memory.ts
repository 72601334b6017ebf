// Benchmark `import-memory` (issue 16): memory to import a ~0.6 MB real OSM extract (the Monte-Carlo –
// Beausoleil cut of the reference Monaco snapshot, tests/helpers/osm-cut.ts) on the embedded backend (PGlite:
// the database runs inside the Node process, so its peak RSS is the whole cost) against the server backend
// (Node process peak RSS + the PostgreSQL backends' peak resident memory), each in a fresh child process,
// same run. No target exists in QUALITY.md: the rows are measurements (met = the import completed).
// Also the PBF reader alone (issue 14 item 3), on Monaco and on a large file made at run time (N renumbered
// copies of Monaco, tests/helpers/osm-copies.ts): the import's reader (three passes, keeps only what the
// import uses) against the old whole-file reader (bench/legacy-read-pbf.ts), each round in a fresh child
// (bench/read-pbf-memory-child.ts), same run. These rows need no database.
// And the WHOLE import (reader, assembly, validation, writing, snap) of renumbered copies of Monaco into
// PostgreSQL: the streaming import against main's whole-list one (bench/legacy-import-osm.ts), alternating,
// each round in a fresh child (bench/import-whole-memory-child.ts). The copies overlap on the ground (each is
// Monaco with its own ids): every building, edge and feature is a real row, snapped to the overlapping
// networks, which costs the database more than disjoint copies would, not the Node process.
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';
import { cutMonteCarlo, MONACO_PBF } from '../tests/helpers/osm-cut';
import { monacoCopies } from '../tests/helpers/osm-copies';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface ChildResult { backend: string; ms: number; peakMb: number; baseRssMb: number; serverPeakMb: number; buildings: number; walkEdges: number }

async function child(file: string, backend: 'pglite' | 'pg'): Promise<ChildResult> {
  const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', path.join(HERE, 'import-memory-child.ts'), file, backend], {
    env: process.env, maxBuffer: 1 << 20, timeout: 600_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ChildResult;
}

interface ReaderResult { which: 'old' | 'new'; ms: number; retainedMb: number; peakMb: number; rssGrowthMb: number; nodesRead: number; nodesKept: number; ways: number }

async function readerChild(file: string, which: 'old' | 'new', heapLimitMb?: number): Promise<ReaderResult> {
  const args = ['--expose-gc', ...(heapLimitMb ? [`--max-old-space-size=${heapLimitMb}`] : []), '--import', 'tsx', path.join(HERE, 'read-pbf-memory-child.ts'), file, which];
  const { stdout } = await execFileP(process.execPath, args, { env: process.env, maxBuffer: 1 << 20, timeout: 600_000 });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ReaderResult;
}

interface WholeResult { which: 'old' | 'new'; ms: number; rssGrowthMb: number; peakHeapMb: number; buildings: number; walkEdges: number }

async function wholeChild(file: string, which: 'old' | 'new'): Promise<WholeResult> {
  const { stdout } = await execFileP(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(HERE, 'import-whole-memory-child.ts'), file, which], {
    env: process.env, maxBuffer: 1 << 20, timeout: 1_800_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as WholeResult;
}

/** The whole import, old against new, alternating rounds, on PostgreSQL. */
async function wholeImportRows(ctx: BenchContext, copies: number): Promise<BenchRow[]> {
  const big = await monacoCopies(copies);
  if ('skipped' in big) { ctx.log(`whole-import rows skipped: ${big.skipped}`); return []; }
  try {
    const rounds = ctx.quick ? 1 : 3;
    const old: WholeResult[] = [];
    const ours: WholeResult[] = [];
    for (let i = 0; i < rounds; i++) {
      old.push(await wholeChild(big.file, 'old'));
      ours.push(await wholeChild(big.file, 'new'));
    }
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
    ctx.log(`whole import old: ${JSON.stringify(old)}`);
    ctx.log(`whole import new: ${JSON.stringify(ours)}`);
    const scale = `whole OSM import into PostgreSQL, ${copies} renumbered copies of Monaco (${(big.bytes / 2 ** 20).toFixed(1)} MB, ${ours[0].buildings.toLocaleString('en')} buildings), load ${load}`;
    const baseline = 'main\'s import (every feature in arrays, then written)';
    return [
      row({ scale, metric: 'peak RSS growth of the node process, MB', value: med(ours.map((r) => r.rssGrowthMb)), baseline, baselineValue: med(old.map((r) => r.rssGrowthMb)), target: 'measure (issue 14: not proportional to the features)' }),
      row({ scale, metric: 'peak heap + external, MB (sampled every 5 ms)', value: med(ours.map((r) => r.peakHeapMb)), baseline, baselineValue: med(old.map((r) => r.peakHeapMb)), target: 'measure' }),
      row({ scale, metric: 'import time, ms', value: med(ours.map((r) => r.ms)), baseline, baselineValue: med(old.map((r) => r.ms)), target: 'measure' }),
    ];
  } finally {
    await big.remove();
  }
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The reader alone, old against new, on one file: memory it holds, its peaks, its time. */
async function readerRows(ctx: BenchContext, file: string, label: string): Promise<BenchRow[]> {
  const mb = (await stat(file)).size / 2 ** 20;
  const rounds = ctx.quick ? 1 : 3;
  const old: ReaderResult[] = [];
  const ours: ReaderResult[] = [];
  for (let i = 0; i < rounds; i++) {
    old.push(await readerChild(file, 'old'));
    ours.push(await readerChild(file, 'new'));
  }
  // Whether each completes under a fixed old-space limit: the figure that does not depend on when V8 collects.
  const limit = 256;
  const under = async (which: 'old' | 'new') => readerChild(file, which, limit).then(() => 'completes', () => 'runs out of heap');
  const limitNote = `under --max-old-space-size=${limit}: ours ${await under('new')}, old ${await under('old')}`;
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const scale = `reader, ${label}: ${mb.toFixed(1)} MB, ${ours[0].nodesRead.toLocaleString('en')} nodes (${ours[0].nodesKept.toLocaleString('en')} kept), ${limitNote}, load ${load}`;
  ctx.log(`reader old ${label}: ${JSON.stringify(old)}`);
  ctx.log(`reader new ${label}: ${JSON.stringify(ours)}`);
  ctx.log(`${label}: ${limitNote}; load average ${load}`);
  const baseline = 'old whole-file reader (Map of every node)';
  return [
    row({ scale, metric: 'memory the result holds after GC, MB (heap + external)', value: med(ours.map((r) => r.retainedMb)), baseline, baselineValue: med(old.map((r) => r.retainedMb)), target: 'measure' }),
    row({ scale, metric: 'peak heap + external while reading, MB (sampled every 5 ms)', value: med(ours.map((r) => r.peakMb)), baseline, baselineValue: med(old.map((r) => r.peakMb)), target: 'measure' }),
    row({ scale, metric: 'peak RSS growth while reading, MB', value: med(ours.map((r) => r.rssGrowthMb)), baseline, baselineValue: med(old.map((r) => r.rssGrowthMb)), target: 'measure' }),
    row({ scale, metric: 'read time, ms', value: med(ours.map((r) => r.ms)), baseline, baselineValue: med(old.map((r) => r.ms)), target: 'measure' }),
  ];
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const copies = ctx.quick ? 8 : 20;
  const big = await monacoCopies(copies);
  if ('skipped' in big) ctx.log(`reader rows skipped: ${big.skipped}`);
  else {
    try {
      rows.push(...(await readerRows(ctx, MONACO_PBF, 'Monaco')));
      rows.push(...(await readerRows(ctx, big.file, `${copies} renumbered copies of Monaco`)));
    } finally {
      await big.remove();
    }
  }
  if (ctx.databaseUrl) rows.push(...(await wholeImportRows(ctx, ctx.quick ? 4 : 8)));
  const cut = await cutMonteCarlo();
  if ('skipped' in cut) { ctx.log(`skipped: ${cut.skipped}`); return rows; }
  if (!ctx.databaseUrl) { ctx.log('import rows skipped: the server backend needs DATABASE_URL'); return rows; }
  const mb = (await stat(cut.file)).size / 2 ** 20;
  const rounds = ctx.quick ? 1 : 3;
  const lite: ChildResult[] = [];
  const server: ChildResult[] = [];
  for (let i = 0; i < rounds; i++) {
    lite.push(await child(cut.file, 'pglite'));
    server.push(await child(cut.file, 'pg'));
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const scale = `${mb.toFixed(2)} MB extract (${lite[0].buildings} buildings), load ${load}`;
  ctx.log(`pglite: ${JSON.stringify(lite)}`);
  ctx.log(`pg: ${JSON.stringify(server)}`);
  ctx.log(`load average ${load} on ${os.cpus().length} cores`);
  const liteTotal = med(lite.map((r) => r.peakMb));
  const serverTotal = med(server.map((r) => r.peakMb + r.serverPeakMb));
  return [
    ...rows,
    row({ scale, metric: 'peak memory, MB (PGlite: process RSS)', value: liteTotal, baseline: 'PostgreSQL: node RSS + backends VmHWM', baselineValue: serverTotal, target: 'measure (no QUALITY.md target)' }),
    row({ scale, metric: 'node process peak RSS, MB', value: liteTotal, baseline: 'node process on PostgreSQL', baselineValue: med(server.map((r) => r.peakMb)), target: 'measure' }),
    row({ scale, metric: 'memory added by the import, MB (peak − RSS before)', value: med(lite.map((r) => r.peakMb - r.baseRssMb)), baseline: 'on PostgreSQL (node only)', baselineValue: med(server.map((r) => r.peakMb - r.baseRssMb)), target: 'measure' }),
    row({ scale, metric: 'import time, ms', value: med(lite.map((r) => r.ms)), baseline: 'PostgreSQL', baselineValue: med(server.map((r) => r.ms)), target: 'measure' }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) await runStandalone('import-memory', run);
