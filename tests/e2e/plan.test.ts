// Issue 5 items 2–5 in the browser: /plan shows network coverage with the straight-line comparison and the
// uncovered buildings; adding a facility on the map answers with scenario figures and rings at once;
// suggested sites appear. Issue 16 item 4: facilities off the walking network are marked on the map and
// listed with their distance, the unreachable buildings are counted, and a what-if site dropped far from
// any path is reported unreachable. Screenshots are saved; no request leaves localhost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { snapBuildingsToNetwork } from '../../server/walk/snap-buildings';
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
    await placeOffNetwork();
    app = await startTestApp(t.db);
  }, 240_000);

  // North of the sample network: a day-care center a few hundred metres at most from the last street (it runs at a slant) (its walk is added), one
  // 600 m out (unreachable by the network) and a building 450 m out (unreachable, its residents counted).
  const off = { walkM: 0, farM: 0, buildingM: 0, far: { lon: 0, lat: 0 }, walk: { lon: 0, lat: 0 } };
  async function placeOffNetwork() {
    const box = await t.db.query<{ lon: number; north: number }>('SELECT avg(ST_X(geom)) AS lon, max(ST_Y(geom)) AS north FROM walk_nodes');
    const { lon, north } = box.rows[0];
    const up = (m: number) => Number(north) + m / 111_320;
    off.walk = { lon: Number(lon), lat: up(60) };
    off.far = { lon: Number(lon) + 0.004, lat: up(600) };
    await t.db.query(
      `INSERT INTO facilities (code, type, name, geom) VALUES
         ('E2E-ACCESS-WALK', 'elderly_daycare', '北郊日间照料站', ST_SetSRID(ST_MakePoint($1, $2), 4326)),
         ('E2E-ACCESS-FAR', 'elderly_daycare', '河心岛日间照料站', ST_SetSRID(ST_MakePoint($3, $4), 4326))`,
      [off.walk.lon, off.walk.lat, off.far.lon, off.far.lat],
    );
    const b = await t.db.query<{ id: number }>(
      `INSERT INTO buildings (code, name, residents, households, geom)
       VALUES ('E2E-ACCESS-B', '远郊楼', 80, 40, ST_Buffer(ST_SetSRID(ST_MakePoint($1, $2), 4326), 0.00005, 'quad_segs=1')) RETURNING id`,
      [Number(lon) - 0.004, up(450)],
    );
    await snapBuildingsToNetwork(t.db, { buildingIds: [b.rows[0].id] });
    const d = await t.db.query<{ code: string; d: number }>(
      `SELECT f.code, (SELECT min(ST_Distance(f.geom::geography, e.geom::geography)) FROM walk_edges e) AS d FROM facilities f WHERE f.code LIKE 'E2E-ACCESS-%'
       UNION ALL SELECT 'B', distance_m FROM building_access WHERE building_id = $1`,
      [b.rows[0].id],
    );
    const by = new Map(d.rows.map((r) => [r.code, Number(r.d)]));
    off.walkM = by.get('E2E-ACCESS-WALK')!;
    off.farM = by.get('E2E-ACCESS-FAR')!;
    off.buildingM = by.get('B')!;
    // The placement must land where the test means it to (the sample's northern street is straight).
    expect(off.walkM).toBeGreaterThan(50);
    expect(off.walkM).toBeLessThan(300);
    expect(off.farM).toBeGreaterThan(300);
    expect(off.buildingM).toBeGreaterThan(300);
  }

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

  it('marks facilities off the walking network on the map, lists them with their distance, and counts unreachable buildings (1440×900)', async () => {
    const b = await launchBrowser({ width: 1440, height: 900 });
    try {
      const { page } = b;
      await page.goto(`${app.baseUrl}/plan`);
      await signInThroughForm(page, 'e2e_planner', password);
      await page.waitForFunction(() => Boolean(window.__gcc?.mapReady), undefined, { timeout: 90_000 });
      await page.locator('[data-testid="plan-type"]').selectOption('elderly_daycare');
      await page.locator('[data-testid="plan-figures"]').waitFor({ timeout: 60_000 });

      // The list: the unreachable one first, then the longest access walks, each with its distance.
      const access = page.locator('[data-testid="plan-access"]');
      const far = access.locator('li[data-status="unreachable"]').first();
      await far.waitFor({ timeout: 30_000 });
      expect(await far.innerText()).toContain('河心岛日间照料站');
      expect(await far.innerText()).toContain('不可达');
      const farShown = Number((await far.innerText()).match(/(\d+) 米/)?.[1]);
      expect(Math.abs(farShown - off.farM)).toBeLessThanOrEqual(1);
      const walk = access.locator('li[data-status="walk_added"]').first();
      expect(await walk.innerText()).toContain('北郊日间照料站');
      const walkShown = Number((await walk.innerText()).match(/(\d+) 米/)?.[1]);
      expect(Math.abs(walkShown - off.walkM)).toBeLessThanOrEqual(1);
      expect(await access.locator('[data-testid="plan-access-counts"]').innerText()).toMatch(/路网不可达 1 处/);
      // The coverage summary says how many buildings the network cannot reach (only the one placed out there).
      expect(await page.locator('[data-testid="plan-unreachable-buildings"]').innerText()).toMatch(/1 栋楼 · 80 人/);

      // The map: both are marked (an access walk drawn to the street, distance labels), and picking the far
      // one finds it drawn as unreachable.
      await page.waitForFunction(() => (window.__gcc?.layers.planFacilitiesUnreachable ?? 0) >= 1 && (window.__gcc?.layers.planFacilitiesWalkAdded ?? 0) >= 1, undefined, { timeout: 30_000 });
      await page.evaluate(([lon, lat]) => window.__gcc?.easeTo(lon, lat, 15.3, 0), [(off.walk.lon + off.far.lon) / 2, (off.walk.lat + off.far.lat) / 2 - 0.0015] as const);
      await page.waitForFunction(() => window.__gcc?.isMoving() === false, undefined, { timeout: 10_000 });
      await page.waitForTimeout(1200);
      const ids = await page.evaluate(() => window.__gcc?.renderedLayerIds() ?? []);
      expect(ids).toEqual(expect.arrayContaining(['plan-access-walks', 'plan-access-labels']));
      await page.screenshot({ path: path.join(SHOTS, 'plan-access-1440.png') });
      const xy = await page.evaluate(([lon, lat]) => window.__gcc?.project(lon, lat) ?? null, [off.far.lon, off.far.lat] as const);
      // Right after the camera rests deck.gl may still pick from the previous frame's buffer: wait for the facility.
      await page.waitForFunction(([x, y]) => window.__gcc?.pick(x, y)?.layerId?.startsWith('plan') === true, xy!, { timeout: 10_000 });
      const picked = await page.evaluate(([x, y]) => window.__gcc?.pick(x, y) ?? null, xy!);
      // deck.gl names the composite PlanLayer ('plan') as the picked layer; the object is its facility.
      expect(picked?.layerId).toMatch(/^plan(-facilities)?$/);
      expect(picked?.object).toMatchObject({ name: '河心岛日间照料站', access: { status: 'unreachable' } });

      // A what-if site dropped far from any path: kept in the scenario, reported unreachable, covers nobody.
      const box = await page.locator('.plan-map [data-testid="map-view"]').boundingBox();
      const drop = await page.evaluate(([lon, lat]) => window.__gcc?.project(lon, lat) ?? null, [off.far.lon - 0.006, off.far.lat] as const);
      await page.locator('[data-testid="plan-add"]').click();
      await page.mouse.click(box!.x + drop![0], box!.y + drop![1]);
      const note = page.locator('[data-testid="what-if-access"] li.unreachable');
      await note.waitFor({ timeout: 30_000 });
      expect(await note.innerText()).toMatch(/不可达/);
      expect(await page.locator('[data-testid="what-if-figures"]').innerText()).not.toMatch(/\+[1-9]/);
      await page.waitForTimeout(800);
      await page.screenshot({ path: path.join(SHOTS, 'plan-access-what-if-1440.png') });
      expect(b.foreignRequests()).toEqual([]);
    } finally {
      await b.close();
    }
  }, 240_000);
});
