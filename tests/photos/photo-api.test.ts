// Photos as evidence through the real HTTP server on every backend (issue 13 items 4 and 6): every bad upload
// gets its own code, what is stored is a fresh JPEG without EXIF (capture time and position kept as fields), a
// retried upload stores one copy, a grid worker can neither read nor add photos of another grid, and every
// read of a photo taken in someone's home is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, IN_B1, loadFixture, type Fixture } from '../incidents/fixture';
import type { IncidentDto } from '../../common/incidents';
import type { PhotoDto } from '../../common/photos';
import type { ApiErrorBody } from '../../common/errors';

/** A phone-like JPEG: EXIF with the camera, a capture time with its offset, a GPS fix and an orientation of 6. */
async function phoneJpeg(width = 400, height = 300): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3a7' } })
    .withExif({
      IFD0: { Make: 'TestPhone', Model: 'Secret Model 9', Artist: '王某某' },
      IFD2: { DateTimeOriginal: '2026:12:01 09:30:00', OffsetTimeOriginal: '+08:00' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 12/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '117/1 7/1 12/1' },
    })
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 80 })
    .toBuffer();
}

describe.each(backends())('photo API on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let planner: Session;
  let leader: Session;
  let wall: Session;
  let workerA1: Session;
  let workerB1: Session;
  let incA: IncidentDto;
  let incB: IncidentDto;
  let incCare: IncidentDto;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db, { clock: new ManualClock(new Date()) });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    planner = await loginAs(srv.baseUrl, t.db, 'planner');
    leader = await loginAs(srv.baseUrl, t.db, 'leader');
    wall = await loginAs(srv.baseUrl, t.db, 'wall');
    workerA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
    workerB1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerB1, scopeGridId: fx.gridB1 });
    const report = async (over: Record<string, unknown>) => {
      const r = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: disp.headers, body: JSON.stringify({ category: 'environment', title: '垃圾堆放', ...over }) });
      expect(r.status).toBe(201);
      return (await r.json()) as IncidentDto;
    };
    incA = await report({ location: IN_A1 });
    incB = await report({ location: IN_B1 });
    incCare = await report({ location: IN_A1, category: 'care', title: '独居老人家中漏水' });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  async function upload(s: Session, incidentId: number, bytes: Buffer, type: string, query = 'kind=report', extra: Record<string, string> = {}) {
    const res = await fetch(`${srv.baseUrl}/api/incidents/${incidentId}/photos?${query}`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': type, ...extra },
      body: new Uint8Array(bytes),
    });
    return { status: res.status, body: (await res.json()) as PhotoDto & ApiErrorBody, headers: res.headers };
  }
  const get = (s: Session, path: string) => fetch(`${srv.baseUrl}${path}`, { headers: { cookie: s.cookie } });
  const photoCount = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incident_photos')).rows[0].n;

  it('stores a phone photo re-encoded without EXIF, keeping capture time and position as fields', async () => {
    const original = await phoneJpeg();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const r = await upload(disp, incA.id, original, 'image/jpeg');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ incidentId: incA.id, kind: 'report', capturedAt: '2026-12-01T01:30:00.000Z', url: `/api/photos/${r.body.id}` });
    expect(r.body.lat).toBeCloseTo(39.2, 5);
    expect(r.body.lon).toBeCloseTo(117.12, 5);
    // Orientation 6 is applied: the 400×300 sensor image is stored upright, 300×400.
    expect([r.body.width, r.body.height]).toEqual([300, 400]);

    const full = Buffer.from(await (await get(disp, r.body.url)).arrayBuffer());
    const meta = await sharp(full).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation ?? 1).toBe(1);
    // Nothing of the camera's tags survives anywhere in the bytes.
    for (const leaked of ['TestPhone', 'Secret Model', 'Exif\0\0']) expect(full.includes(Buffer.from(leaked))).toBe(false);
    expect(full.includes(Buffer.from('王某某'))).toBe(false);

    const thumbRes = await get(disp, r.body.thumbUrl);
    expect(thumbRes.headers.get('content-type')).toBe('image/jpeg');
    const thumb = await sharp(Buffer.from(await thumbRes.arrayBuffer())).metadata();
    expect(Math.max(thumb.width ?? 0, thumb.height ?? 0)).toBeLessThanOrEqual(320);

    // Durable and pushed: the event row committed with the photo, carrying ids only.
    const ev = await t.db.query<{ payload: { photoId: number; gridId: number } }>(`SELECT payload FROM events WHERE type = 'incident.photo_added' AND entity_id = $1`, [String(incA.id)]);
    expect(ev.rows.map((e) => e.payload.photoId)).toContain(r.body.id);
    expect(ev.rows[0].payload.gridId).toBe(fx.gridA1);
  });

  it('accepts PNG and WebP (stored as JPEG) and answers a retried upload with its first copy', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } }).png().toBuffer();
    expect((await upload(disp, incB.id, png, 'image/png')).status).toBe(201);
    const webp = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f80' } }).webp().toBuffer();
    const key = { 'idempotency-key': 'photo-retry-0001' };
    const before = await photoCount();
    const first = await upload(disp, incB.id, webp, 'image/webp', 'kind=report', key);
    const retry = await upload(disp, incB.id, webp, 'image/webp', 'kind=report', key);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(first.body.id);
    expect(await photoCount()).toBe(before + 1);
  });

  it('refuses every bad upload with its own code and stores nothing', async () => {
    const good = await phoneJpeg(120, 90);
    const before = await photoCount();
    const cases: Array<[string, Buffer, string, number, string]> = [
      ['zero bytes', Buffer.alloc(0), 'image/jpeg', 400, 'PHOTO_EMPTY'],
      ['not an image', Buffer.from('<html><script>alert(1)</script></html>'), 'image/jpeg', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'image/gif', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['declared as PNG but a JPEG', good, 'image/png', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['truncated', good.subarray(0, Math.floor(good.length * 0.6)), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['polyglot: a ZIP appended to a JPEG', Buffer.concat([good, Buffer.from('PK\x03\x04\x14\x00\x00\x00evil.html<script>', 'latin1')]), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['polyglot: HTML after a PNG', Buffer.concat([await sharp(good).png().toBuffer(), Buffer.from('<script>fetch("/api")</script>')]), 'image/png', 422, 'PHOTO_CORRUPT'],
      ['a JPEG header on garbage', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.alloc(200, 0x41)]), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
    ];
    for (const [what, bytes, type, status, code] of cases) {
      const r = await upload(disp, incA.id, bytes, type);
      expect({ what, status: r.status, code: r.body.error?.code }).toEqual({ what, status, code });
      expect(r.body.error.message.length).toBeGreaterThan(10);
    }
    // Larger than the limit (12 MB by default): refused before it is decoded.
    const huge = Buffer.concat([good, Buffer.alloc(13 * 2 ** 20)]);
    const big = await upload(disp, incA.id, huge, 'image/jpeg');
    expect([big.status, big.body.error.code]).toEqual([413, 'PHOTO_TOO_LARGE']);
    // Bad kind and bad key are validation errors.
    expect((await upload(disp, incA.id, good, 'image/jpeg', 'kind=selfie')).body.error.code).toBe('VALIDATION_ERROR');
    expect((await upload(disp, incA.id, good, 'image/jpeg', 'kind=report', { 'idempotency-key': 'x' })).body.error.code).toBe('VALIDATION_ERROR');
    expect(await photoCount()).toBe(before);
  });

  it('keeps photos inside the grid scope: a worker of grid B can neither read nor add photos of grid A', async () => {
    const own = await upload(workerA1, incA.id, await phoneJpeg(80, 60), 'image/jpeg');
    expect(own.status).toBe(201);
    // Reads from the other grid: the list, the image and the thumbnail are "not found" for them, word for word as
    // a case that does not exist (a 403 would tell them the case exists).
    const list = await get(workerB1, `/api/incidents/${incA.id}/photos`);
    const missingList = await get(workerB1, '/api/incidents/999999/photos');
    expect([list.status, missingList.status]).toEqual([404, 404]);
    expect(JSON.stringify(await list.json()).replace(String(incA.id), 'N')).toBe(JSON.stringify(await missingList.json()).replace('999999', 'N'));
    for (const path of [own.body.url, own.body.thumbUrl]) {
      const r = await get(workerB1, path);
      expect(r.status).toBe(404);
      expect(JSON.stringify(await r.json())).not.toContain(incA.code);
    }
    // Writes into the other grid: not found as well.
    const refused = await upload(workerB1, incA.id, await phoneJpeg(80, 60), 'image/jpeg');
    expect([refused.status, refused.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect(JSON.stringify(refused.body)).not.toContain(incA.code);
    // A worker adds before/after photos only to a case assigned to them.
    const notMine = await upload(workerA1, incA.id, await phoneJpeg(80, 60), 'image/jpeg', 'kind=after');
    expect(notMine.status).toBe(403);
    // The wall (a screen in a room with visitors) never gets photos.
    expect((await get(wall, own.body.thumbUrl)).status).toBe(403);
    // Grid B's own worker still sees grid B's photos.
    const listB = await get(workerB1, `/api/incidents/${incB.id}/photos`);
    expect(listB.status).toBe(200);
    expect(((await listB.json()) as { items: PhotoDto[] }).items.length).toBeGreaterThan(0);
  });

  it('takes an after photo of the assigned worker while the case is in progress, not before starting or after resolving', async () => {
    const call = async (s: Session, path: string, body: unknown = {}) => {
      const r = await fetch(`${srv.baseUrl}/api/incidents/${path}`, { method: 'POST', headers: s.headers, body: JSON.stringify(body) });
      expect(r.status, path).toBe(200);
      return (await r.json()) as IncidentDto;
    };
    const inc = await (async () => {
      const r = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: disp.headers, body: JSON.stringify({ category: 'environment', title: '楼道杂物', location: IN_A1 }) });
      return (await r.json()) as IncidentDto;
    })();
    await call(disp, `${inc.id}/accept`);
    await call(disp, `${inc.id}/assign`, { workerId: fx.workerA1 });
    const jpeg = await phoneJpeg(80, 60);
    // assigned, not started: a before photo yes, an after photo is refused with a code and the status
    expect((await upload(workerA1, inc.id, jpeg, 'image/jpeg', 'kind=before')).status).toBe(201);
    const early = await upload(workerA1, inc.id, jpeg, 'image/jpeg', 'kind=after', { 'idempotency-key': 'after-early-0001' });
    expect([early.status, early.body.error.code, early.body.error.details]).toEqual([422, 'INVALID_TRANSITION', { status: 'assigned' }]);
    expect(early.body.error.message).toMatch(/start it first/);
    await call(workerA1, `${inc.id}/start`);
    const after = await upload(workerA1, inc.id, jpeg, 'image/jpeg', 'kind=after', { 'idempotency-key': 'after-onsite-0001' });
    expect(after.status).toBe(201);
    await call(workerA1, `${inc.id}/resolve`, { note: '已清理' });
    // the phone resends the stored photo after resolving (its answer was lost): the same photo, no new one
    const replay = await upload(workerA1, inc.id, jpeg, 'image/jpeg', 'kind=after', { 'idempotency-key': 'after-onsite-0001' });
    expect([replay.status, replay.body.id]).toEqual([200, after.body.id]);
    // a new after photo once resolved would change the evidence the verifier checks: refused, for the desk too
    for (const s of [workerA1, disp]) {
      const late = await upload(s, inc.id, jpeg, 'image/jpeg', 'kind=after');
      expect([late.status, late.body.error.code, late.body.error.details]).toEqual([422, 'INVALID_TRANSITION', { status: 'resolved' }]);
    }
    const kinds = await t.db.query<{ kind: string }>('SELECT kind FROM incident_photos WHERE incident_id = $1 ORDER BY id', [inc.id]);
    expect(kinds.rows.map((k) => k.kind)).toEqual(['before', 'after']);
  });

  it('audits every read of a photo taken in someone\'s home and hides it from roles without names', async () => {
    const r = await upload(disp, incCare.id, await phoneJpeg(80, 60), 'image/jpeg');
    expect(r.status).toBe(201);
    expect(r.body.privatePlace).toBe(true);
    const audits = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'photo.read_private'`)).rows[0].n;
    const n0 = await audits();
    expect((await get(leader, r.body.url)).status).toBe(200);
    expect((await get(disp, r.body.thumbUrl)).status).toBe(200);
    expect(await audits()).toBe(n0 + 2);
    // A planner sees the street's photos, not those taken in homes.
    expect((await get(planner, r.body.url)).status).toBe(404);
    const list = (await (await get(planner, `/api/incidents/${incCare.id}/photos`)).json()) as { items: PhotoDto[] };
    expect(list.items).toEqual([]);
    expect(await audits()).toBe(n0 + 2);
    // An ordinary photo is read without an audit row.
    const plain = await upload(disp, incA.id, await phoneJpeg(60, 40), 'image/jpeg');
    await get(planner, plain.body.thumbUrl);
    expect(await audits()).toBe(n0 + 2);
  });
});
