// Runs the real server entry (server/main.ts) as a child process, for tests that kill it with SIGKILL,
// restart it, or run two of them side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /**
   * When the listener started accepting connections (the database may still be initialising): the end of the last
   * refused `/readyz` attempt before the first answer of any status — at most `pollMs` plus one refused
   * connect earlier than the truth, never later.
   */
  listeningAt: number;
  /** Date.now() of the first `/readyz` 200. */
  readyAt: number;
  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

/** `env` values of undefined remove the variable from the child's environment. */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  port: number,
  readyTimeoutMs = 90_000,
  /** How often /readyz is asked: small when a test times what happens from the moment the server listens. */
  pollMs = 200,
): Promise<ServerProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port), SEED_SAMPLE: 'false', LOG_LEVEL: 'warn' };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  let listeningAt = 0;
  let lastRefusedAt = 0;
  let readyAt: number;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${out}`);
    const status = await fetch(`${baseUrl}/readyz`).then((r) => r.status, () => 0);
    // the listener came up after the last refused attempt ended: that moment is the (conservative) start
    if (status !== 0 && !listeningAt) listeningAt = lastRefusedAt || Date.now();
    if (status === 0) lastRefusedAt = Date.now();
    if (status === 200) {
      readyAt = Date.now();
      break;
    }
    if (Date.now() - started > readyTimeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return {
    child,
    baseUrl,
    listeningAt,
    readyAt,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    output: () => out,
  };
}
