// The phone's side of photos and rework on every backend (issue 13 item 1): the outbox sends before/after
// photos and then the resolution, each with its own key, and a resend after a lost answer (same keys, in the
// same order) stores nothing twice; a failed verification brings the task back to the worker's inbox with the
// verifier's reason, pushed live on the worker's own socket; a patrol report carries its photo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { io as connect, type Socket } from 'socket.io-client';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, loadFixture, type Fixture } from '../incidents/fixture';
import type { IncidentDto } from '../../common/incidents';
import type { PhotoDto } from '../../common/photos';
import type { LiveEvent } from '../../common/realtime';

type FieldTask = IncidentDto & { reworkReason: string | null };
const jpeg = (colour: string) => sharp({ create: { width: 200, height: 150, channels: 3, background: colour } }).jpeg().toBuffer();

describe.each(backends())('phone photos and rework on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let leader: Session;
  let wA1: Session;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db, { clock: new ManualClock(new Date()) });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    leader = await loginAs(srv.baseUrl, t.db, 'leader');
    wA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  async function call<T>(s: Session, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const res = await fetch(`${srv.baseUrl}${path}`, { method, headers: { ...s.headers, ...extra }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  }
  async function photo(s: Session, id: number | string, kind: string, bytes: Buffer, key: string) {
    const res = await fetch(`${srv.baseUrl}/api/incidents/${id}/photos?kind=${kind}`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'image/jpeg', 'idempotency-key': key },
      body: new Uint8Array(bytes),
    });
    return { status: res.status, body: (await res.json()) as PhotoDto };
  }

  it('before/after photos then the resolution, replayed whole after a lost answer: stored once; rework comes back with its reason, live', async () => {
    const r = await call<IncidentDto>(disp, 'POST', '/api/incidents', { category: 'environment', title: '楼道堆物', location: IN_A1 });
    await call(disp, 'POST', `/api/incidents/${r.body.id}/accept`, {});
    await call(disp, 'POST', `/api/incidents/${r.body.id}/assign`, { workerId: fx.workerA1 });
    await call(wA1, 'POST', `/api/incidents/${r.body.id}/start`, {}, { 'idempotency-key': 'm-start-rw-0001' });

    // The worker's own socket: rooms come from the session (grid A1).
    const sock: Socket = connect(srv.baseUrl, socketAuth(wA1));
    const seen: LiveEvent[] = [];
    sock.on('events:appended', (events: LiveEvent[]) => seen.push(...events));
    await new Promise<void>((resolve, reject) => {
      sock.on('connect', () => resolve());
      sock.on('connect_error', reject);
    });
    await new Promise((resolve) => sock.emit('events:sync', { afterId: 0 }, resolve));
    try {
      const before = await jpeg('#855');
      const after = await jpeg('#5a5');
      // What the outbox sends when the network returns, in its order; then the same again (the answers were lost).
      for (let round = 0; round < 2; round++) {
        expect((await photo(wA1, r.body.id, 'before', before, 'm-photo-rw-before')).status).toBe(round === 0 ? 201 : 200);
        expect((await photo(wA1, r.body.id, 'after', after, 'm-photo-rw-after')).status).toBe(round === 0 ? 201 : 200);
        const res = await call<IncidentDto>(wA1, 'POST', `/api/incidents/${r.body.id}/resolve`, { note: '已清理' }, { 'idempotency-key': 'm-resolve-rw-0001' });
        expect([res.status, res.body.status]).toEqual([200, 'resolved']);
      }
      const kinds = await t.db.query<{ kind: string }>('SELECT kind FROM incident_photos WHERE incident_id = $1 ORDER BY id', [r.body.id]);
      expect(kinds.rows.map((k) => k.kind)).toEqual(['before', 'after']);
      const resolved = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE entity_id = $1 AND type = 'incident.resolved'`, [String(r.body.id)]);
      expect(resolved.rows[0].n).toBe(1);
      // The photos committed before the resolution: the verifier never sees a resolved case without them.
      const order = await t.db.query<{ type: string }>(`SELECT type FROM events WHERE entity_id = $1 AND type IN ('incident.photo_added', 'incident.resolved') ORDER BY id`, [String(r.body.id)]);
      expect(order.rows.map((o) => o.type)).toEqual(['incident.photo_added', 'incident.photo_added', 'incident.resolved']);

      // A leader rejects it: back in the inbox as 返工 with the reason, and pushed to the worker's socket.
      const v = await call<IncidentDto>(leader, 'POST', `/api/incidents/${r.body.id}/verify`, { passed: false, note: '墙角仍有纸箱' });
      expect(v.body.status).toBe('in_progress');
      const deadline = Date.now() + 10_000;
      while (!seen.some((e) => e.type === 'incident.reworked') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      const pushed = seen.find((e) => e.type === 'incident.reworked');
      expect(pushed).toMatchObject({ entityId: String(r.body.id), reason: '墙角仍有纸箱' });
      const inbox = await call<{ items: FieldTask[] }>(wA1, 'GET', '/api/field/tasks');
      expect(inbox.body.items.find((i) => i.id === r.body.id)).toMatchObject({ status: 'in_progress', reworkCount: 1, reworkReason: '墙角仍有纸箱' });

      // The rework's new after photo and resolution are new keys: a second 整改后 and a second resolution.
      expect((await photo(wA1, r.body.id, 'after', await jpeg('#3c3'), 'm-photo-rw-after-2')).status).toBe(201);
      expect((await call<IncidentDto>(wA1, 'POST', `/api/incidents/${r.body.id}/resolve`, { note: '已彻底清理' }, { 'idempotency-key': 'm-resolve-rw-0002' })).body.status).toBe('resolved');
      const inbox2 = await call<{ items: FieldTask[] }>(wA1, 'GET', '/api/field/tasks');
      expect(inbox2.body.items.find((i) => i.id === r.body.id)).toMatchObject({ status: 'resolved' });
      const list = await call<{ items: PhotoDto[] }>(leader, 'GET', `/api/incidents/${r.body.id}/photos`);
      expect(list.body.items.map((p) => p.kind)).toEqual(['before', 'after', 'after']);
    } finally {
      sock.disconnect();
    }
  });

  it('a patrol report carries its photo (the photo refers to the report by the id it was answered)', async () => {
    const p = await call<IncidentDto>(wA1, 'POST', '/api/field/patrol', { category: 'safety', title: '井盖松动', description: '', location: IN_A1 }, { 'idempotency-key': 'm-patrol-ph-0001' });
    expect(p.status).toBe(201);
    expect((await photo(wA1, p.body.id, 'report', await jpeg('#888'), 'm-photo-patrol-0001')).status).toBe(201);
    expect((await photo(wA1, p.body.id, 'report', await jpeg('#888'), 'm-photo-patrol-0001')).status).toBe(200);
    const list = await call<{ items: PhotoDto[] }>(disp, 'GET', `/api/incidents/${p.body.id}/photos`);
    expect(list.body.items.map((x) => x.kind)).toEqual(['report']);
    const row = await t.db.query<{ source: string; grid_id: number }>('SELECT source, grid_id FROM incidents WHERE id = $1', [p.body.id]);
    expect(row.rows[0]).toEqual({ source: 'patrol', grid_id: fx.gridA1 });
  });
});
