// What each target layer accepts (geometry types, attributes) and how its rows are written. Attributes are
// validated with zod per feature; attributes the layer does not know are reported once as a warning (real
// files carry OBJECTID, Shape_Area, …) rather than rejected.
import { z } from 'zod';
import type { Geometry, Position } from 'geojson';
import type { Queryable } from '../db/db';
import { AppError } from '../../common/errors';
import { FACILITY_TYPES, PARKING_KINDS, VIOLATION_KINDS, VIOLATION_STATUSES } from '../../common/domain';
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

/**
 * Runs `sql` with the rows as a JSON array in $1 (plus extra params), in batches; returns the ids written.
 * Upserting statements return `(xmax = 0) AS inserted` too, so the report can say how many rows were
 * updated in place by a re-import (same code = same row) instead of added.
 */
async function insertJson(tx: Queryable, sql: string, rows: Record<string, unknown>[], extra: unknown[] = []): Promise<number[] & { updated?: number }> {
  const ids: number[] & { updated?: number } = [];
  let updated = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const res = await tx.query<{ id: number; inserted?: boolean }>(sql, [JSON.stringify(rows.slice(i, i + BATCH)), ...extra]);
    for (const r of res.rows) {
      ids.push(Number(r.id));
      if (r.inserted === false) updated++;
    }
  }
  ids.updated = updated;
  return ids;
}

/** The report's counts for one table: rows written, and how many of them replaced an existing row. */
function written(table: string, ids: number[] & { updated?: number }): Record<string, number> {
  return ids.updated ? { [table]: ids.length, [`${table}_updated`]: ids.updated } : { [table]: ids.length };
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

/**
 * Places every row that has no community / grid yet by point-in-polygon, across all layers (buildings,
 * facilities, parking, violations, and incidents' grid): run after any import, so importing the grids after
 * the buildings (or the other way round) gives the same result. Returns the rows placed, per table.
 */
export async function assignAreasEverywhere(tx: Queryable): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['buildings', 'facilities', 'parking_lots', 'violations'] as const) {
    const c = await tx.query(
      `UPDATE ${table} t SET community_id = c.id FROM communities c
        WHERE t.community_id IS NULL AND ST_Intersects(c.geom, ST_PointOnSurface(t.geom))`,
    );
    let n = c.rowCount;
    if (table === 'buildings' || table === 'violations') {
      n += (await tx.query(
        `UPDATE ${table} t SET grid_id = g.id FROM grids g
          WHERE t.grid_id IS NULL AND ST_Intersects(g.geom, ST_PointOnSurface(t.geom))`,
      )).rowCount;
    }
    if (n > 0) out[`${table}_placed`] = n;
  }
  // Incidents always have a community (they are refused outside one); the grid comes once grids exist.
  const inc = await tx.query(
    `UPDATE incidents i SET grid_id = g.id, version = i.version + 1, updated_at = now() FROM grids g
      WHERE i.grid_id IS NULL AND ST_Covers(g.geom, i.geom)`,
  );
  if (inc.rowCount > 0) out.incidents_placed = inc.rowCount;
  return out;
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
      // The street: given per feature, else the one whose code starts the community code (a 12-digit
      // community code begins with its 9-digit street code), else the only street in the database.
      const streets = (await tx.query<{ code: string }>('SELECT code FROM streets ORDER BY code')).rows.map((r) => r.code);
      const known = new Set(streets);
      const streetOf = (p: Record<string, unknown>): string | undefined => {
        const given = p.street_code as string | undefined;
        if (given) return known.has(given) ? given : undefined;
        const prefix = String(p.code).slice(0, 9);
        if (known.has(prefix)) return prefix;
        return streets.length === 1 ? streets[0] : undefined;
      };
      const orphan = rows.find((r) => streetOf(r.props) === undefined);
      if (orphan) {
        const sc = orphan.props.street_code as string | undefined;
        throw new AppError('VALIDATION_ERROR', streets.length === 0
          ? `feature #${orphan.index}: there is no street yet: create it first with \`npm run import -- street --name NAME --code CODE boundary.geojson\``
          : `feature #${orphan.index}: street ${sc ?? String(orphan.props.code).slice(0, 9)} is not in the database (streets: ${streets.join(', ')}): give a street_code that exists, or create the street first`,
        `features[${orphan.index}].properties.street_code`, { index: orphan.index });
      }
      const ids = await insertJson(
        tx,
        `INSERT INTO communities (street_code, code, name, name_en, geom)
         SELECT r.street_code, r.code, r.name, r.name_en, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
           FROM json_to_recordset($1::json) AS r(street_code text, code text, name text, name_en text, g text)
         ON CONFLICT (code) DO UPDATE SET street_code = EXCLUDED.street_code, name = EXCLUDED.name,
                                          name_en = EXCLUDED.name_en, geom = EXCLUDED.geom
         RETURNING id, (xmax = 0) AS inserted`,
        rows.map((r) => ({
          street_code: streetOf(r.props),
          code: r.props.code,
          name: r.props.name,
          name_en: r.props.name_en ?? r.props.name,
          g: gj(r.geometry),
        })),
      );
      return written('communities', ids);
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
         ON CONFLICT (code) DO UPDATE SET community_id = EXCLUDED.community_id, name = EXCLUDED.name, geom = EXCLUDED.geom
         RETURNING id, (xmax = 0) AS inserted`,
        rows.map((r) => ({ code: r.props.code, name: r.props.name, g: gj(r.geometry) })),
      );
      return written('grids', ids);
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
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, use = EXCLUDED.use,
                floors = EXCLUDED.floors, households = EXCLUDED.households, residents = EXCLUDED.residents,
                source = EXCLUDED.source, source_id = EXCLUDED.source_id, geom = EXCLUDED.geom,
                -- a moved building is placed again by point-in-polygon
                community_id = CASE WHEN ST_Equals(buildings.geom, EXCLUDED.geom) THEN buildings.community_id END,
                grid_id = CASE WHEN ST_Equals(buildings.geom, EXCLUDED.geom) THEN buildings.grid_id END
         RETURNING id, (xmax = 0) AS inserted`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), source_id: String(r.index), g: gj(r.geometry) })),
        [ctx.source],
      );
      await assignArea(tx, 'buildings', ids);
      return written('buildings', ids);
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
         ON CONFLICT (code) DO UPDATE SET type = EXCLUDED.type, name = EXCLUDED.name, area_m2 = EXCLUDED.area_m2,
                meets_standard = EXCLUDED.meets_standard, source = EXCLUDED.source, geom = EXCLUDED.geom,
                community_id = CASE WHEN ST_Equals(facilities.geom, EXCLUDED.geom) THEN facilities.community_id END,
                version = facilities.version + 1
         RETURNING id, (xmax = 0) AS inserted`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), g: gj(r.geometry) })),
        [ctx.source],
      );
      await assignArea(tx, 'facilities', ids);
      return written('facilities', ids);
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
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, capacity = EXCLUDED.capacity,
                occupied = EXCLUDED.occupied, owner = EXCLUDED.owner, geom = EXCLUDED.geom,
                community_id = CASE WHEN ST_Equals(parking_lots.geom, EXCLUDED.geom) THEN parking_lots.community_id END,
                version = parking_lots.version + 1, updated_at = now()
         RETURNING id, (xmax = 0) AS inserted`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), g: gj(r.geometry) })),
      );
      await assignArea(tx, 'parking_lots', ids);
      return written('parking_lots', ids);
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
         ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, status = EXCLUDED.status, description = EXCLUDED.description,
                found_at = EXCLUDED.found_at, geom = EXCLUDED.geom,
                community_id = CASE WHEN ST_Equals(violations.geom, EXCLUDED.geom) THEN violations.community_id END,
                grid_id = CASE WHEN ST_Equals(violations.geom, EXCLUDED.geom) THEN violations.grid_id END,
                version = violations.version + 1, updated_at = now()
         RETURNING id, (xmax = 0) AS inserted`,
        rows.map((r) => ({ ...r.props, code: code(r.props, ctx, r.index), g: gj(r.geometry) })),
      );
      await assignArea(tx, 'violations', ids);
      return written('violations', ids);
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
      // Re-importing the same file (without replace) updates it: its earlier edges go first, so nothing
      // is doubled (their building snaps cascade and are made again after the import).
      await tx.query(`DELETE FROM walk_edges WHERE starts_with(source_id, $1)`, [`${ctx.codePrefix}:`]);
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
