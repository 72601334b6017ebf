// Tiled copies of the sample street (the ×50 / ×250 option, exercised at ×3): totals multiply, codes stay
// unique, copies do not overlap, and the walking network is still one component across copies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREET } from '../../common/domain';
import { generateSample } from '../../server/sample/load-sample';
import type { SampleTotals } from '../../server/sample/load-sample';
import { backends, freshDb } from '../helpers/test-db';
import type { TestDb } from '../helpers/test-db';
import { one, orphanReferences, reachableNodes } from './sample-checks';

describe.each(backends())('sample at scale ×3 on %s', (backend) => {
  let t: TestDb;
  let single: TestDb;
  let totals: SampleTotals;
  beforeAll(async () => {
    t = await freshDb(backend, 'empty');
    totals = await generateSample(t.db, { scale: 3, incidentsPerYear: 3000 });
    single = await freshDb(backend, 'sample');
  });
  afterAll(async () => {
    await t?.drop();
    await single?.drop();
  });

  it('multiplies every total by the scale', async () => {
    const sums = await one<{ hh: number; res: number; pm: number; branches: number; members: number; chain: number }>(
      t.db,
      `SELECT (SELECT sum(households) FROM buildings)::int AS hh, (SELECT sum(residents) FROM buildings)::int AS res,
              (SELECT sum(party_members) FROM buildings)::int AS pm, (SELECT count(*) FROM party_branches)::int AS branches,
              (SELECT sum(members) FROM party_branches)::int AS members,
              (SELECT count(*) FROM people WHERE role IN ('grid_worker', 'building_head'))::int AS chain`,
    );
    expect(sums).toEqual({
      hh: 3 * STREET.households, res: 3 * STREET.residents, pm: 3 * STREET.partyMembers,
      branches: 3 * STREET.partyBranches, members: 3 * STREET.partyMembers, chain: 3 * STREET.gridWorkersAndBuildingHeads,
    });
    for (const table of ['communities', 'grids', 'buildings', 'walk_nodes', 'building_access', 'facilities', 'people']) {
      const [many, once] = await Promise.all([
        one<{ n: number }>(t.db, `SELECT count(*)::int AS n FROM ${table}`),
        one<{ n: number }>(single.db, `SELECT count(*)::int AS n FROM ${table}`),
      ]);
      expect(many.n, table).toBe(3 * once.n);
    }
    expect(totals.buildings).toBe(3 * (await one<{ n: number }>(single.db, 'SELECT count(*)::int AS n FROM buildings')).n);
    const inc = await one<{ n: number }>(t.db, 'SELECT count(*)::int AS n FROM incidents');
    expect(inc.n).toBe(Math.round((3000 * 42) / 365));
  });

  it('keeps codes unique and copies apart', async () => {
    const codes = await one<{ streets: number; c: number; cd: number; g: number; gd: number; b: number; bd: number; bad: number }>(
      t.db,
      `SELECT (SELECT count(DISTINCT code) FROM streets)::int AS streets,
              (SELECT count(*) FROM communities)::int AS c, (SELECT count(DISTINCT code) FROM communities)::int AS cd,
              (SELECT count(*) FROM grids)::int AS g, (SELECT count(DISTINCT code) FROM grids)::int AS gd,
              (SELECT count(*) FROM buildings)::int AS b, (SELECT count(DISTINCT code) FROM buildings)::int AS bd,
              (SELECT count(*) FROM grids g JOIN communities c ON c.id = g.community_id WHERE g.code !~ ('^' || c.code || '[0-9]{3}$'))::int AS bad`,
    );
    expect(codes.streets).toBe(3);
    expect(codes.cd).toBe(codes.c);
    expect(codes.gd).toBe(codes.g);
    expect(codes.bd).toBe(codes.b);
    expect(codes.bad).toBe(0);
    const overlap = await one<{ n: number }>(t.db, 'SELECT count(*)::int AS n FROM streets a JOIN streets b ON a.code < b.code AND ST_Intersects(a.geom, b.geom)');
    expect(overlap.n).toBe(0);
    const misplaced = await one<{ n: number }>(
      t.db,
      `SELECT count(*)::int AS n FROM buildings b JOIN grids g ON g.id = b.grid_id WHERE NOT ST_CoveredBy(b.geom, g.geom)`,
    );
    expect(misplaced.n).toBe(0);
  });

  it('leaves no dangling reference although per-row FK checks were skipped for the copies', async () => {
    const orphans = await orphanReferences(t.db);
    expect(Object.keys(orphans).length).toBeGreaterThan(20);
    expect(Object.entries(orphans).filter(([, n]) => n > 0)).toEqual([]);
  });

  it('joins the copies into one walking network', async () => {
    const { reached, nodes } = await reachableNodes(t.db);
    expect(reached).toBe(nodes);
  });
});
