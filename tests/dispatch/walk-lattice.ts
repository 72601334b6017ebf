// A walking network for dispatch tests: a street lattice every 0.005° over the fixture street, with a "river"
// between lat 39.210 and 39.215 that can only be crossed east of lon 117.135 — so the nearest person as the
// crow flies is not the nearest on foot.
import { WALK_SPEED_MPS } from '../../common/domain';
import type { Queryable } from '../../server/db/db';

export const STEP = 0.005;
const LONS = Array.from({ length: 17 }, (_, i) => +(117.1 + i * STEP).toFixed(3));
const LATS = Array.from({ length: 12 }, (_, j) => +(39.19 + j * STEP).toFixed(3));

export function riverBlocks(lon: number, latA: number, latB: number): boolean {
  return Math.min(latA, latB) === 39.21 && Math.max(latA, latB) === 39.215 && lon < 117.135;
}

export async function loadWalkLattice(q: Queryable): Promise<void> {
  const ids: number[] = [], lons: number[] = [], lats: number[] = [];
  const id = (i: number, j: number) => 1000 + j * LONS.length + i;
  LATS.forEach((lat, j) => LONS.forEach((lon, i) => {
    ids.push(id(i, j)); lons.push(lon); lats.push(lat);
  }));
  await q.query(
    `INSERT INTO walk_nodes (id, geom) SELECT id, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS n(id, lon, lat)`,
    [ids, lons, lats],
  );
  const src: number[] = [], tgt: number[] = [];
  LATS.forEach((lat, j) => LONS.forEach((lon, i) => {
    if (i + 1 < LONS.length) { src.push(id(i, j)); tgt.push(id(i + 1, j)); }
    if (j + 1 < LATS.length && !riverBlocks(lon, lat, LATS[j + 1])) { src.push(id(i, j)); tgt.push(id(i, j + 1)); }
  }));
  await q.query(
    `INSERT INTO walk_edges (source, target, kind, length_m, cost_s, reverse_cost_s, geom)
     SELECT e.s, e.t, 'street', ST_Length(ST_MakeLine(a.geom, b.geom)::geography),
            ST_Length(ST_MakeLine(a.geom, b.geom)::geography) / $3, ST_Length(ST_MakeLine(a.geom, b.geom)::geography) / $3,
            ST_MakeLine(a.geom, b.geom)
       FROM unnest($1::bigint[], $2::bigint[]) AS e(s, t)
       JOIN walk_nodes a ON a.id = e.s JOIN walk_nodes b ON b.id = e.t`,
    [src, tgt, WALK_SPEED_MPS],
  );
}
