// Load generator of the `wall` benchmark: reports go in through the real batch intake API (POST
// /api/incidents/batch) at a fixed pace, and — for the long heap run — every report is later walked through
// its whole life (accept → assign → start → resolve → verify by a second dispatcher → close), so the live
// set stays bounded the way a long-running hall sees it. Everything is bounded: a deadline, a cap on
// requests in flight, and chains that end after six commands.
import type { Db } from '../../server/db/db';

export type Headers = Record<string, string>;

/** Signs a user in over the API and returns the headers of their session (cookie, CSRF, JSON). */
export async function signIn(baseUrl: string, username: string, password: string): Promise<Headers> {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: baseUrl },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string };
  const cookie = (res.headers.getSetCookie().find((c) => c.startsWith('gcc_session=')) ?? '').split(';')[0];
  if (!cookie) throw new Error(`sign-in of ${username}: no session cookie`);
  return { cookie, 'x-csrf-token': body.csrfToken, 'content-type': 'application/json', origin: baseUrl };
}

/** Points inside the street's grids (so every report lands in a community and a grid). */
export async function streetPoints(db: Db, perGrid: number): Promise<Array<[number, number]>> {
  const r = await db.query<{ lon: number; lat: number }>(
    `SELECT ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
       FROM grids g, LATERAL ST_Dump(ST_GeneratePoints(g.geom, $1::int, 7)) AS d
      ORDER BY g.id, d.path`,
    [perGrid],
  );
  if (r.rows.length === 0) throw new Error('the street has no grids: was the sample loaded?');
  return r.rows.map((p) => [Number(p.lon), Number(p.lat)]);
}

export async function onDutyWorkers(db: Db): Promise<number[]> {
  const r = await db.query<{ id: number }>(`SELECT id FROM people WHERE role = 'grid_worker' AND on_duty ORDER BY id LIMIT 200`);
  if (r.rows.length === 0) throw new Error('no on-duty grid worker in the sample');
  return r.rows.map((w) => Number(w.id));
}

export interface LoadOptions {
  baseUrl: string;
  /** Dispatcher who reports, accepts, assigns, starts, resolves and closes. */
  dispatcherA: Headers;
  /** Second dispatcher: verifies (nobody verifies their own work). */
  dispatcherB: Headers;
  points: Array<[number, number]>;
  perTick: number;
  tickMs: number;
  durationMs: number;
  /** Walk each report to closed after holdMs on the wall; absent: reports stay open. */
  /** maxBacklog: intake pauses while this many reports wait to be walked (keeps the live set bounded when the server is slow). */
  lifecycle?: { workers: number[]; holdMs: number; maxChains: number; maxBacklog: number };
  /** Batches allowed in flight before a tick is skipped (the server is not keeping up). */
  maxInFlight?: number;
  log(message: string): void;
}

export interface LoadStats {
  posted: number;
  ids: number[];
  failedBatches: number;
  skippedTicks: number;
  closed: number;
  commandFailures: number;
  /** Reports waiting for their life to be walked (open on the wall beyond holdMs). */
  backlog(): number;
  startedAt: number;
  stoppedAt: number;
}

const CATEGORIES = ['environment', 'safety', 'errand', 'parking', 'care'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startLoad(o: LoadOptions): { stats: LoadStats; stop(): void; done: Promise<LoadStats> } {
  const pending: Array<{ id: number; at: number }> = [];
  const stats: LoadStats = {
    posted: 0, ids: [], failedBatches: 0, skippedTicks: 0, closed: 0, commandFailures: 0,
    backlog: () => pending.length, startedAt: Date.now(), stoppedAt: 0,
  };
  const maxInFlight = o.maxInFlight ?? 4;
  let stopped = false;
  let inFlight = 0;
  let chains = 0;
  let seq = 0;
  let errorsLogged = 0;
  const logError = (what: string) => {
    if (errorsLogged++ < 5) o.log(`load: ${what}`);
  };
  const end = stats.startedAt + o.durationMs;

  async function postBatch(): Promise<void> {
    const reports = Array.from({ length: o.perTick }, () => {
      const k = seq++;
      const [lon, lat] = o.points[k % o.points.length];
      return { category: CATEGORIES[k % CATEGORIES.length], severity: 'small', title: `wall-bench ${k}`, location: { lon, lat } };
    });
    try {
      const res = await fetch(`${o.baseUrl}/api/incidents/batch`, { method: 'POST', headers: o.dispatcherA, body: JSON.stringify({ reports }) });
      if (res.status >= 300) {
        stats.failedBatches++;
        logError(`batch ${res.status} ${(await res.text()).slice(0, 200)}`);
        return;
      }
      const body = (await res.json()) as { items: Array<{ id: number }> };
      const at = Date.now();
      for (const it of body.items) {
        stats.ids.push(it.id);
        if (o.lifecycle) pending.push({ id: it.id, at });
      }
      stats.posted += body.items.length;
    } catch (err) {
      stats.failedBatches++;
      logError(`batch failed: ${(err as Error).message}`);
    }
  }

  async function command(h: Headers, id: number, verb: string, body: object): Promise<boolean> {
    const res = await fetch(`${o.baseUrl}/api/incidents/${id}/${verb}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 300) {
      stats.commandFailures++;
      logError(`${verb} ${id}: ${res.status} ${text.slice(0, 200)}`);
      return false;
    }
    return true;
  }

  async function walk(id: number, workerId: number): Promise<void> {
    const a = o.dispatcherA;
    const steps: Array<[Headers, string, object]> = [
      [a, 'accept', {}], [a, 'assign', { workerId }], [a, 'start', {}], [a, 'resolve', {}],
      [o.dispatcherB, 'verify', { passed: true }], [a, 'close', { reply: '已处理（基准测试）' }],
    ];
    for (const [h, verb, body] of steps) if (!(await command(h, id, verb, body))) return;
    stats.closed++;
  }

  const batches: Promise<void>[] = [];
  const walks = new Set<Promise<void>>();
  async function intakeLoop(): Promise<void> {
    for (let k = 0; !stopped; k++) {
      const due = stats.startedAt + k * o.tickMs;
      if (due >= end) break;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      if (inFlight >= maxInFlight || (o.lifecycle && pending.length >= o.lifecycle.maxBacklog)) {
        stats.skippedTicks++;
        continue;
      }
      inFlight++;
      const p = postBatch().finally(() => inFlight--);
      batches.push(p);
      if (batches.length > 64) batches.splice(0, batches.length - 64);
    }
  }

  async function lifecycleLoop(): Promise<void> {
    const lc = o.lifecycle;
    if (!lc) return;
    let n = 0;
    while (!stopped && Date.now() < end) {
      while (chains < lc.maxChains && pending.length && pending[0].at + lc.holdMs <= Date.now()) {
        const { id } = pending.shift() as { id: number; at: number };
        chains++;
        const p = walk(id, lc.workers[n++ % lc.workers.length]).finally(() => {
          chains--;
          walks.delete(p);
        });
        walks.add(p);
      }
      await sleep(50);
    }
  }

  const done = (async () => {
    await Promise.all([intakeLoop(), lifecycleLoop()]);
    await Promise.all(batches);
    await Promise.all([...walks]);
    stats.stoppedAt = Date.now();
    return stats;
  })();
  return {
    stats,
    stop: () => {
      stopped = true;
    },
    done,
  };
}
