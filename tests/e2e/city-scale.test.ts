// Issue 8 item 2: with district-scale data (sample ×50, ~43,500 buildings) the desk map draws communities,
// grids, buildings and the basemap from our vector tiles, opens on the data extent, still opens the unit
// panel on a click, sends nothing off localhost, and stays usable while the camera pans across the district.
// Generating ×50 takes ~30 s on PostgreSQL but far longer on PGlite, so this runs on pg only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { generateSample } from '../../server/sample/load-sample';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, paintedShare, signInThroughForm, type BrowserSession } from '../helpers/browser';
import type { UnitDetails } from '../../common/layers';
import { describePan as describeFigures, legsAcross, panAcross, type Bbox } from '../helpers/map-pan';

const SHOTS = path.resolve('tests/e2e/screenshots');
const hasPg = Boolean(process.env.DATABASE_URL);
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);
if (!hasPg) console.warn('city-scale browser test skipped: it needs DATABASE_URL (the ×50 sample takes too long to generate on PGlite)');

const FULL_VIEWPORT = { width: 1600, height: 1000 };
const PAN_VIEWPORT = { width: 960, height: 600 };

describe.skipIf(!hasChromium || !hasPg)('district-scale map from vector tiles in Chromium (pg)', () => {
  let t: TestDb;
  let app: TestApp;
  // The one-street sample (GeoJSON path) as the baseline for frame times on this very machine.
  let ts: TestDb;
  let appStreet: TestApp;
  let b: BrowserSession;
  const password = 'e2e-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb('pg', 'empty');
    const started = Date.now();
    const totals = await generateSample(t.db, { scale: 50, historyDays: 1 });
    console.log(`×50 sample: ${totals.buildings} buildings, ${totals.grids} grids, ${totals.communities} communities in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await createUser(t.db, { username: 'e2e_city', password, role: 'dispatcher', displayName: '调度员 城市' });
    await createUser(t.db, { username: 'e2e_city_admin', password, role: 'admin', displayName: '管理员 城市' });
    app = await startTestApp(t.db);
    ts = await freshDb('pg', 'sample');
    await createUser(ts.db, { username: 'e2e_city', password, role: 'dispatcher', displayName: '调度员 街道' });
    appStreet = await startTestApp(ts.db);
    b = await launchBrowser(FULL_VIEWPORT);
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await app?.close();
    await appStreet?.close();
    await t?.drop();
    await ts?.drop();
  });

  it('draws the district from vector tiles, picks a building, stays local and pans smoothly', async () => {
    const { page } = b;
    const count = async (table: string) => Number((await t.db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const buildings = await count('buildings');
    expect(buildings).toBeGreaterThan(5_000);

    // Baseline: the street (under the threshold: GeoJSON, untiled basemap) panned the same way.
    await page.goto(`${appStreet.baseUrl}/`);
    await signInThroughForm(page, 'e2e_city', password);
    await page.waitForFunction(() => {
      const g = window.__gcc;
      return !!g?.mapReady && g.layers.tiled === 0 && g.layers.buildings > 0 && g.renderedLayerIds().includes('buildings-footprints');
    }, undefined, { timeout: 90_000 });
    const streetExtent = (await page.evaluate(async () => (await fetch('/api/layers/extent')).json())) as { bbox: Bbox; tiled: boolean };
    expect(streetExtent.tiled).toBe(false);
    const streetLegs = legsAcross(streetExtent.bbox);
    // Frame times are measured at 960×600 for both: each frame is rasterised on the CPU, and at the full
    // 1600×1000 a loaded 2-core machine gives a handful of frames per pass, too few for a percentile.
    await page.setViewportSize(PAN_VIEWPORT);
    await page.evaluate(([lon, lat]) => window.__gcc?.easeTo(lon, lat, 15, 0), streetLegs[3]);
    await page.waitForTimeout(1500);
    const street = await panAcross(page, streetLegs);
    console.log(`street (GeoJSON) pan: ${describeFigures(street)}`);
    const mark = b.requests.length;

    await page.setViewportSize(FULL_VIEWPORT);
    await page.goto(`${app.baseUrl}/`);
    await signInThroughForm(page, 'e2e_city', password);
    await page.waitForFunction(
      () => {
        const g = window.__gcc;
        if (!g?.mapReady || g.layers.tiled !== 1 || g.isMoving()) return false;
        const tl = g.tiles();
        // grids are drawn from zoom 12 (TILE_ZOOMS): on the district's extent only communities
        return (tl.communities?.loaded ?? 0) > 0 && tl.communities.loaded === tl.communities.selected;
      },
      undefined,
      { timeout: 90_000 },
    );
    // The server said "tiled" and the counts are the database's.
    const extent = (await page.evaluate(async () => (await fetch('/api/layers/extent')).json())) as { bbox: Bbox; tiled: boolean; counts: Record<string, number> };
    expect(extent.tiled).toBe(true);
    expect(extent.counts.buildings).toBe(buildings);
    const counts = await page.evaluate(() => window.__gcc?.layers ?? {});
    expect(counts.buildings).toBe(buildings);
    expect(counts.grids).toBe(await count('grids'));

    // The first view is the data extent: its corners are on screen (within the 40 px padding).
    const corners = await page.evaluate(([a, c, d, e]) => [window.__gcc?.project(a, c), window.__gcc?.project(d, e)], extent.bbox);
    const box = await page.locator('[data-testid="map-view"]').boundingBox();
    for (const p of corners) {
      expect(p?.[0]).toBeGreaterThanOrEqual(-2);
      expect(p?.[0]).toBeLessThanOrEqual((box?.width ?? 0) + 2);
    }
    await page.locator('[data-testid="map-view"]').screenshot({ path: path.join(SHOTS, 'city-scale-extent.png') });

    // Zoom into a building in the middle of the district: building tiles load (.mvt, never the GeoJSON layer).
    const mid = [(extent.bbox[0] + extent.bbox[2]) / 2, (extent.bbox[1] + extent.bbox[3]) / 2];
    const target = (await t.db.query<{ id: number; lon: number; lat: number }>(
      `SELECT id, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM buildings
        ORDER BY geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326) LIMIT 1`,
      mid,
    )).rows[0];
    await page.evaluate(([lon, lat]) => window.__gcc?.easeTo(lon, lat, 17, 0), [Number(target.lon), Number(target.lat)]);
    await page.waitForFunction(
      () => {
        const tl = window.__gcc?.tiles().buildings;
        return !!tl && tl.features > 0 && tl.loaded === tl.selected;
      },
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForTimeout(1000);
    const xy = (await page.evaluate(([lon, lat]) => window.__gcc?.project(lon, lat) ?? null, [Number(target.lon), Number(target.lat)])) as [number, number];
    const picked = await page.evaluate(([x, y]) => window.__gcc?.pick(x, y) ?? null, xy);
    expect(picked?.layerId).toMatch(/^buildings\b/);
    expect((picked?.object as { properties: { id: number } }).properties.id).toBe(Number(target.id));
    await page.mouse.click((box?.x ?? 0) + xy[0], (box?.y ?? 0) + xy[1]);
    const panel = page.locator('[data-testid="unit-panel"]');
    await panel.waitFor({ timeout: 10_000 });
    const details = (await page.evaluate(async (u) => (await fetch(u)).json(), `/api/units/building/${target.id}`)) as UnitDetails;
    expect(await panel.innerText()).toContain(details.name);
    const mapPng = await page.locator('[data-testid="map-view"]').screenshot({ path: path.join(SHOTS, 'city-scale-building.png') });
    expect(await paintedShare(page, mapPng, [243, 241, 236])).toBeGreaterThan(0.1);
    await page.locator('[data-testid="unit-panel"] button').first().click().catch(() => undefined);

    // Pan across the district at street zoom for ~10 s, recording frame intervals and long tasks in the page.
    const legs = legsAcross(extent.bbox);
    await page.setViewportSize(PAN_VIEWPORT);
    await page.evaluate(([lon, lat]) => window.__gcc?.easeTo(lon, lat, 15, 0), legs[3]);
    await page.waitForTimeout(1500);
    // First pass: cold (tiles load while panning). Second pass: the same path with tiles cached.
    const cold = await panAcross(page, legs);
    await page.evaluate(([lon, lat]) => window.__gcc?.easeTo(lon, lat, 15, 0), legs[3]);
    await page.waitForTimeout(1500);
    const figures = await panAcross(page, legs);
    const requests = b.requests.slice(mark);
    const tileRequests = requests.filter((u) => /\/api\/tiles\/buildings\/\d+\/\d+\/\d+\.mvt/.test(u)).length;
    console.log(`district (tiles) pan, cold: ${describeFigures(cold)}; building tiles requested ${tileRequests}`);
    console.log(`district (tiles) pan, warm: ${describeFigures(figures)}`);
    await page.locator('[data-testid="map-view"]').screenshot({ path: path.join(SHOTS, 'city-scale-panned.png') });
    // What is asserted, against the street panned the same way in this run (software WebGL on 2 shared
    // cores has no absolute frame budget worth asserting):
    // - panning over cached tiles never blocks the main thread for 1 s, and while tiles load never for 2 s
    //   (tiles are parsed and triangulated in a worker, to binary arrays);
    // - the district's median frame stays within 6× the street's (floor 400 ms), warm, and within 8×
    //   (floor 600 ms) while tiles load. Before binary tiles and view-window labels it was 16–17× (warm
    //   p50 1.08 s vs 67 ms on a quiet machine); with them about 2–3× (267 vs 83 ms under load 4–7).
    expect(figures.frames).toBeGreaterThan(1);
    expect(cold.frames).toBeGreaterThan(1);
    expect(cold.longestTaskMs).toBeLessThan(2000);
    expect(figures.longestTaskMs).toBeLessThan(1000);
    expect(figures.p50).toBeLessThanOrEqual(Math.max(6 * street.p50, 400));
    expect(cold.p50).toBeLessThanOrEqual(Math.max(8 * street.p50, 600));

    // Everything came from here, the big layers as tiles: no GeoJSON of buildings/grids, no basemap GeoJSON.
    expect(b.foreignRequests()).toEqual([]);
    expect(tileRequests).toBeGreaterThan(0);
    expect(requests.some((u) => /\/api\/tiles\/grids\/\d+\/\d+\/\d+\.mvt/.test(u))).toBe(true);
    expect(requests.some((u) => /\/api\/tiles\/communities\/\d+\/\d+\/\d+\.mvt/.test(u))).toBe(true);
    expect(requests.some((u) => /\/api\/tiles\/basemap\/\d+\/\d+\/\d+\.mvt/.test(u))).toBe(true);
    expect(requests.some((u) => u.includes('/api/basemap/style.json') && u.includes('tiled=1'))).toBe(true);
    expect(requests.filter((u) => /\/api\/layers\/(buildings|grids)\b|\/api\/basemap\/features\.geojson/.test(u))).toEqual([]);
    // (a 401 before each sign-in is the login flow; no tile or layer request may fail)
    expect(b.failedResponses.filter((r) => r.status !== 401 && /\/api\/(tiles|layers|basemap)\//.test(r.url))).toEqual([]);
  }, 300_000);

  it('opens /dispatch, /plan and /wall on the district from vector tiles too (no GeoJSON of buildings or grids)', async () => {
    const { page, context } = b;
    await context.clearCookies();
    await page.setViewportSize(FULL_VIEWPORT);
    const tiledPage = async (route: string, shot: string, signIn = false) => {
      const mark = b.requests.length;
      await page.goto(`${app.baseUrl}${route}`);
      // The sign-in form is rendered by React after the page loads: wait for it rather than look once.
      if (signIn) await signInThroughForm(page, 'e2e_city_admin', password);
      await page.waitForFunction(
        () => {
          const g = window.__gcc;
          if (!g?.mapReady || g.layers.tiled !== 1) return false;
          const tl = g.tiles();
          return (tl.communities?.loaded ?? 0) > 0 && tl.communities.loaded === tl.communities.selected;
        },
        undefined,
        { timeout: 90_000 },
      );
      await page.waitForTimeout(1500);
      // Software WebGL on two shared cores can take a while to hand over a full-size frame of the whole
      // district; the screenshot is evidence, the assertions below are the test.
      await page.screenshot({ path: path.join(SHOTS, shot), timeout: 120_000 });
      const requests = b.requests.slice(mark);
      expect(requests.some((u) => /\/api\/tiles\/communities\/\d+\/\d+\/\d+\.mvt/.test(u)), route).toBe(true);
      expect(requests.some((u) => u.includes('/api/basemap/style.json') && u.includes('tiled=1')), route).toBe(true);
      expect(requests.filter((u) => /\/api\/layers\/(buildings|grids)\b|\/api\/basemap\/features\.geojson/.test(u)), route).toEqual([]);
      const counts = await page.evaluate(() => window.__gcc?.layers ?? {});
      expect(counts.buildings, route).toBe(await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings').then((r) => r.rows[0].n));
    };
    await tiledPage('/dispatch', 'city-scale-dispatch.png', true);
    await tiledPage('/plan', 'city-scale-plan.png');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await tiledPage('/wall?scene=off', 'city-scale-wall-1080p.png');
    expect(b.foreignRequests()).toEqual([]);
    expect(b.failedResponses.filter((r) => r.status !== 401 && /\/api\/(tiles|layers|basemap)\//.test(r.url))).toEqual([]);
  }, 600_000);
});
