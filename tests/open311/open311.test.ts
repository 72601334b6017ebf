// Open311 GeoReport v2 round trip through the real server on every backend: a client registered by an admin
// posts a form-encoded service request with its api_key, finds it in requests.json with the spec's filters,
// and sees it closed after our closed loop ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { IN_A1, OUTSIDE, loadFixture, type Fixture } from '../incidents/fixture';
import type { IncidentDto } from '../../common/incidents';
import type { Open311Request, Open311Service } from '../../server/open311/open311-mapping';

interface Open311Error {
  code: number;
  description: string;
  error_code: string;
  field?: string;
}

describe.each(backends())('Open311 GeoReport v2 on %s', (backend) => {
  let t: TestDb;
  let fx: Fixture;
  let srv: TestApp;
  let admin: Session;
  let disp: Session;
  let apiKey: string;

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    fx = await loadFixture(t.db);
    srv = await startTestApp(t.db);
    admin = await loginAs(srv.baseUrl, t.db, 'admin');
    disp = await loginAs(srv.baseUrl, t.db, 'dispatcher');
    const res = await fetch(`${srv.baseUrl}/api/open311/clients`, { method: 'POST', headers: admin.headers, body: JSON.stringify({ name: 'city-hotline' }) });
    expect(res.status).toBe(201);
    apiKey = ((await res.json()) as { apiKey: string }).apiKey;
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  const form = (fields: Record<string, string>) =>
    fetch(`${srv.baseUrl}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  const get = async <T>(path: string) => {
    const res = await fetch(`${srv.baseUrl}/open311/v2/${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  it('lists our categories as services', async () => {
    const r = await get<Open311Service[]>('services.json');
    expect(r.status).toBe(200);
    expect(r.body.map((s) => s.service_code)).toContain('environment');
    expect(r.body.find((s) => s.service_code === 'environment')).toMatchObject({ service_name: '市容环保', metadata: false, type: 'realtime' });
  });

  it('round trip: post with an api_key, find it, follow it to closed', async () => {
    const posted = await form({
      api_key: apiKey,
      service_code: 'environment',
      lat: String(IN_A1.lat),
      long: String(IN_A1.lon),
      description: '小区门口垃圾满溢 <b>急</b>',
      first_name: '三',
      last_name: '张',
      phone: '13811112222',
      email: 'not-kept@example.org',
    });
    expect(posted.status).toBe(201);
    const [created] = (await posted.json()) as Array<{ service_request_id: string }>;
    const id = created.service_request_id;

    const one = await get<Open311Request[]>(`requests/${id}.json?api_key=${apiKey}`);
    expect(one.status).toBe(200);
    expect(one.body[0]).toMatchObject({
      service_request_id: id,
      status: 'open',
      service_code: 'environment',
      description: '小区门口垃圾满溢 <b>急</b>',
      lat: IN_A1.lat,
      long: IN_A1.lon,
    });
    expect(JSON.stringify(one.body)).not.toContain('13811112222');
    const stored = await t.db.query<{ source: string; reporter_name: string; grid_id: number }>(
      'SELECT source, reporter_name, grid_id FROM incidents WHERE id = $1',
      [Number(id)],
    );
    expect(stored.rows[0]).toEqual({ source: 'open311', reporter_name: '张三', grid_id: fx.gridA1 });

    // Our closed loop, then the Open311 view says closed with the reply as notes.
    const step = async (verb: string, body: unknown, who: Session = disp) => {
      const r = await fetch(`${srv.baseUrl}/api/incidents/${id}/${verb}`, { method: 'POST', headers: who.headers, body: JSON.stringify(body) });
      expect([verb, r.status]).toEqual([verb, 200]);
      return (await r.json()) as IncidentDto;
    };
    await step('accept', {});
    await step('assign', { workerId: fx.workerA1 });
    await step('start', {});
    await step('resolve', {});
    await step('verify', { passed: true }, admin);
    await step('close', { reply: '已清运' });

    const open = await get<Open311Request[]>(`requests.json?api_key=${apiKey}&status=open&service_code=environment`);
    expect(open.body.some((r) => r.service_request_id === id)).toBe(false);
    const closed = await get<Open311Request[]>(`requests.json?api_key=${apiKey}&status=closed`);
    expect(closed.body.find((r) => r.service_request_id === id)).toMatchObject({ status: 'closed', status_notes: 'closed: 已清运' });
    const byId = await get<Open311Request[]>(`requests.json?api_key=${apiKey}&service_request_id=${id},999999`);
    expect(byId.body.map((r) => r.service_request_id)).toEqual([id]);
    const window = await get<Open311Request[]>(`requests.json?api_key=${apiKey}&start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z`);
    expect(window.body).toEqual([]);
  });

  it('a session of a dispatcher may post JSON too (with CSRF token)', async () => {
    const res = await fetch(`${srv.baseUrl}/open311/v2/requests.json`, {
      method: 'POST',
      headers: disp.headers,
      body: JSON.stringify({ service_code: 'parking', lat: IN_A1.lat, long: IN_A1.lon, description: '乱停车' }),
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['no api_key', { service_code: 'environment', lat: '39.2', long: '117.12' }, 401, 'UNAUTHENTICATED'],
    ['a wrong api_key', { api_key: 'o311_nope', service_code: 'environment', lat: '39.2', long: '117.12' }, 403, 'FORBIDDEN'],
    ['an unknown service_code', { service_code: 'ufo', lat: '39.2', long: '117.12' }, 400, 'VALIDATION_ERROR'],
    ['lat 91', { service_code: 'environment', lat: '91', long: '117.12' }, 400, 'VALIDATION_ERROR'],
    ['lat as words', { service_code: 'environment', lat: 'north', long: '117.12' }, 400, 'VALIDATION_ERROR'],
    ['a point outside the street', { service_code: 'environment', lat: String(OUTSIDE.lat), long: String(OUTSIDE.lon) }, 422, 'OUT_OF_JURISDICTION'],
    ['another jurisdiction', { jurisdiction_id: 'nyc.gov', service_code: 'environment', lat: '39.2', long: '117.12' }, 400, 'VALIDATION_ERROR'],
  ])('refuses %s with a spec-shaped error and stores nothing', async (name, fields, status, code) => {
    const before = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0].n;
    const withKey = name === 'no api_key' || name === 'a wrong api_key' ? fields : { api_key: apiKey, ...fields };
    const res = await form(withKey as Record<string, string>);
    expect(res.status).toBe(status);
    const body = (await res.json()) as Open311Error[];
    expect(body[0]).toMatchObject({ code: status, error_code: code });
    const after = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents')).rows[0].n;
    expect(after).toBe(before);
  });

  it('reading requests needs a key or a session', async () => {
    const r = await get<Open311Error[]>('requests.json');
    expect([r.status, r.body[0].error_code]).toEqual([401, 'UNAUTHENTICATED']);
    const bad = await get<Open311Error[]>(`requests.json?api_key=${apiKey}&status=pending`);
    expect([bad.status, bad.body[0].error_code]).toEqual([400, 'VALIDATION_ERROR']);
  });
});
