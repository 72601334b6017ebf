// A hand-made walking network in local metres around the sample street's centre, written through SQL so
// the engine is tested on a real database: a 5×5 street grid (100 m blocks), a one-way footway, and a
// pocket across a "river" that no edge connects to the grid.
import type { Db } from '../../server/db/db';
import { WALK_SPEED_MPS } from '../../common/domain';

export const LON0 = 117.14;
export const LAT0 = 39.22;
const M_LAT = 111_320;
const M_LON = 111_320 * Math.cos((LAT0 * Math.PI) / 180);

export function lonLat(x: number, y: number): [number, number] {
  return [LON0 + x / M_LON, LAT0 + y / M_LAT];
}

export interface FixtureEdge { id: number; a: number; b: number; oneway?: boolean }

export async function insertNetwork(db: Db, nodes: Array<{ id: number; x: number; y: number }>, edges: FixtureEdge[]): Promise<void> {
  for (const n of nodes) {
    const [lon, lat] = lonLat(n.x, n.y);
    await db.query('INSERT INTO walk_nodes (id, geom) VALUES ($1, ST_SetSRID(ST_MakePoint($2, $3), 4326))', [n.id, lon, lat]);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const e of edges) {
    const a = byId.get(e.a)!, b = byId.get(e.b)!;
    const [lon1, lat1] = lonLat(a.x, a.y);
    const [lon2, lat2] = lonLat(b.x, b.y);
    const len = Math.hypot(a.x - b.x, a.y - b.y);
    const cost = len / WALK_SPEED_MPS;
    await db.query(
      `INSERT INTO walk_edges (id, source, target, kind, length_m, cost_s, reverse_cost_s, geom)
       VALUES ($1, $2, $3, 'street', $4, $5, $6, ST_SetSRID(ST_MakeLine(ST_MakePoint($7, $8), ST_MakePoint($9, $10)), 4326))`,
      [e.id, e.a, e.b, len, cost, e.oneway ? -1 : cost, lon1, lat1, lon2, lat2],
    );
  }
}

/** A 10 m square building centred at (x, y). */
export async function insertBuilding(db: Db, code: string, x: number, y: number, residents: number, gridId: number | null = null): Promise<number> {
  const ring = [[-5, -5], [5, -5], [5, 5], [-5, 5], [-5, -5]].map(([dx, dy]) => lonLat(x + dx, y + dy));
  const wkt = `POLYGON((${ring.map(([lo, la]) => `${lo} ${la}`).join(',')}))`;
  const res = await db.query<{ id: number }>(
    `INSERT INTO buildings (code, residents, households, grid_id, geom) VALUES ($1, $2, $3, $4, ST_GeomFromText($5, 4326)) RETURNING id`,
    [code, residents, Math.ceil(residents / 2), gridId, wkt],
  );
  return res.rows[0].id;
}

export async function insertFacility(db: Db, code: string, type: string, x: number, y: number): Promise<number> {
  const [lon, lat] = lonLat(x, y);
  const res = await db.query<{ id: number }>(
    `INSERT INTO facilities (code, type, name, geom) VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326)) RETURNING id`,
    [code, type, code, lon, lat],
  );
  return res.rows[0].id;
}

/** Grid nodes 1..25 at (100·i, 100·j); pocket nodes 101..103 east of x = 600 (unconnected). */
export async function insertGridWithPocket(db: Db): Promise<void> {
  const nodes: Array<{ id: number; x: number; y: number }> = [];
  const edges: FixtureEdge[] = [];
  const nid = (i: number, j: number) => 1 + i + 5 * j;
  for (let j = 0; j < 5; j++) for (let i = 0; i < 5; i++) nodes.push({ id: nid(i, j), x: 100 * i, y: 100 * j });
  let eid = 1;
  for (let j = 0; j < 5; j++) {
    for (let i = 0; i < 5; i++) {
      if (i < 4) edges.push({ id: eid++, a: nid(i, j), b: nid(i + 1, j) });
      if (j < 4) edges.push({ id: eid++, a: nid(i, j), b: nid(i, j + 1) });
    }
  }
  nodes.push({ id: 101, x: 650, y: 0 }, { id: 102, x: 750, y: 0 }, { id: 103, x: 750, y: 100 });
  edges.push({ id: 201, a: 101, b: 102 }, { id: 202, a: 102, b: 103 });
  await insertNetwork(db, nodes, edges);
}
