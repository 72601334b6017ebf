// Where buildings and points meet the walking network: the nearest point on the nearest walkable EDGE
// (not node), found with the GiST index. `<->` on SRID 4326 measures degrees, which stretch east–west with
// latitude, so the index proposes a few candidates and the geodesic distance picks the nearest.
import type { Queryable } from '../db/db';

/** Edges walkable in at least one direction. */
const WALKABLE = '(e.cost_s >= 0 OR e.reverse_cost_s >= 0)';
const CANDIDATES = 6;

/** Buildings snapped per statement when all are: a city's million buildings in one statement outran the
 * 60 s statement timeout (a 203 MB PBF of 2.9M buildings, bench/import-memory.ts). 20k took about 16 s on
 * that file, whose 125 copies of Monaco overlap (125× the edges near each building); disjoint data is faster. */
const SNAP_CHUNK = 20_000;

const SNAP_SQL = (where: string) => `INSERT INTO building_access (building_id, edge_id, fraction, distance_m, geom)
     SELECT b.id, best.id, ST_LineLocatePoint(best.geom, c.pt), best.dist, ST_ClosestPoint(best.geom, c.pt)
       FROM buildings b
       CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS pt) c
       CROSS JOIN LATERAL (
         SELECT k.id, k.geom, ST_Distance(k.geom::geography, c.pt::geography) AS dist
           FROM (SELECT e.id, e.geom FROM walk_edges e WHERE ${WALKABLE}
                  ORDER BY e.geom <-> c.pt LIMIT ${CANDIDATES}) k
          ORDER BY dist, k.id LIMIT 1) best
      ${where}
     ON CONFLICT (building_id) DO UPDATE
       SET edge_id = EXCLUDED.edge_id, fraction = EXCLUDED.fraction, distance_m = EXCLUDED.distance_m, geom = EXCLUDED.geom`;

/**
 * Fills building_access for every building (or only `buildingIds`) from the current walk_edges: call it
 * after an import or a network change. Returns the number of buildings snapped. All buildings go in chunks
 * of consecutive ids, each its own statement (inside the caller's transaction, if any).
 */
export async function snapBuildingsToNetwork(q: Queryable, opts: { buildingIds?: readonly number[]; chunk?: number } = {}): Promise<number> {
  if (opts.buildingIds) return (await q.query(SNAP_SQL('WHERE b.id = ANY($1::int[])'), [opts.buildingIds])).rowCount;
  await q.query('DELETE FROM building_access');
  let snapped = 0;
  for (let after = 0; ; ) {
    // the upper id of the next chunk, by the primary key index
    const upper = await q.query<{ id: number | null }>(
      'SELECT max(id) AS id FROM (SELECT id FROM buildings WHERE id > $1 ORDER BY id LIMIT $2) s', [after, opts.chunk ?? SNAP_CHUNK],
    );
    const to = upper.rows[0]?.id;
    if (to == null) return snapped;
    snapped += (await q.query(SNAP_SQL('WHERE b.id > $1 AND b.id <= $2'), [after, to])).rowCount;
    after = to;
  }
}

export interface SnappedPoint {
  /** Position of the input point in the input list. */
  index: number;
  edgeId: number;
  fraction: number;
  distanceM: number;
  lon: number;
  lat: number;
}

/** Snaps arbitrary points (facilities, an incident, a what-if site) to the nearest walkable edge. */
export async function snapPoints(q: Queryable, points: ReadonlyArray<{ lon: number; lat: number }>): Promise<SnappedPoint[]> {
  if (points.length === 0) return [];
  const res = await q.query<{ idx: number; edge_id: number; fraction: number; dist: number; lon: number; lat: number }>(
    `WITH p AS (
       SELECT i::int AS idx, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS pt
         FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(lon, lat, i))
     SELECT p.idx, best.id AS edge_id, ST_LineLocatePoint(best.geom, p.pt) AS fraction, best.dist,
            ST_X(ST_ClosestPoint(best.geom, p.pt)) AS lon, ST_Y(ST_ClosestPoint(best.geom, p.pt)) AS lat
       FROM p
       CROSS JOIN LATERAL (
         SELECT k.id, k.geom, ST_Distance(k.geom::geography, p.pt::geography) AS dist
           FROM (SELECT e.id, e.geom FROM walk_edges e WHERE ${WALKABLE}
                  ORDER BY e.geom <-> p.pt LIMIT ${CANDIDATES}) k
          ORDER BY dist, k.id LIMIT 1) best
      ORDER BY p.idx`,
    [points.map((p) => p.lon), points.map((p) => p.lat)],
  );
  return res.rows.map((r) => ({
    index: Number(r.idx) - 1,
    edgeId: Number(r.edge_id),
    fraction: Math.min(1, Math.max(0, Number(r.fraction))),
    distanceM: Number(r.dist),
    lon: Number(r.lon),
    lat: Number(r.lat),
  }));
}
