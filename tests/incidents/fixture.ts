// A small street for incident tests, on top of the migrated "empty" template: two communities side by side,
// each split into two grids, one grid worker per grid (all on duty but the one of grid B2), a volunteer, a
// street leader. Coordinates are inside the sample street's bounding box (PRODUCT.md §2).
import type { Queryable } from '../../server/db/db';

export interface Fixture {
  communityA: number;
  communityB: number;
  gridA1: number;
  gridA2: number;
  gridB1: number;
  gridB2: number;
  workerA1: number;
  workerA2: number;
  workerB1: number;
  /** Off duty. */
  workerB2: number;
  volunteer: number;
  leader: number;
  /** Not assignable: a building head. */
  buildingHead: number;
}

/** A point inside grid A1 (community A). */
export const IN_A1 = { lon: 117.12, lat: 39.2 } as const;
export const IN_B1 = { lon: 117.16, lat: 39.2 } as const;
/** Inside the bounding box of nothing: far outside the street. */
export const OUTSIDE = { lon: 116.4, lat: 39.9 } as const;

const box = (x0: number, y0: number, x1: number, y1: number) =>
  `SRID=4326;MULTIPOLYGON(((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0})))`;

async function one(q: Queryable, sql: string, params: unknown[]): Promise<number> {
  const r = await q.query<{ id: number }>(sql, params);
  return r.rows[0].id;
}

export async function loadFixture(q: Queryable): Promise<Fixture> {
  await q.query(
    `INSERT INTO streets (code, name, name_en, district, city, geom) VALUES ('120113001', '果园新村街道', 'Guoyuanxincun', '北辰区', '天津市', ST_GeomFromEWKT($1))`,
    [box(117.1, 39.19, 117.18, 39.245)],
  );
  const community = (code: string, name: string, g: string) =>
    one(q, `INSERT INTO communities (street_code, code, name, name_en, geom) VALUES ('120113001', $1, $2, $2, ST_GeomFromEWKT($3)) RETURNING id`, [code, name, g]);
  const communityA = await community('120113001001', '东升里', box(117.1, 39.19, 117.14, 39.245));
  const communityB = await community('120113001002', '朝阳里', box(117.14, 39.19, 117.18, 39.245));
  const grid = (c: number, code: string, g: string) =>
    one(q, `INSERT INTO grids (community_id, code, name, geom) VALUES ($1, $2, $2, ST_GeomFromEWKT($3)) RETURNING id`, [c, code, g]);
  const gridA1 = await grid(communityA, '120113001001001', box(117.1, 39.19, 117.14, 39.2175));
  const gridA2 = await grid(communityA, '120113001001002', box(117.1, 39.2175, 117.14, 39.245));
  const gridB1 = await grid(communityB, '120113001002001', box(117.14, 39.19, 117.18, 39.2175));
  const gridB2 = await grid(communityB, '120113001002002', box(117.14, 39.2175, 117.18, 39.245));
  const person = (role: string, name: string, gridId: number | null, onDuty: boolean, lon: number | null, lat: number | null) =>
    one(
      q,
      `INSERT INTO people (role, name, phone, grid_id, on_duty, position, position_at)
       VALUES ($1, $2, '13812345678', $3, $4, CASE WHEN $5::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($5, $6), 4326) END, now())
       RETURNING id`,
      [role, name, gridId, onDuty, lon, lat],
    );
  const workerA1 = await person('grid_worker', '王网格', gridA1, true, 117.125, 39.201);
  const workerA2 = await person('grid_worker', '李网格', gridA2, true, 117.12, 39.23);
  const workerB1 = await person('grid_worker', '赵网格', gridB1, true, 117.16, 39.2);
  const workerB2 = await person('grid_worker', '钱网格', gridB2, false, 117.16, 39.23);
  const volunteer = await person('volunteer', '孙志愿', null, true, 117.121, 39.2005);
  const leader = await person('street_leader', '周领导', null, false, null, null);
  const buildingHead = await person('building_head', '吴楼长', gridA1, true, 117.12, 39.2);
  for (const [g, w] of [[gridA1, workerA1], [gridA2, workerA2], [gridB1, workerB1], [gridB2, workerB2]]) {
    await q.query('UPDATE grids SET worker_id = $2 WHERE id = $1', [g, w]);
  }
  await q.query('UPDATE communities SET leader_id = $1', [leader]);
  return { communityA, communityB, gridA1, gridA2, gridB1, gridB2, workerA1, workerA2, workerB1, workerB2, volunteer, leader, buildingHead };
}
