// Honest access through /api/coverage on every backend: the summary, uncovered buildings and what-if say
// which facilities walk to the network, which are unreachable by it, and how many buildings and residents
// the network cannot reach — with the limit taken from the server's configuration (ACCESS_MAX_M).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { loginAs, startTestApp, type Session, type TestApp } from '../helpers/auth';
import { snapBuildingsToNetwork } from '../../server/walk/snap-buildings';
import { WALK_SPEED_MPS } from '../../common/domain';
import type { CoverageSummary, WhatIfResult } from '../../common/coverage';
import { insertBuilding, insertFacility, insertGridWithPocket, lonLat } from './network-fixture';

for (const backend of backends()) {
  describe(`/api/coverage access walks (${backend})`, () => {
    let t: TestDb;
    let app: TestApp;
    let planner: Session;
    const ids: Record<string, number> = {};
    beforeAll(async () => {
      t = await freshDb(backend, 'empty');
      await insertGridWithPocket(t.db);
      ids.walk = await insertFacility(t.db, 'WALK', 'clinic', 150, -60);  // 60 m off: walk added
      ids.off = await insertFacility(t.db, 'OFF', 'clinic', 300, -400);   // 400 m off: unreachable
      ids.b = await insertBuilding(t.db, 'B', 350, 40, 100);
      ids.deep = await insertBuilding(t.db, 'DEEP', 300, -380, 60);       // 380 m off: unreachable
      ids.mid = await insertBuilding(t.db, 'MID', 50, -320, 30);          // 320 m off: walks, under a 350 m limit
      await snapBuildingsToNetwork(t.db);
      // A limit of 350 m instead of the default 300 m: MID is reachable only because of the configuration.
      app = await startTestApp(t.db, { config: { ACCESS_MAX_M: 350 } });
      planner = await loginAs(app.baseUrl, t.db, 'planner');
    });
    afterAll(async () => {
      await app?.close();
      await t?.drop();
    });

    const get = (p: string) => fetch(`${app.baseUrl}${p}`, { headers: { cookie: planner.cookie } });
    const post = (p: string, body: unknown) =>
      fetch(`${app.baseUrl}${p}`, { method: 'POST', headers: { ...planner.headers, origin: app.baseUrl }, body: JSON.stringify(body) });

    it('reports each off-network facility with its distance and the buildings the network cannot reach', async () => {
      const res = await get('/api/coverage/summary?type=clinic&minutes=15');
      expect(res.status).toBe(200);
      const body = (await res.json()) as CoverageSummary;
      expect(body.access).toMatchObject({ toleranceM: 5, maxM: 350 });
      expect(body.facilityAccess).toEqual({ on_network: 0, walk_added: 1, unreachable: 1 });
      expect(body.offNetworkFacilities.map((f) => [f.code, f.status])).toEqual([['OFF', 'unreachable'], ['WALK', 'walk_added']]);
      const [off, walk] = body.offNetworkFacilities;
      expect(off.accessWalkS).toBeNull();
      expect(Math.abs(off.snapDistanceM! - 400)).toBeLessThan(2);
      expect(Math.abs(walk.snapDistanceM! - 60)).toBeLessThan(1);
      expect(Math.abs(walk.accessWalkS! - 60 / WALK_SPEED_MPS)).toBeLessThan(1);
      // B: 60 + 200 + 40 m (270 s); MID: 60 + 100 + 320 m (432 s); DEEP is beyond the limit.
      expect(body.street).toMatchObject({ buildings: 3, buildingsCovered: 2, residents: 190, residentsCovered: 130, buildingsUnreachable: 1, residentsUnreachable: 60 });
      const five = (await (await get('/api/coverage/summary?type=clinic&minutes=5')).json()) as CoverageSummary;
      expect(five.street.residentsCovered).toBe(100);
    });

    it('marks unreachable buildings among the uncovered ones, with their distance', async () => {
      const unc = await (await get('/api/coverage/uncovered?type=clinic&minutes=15')).json();
      expect(unc.properties).toMatchObject({ count: 1, unreachableByNetwork: 1, accessMaxM: 350 });
      const deep = unc.features[0];
      expect(deep.properties).toMatchObject({ code: 'DEEP', unreachableByNetwork: true, walkSeconds: null });
      expect(Math.abs(deep.properties.accessDistanceM - 380)).toBeLessThanOrEqual(2);
    });

    it('applies the same rule to a site added in a what-if: an access walk, or unreachable with no error', async () => {
      const [lon, lat] = lonLat(300, -100);
      const res = await post('/api/coverage/what-if', { changes: [{ op: 'add', type: 'clinic', lon, lat }], rings: false });
      expect(res.status).toBe(200);
      const r = (await res.json()) as WhatIfResult;
      const site = r.types[0].facilities.find((f) => f.virtual)!;
      expect(site.status).toBe('walk_added');
      expect(Math.abs(site.snapDistanceM! - 100)).toBeLessThan(1);
      expect(r.types[0].facilities.find((f) => f.id === ids.off)!.status).toBe('unreachable');
      const [flon, flat] = lonLat(200, -700);
      const far = (await (await post('/api/coverage/what-if', { changes: [{ op: 'add', type: 'clinic', lon: flon, lat: flat }], rings: false })).json()) as WhatIfResult;
      const lost = far.types[0].facilities.find((f) => f.virtual)!;
      expect(lost).toMatchObject({ status: 'unreachable', accessWalkS: null });
      expect(far.types[0].bands.every((band) => band.residentsGained === 0 && band.residentsLost === 0)).toBe(true);
      expect(far.types[0].summary15.facilityAccess.unreachable).toBe(2);
    });

    it('leaves buildings beyond the limit out of the suggested sites\' demand and says how many residents that is', async () => {
      // At 15 minutes only DEEP is uncovered. Counted with its 380 m as an access walk (342 s) a site at the
      // node (300, 0) would reach it; beyond the limit it is nobody's demand.
      const r = await (await get('/api/coverage/suggest?type=clinic&k=3&minutes=15')).json();
      expect(r.residentsUnreachable).toBe(60);
      expect(r.sites).toEqual([]);
      expect(r.residentsCoveredAfter).toBe(130);
    });
  });
}
