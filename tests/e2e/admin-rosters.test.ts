// Issue 14 items 2 and 6: 名册导入 in real Chromium. An administrator downloads the grid-worker template,
// uploads a real XLSX (made with exceljs here) with one bad row and sees it refused with the reason and the
// import blocked; uploads the corrected sheet, sees every row as new, imports; the map's grid worker follows;
// an edited row is one change with the old and new value; the tab in English and on a phone.
// Screenshots at 1440×900 and 390×844 under tests/e2e/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function sheetFrom(headers: string[], rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('网格员名册');
  ws.addRow(headers);
  for (const r of rows) ws.addRow(r);
  return Buffer.from((await wb.xlsx.writeBuffer()) as ArrayBuffer);
}

async function chooseFile(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.locator('[data-testid="roster-file"]').setInputFiles({ name, mimeType: XLSX_TYPE, buffer });
  await page.locator('[data-testid="roster-summary"]').waitFor({ timeout: 20_000 });
}

describe.skipIf(!hasChromium).each(backends())('名册导入 in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  const browsers: BrowserSession[] = [];
  const password = 'e2e-roster-pw-1';
  let grids: { id: number; code: string; name: string }[];

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    await createUser(t.db, { username: 'e2e_admin', password, role: 'admin', displayName: '管理员 E2E' });
    app = await startTestApp(t.db);
    grids = (await t.db.query<{ id: number; code: string; name: string }>('SELECT id, code, name FROM grids ORDER BY code LIMIT 3')).rows.map((g) => ({ ...g, id: Number(g.id) }));
  }, 240_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await app?.close();
    await t?.drop();
  });

  it('an administrator previews a roster, sees the refused row and why, corrects it, imports, and the grid worker follows', async () => {
    const b = await launchBrowser({ width: 1440, height: 900 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin?tab=rosters`);
    await signInThroughForm(page, 'e2e_admin', password);
    await page.locator('[data-testid="admin-rosters"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="admin-tab-rosters"]').innerText()).toBe('名册导入');
    expect(await page.locator('[data-testid="admin-tab-rosters"]').getAttribute('aria-selected')).toBe('true');

    // the template the link downloads: Chinese headers, one example row
    const href = await page.locator('[data-testid="roster-template"]').getAttribute('href');
    expect(href).toBe('/api/admin/rosters/grid_worker/template');
    const tpl = await b.context.request.get(`${app.baseUrl}${href}`);
    expect(tpl.status()).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await tpl.body()) as unknown as ExcelJS.Buffer);
    const headers = (wb.worksheets[0].getRow(1).values as string[]).slice(1);
    expect(headers).toEqual(['姓名', '手机号', '身份证号（可不填）', '网格（编码或名称）', '是否党员']);

    const rows = [
      ['周晓燕', '13812345601', '', grids[0].code, '是'],
      ['吴国强', '13812345602', '', '不存在的网格', '否'],
      ['郑丽', '13812345603', '', grids[2].name, ''],
    ];
    await chooseFile(page, '网格员名册.xlsx', await sheetFrom(headers, rows));
    expect(await page.locator('[data-testid="roster-summary"]').innerText()).toBe('共 3 行：新建 2，修改 0，不变 0，拒绝 1');
    const refused = page.locator('[data-testid="roster-row"][data-status="refused"]');
    expect(await refused.count()).toBe(1);
    expect(await refused.getAttribute('data-row')).toBe('3');
    expect(await refused.innerText()).toContain('找不到该网格');
    expect(await page.locator('[data-testid="roster-blocked"]').innerText()).toContain('有 1 行被拒绝');
    expect(await page.locator('[data-testid="roster-apply"]').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, `admin-rosters-refused-${backend}.png`) });

    // corrected sheet: every row new, import
    rows[1][3] = grids[1].code;
    const fixed = await sheetFrom(headers, rows);
    await chooseFile(page, '网格员名册-改.xlsx', fixed);
    expect(await page.locator('[data-testid="roster-summary"]').innerText()).toBe('共 3 行：新建 3，修改 0，不变 0，拒绝 0');
    expect(await page.locator('[data-testid="roster-row"][data-status="create"]').count()).toBe(3);
    await page.locator('[data-testid="roster-apply"]').click();
    await page.locator('[data-testid="roster-applied"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="roster-applied"]').innerText()).toContain('新建 3 人');
    // the same file, previewed again after the import, changes nothing
    await expect.poll(() => page.locator('[data-testid="roster-summary"]').innerText()).toBe('共 3 行：新建 0，修改 0，不变 3，拒绝 0');
    expect(await page.locator('[data-testid="roster-apply"]').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, `admin-rosters-applied-${backend}.png`) });
    const w = await t.db.query<{ name: string }>('SELECT p.name FROM grids g JOIN people p ON p.id = g.worker_id WHERE g.id = $1', [grids[1].id]);
    expect(w.rows[0].name).toBe('吴国强');

    // one edited row is one change with the old and the new value
    rows[2][0] = '郑丽丽';
    await chooseFile(page, '网格员名册-更名.xlsx', await sheetFrom(headers, rows));
    expect(await page.locator('[data-testid="roster-summary"]').innerText()).toBe('共 3 行：新建 0，修改 1，不变 2，拒绝 0');
    const changed = page.locator('[data-testid="roster-row"][data-status="change"]');
    expect(await changed.innerText()).toMatch(/姓名：郑丽\s*→\s*郑丽丽/);
    await page.screenshot({ path: path.join(SHOTS, `admin-rosters-change-${backend}.png`) });

    // as the complete roll: every other grid worker on file would leave it, listed before anything is written
    const leavers = Number(
      (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM people WHERE role = 'grid_worker' AND left_at IS NULL AND phone NOT IN ('13812345601', '13812345602', '13812345603')`)).rows[0].n,
    );
    await page.locator('[data-testid="roster-complete"]').check();
    await expect.poll(() => page.locator('[data-testid="roster-summary"]').innerText(), { timeout: 20_000 }).toBe(`共 3 行：新建 0，修改 1，不变 2，拒绝 0，离册 ${leavers}`);
    const leaving = page.locator('[data-testid="roster-row"][data-status="leave"]');
    expect(await leaving.count()).toBe(leavers);
    expect(await leaving.first().innerText()).toMatch(/离册[\s\S]*名册：在册\s*→\s*已离册/);
    await page.screenshot({ path: path.join(SHOTS, `admin-rosters-complete-${backend}.png`) });
    await page.locator('[data-testid="roster-complete"]').uncheck();
    await expect.poll(() => page.locator('[data-testid="roster-summary"]').innerText(), { timeout: 20_000 }).toBe('共 3 行：新建 0，修改 1，不变 2，拒绝 0');
    expect(Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM people WHERE left_at IS NOT NULL')).rows[0].n)).toBe(0);

    // English
    await page.locator('.lang-switch').first().click();
    await expect.poll(() => page.locator('[data-testid="admin-tab-rosters"]').innerText()).toBe('Rosters');
    expect(await page.locator('[data-testid="roster-summary"]').innerText()).toBe('3 rows: 0 new, 1 changed, 2 unchanged, 0 refused');
    expect(b.errors).toEqual([]);
  }, 120_000);

  it('on a phone the preview rows are cards and the import button is reachable', async () => {
    const b = await launchBrowser({ width: 390, height: 844, deviceScaleFactor: 2 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin?tab=rosters`);
    await signInThroughForm(page, 'e2e_admin', password);
    await page.locator('[data-testid="admin-rosters"]').waitFor({ timeout: 30_000 });
    const headers = ['姓名', '手机号', '身份证号（可不填）', '网格（编码或名称）', '是否党员'];
    await chooseFile(page, 'roster.xlsx', await sheetFrom(headers, [['孙悦', '13812345609', '110105198004121230', grids[0].code, '']]));
    expect(await page.locator('[data-testid="roster-row"][data-status="refused"]').innerText()).toContain('身份证号格式不对');
    expect(await page.locator('[data-testid="roster-apply"]').innerText()).toBe('确认导入');
    expect(await page.locator('[data-testid="roster-apply"]').isDisabled()).toBe(true);
    const box = await page.locator('[data-testid="roster-apply"]').boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(SHOTS, `admin-rosters-phone-${backend}.png`), fullPage: true });
  }, 120_000);
});
