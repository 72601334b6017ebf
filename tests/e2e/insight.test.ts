// Issue 6 item 6: /insight in real Chromium on the sample street — hot/cold spot cells with the z-score on
// hover equal to the API's, hexbin, playback with play/pause over fixed bins, rankings with the ECharts
// trend, a working export, and nothing requested from outside localhost. Screenshots under screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, paintedShare, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { ManualClock } from '../../server/clock';
import { SAMPLE_ANCHOR_ISO } from '../../server/sample/load-sample';
import { cellCenter, type HotspotsResponse } from '../../common/insight';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!hasChromium).each(backends())('/insight in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let b: BrowserSession;
  const password = 'e2e-leader-pw-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    await createUser(t.db, { username: 'e2e_leader', password, role: 'leader', displayName: '街道领导 E2E' });
    // The sample's history ends at its anchor: "last 30 days" on the page then covers it.
    app = await startTestApp(t.db, { clock: new ManualClock(new Date(SAMPLE_ANCHOR_ISO)) });
    b = await launchBrowser({ width: 1600, height: 1000 });
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await app?.close();
    await t?.drop();
  });

  it('shows significant hot spots with their z-score on hover, a legend, hexbin, playback and rankings', async () => {
    const { page } = b;
    const failed: string[] = [];
    b.context.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${app.baseUrl}/insight`);
    await signInThroughForm(page, 'e2e_leader', password);
    await page.waitForFunction(
      () => {
        const g = window.__gcc;
        const root = document.querySelector('[data-testid="insight-page"]');
        return !!g?.mapReady && root?.getAttribute('data-ready') === 'true' && g.renderedLayerIds().includes('insight-hotspots');
      },
      undefined,
      { timeout: 90_000 },
    );
    const legend = await page.locator('[data-testid="insight-legend"]').innerText();
    for (const words of ['Getis-Ord Gi*', '热点 99% 置信', '冷点 90% 置信', '不显著']) expect(legend).toContain(words);

    // The same request the page made (last 30 days up to the server's now, 150 m cells).
    const meta = (await page.evaluate(async () => (await fetch('/api/insight/meta')).json())) as { now: string };
    const now = Date.parse(meta.now);
    const qs = new URLSearchParams({ from: new Date(now - 30 * 86_400_000).toISOString(), to: new Date(now + 1000).toISOString(), severity: 'all' });
    const hot = (await page.evaluate(async (u) => (await fetch(u)).json(), `/api/insight/hotspots?${qs}&cellSize=150`)) as HotspotsResponse;
    expect(hot.studyArea).toBe('street');
    expect(hot.incidents).toBeGreaterThan(100);
    const top = [...hot.cells].sort((a, c) => c.z - a.z)[0];
    expect(top.bin).toBeGreaterThanOrEqual(2); // the sample has persistent hot areas
    expect(await page.evaluate(() => window.__gcc?.layers['insight-hotspots'])).toBe(hot.cells.length);

    const [lon, lat] = cellCenter(hot.frame, top.ix, top.iy);
    const xy = (await page.evaluate(([x, y]) => window.__gcc?.project(x, y) ?? null, [lon, lat] as const)) as [number, number];
    const box = (await page.locator('[data-testid="map-view"]').boundingBox())!;
    await page.mouse.move(box.x + xy[0], box.y + xy[1]);
    const tip = page.locator('[data-testid="insight-tooltip"]');
    await tip.waitFor({ timeout: 10_000 });
    const tipText = await tip.innerText();
    expect(tipText).toContain(`z 值: ${top.z.toFixed(2)}`);
    expect(tipText).toContain(`事件数: ${top.count}`);
    await page.waitForTimeout(800);
    const mapPng = await page.locator('[data-testid="map-view"]').screenshot();
    expect(await paintedShare(page, mapPng, [243, 241, 236])).toBeGreaterThan(0.05);
    await page.screenshot({ path: path.join(SHOTS, `insight-hotspots-${backend}.png`) });

    // Rankings: one row per community, outcome columns, and the trend chart drawn by ECharts on a canvas.
    const rows = page.locator('[data-testid="insight-rankings"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(Number((await t.db.query<{ n: unknown }>('SELECT count(*) AS n FROM communities')).rows[0].n));
    expect(await page.locator('[data-testid="insight-rankings"] thead').innerText()).toContain('按期办结率');
    expect(await page.locator('[data-testid="insight-trend"] canvas').count()).toBeGreaterThan(0);

    // Export: the XLSX link answers a spreadsheet for this session.
    const href = await page.locator('[data-testid="insight-export"] a').first().getAttribute('href');
    const exported = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      return { status: r.status, type: r.headers.get('content-type') };
    }, href);
    expect(exported).toEqual({ status: 200, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });

    // Heatmap of the same incidents (points aggregated on the GPU).
    await page.locator('[data-testid="insight-view-heatmap"]').check();
    await page.waitForFunction(() => window.__gcc?.renderedLayerIds().includes('insight-heatmap'), undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => window.__gcc?.layers['insight-heatmap'])).toBe(hot.incidents);
    await page.waitForTimeout(1000);
    await page.screenshot({ path: path.join(SHOTS, `insight-heatmap-${backend}.png`) });

    // Hexbin of the same incidents.
    await page.locator('[data-testid="insight-view-hexbin"]').check();
    await page.waitForFunction(() => window.__gcc?.renderedLayerIds().includes('insight-hexbin'), undefined, { timeout: 30_000 });
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(SHOTS, `insight-hexbin-${backend}.png`) });

    // Playback: fixed bins, one colour scale (legend shows the global max), play advances the frame.
    await page.locator('[data-testid="insight-view-playback"]').check();
    await page.waitForFunction(() => window.__gcc?.renderedLayerIds().includes('insight-playback'), undefined, { timeout: 30_000 });
    const label = page.locator('[data-testid="insight-frame-label"]');
    const first = await label.innerText();
    expect(await page.locator('[data-testid="insight-legend"]').innerText()).toMatch(/所有帧统一色阶 0–\d+/);
    await page.locator('[data-testid="insight-play"]').click();
    await expect.poll(() => label.innerText(), { timeout: 10_000 }).not.toBe(first);
    await page.locator('[data-testid="insight-play"]').click(); // pause
    const slider = page.locator('[data-testid="insight-frame-slider"]');
    await slider.focus();
    await page.keyboard.press('End');
    const frames = Number(await slider.getAttribute('max')) + 1;
    expect(frames).toBeGreaterThanOrEqual(30);
    expect(await slider.inputValue()).toBe(String(frames - 1));
    await expect.poll(() => label.innerText()).toMatch(/^2026-11-2\d · 本帧合计 \d+/);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, `insight-playback-${backend}.png`) });

    expect(b.foreignRequests()).toEqual([]);
    // Only the session probe before sign-in may fail (401 from /api/auth/me); nothing of the page may.
    expect(failed.filter((f) => !/^401 \/api\/auth\/me$/.test(f) && !/favicon/.test(f))).toEqual([]);
    // "Failed to load resource" console lines are covered by `failed` above, except Chromium's own
    // /favicon.ico probe (the app has none), which playwright does not report as a response.
    expect(b.errors.filter((e) => !/^Failed to load resource/.test(e))).toEqual([]);
  }, 240_000);
});
