// Shared pieces of the benchmarks (QUALITY.md "Performance"): the result row shape, timing statistics and
// the writer of bench/results/NAME.json. Each benchmark is bench/NAME.ts exporting `run(ctx)`; the runner
// is scripts/bench.ts (`npm run bench`, `npm run bench -- NAME`).
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  /** 'street', 'district', 'city', or a size like '500 clients'. */
  scale: string;
  metric: string;
  value: number;
  baseline: string;
  baselineValue: number;
  /** ours / baseline, measured in the same run. */
  ratio: number;
  target: string;
  met: boolean;
  /**
   * os.loadavg() (1, 5, 15 min) when the row's figure was taken: this machine is shared, so a row read
   * without the load it was measured under can mislead (issue 15: every row carries it).
   */
  loadAverage: [number, number, number];
}

export interface BenchContext {
  /** PostgreSQL + PostGIS server to benchmark against (most baselines need one). */
  databaseUrl?: string;
  /** Smaller sizes and fewer repetitions (CI smoke run); the full run is the default. */
  quick: boolean;
  log(message: string): void;
}

export interface BenchResult {
  name: string;
  date: string;
  machine: string;
  rows: BenchRow[];
  notes?: string[];
}

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');

export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
}

/** Nearest-rank percentile of samples (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** A row whose ratio and "met" are computed from the figures, never typed in. */
export function row(
  r: Omit<BenchRow, 'ratio' | 'met' | 'loadAverage'> & { met?: (value: number, ratio: number) => boolean },
): BenchRow {
  const ratio = r.baselineValue === 0 ? NaN : Number((r.value / r.baselineValue).toFixed(3));
  const { met, ...rest } = r;
  return {
    ...rest,
    value: round(r.value),
    baselineValue: round(r.baselineValue),
    ratio,
    met: met ? met(r.value, ratio) : true,
    loadAverage: currentLoadAverage(),
  };
}

export function currentLoadAverage(): [number, number, number] {
  const [one, five, fifteen] = os.loadavg();
  return [round2(one), round2(five), round2(fifteen)];
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 1000;
}

export async function writeResult(name: string, rows: BenchRow[], notes: string[] = []): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const result: BenchResult = { name, date: new Date().toISOString(), machine: machineDescription(), rows, ...(notes.length ? { notes } : {}) };
  const file = path.join(RESULTS_DIR, `${name}.json`);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

export function printTable(name: string, rows: BenchRow[]): void {
  console.log(`\n== ${name} ==`);
  console.table(rows.map((r) => ({ scale: r.scale, metric: r.metric, ours: r.value, baseline: `${r.baseline}: ${r.baselineValue}`, ratio: r.ratio, target: r.target, met: r.met ? 'yes' : 'NO', load1m: r.loadAverage[0] })));
}

/** Time an async function: returns milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Lets `npx tsx bench/NAME.ts` run one benchmark alone with the same output as the runner. */
export async function runStandalone(name: string, run: (ctx: BenchContext) => Promise<BenchRow[]>): Promise<void> {
  const ctx: BenchContext = {
    databaseUrl: process.env.DATABASE_URL,
    quick: process.argv.includes('--quick') || process.env.BENCH_QUICK === '1',
    log: (m) => console.log(`[${name}] ${m}`),
  };
  const rows = await run(ctx);
  printTable(name, rows);
  console.log(`written ${await writeResult(name, rows)}`);
}

// One keep-alive connection pool for the benchmarks' HTTP clients. Node's fetch (undici behind WHATWG streams)
// spends ~0.5–1 ms of CPU per request in the very process that runs the server under test; a browser's
// request costs the server nothing of the sort. node:http with keep-alive is the lightest client Node has.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A request with node:http on a kept-alive connection: status and the whole body. */
export function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
