// Query parameters of /collections/{id}/items (OGC API - Features Part 1, §7.15) and the SQL they become.
// Every parameter is validated here; a parameter the collection does not declare is refused (the spec's
// /req/core/query-param-unknown), an invalid value too (/req/core/query-param-invalid), each with
// VALIDATION_ERROR naming it. SQL values are parameters; identifiers come from collections.ts only.
import { AppError } from '../../common/errors';
import type { ScopePolicy } from '../auth/scope';
import type { OgcCollection } from './collections';

/** Features per page when the client does not say (GDAL asks for its PAGE_SIZE). */
export const DEFAULT_LIMIT = 100;
/** Most features per page: a larger `limit` is served as this (the spec: not an error). */
export const MAX_LIMIT = 10_000;
/** Deepest offset accepted (paging past ~a city's buildings is a mistake, not a use). */
export const MAX_OFFSET = 10_000_000;

export type Bbox = [number, number, number, number];

export interface ItemsQuery {
  limit: number;
  offset: number;
  bbox?: Bbox;
  /** [start, end] inclusive; null = open end */
  datetime?: [Date | null, Date | null];
  /** queryable property name → value (already typed) */
  filters: Array<{ property: string; value: string | number }>;
  /** Parameters to carry into next/prev links (everything but offset), as sent. */
  carry: Array<[string, string]>;
}

const bad = (param: string, message: string) => new AppError('VALIDATION_ERROR', message, `query.${param}`);
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const INTEGER = /^\d{1,10}$/;

/** Parameters every items request may carry besides the collection's queryables. */
const COMMON = ['limit', 'offset', 'bbox', 'f'] as const;

export function parseBbox(raw: string): Bbox {
  const parts = raw.split(',');
  if (parts.length !== 4 && parts.length !== 6) {
    throw bad('bbox', 'bbox must be 4 numbers (minLon,minLat,maxLon,maxLat in CRS84) or 6 with heights');
  }
  const n = parts.map((p) => {
    if (!NUMBER.test(p.trim())) throw bad('bbox', `bbox value "${p.slice(0, 30)}" is not a number`);
    return Number(p);
  });
  // 6 numbers: minLon,minLat,minH,maxLon,maxLat,maxH; heights are ignored (the data is 2-D)
  const [minLon, minLat, maxLon, maxLat] = n.length === 6 ? [n[0], n[1], n[3], n[4]] : n;
  if ([minLon, maxLon].some((v) => v < -180 || v > 180)) throw bad('bbox', 'bbox longitudes must be within -180..180 (CRS84: longitude first)');
  if ([minLat, maxLat].some((v) => v < -90 || v > 90)) throw bad('bbox', 'bbox latitudes must be within -90..90 (CRS84: longitude first, then latitude)');
  if (minLat > maxLat) throw bad('bbox', 'bbox minLat is above maxLat: the order is minLon,minLat,maxLon,maxLat');
  // minLon > maxLon is a box across the antimeridian (spec §7.15.3), served as two boxes
  return [minLon, minLat, maxLon, maxLat];
}

// RFC 3339 date-time or full-date. GDAL writes dates as "2026-11-26T" and partial times as "…T10Z": both taken.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](?:(\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** An instant, or for a bare date the Asia/Shanghai calendar day it names, as [start, end]. */
function parseInstant(raw: string): [Date, Date] {
  const m = DATE_TIME.exec(raw);
  if (!m) throw bad('datetime', `datetime "${raw.slice(0, 40)}" is not an RFC 3339 date-time (2026-11-26T08:00:00Z) or date (2026-11-26)`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ymd = [Number(y), Number(mo), Number(d)];
  if (ymd[1] < 1 || ymd[1] > 12 || ymd[2] < 1 || ymd[2] > 31) throw bad('datetime', `datetime "${raw}" is not a calendar date`);
  if (h === undefined) {
    // a date: the street's day (Asia/Shanghai, UTC+8 all year)
    const start = Date.UTC(ymd[0], ymd[1] - 1, ymd[2]) - SHANGHAI_OFFSET_MS;
    return [new Date(start), new Date(start + 86_400_000 - 1)];
  }
  if (!zone) throw bad('datetime', `datetime "${raw}" has a time but no zone: add Z (UTC) or +08:00`);
  if (Number(h) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 60) throw bad('datetime', `datetime "${raw}" is not a time of day`);
  const text = `${y}-${mo}-${d}T${h}:${mi ?? '00'}:${s ?? '00'}${frac ?? ''}${zone.toUpperCase()}`;
  const t = new Date(text);
  if (Number.isNaN(t.getTime())) throw bad('datetime', `datetime "${raw}" is not a valid instant`);
  return [t, t];
}

/** `instant`, `start/end`, `../end`, `start/..` (or an empty end) — §7.15.4. */
export function parseDatetime(raw: string): [Date | null, Date | null] {
  const parts = raw.split('/');
  if (parts.length === 1) return parseInstant(raw);
  if (parts.length !== 2) throw bad('datetime', 'datetime is an instant or an interval start/end (with .. for an open end)');
  const open = (p: string) => p === '' || p === '..';
  if (open(parts[0]) && open(parts[1])) throw bad('datetime', 'datetime interval ../.. is open at both ends: leave datetime out instead');
  const start = open(parts[0]) ? null : parseInstant(parts[0])[0];
  const end = open(parts[1]) ? null : parseInstant(parts[1])[1];
  if (start && end && start.getTime() > end.getTime()) throw bad('datetime', 'datetime interval ends before it starts');
  return [start, end];
}

/** One value per parameter: Express gives repeated parameters as arrays. */
function single(name: string, v: unknown): string {
  if (typeof v !== 'string') throw bad(name, `give ${name} once, as one value`);
  return v;
}

export function parseItemsQuery(col: OgcCollection, query: Record<string, unknown>): ItemsQuery {
  const allowed = new Set<string>([...COMMON, ...(col.time ? ['datetime'] : []), ...Object.keys(col.queryables)]);
  const out: ItemsQuery = { limit: DEFAULT_LIMIT, offset: 0, filters: [], carry: [] };
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.has(name)) {
      const hint = name === 'datetime' ? `collection "${col.id}" has no time; ` : '';
      throw bad(name, `${hint}unknown query parameter "${name.slice(0, 40)}"; "${col.id}" takes: ${[...allowed].join(', ')}`);
    }
    const v = single(name, value);
    if (name !== 'offset') out.carry.push([name, v]);
    switch (name) {
      case 'limit': {
        if (!INTEGER.test(v) || Number(v) < 1) throw bad('limit', `limit must be a whole number from 1 (at most ${MAX_LIMIT} are served per page)`);
        out.limit = Math.min(Number(v), MAX_LIMIT);
        break;
      }
      case 'offset': {
        if (!INTEGER.test(v) || Number(v) > MAX_OFFSET) throw bad('offset', `offset must be a whole number 0..${MAX_OFFSET}`);
        out.offset = Number(v);
        break;
      }
      case 'bbox':
        out.bbox = parseBbox(v);
        break;
      case 'datetime':
        out.datetime = parseDatetime(v);
        break;
      case 'f':
        if (v !== 'json' && v !== 'geojson') throw bad('f', 'f must be json or geojson: this server answers GeoJSON only');
        break;
      default: {
        const q = col.queryables[name];
        if (q.type === 'integer') {
          if (!/^-?\d{1,10}$/.test(v)) throw bad(name, `${name} must be a whole number`);
          out.filters.push({ property: name, value: Number(v) });
        } else {
          if (v.length > 200) throw bad(name, `${name} is longer than 200 characters`);
          if (q.enum && !q.enum.includes(v)) throw bad(name, `${name} must be one of ${q.enum.join(', ')}`);
          out.filters.push({ property: name, value: v });
        }
      }
    }
  }
  return out;
}

/** WHERE conditions (on alias t) and their parameters for a collection, a query and the caller's scope. */
export function itemsWhere(col: OgcCollection, q: Pick<ItemsQuery, 'bbox' | 'datetime' | 'filters'>, scope: ScopePolicy): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  const conds: string[] = [];
  const inScope = scope.where(col.workerScope, p);
  if (inScope !== 'TRUE') conds.push(inScope);
  if (q.bbox) {
    const [minLon, minLat, maxLon, maxLat] = q.bbox;
    const box = (w: number, e: number) => `ST_Intersects(t.geom, ST_MakeEnvelope(${p(w)}, ${p(minLat)}, ${p(e)}, ${p(maxLat)}, 4326))`;
    conds.push(minLon <= maxLon ? box(minLon, maxLon) : `(${box(minLon, 180)} OR ${box(-180, maxLon)})`);
  }
  if (q.datetime && col.time) {
    const [start, end] = q.datetime;
    if (start) conds.push(`t.${col.time.column} >= ${p(start)}`);
    if (end) conds.push(`t.${col.time.column} <= ${p(end)}`);
  }
  for (const f of q.filters) conds.push(`t.${col.queryables[f.property].column} = ${p(f.value)}`);
  return { sql: conds.length ? conds.join(' AND ') : 'TRUE', params };
}
