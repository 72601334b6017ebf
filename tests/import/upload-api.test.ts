// The admin import page's API through the real HTTP server on every backend (issue 14 item 3, issue 16
// item 2): a street from nothing and its communities and grids from files, a preview that writes nothing and
// marks each refused feature with PostGIS's reason, its vertex and the repairing option, apply in one
// transaction, and every refusal: wrong role, no file, wrong type, too large, a truncated or corrupt zip, a bad
// CRS, an unknown layer, apply of a cancelled or expired stage, apply twice (no duplicates).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import type { StageStatus } from '../../common/import-stage';
import type { ApiErrorBody } from '../../common/errors';
import type { DatasetStatus } from '../../common/dataset';
import { fixture, rowCounts } from './helpers';

type Body = StageStatus & ApiErrorBody;

describe.each(backends())('admin import uploads on %s', (backend) => {
  let t: TestDb;
  let srv: TestApp;
  let small: TestApp;
  let admin: Session;
  let planner: Session;
  const clock = new ManualClock(new Date('2026-12-01T02:00:00Z'));

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    srv = await startTestApp(t.db, { clock });
    // A second app on the same database with a 10 KB limit, for "too large".
    small = await startTestApp(t.db, { clock, config: { IMPORT_MAX_MB: 10 / 1024 }, start: false });
    admin = await loginAs(srv.baseUrl, t.db, 'admin');
    planner = await loginAs(srv.baseUrl, t.db, 'planner');
  });
  afterAll(async () => {
    await small?.close();
    await srv?.close();
    await t?.drop();
  });

  async function upload(s: Session | null, name: string, bytes: Uint8Array | string, base = srv.baseUrl) {
    const res = await fetch(`${base}/api/import/uploads?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { ...(s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {}), 'content-type': 'application/octet-stream' },
      body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
    });
    return { status: res.status, body: (await res.json()) as Body };
  }
  const uploadFixture = async (name: string) => upload(admin, name.split('/').pop() as string, await readFile(fixture(name)));
  async function call(method: string, path: string, body?: unknown, s: Session = admin) {
    const res = await fetch(`${srv.baseUrl}${path}`, { method, headers: s.headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Body & { dataset: DatasetStatus; status: StageStatus } };
  }
  /** Starts the preview and polls the status until it is done, as the page does. */
  async function preview(id: string, request: unknown): Promise<Body> {
    const started = await call('POST', `/api/import/uploads/${id}/preview`, request);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    for (let i = 0; i < 600; i++) {
      const s = await call('GET', `/api/import/uploads/${id}`);
      if (s.body.state !== 'previewing') return s.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('preview did not finish');
  }
  const capability = (d: DatasetStatus, name: string) => d.capabilities.find((c) => c.capability === name);

  it('creates the street from its boundary: preview writes nothing, apply writes it', async () => {
    const up = await uploadFixture('admin/street.geojson');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ format: 'geojson', state: 'uploaded', name: 'street.geojson' });
    const before = await rowCounts(t.db);
    const p = await preview(up.body.id, { target: 'street', street: { name: '测试街道', code: '990001001000' } });
    expect(p.state).toBe('previewed');
    expect(p.summary).toEqual({ create: 1, update: 0, refuse: 0 });
    expect(p.preview?.dryRun).toBe(true);
    expect(p.preview?.features).toHaveLength(1);
    expect(await rowCounts(t.db)).toEqual(before);
    expect((await t.db.query('SELECT 1 FROM streets')).rows).toHaveLength(0);
    const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.status.state).toBe('applied');
    expect((await t.db.query<{ code: string }>('SELECT code FROM streets')).rows).toEqual([{ code: '990001001' }]);
    expect(capability(a.body.dataset, 'jurisdiction')?.missing).toMatch(/no communities/);
  });

  it('previews communities with one invalid geometry: its PostGIS reason, vertex and repairing option; apply imports the rest', async () => {
    const up = await uploadFixture('admin/communities-one-invalid.geojson');
    const p = await preview(up.body.id, { target: 'communities' });
    expect(p.state).toBe('previewed');
    expect(p.summary).toEqual({ create: 1, update: 0, refuse: 1 });
    const refused = p.preview?.refused ?? [];
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ index: 1, id: 'bow', code: '990001001002', repair: 'makeValid' });
    expect(refused[0].reason).toMatch(/Self-intersection/);
    expect(refused[0].vertex).toMatch(/^coordinates\[0\]\[\d\]$/);
    expect(refused[0].location?.[0]).toBeCloseTo(117.15, 5);
    expect(refused[0].geometry).toMatchObject({ type: 'Polygon' });
    expect(p.preview?.features?.map((f) => f.properties.code)).toEqual(['990001001001']);
    expect((await t.db.query('SELECT 1 FROM communities')).rows).toHaveLength(0);

    const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.status.applied?.imported.communities).toBe(1);
    expect((await t.db.query<{ code: string }>('SELECT code FROM communities')).rows).toEqual([{ code: '990001001001' }]);
    expect(capability(a.body.dataset, 'jurisdiction')?.ready).toBe(true);
    const audit = await t.db.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'import.file'");
    expect(audit.rows).toEqual([{ actor: `user:${admin.identity.userId}` }]);

    // Apply twice: refused, nothing written again.
    const again = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('IMPORT_STAGE_STATE');
    expect((await t.db.query('SELECT 1 FROM communities')).rows).toHaveLength(1);
  });

  it('with make-valid the same file repairs the bow-tie, and a re-import updates instead of duplicating', async () => {
    const up = await uploadFixture('admin/communities-one-invalid.geojson');
    const p = await preview(up.body.id, { target: 'communities', makeValid: true });
    expect(p.summary).toEqual({ create: 1, update: 1, refuse: 0 });
    expect(p.preview?.features?.find((f) => f.properties.code === '990001001002')?.properties.status).toBe('repaired');
    expect((await call('POST', `/api/import/uploads/${up.body.id}/apply`)).status).toBe(200);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM communities')).rows[0].n).toBe(2);
  });

  it('imports grids and routing becomes ready', async () => {
    const up = await uploadFixture('admin/grids.geojson');
    const p = await preview(up.body.id, { target: 'grids' });
    expect(p.summary).toEqual({ create: 2, update: 0, refuse: 0 });
    const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(capability(a.body.dataset, 'routing')?.ready).toBe(true);
  });

  it('previews and applies an OpenStreetMap PBF through the same importer (buildings, network, facilities)', async () => {
    const up = await uploadFixture('tiny.osm.pbf');
    expect(up.body.format).toBe('osm-pbf');
    const before = await rowCounts(t.db);
    const p = await preview(up.body.id, { target: 'osm' });
    expect(p.state, JSON.stringify(p.error)).toBe('previewed');
    expect(p.progress?.phase).toBe('done');
    expect(p.preview?.imported.walk_edges).toBeGreaterThan(0);
    expect(await rowCounts(t.db)).toEqual(before);
    const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const edges = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM walk_edges')).rows[0].n;
    expect(edges).toBe(p.preview?.imported.walk_edges);
    expect(capability(a.body.dataset, 'walking')?.ready).toBe(true);
  });

  it('imports a zipped shapefile', async () => {
    const up = await uploadFixture('admin/facilities-shp.zip');
    expect(up.body.format).toBe('shapefile-zip');
    const p = await preview(up.body.id, { target: 'facilities' });
    expect(p.state, JSON.stringify(p.error)).toBe('previewed');
    expect(p.summary?.create).toBeGreaterThan(0);
    expect(p.summary?.refuse).toBe(0);
  });

  it('refuses the wrong role and no session', async () => {
    expect((await upload(planner, 'a.geojson', '{}')).body.error.code).toBe('FORBIDDEN');
    expect((await upload(null, 'a.geojson', '{}')).status).toBe(401);
    const up = await uploadFixture('admin/grids.geojson');
    const r = await call('POST', `/api/import/uploads/${up.body.id}/preview`, { target: 'grids' }, planner);
    expect(r.status).toBe(403);
  });

  it('refuses no file, wrong types by name and by content', async () => {
    const none = await upload(admin, 'a.geojson', new Uint8Array(0));
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'body' });
    const exe = await upload(admin, 'setup.exe', 'MZ\u0000\u0000');
    expect(exe.status).toBe(415);
    expect(exe.body.error.code).toBe('IMPORT_TYPE_UNSUPPORTED');
    const shp = await upload(admin, 'x.shp', 'abc');
    expect(shp.body.error.message).toMatch(/\.zip/);
    const disguised = await upload(admin, 'communities.geojson', await readFile(fixture('admin/facilities-shp.zip')));
    expect(disguised.status).toBe(415);
    expect(disguised.body.error.message).toMatch(/zip archive/);
    const binary = await upload(admin, 'data.csv', new Uint8Array([1, 2, 0, 4, 5]));
    expect(binary.status).toBe(415);
  });

  it('refuses a file over the limit with IMPORT_TOO_LARGE, streamed or declared', async () => {
    const big = '['.padEnd(20_000, ' ') + ']';
    const r = await upload(admin, 'big.geojson', big, small.baseUrl);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('IMPORT_TOO_LARGE');
    // Without a Content-Length (chunked): cut off while streaming.
    const chunks = new ReadableStream({ start(c) { for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '['.padEnd(1000) : ' '.repeat(1000))); c.close(); } });
    const res = await fetch(`${small.baseUrl}/api/import/uploads?name=big.geojson`, {
      method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/octet-stream' }, body: chunks, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as ApiErrorBody).error.code).toBe('IMPORT_TOO_LARGE');
  });

  it('a truncated or corrupt zip fails its preview with IMPORT_FAILED', async () => {
    for (const name of ['admin/truncated-shp.zip', 'admin/corrupt-shp.zip']) {
      const up = await uploadFixture(name);
      expect(up.status).toBe(201);
      const p = await preview(up.body.id, { target: 'facilities' });
      expect(p.state).toBe('failed');
      expect(p.error?.code).toBe('IMPORT_FAILED');
      expect(p.error?.message).toMatch(/truncated or corrupt/);
      const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
      expect(a.status).toBe(409);
    }
  });

  it('refuses a bad CRS, an unknown layer, a wrong target for the file, and unknown fields', async () => {
    const up = await uploadFixture('admin/grids.geojson');
    const crs = await call('POST', `/api/import/uploads/${up.body.id}/preview`, { target: 'grids', crs: 'epsg3857' });
    expect(crs.status).toBe(400);
    expect(crs.body.error.field).toMatch(/crs/);
    const layer = await call('POST', `/api/import/uploads/${up.body.id}/preview`, { target: 'roads' });
    expect(layer.status).toBe(400);
    expect(layer.body.error.field).toMatch(/target/);
    const osm = await call('POST', `/api/import/uploads/${up.body.id}/preview`, { target: 'osm' });
    expect(osm.body.error.field).toBe('target');
    const extra = await call('POST', `/api/import/uploads/${up.body.id}/preview`, { target: 'grids', sql: 'DROP TABLE grids' });
    expect(extra.status).toBe(400);
    const badRow = await upload(admin, 'grids.geojson', JSON.stringify([{ type: 'Feature', properties: { code: '12', name: 'x' }, geometry: { type: 'Polygon', coordinates: [[[117.12, 39.2], [117.13, 39.2], [117.13, 39.21], [117.12, 39.2]]] } }]));
    const p = await preview(badRow.body.id, { target: 'grids' });
    expect(p.summary).toEqual({ create: 0, update: 0, refuse: 1 });
    expect(p.preview?.refused?.[0].field).toBe('features[0].properties.code');
  });

  it('a street boundary with an invalid part is previewed with its reason, and never applied with the part missing', async () => {
    const bow = [[[117.3, 39.3], [117.32, 39.32], [117.32, 39.3], [117.3, 39.32], [117.3, 39.3]]];
    const ok = [[[117.33, 39.3], [117.34, 39.3], [117.34, 39.31], [117.33, 39.3]]];
    const up = await upload(admin, 'street2.geojson', JSON.stringify([
      { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: ok } },
      { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: bow } },
    ]));
    const p = await preview(up.body.id, { target: 'street', street: { name: '另一街道', code: '990001002' } });
    expect(p.state).toBe('previewed');
    expect(p.preview?.refused?.[0]).toMatchObject({ index: 1, repair: 'makeValid' });
    expect(p.preview?.refused?.[0].reason).toMatch(/Self-intersection/);
    expect(p.preview?.features?.map((f) => f.properties.index)).toEqual([0]);
    const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(a.body.error.code).toBe('INVALID_GEOMETRY');
    expect((await t.db.query("SELECT 1 FROM streets WHERE code = '990001002'")).rows).toHaveLength(0);
  });

  it('refuses apply of a cancelled and of an expired stage, and an unknown id', async () => {
    const up = await uploadFixture('admin/grids.geojson');
    await preview(up.body.id, { target: 'grids' });
    expect((await call('DELETE', `/api/import/uploads/${up.body.id}`)).status).toBe(204);
    const a = await call('POST', `/api/import/uploads/${up.body.id}/apply`);
    expect(a.status).toBe(410);
    expect(a.body.error).toMatchObject({ code: 'IMPORT_STAGE_GONE' });
    expect(a.body.error.message).toMatch(/cancelled/);

    const up2 = await uploadFixture('admin/grids.geojson');
    await preview(up2.body.id, { target: 'grids' });
    clock.advance(31 * 60_000);
    const b = await call('POST', `/api/import/uploads/${up2.body.id}/apply`);
    expect(b.status).toBe(410);
    expect(b.body.error.message).toMatch(/expired/);
    const c = await call('POST', `/api/import/uploads/${'0'.repeat(32)}/apply`);
    expect(c.status).toBe(410);
  });
});
