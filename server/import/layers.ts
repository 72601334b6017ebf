// What each target layer accepts (geometry types, attributes) and how its rows are written. Attributes are
// validated with zod per feature; attributes the layer does not know are reported once as a warning (real
// files carry OBJECTID, Shape_Area, …) rather than rejected.
import { z } from 'zod';
import type { Geometry, Position } from 'geojson';
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import { FACILITY_TYPES, PARKING_KINDS, STREET, VIOLATION_KINDS, VIOLATION_STATUSES } from '../../common/domain';
import type { GeomType } from './geometry-check';
import type { ImportLayer } from './types';
import { insertWalkGraph, splitWays, type WalkWay } from './walk-graph';

/** Empty cells (CSV "", DBF null) mean "not given". Numbers from DBF become strings where text is expected. */
const blank = (v: unknown): unknown => (v === null || v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : v);
const text = (max = 200) => z.preprocess((v) => { const b = blank(v); return typeof b === 'number' ? String(b) : b; }, z.string().trim().min(1).max(max));
const optText = (max = 200) => text(max).optional();
const int = (min: number, max = 2_147_483_647) => z.preprocess(blank, z.coerce.number().int().min(min).max(max));
const optNum = () => z.preprocess(blank, z.coerce.number().finite().optional());
const optBool = () => z.preprocess((v) => {
  const b = blank(v);
  if (typeof b === 'string') return ['true', '1', 'yes', 'y', 't'].includes(b.toLowerCase()) ? true : ['false', '0', 'no', 'n', 'f'].includes(b.toLowerCase()) ? false : b;
  if (typeof b === 'number') return b !== 0;
  return b;
}, z.boolean().optional());
const en = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess(blank, z.enum(values));

export const BUILDING_USES = ['residential', 'mixed', 'office', 'public', 'commercial', 'school', 'industrial', 'other'] as const;
export const BASEMAP_KINDS = ['road_major', 'road_minor', 'path', 'rail', 'water', 'green', 'landuse'] as const;

/** A feature that passed the geometry and attribute checks. */
export interface ReadyFeature<P> {
  index: number;
  geometry: Geometry;
  props: P;
}

export interface InsertContext {
  /** Default code prefix for features without a `code` attribute: unique per file. */
  codePrefix: string;
  /** Value for `source` columns, e.g. 'import:buildings.geojson'. */
  source: string;
}

export interface LayerDef {
  geomTypes: readonly GeomType[];
  props: z.ZodObject;
  /** Attributes that must be present (CSV header check names them). */
  required: readonly string[];
  /** Statements that clear the layer for `replace`, in order. */
  clear: readonly string[];
  /** Reshape a checked geometry to what the column stores (Polygon ↔ MultiPolygon without changing any vertex). */
  shape?: (g: Geometry) => Geometry | string;
  insert(tx: Queryable, rows: ReadyFeature<Record<string, unknown>>[], ctx: InsertContext): Promise<Record<string, number>>;
}

const toMulti = (g: Geometry): Geometry => (g.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [g.coordinates] } : g);
const toSingle = (g: Geometry): Geometry | string => {
  if (g.type !== 'MultiPolygon') return g;
  if (g.coordinates.length !== 1) return `a building is one Polygon; this MultiPolygon has ${g.coordinates.length} parts (split it into one feature per building)`;
  return { type: 'Polygon', coordinates: g.coordinates[0] };
};

const BATCH = 2000;

/** Runs `sql` with the rows as a JSON array in $1 (plus extra params), in batches; returns the ids inserted. */
async function insertJson(tx: Queryable, sql: string, rows: Record<string, unknown>[], extra: unknown[] = []): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const res = await tx.query<{ id: number }>(sql, [JSON.stringify(rows.slice(i, i + BATCH)), ...extra]);
    for (const r of res.rows) ids.push(Number(r.id));
  }
  return ids;
}

/** Fills community_id / grid_id of freshly imported rows from the polygons that contain them. */
async function assignArea(tx: Queryable, table: 'buildings' | 'facilities' | 'parking_lots' | 'violations', ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(
    `UPDATE ${table} t SET community_id = c.id
       FROM communities c
      WHERE t.id = ANY($1::int[]) AND t.community_id IS NULL AND ST_Intersects(c.geom, ST_PointOnSurface(t.geom))`,
    [ids],
  );
  if (table === 'facilities' || table === 'parking_lots') return;
  await tx.query(
    `UPDATE ${table} t SET grid_id = g.id
       FROM grids g
      WHERE t.id = ANY($1::int[]) AND t.grid_id IS NULL AND ST_Intersects(g.geom, ST_PointOnSurface(t.geom))`,
    [ids],
  );
}

const gj = (g: Geometry) => JSON.stringify(g);
const code = (p: Record<string, unknown>, ctx: InsertContext, index: number) => (p.code as string | undefined) ?? `${ctx.codePrefix}:${index}`;

export const LAYERS: Record<ImportLayer, LayerDef> = {
  communities: {
    geomTypes: ['Polygon', 'MultiPolygon'],
    props: z.object({
      code: text().pipe(z.string().regex(/^[0-9]{12}$/, 'a community code is 12 digits')),
      name: text(),
      name_en: optText(),
      street_code: optText().pipe(z.string().regex(/^[0-9]{9}$/, 'a street code is 9 digits').optional()),
    }),
    required: ['code', 'name'],
    clear: ['DELETE FROM communities'],
    shape: toMulti,
    async insert(tx, rows) {
      const streets = new Set((await tx.query<{ code: string }>('SELECT code FROM streets')).rows.map((r) => r.code));
      const orphan = rows.find((r) => !streets.has((r.props.street_code as string | undefined) ?? STREET.code));
      if (orphan) {
        throw new AppError('VALIDATION_ERROR', `feature #${orphan.index}: street ${String(orphan.props.street_code ?? STREET.code)} is not in the database: load the street first (npm run generate) or give a street_code that exists`, `features[${orphan.index}].properties.street_code`, { index: orphan.index });
      }
      const ids = await insertJson(
        tx,
        `INSERT INTO communities (street_code, code, name, name_en, geom)
         SELECT r.street_code, r.code, r.name, r.name_en, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(street_code text, code text, name text, name_en text, g text)
         RETURNING id`,
        rows.map((r) => ({
          street_code: r.props.street_code ?? STREET.code,
          code: r.props.code,
          name: r.props.name,
          name_en: r.props.name_en ?? r.props.name,
          g: gj(r.geometry),
        })),
      );
      return { communities: ids.length };
    },
  },
  grids: {
    geomTypes: ['Polygon', 'MultiPolygon'],
    props: z.object({
      code: text().pipe(z.string().regex(/^[0-9]{15}$/, 'a grid code is 15 digits (community code + 3-digit serial)')),
      name: text(),
    }),
    required: ['code', 'name'],
    clear: ['DELETE FROM grids'],
    shape: toMulti,
    async insert(tx, rows) {
      // The community is the grid code's first 12 digits (national unit-grid convention).
      const known = new Set((await tx.query<{ code: string }>('SELECT code FROM communities')).rows.map((r) => r.code));
      const orphan = rows.find((r) => !known.has(String(r.props.code).slice(0, 12)));
      if (orphan) {
        throw new AppError('VALIDATION_ERROR', `feature #${orphan.index}: grid ${String(orphan.props.code)} belongs to community ${String(orphan.props.code).slice(0, 12)}, which is not in the database: import the communities first`, `features[${orphan.index}].properties.code`, { index: orphan.index });
      }
      const ids = await insertJson(
        tx,
        `INSERT INTO grids (community_id, code, name, geom)
         SELECT c.id, r.code, r.name, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(code text, name text, g text)
           JOIN communities c ON c.code = left(r.code, 12)
         RETURNING id`,
        rows.map((r) => ({ code: r.props.code, name: r.props.name, g: gj(r.geometry) })),
      );
      return { grids: ids.length };
    },
  },
  buildings: {
    geomTypes: ['Polygon', 'MultiPolygon'],
    props: z.object({
      code: optText(),
      name: optText(),
      address: optText(500),
      use: en(BUILDING_USES).optional(),
      floors: int(1, 120).optional(),
      households: int(0).optional(),
      residents: int(0).optional(),
    }),
    required: [],
    clear: ['DELETE FROM buildings'],
    shape: toSingle,
    async insert(tx, rows, ctx) {
      const ids = await insertJson(
        tx,
        `INSERT INTO buildings (code, name, address, use, floors, households, residents, source, source_id, geom)
         SELECT r.code, r.name, r.address, coalesce(r.use, 'residential'), coalesce(r.floors, 1), coalesce(r.households, 0),
                coalesce(r.residents, 0), $2, r.source_id, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(code text, name text, address text, use text, floors int, households int,
                                                 residents int, source_id text, g text)
         RETURNING id`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), source_id: String(r.index), g: gj(r.geometry) })),
        [ctx.source],
      );
      await assignArea(tx, 'buildings', ids);
      return { buildings: ids.length };
    },
  },
  facilities: {
    geomTypes: ['Point'],
    props: z.object({
      code: optText(),
      type: en(FACILITY_TYPES),
      name: text(),
      area_m2: optNum(),
      meets_standard: optBool(),
    }),
    required: ['type', 'name'],
    clear: ['DELETE FROM facilities'],
    async insert(tx, rows, ctx) {
      const ids = await insertJson(
        tx,
        `INSERT INTO facilities (code, type, name, area_m2, meets_standard, source, geom)
         SELECT r.code, r.type, r.name, r.area_m2, r.meets_standard, $2, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(code text, type text, name text, area_m2 float8, meets_standard boolean, g text)
         RETURNING id`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), g: gj(r.geometry) })),
        [ctx.source],
      );
      await assignArea(tx, 'facilities', ids);
      return { facilities: ids.length };
    },
  },
  parking_lots: {
    geomTypes: ['Point'],
    props: z.object({
      code: optText(),
      name: text(),
      kind: en(PARKING_KINDS),
      capacity: int(1),
      occupied: int(0).optional(),
      owner: optText(),
    }),
    required: ['name', 'kind', 'capacity'],
    clear: ['DELETE FROM parking_lots'],
    async insert(tx, rows, ctx) {
      const ids = await insertJson(
        tx,
        `INSERT INTO parking_lots (code, name, kind, capacity, occupied, owner, geom)
         SELECT r.code, r.name, r.kind, r.capacity, coalesce(r.occupied, 0), r.owner, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(code text, name text, kind text, capacity int, occupied int, owner text, g text)
         RETURNING id`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), g: gj(r.geometry) })),
      );
      await assignArea(tx, 'parking_lots', ids);
      return { parking_lots: ids.length };
    },
  },
  violations: {
    geomTypes: ['Point'],
    props: z.object({
      code: optText(),
      kind: en(VIOLATION_KINDS),
      status: en(VIOLATION_STATUSES).optional(),
      description: optText(4000),
      found_at: z.preprocess(blank, z.iso.datetime({ offset: true }).optional()),
    }),
    required: ['kind'],
    clear: ['DELETE FROM violations'],
    async insert(tx, rows, ctx) {
      const ids = await insertJson(
        tx,
        `INSERT INTO violations (code, kind, status, description, found_at, geom)
         SELECT r.code, r.kind, coalesce(r.status, 'found'), coalesce(r.description, ''), coalesce(r.found_at, now()),
                ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(code text, kind text, status text, description text, found_at timestamptz, g text)
         RETURNING id`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), g: gj(r.geometry) })),
      );
      await assignArea(tx, 'violations', ids);
      return { violations: ids.length };
    },
  },
  walk: {
    geomTypes: ['LineString', 'MultiLineString'],
    props: z.object({
      kind: optText(40),
      name: optText(),
      oneway: z.preprocess((v) => { const b = blank(v); return typeof b === 'number' ? String(b) : b; }, z.enum(['yes', 'no', '1', '0', '-1', 'true', 'false']).optional()),
    }),
    required: [],
    // The walking network is one graph: replacing it drops the building snaps that point at its edges too.
    clear: ['DELETE FROM building_access', 'DELETE FROM walk_edges', 'DELETE FROM walk_nodes'],
    async insert(tx, rows, ctx) {
      // Lines meet where they share an exact coordinate (to 1e-7°, ~1 cm); new node ids continue after
      // the existing ones so an import without replace never collides.
      const start = Number((await tx.query<{ m: string }>('SELECT coalesce(max(id), 0) AS m FROM walk_nodes')).rows[0].m) + 1;
      const ids = new Map<string, number>();
      const idOf = (p: Position) => {
        const key = `${p[0].toFixed(7)},${p[1].toFixed(7)}`;
        let id = ids.get(key);
        if (id === undefined) { id = start + ids.size; ids.set(key, id); }
        return id;
      };
      const ways: WalkWay[] = [];
      for (const r of rows) {
        const parts = r.geometry.type === 'MultiLineString' ? r.geometry.coordinates : r.geometry.type === 'LineString' ? [r.geometry.coordinates] : [];
        const ow = r.props.oneway as string | undefined;
        for (const coords of parts) {
          ways.push({
            nodes: coords.map(idOf),
            coords,
            kind: (r.props.kind as string | undefined) ?? 'path',
            name: (r.props.name as string | undefined) ?? null,
            sourceId: `${ctx.codePrefix}:${r.index}`,
            oneway: ow === 'yes' || ow === '1' || ow === 'true' ? 1 : ow === '-1' ? -1 : 0,
          });
        }
      }
      const res = await insertWalkGraph(tx, splitWays(ways));
      return { walk_nodes: res.nodes, walk_edges: res.edges };
    },
  },
  basemap: {
    geomTypes: ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'],
    props: z.object({ kind: en(BASEMAP_KINDS), name: optText() }),
    required: ['kind'],
    clear: ['DELETE FROM basemap_features'],
    async insert(tx, rows) {
      const ids = await insertJson(
        tx,
        `INSERT INTO basemap_features (kind, name, geom)
         SELECT r.kind, r.name, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(kind text, name text, g text)
         RETURNING id`,
        rows.map((r) => ({ kind: r.props.kind, name: r.props.name, g: gj(r.geometry) })),
      );
      return { basemap_features: ids.length };
    },
  },
};
