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

  it('reading requests is keyless as the spec allows, with public fields only; a key adds the description', async () => {
    const keyed = await get<Open311Request[]>(`requests.json?api_key=${apiKey}`);
    expect(keyed.status).toBe(200);
    const withText = keyed.body.find((x) => x.description !== '');
    expect(withText).toBeDefined();
    const open = await get<Open311Request[]>('requests.json');
    expect(open.status).toBe(200);
    expect(open.body.map((x) => x.service_request_id)).toEqual(keyed.body.map((x) => x.service_request_id));
    const same = open.body.find((x) => x.service_request_id === withText?.service_request_id);
    expect(same).toMatchObject({ description: '', address: '', media_url: '', lat: withText?.lat, long: withText?.long, status: withText?.status });
    const one = await get<Open311Request[]>(`requests/${withText?.service_request_id}.json`);
    expect([one.status, one.body[0].description]).toEqual([200, '']);
    const wrongKey = await get<Open311Error[]>('requests.json?api_key=not-a-key');
    expect([wrongKey.status, wrongKey.body[0].error_code]).toEqual([403, 'FORBIDDEN']);
    const bad = await get<Open311Error[]>(`requests.json?api_key=${apiKey}&status=pending`);
    expect([bad.status, bad.body[0].error_code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  // The spec's documented XML documents, read with an independent XML parser (fast-xml-parser). npm's only
  // Open311 client library (open311@0.0.12, codeforamerica/node-open311) cannot be installed offline: it
  // depends on a git:// repository and a native xml2json build.
  const xml = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${srv.baseUrl}/open311/v2/${path}`, init);
    const text = await res.text();
    const { XMLParser } = await import('fast-xml-parser');
    const doc = new XMLParser({ parseTagValue: false, isArray: (name) => ['service', 'request', 'endpoint', 'format', 'error'].includes(name) }).parse(text) as Record<string, unknown>;
    return { status: res.status, type: res.headers.get('content-type') ?? '', doc };
  };

  it('discovery, services, a service definition and requests in XML, shaped as the spec documents them', async () => {
    const d = await xml('discovery.xml');
    expect(d.type).toMatch(/^text\/xml/);
    const endpoint = (d.doc.discovery as { endpoints: { endpoint: Array<Record<string, unknown>> } }).endpoints.endpoint[0];
    expect(endpoint).toMatchObject({ specification: 'http://wiki.open311.org/GeoReport_v2', url: `${srv.baseUrl}/open311/v2`, type: 'production' });
    expect((endpoint.formats as { format: string[] }).format).toEqual(['text/xml', 'application/json']);
    const dj = await get<{ endpoints: Array<{ url: string }> }>('discovery.json');
    expect(dj.body.endpoints[0].url).toBe(`${srv.baseUrl}/open311/v2`);

    const services = (await xml('services.xml')).doc.services as { service: Array<Record<string, string>> };
    const env = services.service.find((x) => x.service_code === 'environment');
    expect(env).toMatchObject({ service_name: '市容环保', metadata: 'false', type: 'realtime' });
    const def = await xml('services/environment.xml');
    expect((def.doc.service_definition as Record<string, unknown>).service_code).toBe('environment');

    const posted = await xml('requests.xml', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: apiKey, service_code: 'environment', lat: String(IN_A1.lat), long: String(IN_A1.lon), description: '路灯不亮 <xml> & 符号' }).toString(),
    });
    expect(posted.status).toBe(201);
    const id = ((posted.doc.service_requests as { request: Array<{ service_request_id: string }> }).request[0]).service_request_id;
    expect(id).toMatch(/^[0-9]+$/);
    const got = await xml(`requests/${id}.xml?api_key=${apiKey}`);
    const req = (got.doc.service_requests as { request: Array<Record<string, string>> }).request[0];
    expect(req).toMatchObject({ service_request_id: id, service_code: 'environment', status: 'open', description: '路灯不亮 <xml> & 符号' });
    expect(Number(req.lat)).toBeCloseTo(IN_A1.lat, 6);
    const list = await xml('requests.xml');
    expect((list.doc.service_requests as { request: Array<Record<string, string>> }).request.some((x) => x.service_request_id === id)).toBe(true);
  });

  it('every /open311 route answers errors in the spec shape, in XML for .xml', async () => {
    const e = await xml('requests.xml?api_key=not-a-key');
    expect(e.status).toBe(403);
    const err = (e.doc.errors as { error: Array<{ code: string; description: string }> }).error[0];
    expect(err.code).toBe('403');
    expect(err.description).toMatch(/api_key/);
    const outside = await xml('requests.xml', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: apiKey, service_code: 'environment', lat: String(OUTSIDE.lat), long: String(OUTSIDE.lon) }).toString(),
    });
    expect([outside.status, (outside.doc.errors as { error: Array<{ error_code: string }> }).error[0].error_code]).toEqual([422, 'OUT_OF_JURISDICTION']);
    for (const path of ['/open311/v2/nothing.json', '/open311/v2/services.csv', '/open311/v3/services.json', '/open311/v2/services/none.json']) {
      const res = await fetch(`${srv.baseUrl}${path}`);
      const body = (await res.json()) as Open311Error[];
      expect([path, res.status, body[0].code, typeof body[0].description]).toEqual([path, 404, 404, 'string']);
    }
    const missing = await xml('no-such-thing.xml');
    expect([missing.status, (missing.doc.errors as { error: Array<{ code: string }> }).error[0].code]).toEqual([404, '404']);
  });
});
