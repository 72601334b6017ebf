// The streaming claim of the admin import upload (issue 14 item 3: "a 200 MB PBF does not need 200 MB of
// heap"): a 160 MB body sent in chunks goes to a file on disk, and the server process's heap — sampled all
// through the upload — grows by a small fraction of the file's size. PGlite only: the claim is about the
// HTTP path, not the database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import type { StageStatus } from '../../common/import-stage';

const SIZE = 160 * 2 ** 20;
const CHUNK = 256 * 1024;

describe('admin import upload streams to disk', () => {
  let t: TestDb;
  let srv: TestApp;
  let admin: Session;
  beforeAll(async () => {
    t = await freshDb('pglite', 'empty');
    srv = await startTestApp(t.db);
    admin = await loginAs(srv.baseUrl, t.db, 'admin');
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('uploads 160 MB with heap growth well below the file size', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= SIZE) { c.close(); return; }
        const chunk = new Uint8Array(Math.min(CHUNK, SIZE - sent)).fill(0x20);
        if (sent === 0) chunk[0] = 0x5b; // "[": a (blank) JSON array, so the content matches the .geojson name
        sent += chunk.length;
        c.enqueue(chunk);
      },
    });
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed); }, 10);
    const res = await fetch(`${srv.baseUrl}/api/import/uploads?name=big.geojson`, {
      method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/octet-stream' }, body, duplex: 'half',
    } as RequestInit);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const stage = (await res.json()) as StageStatus;
    expect(res.status, JSON.stringify(stage)).toBe(201);
    expect(stage.bytes).toBe(SIZE);
    const growth = peak - base;
    console.log(`[upload-stream] ${SIZE / 2 ** 20} MB uploaded; heap ${Math.round(base / 2 ** 20)} MB → peak ${Math.round(peak / 2 ** 20)} MB (growth ${Math.round(growth / 2 ** 20)} MB)`);
    expect(growth).toBeLessThan(SIZE / 8);
    // The bytes are on disk, whole.
    const del = await fetch(`${srv.baseUrl}/api/import/uploads/${stage.id}`, { method: 'DELETE', headers: admin.headers });
    expect(del.status).toBe(204);
    expect(sent).toBe(SIZE);
  }, 180_000);
});
