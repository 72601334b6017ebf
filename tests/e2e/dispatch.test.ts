// Issue 4 item 6: a dispatcher clicks an incident on the /dispatch map, assigns it to a recommended
// candidate in one click, and the /wall open beside it shows the change. Screenshots of both are saved.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { systemClock } from '../../server/clock';
import { settleEscalation } from '../helpers/settle-escalation';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!hasChromium).each(backends())('dispatch → wall in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let api: Session;
  const password = 'e2e-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    await createUser(t.db, { username: 'e2e_dispatcher', password, role: 'dispatcher', displayName: '调度员' });
    await createUser(t.db, { username: 'e2e_wall2', password, role: 'wall', displayName: '大屏' });
    await settleEscalation(t.db); // the job's first pass would flood the wall's ticker mid-test
    app = await startTestApp(t.db, { clock: systemClock });
    api = await loginAs(app.baseUrl, t.db, 'dispatcher');
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  async function open(pathname: string, username: string, width = 1920, height = 1080): Promise<BrowserSession> {
    const b = await launchBrowser({ width, height });
    await b.page.goto(`${app.baseUrl}${pathname}`);
    await signInThroughForm(b.page, username, password);
    await b.page.waitForFunction(() => Boolean(window.__gcc?.mapReady && window.__gcc.connected && window.__gcc.lastEventId != null), undefined, { timeout: 90_000 });
    return b;
  }

  it('assigns an incident clicked on the map, and the wall shows it assigned', async () => {
    // A place inside the street with no other open incident within 80 m, so the click is unambiguous.
    const spot = await t.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT ST_PointOnSurface(b.geom) AS p FROM buildings b) s
        WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.status NOT IN ('closed','rejected')
                            AND ST_DWithin(i.geom::geography, s.p::geography, 80))
        LIMIT 1`,
    );
    const { lon, lat } = spot.rows[0];
    const title = `楼道堆物 e2e ${Date.now()}`;
    const reported = await fetch(`${app.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: api.headers,
      body: JSON.stringify({ category: 'environment', severity: 'small', title, location: { lon, lat } }),
    });
    expect(reported.status).toBe(201);
    const incident = (await reported.json()) as { id: number; version: number };
    const accepted = await fetch(`${app.baseUrl}/api/incidents/${incident.id}/accept`, {
      method: 'POST',
      headers: api.headers,
      body: JSON.stringify({ expectedVersion: incident.version }),
    });
    expect(accepted.status).toBe(200);
    // A photo sent with the report (issue 13 item 4): the drawer shows its thumbnail, served by the real route.
    const photo = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#c60' } }).jpeg().toBuffer();
    const uploaded = await fetch(`${app.baseUrl}/api/incidents/${incident.id}/photos?kind=report`, {
      method: 'POST',
      headers: { ...api.headers, 'content-type': 'image/jpeg' },
      body: new Uint8Array(photo),
    });
    expect(uploaded.status).toBe(201);

    const wall = await open('/wall?scene=off', 'e2e_wall2');
    const desk = await open('/dispatch', 'e2e_dispatcher');
    try {
      const { page } = desk;
      await page.waitForFunction((id) => window.__gcc?.incidentIds().includes(id), incident.id, { timeout: 30_000 });
      await page.waitForFunction(() => window.__gcc?.renderedLayerIds().includes('incidents-points'), undefined, { timeout: 30_000 });
      const box = await page.locator('.dispatch-map [data-testid="map-view"]').boundingBox();
      const at = await page.evaluate(([x, y]) => window.__gcc?.project(x, y) ?? null, [lon, lat] as const);
      expect(box && at).toBeTruthy();
      await page.mouse.click(box!.x + at![0], box!.y + at![1]);

      const drawer = page.locator('[data-testid="incident-drawer"]');
      await expect.poll(() => drawer.locator('h2').innerText(), { timeout: 15_000 }).toContain(title);
      const thumb = drawer.locator('[data-testid="photo-strip"] img').first();
      await thumb.waitFor({ timeout: 15_000 });
      await expect.poll(() => thumb.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(200);
      const assign = page.locator('[data-testid="candidates"] button.primary:not([disabled])').first();
      await assign.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(SHOTS, `dispatch-${backend}-candidates.png`) });
      await assign.click();
      await expect.poll(() => drawer.getAttribute('data-status'), { timeout: 15_000 }).toBe('assigned');

      const row = await t.db.query<{ status: string; assignee_id: number | null }>('SELECT status, assignee_id FROM incidents WHERE id = $1', [incident.id]);
      expect(row.rows[0].status).toBe('assigned');
      expect(row.rows[0].assignee_id).not.toBeNull();

      // The wall beside it: the ticker shows the incident as assigned (派遣).
      const tickerItem = wall.page.locator('.ticker-item.status-assigned', { hasText: title });
      await tickerItem.first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: path.join(SHOTS, `dispatch-${backend}-assigned.png`) });
      await wall.page.screenshot({ path: path.join(SHOTS, `dispatch-${backend}-wall.png`) });
      expect(desk.foreignRequests()).toEqual([]);
      expect(wall.foreignRequests()).toEqual([]);
    } finally {
      await desk.close();
      await wall.close();
    }
  }, 240_000);
});
