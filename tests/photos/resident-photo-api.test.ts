// Photos of a resident's report (issue 13 item 5) and every bad upload through the public route (item 6), on
// every backend through the real HTTP server: up to 3 photos from the device that filed the report within an
// hour, the same type/size/structure checks as the desk's uploads, each refusal with its code and nothing
// stored; the public tracking page shows only a count; the photos are readable only by roles that may see the
// case (a worker of the other grid neither reads nor adds, in either direction).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { createHash } from 'node:crypto';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, IN_B1, loadFixture, type Fixture } from '../incidents/fixture';
import { ResidentClient } from '../../server/simulator/resident-client';
import { normalizeTrackingCode, type ResidentPhotoAddedDto } from '../../common/resident';
import type { IncidentDto } from '../../common/incidents';
import type { PhotoDto } from '../../common/photos';
import type { ApiErrorBody } from '../../common/errors';

const POW_BITS = 6;
/** A small limit keeps the "too large" case cheap; the check is the same at 12 MB. */
const MAX_MB = 1;
const DESCRIPTION = '小区门口的井盖松动了，晚上很危险';

const jpeg = (w = 160, h = 120, colour = '#3a7') => sharp({ create: { width: w, height: h, channels: 3, background: colour } }).jpeg({ quality: 80 }).toBuffer();

describe.each(backends())('resident photos and bad uploads on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let clock: ManualClock;
  let disp: Session;
  let wall: Session;
  let workerA1: Session;
  let workerB1: Session;
  let seq = 0;

  const resident = () => new ResidentClient(srv.baseUrl, undefined, { 'x-forwarded-for': `10.9.${Math.floor(seq / 250)}.${(seq++ % 250) + 1}` });
  async function fileReport(r: ResidentClient, location: { lon: number; lat: number } = IN_A1): Promise<{ code: string; incidentId: number }> {
    const created = await r.report({ category: 'safety', description: DESCRIPTION, location });
    expect(created.status).toBe(201);
    const c = normalizeTrackingCode(created.body.code)!;
    const row = await t.db.query<{ incident_id: number }>('SELECT incident_id FROM resident_reports WHERE code_hash = $1', [createHash('sha256').update(c).digest('hex')]);
    return { code: created.body.code, incidentId: Number(row.rows[0].incident_id) };
  }
  async function publicUpload(r: ResidentClient, code: string, bytes: Buffer, type: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${srv.baseUrl}/api/public/reports/${encodeURIComponent(code)}/photos`, {
      method: 'POST',
      // A fresh client address per upload unless the test names one (the per-address limiter is tested alone).
      headers: { 'x-device-id': r.deviceId, 'x-forwarded-for': `10.200.${Math.floor(seq / 250)}.${(seq++ % 250) + 1}`, 'content-type': type, ...headers },
      body: new Uint8Array(bytes),
    });
    return { status: res.status, body: (await res.json()) as ResidentPhotoAddedDto & ApiErrorBody, headers: res.headers };
  }
  async function staffUpload(s: Session, incidentId: number, bytes: Buffer, kind: string) {
    const res = await fetch(`${srv.baseUrl}/api/incidents/${incidentId}/photos?kind=${kind}`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'image/jpeg' },
      body: new Uint8Array(bytes),
    });
    return { status: res.status, body: (await res.json()) as PhotoDto & ApiErrorBody };
  }
  const get = (s: Session, p: string) => fetch(`${srv.baseUrl}${p}`, { headers: { cookie: s.cookie } });
  /** An id no incident has: what a case outside the caller's scope must look like, word for word. */
  const MISSING = 987654321;
  /** The answer's status and body with the case id replaced, to compare it with the answer for MISSING. */
  const shape = (status: number, body: unknown, id: number) => ({ status, body: JSON.stringify(body).replaceAll(String(id), '<id>') });
  async function readAs(s: Session, id: number) {
    const res = await get(s, `/api/incidents/${id}/photos`);
    return shape(res.status, await res.json(), id);
  }
  const photosOf = async (incidentId: number) => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incident_photos WHERE incident_id = $1', [incidentId])).rows[0].n;
  const desk = async (s: Session, p: string, body: unknown) => {
    const res = await fetch(`${srv.baseUrl}${p}`, { method: 'POST', headers: s.headers, body: JSON.stringify(body) });
    expect(res.status, `${p}`).toBeLessThan(300);
    return (await res.json()) as IncidentDto;
  };

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    clock = new ManualClock(new Date());
    srv = await startTestApp(t.db, { clock, config: { RESIDENT_POW_BITS: POW_BITS, PHOTO_MAX_MB: MAX_MB } });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    wall = await loginAs(srv.baseUrl, t.db, 'wall');
    workerA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
    workerB1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerB1, scopeGridId: fx.gridB1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('takes up to 3 photos from the filing device; the tracking page shows a count only; a retry stores one', async () => {
    const r = resident();
    const { code, incidentId } = await fileReport(r);
    const first = await publicUpload(r, code, await jpeg(), 'image/jpeg', { 'idempotency-key': 'res-photo-0001' });
    expect([first.status, first.body]).toEqual([201, { photoCount: 1, photoLimit: 3 }]);
    // The phone lost the answer and sends the same photo again with the same key: still one.
    const retry = await publicUpload(r, code, await jpeg(), 'image/jpeg', { 'idempotency-key': 'res-photo-0001' });
    expect([retry.status, retry.body.photoCount, retry.headers.get('idempotent-replayed')]).toEqual([200, 1, 'true']);
    expect((await publicUpload(r, code, await sharp(await jpeg()).png().toBuffer(), 'image/png')).body.photoCount).toBe(2);
    expect((await publicUpload(r, code, await sharp(await jpeg()).webp().toBuffer(), 'image/webp')).body.photoCount).toBe(3);
    const fourth = await publicUpload(r, code, await jpeg(), 'image/jpeg');
    expect([fourth.status, fourth.body.error.code]).toEqual([409, 'PHOTO_LIMIT']);
    expect(await photosOf(incidentId)).toBe(3);

    // The answer never carries an id or a URL, and the tracking page only a count.
    expect(JSON.stringify(first.body)).not.toMatch(/url|\/api\/photos|incident/i);
    const tracked = await r.track(code);
    expect(tracked.body.photoCount).toBe(3);
    expect(JSON.stringify(tracked.body)).not.toContain('/api/photos');

    // Stored like every photo: re-encoded JPEG, kind report, a pseudonymous uploader, no raw address.
    const rows = await t.db.query<{ kind: string; uploaded_by: string; input_type: string }>('SELECT kind, uploaded_by, input_type FROM incident_photos WHERE incident_id = $1 ORDER BY id', [incidentId]);
    expect(rows.rows.map((x) => x.kind)).toEqual(['report', 'report', 'report']);
    expect(rows.rows.map((x) => x.input_type)).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(rows.rows.every((x) => /^resident:[0-9a-f]{12}$/.test(x.uploaded_by))).toBe(true);
    const audits = await t.db.query<{ ip: string | null }>(`SELECT ip::text AS ip FROM audit_log WHERE action = 'incident.photo_add' AND entity_id = $1`, [String(incidentId)]);
    expect(audits.rows.length).toBe(3);
    expect(audits.rows.every((a) => a.ip === null)).toBe(true);

    // Readable by the roles that may see the case: the desk and the grid's own worker; not the other grid,
    // not the wall, and never without a session.
    const list = (await (await get(disp, `/api/incidents/${incidentId}/photos`)).json()) as { items: PhotoDto[] };
    expect(list.items.length).toBe(3);
    expect((await get(workerA1, list.items[0].thumbUrl)).status).toBe(200);
    // Another grid's worker gets the list of a missing case, word for word (a 403 told them the case exists).
    const other = await readAs(workerB1, incidentId);
    expect(other.status).toBe(404);
    expect(other).toEqual(await readAs(workerB1, MISSING));
    expect((await get(workerB1, list.items[0].url)).status).toBe(404);
    expect((await get(wall, list.items[0].thumbUrl)).status).toBe(403);
    expect((await fetch(`${srv.baseUrl}${list.items[0].url}`)).status).toBe(401);
  });

  it('refuses a code from another device, no device id, an unknown code, and photos after the hour or after closing', async () => {
    const r = resident();
    const { code, incidentId } = await fileReport(r, IN_B1);
    const other = resident();
    const stranger = await publicUpload(other, code, await jpeg(), 'image/jpeg');
    expect([stranger.status, stranger.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const noDevice = await fetch(`${srv.baseUrl}/api/public/reports/${code}/photos`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(await jpeg()) });
    expect(noDevice.status).toBe(400);
    expect(((await noDevice.json()) as ApiErrorBody).error.field).toBe('header.x-device-id');
    const unknown = await publicUpload(r, '0000000000', await jpeg(), 'image/jpeg');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const query = await publicUpload(r, `${code}?kind=after`, await jpeg(), 'image/jpeg');
    expect(query.status).toBe(404); // "?" is part of the code here after encoding: no such report
    expect(await photosOf(incidentId)).toBe(0);

    clock.advance(61 * 60_000);
    const late = await publicUpload(r, code, await jpeg(), 'image/jpeg');
    expect([late.status, late.body.error.code]).toEqual([422, 'INVALID_TRANSITION']);
    expect(await photosOf(incidentId)).toBe(0);
  });

  it('refuses every bad upload on the public route with its own code and stores nothing', async () => {
    const r = resident();
    const { code, incidentId } = await fileReport(r);
    const good = await jpeg(120, 90);
    const png = await sharp(good).png().toBuffer();
    // A JPEG header and then a web page: sniffed as JPEG, but it is no image.
    const jpegThenHtml = Buffer.concat([good.subarray(0, 20), Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>')]);
    // GIFAR-style: a whole JPEG with a ZIP (a JAR, an office file) appended; a ZIP reader finds it from the end.
    const zipTail = Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00payload.jsPK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00', 'latin1');
    const cases: Array<[string, Buffer, string, number, string]> = [
      ['zero bytes', Buffer.alloc(0), 'image/jpeg', 400, 'PHOTO_EMPTY'],
      ['a GIF (wrong type)', Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1'), 'image/gif', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['an HTML page sent as a JPEG', Buffer.from('<!doctype html><script>alert(1)</script>'), 'image/jpeg', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['a PDF', Buffer.from('%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF'), 'application/pdf', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['a JPEG declared as WebP', good, 'image/webp', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['a JPEG with no Content-Type', good, '', 415, 'PHOTO_TYPE_UNSUPPORTED'],
      ['a truncated JPEG (half the bytes)', good.subarray(0, Math.floor(good.length / 2)), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['a JPEG cut before its end marker', good.subarray(0, good.length - 2), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['a truncated PNG', png.subarray(0, png.length - 20), 'image/png', 422, 'PHOTO_CORRUPT'],
      ['a JPEG header followed by HTML/JS', jpegThenHtml, 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['polyglot: a whole JPEG with HTML/JS appended', Buffer.concat([good, Buffer.from('<script>fetch("/api/auth/me")</script>')]), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['polyglot: GIFAR-style JPEG + ZIP', Buffer.concat([good, zipTail]), 'image/jpeg', 422, 'PHOTO_CORRUPT'],
      ['polyglot: a PNG with JS after IEND', Buffer.concat([png, Buffer.from('/*PNG*/alert(1)//')]), 'image/png', 422, 'PHOTO_CORRUPT'],
    ];
    for (const [what, bytes, type, status, errCode] of cases) {
      const res = await publicUpload(r, code, bytes, type);
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({ what, status, code: errCode });
      expect(res.body.error.message.length, what).toBeGreaterThan(10);
    }
    // Too large: cut off while streaming at the limit, answered with the photo's own code.
    const huge = Buffer.concat([good, Buffer.alloc(MAX_MB * 2 ** 20 + 1024, 0x20)]);
    const big = await publicUpload(r, code, huge, 'image/jpeg');
    expect([big.status, big.body.error.code]).toEqual([413, 'PHOTO_TOO_LARGE']);
    expect(await photosOf(incidentId)).toBe(0);
    // Still serving, and the good photo still goes in.
    expect((await publicUpload(r, code, good, 'image/jpeg')).status).toBe(201);
    expect(await photosOf(incidentId)).toBe(1);
  });

  it('bounds uploads per address: the 13th within a minute is refused with RATE_LIMITED', async () => {
    const r = resident();
    const { code } = await fileReport(r);
    const empty = Buffer.alloc(0); // cheap to refuse, and still counted: the limiter runs before the body is read
    const statuses: number[] = [];
    for (let i = 0; i < 13; i++) statuses.push((await publicUpload(r, code, empty, 'image/jpeg', { 'x-forwarded-for': '10.250.0.1' })).status);
    expect(statuses.slice(0, 12).every((s) => s === 400)).toBe(true);
    expect(statuses[12]).toBe(429);
    // Another address is not affected.
    expect((await publicUpload(r, code, await jpeg(), 'image/jpeg')).status).toBe(201);
  });

  it('keeps a worker of grid A out of grid B\'s case photos, reads and writes, before/after included', async () => {
    // A case in grid B1 assigned to B1's worker, with a before photo taken by them.
    const inc = await desk(disp, '/api/incidents', { category: 'environment', title: '绿化带垃圾', location: IN_B1 });
    await desk(disp, `/api/incidents/${inc.id}/accept`, {});
    await desk(disp, `/api/incidents/${inc.id}/assign`, { workerId: fx.workerB1 });
    await desk(workerB1, `/api/incidents/${inc.id}/start`, {});
    const before = await staffUpload(workerB1, inc.id, await jpeg(), 'before');
    expect(before.status).toBe(201);
    const n = await photosOf(inc.id);
    // Grid A1's worker: no list, no image, no thumbnail, and no upload of any kind; each answers exactly as
    // for a case (or photo) that does not exist, so nothing tells them the case is there.
    const list = await readAs(workerA1, inc.id);
    expect(list.status).toBe(404);
    expect(list).toEqual(await readAs(workerA1, MISSING));
    const missingPhoto = await get(workerA1, '/api/photos/987654321');
    const missingPhotoBody = JSON.stringify(await missingPhoto.json()).replaceAll('987654321', '<id>');
    for (const path of [before.body.url, before.body.thumbUrl]) {
      const res = await get(workerA1, path);
      const photoId = String(before.body.id);
      expect([res.status, JSON.stringify(await res.json()).replaceAll(photoId, '<id>')]).toEqual([404, missingPhotoBody]);
    }
    for (const kind of ['report', 'before', 'after']) {
      const refused = await staffUpload(workerA1, inc.id, await jpeg(), kind);
      const missing = await staffUpload(workerA1, MISSING, await jpeg(), kind);
      expect(shape(refused.status, refused.body, inc.id)).toEqual(shape(missing.status, missing.body, MISSING));
      expect([kind, refused.status, refused.body.error.code]).toEqual([kind, 404, 'NOT_FOUND']);
      expect(JSON.stringify(refused.body)).not.toContain(inc.code);
    }
    expect(await photosOf(inc.id)).toBe(n);
    // Nor can they reach it through the public route: a staff session is no tracking code.
    const viaPublic = await fetch(`${srv.baseUrl}/api/public/reports/${inc.code}/photos`, {
      method: 'POST',
      headers: { cookie: workerA1.cookie, 'x-csrf-token': workerA1.csrf, 'x-device-id': 'staff-device-0000001', 'content-type': 'image/jpeg' },
      body: new Uint8Array(await jpeg()),
    });
    expect(viaPublic.status).toBe(404);
    expect(await photosOf(inc.id)).toBe(n);
  });
});
