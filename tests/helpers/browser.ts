// Real Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core, software WebGL2
// (SwiftShader through ANGLE — CI machines have no GPU), no background traffic of Chromium's own, a fresh
// profile per launch, and a record of every request URL so a test can assert nothing left localhost.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM_MESSAGE = `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;

const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  // WebGL2 in software: ANGLE on SwiftShader (checked: "WebGL 2.0 (OpenGL ES 3.0 Chromium)")
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  // nothing of Chromium's own may go out: the test asserts every request stays on localhost
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-quic',
  '--metrics-recording-only',
  '--hide-scrollbars',
  '--font-render-hinting=none',
];

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Every URL the page, its workers and its sockets asked for. */
  requests: string[];
  /** Console errors and uncaught page errors ("Failed to load resource" lines: see failedResponses). */
  errors: string[];
  /** Responses with status ≥ 400, with their URL. */
  failedResponses: Array<{ url: string; status: number }>;
  /** Requests that went anywhere but localhost (data: and blob: URLs are local by nature). */
  foreignRequests(): string[];
  close(): Promise<void>;
}

export function isLocalUrl(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return true;
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

export async function launchBrowser(opts: { width: number; height: number; deviceScaleFactor?: number }): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'gcc-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: opts.width, height: opts.height },
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const requests: string[] = [];
  const errors: string[] = [];
  const failedResponses: Array<{ url: string; status: number }> = [];
  context.on('request', (r) => requests.push(r.url()));
  context.on('response', (r) => {
    if (r.status() >= 400) failedResponses.push({ url: r.url(), status: r.status() });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('worker', (w) => requests.push(w.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    context,
    page,
    requests,
    errors,
    failedResponses,
    foreignRequests: () => requests.filter((u) => !isLocalUrl(u)),
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the page's own form (the way a person at a wall would, once). */
export async function signInThroughForm(page: Page, username: string, password: string): Promise<void> {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
}

/**
 * Share of pixels in a screenshot that differ from a background colour by more than `tolerance` on some
 * channel: proof that something was drawn. The PNG is decoded by the browser itself (no image library).
 */
export async function paintedShare(page: Page, png: Buffer, background: [number, number, number], tolerance = 24): Promise<number> {
  return page.evaluate(
    async ({ b64, bg, tol }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      if (!ctx) return 0;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - bg[0]) > tol || Math.abs(d[i + 1] - bg[1]) > tol || Math.abs(d[i + 2] - bg[2]) > tol) painted++;
      }
      return painted / (d.length / 4);
    },
    { b64: png.toString('base64'), bg: background, tol: tolerance },
  );
}
