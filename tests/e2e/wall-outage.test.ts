// Issue 15 item 5 / QUALITY.md fault 4: a wall whose server process dies (SIGKILL, a real outage) shows that it
// is offline, and once the server is back it catches up — without a reload — with every change written while
// it was away (here through a second server instance on the same database): every incident reported at its
// latest version, its cursor past the last event, 「今日上报」 counting them, and the banner gone.
// The bench's row (`npm run bench -- wall`, bench/wall/resync.ts) times the same path after a 10-minute outage.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/db';
import { openPglite } from '../../server/db/pglite-driver';
import { createUser } from '../../server/auth/users';
import { systemClock } from '../../server/clock';
import { latestEventId } from '../../server/realtime/push-cursor';
import { backends, freshDb, type Backend, type TestDb } from '../helpers/test-db';
import { TEMPLATE_PATHS } from '../helpers/templates';
import { login, loginAs, startTestApp } from '../helpers/auth';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, type BrowserSession } from '../helpers/browser';
import { settleEscalation } from '../helpers/settle-escalation';
import { freePort, startServerProcess, type ServerProcess } from '../realtime/server-process';

if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

const PASSWORD = 'wall-outage-password-1';
const OUTAGE_MS = 8000;
const WRITES = 10;
const LAYERS = ['communities-polygons', 'grids-polygons', 'buildings-footprints', 'incidents-points', 'parking-lots', 'violations-points'];

interface Target {
  env: Record<string, string | undefined>;
  /** The database from the test process (PGlite: only while the child is down). */
  open(): Promise<{ db: Db; release(): Promise<void> }>;
  cleanup(): Promise<void>;
}

/** The sample street on the backend, with the wall user, ready for a child server. */
async function prepare(backend: Backend): Promise<Target> {
  if (backend === 'pg') {
    const t: TestDb = await freshDb('pg', 'sample');
    await createUser(t.db, { username: 'outage_wall', password: PASSWORD, role: 'wall', displayName: '大屏' });
    await settleEscalation(t.db);
    return {
      env: { DATABASE_URL: t.url },
      open: async () => ({ db: t.db, release: async () => {} }),
      cleanup: () => t.drop(),
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gcc-wall-outage-'));
  const db = await openPglite({ dataDir: dir, loadDataDir: new Blob([await readFile(TEMPLATE_PATHS.sample)]) });
  await createUser(db, { username: 'outage_wall', password: PASSWORD, role: 'wall', displayName: '大屏' });
  await settleEscalation(db);
  await db.close();
  return {
    env: { PGLITE_DIR: dir, DATABASE_URL: undefined },
    open: async () => {
      const d = await openPglite({ dataDir: dir });
      return { db: d, release: () => d.close() };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

const reportedToday = (b: BrowserSession) =>
  b.page.locator('[data-kpi="reportedToday"] .kpi-value').innerText().then((t) => Number(t.replace(/[^\d]/g, '') || NaN));

describe.skipIf(!hasChromium).each(backends())('a wall across a server outage (%s)', (backend) => {
  let target: Target;
  let server: ServerProcess | null = null;
  let port = 0;
  const env = () => ({ ...target.env, NODE_ID: 'wall-outage' });

  beforeAll(async () => {
    await ensureClientBuilt();
    target = await prepare(backend);
    port = await freePort();
    server = await startServerProcess(env(), port, 180_000);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await target?.cleanup();
  });

  it('shows it is offline while the server is down, then catches up with every change made meanwhile, without reloading', async () => {
    const baseUrl = server!.baseUrl;
    const wallSession = await login(baseUrl, 'outage_wall', PASSWORD);
    const b = await launchBrowser({ width: 1920, height: 1080 });
    try {
      const [name, value] = wallSession.cookie.split('=');
      await b.context.addCookies([{ name, value, url: baseUrl }]);
      let navigations = 0;
      b.page.on('framenavigated', (f) => {
        if (f === b.page.mainFrame()) navigations++;
      });
      await b.page.goto(`${baseUrl}/wall?scene=off`);
      await b.page.waitForFunction(
        (layers) => {
          const g = window.__gcc;
          return !!g?.mapReady && g.connected && g.lastEventId != null && layers.every((id) => g.renderedLayerIds().includes(id));
        },
        LAYERS,
        { timeout: 90_000 },
      );
      await b.page.locator('[data-kpi="reportedToday"] .kpi-value').filter({ hasNotText: '—' }).waitFor();
      const before = await reportedToday(b);
      const navigationsBefore = navigations;
      // a mark in the page's memory: a reload would lose it
      await b.page.evaluate(() => ((window as unknown as { __outageMark: number }).__outageMark = 42));

      await server!.kill9();
      server = null;
      const downAt = Date.now();
      const banner = b.page.locator('[data-testid="stale-banner"]');
      await banner.waitFor({ timeout: 15_000 });
      expect(await banner.innerText()).toMatch(/连接中断 · 数据截至 \d{2}:\d{2}/);

      // meanwhile a second server instance on the same database takes reports and accepts half of them
      const { db, release } = await target.open();
      let expected: Array<{ id: number; version: number }>;
      let lastEvent: number;
      try {
        const writer = await startTestApp(db, { clock: systemClock });
        try {
          const dispatcher = await loginAs(writer.baseUrl, db, 'dispatcher');
          const headers = { ...dispatcher.headers, origin: writer.baseUrl };
          const ids: number[] = [];
          for (let k = 0; k < WRITES; k++) {
            const res = await fetch(`${writer.baseUrl}/api/incidents`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ category: 'environment', severity: 'small', title: `断线期间-${k}`, location: { lon: 117.14 + k * 1e-4, lat: 39.22 } }),
            });
            expect(res.status, await res.clone().text()).toBeLessThan(300);
            const body = (await res.json()) as { incident?: { id: number }; id?: number };
            ids.push(Number(body.incident?.id ?? body.id));
          }
          for (const id of ids.filter((_, k) => k % 2 === 0)) {
            const res = await fetch(`${writer.baseUrl}/api/incidents/${id}/accept`, { method: 'POST', headers, body: '{}' });
            expect(res.status, await res.clone().text()).toBeLessThan(300);
          }
          const rows = await db.query<{ id: number; version: number }>('SELECT id, version FROM incidents WHERE id = ANY($1::bigint[])', [ids]);
          expected = rows.rows.map((r) => ({ id: Number(r.id), version: Number(r.version) }));
          lastEvent = await latestEventId(db);
        } finally {
          await writer.close();
        }
      } finally {
        await release();
      }
      expect(expected).toHaveLength(WRITES);
      expect(expected.filter((e) => e.version > 1)).toHaveLength(WRITES / 2);
      // still down, still saying so, and still showing the old figures
      expect(await banner.isVisible()).toBe(true);
      expect(await b.page.evaluate((ids) => ids.filter((id) => window.__gcc!.incidentIds().includes(id)).length, expected.map((e) => e.id))).toBe(0);
      const wait = downAt + OUTAGE_MS - Date.now();
      if (wait > 0) await b.page.waitForTimeout(wait);

      server = await startServerProcess(env(), port, 180_000, 20);
      await b.page.waitForFunction(
        ({ expected, lastEvent }) => {
          const g = window.__gcc;
          return !!g?.connected && (g.lastEventId ?? 0) >= lastEvent && expected.every((e) => (g.incidentVersion(e.id) ?? -1) >= e.version);
        },
        { expected, lastEvent },
        { timeout: 30_000, polling: 20 },
      );
      const caughtUpMs = Date.now() - server.listeningAt;
      const listeningAt = server.listeningAt;
      const trace = await b.page.evaluate(() => [...(window.__gcc?.liveTrace() ?? [])]);
      const attemptsWhileDown = trace.filter((e) => e.step === 'reconnect_attempt' && e.at >= downAt && e.at < listeningAt).length;
      const steps = trace.filter((e) => e.at >= listeningAt).map((e) => `${e.step} ${e.at - listeningAt}`).join(', ');
      console.log(`wall outage (${backend}): down ${((listeningAt - downAt) / 1000).toFixed(1)} s; caught up with ${WRITES} reports + ${WRITES / 2} accepts ${caughtUpMs} ms after the listener came back (${steps} ms; ${attemptsWhileDown} socket attempts while down)`);
      // While the server is down the wall probes /healthz and makes a WebSocket attempt only every 15 s
      // (reconnect-loop.ts: Chromium throttles a page's WebSockets after many failures, which used to hold the
      // attempt that mattered for seconds); once the server answers, it connects at once. The bench's target
      // is < 2 s (0.6 s measured at load 14); the bound here is what a loaded CI machine holds every time.
      expect(attemptsWhileDown).toBeLessThanOrEqual(Math.floor((listeningAt - downAt) / 15_000) + 1);
      expect(trace.some((e) => e.step === 'probe_ok' && e.at >= listeningAt)).toBe(true);
      expect(caughtUpMs).toBeLessThan(5000);
      await banner.waitFor({ state: 'detached', timeout: 5000 });
      // the street's figures are current too (sent to the socket right after its sync)
      await b.page.waitForFunction(
        (want) => Number((document.querySelector('[data-kpi="reportedToday"] .kpi-value')?.textContent ?? '').replace(/[^\d]/g, '') || NaN) >= want,
        before + WRITES,
        { timeout: 5000 },
      );
      expect(await reportedToday(b)).toBe(before + WRITES);
      // the same document: no reload happened
      expect(navigations).toBe(navigationsBefore);
      expect(await b.page.evaluate(() => (window as unknown as { __outageMark?: number }).__outageMark)).toBe(42);
      expect(b.foreignRequests()).toEqual([]);
    } finally {
      await b.close();
    }
  }, 300_000);
});
