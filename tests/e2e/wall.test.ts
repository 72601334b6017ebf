// Issue 3 items 3–4: /wall signed in as the read-only wall identity shows the street with live layers and
// figures; an incident posted over the API appears on the wall within 1 s; while the socket is cut the
// stale banner shows; screenshots at 3840×2160 and 1920×1080. No request leaves localhost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, paintedShare, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { systemClock } from '../../server/clock';
import { settleEscalation } from '../helpers/settle-escalation';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!hasChromium).each(backends())('/wall in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  const password = 'wall-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    await createUser(t.db, { username: 'e2e_wall', password, role: 'wall', displayName: '大屏' });
    // the wall's clock is the real one: "today" and pulses are judged by wall time
    await settleEscalation(t.db); // the job's first pass would flood the ticker mid-test
    app = await startTestApp(t.db, { clock: systemClock });
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  async function openWall(width: number, height: number, query = ''): Promise<BrowserSession> {
    const b = await launchBrowser({ width, height });
    await b.page.goto(`${app.baseUrl}/wall${query}`);
    await signInThroughForm(b.page, 'e2e_wall', password);
    await b.page.waitForFunction(
      () => {
        const g = window.__gcc;
        if (!g?.mapReady || !g.connected || g.lastEventId == null) return false;
        const ids = g.renderedLayerIds();
        return ['communities-polygons', 'grids-polygons', 'buildings-footprints', 'incidents-points', 'parking-lots', 'violations-points'].every((id) => ids.includes(id));
      },
      undefined,
      { timeout: 90_000 },
    );
    return b;
  }

  it('shows an incident posted over the API within 1 s, and saves the 4K screenshot', async () => {
    const b = await openWall(3840, 2160, '?scene=off');
    try {
      const { page } = b;
      const counts = await page.evaluate(() => window.__gcc?.layers ?? {});
      expect(counts.communities).toBeGreaterThan(0);
      expect(counts.parking).toBeGreaterThan(0);
      expect(await page.locator('[data-testid="sample-badge"]').innerText()).toContain('示例数据');
      await page.locator('[data-kpi="households"] .kpi-value').filter({ hasNotText: '—' }).waitFor();
      expect(await page.locator('[data-testid="as-of"]').innerText()).toMatch(/数据更新于 \d{2}:\d{2}:\d{2}/);

      const dispatcher = await loginAs(app.baseUrl, t.db, 'dispatcher');
      // a wall at rest: the first fit of the street has finished
      await page.waitForTimeout(500);
      const atRest = await page
        .waitForFunction(() => window.__gcc?.isMoving() === false, undefined, { timeout: 20_000 })
        .then(() => true, () => false);
      if (!atRest) console.warn(`wall (${backend}): the map was still moving after 20 s; posting anyway`);
      const title = `井盖缺失-${Date.now() % 100000}`;
      const posted = Date.now();
      const res = await fetch(`${app.baseUrl}/api/incidents`, {
        method: 'POST',
        headers: { ...dispatcher.headers, origin: app.baseUrl },
        body: JSON.stringify({ category: 'environment', severity: 'small', title, location: { lon: 117.14, lat: 39.22 } }),
      });
      const answeredMs = Date.now() - posted;
      expect(res.status).toBeLessThan(300);
      const body = (await res.json()) as { incident?: { id: number }; id?: number };
      const id = Number(body.incident?.id ?? body.id);
      expect(id).toBeGreaterThan(0);
      await page.waitForFunction((wanted) => window.__gcc?.incidentIds().includes(wanted) ?? false, id, { timeout: 1000, polling: 20 });
      const seenAfterMs = Date.now() - posted;
      // where the time went, when it was too long: the server's answer, then the wall's apply of the push
      const applied = (await page.evaluate(() => window.__gcc?.liveTrace() ?? [])).filter((e) => e.step === 'apply' && e.at >= posted).map((e) => e.at - posted);
      const breakdown = `POST answered after ${answeredMs} ms; the wall applied pushes at +${applied.join(', +')} ms`;
      console.log(`wall (${backend}): incident ${id} on the wall ${seenAfterMs} ms after the POST was sent (${breakdown})`);
      expect(seenAfterMs, breakdown).toBeLessThan(1000);
      // the ticker line is drawn by the same render; on a loaded machine a 4K software-rendered frame can take
      // over a second, so it gets longer than the map's 1 s
      await page.locator('[data-testid="ticker"]', { hasText: title }).waitFor({ timeout: 5000 });

      await page.waitForTimeout(3500); // let the map finish its fit and the pulse draw
      const png = await page.screenshot({ path: path.join(SHOTS, `wall-3840x2160-${backend}.png`) });
      expect(await paintedShare(page, png, [6, 11, 20])).toBeGreaterThan(0.3);
      expect(b.errors).toEqual([]);
      // expected: the session probe before signing in; coverage rings while that module is not installed
      const unexpected = b.failedResponses.filter(
        (r) => !(r.status === 401 && r.url.endsWith('/api/auth/me')) && !(r.status === 404 && r.url.includes('/api/coverage/')),
      );
      expect(unexpected).toEqual([]);
      expect(b.foreignRequests()).toEqual([]);
    } finally {
      await b.close();
    }
  }, 240_000);

  it('is usable at 1920×1080, rotates scenes, and shows the stale banner while disconnected', async () => {
    const b = await openWall(1920, 1080, '?sceneMs=4000');
    try {
      const { page } = b;
      const firstScene = await page.locator('.wall-scene').innerText();
      await page.waitForFunction((first) => document.querySelector('.wall-scene')?.textContent !== first, firstScene, { timeout: 15_000 });
      await page.locator('[data-testid="unit-panel"]').waitFor({ timeout: 10_000 });
      const panel = await page.locator('[data-testid="unit-panel"]').innerText();
      expect(panel).toContain('责任链');
      // the wall identity sees masked names only
      expect(panel).toMatch(/[\u4e00-\u9fa5]\*+/);
      await page.waitForTimeout(3500);
      await page.screenshot({ path: path.join(SHOTS, `wall-1920x1080-${backend}.png`) });
      // the key panels fit on screen at this size
      for (const sel of ['[data-testid="kpi-panel"]', '[data-testid="trend-chart"]', '[data-testid="ticker"]']) {
        const box = await page.locator(sel).boundingBox();
        expect(box, sel).not.toBeNull();
        expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(1080);
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1920);
      }

      // cut the network: new connections fail while offline, and the server drops the open socket
      await b.context.setOffline(true);
      app.app.io.disconnectSockets(true);
      await page.locator('[data-testid="stale-banner"]').waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-testid="stale-banner"]').innerText()).toMatch(/连接中断 · 数据截至 \d{2}:\d{2}/);
      await page.screenshot({ path: path.join(SHOTS, `wall-1920x1080-stale-${backend}.png`) });
      await b.context.setOffline(false);
      await page.locator('[data-testid="stale-banner"]').waitFor({ state: 'detached', timeout: 30_000 });
      expect(b.foreignRequests()).toEqual([]);
    } finally {
      await b.close();
    }
  }, 240_000);
});
