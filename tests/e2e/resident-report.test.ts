// Issue 13 items 5 and 6 (the resident's part): on a 390×844 phone with emulated geolocation, a resident
// opens /report without an account, uses their location, picks a category, describes the problem, submits
// (the proof of work runs in a Web Worker with WebCrypto), gets a tracking code, sees the tracking page,
// and — after the street closed the case with a reply — reads the reply and rates it once. Screenshots of
// each phone screen go to tests/e2e/screenshots/resident-*.png. Nothing may load from another host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { createUser } from '../../server/auth/users';
import { ResidentClient } from '../../server/simulator/resident-client';
import { systemClock } from '../../server/clock';

const SHOTS = path.resolve('tests/e2e/screenshots');
/** The shipped default (17) costs ~130k hashes on average; 16 keeps this test quick on a loaded CI box. */
const POW_BITS = 16;
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

describe.skipIf(!hasChromium).each(backends())('resident report on a phone in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let disp: Session;
  let leader: Session;
  let b: BrowserSession;

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    app = await startTestApp(t.db, { clock: systemClock, config: { RESIDENT_POW_BITS: POW_BITS } });
    disp = await loginAs(app.baseUrl, t.db, 'dispatcher');
    leader = await loginAs(app.baseUrl, t.db, 'leader');
    b = await launchBrowser({ width: 390, height: 844, deviceScaleFactor: 2 });
  }, 240_000);

  afterAll(async () => {
    await b?.close();
    await app?.close();
    await t?.drop();
  });

  const desk = async (s: Session, p: string, body: unknown) => {
    const res = await fetch(`${app.baseUrl}${p}`, { method: 'POST', headers: s.headers, body: JSON.stringify(body) });
    expect(res.status, `${p}: ${res.status}`).toBe(200);
    return (await res.json()) as { version: number };
  };

  it('files a report with the phone location, gets a code, follows it to the reply and rates it', async () => {
    // Stand in a grid of a named community: the sample's own geometry decides where that is.
    const spot = await t.db.query<{ lon: number; lat: number; community: string; grid_id: number }>(
      `SELECT ST_X(p) AS lon, ST_Y(p) AS lat, c.name AS community, g.id AS grid_id
         FROM grids g JOIN communities c ON c.id = g.community_id, LATERAL ST_PointOnSurface(g.geom) AS p
        ORDER BY g.id LIMIT 1`,
    );
    const here = spot.rows[0];
    const { page, context } = b;
    await context.grantPermissions(['geolocation'], { origin: app.baseUrl });
    await context.setGeolocation({ longitude: here.lon, latitude: here.lat, accuracy: 10 });

    await page.goto(`${app.baseUrl}/report`);
    await page.locator('[data-testid="report-map"][data-ready="1"]').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'resident-1-form.png') });

    await page.locator('[data-testid="use-location"]').click();
    await expect.poll(() => page.locator('[data-testid="report-place"]').textContent(), { timeout: 15_000 }).toContain(here.community);
    await page.locator('[data-category="environment"]').click();
    await page.locator('textarea[name="description"]').fill('楼道里堆满了纸箱和旧家具，挡住了消防通道（浏览器测试）');
    await page.locator('input[name="address"]').fill('3号楼2单元');
    await page.locator('input[name="phone"]').fill('13912345678');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'resident-2-filled.png'), fullPage: true });

    const t0 = Date.now();
    await page.locator('[data-testid="report-submit"]').click();
    await page.locator('[data-testid="report-done"]').waitFor({ timeout: 90_000 });
    const solveMs = Date.now() - t0;
    console.log(`resident e2e: proof of work (${POW_BITS} bits) + submit took ${solveMs} ms`);
    const code = (await page.locator('[data-testid="tracking-code"]').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    await page.screenshot({ path: path.join(SHOTS, 'resident-3-code.png') });

    // The report is an incident of source resident, routed to the grid it lies in, with the phone stored.
    const row = await t.db.query<{ id: number; grid_id: number; source: string; reporter_phone: string; version: number }>(
      `SELECT i.id, i.grid_id, i.source, i.reporter_phone, i.version FROM incidents i WHERE i.source = 'resident'`,
    );
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]).toMatchObject({ grid_id: here.grid_id, source: 'resident', reporter_phone: '13912345678' });
    const id = Number(row.rows[0].id);

    await page.getByRole('button', { name: '查看办理进度' }).click();
    await page.locator('[data-testid="tracking-page"][data-status="received"]').waitFor({ timeout: 15_000 });
    expect(page.url()).toBe(`${app.baseUrl}/report/${code.replace('-', '')}`);
    await page.screenshot({ path: path.join(SHOTS, 'resident-4-tracking.png'), fullPage: true });

    // The street works the case through the loop and answers.
    const worker = await t.db.query<{ id: number }>(`SELECT id FROM people WHERE role = 'grid_worker' AND on_duty ORDER BY id LIMIT 1`);
    await desk(disp, `/api/incidents/${id}/accept`, {});
    await desk(disp, `/api/incidents/${id}/assign`, { workerId: worker.rows[0].id });
    await desk(disp, `/api/incidents/${id}/start`, {});
    await desk(disp, `/api/incidents/${id}/resolve`, { note: '已清理' });
    await desk(leader, `/api/incidents/${id}/verify`, { passed: true });
    const reply = '您反映的楼道堆物已于今日清理完毕，消防通道已恢复畅通。感谢您的监督！';
    await desk(disp, `/api/incidents/${id}/close`, { reply });

    await page.reload();
    await page.locator('[data-testid="tracking-page"][data-status="closed"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="tracking-reply"]').textContent()).toBe(reply);
    const text = (await page.locator('[data-testid="tracking-page"]').textContent()) ?? '';
    for (const secret of ['13912345678', '3号楼2单元', '已清理', 'INC-']) expect(text).not.toContain(secret);
    await page.screenshot({ path: path.join(SHOTS, 'resident-5-closed.png'), fullPage: true });

    await page.locator('[data-star="4"]').click();
    await page.locator('[data-testid="rating-thanks"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.star.on').count()).toBe(4);
    expect(await page.locator('.star:not([disabled])').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'resident-6-rated.png'), fullPage: true });
    const stored = await t.db.query<{ satisfaction: number }>('SELECT satisfaction FROM incidents WHERE id = $1', [id]);
    expect(stored.rows[0].satisfaction).toBe(4);

    // Offline and public: nothing from another host; of the API only public routes (and the shell's who-am-I).
    expect(b.foreignRequests()).toEqual([]);
    const apiPaths = b.requests.filter((u) => u.includes('/api/')).map((u) => new URL(u).pathname);
    expect(apiPaths.filter((p) => !p.startsWith('/api/public/') && p !== '/api/auth/me')).toEqual([]);
    expect(b.requests.some((u) => u.includes('pow-worker'))).toBe(true);
    expect(b.errors).toEqual([]);
  }, 240_000);

  it('lets the dispatcher mark a resident report as spam from the drawer', async () => {
    const spot = await t.db.query<{ lon: number; lat: number }>('SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM grids g, LATERAL ST_PointOnSurface(g.geom) AS p ORDER BY g.id DESC LIMIT 1');
    const created = await new ResidentClient(app.baseUrl).report({ category: 'appeal', description: '买房送车，详询 400-000-0000（广告）', location: spot.rows[0] });
    expect(created.status).toBe(201);
    const row = await t.db.query<{ id: number }>(`SELECT id FROM incidents WHERE source = 'resident' AND category = 'appeal'`);
    const id = Number(row.rows[0].id);
    await createUser(t.db, { username: 'e2e_spam_dispatcher', password: 'e2e-password-1', role: 'dispatcher', displayName: '调度员' });
    const desk = await launchBrowser({ width: 1440, height: 900 });
    try {
      await desk.page.goto(`${app.baseUrl}/dispatch`);
      await desk.page.locator('input[name="username"]').waitFor({ timeout: 30_000 });
      await signInThroughForm(desk.page, 'e2e_spam_dispatcher', 'e2e-password-1');
      await desk.page.locator(`[data-incident-id="${id}"]`).click({ timeout: 90_000 });
      await desk.page.locator('[data-testid="resident-tag"]').waitFor({ timeout: 30_000 });
      await desk.page.screenshot({ path: path.join(SHOTS, 'resident-7-drawer.png') });
      await desk.page.locator('[data-action="spam"]').click();
      await desk.page.locator('[data-testid="incident-drawer"][data-status="rejected"]').waitFor({ timeout: 30_000 });
      const audit = await t.db.query<{ reason: string }>(`SELECT reason FROM audit_log WHERE action = 'incident.spam' AND entity_id = $1`, [String(id)]);
      expect(audit.rows.map((r) => r.reason)).toEqual(['spam']);
      expect(desk.foreignRequests()).toEqual([]);
    } finally {
      await desk.close();
    }
  }, 240_000);
});
