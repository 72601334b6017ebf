// Benchmark `import-memory` (issue 16): memory to import a ~0.6 MB real OSM extract (the Monte-Carlo –
// Beausoleil cut of the reference Monaco snapshot, tests/helpers/osm-cut.ts) on the embedded backend (PGlite:
// the database runs inside the Node process, so its peak RSS is the whole cost) against the server backend
// (Node process peak RSS + the PostgreSQL backends' peak resident memory), each in a fresh child process,
// same run. No target exists in QUALITY.md: the rows are measurements (met = the import completed).
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { row, runStandalone, type BenchContext, type BenchRow } from './bench-kit';
import { cutMonteCarlo } from '../tests/helpers/osm-cut';

const execFileP = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));

interface ChildResult { backend: string; ms: number; peakMb: number; baseRssMb: number; serverPeakMb: number; buildings: number; walkEdges: number }

async function child(file: string, backend: 'pglite' | 'pg'): Promise<ChildResult> {
  const { stdout } = await execFileP(process.execPath, ['--import', 'tsx', path.join(HERE, 'import-memory-child.ts'), file, backend], {
    env: process.env, maxBuffer: 1 << 20, timeout: 600_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ChildResult;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const cut = await cutMonteCarlo();
  if ('skipped' in cut) { ctx.log(`skipped: ${cut.skipped}`); return []; }
  if (!ctx.databaseUrl) { ctx.log('skipped: the server backend needs DATABASE_URL'); return []; }
  const mb = (await stat(cut.file)).size / 2 ** 20;
  const rounds = ctx.quick ? 1 : 3;
  const lite: ChildResult[] = [];
  const server: ChildResult[] = [];
  for (let i = 0; i < rounds; i++) {
    lite.push(await child(cut.file, 'pglite'));
    server.push(await child(cut.file, 'pg'));
  }
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const scale = `${mb.toFixed(2)} MB extract (${lite[0].buildings} buildings), load ${load}`;
  ctx.log(`pglite: ${JSON.stringify(lite)}`);
  ctx.log(`pg: ${JSON.stringify(server)}`);
  ctx.log(`load average ${load} on ${os.cpus().length} cores`);
  const liteTotal = med(lite.map((r) => r.peakMb));
  const serverTotal = med(server.map((r) => r.peakMb + r.serverPeakMb));
  return [
    row({ scale, metric: 'peak memory, MB (PGlite: process RSS)', value: liteTotal, baseline: 'PostgreSQL: node RSS + backends VmHWM', baselineValue: serverTotal, target: 'measure (no QUALITY.md target)' }),
    row({ scale, metric: 'node process peak RSS, MB', value: liteTotal, baseline: 'node process on PostgreSQL', baselineValue: med(server.map((r) => r.peakMb)), target: 'measure' }),
    row({ scale, metric: 'memory added by the import, MB (peak − RSS before)', value: med(lite.map((r) => r.peakMb - r.baseRssMb)), baseline: 'on PostgreSQL (node only)', baselineValue: med(server.map((r) => r.peakMb - r.baseRssMb)), target: 'measure' }),
    row({ scale, metric: 'import time, ms', value: med(lite.map((r) => r.ms)), baseline: 'PostgreSQL', baselineValue: med(server.map((r) => r.ms)), target: 'measure' }),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) await runStandalone('import-memory', run);
