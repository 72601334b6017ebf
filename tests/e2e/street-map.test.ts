// Issue 2 item 7: the client shows the street on the offline basemap with the three polygon layers drawn by
// deck.gl, a click shows the responsibility chain and counts, and no request leaves localhost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, paintedShare, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { loadMiniStreet } from '../layers/mini-street';
import type { UnitDetails } from '../../common/layers';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!hasChromium).each(backends())('street map in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let b: BrowserSession;
  const password = 'e2e-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    const n = await t.db.query<{ n: unknown }>('SELECT count(*) AS n FROM communities');
    if (Number(n.rows[0].n) === 0) await loadMiniStreet(t.db); // until the sample generator lands
    await createUser(t.db, { username: 'e2e_dispatcher', password, role: 'dispatcher', displayName: '调度员 E2E' });
    app = await startTestApp(t.db);
    b = await launchBrowser({ width: 1600, height: 1000 });
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await app?.close();
    await t?.drop();
  });

  it('draws communities, grids and buildings over the offline basemap, and a click shows the chain', async () => {
    const { page } = b;
    await page.goto(`${app.baseUrl}/`);
    await signInThroughForm(page, 'e2e_dispatcher', password);
    await page.waitForFunction(
      () => {
        const g = window.__gcc;
        if (!g?.mapReady) return false;
        const ids = g.renderedLayerIds();
        return ['communities-polygons', 'grids-polygons', 'buildings-footprints'].every((id) => ids.includes(id)) && g.layers.buildings > 0;
      },
      undefined,
      { timeout: 60_000 },
    );
    const counts = await page.evaluate(() => window.__gcc?.layers ?? {});
    const db = async (table: string) => Number((await t.db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    expect(counts.communities).toBe(await db('communities'));
    expect(counts.grids).toBe(await db('grids'));
    expect(counts.buildings).toBe(await db('buildings'));
    expect(counts['road-labels']).toBeGreaterThan(0);

    // Something was really drawn: the map area is far from a blank basemap background.
    await page.waitForTimeout(1500);
    const mapPng = await page.locator('[data-testid="map-view"]').screenshot({ path: path.join(SHOTS, `street-map-layers-${backend}.png`) });
    expect(await paintedShare(page, mapPng, [243, 241, 236])).toBeGreaterThan(0.1);
    await expect.poll(() => page.locator('[data-testid="sample-badge"]').isVisible()).toBe(true);

    // Click the middle of the first community's label point: the top-most unit there opens its panel.
    const community = (await t.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM communities ORDER BY id LIMIT 1`,
    )).rows[0];
    const xy = await page.evaluate(([lon, lat]) => window.__gcc?.project(lon, lat) ?? null, [Number(community.lon), Number(community.lat)] as const);
    expect(xy).not.toBeNull();
    const picked = await page.evaluate(([x, y]) => window.__gcc?.pick(x, y) ?? null, xy as [number, number]);
    expect(picked?.layerId).toMatch(/^(communities|grids|buildings)\b/);
    const box = await page.locator('[data-testid="map-view"]').boundingBox();
    await page.mouse.click((box?.x ?? 0) + (xy as [number, number])[0], (box?.y ?? 0) + (xy as [number, number])[1]);
    const panel = page.locator('[data-testid="unit-panel"]');
    await panel.waitFor({ timeout: 10_000 });
    const text = await panel.innerText();
    expect(text).toContain('责任链');
    expect(text).toContain('户数');
    // The panel's figures are the server's: compare with the API for the unit that was picked.
    const level = String(picked?.layerId).startsWith('buildings') ? 'building' : String(picked?.layerId).startsWith('grids') ? 'grid' : 'community';
    const unitId = (picked?.object as { properties: { id: number } }).properties.id;
    const details = (await page.evaluate(async (u) => (await fetch(u)).json(), `/api/units/${level}/${unitId}`)) as UnitDetails;
    expect(text).toContain(details.name);
    expect(text).toContain(details.counts.households.toLocaleString('zh-CN'));
    await page.screenshot({ path: path.join(SHOTS, `street-map-${backend}.png`) });

    expect(b.foreignRequests()).toEqual([]);
    expect(b.requests.some((u) => u.includes('/api/basemap/style.json'))).toBe(true);
    expect(b.requests.some((u) => u.includes('/api/basemap/features.geojson'))).toBe(true);
  }, 180_000);
});
