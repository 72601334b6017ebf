// Rings built from reachable edges (nothing unreachable inside), and the what-if service, on a real database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { snapBuildingsToNetwork } from '../../server/walk/snap-buildings';
import { CoverageEngine } from '../../server/coverage/coverage-engine';
import { reachablePieces } from '../../server/coverage/isochrones';
import { isochronesView, uncoveredView } from '../../server/coverage/coverage-views';
import { evaluateWhatIf } from '../../server/coverage/what-if';
import { WALK_SPEED_MPS } from '../../common/domain';
import { insertBuilding, insertFacility, insertGridWithPocket, insertNetwork, lonLat } from './network-fixture';

for (const backend of backends()) {
  describe(`isochrones and what-if (${backend})`, () => {
    let t: TestDb;
    let ids: Record<string, number>;
    beforeEach(async () => {
      t = await freshDb(backend, 'empty');
      await insertGridWithPocket(t.db);
      // A short street nobody can walk to, 30 m east of the grid's east edge: its building is 36 m from a
      // reachable street, so a 40 m buffer would swallow it if rings were drawn naively.
      await insertNetwork(t.db, [{ id: 111, x: 430, y: 250 }, { id: 112, x: 490, y: 250 }], [{ id: 211, a: 111, b: 112 }]);
      ids = {
        f1: await insertFacility(t.db, 'F1', 'clinic', 0, 0),
        near: await insertBuilding(t.db, 'NEAR', 50, 10, 100),
        far: await insertBuilding(t.db, 'FAR', 395, 410, 200),
        pocket: await insertBuilding(t.db, 'POCKET', 700, 10, 300),
        island: await insertBuilding(t.db, 'ISLAND', 436, 242, 40),
      };
      await snapBuildingsToNetwork(t.db);
    });
    afterEach(async () => t.drop());

    it('cuts reachable edges at the exact fraction where the time runs out', async () => {
      const engine = new CoverageEngine(t.db);
      const { state, coverage } = await engine.typeCoverage('clinic');
      const g = state.graph;
      // 5 minutes = 333.3 m from (0,0): along y = 0 the edge (300,0)-(400,0) is reached up to a third.
      const pieces = reachablePieces(g, coverage.field, 300);
      const edge = g.edgeIndex.get(7)!; // (3,0)-(4,0): horizontal edges of row 0 are ids 1,3,5,7
      const piece = pieces.find((p) => p.edge === edge)!;
      expect(piece.from).toBe(0);
      expect(piece.to).toBeCloseTo((300 * WALK_SPEED_MPS - 300) / 100, 6);
      // Nothing of the pocket or the island street is reachable at any band.
      const unreachable = [201, 202, 211].map((id) => g.edgeIndex.get(id)!);
      expect(reachablePieces(g, coverage.field, 900).filter((p) => unreachable.includes(p.edge))).toEqual([]);
    });

    it('never draws an unreachable building inside a ring, and draws every covered one', async () => {
      const engine = new CoverageEngine(t.db);
      const rings = await isochronesView(t.db, engine, 'clinic', 'polygons', 'band');
      expect(rings.features.map((f) => f.properties.minutes)).toEqual([15, 10, 5]);
      const { state, coverage } = await engine.typeCoverage('clinic');
      for (const ring of rings.features) {
        const limit = Number(ring.properties.minutes) * 60;
        const res = await t.db.query<{ id: number; inside: boolean; access_inside: boolean; overlap: number }>(
          `SELECT b.id, ST_Within(ST_PointOnSurface(b.geom), r.g) AS inside, ST_Intersects(r.g, a.geom) AS access_inside,
                  ST_Area(ST_Intersection(r.g, b.geom)) * 111320 * 111320 * cos(radians(39.22)) AS overlap
             FROM buildings b JOIN building_access a ON a.building_id = b.id, (SELECT ST_GeomFromGeoJSON($1) AS g) r`,
          [JSON.stringify(ring.geometry)],
        );
        for (const row of res.rows) {
          const covered = coverage.buildingTimeS[state.buildings.ids.indexOf(row.id)] <= limit;
          if (!covered) {
            expect(row.inside, `building ${row.id} at ${limit / 60} min`).toBe(false);
            expect(row.overlap).toBeLessThan(0.5); // m²: at most a sliver along the cut
          } else {
            expect(row.access_inside, `covered building ${row.id} at ${limit / 60} min`).toBe(true);
          }
        }
      }
      // The island building would be inside a naive 40 m buffer of the x = 400 street.
      const [lon, lat] = lonLat(436, 242);
      const naive = await t.db.query<{ d: number }>(
        `SELECT min(ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, e.geom::geography)) AS d FROM walk_edges e WHERE e.id <= 40`,
        [lon, lat],
      );
      expect(naive.rows[0].d).toBeLessThan(40);
    });

    it('lists uncovered buildings as GeoJSON with their walking time (null when unreachable)', async () => {
      const engine = new CoverageEngine(t.db);
      const fc = await uncoveredView(t.db, engine, 'clinic', 10);
      const byCode = new Map(fc.features.map((f) => [f.properties.code, f.properties]));
      expect([...byCode.keys()].sort()).toEqual(['FAR', 'ISLAND', 'POCKET']);
      expect(byCode.get('POCKET')!.walkSeconds).toBeNull();
      expect(byCode.get('FAR')!.walkSeconds).toBeCloseTo(805 / WALK_SPEED_MPS, -1);
    });

    it('what-if: adding a site is incremental and gains residents; removing one loses them', async () => {
      const engine = new CoverageEngine(t.db);
      const [lon, lat] = lonLat(400, 400);
      const add = await evaluateWhatIf(t.db, engine, [{ op: 'add', type: 'clinic', lon, lat }]);
      expect(add.types).toHaveLength(1);
      expect(add.types[0].mode).toBe('incremental');
      const band5 = add.types[0].bands.find((b) => b.minutes === 5)!;
      expect(band5.residentsGained).toBe(200);
      expect(band5.scenario.residentsCovered).toBe(300);
      expect(add.types[0].rings?.map((r) => r.minutes)).toEqual([5, 10, 15]);
      // The cached base is untouched by a what-if.
      const { state, coverage } = await engine.typeCoverage('clinic');
      expect(coverage.buildingTimeS[state.buildings.ids.indexOf(ids.far)]).toBeGreaterThan(600);

      const remove = await evaluateWhatIf(t.db, engine, [{ op: 'remove', facilityId: ids.f1 }]);
      expect(remove.types[0].mode).toBe('recompute');
      expect(remove.types[0].bands.find((b) => b.minutes === 15)!.residentsLost).toBe(300);

      const [mlon, mlat] = lonLat(390, 400);
      const move = await evaluateWhatIf(t.db, engine, [{ op: 'move', facilityId: ids.f1, lon: mlon, lat: mlat }], { rings: false });
      const m5 = move.types[0].bands.find((b) => b.minutes === 5)!;
      expect(m5.residentsGained).toBe(200);
      expect(m5.residentsLost).toBe(100);
      expect(move.types[0].rings).toBeUndefined();
    });

    it('what-if refuses unknown facilities, and keeps a site far from any path as unreachable (it covers nobody)', async () => {
      const engine = new CoverageEngine(t.db);
      await expect(evaluateWhatIf(t.db, engine, [{ op: 'remove', facilityId: 999 }])).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const [lon, lat] = lonLat(5000, 5000);
      const far = await evaluateWhatIf(t.db, engine, [{ op: 'add', type: 'school', lon, lat }]);
      // No walkable edge within the search radius: unreachable, with no distance to give.
      expect(far.types[0].facilities).toEqual([expect.objectContaining({ virtual: true, status: 'unreachable', snapDistanceM: null, accessWalkS: null })]);
      expect(far.types[0].bands.every((b) => b.scenario.residentsCovered === 0)).toBe(true);
    });
  });
}
