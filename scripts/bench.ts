// `npm run bench` runs every benchmark of QUALITY.md; `npm run bench -- NAME [NAME…]` runs some;
// `--quick` uses smaller sizes. Each benchmark is bench/NAME.ts exporting `run(ctx)`, measuring our path
// and its baseline in the same run; results go to bench/results/NAME.json and a table on the console.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printTable, writeResult, type BenchContext, type BenchRow } from '../bench/bench-kit';

// The six of QUALITY.md, and `pan` (issue 8: the map stays smooth on a city, against the street's GeoJSON path).
export const BENCHMARKS = ['fanout', 'ingest', 'coverage', 'hotspots', 'tiles', 'wall', 'pan', 'import-memory', 'field', 'photos'] as const;

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
  process.exit(2);
}
const selected = names.length ? names : [...BENCHMARKS];

if (!process.env.DATABASE_URL) {
  console.warn('DATABASE_URL is not set: benchmarks whose baseline needs a PostgreSQL server will say they skipped.');
}

const summary: { name: string; status: string }[] = [];
for (const name of selected) {
  const file = path.join(benchDir, `${name}.ts`);
  if (!existsSync(file)) {
    summary.push({ name, status: 'missing (not implemented yet)' });
    continue;
  }
  const mod = (await import(pathToFileURL(file).href)) as { run?: (ctx: BenchContext) => Promise<BenchRow[]> };
  if (typeof mod.run !== 'function') {
    summary.push({ name, status: 'bench file has no run(ctx) export' });
    continue;
  }
  const ctx: BenchContext = { databaseUrl: process.env.DATABASE_URL, quick, log: (m) => console.log(`[${name}] ${m}`) };
  const t0 = Date.now();
  try {
    const rows = await mod.run(ctx);
    printTable(name, rows);
    const out = await writeResult(name, rows);
    const missed = rows.filter((r) => !r.met).length;
    summary.push({ name, status: `${rows.length} rows, ${missed} target(s) missed, ${((Date.now() - t0) / 1000).toFixed(0)} s → ${path.relative(process.cwd(), out)}` });
  } catch (err) {
    summary.push({ name, status: `FAILED: ${(err as Error).message}` });
  }
}
console.log('\n== summary ==');
console.table(summary);
process.exit(summary.some((s) => s.status.startsWith('FAILED')) ? 1 : 0);
