// Residents report and hear back (issue 13 item 5) through the real HTTP server on every backend: the happy
// path from a public report to the dispatcher's desk and back to the tracking page, every refusal (proof of
// work, replay, expiry, limits, size, outside the street, rating twice or too early, unknown code), masking
// of the reporter's phone, and the dispatcher's spam mark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { createHash, randomBytes } from 'node:crypto';
import { leadingZeroBits, powInput } from '../../common/pow';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, IN_B1, OUTSIDE, loadFixture, type Fixture } from '../incidents/fixture';
import { ResidentClient, solveChallenge } from '../../server/simulator/resident-client';
import { DEFAULT_REPORT_LIMITS } from '../../server/resident/report-limits';
import { normalizeTrackingCode } from '../../common/resident';
import type { IncidentDto, IncidentDetailDto } from '../../common/incidents';
import type { LiveEvent } from '../../common/realtime';

const POW_BITS = 8;
const PHONE = '13912345678';
const DESCRIPTION = '3号楼楼道里堆满了纸箱和旧家具，挡住了消防通道';

interface ErrBody {
  error: { code: string; message: string; field?: string; details?: { reason?: string } };
}

describe.each(backends())('resident reports on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let clock: ManualClock;
  let disp: Session;
  let planner: Session;
  let leader: Session;
  let worker: Session;
  let addressSeq = 0;

  /** A resident on a fresh device and a fresh client address (the app trusts X-Forwarded-For from loopback). */
  const resident = (address?: string) => new ResidentClient(srv.baseUrl, undefined, { 'x-forwarded-for': address ?? `10.0.${Math.floor(addressSeq / 250)}.${(addressSeq++ % 250) + 1}` });
  const report = (over: Record<string, unknown> = {}) => ({ category: 'environment' as const, description: DESCRIPTION, location: IN_A1, ...over });
  const desk = async <T>(s: Session, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${srv.baseUrl}${path}`, { method, headers: s.headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  };
  /** The incident behind a tracking code, read straight from the database (the public API never says). */
  const incidentOf = async (code: string) => {
    const c = normalizeTrackingCode(code)!;
    const r = await t.db.query<{ incident_id: number }>('SELECT incident_id FROM resident_reports WHERE code_hash = $1', [createHash('sha256').update(c).digest('hex')]);
    return Number(r.rows[0].incident_id);
  };

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    clock = new ManualClock(new Date());
    srv = await startTestApp(t.db, { clock, config: { RESIDENT_POW_BITS: POW_BITS } });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    planner = await loginAs(srv.baseUrl, t.db, 'planner');
    leader = await loginAs(srv.baseUrl, t.db, 'leader');
    worker = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  it('files a report: an incident of source resident, routed to its grid, pushed to the desk, with a tracking page', async () => {
    const sock: Socket = connect(srv.baseUrl, socketAuth(disp));
    const seen: LiveEvent[] = [];
    sock.on('events:appended', (events: LiveEvent[]) => seen.push(...events));
    await new Promise<void>((resolve, reject) => {
      sock.on('connect', () => resolve());
      sock.on('connect_error', reject);
    });
    await new Promise((resolve) => sock.emit('events:sync', { afterId: 0 }, resolve));
    try {
      const r = resident();
      const created = await r.report(report({ phone: PHONE, address: '3号楼2单元' }));
      expect(created.status).toBe(201);
      expect(created.body.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
      expect(created.body.trackingPath).toBe(`/report/${created.body.code.replace('-', '')}`);

      const id = await incidentOf(created.body.code);
      const row = await t.db.query<{ source: string; grid_id: number; community_id: number; reporter_phone: string; title: string; status: string }>(
        'SELECT source, grid_id, community_id, reporter_phone, title, status FROM incidents WHERE id = $1',
        [id],
      );
      expect(row.rows[0]).toMatchObject({ source: 'resident', grid_id: fx.gridA1, community_id: fx.communityA, reporter_phone: PHONE, status: 'reported' });
      expect(row.rows[0].title).toBe('3号楼楼道里堆满了纸箱和旧家具，挡住了消防通道');

      const deadline = Date.now() + 10_000;
      while (!seen.some((e) => e.entityId === String(id)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      const pushed = seen.find((e) => e.entityId === String(id));
      expect(pushed?.type).toBe('incident.reported');
      expect(JSON.stringify(seen)).not.toContain(PHONE);

      const audit = await t.db.query<{ actor: string; ip: string }>(`SELECT actor, ip FROM audit_log WHERE action = 'incident.report' AND entity_id = $1`, [String(id)]);
      expect(audit.rows[0].actor).toMatch(/^resident:[0-9a-f]{12}$/);
      expect(audit.rows[0].ip).toMatch(/^hash:[0-9a-f]{16}$/);

      const tracked = await r.track(created.body.code);
      expect(tracked.status).toBe(200);
      expect(tracked.body).toMatchObject({ code: created.body.code, category: 'environment', status: 'received', communityName: '东升里', reply: null, canRate: false });
      expect(tracked.body.steps.map((s) => s.status)).toEqual(['received']);
      // Typed any way a person might: lower case, no dash, O for 0 …
      const sloppy = created.body.code.toLowerCase().replace('-', ' ').replace(/0/g, 'o');
      expect((await r.track(sloppy)).status).toBe(200);
    } finally {
      sock.close();
    }
  });

  it('masks the reporter phone like every other reporter, and the tracking page carries no personal data or internal notes', async () => {
    const r = resident();
    const created = await r.report(report({ phone: PHONE, address: '5号楼' }));
    const id = await incidentOf(created.body.code);
    expect((await desk<IncidentDto>(disp, 'GET', `/api/incidents/${id}`)).body.reporterPhone).toBe(PHONE);
    expect((await desk<IncidentDto>(planner, 'GET', `/api/incidents/${id}`)).body.reporterPhone).toBe('139****5678');
    expect((await desk<IncidentDto>(leader, 'GET', `/api/incidents/${id}`)).body.reporterPhone).toBe('139****5678');
    // an internal note on acceptance never reaches the public page
    await desk(disp, 'POST', `/api/incidents/${id}/accept`, { note: '内部备注：疑似重复上报' });
    const tracked = await r.track(created.body.code);
    const text = JSON.stringify(tracked.body);
    for (const secret of [PHONE, '5678', '5号楼', '内部备注', 'INC-', 'user:', DESCRIPTION.slice(0, 6)]) expect(text).not.toContain(secret);
    expect(tracked.body.status).toBe('accepted');
    expect(Object.keys(tracked.body).sort()).toEqual(['canRate', 'category', 'code', 'communityName', 'photoCount', 'repliedAt', 'reply', 'reportedAt', 'satisfaction', 'status', 'steps'].sort());
  });

  it('follows the closed loop to the reply, takes one rating once closed, and refuses a second', async () => {
    const r = resident();
    const created = await r.report(report({ location: IN_B1 }));
    const code = created.body.code;
    const id = await incidentOf(code);
    expect((await r.rate(code, 5)).body).toMatchObject({ error: { code: 'INVALID_TRANSITION' } });

    const assignee = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerB1, scopeGridId: fx.gridB1 });
    expect((await desk(disp, 'POST', `/api/incidents/${id}/accept`, {})).status).toBe(200);
    expect((await desk(disp, 'POST', `/api/incidents/${id}/assign`, { workerId: fx.workerB1 })).status).toBe(200);
    expect((await desk(assignee, 'POST', `/api/incidents/${id}/start`, {})).status).toBe(200);
    expect((await desk(assignee, 'POST', `/api/incidents/${id}/resolve`, { note: '已清理' })).status).toBe(200);
    expect((await desk(leader, 'POST', `/api/incidents/${id}/verify`, { passed: true })).status).toBe(200);
    const before = await r.rate(code, 4);
    expect(before.status).toBe(422);
    expect((await desk(disp, 'POST', `/api/incidents/${id}/close`, { reply: '您反映的楼道堆物已清理完毕，感谢监督。' })).status).toBe(200);

    const tracked = await r.track(code);
    expect(tracked.body).toMatchObject({ status: 'closed', reply: '您反映的楼道堆物已清理完毕，感谢监督。', canRate: true, satisfaction: null });
    expect(tracked.body.steps.map((s) => s.status)).toEqual(['received', 'accepted', 'in_progress', 'resolved', 'closed']);

    const rated = await r.rate(code, 4);
    expect(rated.status).toBe(200);
    expect(rated.body).toMatchObject({ satisfaction: 4, canRate: false });
    const again = await r.rate(code, 1);
    expect(again.status).toBe(422);
    expect((again.body as unknown as ErrBody).error.code).toBe('INVALID_TRANSITION');
    expect(JSON.stringify(again.body)).not.toContain('INC-');
    const stored = await desk<IncidentDetailDto>(disp, 'GET', `/api/incidents/${id}`);
    expect(stored.body.satisfaction).toBe(4);
    expect((await r.rate(code, 9)).status).toBe(400);
  });

  it('answers 404 to an unknown or malformed code', async () => {
    const r = resident();
    for (const code of ['ABCDE-FGHJK', '0000000000', 'not-a-code', 'x'.repeat(40)]) {
      const res = await r.track(code);
      expect(res.status, code).toBe(404);
      expect((res.body as unknown as ErrBody).error.code).toBe('NOT_FOUND');
    }
    expect((await r.rate('ABCDE-FGHJK', 5)).status).toBe(404);
  });

  it('refuses a wrong proof of work, an unknown challenge, a replayed one and an expired one', async () => {
    const r = resident();
    const c = (await r.challenge()).body;
    expect(c).toMatchObject({ algorithm: 'sha256-leading-zero-bits', difficulty: POW_BITS });
    const nonce = solveChallenge(c.challenge, c.difficulty);
    // a nonce that does not solve it (the first one whose digest has too few zero bits)
    let wrong = 0;
    while (leadingZeroBits(createHash('sha256').update(powInput(c.challenge, String(wrong))).digest()) >= POW_BITS) wrong++;
    const bad = await r.call<ErrBody>('POST', '/api/public/reports', { ...report(), challenge: c.challenge, nonce: String(wrong) });
    expect(bad.status).toBe(403);
    expect(bad.body.error).toMatchObject({ code: 'POW_FAILED', details: { reason: 'insufficient' } });

    const unknown = randomBytes(16).toString('hex');
    const u = await r.call<ErrBody>('POST', '/api/public/reports', { ...report(), challenge: unknown, nonce: solveChallenge(unknown, POW_BITS) });
    expect(u.status).toBe(403);
    expect(u.body.error.details?.reason).toBe('unknown');

    const ok = await r.call('POST', '/api/public/reports', { ...report(), challenge: c.challenge, nonce });
    expect(ok.status).toBe(201);
    const replay = await resident().call<ErrBody>('POST', '/api/public/reports', { ...report(), challenge: c.challenge, nonce });
    expect(replay.status).toBe(403);
    expect(replay.body.error.details?.reason).toBe('used');

    const old = (await r.challenge()).body;
    clock.advance(11 * 60_000);
    try {
      const late = await r.call<ErrBody>('POST', '/api/public/reports', { ...report(), challenge: old.challenge, nonce: solveChallenge(old.challenge, POW_BITS) });
      expect(late.status).toBe(403);
      expect(late.body.error.details?.reason).toBe('expired');
    } finally {
      clock.advance(2 * 3_600_000); // leave the limits of this test's reports behind
    }
  });

  it('refuses a report outside the street without using up its challenge', async () => {
    const r = resident();
    const c = (await r.challenge()).body;
    const nonce = solveChallenge(c.challenge, c.difficulty);
    const out = await r.call<ErrBody>('POST', '/api/public/reports', { ...report({ location: OUTSIDE }), challenge: c.challenge, nonce });
    expect(out.status).toBe(422);
    expect(out.body.error).toMatchObject({ code: 'OUT_OF_JURISDICTION', field: 'body.location' });
    expect((await r.call('POST', '/api/public/reports', { ...report(), challenge: c.challenge, nonce })).status).toBe(201);
  });

  it('refuses oversized bodies and fields, unknown fields, a missing device id and unknown categories', async () => {
    const r = resident();
    const c = (await r.challenge()).body;
    const nonce = solveChallenge(c.challenge, c.difficulty);
    const big = await r.call<ErrBody>('POST', '/api/public/reports', { ...report({ description: '堆'.repeat(20_000) }), challenge: c.challenge, nonce });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const long = await r.call<ErrBody>('POST', '/api/public/reports', { ...report({ description: '堆'.repeat(1001) }), challenge: c.challenge, nonce });
    expect(long.status).toBe(400);
    expect(long.body.error.field).toBe('body.description');
    const extra = await r.call<ErrBody>('POST', '/api/public/reports', { ...report({ reporterName: '张三' }), challenge: c.challenge, nonce });
    expect(extra.status).toBe(400);
    const party = await r.call<ErrBody>('POST', '/api/public/reports', { ...report({ category: 'party' }), challenge: c.challenge, nonce });
    expect(party.body.error.field).toBe('body.category');
    const noDevice = await r.call<ErrBody>('POST', '/api/public/reports', { ...report(), challenge: c.challenge, nonce }, { 'x-device-id': '' });
    expect(noDevice.status).toBe(400);
    expect(noDevice.body.error.field).toBe('header.x-device-id');
    // none of these used the challenge up
    expect((await r.call('POST', '/api/public/reports', { ...report(), challenge: c.challenge, nonce })).status).toBe(201);
    const foreign = await fetch(`${srv.baseUrl}/api/public/challenges`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(foreign.status).toBe(403);
  });

  it('limits reports per device and per address, durably, and says when to come back', async () => {
    const [hour] = DEFAULT_REPORT_LIMITS.perDevice;
    const phone = resident('10.9.9.9');
    for (let i = 0; i < hour.max; i++) expect((await phone.report(report())).status).toBe(201);
    const over = await phone.call<ErrBody>('POST', '/api/public/reports', {});
    expect(over.status).toBe(400); // validation comes first: a bad body is not counted
    const limited = await phone.report(report());
    expect(limited.status).toBe(429);
    expect((limited.body as unknown as ErrBody).error.code).toBe('RATE_LIMITED');
    expect((limited.body as unknown as ErrBody).error.message).toContain('device');

    // the same address from other devices: up to the address limit, counting the first device's reports
    const [addrHour] = DEFAULT_REPORT_LIMITS.perAddress;
    let accepted = hour.max;
    let refused: ErrBody | null = null;
    while (accepted < addrHour.max + 1) {
      const res = await resident('10.9.9.9').report(report());
      if (res.status === 429) {
        refused = res.body as unknown as ErrBody;
        break;
      }
      expect(res.status).toBe(201);
      accepted++;
    }
    expect(accepted).toBe(addrHour.max);
    expect(refused?.error.message).toContain('address');
    const retry = await fetch(`${srv.baseUrl}/api/public/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-device-id': 'another-device-0000', 'x-forwarded-for': '10.9.9.9' },
      body: JSON.stringify({ ...report(), ...(await (async () => {
        const c = (await resident('10.9.9.9').challenge()).body;
        return { challenge: c.challenge, nonce: solveChallenge(c.challenge, c.difficulty) };
      })()) }),
    });
    expect(retry.status).toBe(429);
    expect(Number(retry.headers.get('retry-after'))).toBeGreaterThan(0);

    // an hour later the device may report again
    clock.advance(hour.ms + 1000);
    expect((await phone.report(report())).status).toBe(201);
  });

  it('limits challenges per address', async () => {
    const r = resident('10.8.8.8');
    let last = 201;
    for (let i = 0; i < 40 && last === 201; i++) last = (await r.challenge()).status;
    expect(last).toBe(429);
    clock.advance(11 * 60_000);
    expect((await r.challenge()).status).toBe(201);
  });

  it('lets a dispatcher mark a report as spam (audited), shows it as not accepted, and pauses the device', async () => {
    const r = resident();
    const created = await r.report(report());
    const id = await incidentOf(created.body.code);
    expect((await desk(worker, 'POST', `/api/incidents/${id}/spam`, {})).status).toBe(403);
    expect((await desk(planner, 'POST', `/api/incidents/${id}/spam`, {})).status).toBe(403);
    const spam = await desk<IncidentDto>(disp, 'POST', `/api/incidents/${id}/spam`, { note: '广告' });
    expect(spam.status).toBe(200);
    expect(spam.body.status).toBe('rejected');
    expect((await desk(disp, 'POST', `/api/incidents/${id}/spam`, {})).status).toBe(422);
    const audit = await t.db.query<{ reason: string; detail: { spam: boolean; note: string } }>(`SELECT reason, detail FROM audit_log WHERE action = 'incident.spam' AND entity_id = $1`, [String(id)]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ reason: 'spam', detail: { spam: true, note: '广告' } });
    const ev = await t.db.query<{ reason: string }>(`SELECT reason FROM events WHERE type = 'incident.rejected' AND entity_id = $1`, [String(id)]);
    expect(ev.rows[0].reason).toBe('spam');

    const tracked = await r.track(created.body.code);
    expect(tracked.body).toMatchObject({ status: 'not_accepted', canRate: false });
    expect(JSON.stringify(tracked.body)).not.toContain('spam');
    const paused = await r.report(report());
    expect(paused.status).toBe(429);
    expect((paused.body as unknown as ErrBody).error.message).toContain('spam');

    // an accepted report is no longer spam material
    const other = await resident().report(report());
    const otherId = await incidentOf(other.body.code);
    await desk(disp, 'POST', `/api/incidents/${otherId}/accept`, {});
    expect((await desk(disp, 'POST', `/api/incidents/${otherId}/spam`, {})).status).toBe(422);
  });

  it('serves a public, minimal basemap and the outline of the street without a session', async () => {
    const style = await fetch(`${srv.baseUrl}/api/public/basemap/style.json`);
    expect(style.status).toBe(200);
    const s = (await style.json()) as { sources: Record<string, { data: string }>; glyphs?: string };
    expect(s.glyphs).toBeUndefined();
    expect(s.sources.basemap.data).toBe(`${srv.baseUrl}/api/public/basemap/features.geojson`);
    expect((await fetch(`${srv.baseUrl}/api/public/basemap/features.geojson`)).status).toBe(200);
    const area = (await (await fetch(`${srv.baseUrl}/api/public/area.geojson`)).json()) as { features: Array<{ properties: Record<string, unknown> }>; bbox: number[] };
    expect(area.features.map((f) => f.properties.name).sort()).toEqual(['东升里', '朝阳里']);
    expect(Object.keys(area.features[0].properties).sort()).toEqual(['level', 'name']);
    expect(area.bbox.map((v) => Math.round(v * 1000) / 1000)).toEqual([117.1, 39.19, 117.18, 39.245]);
    // the desk's own basemap stays behind the session
    expect((await fetch(`${srv.baseUrl}/api/basemap/style.json`)).status).toBe(401);
  });
});
