// The inputs of the coverage analysis, loaded into typed arrays: buildings with their access point on the
// network, facilities snapped to the network, community and grid names for the tables.
import type { Queryable } from '../db/db';
import type { FacilityType } from '../../common/domain';
import type { FacilityAccess, PointAccess } from '../../common/coverage';
import type { WalkGraph } from '../walk/walk-graph';
import type { EdgePoint, SourcePoint } from '../walk/dijkstra';
import { snapPoints } from '../walk/snap-buildings';
import { DEFAULT_ACCESS_RULE, networkAccess, type AccessRule, type NetworkAccess } from '../walk/network-access';

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
  /**
   * Edge index in the graph, -1 when the building has no usable access point (never covered): no snap at
   * all, or farther than the access limit (network-access.ts).
   */
  edge: Int32Array;
  fraction: Float64Array;
  /** Seconds from the building to its access point on the edge (0 within the tolerance). */
  accessS: Float64Array;
  /** Straight-line metres to the snap point; NaN when the building was never snapped. */
  accessM: Float64Array;
  /** 1 when the building is unreachable by the network (beyond the limit or not snapped): reported, never covered. */
  unreachable: Uint8Array;
}

export interface FacilityPoint {
  id: number;
  code: string;
  type: FacilityType;
  name: string;
  lon: number;
  lat: number;
  /** Where it meets the network; null when it is unreachable by the network (no edge, or beyond the limit). */
  at: EdgePoint | null;
  /** The access rule's verdict: its time offset is added to every walk through this facility. */
  access: NetworkAccess;
  /** The snap point itself (for drawing the access walk); null when no edge was found. */
  snap: { lon: number; lat: number } | null;
}

/** The facility as a search source: its snap point with its access walk as the seed's offset (null when unreachable). */
export function facilitySource(f: FacilityPoint): SourcePoint | null {
  return f.at ? { edge: f.at.edge, fraction: f.at.fraction, origin: f.id, offsetS: f.access.walkS } : null;
}

export function facilitySources(list: readonly FacilityPoint[]): SourcePoint[] {
  return list.flatMap((f) => {
    const s = facilitySource(f);
    return s ? [s] : [];
  });
}

export function pointAccessOf(f: Pick<FacilityPoint, 'access' | 'snap'>): PointAccess {
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    status: f.access.status,
    snapDistanceM: f.access.distanceM === null ? null : round(f.access.distanceM),
    accessWalkS: Number.isFinite(f.access.walkS) ? round(f.access.walkS) : null,
    snapLon: f.snap?.lon ?? null,
    snapLat: f.snap?.lat ?? null,
  };
}

export function facilityAccessOf(f: FacilityPoint): FacilityAccess {
  return { id: f.id, code: f.code, name: f.name, lon: f.lon, lat: f.lat, ...pointAccessOf(f) };
}

export interface AreaNames {
  communities: Map<number, string>;
  grids: Map<number, { code: string; name: string; communityId: number }>;
}

export async function loadBuildings(q: Queryable, g: WalkGraph, rule: AccessRule = DEFAULT_ACCESS_RULE): Promise<BuildingSet> {
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
    accessM: new Float64Array(n),
    unreachable: new Uint8Array(n),
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
    const access = networkAccess(e === undefined || r.distance_m == null ? null : Number(r.distance_m), rule);
    set.accessM[i] = access.distanceM ?? NaN;
    if (access.status === 'unreachable') {
      set.unreachable[i] = 1;
      set.edge[i] = -1;
    } else {
      set.edge[i] = e!;
      set.fraction[i] = Number(r.fraction ?? 0);
      set.accessS[i] = access.walkS;
    }
  });
  return set;
}

export async function loadFacilities(q: Queryable, g: WalkGraph, rule: AccessRule = DEFAULT_ACCESS_RULE): Promise<FacilityPoint[]> {
  const res = await q.query<{ id: number; code: string; type: FacilityType; name: string; lon: number; lat: number }>(
    'SELECT id, code, type, name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM facilities ORDER BY id',
  );
  const snapped = await snapPoints(q, res.rows.map((r) => ({ lon: Number(r.lon), lat: Number(r.lat) })));
  const byIndex = new Map(snapped.map((s) => [s.index, s]));
  return res.rows.map((r, i) => {
    const s = byIndex.get(i);
    const edge = s ? g.edgeIndex.get(s.edgeId) : undefined;
    const found = s && edge !== undefined ? s : null;
    const access = networkAccess(found?.distanceM ?? null, rule);
    return {
      id: r.id,
      code: r.code,
      type: r.type,
      name: r.name,
      lon: Number(r.lon),
      lat: Number(r.lat),
      at: found && access.status !== 'unreachable' ? { edge: edge!, fraction: found.fraction } : null,
      access,
      snap: found ? { lon: found.lon, lat: found.lat } : null,
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
