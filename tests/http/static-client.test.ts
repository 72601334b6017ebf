// The built client's static serving (server/http/static-client.ts): hashed assets immutable for a year from
// their build-time brotli/gzip copies as the browser accepts them, the HTML shell revalidated each time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { brotliCompressSync, gunzipSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { acceptsEncoding, ASSET_CACHE_CONTROL, sendShell, SHELL_CACHE_CONTROL, staticClientRoutes } from '../../server/http/static-client';

const JS = 'export const wall = "大屏";\n'.repeat(200);

/** GET without fetch's automatic decompression: status, headers and the raw body. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('static client', () => {
  let dir: string;
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gcc-static-'));
    await mkdir(path.join(dir, 'assets'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(path.join(dir, 'm-sw.js'), 'self.x = 1;');
    await writeFile(path.join(dir, 'assets', 'wall-page-AbCd1234.js'), JS);
    await writeFile(path.join(dir, 'assets', 'wall-page-AbCd1234.js.br'), brotliCompressSync(Buffer.from(JS)));
    await writeFile(path.join(dir, 'assets', 'wall-page-AbCd1234.js.gz'), gzipSync(Buffer.from(JS)));
    await writeFile(path.join(dir, 'assets', 'tiny-XyZw5678.css'), 'a{}');
    const app = express();
    app.use(staticClientRoutes(dir));
    app.get('/wall', sendShell(dir));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the brotli copy of a hashed asset to a browser that takes br, immutable for a year', async () => {
    const r = await get(`${base}/assets/wall-page-AbCd1234.js`, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['content-type']).toMatch(/javascript/);
    expect(r.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
    expect(r.headers.vary).toMatch(/Accept-Encoding/i);
    expect(brotliDecompressSync(r.body).toString()).toBe(JS);
    expect(r.body.length).toBeLessThan(JS.length / 5);
  });

  it('falls back to gzip, then to the file itself, as the request allows', async () => {
    const gz = await get(`${base}/assets/wall-page-AbCd1234.js`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(JS);
    const refused = await get(`${base}/assets/wall-page-AbCd1234.js`, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.toString()).toBe(JS);
    expect(refused.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
  });

  it('serves an asset without compressed copies as it is, still immutable', async () => {
    const r = await get(`${base}/assets/tiny-XyZw5678.css`, { 'accept-encoding': 'br' });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers['content-type']).toMatch(/css/);
    expect(r.headers['cache-control']).toBe(ASSET_CACHE_CONTROL);
  });

  it('revalidates the HTML shell and unhashed files every time', async () => {
    expect((await get(`${base}/wall`)).headers['cache-control']).toBe(SHELL_CACHE_CONTROL);
    expect((await get(`${base}/m-sw.js`)).headers['cache-control']).toBe(SHELL_CACHE_CONTROL);
  });

  it('never serves a file from outside the client folder', async () => {
    const escape = await get(`${base}/assets/..%2F..%2F${path.basename(path.dirname(dir))}%2F${path.basename(dir)}%2Findex.html`);
    expect(escape.status).toBeGreaterThanOrEqual(400);
    expect((await get(`${base}/assets/..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBeGreaterThanOrEqual(400);
    expect((await get(`${base}/assets/missing-00000000.js`)).status).toBe(404);
  });

  it('reads Accept-Encoding by token and q-value', () => {
    expect(acceptsEncoding('gzip, br', 'br')).toBe(true);
    expect(acceptsEncoding('br;q=0', 'br')).toBe(false);
    expect(acceptsEncoding('br;q=0.5', 'br')).toBe(true);
    expect(acceptsEncoding('brotli', 'br')).toBe(false);
    expect(acceptsEncoding(undefined, 'gzip')).toBe(false);
  });
});
