// Incidents through the real HTTP server (createApp on port 0, real sessions) and real Socket.IO clients,
// on every backend: intake with idempotency, the bad-input tables, the loop, concurrent assignment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, socketAuth, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { ManualClock } from '../../server/clock';
import { IN_A1, OUTSIDE, loadFixture, type Fixture } from './fixture';
import type { BatchReportDto, IncidentAck, IncidentDto, IncidentDetailDto, IncidentListDto } from '../../common/incidents';
import type { ApiErrorBody } from '../../common/errors';

interface Res<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

describe.each(backends())('incident HTTP and socket API on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let disp: Session;
  let disp2: Session;
  let wall: Session;
  let workerA1: Session;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db, { clock: new ManualClock(new Date()) });
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    disp2 = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    wall = await loginAs(srv.baseUrl, t.db, 'wall');
    workerA1 = await loginAs(srv.baseUrl, t.db, 'worker', { personId: fx.workerA1, scopeGridId: fx.gridA1 });
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  async function call<T = unknown>(s: Session, method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Res<T>> {
    const res = await fetch(`${srv.baseUrl}${path}`, {
      method,
      headers: { ...s.headers, ...extra },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  }
  const report = (over: Record<string, unknown> = {}) => ({ category: 'environment', title: '占道经营', location: IN_A1, ...over });
  const count = async () => (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0].n;
  const newAccepted = async () => {
    const r = await call<IncidentDto>(disp, 'POST', '/api/incidents', report());
    expect(r.status).toBe(201);
    const a = await call<IncidentDto>(disp, 'POST', `/api/incidents/${r.body.id}/accept`, {});
    expect(a.status).toBe(200);
    return a.body;
  };

  it('reports an incident with an Idempotency-Key once, answering a retry the same', async () => {
    const key = { 'idempotency-key': 'http-report-0001' };
    const a = await call<IncidentDto>(disp, 'POST', '/api/incidents', report({ title: 'once' }), key);
    const b = await call<IncidentDto>(disp, 'POST', '/api/incidents', report({ title: 'once' }), key);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE title = 'once'`);
    expect(n.rows[0].n).toBe(1);
    const mismatch = await call<ApiErrorBody>(disp, 'POST', '/api/incidents', report({ title: 'other' }), key);
    expect([mismatch.status, mismatch.body.error.code]).toEqual([409, 'IDEMPOTENCY_MISMATCH']);
  });

  it('twenty concurrent requests with the same key store one incident', async () => {
    const key = { 'idempotency-key': 'http-report-0002' };
    const all = await Promise.all(Array.from({ length: 20 }, () => call<IncidentDto>(disp, 'POST', '/api/incidents', report({ title: 'twenty' }), key)));
    expect(all.every((r) => r.status === 201)).toBe(true);
    expect(new Set(all.map((r) => r.body.id)).size).toBe(1);
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE title = 'twenty'`);
    expect(n.rows[0].n).toBe(1);
  });

  it.each([
    ['swapped lon/lat', `{"category":"environment","title":"x","location":{"lon":39.2,"lat":117.12}}`, 400, 'VALIDATION_ERROR', 'body.location.lat'],
    ['lat 91', `{"category":"environment","title":"x","location":{"lon":117.12,"lat":91}}`, 400, 'VALIDATION_ERROR', 'body.location.lat'],
    ['lon 181', `{"category":"environment","title":"x","location":{"lon":181,"lat":39.2}}`, 400, 'VALIDATION_ERROR', 'body.location.lon'],
    ['NaN as a string', `{"category":"environment","title":"x","location":{"lon":"NaN","lat":39.2}}`, 400, 'VALIDATION_ERROR', 'body.location.lon'],
    ['Infinity (1e999)', `{"category":"environment","title":"x","location":{"lon":1e999,"lat":39.2}}`, 400, 'VALIDATION_ERROR', 'body.location.lon'],
    ['null', `{"category":"environment","title":"x","location":{"lon":null,"lat":39.2}}`, 400, 'VALIDATION_ERROR', 'body.location.lon'],
    ['numeric strings', `{"category":"environment","title":"x","location":{"lon":"117.12","lat":"39.2"}}`, 400, 'VALIDATION_ERROR', 'body.location.lon'],
    ['outside the street', JSON.stringify(report({ location: OUTSIDE })), 422, 'OUT_OF_JURISDICTION', 'body.location'],
    ['unknown category', JSON.stringify(report({ category: 'ufo' })), 400, 'VALIDATION_ERROR', 'body.category'],
    ['unknown field (mass assignment)', JSON.stringify(report({ status: 'closed' })), 400, 'VALIDATION_ERROR', 'body.status'],
    ['not JSON', '{"category":', 400, 'INVALID_JSON', 'body'],
  ])('refuses a report with %s, naming the field, storing nothing', async (_name, raw, status, code, field) => {
    const before = await count();
    const r = await call<ApiErrorBody>(disp, 'POST', '/api/incidents', raw);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.field).toBe(field);
    expect(await count()).toBe(before);
  });

  it('batch intake stores all reports of a batch or none, and bounds its size', async () => {
    const ok = await call<BatchReportDto>(disp, 'POST', '/api/incidents/batch', { reports: [report({ title: 'b1' }), report({ title: 'b2' }), report({ title: 'b3' })] }, { 'idempotency-key': 'batch-key-0001' });
    expect([ok.status, ok.body.count]).toEqual([201, 3]);
    const again = await call<BatchReportDto>(disp, 'POST', '/api/incidents/batch', { reports: [report({ title: 'b1' }), report({ title: 'b2' }), report({ title: 'b3' })] }, { 'idempotency-key': 'batch-key-0001' });
    expect(again.body).toEqual(ok.body);
    const ids = ok.body.items.map((i) => String(i.id));
    const ev = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'incident.reported' AND entity_id = ANY($1::text[])`, [ids]);
    expect(ev.rows[0].n).toBe(3);
    const before = await count();
    const bad = await call<ApiErrorBody>(disp, 'POST', '/api/incidents/batch', { reports: [report(), report({ location: OUTSIDE })] });
    expect([bad.status, bad.body.error.code, bad.body.error.field]).toEqual([422, 'OUT_OF_JURISDICTION', 'body.reports.1.location']);
    const huge = await call<ApiErrorBody>(disp, 'POST', '/api/incidents/batch', { reports: Array.from({ length: 501 }, () => report()) });
    expect([huge.status, huge.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(await count()).toBe(before);
  });

  it('stores markup in a description verbatim and answers it as JSON text', async () => {
    const xss = '<img src=x onerror="alert(document.cookie)"><script>1</script>';
    const r = await call<IncidentDto>(disp, 'POST', '/api/incidents', report({ description: xss }));
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const got = await call<IncidentDetailDto>(disp, 'GET', `/api/incidents/${r.body.id}`);
    expect(got.body.description).toBe(xss);
  });

  it('refuses writes from roles that may not make them and without a session', async () => {
    const r = await call<ApiErrorBody>(wall, 'POST', '/api/incidents', report());
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const anon = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report()) });
    expect(anon.status).toBe(401);
  });

  it('runs the loop over HTTP and shows the history', async () => {
    const inc = await newAccepted();
    const skip = await call<ApiErrorBody>(disp, 'POST', `/api/incidents/${inc.id}/resolve`, {});
    expect([skip.status, skip.body.error.code]).toEqual([422, 'INVALID_TRANSITION']);
    expect((await call(disp, 'POST', `/api/incidents/${inc.id}/assign`, { workerId: fx.workerA1 })).status).toBe(200);
    expect((await call(workerA1, 'POST', `/api/incidents/${inc.id}/start`, {})).status).toBe(200);
    expect((await call(workerA1, 'POST', `/api/incidents/${inc.id}/resolve`, { note: 'done' })).status).toBe(200);
    const self = await call<ApiErrorBody>(workerA1, 'POST', `/api/incidents/${inc.id}/verify`, { passed: true });
    expect(self.status).toBe(403); // workers may not verify at all
    const rework = await call<IncidentDto>(disp, 'POST', `/api/incidents/${inc.id}/verify`, { passed: false, note: '没扫干净' });
    expect([rework.body.status, rework.body.reworkCount]).toEqual(['in_progress', 1]);
    await call(workerA1, 'POST', `/api/incidents/${inc.id}/resolve`, {});
    expect((await call(disp, 'POST', `/api/incidents/${inc.id}/verify`, { passed: true })).status).toBe(200);
    const long = await call<ApiErrorBody>(disp, 'POST', `/api/incidents/${inc.id}/reply`, { reply: 'x'.repeat(2001) });
    expect([long.status, long.body.error.code, long.body.error.field]).toEqual([400, 'VALIDATION_ERROR', 'body.reply']);
    expect((await call(disp, 'POST', `/api/incidents/${inc.id}/close`, { reply: '已办结' })).status).toBe(200);
    const rated = await call<IncidentDto>(disp, 'POST', `/api/incidents/${inc.id}/rating`, { satisfaction: 4 });
    expect(rated.body).toMatchObject({ status: 'closed', satisfaction: 4, reply: '已办结' });
    const reopen = await call<ApiErrorBody>(disp, 'POST', `/api/incidents/${inc.id}/start`, {});
    expect([reopen.status, reopen.body.error.code]).toEqual([422, 'INVALID_TRANSITION']);
    const detail = await call<IncidentDetailDto>(disp, 'GET', `/api/incidents/${inc.id}`);
    expect(detail.body.history.map((h) => h.status)).toEqual([
      'reported', 'accepted', 'assigned', 'in_progress', 'resolved', 'in_progress', 'resolved', 'verified', 'closed', 'closed',
    ]);
    expect(detail.body.audit.map((a) => a.action)).toEqual([
      'incident.report', 'incident.accept', 'incident.assign', 'incident.start', 'incident.resolve', 'incident.rework',
      'incident.resolve', 'incident.verify', 'incident.close', 'incident.rate',
    ]);
  });

  it('refuses unknown incidents and workers, off-duty workers, with the right codes', async () => {
    const inc = await newAccepted();
    const cases: Array<[string, unknown, number, string]> = [
      ['/api/incidents/99999999/accept', {}, 404, 'NOT_FOUND'],
      [`/api/incidents/${inc.id}/assign`, { workerId: 99999999 }, 404, 'NOT_FOUND'],
      [`/api/incidents/${inc.id}/assign`, { workerId: fx.workerB2 }, 422, 'WORKER_UNAVAILABLE'],
      [`/api/incidents/${inc.id}/assign`, { workerId: 'x' }, 400, 'VALIDATION_ERROR'],
      ['/api/incidents/abc/accept', {}, 400, 'VALIDATION_ERROR'],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await call<ApiErrorBody>(disp, 'POST', path, body);
      expect([path, r.status, r.body.error.code]).toEqual([path, status, code]);
    }
  });

  it('a stale version answers 409 STALE_VERSION with the current state', async () => {
    const inc = await newAccepted();
    await call(disp, 'POST', `/api/incidents/${inc.id}/reply`, { reply: 'first', expectedVersion: inc.version });
    const r = await call<ApiErrorBody>(disp2, 'POST', `/api/incidents/${inc.id}/reply`, { reply: 'second', expectedVersion: inc.version });
    expect([r.status, r.body.error.code]).toEqual([409, 'STALE_VERSION']);
    expect((r.body.error.details as { current: IncidentDto }).current).toMatchObject({ reply: 'first', version: inc.version + 1 });
  });

  it('fifty dispatchers assigning at once: one 200, forty-nine 409 ASSIGNMENT_CONFLICT with the current state (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const inc = await newAccepted();
      const workers = [fx.workerA1, fx.workerA2, fx.workerB1, fx.volunteer];
      const all = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          call<IncidentDto & ApiErrorBody>(i % 2 ? disp : disp2, 'POST', `/api/incidents/${inc.id}/assign`, { workerId: workers[i % 4] }),
        ),
      );
      const ok = all.filter((r) => r.status === 200);
      expect(ok, `round ${round}`).toHaveLength(1);
      const lost = all.filter((r) => r.status !== 200);
      expect(lost.every((r) => r.status === 409 && r.body.error.code === 'ASSIGNMENT_CONFLICT')).toBe(true);
      for (const l of lost) {
        expect((l.body.error.details as { current: IncidentDto }).current).toMatchObject({ assigneeId: ok[0].body.assigneeId, version: ok[0].body.version });
      }
    }
  });

  it('lists with filters, an allow-listed sort and bounded paging', async () => {
    const r = await call<IncidentListDto>(disp, 'GET', `/api/incidents?status=reported,accepted&grid=${fx.gridA1}&sort=-id&limit=5`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(5);
    expect(r.body.items.every((i) => ['reported', 'accepted'].includes(i.status) && i.gridId === fx.gridA1)).toBe(true);
    const ids = r.body.items.map((i) => i.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const inBox = await call<IncidentListDto>(disp, 'GET', '/api/incidents?bbox=117.14,39.19,117.18,39.245');
    expect(inBox.body.items.every((i) => i.lon >= 117.14)).toBe(true);
    for (const bad of ['limit=501', 'limit=-1', 'offset=-5', 'sort=title', "sort=id;DROP TABLE incidents", 'bbox=1,2,3', "status=open'--", 'limit=1e9', 'grid=0']) {
      const b = await call<ApiErrorBody>(disp, 'GET', `/api/incidents?${bad}`);
      expect([bad, b.status, b.body.error.code]).toEqual([bad, 400, 'VALIDATION_ERROR']);
    }
  });

  it('a grid worker sees only their grid', async () => {
    const r = await call<IncidentListDto>(workerA1, 'GET', '/api/incidents?limit=500');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.every((i) => i.gridId === fx.gridA1)).toBe(true);
    // Names are masked for a worker.
    const withName = await call<IncidentDto>(disp, 'POST', '/api/incidents', report({ reporterName: '欧阳娜娜', reporterPhone: '13700001111' }));
    const seen = await call<IncidentDetailDto>(workerA1, 'GET', `/api/incidents/${withName.body.id}`);
    expect([seen.body.reporterName, seen.body.reporterPhone]).toEqual(['欧***', '137****1111']);
  });

  describe('socket commands', () => {
    let sock: Socket;
    beforeAll(async () => {
      sock = connect(srv.baseUrl, socketAuth(disp));
      await new Promise<void>((resolve, reject) => {
        sock.on('connect', () => resolve());
        sock.on('connect_error', reject);
      });
    });
    afterAll(() => {
      sock?.close();
    });
    const emit = <T>(event: string, payload: unknown) =>
      new Promise<IncidentAck<T>>((resolve) => sock.emit(event, payload, (res: IncidentAck<T>) => resolve(res)));

    it('incident:report with the same commandId twice has one effect and the same answer', async () => {
      const payload = { commandId: 'sock-cmd-000001', report: report({ title: 'socket once' }) };
      const a = await emit<IncidentDto>('incident:report', payload);
      const b = await emit<IncidentDto>('incident:report', payload);
      expect(a.ok && b.ok).toBe(true);
      if (a.ok && b.ok) expect(b.data).toEqual(a.data);
      const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents WHERE title = 'socket once'`);
      expect(n.rows[0].n).toBe(1);
    });

    it('incident:<verb> acks data or a coded error', async () => {
      const inc = await newAccepted();
      const ok = await emit<IncidentDto>('incident:assign', { commandId: 'sock-cmd-000002', incidentId: inc.id, body: { workerId: fx.workerA1 } });
      expect(ok.ok && ok.data.status).toBe('assigned');
      const again = await emit<IncidentDto>('incident:assign', { commandId: 'sock-cmd-000003', incidentId: inc.id, body: { workerId: fx.workerA2 } });
      expect(again.ok ? 'ok' : again.error.code).toBe('ASSIGNMENT_CONFLICT');
      const bad = await emit<IncidentDto>('incident:accept', { commandId: 'x', incidentId: inc.id });
      expect(bad.ok ? 'ok' : bad.error.code).toBe('VALIDATION_ERROR');
      const outside = await emit<IncidentDto>('incident:report', { commandId: 'sock-cmd-000004', report: report({ location: OUTSIDE }) });
      expect(outside.ok ? 'ok' : outside.error.code).toBe('OUT_OF_JURISDICTION');
    });
  });
});
