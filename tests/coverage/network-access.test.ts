// Honest access (issue 16 item 4): a facility or building off the walking network walks the straight line
// to its snap point at the network's speed, at both ends; within the tolerance nothing is added; beyond the
// limit it is unreachable by the network. On the hand-made grid (100 m blocks along y = 0, x = 0…400).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { snapBuildingsToNetwork } from '../../server/walk/snap-buildings';
import { CoverageEngine } from '../../server/coverage/coverage-engine';
import { coverageSummary } from '../../server/coverage/coverage-figures';
import { reachablePieces } from '../../server/coverage/isochrones';
import { evaluateWhatIf } from '../../server/coverage/what-if';
import { walkingTimesTo } from '../../server/walk/walk-times';
import { NetworkWalkTimeSource } from '../../server/dispatch/walk-time-source';
import { DEFAULT_ACCESS_RULE, networkAccess } from '../../server/walk/network-access';
import { accessRuleOf, loadConfig } from '../../server/config';
import { WALK_SPEED_MPS } from '../../common/domain';
import { insertBuilding, insertFacility, insertGridWithPocket, lonLat } from './network-fixture';

const s = (m: number) => m / WALK_SPEED_MPS;
const at = (x: number, y: number) => { const [lon, lat] = lonLat(x, y); return { lon, lat }; };
/**
 * The fixture lays the network out in local metres, while the database measures a point's distance to an
 * edge on the ellipsoid (≈ 0.3 % shorter north–south here): compare to within a metre or two of walking.
 */
function near(actual: number | null | undefined, expected: number, tol = 1.5): void {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

describe('the access rule', () => {
  it('adds nothing within the tolerance, the straight walk up to the limit, and refuses beyond it', () => {
    expect(DEFAULT_ACCESS_RULE).toEqual({ toleranceM: 5, maxM: 300 });
    expect(networkAccess(0)).toMatchObject({ status: 'on_network', walkS: 0, walkM: 0 });
    expect(networkAccess(5)).toMatchObject({ status: 'on_network', walkS: 0 });
    expect(networkAccess(5.5)).toMatchObject({ status: 'walk_added', walkM: 5.5, walkS: s(5.5) });
    expect(networkAccess(300)).toMatchObject({ status: 'walk_added', walkS: s(300) });
    expect(networkAccess(300.5)).toMatchObject({ status: 'unreachable', distanceM: 300.5, walkS: Infinity });
    expect(networkAccess(null)).toMatchObject({ status: 'unreachable', distanceM: null });
    expect(networkAccess(350, { toleranceM: 0, maxM: 400 })).toMatchObject({ status: 'walk_added', walkS: s(350) });
    expect(networkAccess(3, { toleranceM: 0, maxM: 400 }).status).toBe('walk_added');
  });

  it('is read from the configuration, which refuses a limit below the tolerance', () => {
    expect(accessRuleOf(loadConfig({}))).toEqual(DEFAULT_ACCESS_RULE);
    expect(accessRuleOf(loadConfig({ ACCESS_TOLERANCE_M: '2', ACCESS_MAX_M: '450' }))).toEqual({ toleranceM: 2, maxM: 450 });
    expect(() => loadConfig({ ACCESS_TOLERANCE_M: '20', ACCESS_MAX_M: '10' })).toThrow(/ACCESS_MAX_M/);
    expect(() => loadConfig({ ACCESS_MAX_M: '-1' })).toThrow(/ACCESS_MAX_M/);
  });
});

for (const backend of backends()) {
  describe(`honest access on a network (${backend})`, () => {
    let t: TestDb;
    beforeEach(async () => {
      t = await freshDb(backend, 'empty');
      await insertGridWithPocket(t.db);
    });
    afterEach(async () => t.drop());

    async function timesFor(opts: { access?: { toleranceM: number; maxM: number } } = {}) {
      await snapBuildingsToNetwork(t.db);
      const engine = new CoverageEngine(t.db, opts);
      const { state, coverage } = await engine.typeCoverage('clinic');
      return { engine, state, coverage, timeOf: (id: number) => coverage.buildingTimeS[state.buildings.ids.indexOf(id)] };
    }

    it('time = facility access walk + network + building access walk (both ends, also on one shared edge)', async () => {
      const f = await insertFacility(t.db, 'F', 'clinic', 150, -60);     // 60 m south of edge (100,0)–(200,0)
      const b = await insertBuilding(t.db, 'B', 350, 40, 100);           // 40 m north of edge (300,0)–(400,0)
      const same = await insertBuilding(t.db, 'SAME', 130, 20, 10);      // 20 m north of the facility's own edge
      const { state, coverage, timeOf } = await timesFor();
      near(timeOf(b), s(60 + 200 + 40));
      // 60 m to the street, 20 m along the shared edge, 20 m from the street to the building.
      near(timeOf(same), s(60 + 20 + 20));
      const summary = coverageSummary('clinic', 5, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names, state.access);
      expect(summary.facilityAccess).toEqual({ on_network: 0, walk_added: 1, unreachable: 0 });
      expect(summary.offNetworkFacilities).toHaveLength(1);
      const fa = summary.offNetworkFacilities[0];
      expect(fa).toMatchObject({ id: f, status: 'walk_added' });
      near(fa.snapDistanceM, 60);
      near(fa.accessWalkS, s(60));
      // The snap point is the foot of the perpendicular on y = 0.
      const [, lat0] = lonLat(150, 0);
      expect(fa.snapLat).toBeCloseTo(lat0, 6);
      // 5 min = 333 m of walking: both (300 m and 100 m) are covered.
      expect(summary.street.buildingsCovered).toBe(2);
      expect(summary.access).toMatchObject({ toleranceM: 5, maxM: 300 });
    });

    it('adds nothing within the tolerance, and the straight walk just beyond it', async () => {
      await insertFacility(t.db, 'ON', 'clinic', 150, 3);
      const b = await insertBuilding(t.db, 'B', 350, 40, 100);
      const first = await timesFor();
      near(first.timeOf(b), s(200 + 40));
      expect(first.coverage.facilities[0].access.status).toBe('on_network');
      // Moved 8 m off the street: now its 8 m are walked too.
      await t.db.query('UPDATE facilities SET geom = ST_SetSRID(ST_MakePoint($1, $2), 4326), version = version + 1', [at(150, 8).lon, at(150, 8).lat]);
      first.engine.invalidate();
      const { state, coverage } = await first.engine.typeCoverage('clinic');
      near(coverage.buildingTimeS[state.buildings.ids.indexOf(b)], s(8 + 200 + 40));
      expect(coverage.facilities[0].access.status).toBe('walk_added');
    });

    it('flags a facility and a building beyond the limit as unreachable: no time, not covered, reported', async () => {
      const farF = await insertFacility(t.db, 'FAR_F', 'clinic', 150, -350); // 350 m from y = 0
      await insertFacility(t.db, 'NEAR_F', 'clinic', 400, 100);
      const b = await insertBuilding(t.db, 'B', 350, 40, 100);
      const offB = await insertBuilding(t.db, 'OFF_B', 160, -320, 70);        // 320 m from y = 0, beside FAR_F
      const { state, coverage, timeOf } = await timesFor();
      const farPoint = coverage.facilities.find((f) => f.id === farF)!;
      expect(farPoint.at).toBeNull();
      expect(farPoint.access.status).toBe('unreachable');
      // B gets its time from NEAR_F ((400,100) → (400,0) → (350,0) + 40 m), not from a shortcut through FAR_F.
      near(timeOf(b), s(100 + 50 + 40));
      expect(timeOf(offB)).toBe(Infinity);
      const summary = coverageSummary('clinic', 15, state.buildings, coverage.buildingTimeS, coverage.facilities, state.names, state.access);
      expect(summary.street).toMatchObject({ buildings: 2, buildingsCovered: 1, residents: 170, residentsCovered: 100, buildingsUnreachable: 1, residentsUnreachable: 70 });
      expect(summary.facilityAccess).toEqual({ on_network: 1, walk_added: 0, unreachable: 1 });
      expect(summary.offNetworkFacilities.map((f) => [f.id, f.status, f.accessWalkS])).toEqual([[farF, 'unreachable', null]]);
      near(summary.offNetworkFacilities[0].snapDistanceM, 350, 2);
    });

    it('takes the limit from the engine options: at 400 m the same facility walks its 350 m', async () => {
      await insertFacility(t.db, 'FAR_F', 'clinic', 150, -350);
      const b = await insertBuilding(t.db, 'B', 350, 40, 100);
      const offB = await insertBuilding(t.db, 'OFF_B', 160, -320, 70);
      const { state, timeOf } = await timesFor({ access: { toleranceM: 5, maxM: 400 } });
      near(timeOf(b), s(350 + 200 + 40), 2);
      // Both off the network: the building walks up to y = 0 and the facility's access walk back down.
      near(timeOf(offB), s(320 + 10 + 350), 2.5);
      expect(state.buildings.unreachable[state.buildings.ids.indexOf(offB)]).toBe(0);
    });

    it('spends the access walk before the ring starts: reachable pieces end that much earlier', async () => {
      await insertFacility(t.db, 'F', 'clinic', 150, -60);
      const { state, coverage } = await timesFor();
      const g = state.graph;
      // 2 minutes from (150,0) after 60 m of access: 133.3 − 60 = 73.3 m each way → up to x = 223.3 on edge (200,0)–(300,0).
      const pieces = reachablePieces(g, coverage.field, 120);
      const edge5 = pieces.find((p) => p.edge === g.edgeIndex.get(5)!)!;
      expect(edge5.from).toBe(0);
      expect(edge5.to).toBeCloseTo((120 * WALK_SPEED_MPS - 60 - 50) / 100, 2);
      const own = pieces.find((p) => p.edge === g.edgeIndex.get(3)!)!;
      expect(own.from).toBe(0);
      expect(own.to).toBe(1);
      // Within 50 s nothing is reachable: the facility is still walking to the street.
      expect(reachablePieces(g, coverage.field, 50)).toEqual([]);
    });

    it('what-if: an added site off the network walks to it, one beyond the limit is reported and covers nobody', async () => {
      await insertFacility(t.db, 'F', 'clinic', 0, 400);
      const b = await insertBuilding(t.db, 'B', 350, 40, 100);
      await snapBuildingsToNetwork(t.db);
      const engine = new CoverageEngine(t.db);
      const walked = await evaluateWhatIf(t.db, engine, [{ op: 'add', type: 'clinic', ...at(250, -100) }], { rings: false });
      const site = walked.types[0].facilities.find((f) => f.virtual)!;
      expect(site.status).toBe('walk_added');
      near(site.snapDistanceM, 100);
      // 100 m access + 100 m along y = 0 + 40 m: 216 s, covered at 5 min (it was not).
      const five = walked.types[0].bands.find((x) => x.minutes === 5)!;
      expect(five.residentsGained).toBe(100);
      const far = await evaluateWhatIf(t.db, engine, [{ op: 'add', type: 'clinic', ...at(250, -450) }], { rings: false });
      const lost = far.types[0].facilities.find((f) => f.virtual)!;
      expect(lost).toMatchObject({ status: 'unreachable', accessWalkS: null });
      near(lost.snapDistanceM, 450);
      expect(far.types[0].bands.every((x) => x.residentsGained === 0)).toBe(true);
      expect(far.types[0].summary15.offNetworkFacilities.map((f) => f.status)).toEqual(['unreachable']);
      const { state, coverage } = await engine.typeCoverage('clinic');
      near(coverage.buildingTimeS[state.buildings.ids.indexOf(b)], s(400 + 350 + 40));
    });

    it('dispatch walks the same rule: nothing added within the tolerance, nobody beyond the limit', async () => {
      const engine = new CoverageEngine(t.db);
      // Incident 20 m off the street; workers 3 m off (on the network), 60 m off, and 350 m off.
      const times = await walkingTimesTo(engine, at(0, -20), [at(150, 3), at(150, -60), at(150, -350)]);
      near(times[0], s(20 + 150), 0.05);
      near(times[1], s(20 + 150 + 60), 0.05);
      expect(times[2]).toBeNull();
      expect(await walkingTimesTo(engine, at(200, -400), [at(150, 3)])).toEqual([null]);

      const source = new NetworkWalkTimeSource(t.db);
      const got = await source.timesTo(at(0, -20), [{ key: 1, ...at(150, 3) }, { key: 2, ...at(150, -60) }, { key: 3, ...at(150, -350) }], { cutoffS: 3600, routesFor: new Set() });
      near(got.get(1)!.seconds, s(20 + 150));
      expect(got.get(1)!.meters).toBe(170);
      near(got.get(2)!.seconds, s(20 + 150 + 60));
      expect(got.get(2)!.meters).toBe(230);
      expect(got.has(3)).toBe(false);
      const offIncident = await source.timesTo(at(200, -400), [{ key: 1, ...at(150, 3) }], { cutoffS: 3600, routesFor: new Set() });
      expect(offIncident.size).toBe(0);
      const wider = new NetworkWalkTimeSource(t.db, { access: { toleranceM: 5, maxM: 400 } });
      const far = await wider.timesTo(at(0, -20), [{ key: 3, ...at(150, -350) }], { cutoffS: 3600, routesFor: new Set() });
      near(far.get(3)!.seconds, s(20 + 150 + 350), 2);
    });
  });
}
