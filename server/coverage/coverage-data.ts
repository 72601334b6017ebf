// The inputs of the coverage analysis, loaded into typed arrays: buildings with their access point on the
// network, facilities snapped to the network, community and grid names for the tables.
import type { Queryable } from '../db/db';
import type { FacilityType } from '../../common/domain';
import { WALK_SPEED_MPS } from '../../common/domain';
import type { WalkGraph } from '../walk/walk-graph';
import type { EdgePoint } from '../walk/dijkstra';
import { snapPoints } from '../walk/snap-buildings';

export interface BuildingSet {
  count: number;
  ids: Int32Array;
  codes: string[];
  names: Array<string | null>;
  communityId: Int32Array; // -1 when none
  gridId: Int32Array; // -1 when none
  residents: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
  /** Edge index in the graph, -1 when the building has no access point (never covered). */
  edge: Int32Array;
  fraction: Float64Array;
  /** Seconds from the building to its access point on the edge. */
  accessS: Float64Array;
}

export interface FacilityPoint {
  id: number;
  code: string;
  type: FacilityType;
  name: string;
  lon: number;
  lat: number;
  /** Where it meets the network; null when there is no walkable edge at all. */
  at: EdgePoint | null;
  snapDistanceM: number;
}

export interface AreaNames {
  communities: Map<number, string>;
  grids: Map<number, { code: string; name: string; communityId: number }>;
}

export async function loadBuildings(q: Queryable, g: WalkGraph): Promise<BuildingSet> {
  const res = await q.query<{
    id: number; code: string; name: string | null; community_id: number | null; grid_id: number | null; residents: number;
    lon: number; lat: number; edge_id: number | null; fraction: number | null; distance_m: number | null;
  }>(
    `SELECT b.id, b.code, b.name, b.community_id, b.grid_id, b.residents,
            ST_X(ST_PointOnSurface(b.geom)) AS lon, ST_Y(ST_PointOnSurface(b.geom)) AS lat,
            a.edge_id, a.fraction, a.distance_m
       FROM buildings b LEFT JOIN building_access a ON a.building_id = b.id
      ORDER BY b.id`,
  );
  const n = res.rows.length;
  const set: BuildingSet = {
    count: n,
    ids: new Int32Array(n),
    codes: new Array<string>(n),
    names: new Array<string | null>(n),
    communityId: new Int32Array(n),
    gridId: new Int32Array(n),
    residents: new Float64Array(n),
    lon: new Float64Array(n),
    lat: new Float64Array(n),
    edge: new Int32Array(n),
    fraction: new Float64Array(n),
    accessS: new Float64Array(n),
  };
  res.rows.forEach((r, i) => {
    set.ids[i] = r.id;
    set.codes[i] = r.code;
    set.names[i] = r.name;
    set.communityId[i] = r.community_id ?? -1;
    set.gridId[i] = r.grid_id ?? -1;
    set.residents[i] = Number(r.residents);
    set.lon[i] = Number(r.lon);
    set.lat[i] = Number(r.lat);
    const e = r.edge_id == null ? undefined : g.edgeIndex.get(Number(r.edge_id));
    set.edge[i] = e ?? -1;
    set.fraction[i] = Number(r.fraction ?? 0);
    set.accessS[i] = Number(r.distance_m ?? 0) / WALK_SPEED_MPS;
  });
  return set;
}

export async function loadFacilities(q: Queryable, g: WalkGraph): Promise<FacilityPoint[]> {
  const res = await q.query<{ id: number; code: string; type: FacilityType; name: string; lon: number; lat: number }>(
    'SELECT id, code, type, name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM facilities ORDER BY id',
  );
  const snapped = await snapPoints(q, res.rows.map((r) => ({ lon: Number(r.lon), lat: Number(r.lat) })));
  const byIndex = new Map(snapped.map((s) => [s.index, s]));
  return res.rows.map((r, i) => {
    const s = byIndex.get(i);
    const edge = s ? g.edgeIndex.get(s.edgeId) : undefined;
    return {
      id: r.id,
      code: r.code,
      type: r.type,
      name: r.name,
      lon: Number(r.lon),
      lat: Number(r.lat),
      at: s && edge !== undefined ? { edge, fraction: s.fraction } : null,
      snapDistanceM: s?.distanceM ?? Infinity,
    };
  });
}

export async function loadAreaNames(q: Queryable): Promise<AreaNames> {
  const c = await q.query<{ id: number; name: string }>('SELECT id, name FROM communities ORDER BY id');
  const gr = await q.query<{ id: number; code: string; name: string; community_id: number }>(
    'SELECT id, code, name, community_id FROM grids ORDER BY id',
  );
  return {
    communities: new Map(c.rows.map((r) => [r.id, r.name])),
    grids: new Map(gr.rows.map((r) => [r.id, { code: r.code, name: r.name, communityId: r.community_id }])),
  };
}

/**
 * A cheap fingerprint of everything the analysis depends on; when it changes, caches are rebuilt. Split
 * in parts so that a facility edit does not reload the network.
 */
export async function dataFingerprint(q: Queryable): Promise<{ network: string; buildings: string; facilities: string }> {
  const res = await q.query<{ network: string; buildings: string; facilities: string }>(
    `SELECT
       (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(cost_s + reverse_cost_s), 0) FROM walk_edges)
         || '/' || (SELECT count(*) || ':' || coalesce(max(id), 0) FROM walk_nodes) AS network,
       (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(residents), 0) || ':' || coalesce(sum(coalesce(grid_id, 0)), 0) FROM buildings)
         || '/' || (SELECT count(*) || ':' || coalesce(sum(edge_id), 0) || ':' || coalesce(sum(fraction), 0) FROM building_access) AS buildings,
       (SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || coalesce(sum(version), 0) || ':' || coalesce(sum(ST_X(geom) + ST_Y(geom)), 0) FROM facilities) AS facilities`,
  );
  return res.rows[0];
}
