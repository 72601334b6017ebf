// Which community and grid a point lies in: point-in-polygon with ST_Covers (boundary points count as
// inside) on the GiST-indexed polygons. A point in no community is outside the street: OUT_OF_JURISDICTION.
import type { LonLat } from '../../common/incidents';
import { AppError } from '../../common/errors';
import type { Queryable } from '../db/db';

export interface Located {
  communityId: number | null;
  gridId: number | null;
}

/**
 * Locates many points in one statement (the batch intake path). Where polygons touch, the lowest id wins so
 * the answer is deterministic. A point inside a grid takes the grid's community, even if the community
 * polygons disagree slightly at the edge (the grid is the finer, authoritative unit).
 */
export async function locatePoints(q: Queryable, points: readonly LonLat[]): Promise<Located[]> {
  if (points.length === 0) return [];
  const res = await q.query<{ ord: number; grid_id: number | null; community_id: number | null }>(
    // COALESCE evaluates the community lookup only for points in no grid.
    `SELECT p.ord, g.id AS grid_id,
            COALESCE(g.community_id, (SELECT c.id FROM communities c WHERE ST_Covers(c.geom, x.pt) ORDER BY c.id LIMIT 1)) AS community_id
       FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, ord)
       CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS pt) AS x
       LEFT JOIN LATERAL (SELECT id, community_id FROM grids WHERE ST_Covers(geom, x.pt) ORDER BY id LIMIT 1) g ON true
      ORDER BY p.ord`,
    [points.map((p) => p.lon), points.map((p) => p.lat)],
  );
  return res.rows.map((r) => ({ communityId: r.community_id, gridId: r.grid_id }));
}

/** Throws OUT_OF_JURISDICTION naming the field when any point is outside every community. */
export function requireInside(located: readonly Located[], points: readonly LonLat[], field: (i: number) => string): void {
  located.forEach((l, i) => {
    if (l.communityId == null) throw outsideJurisdiction(points[i], field(i));
  });
}

/** The OUT_OF_JURISDICTION refusal of a point in no community, naming the field it came from. */
export function outsideJurisdiction(p: LonLat, field: string): AppError {
  return new AppError(
    'OUT_OF_JURISDICTION',
    `the point lon ${p.lon}, lat ${p.lat} is outside every community of this street; check the coordinates (WGS84, lon before lat)`,
    field,
  );
}
