// Issue 5 items 2–5 in the browser: /plan shows network coverage with the straight-line comparison and the
// uncovered buildings; adding a facility on the map answers with scenario figures and rings at once;
// suggested sites appear. Screenshots are saved; no request leaves localhost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm } from '../helpers/browser';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

// The planner's page reads the same API on both backends (tested there); the browser run uses PGlite.
describe.skipIf(!hasChromium)('/plan in Chromium', () => {
  let t: TestDb;
  let app: TestApp;
  const password = 'planner-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb('pglite', 'sample');
    await createUser(t.db, { username: 'e2e_planner', password, role: 'planner', displayName: '规划' });
    app = await startTestApp(t.db);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('shows network coverage, answers a what-if added on the map, and suggests sites', async () => {
    const b = await launchBrowser({ width: 1920, height: 1080 });
    try {
      const { page } = b;
      await page.goto(`${app.baseUrl}/plan`);
      await signInThroughForm(page, 'e2e_planner', password);
      await page.waitForFunction(() => Boolean(window.__gcc?.mapReady), undefined, { timeout: 90_000 });
      await page.locator('[data-testid="plan-type"]').selectOption('elderly_daycare');
      const figures = page.locator('[data-testid="plan-figures"]');
      await figures.waitFor({ timeout: 60_000 });
      await expect.poll(() => page.locator('[data-testid="circle-note"]').innerText(), { timeout: 30_000 }).toMatch(/1000|1,000/);
      await page.waitForFunction(() => (window.__gcc?.layers.uncovered ?? 0) > 0, undefined, { timeout: 30_000 });
      await page.waitForTimeout(1500);
      await page.screenshot({ path: path.join(SHOTS, 'plan-coverage.png') });

      // Add a day-care center where most uncovered residents live.
      const spot = await t.db.query<{ lon: number; lat: number }>(
        `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (
           SELECT ST_Centroid(ST_Collect(ST_Centroid(b.geom))) AS c FROM buildings b
            WHERE b.residents > 0 AND NOT EXISTS (
              SELECT 1 FROM facilities f WHERE f.type = 'elderly_daycare' AND ST_DWithin(f.geom::geography, b.geom::geography, 900))) s`,
      );
      const { lon, lat } = spot.rows[0];
      const box = await page.locator('.plan-map [data-testid="map-view"]').boundingBox();
      const at = await page.evaluate(([x, y]) => window.__gcc?.project(x, y) ?? null, [lon, lat] as const);
      await page.locator('[data-testid="plan-add"]').click();
      await page.mouse.click(box!.x + at![0], box!.y + at![1]);
      const whatIf = page.locator('[data-testid="what-if-figures"]');
      await whatIf.waitFor({ timeout: 30_000 });
      expect(await whatIf.innerText()).toMatch(/\+[1-9]/);
      const serverMs = Number((await page.locator('[data-testid="server-ms"]').innerText()).match(/([\d.]+) ms/)?.[1]);
      expect(serverMs).toBeGreaterThan(0);

      await page.locator('[data-testid="plan-suggest"]').click();
      await page.locator('[data-testid="suggestions"] li').first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1000);
      await page.screenshot({ path: path.join(SHOTS, 'plan-what-if.png') });
      expect(b.foreignRequests()).toEqual([]);
    } finally {
      await b.close();
    }
  }, 240_000);
});
