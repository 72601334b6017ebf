// Minimal spatial rows for realtime tests that need grids (worker rooms) or live resources, inserted
// directly so these tests do not depend on the sample generator.
import type { Db } from '../../server/db/db';

const SQUARE = (x: number, y: number, d: number) =>
  `SRID=4326;MULTIPOLYGON(((${x} ${y},${x + d} ${y},${x + d} ${y + d},${x} ${y + d},${x} ${y})))`;

/** A street, one community and `n` grids; returns the grid ids. */
export async function ensureGrids(db: Db, n: number): Promise<number[]> {
  const existing = (await db.query<{ id: number }>('SELECT id FROM grids ORDER BY id LIMIT $1', [n])).rows.map((r) => r.id);
  if (existing.length >= n) return existing;
  await db.query(
    `INSERT INTO streets (code, name, name_en, district, city, geom) VALUES ('120113001', '果园新村街道', 'Test street', '北辰区', '天津市', $1::geometry)
     ON CONFLICT (code) DO NOTHING`,
    [SQUARE(117.1, 39.19, 0.08)],
  );
  const c = await db.query<{ id: number }>(
    `INSERT INTO communities (street_code, code, name, name_en, geom) VALUES ('120113001', $1, '测试社区', 'Test community', $2::geometry) RETURNING id`,
    [`120113${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`, SQUARE(117.1, 39.19, 0.04)],
  );
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const g = await db.query<{ id: number }>(
      `INSERT INTO grids (community_id, code, name, geom) VALUES ($1, $2, $3, $4::geometry) RETURNING id`,
      [c.rows[0].id, `${String(Date.now()).slice(-12)}${String(i).padStart(3, '0')}`, `测试网格 ${i + 1}`, SQUARE(117.1 + i * 0.01, 39.19, 0.01)],
    );
    ids.push(g.rows[0].id);
  }
  return ids;
}

/** A parking lot and a violation point in the first community; returns their ids. */
export async function insertLiveResources(db: Db, gridId: number): Promise<{ lotId: number; violationId: number }> {
  const community = (await db.query<{ community_id: number }>('SELECT community_id FROM grids WHERE id = $1', [gridId])).rows[0].community_id;
  const lot = await db.query<{ id: number }>(
    `INSERT INTO parking_lots (code, name, community_id, kind, capacity, occupied, geom)
     VALUES ($1, '测试停车场', $2, 'time_shared', 40, 10, 'SRID=4326;POINT(117.105 39.195)'::geometry) RETURNING id`,
    [`P-${Math.floor(Math.random() * 1e9)}`, community],
  );
  const v = await db.query<{ id: number }>(
    `INSERT INTO violations (code, kind, community_id, grid_id, geom)
     VALUES ($1, 'illegal_construction', $2, $3, 'SRID=4326;POINT(117.104 39.194)'::geometry) RETURNING id`,
    [`V-${Math.floor(Math.random() * 1e9)}`, community, gridId],
  );
  return { lotId: lot.rows[0].id, violationId: v.rows[0].id };
}
