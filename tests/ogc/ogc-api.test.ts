// OGC API - Features (server/ogc) and personal access tokens (server/auth/api-tokens.ts) through the real app
// on every backend, over the sample street: every endpoint, paging to the end, bbox, datetime and property
// filters checked against the database or against the full collection, every refusal in the spec's
// exception shape, and a grid worker's token that sees only its grid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { OGC_COLLECTION_IDS } from '../../server/ogc/collections';
import { MAX_LIMIT } from '../../server/ogc/ogc-query';
import { createToken, ogcGet, walkPages, type FeatureCollection } from './ogc-fixture';

const TABLE: Record<string, string> = {
  communities: 'communities', grids: 'grids', buildings: 'buildings', facilities: 'facilities', parking_lots: 'parking_lots', violations: 'violations',
};

describe.each(backends())('OGC API - Features (%s)', (backend) => {
  let t: TestDb;
  let srv: TestApp;
  let planner: Session;
  let token: string;
  let ogc: string;
  const count = async (sql: string, params: unknown[] = []) => Number((await t.db.query<{ n: number }>(sql, params)).rows[0].n);

  beforeAll(async () => {
    t = await freshDb(backend, 'sample');
    srv = await startTestApp(t.db);
    planner = await loginAs(srv.baseUrl, t.db, 'planner');
    token = (await createToken(srv.baseUrl, planner, 'QGIS 规划科')).token;
    ogc = `${srv.baseUrl}/ogc`;
  });
  afterAll(async () => {
    await srv?.close();
    await t?.drop();
  });

  describe('metadata', () => {
    it('answers the landing page with links to the API definition, conformance and collections', async () => {
      const got = await ogcGet<{ links: Array<{ rel: string; href: string; type: string }> }>(ogc, token);
      expect(got.status).toBe(200);
      expect(got.type).toMatch(/^application\/json/);
      const rel = (r: string) => got.body.links.find((l) => l.rel === r);
      expect(rel('self')?.href).toBe(ogc);
      expect(rel('service-desc')).toMatchObject({ href: `${ogc}/api`, type: 'application/vnd.oai.openapi+json;version=3.0' });
      expect(rel('conformance')?.href).toBe(`${ogc}/conformance`);
      expect(rel('data')?.href).toBe(`${ogc}/collections`);
    });

    it('declares core, GeoJSON and OpenAPI 3.0 conformance', async () => {
      const got = await ogcGet<{ conformsTo: string[] }>(`${ogc}/conformance`, token);
      expect(got.body.conformsTo).toEqual(expect.arrayContaining([
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
      ]));
    });

    it('serves an OpenAPI 3 document with every collection path and its own query parameters', async () => {
      const got = await ogcGet<{ openapi: string; paths: Record<string, { get: { parameters?: Array<{ $ref?: string; name?: string; schema?: { enum?: string[] } }> } }>; components: { parameters: Record<string, { name: string; schema: { maximum?: number; default?: number } }> } }>(`${ogc}/api`, token);
      expect(got.status).toBe(200);
      expect(got.type).toMatch(/^application\/vnd\.oai\.openapi\+json/);
      expect(got.body.openapi).toMatch(/^3\.0/);
      for (const id of OGC_COLLECTION_IDS) {
        expect(got.body.paths[`/collections/${id}/items`], id).toBeDefined();
        expect(got.body.paths[`/collections/${id}/items/{featureId}`], id).toBeDefined();
      }
      const names = (id: string) => got.body.paths[`/collections/${id}/items`].get.parameters!.map((p) => p.name ?? p.$ref);
      expect(names('violations')).toEqual(expect.arrayContaining(['#/components/parameters/datetime', 'status', 'gridId']));
      expect(names('buildings')).not.toContain('#/components/parameters/datetime');
      expect(got.body.components.parameters.limit.schema).toMatchObject({ maximum: MAX_LIMIT, default: 100 });
      expect(got.body.paths['/collections/{collectionId}/items'].get.parameters!.map((p) => p.$ref ?? p.name)).toContain('#/components/parameters/limit');
    });

    it('lists the six collections with the spatial extent of their data and the violations’ time span', async () => {
      const got = await ogcGet<{ collections: Array<{ id: string; crs: string[]; links: Array<{ rel: string; type: string; href: string }>; extent: { spatial: { bbox: number[][] }; temporal?: { interval: string[][] } } }> }>(`${ogc}/collections`, token);
      expect(got.status).toBe(200);
      expect(got.body.collections.map((c) => c.id)).toEqual(OGC_COLLECTION_IDS);
      for (const c of got.body.collections) {
        const ext = (await t.db.query<{ x0: number; y0: number; x1: number; y1: number }>(
          `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom)::geometry AS e FROM ${TABLE[c.id]}) q`,
        )).rows[0];
        c.extent.spatial.bbox[0].forEach((v, i) => expect(v, `${c.id} bbox[${i}]`).toBeCloseTo([ext.x0, ext.y0, ext.x1, ext.y1][i], 9));
        expect(c.crs).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84']);
        expect(c.links.find((l) => l.rel === 'items')).toMatchObject({ type: 'application/geo+json', href: `${ogc}/collections/${c.id}/items` });
      }
      const span = (await t.db.query<{ a: Date; b: Date }>('SELECT min(found_at) AS a, max(found_at) AS b FROM violations')).rows[0];
      const v = got.body.collections.find((c) => c.id === 'violations')!;
      expect(v.extent.temporal!.interval).toEqual([[new Date(span.a).toISOString(), new Date(span.b).toISOString()]]);
      expect(got.body.collections.find((c) => c.id === 'buildings')!.extent.temporal).toBeUndefined();
    });

    it('describes one collection and gives a JSON Schema of its features', async () => {
      const one = await ogcGet<{ id: string }>(`${ogc}/collections/grids`, token);
      expect(one.body.id).toBe('grids');
      const schema = await ogcGet<{ properties: { properties: { properties: Record<string, { type: string; format?: string }> } } }>(`${ogc}/collections/violations/schema`, token);
      expect(schema.type).toMatch(/^application\/schema\+json/);
      expect(schema.body.properties.properties.properties.foundAt).toEqual({ type: 'string', format: 'date-time' });
    });
  });

  describe('items', () => {
    it.each(OGC_COLLECTION_IDS)('pages %s with next links to the end: every feature once, numberMatched right', async (id) => {
      const pages = await walkPages(`${ogc}/collections/${id}/items?limit=37`, token);
      const ids = pages.flatMap((p) => p.features.map((f) => f.id));
      const inDb = await count(`SELECT count(*)::int AS n FROM ${TABLE[id]}`);
      expect(ids.length).toBe(inDb);
      expect(new Set(ids).size).toBe(inDb);
      for (const p of pages) {
        expect(p.numberMatched).toBe(inDb);
        expect(p.numberReturned).toBe(p.features.length);
        expect(p.features.length).toBeLessThanOrEqual(37);
      }
      expect(pages.length).toBe(Math.max(1, Math.ceil(inDb / 37)));
      if (pages.length > 1) {
        // the second page points back to the first
        const second = pages[1].links.find((l) => l.rel === 'prev')!;
        const back = await ogcGet<FeatureCollection>(second.href, token);
        expect(back.body.features.map((f) => f.id)).toEqual(pages[0].features.map((f) => f.id));
      }
    });

    it('answers GeoJSON with the map’s fields and no personal data', async () => {
      const got = await ogcGet<FeatureCollection>(`${ogc}/collections/buildings/items?limit=5`, token);
      expect(got.type).toMatch(/^application\/geo\+json/);
      expect(got.body.type).toBe('FeatureCollection');
      const f = got.body.features[0];
      expect(f.geometry.type).toBe('Polygon');
      expect(Object.keys(f.properties).sort()).toEqual(['code', 'communityId', 'floors', 'gridId', 'households', 'id', 'name', 'partyMembers', 'residents', 'use']);
      const text = JSON.stringify((await ogcGet(`${ogc}/collections/grids/items?limit=1000`, token)).body);
      const people = await t.db.query<{ name: string; phone: string | null }>("SELECT name, phone FROM people WHERE role = 'grid_worker' LIMIT 20");
      for (const p of people.rows) {
        expect(text).not.toContain(p.name);
        if (p.phone) expect(text).not.toContain(p.phone);
      }
    });

    it('keeps only features intersecting bbox (CRS84), the same as filtering the whole collection', async () => {
      const all = (await walkPages(`${ogc}/collections/facilities/items?limit=1000`, token)).flatMap((p) => p.features);
      const [x, y] = all[0].geometry.coordinates as [number, number];
      const box = [x - 0.004, y - 0.003, x + 0.004, y + 0.003];
      const inside = all.filter((f) => {
        const [fx, fy] = f.geometry.coordinates as [number, number];
        return fx >= box[0] && fx <= box[2] && fy >= box[1] && fy <= box[3];
      });
      const got = (await walkPages(`${ogc}/collections/facilities/items?limit=5&bbox=${box.join(',')}`, token)).flatMap((p) => p.features);
      expect(got.map((f) => f.id).sort((a, b) => a - b)).toEqual(inside.map((f) => f.id).sort((a, b) => a - b));
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThan(all.length);
      // six numbers (with heights) mean the same box
      const six = await ogcGet<FeatureCollection>(`${ogc}/collections/facilities/items?limit=1000&bbox=${box[0]},${box[1]},0,${box[2]},${box[3]},100`, token);
      expect(six.body.numberMatched).toBe(inside.length);
      // minLon > maxLon is a box across the antimeridian: 170°E → 180° and -180° → maxLon
      const across = await ogcGet<FeatureCollection>(`${ogc}/collections/facilities/items?limit=1000&bbox=170,${box[1]},${box[2]},${box[3]}`, token);
      const westOfMax = all.filter((f) => {
        const [fx, fy] = f.geometry.coordinates as [number, number];
        return fx <= box[2] && fy >= box[1] && fy <= box[3];
      });
      expect(across.body.features.map((f) => f.id).sort((a, b) => a - b)).toEqual(westOfMax.map((f) => f.id).sort((a, b) => a - b));
      // next links keep the bbox
      const first = await ogcGet<FeatureCollection>(`${ogc}/collections/facilities/items?limit=1&bbox=${box.join(',')}`, token);
      if (inside.length > 1) expect(new URL(first.body.links.find((l) => l.rel === 'next')!.href).searchParams.get('bbox')).toBe(box.join(','));
    });

    it('filters violations by datetime: instants, intervals, open ends and a street day', async () => {
      const all = (await walkPages(`${ogc}/collections/violations/items?limit=1000`, token)).flatMap((p) => p.features);
      const times = all.map((f) => ({ id: f.id, at: Date.parse(String(f.properties.foundAt)) })).sort((a, b) => a.at - b.at);
      const mid = times[Math.floor(times.length / 2)];
      const ids = async (dt: string) =>
        (await walkPages(`${ogc}/collections/violations/items?limit=1000&datetime=${encodeURIComponent(dt)}`, token)).flatMap((p) => p.features.map((f) => f.id)).sort((a, b) => a - b);
      const expectIds = (pred: (at: number) => boolean) => times.filter((x) => pred(x.at)).map((x) => x.id).sort((a, b) => a - b);
      const midIso = new Date(mid.at).toISOString();
      expect(await ids(`../${midIso}`)).toEqual(expectIds((at) => at <= mid.at));
      expect(await ids(`${midIso}/..`)).toEqual(expectIds((at) => at >= mid.at));
      expect(await ids(`${midIso}/`)).toEqual(expectIds((at) => at >= mid.at));
      expect(await ids(midIso)).toEqual(expectIds((at) => at === mid.at));
      const a = times[2].at;
      const b = times[times.length - 3].at;
      expect(await ids(`${new Date(a).toISOString()}/${new Date(b).toISOString()}`)).toEqual(expectIds((at) => at >= a && at <= b));
      // a bare date is that day in Asia/Shanghai (UTC+8)
      const day = new Date(mid.at + 8 * 3_600_000).toISOString().slice(0, 10);
      const dayStart = Date.parse(`${day}T00:00:00+08:00`);
      expect(await ids(day)).toEqual(expectIds((at) => at >= dayStart && at < dayStart + 86_400_000));
      expect((await ids(day)).length).toBeGreaterThan(0);
    });

    it('filters on queryable properties, as the database counts them', async () => {
      const grid = (await t.db.query<{ g: number }>('SELECT grid_id AS g FROM buildings WHERE grid_id IS NOT NULL GROUP BY grid_id ORDER BY count(*) DESC LIMIT 1')).rows[0].g;
      const got = (await walkPages(`${ogc}/collections/buildings/items?limit=50&gridId=${grid}`, token)).flatMap((p) => p.features);
      expect(got.length).toBe(await count('SELECT count(*)::int AS n FROM buildings WHERE grid_id = $1', [grid]));
      expect(got.every((f) => f.properties.gridId === grid)).toBe(true);
      const found = await ogcGet<FeatureCollection>(`${ogc}/collections/violations/items?status=found&kind=illegal_construction&limit=1000`, token);
      expect(found.body.numberMatched).toBe(await count("SELECT count(*)::int AS n FROM violations WHERE status = 'found' AND kind = 'illegal_construction'"));
      expect(found.body.features.every((f) => f.properties.status === 'found' && f.properties.kind === 'illegal_construction')).toBe(true);
      const name = (await t.db.query<{ name: string }>('SELECT name FROM communities ORDER BY id LIMIT 1')).rows[0].name;
      const byName = await ogcGet<FeatureCollection>(`${ogc}/collections/communities/items?name=${encodeURIComponent(name)}`, token);
      expect(byName.body.features.map((f) => f.properties.name)).toEqual([name]);
    });

    it('serves a larger limit than the maximum as the maximum (the spec: not an error)', async () => {
      const got = await ogcGet<FeatureCollection>(`${ogc}/collections/buildings/items?limit=${MAX_LIMIT * 5}`, token);
      expect(got.status).toBe(200);
      expect(got.body.numberReturned).toBe(Math.min(MAX_LIMIT, await count('SELECT count(*)::int AS n FROM buildings')));
    });

    it('answers one feature with its links, the same as in the page', async () => {
      const page = await ogcGet<FeatureCollection>(`${ogc}/collections/parking_lots/items?limit=1`, token);
      const f = page.body.features[0];
      const one = await ogcGet<{ id: number; properties: unknown; links: Array<{ rel: string; href: string }> }>(`${ogc}/collections/parking_lots/items/${f.id}`, token);
      expect(one.status).toBe(200);
      expect(one.type).toMatch(/^application\/geo\+json/);
      expect(one.body.properties).toEqual(f.properties);
      expect(one.body.links.find((l) => l.rel === 'self')!.href).toBe(`${ogc}/collections/parking_lots/items/${f.id}`);
    });
  });

  describe('refusals', () => {
    const expectException = (got: { status: number; type: string; body: Record<string, unknown> }, status: number, code: string, field?: string) => {
      expect(got.status, JSON.stringify(got.body)).toBe(status);
      expect(got.type).toMatch(/^application\/json/);
      expect(got.body.code).toBe(code);
      expect(typeof got.body.description).toBe('string');
      if (field) expect(got.body.field).toBe(field);
    };

    it('refuses every resource without a session or token (401, WWW-Authenticate: Bearer and Basic)', async () => {
      for (const path of ['', '/conformance', '/api', '/collections', '/collections/buildings', '/collections/buildings/items', '/collections/buildings/items/1']) {
        const got = await ogcGet(`${ogc}${path}`);
        expectException(got, 401, 'UNAUTHENTICATED');
        expect(got.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expectException(await ogcGet(`${ogc}/collections`, 'gcc_pat_' + 'x'.repeat(43)), 401, 'UNAUTHENTICATED', 'header.authorization');
      expectException(await ogcGet(`${ogc}/collections`, 'not-a-token'), 401, 'UNAUTHENTICATED', 'header.authorization');
    });

    it('takes the token as the password of HTTP Basic (QGIS "Basic" authentication), never an account password', async () => {
      const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
      const got = await ogcGet<{ collections: unknown[] }>(`${ogc}/collections`, undefined, basic('qgis', token));
      expect(got.status).toBe(200);
      expect(got.body.collections).toHaveLength(6);
      // an account's own name and password are not a way in: answered as an unknown token
      const username = `basic_${Date.now()}`;
      await loginAs(srv.baseUrl, t.db, 'planner', { username, password: 'a-real-password-1' });
      const pw = await ogcGet(`${ogc}/collections`, undefined, basic(username, 'a-real-password-1'));
      expectException(pw, 401, 'UNAUTHENTICATED', 'header.authorization');
      expect(pw.headers.get('www-authenticate')).toContain('Basic realm="gcc-ogc"');
      // an empty password is no credential at all
      expectException(await ogcGet(`${ogc}/collections`, undefined, basic('qgis', '')), 401, 'UNAUTHENTICATED');
    });

    it('reads with a signed-in session cookie too', async () => {
      const got = await ogcGet<{ collections: unknown[] }>(`${ogc}/collections`, undefined, { cookie: planner.cookie });
      expect(got.status).toBe(200);
      expect(got.body.collections).toHaveLength(6);
    });

    it('refuses a revoked token at once and an expired one', async () => {
      const tk = await createToken(srv.baseUrl, planner, 'to revoke');
      expect((await ogcGet(`${ogc}/collections`, tk.token)).status).toBe(200);
      const del = await fetch(`${srv.baseUrl}/api/auth/tokens/${tk.id}`, { method: 'DELETE', headers: planner.headers });
      expect(del.status).toBe(200);
      expectException(await ogcGet(`${ogc}/collections`, tk.token), 401, 'TOKEN_REVOKED');
      const old = await createToken(srv.baseUrl, planner, 'to expire', 1);
      const now = srv.clock.now().getTime();
      await t.db.query('UPDATE api_tokens SET created_at = $2, expires_at = $3 WHERE id = $1', [old.id, new Date(now - 2 * 86_400_000), new Date(now - 1000)]);
      expectException(await ogcGet(`${ogc}/collections/grids/items`, old.token), 401, 'TOKEN_EXPIRED');
      // the vector tiles answer the same way
      const api = await ogcGet<{ error: { code: string } }>(`${srv.baseUrl}/api/tiles/buildings.json`, old.token);
      expect(api.body.error.code).toBe('TOKEN_EXPIRED');
    });

    it('stops the tokens of a disabled user', async () => {
      const leader = await loginAs(srv.baseUrl, t.db, 'leader');
      const tk = await createToken(srv.baseUrl, leader, 'leader laptop');
      expect((await ogcGet(`${ogc}/collections`, tk.token)).status).toBe(200);
      await t.db.query('UPDATE users SET disabled = true WHERE id = $1', [leader.identity.userId]);
      expectException(await ogcGet(`${ogc}/collections`, tk.token), 401, 'UNAUTHENTICATED');
    });

    it.each([
      ['bbox=1,2,3', 'query.bbox'],
      ['bbox=117.1,39.2,117.2,abc', 'query.bbox'],
      ['bbox=117.1,91,117.2,39.3', 'query.bbox'],
      ['bbox=181,39.2,182,39.3', 'query.bbox'],
      ['bbox=117.1,39.3,117.2,39.2', 'query.bbox'],
      ['bbox=1%27%3B%20DROP%20TABLE%20buildings%3B--,1,2,2', 'query.bbox'],
      ['limit=0', 'query.limit'],
      ['limit=-5', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['limit=1.5', 'query.limit'],
      ['offset=-1', 'query.offset'],
      ['offset=99999999999', 'query.offset'],
      ['limit=5&limit=6', 'query.limit'],
      ['gridId=abc', 'query.gridId'],
      ['use=castle', 'query.use'],
      ['f=xml', 'query.f'],
      ['sortby=id', 'query.sortby'],
      ['datetime=2026-01-01', 'query.datetime'],
    ])('refuses buildings?%s with 400 VALIDATION_ERROR naming the parameter', async (qs, field) => {
      expectException(await ogcGet(`${ogc}/collections/buildings/items?${qs}`, token), 400, 'VALIDATION_ERROR', field);
    });

    it.each(['yesterday', '2026-13-01', '2026-11-26T10:00:00', '2026-11-26T10:00:00Z/2026-11-01T00:00:00Z', '../..', 'a/b/c'])(
      'refuses violations?datetime=%s with 400',
      async (dt) => {
        expectException(await ogcGet(`${ogc}/collections/violations/items?datetime=${encodeURIComponent(dt)}`, token), 400, 'VALIDATION_ERROR', 'query.datetime');
      },
    );

    it('answers 404 NOT_FOUND for an unknown collection, feature or resource', async () => {
      expectException(await ogcGet(`${ogc}/collections/people`, token), 404, 'NOT_FOUND', 'path.collectionId');
      expectException(await ogcGet(`${ogc}/collections/people/items`, token), 404, 'NOT_FOUND', 'path.collectionId');
      expectException(await ogcGet(`${ogc}/collections/buildings/items/999999999`, token), 404, 'NOT_FOUND', 'path.featureId');
      expectException(await ogcGet(`${ogc}/collections/buildings/items/abc`, token), 404, 'NOT_FOUND', 'path.featureId');
      expectException(await ogcGet(`${ogc}/tiles`, token), 404, 'NOT_FOUND');
      expectException(await ogcGet(`${ogc}/collections?bbox=1,2,3,4`, token), 400, 'VALIDATION_ERROR', 'query.bbox');
    });

    it('opens only the OGC API and the vector tiles with a token, not the rest of the REST API', async () => {
      expect((await ogcGet(`${srv.baseUrl}/api/tiles/grids.json`, token)).status).toBe(200);
      for (const path of ['/api/layers/extent', '/api/privacy/care-aggregates', '/api/incidents', '/api/auth/me']) {
        const got = await ogcGet<{ error: { code: string; field: string } }>(`${srv.baseUrl}${path}`, token);
        expect(got.status, path).toBe(403);
        expect(got.body.error).toMatchObject({ code: 'FORBIDDEN', field: 'header.authorization' });
      }
    });

    it('lets a token only read: writes with it are refused and it cannot manage tokens', async () => {
      const post = await fetch(`${srv.baseUrl}/api/auth/tokens`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'more' }) });
      expect(post.status).toBe(403);
      expect(((await post.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      const list = await ogcGet<{ error: { code: string } }>(`${srv.baseUrl}/api/auth/tokens`, token);
      expect(list.status).toBe(403);
      // refused before the OGC router, still in the spec's exception shape
      const ogcPost = await fetch(`${ogc}/collections`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(ogcPost.status).toBe(403);
      expect(await ogcPost.json()).toMatchObject({ code: 'FORBIDDEN', field: 'header.authorization' });
      const report = await fetch(`${srv.baseUrl}/api/incidents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      expect(report.status).toBe(403);
    });
  });

  describe('tokens', () => {
    it('stores only the hash, lists without the secret, audits creation and revocation', async () => {
      const tk = await createToken(srv.baseUrl, planner, 'audit me', 30);
      expect(tk.token).toMatch(/^gcc_pat_[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(tk.expiresAt) - srv.clock.now().getTime()).toBe(30 * 86_400_000);
      const row = (await t.db.query<Record<string, unknown>>('SELECT * FROM api_tokens WHERE id = $1', [tk.id])).rows[0];
      expect(row.token_hash).toBe(createHash('sha256').update(tk.token).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(tk.token);
      const list = await fetch(`${srv.baseUrl}/api/auth/tokens`, { headers: { cookie: planner.cookie } });
      const text = await list.text();
      expect(list.status).toBe(200);
      expect(text).toContain('audit me');
      expect(text).not.toContain(tk.token);
      expect(text).not.toContain(String(row.token_hash));
      await fetch(`${srv.baseUrl}/api/auth/tokens/${tk.id}`, { method: 'DELETE', headers: planner.headers });
      const audits = await t.db.query<{ action: string }>("SELECT action FROM audit_log WHERE entity_type = 'api_token' AND entity_id = $1 ORDER BY id", [String(tk.id)]);
      expect(audits.rows.map((a) => a.action)).toEqual(['auth.api_token_created', 'auth.api_token_revoked']);
    });

    it('refuses the wall a token, a bad name or lifetime, and another user’s token to a non-admin', async () => {
      const wall = await loginAs(srv.baseUrl, t.db, 'wall');
      const w = await fetch(`${srv.baseUrl}/api/auth/tokens`, { method: 'POST', headers: wall.headers, body: JSON.stringify({ name: 'wall' }) });
      expect(w.status).toBe(403);
      for (const body of [{}, { name: '' }, { name: 'x'.repeat(81) }, { name: 'ok', expiresInDays: 0 }, { name: 'ok', expiresInDays: 366 }, { name: 'ok', expiresInDays: 1.5 }, { name: 'ok', role: 'admin' }]) {
        const res = await fetch(`${srv.baseUrl}/api/auth/tokens`, { method: 'POST', headers: planner.headers, body: JSON.stringify(body) });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      const other = await loginAs(srv.baseUrl, t.db, 'dispatcher');
      const theirs = await createToken(srv.baseUrl, other, 'dispatcher desk');
      const del = await fetch(`${srv.baseUrl}/api/auth/tokens/${theirs.id}`, { method: 'DELETE', headers: planner.headers });
      expect(del.status).toBe(404);
      expect((await ogcGet(`${ogc}/collections`, theirs.token)).status).toBe(200);
      const admin = await loginAs(srv.baseUrl, t.db, 'admin');
      const byAdmin = await fetch(`${srv.baseUrl}/api/auth/tokens/${theirs.id}`, { method: 'DELETE', headers: admin.headers });
      expect(byAdmin.status).toBe(200);
      expect((await ogcGet(`${ogc}/collections`, theirs.token)).status).toBe(401);
    });
  });

  describe('a grid worker’s token', () => {
    let workerToken: string;
    let grid: number;
    beforeAll(async () => {
      grid = (await t.db.query<{ g: number }>('SELECT grid_id AS g FROM violations WHERE grid_id IS NOT NULL GROUP BY grid_id ORDER BY count(*) DESC, grid_id LIMIT 1')).rows[0].g;
      const worker = await loginAs(srv.baseUrl, t.db, 'worker', { scopeGridId: grid });
      workerToken = (await createToken(srv.baseUrl, worker, 'worker tablet')).token;
    });

    it('sees only its grid in every collection', async () => {
      const items = async (id: string) => (await walkPages(`${ogc}/collections/${id}/items?limit=100`, workerToken)).flatMap((p) => p.features);
      const grids = await items('grids');
      expect(grids.map((f) => f.id)).toEqual([grid]);
      const community = (await t.db.query<{ c: number }>('SELECT community_id AS c FROM grids WHERE id = $1', [grid])).rows[0].c;
      expect((await items('communities')).map((f) => f.id)).toEqual([community]);
      const buildings = await items('buildings');
      expect(buildings.length).toBe(await count('SELECT count(*)::int AS n FROM buildings WHERE grid_id = $1', [grid]));
      expect(buildings.every((f) => f.properties.gridId === grid)).toBe(true);
      const violations = await items('violations');
      expect(violations.length).toBe(await count('SELECT count(*)::int AS n FROM violations WHERE grid_id = $1', [grid]));
      expect(violations.length).toBeGreaterThan(0);
      const facilities = await items('facilities');
      expect(facilities.length).toBe(await count('SELECT count(*)::int AS n FROM facilities f JOIN grids g ON g.id = $1 WHERE ST_Covers(g.geom, f.geom)', [grid]));
      const parking = await items('parking_lots');
      expect(parking.length).toBe(await count('SELECT count(*)::int AS n FROM parking_lots p JOIN grids g ON g.id = $1 WHERE ST_Covers(g.geom, p.geom)', [grid]));
    });

    it('gets 404 for a feature of another grid, and its extent is its grid’s', async () => {
      const otherBuilding = (await t.db.query<{ id: number }>('SELECT id FROM buildings WHERE grid_id <> $1 LIMIT 1', [grid])).rows[0].id;
      expect((await ogcGet(`${ogc}/collections/buildings/items/${otherBuilding}`, workerToken)).status).toBe(404);
      expect((await ogcGet(`${ogc}/collections/buildings/items/${otherBuilding}`, token)).status).toBe(200);
      const col = await ogcGet<{ extent: { spatial: { bbox: number[][] } } }>(`${ogc}/collections/grids`, workerToken);
      const ext = (await t.db.query<{ x0: number; y0: number; x1: number; y1: number }>(
        'SELECT ST_XMin(geom) AS x0, ST_YMin(geom) AS y0, ST_XMax(geom) AS x1, ST_YMax(geom) AS y1 FROM grids WHERE id = $1',
        [grid],
      )).rows[0];
      col.body.extent.spatial.bbox[0].forEach((v, i) => expect(v).toBeCloseTo([ext.x0, ext.y0, ext.x1, ext.y1][i], 9));
    });
  });
});
