// Issue 14 items 1, 5, 6: /admin in real Chromium. An administrator creates an account (the password is shown
// once, with copy and warning), resets its password, disables it, and finds those three changes in the audit
// tab; a leader sees the audit tab only. Screenshots at 1440×900 and 390×844 under tests/e2e/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { login, startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

async function readPasswordAndClose(page: Page): Promise<string> {
  const dialog = page.locator('[data-testid="password-dialog"]');
  await dialog.waitFor({ timeout: 15_000 });
  expect(await dialog.innerText()).toContain('此密码只显示这一次');
  const password = await page.locator('[data-testid="one-time-password"]').inputValue();
  expect(password).toMatch(/^[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}-[a-zA-Z2-9]{4}$/);
  await page.locator('[data-testid="password-copy"]').click();
  await expect.poll(() => page.locator('[data-testid="password-copy"]').innerText()).toBe('已复制');
  await page.locator('[data-testid="password-close"]').click();
  await dialog.waitFor({ state: 'detached' });
  return password;
}

async function confirmWithReason(page: Page, dialogTestId: string, reason: string): Promise<void> {
  const dialog = page.locator(`[data-testid="${dialogTestId}"]`);
  await dialog.waitFor();
  await dialog.locator('[data-testid="dialog-reason"]').fill(reason);
  await dialog.locator('[data-testid="dialog-submit"]').click();
}

describe.skipIf(!hasChromium).each(backends())('/admin in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  const browsers: BrowserSession[] = [];
  const password = 'e2e-admin-pw-1';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    await createUser(t.db, { username: 'e2e_admin', password, role: 'admin', displayName: '管理员 E2E' });
    await createUser(t.db, { username: 'e2e_leader', password, role: 'leader', displayName: '街道领导 E2E' });
    await createUser(t.db, { username: 'e2e_planner', password, role: 'planner', displayName: '规划 E2E' });
    app = await startTestApp(t.db);
  }, 240_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await app?.close();
    await t?.drop();
  });

  it('an administrator creates an account, resets its password, disables it, adds a grid worker, and finds it all in the audit log', async () => {
    const b = await launchBrowser({ width: 1440, height: 900 });
    browsers.push(b);
    const { page } = b;
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.baseUrl });
    await page.goto(`${app.baseUrl}/admin`);
    await signInThroughForm(page, 'e2e_admin', password);
    await page.locator('[data-testid="account-table"] tbody tr').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[role="tablist"]').innerText()).toMatch(/账号管理[\s\S]*审计日志[\s\S]*数据导入/);
    expect(await page.locator('[data-testid="admin-tab-import"]').getAttribute('href')).toBe('/admin/import');

    // create
    await page.locator('[data-testid="account-new"]').click();
    const create = page.locator('[data-testid="account-create-dialog"]');
    await create.locator('input[name="new-username"]').fill('e2e.newbie');
    await create.locator('input[name="new-display-name"]').fill('新同事');
    await create.locator('select[name="new-role"]').selectOption('dispatcher');
    await page.screenshot({ path: path.join(SHOTS, `admin-create-${backend}.png`) });
    await create.locator('[data-testid="dialog-submit"]').click();
    await page.locator('[data-testid="password-dialog"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SHOTS, `admin-password-once-${backend}.png`) });
    const first = await readPasswordAndClose(page);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
    const row = page.locator('[data-testid="account-row-e2e.newbie"]');
    await row.waitFor();
    expect((await login(app.baseUrl, 'e2e.newbie', first)).identity.role).toBe('dispatcher');

    // reset password
    await row.locator('[data-testid="account-reset"]').click();
    await confirmWithReason(page, 'account-reset-dialog', '忘记密码');
    const second = await readPasswordAndClose(page);
    expect(second).not.toBe(first);
    await expect(login(app.baseUrl, 'e2e.newbie', first)).rejects.toThrow(/401/);
    const signedIn = await login(app.baseUrl, 'e2e.newbie', second);

    // disable: the status flips, its session stops at once
    await row.locator('[data-testid="account-disable"]').click();
    await confirmWithReason(page, 'account-disable-dialog', '离职');
    await expect.poll(() => row.locator('[data-testid="account-status"]').innerText(), { timeout: 15_000 }).toBe('已停用');
    expect(await page.locator('[data-testid="account-notice"]').innerText()).toContain('已让 1 个已登录设备退出');
    expect((await fetch(`${app.baseUrl}/api/auth/me`, { headers: { cookie: signedIn.cookie } })).status).toBe(401);
    await page.screenshot({ path: path.join(SHOTS, `admin-accounts-${backend}.png`) });

    // a grid worker: the grid is required and offered from the street's grids
    await page.locator('[data-testid="account-new"]').click();
    const worker = page.locator('[data-testid="account-create-dialog"]');
    await worker.locator('input[name="new-username"]').fill('e2e.worker');
    await worker.locator('input[name="new-display-name"]').fill('网格员 E2E');
    await worker.locator('select[name="new-role"]').selectOption('worker');
    const grid = (await t.db.query<{ id: number; name: string }>('SELECT id, name FROM grids ORDER BY code LIMIT 1')).rows[0];
    await worker.locator('[data-testid="account-grid"]').selectOption(String(grid.id));
    await page.screenshot({ path: path.join(SHOTS, `admin-create-worker-${backend}.png`) });
    await worker.locator('[data-testid="dialog-submit"]').click();
    const workerPassword = await readPasswordAndClose(page);
    await expect.poll(() => page.locator('[data-testid="account-row-e2e.worker"]').innerText()).toContain(grid.name);
    expect((await login(app.baseUrl, 'e2e.worker', workerPassword)).identity).toMatchObject({ role: 'worker', scopeGridId: Number(grid.id) });

    // the audit tab shows the changes, newest first, with reason and address
    await page.locator('[data-testid="admin-tab-audit"]').click();
    await page.locator('[data-testid="audit-row"]').first().waitFor({ timeout: 15_000 });
    const accountRows = page.locator('[data-testid="audit-row"][data-action^="account."]');
    await expect.poll(() => accountRows.count()).toBe(4);
    const texts = await accountRows.allInnerTexts();
    expect(texts[0]).toMatch(/新建账号[\s\S]*e2e\.worker/);
    expect(texts[1]).toMatch(/停用账号[\s\S]*离职[\s\S]*127\.0\.0\.1/);
    expect(texts[2]).toMatch(/重置密码[\s\S]*忘记密码/);
    expect(texts[3]).toMatch(/新建账号[\s\S]*e2e\.newbie/);
    for (const text of texts) expect(text).toContain('管理员 E2E（e2e_admin）');
    // filter to one action
    await page.locator('[data-testid="audit-filters"] select[name="action"]').selectOption('account.disable');
    await page.locator('[data-testid="audit-apply"]').click();
    await expect.poll(() => page.locator('[data-testid="audit-total"]').innerText()).toBe('共 1 条');
    await page.locator('[data-testid="audit-filters"] select[name="action"]').selectOption('');
    await page.locator('[data-testid="audit-apply"]').click();
    await expect.poll(() => accountRows.count()).toBe(4);
    // the export link answers a CSV for this session
    const href = await page.locator('[data-testid="audit-export"] a').first().getAttribute('href');
    const exported = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    expect(exported.status).toBe(200);
    expect(exported.type).toBe('text/csv; charset=utf-8');
    expect(exported.text).toContain('account.disable');
    await page.screenshot({ path: path.join(SHOTS, `admin-audit-${backend}.png`) });
    expect(b.errors).toEqual([]);
    expect(b.foreignRequests()).toEqual([]);
  });

  it('a leader sees the audit log and their own access tokens, not the accounts', async () => {
    const b = await launchBrowser({ width: 1440, height: 900 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin`);
    await signInThroughForm(page, 'e2e_leader', password);
    await page.locator('[data-testid="audit-row"]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[role="tab"]').allInnerTexts()).toEqual(['审计日志', '访问令牌']);
    expect(await page.locator('[data-testid="admin-accounts"]').count()).toBe(0);
    // even asked for by address, the accounts tab is not there
    await page.goto(`${app.baseUrl}/admin?tab=accounts`);
    await page.locator('[data-testid="audit-row"]').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid="admin-accounts"]').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, `admin-leader-${backend}.png`) });
  });

  it('a planner makes an access token for QGIS, sees it once, reads /ogc with it, and revokes it', async () => {
    const b = await launchBrowser({ width: 1440, height: 900 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin`);
    await signInThroughForm(page, 'e2e_planner', password);
    await page.locator('[data-testid="tokens-tab"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('[role="tab"]').allInnerTexts()).toEqual(['访问令牌']);
    expect(await page.locator('[data-testid="token-table"]').innerText()).toContain('还没有令牌');
    await page.locator('[data-testid="token-name"]').fill('规划科 笔记本 QGIS');
    await page.locator('[data-testid="token-days"]').selectOption('30');
    await page.locator('[data-testid="token-create"]').click();
    const once = page.locator('[data-testid="token-once"]');
    await once.waitFor({ timeout: 15_000 });
    const token = await page.locator('[data-testid="token-secret"]').inputValue();
    expect(token).toMatch(/^gcc_pat_[A-Za-z0-9_-]{43}$/);
    expect(await once.innerText()).toContain(`${app.baseUrl}/ogc`);
    await page.screenshot({ path: path.join(SHOTS, `admin-token-once-${backend}.png`) });
    // the token reads the layers as the planner, and nothing is stored in clear
    const ogc = await fetch(`${app.baseUrl}/ogc/collections`, { headers: { authorization: `Bearer ${token}` } });
    expect(ogc.status).toBe(200);
    expect(((await ogc.json()) as { collections: unknown[] }).collections.length).toBe(6);
    const stored = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_tokens WHERE token_hash = $1', [token]);
    expect(stored.rows[0].n).toBe(0);
    // closed, the secret is gone from the page; the row stays, with its expiry
    await page.locator('[data-testid="token-once-close"]').click();
    await once.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(token);
    const row = page.locator('[data-testid^="token-row-"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getAttribute('data-state')).toBe('active');
    expect(await row.innerText()).toContain('规划科 笔记本 QGIS');
    // revoke: the next request with it is refused
    page.once('dialog', (d) => void d.accept());
    await row.locator('button').click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe('revoked');
    const after = await fetch(`${app.baseUrl}/ogc/collections`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    await page.screenshot({ path: path.join(SHOTS, `admin-tokens-${backend}.png`) });
    expect(b.errors).toEqual([]);
  });

  it('is usable on a phone (390×844), and in English', async () => {
    const b = await launchBrowser({ width: 390, height: 844, deviceScaleFactor: 2 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin`);
    await signInThroughForm(page, 'e2e_admin', password);
    await page.locator('[data-testid="account-row-e2e.newbie"]').waitFor({ timeout: 30_000 });
    // nothing wider than the screen
    expect(await page.evaluate(() => document.querySelector('.admin-page')!.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, `admin-phone-accounts-${backend}.png`) });
    await page.locator('[data-testid="admin-tab-audit"]').click();
    await page.locator('[data-testid="audit-row"]').first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SHOTS, `admin-phone-audit-${backend}.png`) });
    await page.goto(`${app.baseUrl}/admin?lang=en`);
    await page.locator('[data-testid="account-table"] tbody tr').first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[role="tablist"]').innerText()).toMatch(/Accounts[\s\S]*Audit log[\s\S]*Data import/);
  });
});
