// The admin import page in Chromium (issue 14 item 3, issue 16 item 2): on an empty database an administrator
// creates the street from its boundary file, imports communities from a file with one self-intersecting
// community — sees it in the warning colour on the map with PostGIS's reason, the vertex and the repairing
// option beside it — applies (the rest is imported), imports grids, and sees the capabilities change from
// missing to ready. Screenshots at 1440×900 in test-results/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';
import { fixture } from '../import/helpers';

const SHOTS = path.resolve('test-results');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

/** Share of a screenshot's pixels within `tol` of `rgb` on every channel (the page's warning colour). */
async function colourShare(page: Page, png: Buffer, rgb: [number, number, number], tol = 40): Promise<number> {
  return page.evaluate(async ({ b64, c, tol: t }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const cv = document.createElement('canvas');
    cv.width = img.width;
    cv.height = img.height;
    const ctx = cv.getContext('2d');
    if (!ctx) return 0;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - c[0]) <= t && Math.abs(d[i + 1] - c[1]) <= t && Math.abs(d[i + 2] - c[2]) <= t) n++;
    return n / (d.length / 4);
  }, { b64: png.toString('base64'), c: rgb, tol });
}

describe.skipIf(!hasChromium).each(backends())('admin import page in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  let b: BrowserSession;
  const password = 'e2e-password-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'empty');
    await createUser(t.db, { username: 'e2e_admin', password, role: 'admin', displayName: '管理员 E2E' });
    app = await startTestApp(t.db);
    b = await launchBrowser({ width: 1440, height: 900 });
  }, 300_000);

  afterAll(async () => {
    await b?.close();
    await app?.close();
    await t?.drop();
  });

  const cap = (page: Page, name: string) => page.locator(`[data-testid="import-capabilities"] li[data-capability="${name}"]`);

  it('creates a street, imports communities with one invalid geometry marked on the map, applies, then grids', async () => {
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin/import`);
    await signInThroughForm(page, 'e2e_admin', password);
    await page.locator('[data-testid="admin-import"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => cap(page, 'jurisdiction').getAttribute('data-ready'), { timeout: 20_000 }).toBe('false');
    expect(await cap(page, 'jurisdiction').innerText()).toContain('缺街道或社区');
    expect(await page.locator('[data-testid="import-target"]').inputValue()).toBe('street');

    // 1. The street.
    await page.locator('[data-testid="import-file"]').setInputFiles(fixture('admin/street.geojson'));
    await page.locator('[data-testid="street-name"]').fill('测试街道');
    await page.locator('[data-testid="street-code"]').fill('990001001000');
    await page.locator('[data-testid="import-upload"]').click();
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="summary-create"]').innerText()).toBe('1');
    expect((await t.db.query('SELECT 1 FROM streets')).rows).toHaveLength(0);
    await page.locator('[data-testid="import-apply"]').click();
    await page.locator('[data-testid="import-applied"]').waitFor({ timeout: 60_000 });
    expect((await t.db.query<{ code: string }>('SELECT code FROM streets')).rows).toEqual([{ code: '990001001' }]);
    // The headers follow at once: the street's own name and the real-data badge.
    await expect.poll(() => page.locator('.brand').innerText(), { timeout: 10_000 }).toContain('测试街道');
    expect(await page.locator('[data-testid="data-badge"]').getAttribute('data-kind')).toBe('real');

    // 2. Communities: the next step is offered by itself; one of the two is a bow-tie.
    await expect.poll(() => page.locator('[data-testid="import-target"]').inputValue(), { timeout: 10_000 }).toBe('communities');
    await page.locator('[data-testid="import-file"]').setInputFiles(fixture('admin/communities-one-invalid.geojson'));
    await page.locator('[data-testid="import-upload"]').click();
    const item = page.locator('[data-testid="refused-list"] li').first();
    await item.waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="summary-create"]').innerText()).toBe('1');
    expect(await page.locator('[data-testid="summary-refuse"]').innerText()).toBe('1');
    const text = await item.innerText();
    expect(text).toContain('990001001002');
    expect(text).toContain('Self-intersection');
    expect(text).toMatch(/coordinates\[0\]\[\d\]/);
    expect(text).toContain('自动修复无效图形');
    expect(await page.evaluate(() => window.__gcc?.renderedLayerIds() ?? [])).toEqual(expect.arrayContaining(['import-ok', 'import-refused']));
    await page.waitForTimeout(1500);
    const shot = await page.screenshot({ path: path.join(SHOTS, `admin-import-refused-${backend}.png`) });
    const mapShot = await page.locator('.import-map').screenshot();
    // The refused community is drawn in the warning colour (its outline and fill), not only listed.
    expect(await colourShare(page, mapShot, [212, 56, 13])).toBeGreaterThan(0.002);
    expect(shot.length).toBeGreaterThan(0);
    expect((await t.db.query('SELECT 1 FROM communities')).rows).toHaveLength(0);
    expect(await page.locator('[data-testid="import-apply"]').innerText()).toContain('跳过 1 个');
    await page.locator('[data-testid="import-apply"]').click();
    await page.locator('[data-testid="import-applied"]').waitFor({ timeout: 60_000 });
    expect((await t.db.query<{ code: string }>('SELECT code FROM communities')).rows).toEqual([{ code: '990001001001' }]);
    await expect.poll(() => cap(page, 'jurisdiction').getAttribute('data-ready')).toBe('true');
    expect(await cap(page, 'routing').getAttribute('data-ready')).toBe('false');

    // 3. Grids: routing of reports becomes ready.
    await expect.poll(() => page.locator('[data-testid="import-target"]').inputValue(), { timeout: 10_000 }).toBe('grids');
    await page.locator('[data-testid="import-file"]').setInputFiles(fixture('admin/grids.geojson'));
    await page.locator('[data-testid="import-upload"]').click();
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="import-apply"]').click();
    await page.locator('[data-testid="import-applied"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => cap(page, 'routing').getAttribute('data-ready')).toBe('true');
    await page.screenshot({ path: path.join(SHOTS, `admin-import-applied-${backend}.png`) });

    // The same grids again, padded to 1.5 MB and sent over a throttled link: the upload shows its progress, the
    // preview says both grids would be updated (not added), and cancel leaves the data as it was.
    await page.locator('[data-step="grids"]').click();
    const padded = (await readFile(fixture('admin/grids.geojson'), 'utf8')).replace(/\]\}\s*$/, `${' '.repeat(1_500_000)}]}`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 10e6, uploadThroughput: 400_000 });
    await page.locator('[data-testid="import-file"]').setInputFiles({ name: 'grids-again.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(padded) });
    await page.locator('[data-testid="import-upload"]').click();
    await expect.poll(async () => {
      const txt = await page.locator('[data-testid="upload-progress"]').innerText().catch(() => '');
      const pct = Number(/(\d+)%/.exec(txt)?.[1] ?? -1);
      return pct > 0 && pct < 100;
    }, { timeout: 20_000, interval: 100 }).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, `admin-import-uploading-${backend}.png`) });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="summary-update"]').innerText()).toBe('2');
    expect(await page.locator('[data-testid="summary-create"]').innerText()).toBe('0');
    await page.locator('[data-testid="import-cancel"]').click();
    await page.locator('[data-testid="import-cancelled"]').waitFor();
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM grids')).rows[0].n).toBe(2);

    // A wrong file is refused with its reason, and English is available.
    await page.locator('.lang-switch').first().click();
    await page.locator('[data-testid="import-file"]').setInputFiles({ name: 'grids.geojson', mimeType: 'application/zip', buffer: Buffer.from('PK\u0003\u0004 not really') });
    await page.locator('[data-testid="import-upload"]').click();
    await page.locator('[data-testid="import-error"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="import-error"]').innerText()).toContain('Wrong file type');
    await page.screenshot({ path: path.join(SHOTS, `admin-import-en-error-${backend}.png`) });
  }, 300_000);
});
