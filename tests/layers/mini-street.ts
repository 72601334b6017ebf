// A tiny hand-made street for the layer tests: two communities, three grids, four buildings, the chain's
// people, one facility, parking, violations, incidents and a few named roads. Independent of the sample
// generator so the expected counts below are known exactly.
import type { Db } from '../../server/db/db';

const sq = (x0: number, y0: number, x1: number, y1: number) =>
  `SRID=4326;MULTIPOLYGON(((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0})))`;
const poly = (x0: number, y0: number, x1: number, y1: number) =>
  `SRID=4326;POLYGON((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0}))`;

export const MINI = {
  communityA: 1,
  communityB: 2,
  gridA1: 1,
  gridA2: 2,
  gridB1: 3,
  /** households/residents/party members of community A's buildings */
  a: { households: 120 + 80 + 60, residents: 300 + 200 + 150, partyMembers: 10 + 5 + 4 },
  leaderName: '王建国',
  secretaryName: '李红梅',
  workerName: '赵小刚',
  headName: '孙丽',
};

export async function loadMiniStreet(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO streets (code, name, name_en, district, city, is_sample, geom)
                    VALUES ('120113001', '果园新村街道', 'Guoyuanxincun', '北辰区', '天津市', true, $1::geometry)`, [sq(117.1, 39.19, 117.18, 39.245)]);
    await tx.query(`INSERT INTO people (id, role, name, phone, party_member, on_duty, position, position_at) VALUES
      (1, 'street_leader', $1, '13800000001', true, false, NULL, NULL),
      (2, 'community_secretary', $2, '13800000002', true, false, NULL, NULL),
      (3, 'grid_worker', $3, '13800000003', true, true, 'SRID=4326;POINT(117.125 39.205)', now()),
      (4, 'building_head', $4, '13800000004', false, false, NULL, NULL)`,
      [MINI.leaderName, MINI.secretaryName, MINI.workerName, MINI.headName]);
    await tx.query(`SELECT setval('people_id_seq', 10)`);
    await tx.query(`INSERT INTO communities (id, street_code, code, name, name_en, leader_id, secretary_id, geom) VALUES
      (1, '120113001', '120113001001', '东升里', 'Dongshengli', 1, 2, $1::geometry),
      (2, '120113001', '120113001002', '朝阳里', 'Chaoyangli', 1, NULL, $2::geometry)`,
      [sq(117.10, 39.19, 117.14, 39.22), sq(117.14, 39.19, 117.18, 39.22)]);
    await tx.query(`INSERT INTO grids (id, community_id, code, name, worker_id, geom) VALUES
      (1, 1, '120113001001001', '东升里第1网格', 3, $1::geometry),
      (2, 1, '120113001001002', '东升里第2网格', NULL, $2::geometry),
      (3, 2, '120113001002001', '朝阳里第1网格', NULL, $3::geometry)`,
      [sq(117.10, 39.19, 117.12, 39.22), sq(117.12, 39.19, 117.14, 39.22), sq(117.14, 39.19, 117.18, 39.22)]);
    await tx.query(`INSERT INTO buildings (id, code, community_id, grid_id, name, floors, households, residents, party_members, head_id, geom) VALUES
      (1, 'B1', 1, 1, '东升里1号楼', 6, 120, 300, 10, 4, $1::geometry),
      (2, 'B2', 1, 1, '东升里2号楼', 6, 80, 200, 5, NULL, $2::geometry),
      (3, 'B3', 1, 2, '东升里3号楼', 18, 60, 150, 4, NULL, $3::geometry),
      (4, 'B4', 2, 3, '朝阳里1号楼', 5, 40, 90, 2, NULL, $4::geometry)`,
      [poly(117.105, 39.195, 117.106, 39.196), poly(117.107, 39.195, 117.108, 39.196),
       poly(117.125, 39.205, 117.126, 39.206), poly(117.15, 39.2, 117.151, 39.201)]);
    for (const table of ['communities', 'grids', 'buildings']) await tx.query(`SELECT setval('${table}_id_seq', 100)`);
    await tx.query(`INSERT INTO care_subjects (building_id, grid_id, group_code, name) VALUES (1, 1, 'elderly_alone', '某某'), (1, 1, 'low_income', '某某某')`);
    await tx.query(`INSERT INTO facilities (code, type, name, community_id, geom) VALUES
      ('F1', 'community_center', '东升里社区党群服务中心', 1, 'SRID=4326;POINT(117.11 39.2)')`);
    await tx.query(`INSERT INTO parking_lots (code, name, community_id, kind, capacity, occupied, geom) VALUES
      ('P1', '东升里停车场', 1, 'public', 100, 70, 'SRID=4326;POINT(117.111 39.201)'),
      ('P2', '候鸟停车场', 1, 'time_shared', 40, 10, 'SRID=4326;POINT(117.112 39.202)')`);
    await tx.query(`INSERT INTO violations (code, kind, status, community_id, grid_id, geom) VALUES
      ('V1', 'illegal_construction', 'found', 1, 1, 'SRID=4326;POINT(117.106 39.197)'),
      ('V2', 'illegal_construction', 'demolished', 1, 1, 'SRID=4326;POINT(117.107 39.197)'),
      ('V3', 'illegal_occupation', 'verified', 1, 2, 'SRID=4326;POINT(117.13 39.21)')`);
    await tx.query(`INSERT INTO basemap_features (kind, name, geom) VALUES
      ('road_major', '果园北道', 'SRID=4326;LINESTRING(117.10 39.21, 117.14 39.21)'),
      ('road_major', '果园北道', 'SRID=4326;LINESTRING(117.14 39.21, 117.18 39.21)'),
      ('road_minor', '城建北路', 'SRID=4326;LINESTRING(117.12 39.19, 117.12 39.22)'),
      ('water', NULL, 'SRID=4326;POLYGON((117.16 39.23,117.17 39.23,117.17 39.24,117.16 39.24,117.16 39.23))'),
      ('green', NULL, 'SRID=4326;POLYGON((117.11 39.23,117.12 39.23,117.12 39.24,117.11 39.24,117.11 39.23))')`);
  });
}

/** Inserts an incident directly (the incident service is another module); returns its id. */
export async function insertIncident(
  db: Db,
  o: { community: number; grid: number | null; lon: number; lat: number; status?: string; reportedAt: Date; closedAt?: Date | null },
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO incidents (code, category, severity, status, title, community_id, grid_id, geom, due_at, reported_at, closed_at)
     VALUES ('I' || nextval('incidents_id_seq'), 'environment', 'small', $1, '测试事件', $2, $3,
             ST_SetSRID(ST_MakePoint($4, $5), 4326), $6::timestamptz + interval '1 day', $6, $7) RETURNING id`,
    [o.status ?? 'reported', o.community, o.grid, o.lon, o.lat, o.reportedAt, o.closedAt ?? null],
  );
  return Number(rows[0].id);
}
