// Issue 14 item 1, the person's side: after an administrator's reset, a person changes the password to
// their own in the 修改密码 dialog — at the desk (1440×900, from the top bar) and on the phone app (390×844,
// from the tab bar) — sees a wrong current password refused in Chinese, sees the success, signs out and
// signs in with the new password (the old one is refused). Screenshots under tests/e2e/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { startTestApp, type TestApp } from '../helpers/auth';
import { createUser } from '../../server/auth/users';
import { ensureClientBuilt } from '../helpers/build-client';
import { hasChromium, launchBrowser, NO_CHROMIUM_MESSAGE, signInThroughForm, type BrowserSession } from '../helpers/browser';

const SHOTS = path.resolve('tests/e2e/screenshots');
if (!hasChromium) console.warn(NO_CHROMIUM_MESSAGE);

/** Opens the dialog, is refused once with a wrong current password, then changes it. */
async function changeInDialog(page: Page, current: string, next: string, shot: string): Promise<void> {
  await page.getByTestId('change-password').click();
  const dialog = page.getByTestId('change-password-dialog');
  await dialog.waitFor();
  expect(await dialog.innerText()).toContain('修改密码');
  await dialog.locator('input[name="current-password"]').fill('not-the-password');
  await dialog.locator('input[name="new-password"]').fill(next);
  await dialog.locator('input[name="confirm-password"]').fill(next);
  await page.getByTestId('change-password-submit').click();
  await expect.poll(() => page.getByTestId('change-password-error').innerText().catch(() => ''), { timeout: 15_000 }).toBe('当前密码不正确');
  await dialog.locator('input[name="current-password"]').fill(current);
  await page.screenshot({ path: path.join(SHOTS, `${shot}-dialog.png`) });
  await page.getByTestId('change-password-submit').click();
  await page.getByTestId('change-password-done').waitFor({ timeout: 15_000 });
  expect(await page.getByTestId('change-password-done').innerText()).toContain('密码已修改');
  await page.screenshot({ path: path.join(SHOTS, `${shot}-done.png`) });
  await page.getByTestId('change-password-close').click();
  await dialog.waitFor({ state: 'detached' });
}

describe.skipIf(!hasChromium).each(backends())('change your own password in Chromium (%s)', (backend) => {
  let t: TestDb;
  let app: TestApp;
  const browsers: BrowserSession[] = [];
  const handedOut = 'k7Pq-m2Xw-9RtZ';

  beforeAll(async () => {
    await ensureClientBuilt();
    await mkdir(SHOTS, { recursive: true });
    t = await freshDb(backend, 'sample');
    await createUser(t.db, { username: 'e2e_planner', password: handedOut, role: 'planner', displayName: '规划 E2E' });
    const w = await t.db.query<{ id: number; grid_id: number }>(`SELECT id, grid_id FROM people WHERE role = 'grid_worker' AND grid_id IS NOT NULL ORDER BY id LIMIT 1`);
    await createUser(t.db, { username: 'e2e_phone', password: handedOut, role: 'worker', displayName: '网格员 E2E', personId: w.rows[0].id, scopeGridId: w.rows[0].grid_id });
    app = await startTestApp(t.db);
  }, 240_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await app?.close();
    await t?.drop();
  });

  it('at the desk: from the top bar, then signs in with the new password', async () => {
    const b = await launchBrowser({ width: 1440, height: 900 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/admin`);
    await signInThroughForm(page, 'e2e_planner', handedOut);
    await page.getByTestId('change-password').waitFor({ timeout: 30_000 });
    await changeInDialog(page, handedOut, '我的新密码 planner 1', `change-password-desk-${backend}`);
    await page.locator('button.sign-out', { hasText: '退出' }).click();
    await page.locator('input[name="username"]').waitFor();
    await signInThroughForm(page, 'e2e_planner', handedOut);
    await page.locator('.login-error').waitFor({ timeout: 15_000 });
    expect(await page.locator('.login-error').innerText()).toBe('用户名或密码错误');
    await signInThroughForm(page, 'e2e_planner', '我的新密码 planner 1');
    await page.getByTestId('change-password').waitFor({ timeout: 30_000 });
    expect(b.foreignRequests()).toEqual([]);
  }, 180_000);

  it('on the phone at 390×844: from the tab bar, the dialog fits the screen, then signs in with the new password', async () => {
    const b = await launchBrowser({ width: 390, height: 844, deviceScaleFactor: 2 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/m`);
    await page.locator('input[name="username"]').waitFor({ timeout: 60_000 });
    await signInThroughForm(page, 'e2e_phone', handedOut);
    await page.getByTestId('m-inbox').waitFor({ timeout: 60_000 });
    const open = page.getByTestId('change-password');
    await open.click();
    const box = await page.getByTestId('change-password-dialog').boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.y + box!.height).toBeLessThanOrEqual(844);
    await page.getByRole('button', { name: '取消' }).click();
    await changeInDialog(page, handedOut, 'phone-passphrase-2026', `change-password-phone-${backend}`);
    await page.locator('.m-tabs button', { hasText: '退出' }).click();
    await page.locator('input[name="username"]').waitFor();
    await signInThroughForm(page, 'e2e_phone', 'phone-passphrase-2026');
    await page.getByTestId('m-inbox').waitFor({ timeout: 60_000 });
    expect(b.foreignRequests()).toEqual([]);
  }, 180_000);

  it("after an administrator's reset the phone shows only the change-password dialog, then the inbox", async () => {
    // as resetAccountPassword leaves the account (server/admin/account-service.ts)
    await t.db.query("UPDATE users SET must_change_password = true WHERE username = 'e2e_phone'");
    const b = await launchBrowser({ width: 390, height: 844, deviceScaleFactor: 2 });
    browsers.push(b);
    const { page } = b;
    await page.goto(`${app.baseUrl}/m`);
    await page.locator('input[name="username"]').waitFor({ timeout: 60_000 });
    await signInThroughForm(page, 'e2e_phone', 'phone-passphrase-2026');
    await page.getByTestId('change-password-forced').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('change-password-forced').innerText()).toContain('请先设置您自己的密码');
    // nothing of the app behind it, no way around it but signing out
    expect(await page.getByTestId('m-inbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: '取消' }).count()).toBe(0);
    expect(await page.getByTestId('change-password-sign-out').count()).toBe(1);
    const box = await page.getByTestId('change-password-dialog').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.y + box!.height).toBeLessThanOrEqual(844);
    await page.screenshot({ path: path.join(SHOTS, `change-password-forced-phone-${backend}.png`) });
    const dialog = page.getByTestId('change-password-dialog');
    await dialog.locator('input[name="current-password"]').fill('phone-passphrase-2026');
    await dialog.locator('input[name="new-password"]').fill('my-own-after-reset-1');
    await dialog.locator('input[name="confirm-password"]').fill('my-own-after-reset-1');
    await page.getByTestId('change-password-submit').click();
    await page.getByTestId('change-password-done').waitFor({ timeout: 15_000 });
    await page.getByTestId('change-password-close').click();
    await page.getByTestId('m-inbox').waitFor({ timeout: 60_000 });
    // the renewed session reads, and writes with its new CSRF token (a sign-out that is refused would leave the session)
    expect(await page.evaluate(async () => (await fetch('/api/incidents')).status)).toBe(200);
    await page.locator('.m-tabs button', { hasText: '退出' }).click();
    await page.locator('input[name="username"]').waitFor();
    const sessions = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'e2e_phone'");
    expect(sessions.rows[0].n).toBe(0);
    expect(b.foreignRequests()).toEqual([]);
  }, 180_000);
});
