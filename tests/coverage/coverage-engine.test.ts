// Snapping and the coverage figures on a hand-made network in a real database (every backend).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { snapBuildingsToNetwork, snapPoints } from '../../server/walk/snap-buildings';
import { CoverageEngine } from '../../server/coverage/coverage-engine';
import { coverageSummary } from '../../server/coverage/coverage-figures';
import { WALK_SPEED_MPS } from '../../common/domain';
import { walkingTimesTo } from '../../server/walk/walk-times';
import { insertBuilding, insertFacility, insertGridWithPocket, lonLat } from './network-fixture';

for (const backend of backends()) {
  describe(`coverage engine (${backend})`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await freshDb(backend, 'empty');
      await insertGridWithPocket(t.db);
    });
    afterEach(async () => t.drop());

    it('snaps a building to the nearest point on the nearest edge, not to a node', async () => {
      // 20 m north of the middle of the edge (100,0)–(200,0): nearest edge is that one at fraction ≈ 0.5.
      const id = await insertBuilding(t.db, 'B1', 150, 20, 10);
      expect(await snapBuildingsToNetwork(t.db)).toBe(1);
      const r = await t.db.query<{ edge_id: number; fraction: number; distance_m: number }>(
        'SELECT edge_id, fraction, distance_m FROM building_access WHERE building_id = $1', [id]);
      expect(r.rows[0].edge_id).toBe(3); // edges are numbered row by row: (0,0)-(1,0)=1, (0,0)-(0,1)=2, (1,0)-(2,0)=3
      expect(r.rows[0].fraction).toBeCloseTo(0.5, 2);
      // building centre is 20 m away; the 10 m square's point on surface is its centre
      expect(r.rows[0].distance_m).toBeGreaterThan(19);
      expect(r.rows[0].distance_m).toBeLessThan(21);
    });

    it('snaps arbitrary points and reports their order', async () => {
      const [lon1, lat1] = lonLat(400, 250);
      const [lon2, lat2] = lonLat(-30, 0);
      const s = await snapPoints(t.db, [{ lon: lon1, lat: lat1 }, { lon: lon2, lat: lat2 }]);
      expect(s.map((p) => p.index)).toEqual([0, 1]);
      expect(s[0].distanceM).toBeLessThan(1);
      expect(s[1].distanceM).toBeGreaterThan(29);
      expect(s[1].distanceM).toBeLessThan(31);
    });

    it('the in-memory snap index agrees with the database snapping', async () => {
      const engine = new CoverageEngine(t.db);
      const index = await engine.snapIndex();
      const { state } = await engine.typeCoverage('clinic');
      const pts = [[37, 12], [150, 260], [420, 130], [-25, 333], [700, 40], [455, 255], [260, 410]].map(([x, y]) => {
        const [lon, lat] = lonLat(x, y);
        return { lon, lat };
      });
      const db = await snapPoints(t.db, pts);
      pts.forEach((p, i) => {
        const mine = index.nearest(p.lon, p.lat, 500)!;
        expect(state.graph.edgeIds[mine.edge]).toBe(db[i].edgeId);
        expect(mine.fraction).toBeCloseTo(db[i].fraction, 3);
        expect(Math.abs(mine.distanceM - db[i].distanceM)).toBeLessThan(0.5);
      });
      expect(index.nearest(...(lonLat(3000, 3000) as [number, number]), 500)).toBeNull();
    });

    it('gives dispatch walking times from points to an incident (null when no path)', async () => {
      const engine = new CoverageEngine(t.db);
      const at = (x: number, y: number) => { const [lon, lat] = lonLat(x, y); return { lon, lat }; };
      const times = await walkingTimesTo(engine, at(0, -20), [at(150, 10), at(700, 10), at(5000, 5000)]);
      // 20 m access at the incident, 150 m along y = 0, 10 m access at the worker.
      expect(times[0]).toBeCloseTo(180 / WALK_SPEED_MPS, 0);
      expect(times[1]).toBeNull();
      expect(times[2]).toBeNull();
    });

    it('gives each building its network walking time and counts covered residents; the circle overstates', async () => {
      await insertFacility(t.db, 'F1', 'clinic', 0, 0);
      const near = await insertBuilding(t.db, 'NEAR', 50, 10, 100);     // ≈ 50 m along + 10 m access
      const far = await insertBuilding(t.db, 'FAR', 395, 410, 200);      // 795 m along + 10 m access: 12 min
      const pocket = await insertBuilding(t.db, 'POCKET', 700, 10, 300); // across the river: unreachable
      await snapBuildingsToNetwork(t.db);
      const engine = new CoverageEngine(t.db);
      const { state, coverage } = await engine.typeCoverage('clinic');
      const timeOf = (id: number) => coverage.buildingTimeS[state.buildings.ids.indexOf(id)];
      expect(timeOf(near)).toBeCloseTo(60 / WALK_SPEED_MPS, 0);
      expect(timeOf(far)).toBeCloseTo(805 / WALK_SPEED_MPS, 0);
      expect(timeOf(pocket)).toBe(Infinity);

      const s10 = coverageSummary('clinic', 10, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names);
      expect(s10.street).toMatchObject({ buildings: 3, buildingsCovered: 1, residents: 600, residentsCovered: 100 });
      const s15 = coverageSummary('clinic', 15, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names);
      expect(s15.street.residentsCovered).toBe(300);
      // 1000 m circle: all three buildings are inside (pocket ≈ 700 m, far ≈ 558 m straight) but only two are reachable.
      expect(s15.circle.residentsInCircle).toBe(600);
      expect(s15.circle.residentsOverstated).toBe(300);
      expect(s15.circle.overstatementRatio).toBeCloseTo(1, 5);
    });

    it('is cached until the data changes, then rebuilt', async () => {
      await insertFacility(t.db, 'F1', 'clinic', 0, 0);
      const b = await insertBuilding(t.db, 'B', 390, 400, 50);
      await snapBuildingsToNetwork(t.db);
      const engine = new CoverageEngine(t.db, { recheckMs: 60_000 });
      const first = await engine.typeCoverage('clinic');
      expect((await engine.typeCoverage('clinic')).coverage).toBe(first.coverage);
      await insertFacility(t.db, 'F2', 'clinic', 400, 400);
      engine.invalidate();
      const second = await engine.typeCoverage('clinic');
      expect(second.coverage).not.toBe(first.coverage);
      expect(second.coverage.buildingTimeS[second.state.buildings.ids.indexOf(b)]).toBeLessThan(60);
    });
  });
}
