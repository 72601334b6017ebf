// Issue 13 item 6, the whole chain in real Chromium with real file uploads and emulated geolocation:
//   a resident reports on /report (390×844 phone, with a photo) → routed to its grid by point-in-polygon →
//   accepted and assigned on /dispatch by a dispatcher (a second browser) → appears on the grid worker's phone
//   (/m, a third browser, 390×844; timed) → accepted, started, and resolved OFFLINE with a before and an after
//   photo (context.setOffline; the photos wait in IndexedDB as Blobs) → the outbox flushes once when the
//   network returns → a leader verifies on /dispatch, seeing 整改前/整改后 side by side → the dispatcher closes
//   it with a reply → the resident's tracking page shows the reply and takes a rating.
// Screenshots of every phone screen go to tests/e2e/screenshots/chain-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { systemClock } from '../../server/clock';

const SHOTS = path.resolve('tests/e2e/screenshots');
/** Low difficulty keeps the resident's puzzle to well under a second here; the shipped default is 17. */
const POW_BITS = 12;
const PHONE = { width: 390, height: 844, deviceScaleFactor: 2 };
const DESK = { width: 1440, height: 900 };
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

/** A camera-like JPEG with EXIF (time and place) written to disk, so the page uploads a real file. */
async function photoFile(dir: string, name: string, colour: string, label: string): Promise<string> {
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="${colour}"/><text x="40" y="320" font-size="90" fill="#fff">${label}</text></svg>`);
  const bytes = await sharp(svg)
    .withExif({ IFD0: { Make: 'ChainPhone' }, IFD2: { DateTimeOriginal: '2026:12:06 10:15:00', OffsetTimeOriginal: '+08:00' } })
    .jpeg({ quality: 85 })
    .toBuffer();
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

describe.skipIf(!hasChromium).each(backends())('the field chain, resident to reply, in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let tmp: string;
  const browsers: BrowserSession[] = [];
  let worker: { id: number; gridId: number; lon: number; lat: number; community: string };
  const password = 'e2e-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'gcc-chain-'));
    t = await freshDb(backend, 'sample');
    // The grid worker of the grid the resident stands in, on duty; the resident's spot is inside that grid.
    const w = await t.db.query<{ id: number; grid_id: number; lon: number; lat: number; community: string }>(
      `SELECT p.id, p.grid_id, ST_X(ST_PointOnSurface(g.geom)) AS lon, ST_Y(ST_PointOnSurface(g.geom)) AS lat, c.name AS community
         FROM people p JOIN grids g ON g.id = p.grid_id JOIN communities c ON c.id = g.community_id
        WHERE p.role = 'grid_worker' ORDER BY p.id LIMIT 1`,
    );
    worker = { id: w.rows[0].id, gridId: w.rows[0].grid_id, lon: w.rows[0].lon, lat: w.rows[0].lat, community: w.rows[0].community };
    await t.db.query('UPDATE people SET on_duty = true WHERE id = $1', [worker.id]);
    await createUser(t.db, { username: 'chain_worker', password, role: 'worker', displayName: '网格员', personId: worker.id, scopeGridId: worker.gridId });
    await createUser(t.db, { username: 'chain_dispatcher', password, role: 'dispatcher', displayName: '调度员' });
    await createUser(t.db, { username: 'chain_leader', password, role: 'leader', displayName: '街道领导' });
    app = await startTestApp(t.db, { clock: systemClock, config: { RESIDENT_POW_BITS: POW_BITS } });
  }, 240_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await app?.close();
    await t?.drop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  async function browser(size: { width: number; height: number; deviceScaleFactor?: number }): Promise<BrowserSession> {
    const b = await launchBrowser(size);
    browsers.push(b);
    return b;
  }
  async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  const status = async (id: number) => (await t.db.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id])).rows[0].status;
  const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: path.join(SHOTS, `chain-${name}-${backend}.png`), fullPage });
  async function openDesk(username: string): Promise<BrowserSession> {
    const b = await browser(DESK);
    await b.page.goto(`${app.baseUrl}/dispatch`);
    await signInThroughForm(b.page, username, password);
    await b.page.waitForFunction(() => Boolean(window.__gcc?.connected && window.__gcc.lastEventId != null), undefined, { timeout: 90_000 });
    return b;
  }
  /** Opens an incident from the desk's queue, on the stage tab (2 = new, 5 = to verify) where it is listed. */
  async function openFromQueue(page: Page, id: number, stageTab: number): Promise<void> {
    await page.locator(`.stage-tabs button:nth-child(${stageTab})`).click();
    const item = page.locator(`button.queue-item[data-incident-id="${id}"]`);
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    await page.locator('[data-testid="incident-drawer"][data-status]').waitFor({ timeout: 15_000 });
  }

  it('resident report → grid → desk → phone → offline resolve with photos → flush → verify → reply → rating', async () => {
    const reportPhoto = await photoFile(tmp, 'report.jpg', '#8b5a2b', 'report');
    const beforePhoto = await photoFile(tmp, 'before.jpg', '#7f1d1d', 'before');
    const afterPhoto = await photoFile(tmp, 'after.jpg', '#166534', 'after');

    // --- the worker's phone is signed in and live before anything happens -------------------------------
    const phone = await browser(PHONE);
    await phone.context.grantPermissions(['geolocation'], { origin: app.baseUrl });
    await phone.context.setGeolocation({ longitude: worker.lon + 0.0008, latitude: worker.lat + 0.0004, accuracy: 15 });
    await phone.page.goto(`${app.baseUrl}/m`);
    await phone.page.locator('input[name="username"]').waitFor({ timeout: 60_000 });
    await signInThroughForm(phone.page, 'chain_worker', password);
    await phone.page.getByTestId('m-inbox').waitFor({ timeout: 60_000 });
    await phone.page.waitForTimeout(800); // hello → sync: the socket is in the grid's room
    await shot(phone.page, 'm1-inbox-empty');

    // --- 1. the resident reports on /report with their location and a photo -------------------------------
    const resident = await browser(PHONE);
    await resident.context.grantPermissions(['geolocation'], { origin: app.baseUrl });
    await resident.context.setGeolocation({ longitude: worker.lon, latitude: worker.lat, accuracy: 10 });
    await resident.page.goto(`${app.baseUrl}/report`);
    await resident.page.locator('[data-testid="report-map"][data-ready="1"]').waitFor({ timeout: 60_000 });
    await resident.page.locator('[data-testid="use-location"]').click();
    await expect.poll(() => resident.page.locator('[data-testid="report-place"]').textContent(), { timeout: 15_000 }).toContain(worker.community);
    await resident.page.locator('[data-category="environment"]').click();
    const text = '小区东门垃圾桶满溢，垃圾散落一地（全链路测试）';
    await resident.page.locator('textarea[name="description"]').fill(text);
    await resident.page.locator('input[name="phone"]').fill('13800001111');
    await resident.page.getByTestId('report-photos').setInputFiles(reportPhoto);
    await resident.page.locator('.report-photos img').first().waitFor();
    await resident.page.waitForTimeout(300);
    await shot(resident.page, 'r1-report-filled', true);
    await resident.page.getByTestId('report-submit').click();
    await resident.page.getByTestId('report-done').waitFor({ timeout: 90_000 });
    await resident.page.locator('[data-testid="photo-status"][data-busy="false"][data-sent="1"]').waitFor({ timeout: 30_000 });
    const code = ((await resident.page.getByTestId('tracking-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    await shot(resident.page, 'r2-code');

    // --- 2. routed to its grid by point-in-polygon, with the photo stored as a report photo -------------------
    const row = await t.db.query<{ id: number; grid_id: number; source: string }>(`SELECT id, grid_id, source FROM incidents WHERE source = 'resident'`);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0].grid_id).toBe(worker.gridId);
    const id = Number(row.rows[0].id);
    const photoKinds = async () => (await t.db.query<{ kind: string }>('SELECT kind FROM incident_photos WHERE incident_id = $1 ORDER BY id', [id])).rows.map((r) => r.kind);
    expect(await photoKinds()).toEqual(['report']);

    // --- 3. the dispatcher accepts and assigns it on /dispatch (a second browser) -------------------------
    const desk = await openDesk('chain_dispatcher');
    await openFromQueue(desk.page, id, 2);
    const drawer = desk.page.locator('[data-testid="incident-drawer"]');
    await expect.poll(() => drawer.getAttribute('data-status')).toBe('reported');
    await drawer.getByTestId('resident-tag').waitFor();
    // The resident's photo is in the drawer, served by the scoped route.
    const reportThumb = drawer.locator('[data-testid="photo-strip"] .photo-group[data-kind="report"] img').first();
    await expect.poll(() => reportThumb.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    await drawer.locator('[data-action="accept"]').click();
    await expect.poll(() => drawer.getAttribute('data-status'), { timeout: 15_000 }).toBe('accepted');
    const assign = drawer.getByTestId(`assign-${worker.id}`);
    await assign.waitFor({ timeout: 30_000 });
    await desk.page.screenshot({ path: path.join(SHOTS, `chain-d1-assign-${backend}.png`) });

    // --- 4. it appears on the worker's phone: timed from the desk's 派遣 request --------------------------------
    // From the moment the desk's browser sends the assign request (not from the click: Playwright's own
    // actionability checks before a click are no part of the product's latency).
    let sentAt = 0;
    desk.page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/api/incidents/${id}/assign`)) sentAt = Date.now();
    });
    const appears = phone.page.getByTestId(`m-task-${id}`).waitFor({ timeout: 10_000 });
    const clickedAt = Date.now();
    await assign.click();
    await appears;
    const shownAt = Date.now();
    const latency = shownAt - sentAt;
    console.log(`field chain (${backend}): assignment on the phone ${latency} ms after the desk sent it (${shownAt - clickedAt} ms after the click began)`);
    // Locally the bound is the 1 s. On a shared CI runner three software-rendered Chromiums and the
    // server share two cores, and the time includes the desk's own POST round trip and the phone's refetch of
    // its inbox, so CI gets 2.5 s; the push latency itself under a burst is bench/field.ts's figure.
    expect(latency, `assignment reached the phone in ${latency} ms`).toBeLessThan(process.env.CI ? 2500 : 1000);
    await phone.page.getByTestId('m-banner').waitFor();
    await shot(phone.page, 'm2-inbox-new-task');

    // --- 5. accept (接单) and start on the phone -------------------------------------------------------------
    await phone.page.getByTestId(`m-task-${id}`).click();
    await phone.page.getByTestId('m-task').waitFor();
    await phone.page.getByTestId('m-ack').click();
    await until('acknowledged', async () => (await t.db.query('SELECT 1 FROM incidents WHERE id = $1 AND acknowledged_at IS NOT NULL', [id])).rows.length === 1);
    await phone.page.getByTestId('m-start').click();
    await until('in progress', async () => (await status(id)) === 'in_progress');
    await phone.page.getByTestId('m-note').waitFor();
    await phone.page.waitForTimeout(1000); // the basemap and the walking route draw
    await shot(phone.page, 'm3-task');

    // --- 6. resolved OFFLINE with a before and an after photo taken with the camera input --------------------
    await phone.context.setOffline(true);
    await expect.poll(() => phone.page.getByTestId('m-net').textContent()).toBe('离线');
    expect(await phone.page.getByTestId('m-photo-before').getAttribute('capture')).toBe('environment');
    await phone.page.getByTestId('m-photo-before').setInputFiles(beforePhoto);
    await phone.page.getByTestId('m-photo-after').setInputFiles(afterPhoto);
    await phone.page.getByTestId('m-photo-after-preview').waitFor();
    await phone.page.getByTestId('m-note').fill('已清运垃圾并清洗地面');
    await shot(phone.page, 'm4-offline-photos', true);
    await phone.page.getByTestId('m-resolve').click();
    await phone.page.getByTestId('m-queued').waitFor();
    await expect.poll(() => phone.page.getByTestId('m-pending').textContent()).toContain('3');
    // Waiting in IndexedDB: the two photos as Blobs with their keys, then the resolution.
    const queued = await phone.page.evaluate(
      () =>
        new Promise<Array<{ path: string; key: string; blob: boolean; size: number }>>((resolve, reject) => {
          const req = indexedDB.open('gcc-field');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const all = req.result.transaction('outbox').objectStore('outbox').getAll();
            all.onsuccess = () =>
              resolve((all.result as Array<{ path: string; key: string; blob?: Blob }>).map((i) => ({ path: i.path, key: i.key, blob: i.blob instanceof Blob, size: i.blob?.size ?? 0 })));
          };
        }),
    );
    expect(queued.map((q) => q.path)).toEqual([`/api/incidents/${id}/photos?kind=before`, `/api/incidents/${id}/photos?kind=after`, `/api/incidents/${id}/resolve`]);
    expect(queued.slice(0, 2).every((q) => q.blob && q.size > 1000)).toBe(true);
    expect(new Set(queued.map((q) => q.key)).size).toBe(3);
    await phone.page.waitForTimeout(1500);
    expect(await status(id)).toBe('in_progress');
    expect(await photoKinds()).toEqual(['report']);
    await shot(phone.page, 'm5-offline-queued');
    await phone.page.getByTestId('m-tab-outbox').click();
    await phone.page.getByTestId('m-outbox').waitFor();
    await shot(phone.page, 'm6-outbox');

    // --- 7. the network returns: the outbox flushes, each thing exactly once ----------------------------------
    await phone.context.setOffline(false);
    await until('resolved', async () => (await status(id)) === 'resolved');
    await phone.page.getByTestId('m-pending').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await photoKinds()).toEqual(['report', 'before', 'after']);
    const resolvedEvents = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE entity_type = 'incident' AND entity_id = $1 AND type = 'incident.resolved'`, [String(id)]);
    expect(resolvedEvents.rows[0].n).toBe(1);
    // The camera's time came through as a field (the stored JPEG itself has no EXIF).
    const taken = await t.db.query<{ captured_at: Date | null }>(`SELECT captured_at FROM incident_photos WHERE incident_id = $1 AND kind = 'after'`, [id]);
    expect(new Date(taken.rows[0].captured_at as Date).toISOString()).toBe('2026-12-06T02:15:00.000Z');
    // Back on the task (still open on the tasks tab): the server's status now, waiting for verification.
    await phone.page.getByTestId('m-tab-tasks').click();
    await expect.poll(() => phone.page.getByTestId('m-status').textContent(), { timeout: 15_000 }).toBe('待核查');
    await phone.page.waitForTimeout(500);
    await shot(phone.page, 'm7-flushed');

    // --- 8. a leader verifies on /dispatch, with 整改前 and 整改后 side by side ---------------------------------
    const leader = await openDesk('chain_leader');
    await openFromQueue(leader.page, id, 5);
    const lDrawer = leader.page.locator('[data-testid="incident-drawer"]');
    await expect.poll(() => lDrawer.getAttribute('data-status')).toBe('resolved');
    const compare = lDrawer.getByTestId('photo-compare');
    for (const kind of ['before', 'after']) {
      const img = compare.locator(`.photo-group[data-kind="${kind}"] img`).first();
      await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    const [b, a] = await Promise.all(['before', 'after'].map((k) => compare.locator(`.photo-group[data-kind="${k}"]`).boundingBox()));
    expect(b && a && a.x > b.x + 50 && Math.abs(a.y - b.y) < 5).toBe(true); // side by side, not stacked
    await leader.page.screenshot({ path: path.join(SHOTS, `chain-l1-verify-${backend}.png`) });
    await lDrawer.locator('[data-action="verifyPass"]').click();
    await until('verified', async () => (await status(id)) === 'verified');

    // --- 9. the dispatcher closes it with the reply to the resident (件件有回音) ------------------------------
    await expect.poll(() => drawer.getAttribute('data-status'), { timeout: 15_000 }).toBe('verified');
    await drawer.locator('[data-action="close"]').click();
    const reply = '您反映的东门垃圾满溢问题已清运处理，地面已清洗。感谢您的监督！';
    await drawer.locator('.drawer-text textarea').fill(reply);
    await drawer.locator('.drawer-text button[type="submit"]').click();
    await until('closed', async () => (await status(id)) === 'closed');

    // --- 10. the resident's tracking page shows the reply and takes a rating ---------------------------------
    await resident.page.goto(`${app.baseUrl}/report/${code.replace('-', '')}`);
    await resident.page.locator('[data-testid="tracking-page"][data-status="closed"]').waitFor({ timeout: 15_000 });
    expect(await resident.page.getByTestId('tracking-reply').textContent()).toBe(reply);
    expect(await resident.page.getByTestId('tracking-photos').textContent()).toContain('1');
    // A count only: the public page loads no photo and shows nothing internal.
    expect(resident.requests.some((u) => u.includes('/api/photos/'))).toBe(false);
    const page = (await resident.page.getByTestId('tracking-page').textContent()) ?? '';
    for (const secret of ['13800001111', '已清运垃圾并清洗地面', 'INC-']) expect(page).not.toContain(secret);
    await shot(resident.page, 'r3-reply', true);
    await resident.page.locator('[data-star="5"]').click();
    await resident.page.getByTestId('rating-thanks').waitFor({ timeout: 15_000 });
    await shot(resident.page, 'r4-rated', true);
    expect((await t.db.query<{ satisfaction: number }>('SELECT satisfaction FROM incidents WHERE id = $1', [id])).rows[0].satisfaction).toBe(5);

    for (const s of browsers) expect(s.foreignRequests()).toEqual([]);
    // The phone's socket retries while the network is cut; nothing else may fail on any page.
    for (const s of browsers) expect(s.errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
  }, 300_000);
});
