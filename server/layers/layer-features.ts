// SQL behind the map layers. Each function answers one GeoJSON FeatureCollection for a bbox; polygon
// layers are simplified by zoom (ST_SimplifyPreserveTopology keeps rings valid). Same SQL on PGlite and
// PostgreSQL; values are parameters, never spliced.
import type { Queryable } from '../db/db';
import type {
  BuildingCollection,
  CommunityCollection,
  FacilityCollection,
  Feature,
  FeatureCollection,
  GridCollection,
  ParkingCollection,
  ViolationCollection,
  WorkerCollection,
} from '../../common/layers';
import { LAYER_FEATURE_CAP, toleranceForZoom, type LayerQuery } from './layer-query';
import { LAYER_SCOPE, type ScopedLayer } from './layer-scope';
import type { ScopePolicy } from '../auth/scope';

export type Row = Record<string, unknown> & { geometry?: unknown; id: number };

function collection<G, P>(rows: Row[], toProps: (r: Row) => P, cap = LAYER_FEATURE_CAP): FeatureCollection<G, P> {
  const truncated = rows.length > cap;
  const features: Array<Feature<G, P>> = (truncated ? rows.slice(0, cap) : rows).map((r) => ({
    type: 'Feature',
    id: r.id,
    geometry: (typeof r.geometry === 'string' ? JSON.parse(r.geometry) : r.geometry) as G,
    properties: toProps(r),
  }));
  return { type: 'FeatureCollection', features, truncated };
}

const int = (v: unknown): number => (v == null ? 0 : Number(v));
const ENVELOPE = 'ST_MakeEnvelope($1, $2, $3, $4, 4326)';
const bboxParams = (q: LayerQuery) => [...q.bbox];

// --- the layer sources: one SELECT per layer, shared with OGC API - Features (server/ogc) --------------
// Each source answers `id`, the columns its mapper reads and `geom` (the stored geometry), with no WHERE,
// ORDER or LIMIT: callers wrap it as `FROM (<sql>) t` and add their own bbox, filters and paging. The
// mapper is the single list of what leaves the server for the layer (names, codes, register totals; no
// personal data), so the map and desktop GIS clients read the same fields.

export interface LayerSource<P> {
  readonly sql: string;
  /** Columns of the source other than geom, for `SELECT t.<col>` (the raw geometry is not sent). */
  readonly columns: readonly string[];
  readonly toProps: (r: Row) => P;
}

export const COMMUNITY_SOURCE: LayerSource<CommunityCollection['features'][number]['properties']> = {
  sql: `SELECT c.id, c.code, c.name, c.name_en, c.name_is_sample,
               COALESCE(b.households, 0) AS households, COALESCE(b.residents, 0) AS residents,
               COALESCE(b.party_members, 0) AS party_members, COALESCE(b.n, 0) AS buildings,
               (SELECT count(*) FROM grids g WHERE g.community_id = c.id) AS grids,
               ST_X(ST_PointOnSurface(c.geom)) AS label_lon, ST_Y(ST_PointOnSurface(c.geom)) AS label_lat, c.geom
          FROM communities c
          LEFT JOIN (SELECT community_id, sum(households) AS households, sum(residents) AS residents,
                            sum(party_members) AS party_members, count(*) AS n
                       FROM buildings GROUP BY community_id) b ON b.community_id = c.id`,
  columns: ['id', 'code', 'name', 'name_en', 'name_is_sample', 'households', 'residents', 'party_members', 'buildings', 'grids', 'label_lon', 'label_lat'],
  toProps: (r) => ({
    id: r.id,
    code: String(r.code),
    name: String(r.name),
    nameEn: String(r.name_en),
    nameIsSample: Boolean(r.name_is_sample),
    households: int(r.households),
    residents: int(r.residents),
    partyMembers: int(r.party_members),
    grids: int(r.grids),
    buildings: int(r.buildings),
    labelLon: Number(r.label_lon),
    labelLat: Number(r.label_lat),
  }),
};

export const GRID_SOURCE: LayerSource<GridCollection['features'][number]['properties']> = {
  sql: `SELECT g.id, g.code, g.name, g.community_id,
               COALESCE(b.households, 0) AS households, COALESCE(b.residents, 0) AS residents,
               COALESCE(b.party_members, 0) AS party_members, COALESCE(b.n, 0) AS buildings,
               ST_X(ST_PointOnSurface(g.geom)) AS label_lon, ST_Y(ST_PointOnSurface(g.geom)) AS label_lat, g.geom
          FROM grids g
          LEFT JOIN (SELECT grid_id, sum(households) AS households, sum(residents) AS residents,
                            sum(party_members) AS party_members, count(*) AS n
                       FROM buildings GROUP BY grid_id) b ON b.grid_id = g.id`,
  columns: ['id', 'code', 'name', 'community_id', 'households', 'residents', 'party_members', 'buildings', 'label_lon', 'label_lat'],
  toProps: (r) => ({
    id: r.id,
    code: String(r.code),
    name: String(r.name),
    communityId: int(r.community_id),
    households: int(r.households),
    residents: int(r.residents),
    partyMembers: int(r.party_members),
    buildings: int(r.buildings),
    labelLon: Number(r.label_lon),
    labelLat: Number(r.label_lat),
  }),
};

export const BUILDING_SOURCE: LayerSource<BuildingCollection['features'][number]['properties']> = {
  sql: `SELECT id, code, name, use, floors, community_id, grid_id, households, residents, party_members, geom FROM buildings`,
  columns: ['id', 'code', 'name', 'use', 'floors', 'community_id', 'grid_id', 'households', 'residents', 'party_members'],
  toProps: (r) => ({
    id: r.id,
    code: String(r.code),
    name: r.name == null ? null : String(r.name),
    use: String(r.use),
    floors: int(r.floors),
    communityId: r.community_id == null ? null : int(r.community_id),
    gridId: r.grid_id == null ? null : int(r.grid_id),
    households: int(r.households),
    residents: int(r.residents),
    partyMembers: int(r.party_members),
  }),
};

export const FACILITY_SOURCE: LayerSource<FacilityCollection['features'][number]['properties']> = {
  sql: `SELECT id, code, type, name, community_id, geom FROM facilities`,
  columns: ['id', 'code', 'type', 'name', 'community_id'],
  toProps: (r) => ({
    id: r.id,
    code: String(r.code),
    type: r.type as FacilityCollection['features'][number]['properties']['type'],
    name: String(r.name),
    communityId: r.community_id == null ? null : int(r.community_id),
  }),
};

export const PARKING_SOURCE: LayerSource<ParkingCollection['features'][number]['properties']> = {
  sql: `SELECT id, code, name, kind, community_id, capacity, occupied, version, geom FROM parking_lots`,
  columns: ['id', 'code', 'name', 'kind', 'community_id', 'capacity', 'occupied', 'version'],
  toProps: (r) => ({
    id: r.id,
    code: String(r.code),
    name: String(r.name),
    kind: r.kind as ParkingCollection['features'][number]['properties']['kind'],
    communityId: r.community_id == null ? null : int(r.community_id),
    capacity: int(r.capacity),
    occupied: int(r.occupied),
    free: int(r.capacity) - int(r.occupied),
    version: int(r.version),
  }),
};

export const VIOLATION_SOURCE: LayerSource<ViolationCollection['features'][number]['properties']> = {
  // found_at is not a map property; OGC API - Features publishes it as the feature's time (datetime filter)
  sql: `SELECT id, code, kind, status, community_id, grid_id, version, found_at, geom FROM violations`,
  columns: ['id', 'code', 'kind', 'status', 'community_id', 'grid_id', 'version', 'found_at'],
  toProps: (r) => ({
    id: r.id,
    code: String(r.code),
    kind: r.kind as ViolationCollection['features'][number]['properties']['kind'],
    status: r.status as ViolationCollection['features'][number]['properties']['status'],
    communityId: r.community_id == null ? null : int(r.community_id),
    gridId: r.grid_id == null ? null : int(r.grid_id),
    version: int(r.version),
  }),
};

/**
 * The map's query over a source: features whose bounding box meets the bbox and the caller's scope (the
 * layer's rule in layer-scope.ts), id order, capped. Parameters $1..$4 are the bbox; the rest follow.
 */
function sourceQuery(src: LayerSource<unknown>, geometrySql: string, scopeSql: string, limitParam: string): string {
  return `SELECT ${src.columns.map((c) => `t.${c}`).join(', ')}, ${geometrySql} AS geometry
            FROM (${src.sql}) t
           WHERE t.geom && ${ENVELOPE} AND ${scopeSql}
           ORDER BY t.id
           LIMIT ${limitParam}`;
}

async function layer<G, P>(db: Queryable, src: LayerSource<P>, layerName: ScopedLayer, q: LayerQuery, scope: ScopePolicy, simplifyZoom: number | null): Promise<FeatureCollection<G, P>> {
  const params: unknown[] = [...bboxParams(q)];
  const p = (v: unknown) => `$${params.push(v)}`;
  const geometry = simplifyZoom == null ? 'ST_AsGeoJSON(t.geom, 6)' : `ST_AsGeoJSON(ST_SimplifyPreserveTopology(t.geom, ${p(toleranceForZoom(simplifyZoom))}), 6)`;
  const scopeSql = scope.where(LAYER_SCOPE[layerName], p);
  const { rows } = await db.query<Row>(sourceQuery(src, geometry, scopeSql, p(LAYER_FEATURE_CAP + 1)), params);
  return collection(rows, src.toProps);
}

export function communityFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<CommunityCollection> {
  return layer(db, COMMUNITY_SOURCE, 'communities', q, scope, q.zoom);
}

export function gridFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<GridCollection> {
  return layer(db, GRID_SOURCE, 'grids', q, scope, q.zoom);
}

export function buildingFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<BuildingCollection> {
  return layer(db, BUILDING_SOURCE, 'buildings', q, scope, Math.max(q.zoom, 16));
}

export function facilityFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<FacilityCollection> {
  return layer(db, FACILITY_SOURCE, 'facilities', q, scope, null);
}

export function parkingFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<ParkingCollection> {
  return layer(db, PARKING_SOURCE, 'parking_lots', q, scope, null);
}

export function violationFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<ViolationCollection> {
  return layer(db, VIOLATION_SOURCE, 'violations', q, scope, null);
}

/** On-duty grid workers with a known position; anonymous (id and grid only). */
export async function workerFeatures(db: Queryable, q: LayerQuery, scope: ScopePolicy): Promise<WorkerCollection> {
  const scoped = scope.rows('grid_id', 5);
  const { rows } = await db.query<Row>(
    `SELECT id, grid_id, position_at, ST_AsGeoJSON(position, 6) AS geometry FROM people
      WHERE role = 'grid_worker' AND on_duty AND position IS NOT NULL
        AND position && ${ENVELOPE} AND ${scoped.sql}
      ORDER BY id LIMIT $${5 + scoped.params.length}`,
    [...bboxParams(q), ...scoped.params, LAYER_FEATURE_CAP + 1],
  );
  return collection(rows, (r) => ({
    id: r.id,
    gridId: r.grid_id == null ? null : int(r.grid_id),
    at: iso(r.position_at),
  }));
}

function iso(v: unknown): string | null {
  if (v == null) return null;
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}
