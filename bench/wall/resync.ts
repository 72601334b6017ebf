// The `wall` benchmark's resync row (issue 15 item 5): a wall open and current on the real server entry
// (server/main.ts in a child process); the process is killed (SIGKILL: a real outage, sockets drop with
// "transport close"); while it is down N incidents are reported and half of them accepted through a second
// server instance on the same database, so the wall is behind; after the outage the server is started again
// on the same port, and we time from the moment its listener accepts connections to the moment the open page
// holds every incident written during the outage at its latest version, its cursor has passed the last event
// written, its 「今日上报」 figure counts them, and the stale banner is gone — read from the page's own state
// (window.__gcc) and DOM, not from "socket connected". Baseline in the same run: a fresh cold load of /wall on the
// restarted server, to its first full render (bench/wall/page.ts) with the same data.
import type { Db } from '../../server/db/db';
import { latestEventId } from '../../server/realtime/push-cursor';
import { startBenchApp } from '../bench-app';
import { signIn, streetPoints } from './load';
import { openWall, type WallPage } from './page';
import { freePort, startServerProcess, type ServerProcess } from '../../tests/realtime/server-process';

/** Where the child server's data lives, and how a second instance reaches it while the child is down. */
export interface OutageTarget {
  /** Environment of the child server (DATABASE_URL or PGLITE_DIR). */
  env: Record<string, string | undefined>;
  /** The same database from this process (PGlite: only while the child is down); `release` closes what `open` opened. */
  open(): Promise<{ db: Db; release(): Promise<void> }>;
  wallUser: { username: string; password: string };
}

export interface ResyncRound {
  outageMs: number;
  written: number;
  /** Listener accepting connections → the open wall current again. */
  resyncMs: number;
  /** /readyz 200 → the open wall current again. */
  resyncFromReadyMs: number;
  /** Listener accepting → /readyz 200 (the server's own start-up, not the wall's). */
  serverInitMs: number;
  /** A fresh cold page load on the restarted server: navigation start → first full render (all outage data in it). */
  freshLoadMs: number;
  freshHasAll: boolean;
  /**
   * Where the time went, ms after the listener accepted: the page's live-store trace (the first attempt that
   * started after it, the handshake `engine_open`, `connect`, `sync_sent`, `sync_ack`, the `apply` of the
   * synced events, `kpis`) and what the page showed (`dom_incidents`, `dom_kpi`, `dom_bannerGone`). An attempt
   * counted here may have started up to one probe/backoff interval before the listener, and failed.
   */
  steps: Record<string, number>;
  /** Reconnect attempts the page made while the server was down. */
  attemptsWhileDown: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The figure 「今日上报」 as the page shows it (digits only), or NaN. */
async function reportedTodayOnPage(p: WallPage): Promise<number> {
  const text = await p.b.page.locator('[data-kpi="reportedToday"] .kpi-value').innerText();
  return Number(text.replace(/[^\d]/g, '') || NaN);
}

export async function measureResync(o: {
  target: OutageTarget;
  outageMs: number;
  rounds: number;
  /** Incidents reported during each outage (half of them accepted too). */
  writes: number;
  log(m: string): void;
}): Promise<ResyncRound[]> {
  const port = await freePort();
  const env = { ...o.target.env, NODE_ID: 'wall-resync' };
  let server: ServerProcess | null = await startServerProcess(env, port, 180_000, 20);
  const pages: WallPage[] = [];
  const out: ResyncRound[] = [];
  try {
    const wallCookie = (await signIn(server.baseUrl, o.target.wallUser.username, o.target.wallUser.password)).cookie;
    const wall = await openWall({ baseUrl: server.baseUrl, sessionCookie: wallCookie, width: 1920, height: 1080, live: true });
    pages.push(wall);
    await wall.b.page.waitForFunction(() => window.__gcc?.connected === true, undefined, { timeout: 30_000 });
    for (let round = 1; round <= o.rounds; round++) {
      await sleep(2000); // the page at rest, KPIs of the snapshot shown
      const reportedBefore = await reportedTodayOnPage(wall);
      if (!Number.isFinite(reportedBefore)) throw new Error('the wall shows no 今日上报 figure before the outage');
      await server.kill9();
      server = null;
      const downAt = Date.now();
      await wall.b.page.locator('[data-testid="stale-banner"]').waitFor({ timeout: 30_000 });

      // the wall falls behind: reports and acceptances through a second instance on the same database
      const { db, release } = await o.target.open();
      let expected: Array<{ id: number; version: number }> = [];
      let lastEvent = 0;
      try {
        const writer = await startBenchApp(db, 'dispatcher');
        try {
          const headers = { ...writer.headers, origin: writer.baseUrl };
          const points = await streetPoints(db, 2);
          const reports = Array.from({ length: o.writes }, (_, k) => {
            const [lon, lat] = points[(k * 7 + round) % points.length];
            return { category: 'environment', severity: 'small', title: `断线期间上报 ${round}-${k}`, location: { lon, lat } };
          });
          const res = await fetch(`${writer.baseUrl}/api/incidents/batch`, { method: 'POST', headers, body: JSON.stringify({ reports }) });
          if (res.status >= 300) throw new Error(`batch during the outage: ${res.status} ${await res.text()}`);
          const ids = ((await res.json()) as { items: Array<{ id: number }> }).items.map((i) => i.id);
          for (const id of ids.filter((_, k) => k % 2 === 0)) {
            const r = await fetch(`${writer.baseUrl}/api/incidents/${id}/accept`, { method: 'POST', headers, body: '{}' });
            if (r.status >= 300) throw new Error(`accept ${id} during the outage: ${r.status} ${await r.text()}`);
          }
          const rows = await db.query<{ id: number; version: number }>('SELECT id, version FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id', [ids]);
          expected = rows.rows.map((r) => ({ id: Number(r.id), version: Number(r.version) }));
          lastEvent = await latestEventId(db);
        } finally {
          await writer.close();
        }
      } finally {
        await release();
      }
      o.log(`  resync round ${round}: server killed, ${expected.length} incidents reported (${Math.ceil(expected.length / 2)} accepted) during the outage, last event ${lastEvent}; down for ${(o.outageMs / 1000).toFixed(0)} s`);
      const wait = downAt + o.outageMs - Date.now();
      if (wait > 0) await sleep(wait);

      // from now on the page reports (its own clock, epoch ms) the first moment it is current again
      // each condition's first moment is kept too (window.__resyncMarks), to see where the time goes
      const current = wall.b.page.waitForFunction(
        ({ expected, lastEvent, kpi }) => {
          const g = window.__gcc;
          const w = window as unknown as { __resyncMarks?: Record<string, number> };
          const marks = (w.__resyncMarks ??= {});
          const now = Date.now();
          const text = document.querySelector('[data-kpi="reportedToday"] .kpi-value')?.textContent ?? '';
          const seen: Record<string, boolean> = {
            connected: !!g?.connected,
            cursor: g?.lastEventId != null && g.lastEventId >= lastEvent,
            incidents: !!g && expected.every((e) => (g.incidentVersion(e.id) ?? -1) >= e.version),
            kpi: Number(text.replace(/[^\d]/g, '') || NaN) >= kpi,
            bannerGone: !document.querySelector('[data-testid="stale-banner"]'),
          };
          for (const [k, v] of Object.entries(seen)) if (v && marks[k] == null) marks[k] = now;
          return Object.values(seen).every(Boolean) ? now : false;
        },
        { expected, lastEvent, kpi: reportedBefore + expected.length },
        { timeout: 120_000, polling: 20 },
      );
      const outageMs = Date.now() - downAt;
      server = await startServerProcess(env, port, 180_000, 20);
      const currentAt = Number(await (await current).jsonValue());
      const marks = await wall.b.page.evaluate(() => {
        const w = window as unknown as { __resyncMarks?: Record<string, number> };
        const m = w.__resyncMarks ?? {};
        w.__resyncMarks = undefined;
        return m;
      });
      const since = server.listeningAt;
      o.log(`  resync round ${round}: after the listener accepted: ${Object.entries(marks).map(([k, v]) => `${k} ${v - since}`).join(', ')} ms`);
      const trace = await wall.b.page.evaluate(() => [...(window.__gcc?.liveTrace() ?? [])]);
      const afterDown = trace.filter((e) => e.at >= downAt);
      const steps: Record<string, number> = {};
      // the last attempt begun before the listener, and the first of each later step
      const lastAttemptBefore = afterDown.filter((e) => e.step === 'reconnect_attempt' && e.at < since).at(-1);
      if (lastAttemptBefore) steps.attempt_before_listener = lastAttemptBefore.at - since;
      for (const e of afterDown) if (e.at >= since && steps[e.step] == null) steps[e.step] = e.at - since;
      for (const [k, v] of Object.entries(marks)) steps[`dom_${k}`] = v - since;
      const attemptsWhileDown = afterDown.filter((e) => e.step === 'reconnect_attempt' && e.at < since).length;
      o.log(`  resync round ${round}: trace after the listener: ${afterDown.filter((e) => e.at >= since - 1500).map((e) => `${e.step}${e.n != null ? `(${e.n})` : ''} ${e.at - since}`).join(', ')} ms; ${attemptsWhileDown} attempts while down`);
      const r: ResyncRound = {
        outageMs,
        written: expected.length,
        resyncMs: currentAt - server.listeningAt,
        resyncFromReadyMs: currentAt - server.readyAt,
        serverInitMs: server.readyAt - server.listeningAt,
        freshLoadMs: NaN,
        freshHasAll: false,
        steps,
        attemptsWhileDown,
      };
      // baseline: what an operator pressing reload would wait for, on the same restarted server
      const fresh = await openWall({ baseUrl: server.baseUrl, sessionCookie: wallCookie, width: 1920, height: 1080, live: true });
      try {
        r.freshLoadMs = fresh.firstRenderMs;
        r.freshHasAll = (await fresh.countApplied(expected.map((e) => e.id))) === expected.length;
      } finally {
        await fresh.close();
      }
      o.log(`  resync round ${round}: down ${(outageMs / 1000).toFixed(1)} s; current ${r.resyncMs} ms after the listener accepted (${r.resyncFromReadyMs} ms after /readyz; server init ${r.serverInitMs} ms); fresh load ${r.freshLoadMs.toFixed(0)} ms${r.freshHasAll ? '' : ' (fresh page lacked some outage incidents!)'}`);
      out.push(r);
    }
  } finally {
    for (const p of pages) await p.close();
    await server?.stop();
  }
  return out;
}
