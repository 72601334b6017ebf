// The map's HTTP endpoints over a real database on every backend and a real HTTP server. Identity comes
// from a test-only middleware (the session layer is tested by the auth module): these tests are about
// what each role may read and what the layers answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { layerRoutes } from '../../server/layers/layer-routes';
import { basemapRoutes } from '../../server/basemap/basemap-routes';
import { errorHandler } from '../../server/http/error-handler';
import { ManualClock } from '../../server/clock';
import { createLogger } from '../../server/logger';
import type { UserRole } from '../../common/domain';
import type { CommunityCollection, BuildingCollection, UnitDetails, DailyStats, GridCollection, ParkingCollection } from '../../common/layers';
import { MINI, insertIncident, loadMiniStreet } from './mini-street';

describe.each(backends())('map layer endpoints (%s)', (backend) => {
  let t: TestDb;
  let server: http.Server;
  let base: string;
  // 2026-11-26 10:00 Asia/Shanghai
  const clock = new ManualClock(new Date('2026-11-26T02:00:00Z'));

  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    await loadMiniStreet(t.db);
    const today = new Date('2026-11-26T01:00:00Z');
    const yesterday = new Date('2026-11-25T03:00:00Z');
    await insertIncident(t.db, { community: 1, grid: 1, lon: 117.1055, lat: 39.1955, reportedAt: today });
    await insertIncident(t.db, { community: 1, grid: 2, lon: 117.13, lat: 39.21, reportedAt: yesterday, status: 'closed', closedAt: today });
    await insertIncident(t.db, { community: 2, grid: 3, lon: 117.15, lat: 39.2, reportedAt: yesterday });
    const app = express();
    app.use((req, _res, next) => {
      const role = req.get('x-test-role') as UserRole | undefined;
      if (role) req.identity = { userId: 1, username: role, role, displayName: role, personId: null, scopeGridId: role === 'worker' ? 1 : null, sessionId: 's' };
      next();
    });
    app.use(layerRoutes({ db: t.db, clock }));
    app.use(basemapRoutes({ db: t.db }));
    app.use(errorHandler(createLogger('silent')));
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await t.drop();
  });

  const get = async (path: string, role: UserRole | null = 'wall') => {
    const res = await fetch(base + path, { headers: role ? { 'x-test-role': role } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers communities as GeoJSON with counts summed from their buildings', async () => {
    const { status, body } = await get('/api/layers/communities?bbox=117.0,39.1,117.3,39.3&zoom=14');
    expect(status).toBe(200);
    const fc = body as unknown as CommunityCollection;
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((f) => f.properties.name)).toEqual(['东升里', '朝阳里']);
    const a = fc.features[0].properties;
    expect({ households: a.households, residents: a.residents, partyMembers: a.partyMembers }).toEqual(MINI.a);
    expect(a.grids).toBe(2);
    expect(a.buildings).toBe(3);
    expect(fc.features[0].geometry.type).toMatch(/Polygon/);
    expect(a.labelLon).toBeGreaterThan(117.1);
    expect(a.labelLon).toBeLessThan(117.14);
  });

  it('filters by bbox', async () => {
    const fc = (await get('/api/layers/grids?bbox=117.145,39.195,117.17,39.21&zoom=15')).body as unknown as GridCollection;
    expect(fc.features.map((f) => f.properties.code)).toEqual(['120113001002001']);
    const b = (await get('/api/layers/buildings?bbox=117.104,39.194,117.1065,39.1965&zoom=17')).body as unknown as BuildingCollection;
    expect(b.features.map((f) => f.properties.code)).toEqual(['B1']);
    expect(b.features[0].properties.floors).toBe(6);
  });

  it('simplifies polygons more at low zoom than at high zoom', async () => {
    // a wiggly grid polygon: 200 vertices along one edge
    const pts: string[] = [];
    for (let i = 0; i <= 200; i++) pts.push(`${117.10 + (i * 0.02) / 200} ${39.2205 + (i % 2) * 0.00001}`);
    const ring = `117.10 39.2205,${pts.slice(1).join(',')},117.12 39.23,117.10 39.23,117.10 39.2205`;
    await t.db.query(`INSERT INTO grids (community_id, code, name, geom) VALUES (1, '120113001001099', '测试网格', ST_Multi(ST_GeomFromText($1, 4326)))`, [
      `POLYGON((${ring}))`,
    ]);
    const count = async (zoom: number) => {
      const fc = (await get(`/api/layers/grids?bbox=117.09,39.22,117.13,39.235&zoom=${zoom}`)).body as unknown as GridCollection;
      const f = fc.features.find((x) => x.properties.code === '120113001001099');
      return JSON.stringify(f?.geometry.coordinates).split('],[').length;
    };
    const low = await count(12);
    const high = await count(18);
    expect(high).toBeGreaterThan(190);
    expect(low).toBeLessThan(20);
    await t.db.query(`DELETE FROM grids WHERE code = '120113001001099'`);
  });

  it.each([
    ['bbox=117.2,39.1,117.1,39.3', 'min < max'],
    ['bbox=39.1,117.1,39.3,117.3', 'latitudes'],
    ['bbox=-181,0,10,10', 'longitudes'],
    ['bbox=1,2,3', 'four numbers'],
    ['bbox=1,2,3,NaN', 'not a decimal'],
    ["bbox=1,2,3,4);DROP TABLE buildings;--", 'not a decimal'],
    ['zoom=99', 'zoom'],
    ['zoom=Infinity', 'zoom'],
    ['sort=name', 'unknown field'],
  ])('rejects %s with VALIDATION_ERROR', async (qs, fragment) => {
    const { status, body } = await get(`/api/layers/communities?${qs}`);
    expect(status).toBe(400);
    const err = body.error as { code: string; message: string; field: string };
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.field).toMatch(/^query\./);
    expect(err.message).toContain(fragment);
  });

  it('refuses a world-sized bbox on buildings with a clear message', async () => {
    const { status, body } = await get('/api/layers/buildings?bbox=-180,-90,180,90&zoom=2');
    expect(status).toBe(400);
    const err = body.error as { code: string; message: string; field: string };
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', field: 'query.bbox' });
    expect(err.message).toContain('zoom in');
    const count = await t.db.query<{ n: unknown }>(`SELECT count(*) AS n FROM buildings`);
    expect(Number(count.rows[0].n)).toBe(4);
  });

  it('needs a session and one of the map roles', async () => {
    expect((await get('/api/layers/communities', null)).status).toBe(401);
    expect(((await get('/api/layers/communities', null)).body.error as { code: string }).code).toBe('UNAUTHENTICATED');
    for (const role of ['dispatcher', 'planner', 'leader', 'admin', 'worker'] as const) {
      expect((await get('/api/layers/communities', role)).status).toBe(200);
    }
  });

  it('shows a grid worker only the workers of their own grid', async () => {
    await t.db.query(`INSERT INTO people (role, name, grid_id, on_duty, position, position_at) VALUES ('grid_worker', '钱七', 3, true, 'SRID=4326;POINT(117.15 39.2)', now())`);
    await t.db.query(`UPDATE people SET grid_id = 1 WHERE id = 3`);
    const all = (await get('/api/layers/workers', 'dispatcher')).body as unknown as { features: Array<{ properties: { gridId: number } }> };
    expect(all.features.map((f) => f.properties.gridId).sort()).toEqual([1, 3]);
    const mine = (await get('/api/layers/workers', 'worker')).body as unknown as { features: Array<{ properties: { gridId: number } }> };
    expect(mine.features.map((f) => f.properties.gridId)).toEqual([1]);
    expect(JSON.stringify(all)).not.toContain('钱七');
  });

  it('answers parking with free spaces and violations with status', async () => {
    const p = (await get('/api/layers/parking')).body as unknown as ParkingCollection;
    expect(p.features.map((f) => [f.properties.code, f.properties.free])).toEqual([['P1', 30], ['P2', 30]]);
    const v = (await get('/api/layers/violations')).body as unknown as { features: Array<{ properties: { status: string } }> };
    expect(v.features.map((f) => f.properties.status)).toEqual(['found', 'demolished', 'verified']);
  });

  it('shows a building its full chain, masked for the wall and clear for a dispatcher', async () => {
    const wall = (await get('/api/units/building/1', 'wall')).body as unknown as UnitDetails;
    expect(wall.chain.map((c) => c.role)).toEqual(['street_leader', 'community_secretary', 'grid_worker', 'building_head']);
    expect(wall.chain.map((c) => c.name)).toEqual(['王**', '李**', '赵**', '孙*']);
    expect(wall.chain[0].phone).toBe('138****0001');
    expect(JSON.stringify(wall)).not.toContain(MINI.leaderName);
    expect(wall.path.map((p) => p.name)).toEqual(['果园新村街道', '东升里', '东升里第1网格']);
    expect(wall.counts).toMatchObject({ households: 120, residents: 300, partyMembers: 10 });
    expect(wall.counts.careSubjects).toBeUndefined(); // the wall never sees a building's sensitive-group count
    expect(wall.live.openIncidents).toBe(1);
    expect(wall.isSample).toBe(true);

    const disp = (await get('/api/units/building/1', 'dispatcher')).body as unknown as UnitDetails;
    expect(disp.chain.map((c) => c.name)).toEqual([MINI.leaderName, MINI.secretaryName, MINI.workerName, MINI.headName]);
    expect(disp.chain[0].phone).toBe('13800000001');
    const leader = (await get('/api/units/building/1', 'leader')).body as unknown as UnitDetails;
    expect(leader.chain[0].name).toBe(MINI.leaderName);
    expect(leader.chain[0].phone).toBe('138****0001');
    // 2 care subjects in the building: below the threshold, so suppressed even for a role that may see buildings
    expect(leader.counts).toMatchObject({ careSubjects: null, careSubjectsSuppressed: true });
  });

  it('gives a community its counts and live figures for "today" in Asia/Shanghai', async () => {
    const c = (await get(`/api/units/community/${MINI.communityA}`)).body as unknown as UnitDetails;
    expect(c.chain.map((x) => x.role)).toEqual(['street_leader', 'community_secretary']);
    expect(c.counts).toMatchObject({ households: MINI.a.households, residents: MINI.a.residents, partyMembers: MINI.a.partyMembers, grids: 2, buildings: 3 });
    expect(c.live).toEqual({
      openIncidents: 1,
      reportedToday: 1,
      closedToday: 1,
      violationsOpen: 1,
      rectificationRate: 2 / 3,
      parkingCapacity: 140,
      parkingFree: 60,
    });
    const b = (await get(`/api/units/community/${MINI.communityB}`)).body as unknown as UnitDetails;
    expect(b.chain[1]).toMatchObject({ role: 'community_secretary', name: null, personId: null });
    expect(b.live.rectificationRate).toBeNull();
  });

  it('answers 404 for an unknown unit and 400 for a bad level or id', async () => {
    expect((await get('/api/units/grid/999')).status).toBe(404);
    const bad = await get('/api/units/street/1');
    expect(bad.status).toBe(400);
    expect((bad.body.error as { field: string }).field).toBe('params.level');
    expect((await get('/api/units/grid/-1')).status).toBe(400);
    expect((await get('/api/units/grid/1e3')).status).toBe(400);
  });

  it('counts incidents reported and closed per Shanghai day', async () => {
    const d = (await get('/api/stats/daily?days=3')).body as unknown as DailyStats;
    expect(d.days).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
    expect(d.reported).toEqual([0, 2, 1]);
    expect(d.closed).toEqual([0, 0, 1]);
    expect((await get('/api/stats/daily?days=0')).status).toBe(400);
  });

  it('serves an offline basemap style that names no other host and no glyphs', async () => {
    const { status, body } = await get('/api/basemap/style.json?theme=dark');
    expect(status).toBe(200);
    expect(body.glyphs).toBeUndefined();
    expect(body.sprite).toBeUndefined();
    const urls = JSON.stringify(body).match(/https?:\/\/[^"]+/g) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    for (const u of urls) expect(new URL(u).origin).toBe(base);
    const features = await fetch(`${base}/api/basemap/features.geojson`, { headers: { 'x-test-role': 'wall' } }).then((r) => r.json());
    expect(features.features.map((f: { properties: { kind: string } }) => f.properties.kind).sort()).toEqual(['green', 'road_major', 'road_major', 'road_minor', 'water']);
    const labels = (await get('/api/basemap/labels')).body as { labels: Array<{ name: string; lon: number; angle: number }> };
    expect(labels.labels.map((l) => l.name).sort()).toEqual(['城建北路', '果园北道']);
    const north = labels.labels.find((l) => l.name === '果园北道');
    expect(north?.lon).toBeCloseTo(117.14, 3);
    expect(Math.abs(north?.angle ?? 99)).toBeLessThan(1);
    expect(Math.abs(Math.abs(labels.labels.find((l) => l.name === '城建北路')?.angle ?? 0) - 90)).toBeLessThan(1);
  });
});
