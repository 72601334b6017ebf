// The SQL of OGC API - Features: a page of a collection's features, the number matched, one feature, and the
// spatial and temporal extent of what the caller may see. The same SQL runs on PGlite and PostgreSQL.
import type { Queryable as Db } from '../db/db';
import type { ScopePolicy } from '../auth/scope';
import type { Row } from '../layers/layer-features';
import type { OgcCollection } from './collections';
import { itemsWhere, type ItemsQuery } from './ogc-query';

export interface GeoJsonFeature {
  type: 'Feature';
  id: number;
  geometry: unknown;
  properties: Record<string, unknown>;
}

/** Full precision for a GIS client (7 decimals ≈ 1 cm); the map's layers simplify, these do not. */
const GEOMETRY = 'ST_AsGeoJSON(t.geom, 7) AS geometry';

function toFeature(col: OgcCollection, r: Row): GeoJsonFeature {
  return {
    type: 'Feature',
    id: Number(r.id),
    geometry: typeof r.geometry === 'string' ? JSON.parse(r.geometry) : r.geometry,
    properties: col.toProps(r),
  };
}

const selectList = (col: OgcCollection) => [...col.source.columns.map((c) => `t.${c}`), GEOMETRY].join(', ');

export async function itemsPage(db: Db, col: OgcCollection, q: ItemsQuery, scope: ScopePolicy): Promise<{ features: GeoJsonFeature[]; numberMatched: number }> {
  const where = itemsWhere(col, q, scope);
  const n = where.params.length;
  // Stable order (id) so that offset paging visits every feature once while the data does not change.
  const page = await db.query<Row>(
    `SELECT ${selectList(col)} FROM (${col.source.sql}) t WHERE ${where.sql} ORDER BY t.id LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...where.params, q.limit, q.offset],
  );
  // Filters use only the base table's own columns, so the count skips the source's joins.
  const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${col.table} t WHERE ${where.sql}`, where.params);
  return { features: page.rows.map((r) => toFeature(col, r)), numberMatched: Number(count.rows[0]?.n ?? 0) };
}

/** One feature, or undefined when it does not exist or lies outside the caller's scope (both answer 404). */
export async function oneFeature(db: Db, col: OgcCollection, id: number, scope: ScopePolicy): Promise<GeoJsonFeature | undefined> {
  const where = itemsWhere(col, { filters: [] }, scope);
  const n = where.params.length;
  const res = await db.query<Row>(`SELECT ${selectList(col)} FROM (${col.source.sql}) t WHERE t.id = $${n + 1} AND ${where.sql}`, [...where.params, id]);
  return res.rows[0] ? toFeature(col, res.rows[0]) : undefined;
}

export interface CollectionExtent {
  bbox: [number, number, number, number] | null;
  interval: [string | null, string | null] | null;
}

/** The extent of what `who` may see in the collection (a worker: their grid's part), from the data. */
export async function collectionExtent(db: Db, col: OgcCollection, scope: ScopePolicy): Promise<CollectionExtent> {
  const where = itemsWhere(col, { filters: [] }, scope);
  const time = col.time ? `, min(t.${col.time.column}) AS t0, max(t.${col.time.column}) AS t1` : '';
  const res = await db.query<{ xmin: number | null; ymin: number | null; xmax: number | null; ymax: number | null; t0?: Date | string | null; t1?: Date | string | null }>(
    `SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax${col.time ? ', t0, t1' : ''}
       FROM (SELECT ST_Extent(t.geom)::geometry AS e${time} FROM ${col.table} t WHERE ${where.sql}) x`,
    where.params,
  );
  const r = res.rows[0];
  const bbox: CollectionExtent['bbox'] = r && r.xmin != null && r.ymin != null && r.xmax != null && r.ymax != null ? [Number(r.xmin), Number(r.ymin), Number(r.xmax), Number(r.ymax)] : null;
  const iso = (v: Date | string | null | undefined) => (v == null ? null : new Date(v).toISOString());
  return { bbox, interval: col.time ? [iso(r?.t0), iso(r?.t1)] : null };
}
