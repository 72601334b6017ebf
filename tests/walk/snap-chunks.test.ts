// Snapping every building goes in chunks of consecutive ids (server/walk/snap-buildings.ts: one statement for
// a city's million buildings outran the statement timeout). Chunks of any size give the one-statement answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, freshDb, type TestDb } from '../helpers/test-db';
import { snapBuildingsToNetwork } from '../../server/walk/snap-buildings';

describe.each(backends())('snapping all buildings in chunks on %s', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(backend, 'sample');
  }, 180_000);
  afterAll(async () => {
    await t?.drop();
  });

  const access = async () =>
    (await t.db.query<{ building_id: number; edge_id: number; d: number }>(
      'SELECT building_id, edge_id, round(distance_m::numeric, 3) AS d FROM building_access ORDER BY building_id',
    )).rows;

  it('chunks of 7 and of 100 snap every building to the edge one statement picks', async () => {
    const buildings = (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings')).rows[0].n;
    expect(buildings).toBeGreaterThan(100);
    expect(await snapBuildingsToNetwork(t.db)).toBe(buildings);
    const whole = await access();
    expect(whole).toHaveLength(buildings);
    for (const chunk of [7, 100]) {
      expect(await snapBuildingsToNetwork(t.db, { chunk })).toBe(buildings);
      expect(await access()).toEqual(whole);
    }
  }, 180_000);
});
