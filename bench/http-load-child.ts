// HTTP load generator in a process of its own (issue 15 item 1). The clients of the intake are phones and
// other machines, never the server's own event loop: run in the benchmark's process, the clients' request
// building and response parsing took turns with the server on one JavaScript thread and were counted as the
// server's time. The parent forks this file (with tsx), sends one job over IPC and gets one answer back.
//   job:    { url, headers, bodies: string[], concurrency, method? }
//   answer: { ms, latencies: number[] } or { error }
// Same keep-alive client as the rest of the benchmarks (bench-kit httpRequest).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { httpRequest } from './bench-kit';

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  concurrency: number;
  /** The status every answer must have (201 for a report). */
  expectStatus: number;
  /** POST by default; a GET sends no body (its entries in `bodies` only count the requests). */
  method?: 'GET' | 'POST';
}
export interface LoadResult {
  ms: number;
  latencies: number[];
}
type Answer = LoadResult | { error: string };

async function runJob(job: LoadJob): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.bodies.length) {
        const body = job.bodies[next++];
        const s = performance.now();
        const method = job.method ?? 'POST';
        const res = await httpRequest(job.url, { method, headers: job.headers, body: method === 'GET' ? undefined : body });
        if (res.status !== job.expectStatus) throw new Error(`answer ${res.status}: ${res.body.toString().slice(0, 300)}`);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { ms: performance.now() - t0, latencies };
}

/** A forked load generator; `run` sends a job and waits for its answer; `close` ends the process. */
export interface LoadClient {
  run(job: LoadJob): Promise<LoadResult>;
  close(): void;
}

export async function startLoadClient(): Promise<LoadClient> {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load client exited with ${code} before it was ready`)));
  });
  return {
    run: (job) =>
      new Promise<LoadResult>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`load client exited with ${code}`));
        child.once('exit', onExit);
        child.once('message', (m: Answer) => {
          child.off('exit', onExit);
          if ('error' in m) reject(new Error(`load client: ${m.error}`));
          else resolve(m);
        });
        child.send(job);
      }),
    close: () => child.kill(),
  };
}

if (process.argv.includes('--child') && process.send) {
  process.on('message', (job: LoadJob) => {
    runJob(job).then(
      (r) => process.send?.(r),
      (err: unknown) => process.send?.({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
  process.send('ready');
}
