// /api/coverage through the real HTTP stack: roles, validation, what-if, scenarios, suggestions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { snapBuildingsToNetwork } from '../../server/walk/snap-buildings';
import { insertBuilding, insertFacility, insertGridWithPocket, lonLat } from './network-fixture';

for (const backend of backends()) {
  describe(`/api/coverage (${backend})`, () => {
    let t: TestDb;
    let app: TestApp;
    let planner: Session;
    let wall: Session;
    let clinicId: number;
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      await insertGridWithPocket(t.db);
      clinicId = await insertFacility(t.db, 'F1', 'clinic', 0, 0);
      await insertBuilding(t.db, 'NEAR', 50, 10, 100);
      await insertBuilding(t.db, 'FAR', 395, 410, 200);
      await insertBuilding(t.db, 'POCKET', 700, 10, 300);
      await snapBuildingsToNetwork(t.db);
      app = await startTestApp(t.db);
      planner = await loginAs(app.baseUrl, t.db, 'planner');
      wall = await loginAs(app.baseUrl, t.db, 'wall');
    });
    afterAll(async () => {
      await app?.close();
      await t?.drop();
    });

    const get = (s: Session | null, p: string) => fetch(`${app.baseUrl}${p}`, { headers: s ? { cookie: s.cookie } : {} });
    const post = (s: Session, p: string, body: unknown) =>
      fetch(`${app.baseUrl}${p}`, { method: 'POST', headers: { ...s.headers, origin: app.baseUrl }, body: JSON.stringify(body) });

    it('lets the wall read the summary; strangers are refused', async () => {
      const res = await get(wall, '/api/coverage/summary?type=clinic&minutes=15');
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.street).toMatchObject({ buildings: 3, residents: 600, residentsCovered: 300 });
      expect(body.circle.residentsOverstated).toBe(300);
      expect((await get(null, '/api/coverage/summary?type=clinic')).status).toBe(401);
    });

    it('rejects bad queries with VALIDATION_ERROR naming the field', async () => {
      const bad = await get(wall, '/api/coverage/summary?type=spaceport&minutes=15');
      expect(bad.status).toBe(400);
      expect((await bad.json()).error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'query.type' });
      const unknown = await get(wall, '/api/coverage/summary?type=clinic&color=red');
      expect((await unknown.json()).error.code).toBe('VALIDATION_ERROR');
      const minutes = await get(wall, '/api/coverage/summary?type=clinic&minutes=7');
      expect(minutes.status).toBe(400);
    });

    it('serves uncovered buildings and rings as GeoJSON', async () => {
      const unc = await (await get(wall, '/api/coverage/uncovered?type=clinic&minutes=10')).json();
      expect(unc.features.map((f: { properties: { code: string } }) => f.properties.code).sort()).toEqual(['FAR', 'POCKET']);
      const rings = await (await get(wall, '/api/coverage/isochrones?type=clinic&shape=lines')).json();
      expect(rings.features.map((f: { properties: { minutes: number } }) => f.properties.minutes)).toEqual([15, 10, 5]);
      expect(rings.features[0].geometry.type).toBe('MultiLineString');
      const per = await (await get(wall, '/api/coverage/isochrones?type=clinic&shape=polygons&by=facility')).json();
      expect(per.features.map((f: { properties: { facilityId: number } }) => f.properties.facilityId)).toEqual([clinicId, clinicId, clinicId]);
      expect(per.features[0].geometry.type).toMatch(/Polygon/);
    });

    it('runs a what-if for planners only, with server time', async () => {
      const [lon, lat] = lonLat(400, 400);
      const body = { changes: [{ op: 'add', type: 'clinic', lon, lat }] };
      expect((await post(wall, '/api/coverage/what-if', body)).status).toBe(403);
      const res = await post(planner, '/api/coverage/what-if', body);
      expect(res.status).toBe(200);
      const r = await res.json();
      expect(r.types[0].bands.find((b: { minutes: number }) => b.minutes === 5).residentsGained).toBe(200);
      expect(typeof r.serverMs).toBe('number');
      const extra = await post(planner, '/api/coverage/what-if', { changes: [{ op: 'remove', facilityId: clinicId, why: 'x' }] });
      expect(extra.status).toBe(400);
    });

    it('saves, lists and compares scenarios (with an event row)', async () => {
      const [lon, lat] = lonLat(400, 400);
      const a = await post(planner, '/api/coverage/scenarios', { name: 'Add NE clinic', changes: [{ op: 'add', type: 'clinic', lon, lat }] });
      expect(a.status).toBe(201);
      const sa = await a.json();
      const b = await post(planner, '/api/coverage/scenarios', { name: 'Close F1', changes: [{ op: 'remove', facilityId: clinicId }] });
      const sb = await b.json();
      const list = await (await get(planner, '/api/coverage/scenarios')).json();
      expect(list.scenarios.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['Add NE clinic', 'Close F1']));
      const cmp = await (await get(planner, `/api/coverage/scenarios/compare?ids=${sa.id},${sb.id}`)).json();
      const row15 = cmp.rows.find((r: { type: string; minutes: number }) => r.type === 'clinic' && r.minutes === 15);
      expect(row15.base.residentsCovered).toBe(300);
      expect(row15.scenarios.map((s: { residentsCovered: number }) => s.residentsCovered)).toEqual([300, 0]);
      const ev = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE type = 'coverage.scenario_saved'");
      expect(ev.rows[0].n).toBe(2);
      const missing = await get(planner, '/api/coverage/scenarios/compare?ids=99999');
      expect(missing.status).toBe(404);
    });

    it('suggests sites that cover the most new residents', async () => {
      const res = await get(planner, '/api/coverage/suggest?type=clinic&k=2&minutes=5');
      expect(res.status).toBe(200);
      const r = await res.json();
      // A site in the pocket is the best (300 residents nobody reaches today), then one near FAR (200).
      expect(r.sites.map((s: { newResidents: number }) => s.newResidents)).toEqual([300, 200]);
      expect(r.residentsCoveredAfter).toBe(600);
    });
  });
}
