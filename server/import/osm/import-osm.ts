// importOsmPbf: an OpenStreetMap extract into buildings, the walking network, facilities and the basemap,
// in one transaction. OSM is WGS84 by definition. Unlike a user's file, a real OSM extract always holds a
// few broken features (unclosed or self-intersecting building outlines): those are skipped and COUNTED per
// reason, with the first reasons listed in the report — rejected, never repaired.
import path from 'node:path';
import { z } from 'zod';
import type { Geometry, Position } from 'geojson';
import type { Db, Queryable } from '../../db/db';
import { AppError } from '../../../common/errors';
import { appendEvent } from '../../events/append-event';
import { audit } from '../../audit/audit';
import { snapBuildingsToNetwork } from '../../walk/snap-buildings';
import { recordLayer } from '../../dataset/dataset-status';
import { assignAreasEverywhere } from '../layers';
import { findInvalid } from '../db-validate';
import { dbImportError } from '../db-errors';
import type { WalkWay } from '../walk-graph';
import { NodeIdCollector, WalkGraphWriter } from '../walk-graph-stream';
import { trySavepoint } from '../../db/savepoint';
import type { ImportReport, ImportRunHooks } from '../types';
import { commitUnlessDryRun, runOrRollBack } from '../dry-run';
import { readPbf, type OsmData, type OsmSelection, type OsmWay } from './read-pbf';
import { basemapKindOf, blocksFoot, buildingUseOf, facilityTypeOf, floorsOf, isPoi, TAG_KEYS_READ, walkability, type Tags } from './osm-tags';

export const OsmImportOptionsSchema = z.object({
  /** OSM is always WGS84; the option exists so a CLI `--crs gcj02` is refused with a reason instead of ignored. */
  crs: z.enum(['wgs84', 'gcj02', 'bd09']).optional(),
  /** [west, south, east, north]: keep only what lies inside. */
  bbox: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().min(-180).max(180), z.number().min(-90).max(90)])
    .refine((b) => b[0] < b[2] && b[1] < b[3], 'bbox must be [west, south, east, north] with west < east and south < north')
    .optional(),
  /** Default true: clears the walk network, the basemap and earlier OSM buildings/facilities first. */
  replace: z.boolean().optional(),
  /** Default true: snap every building to the new network (server/walk/snap-buildings.ts). */
  snap: z.boolean().optional(),
  actor: z.string().min(1).optional(),
}).strict();
export type OsmImportOptions = z.input<typeof OsmImportOptionsSchema>;

const MAX_LISTED_WARNINGS = 20;

const isBuilding = (tags: Tags) => Boolean(tags.building) && tags.building !== 'no';

/**
 * What this import reads from a PBF (read-pbf.ts drops the rest while streaming): the ways that become a
 * building, a walkable edge, a facility or basemap linework; building multipolygons with their member ways;
 * POI relations (only counted as skipped); POI nodes, and the barrier nodes on kept ways. Each predicate is
 * the test the code below applies, so the import sees exactly what it saw when the whole file was held.
 */
export const OSM_IMPORT_SELECTION: OsmSelection = {
  way: (tags, closed) => isBuilding(tags) || walkability(tags) !== null || isPoi(tags) || basemapKindOf(tags, closed) !== null,
  relation: (tags) => (tags.type === 'multipolygon' && isBuilding(tags) ? 'members' : isPoi(tags) ? 'tags' : null),
  nodeTags: (tags, onKeptWay) => isPoi(tags) || (onKeptWay && blocksFoot(tags)),
  tagKeys: TAG_KEYS_READ,
};

interface BuildingRow { code: string; sid: string; name: string | null; address: string | null; use: string; floors: number | null; g: Geometry }
interface FacilityRow { code: string; type: string; name: string; g: Geometry }
interface BasemapRow { kind: string; name: string | null; g: Geometry }

/** Rows written per statement, and the most features assembled and held before they are written. */
const BATCH = 2000;

/**
 * `hooks.dryRun` runs it all and rolls back (the admin page's preview); OSM has no per-feature refusals to
 * collect: broken features are always skipped and counted.
 * Memory (issue 14 item 3): the features are assembled, validated and written BATCH at a time during the one
 * pass over the kept ways, inside the one transaction; what stays for the whole import is the reader's
 * (tag sets, POI tags, relations), the walk graph's shared nodes (walk-graph-stream.ts, 9 bytes each) and
 * the first MAX_LISTED_WARNINGS reasons. The codes seen go to a temporary table for the "gone" deletes.
 */
export async function importOsmPbf(db: Db, file: string, options: OsmImportOptions = {}, hooks: ImportRunHooks = {}): Promise<ImportReport> {
  const started = Date.now();
  const parsed = OsmImportOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_ERROR', `${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'));
  }
  const opts = parsed.data;
  if (opts.crs && opts.crs !== 'wgs84') {
    throw new AppError('VALIDATION_ERROR', `OpenStreetMap data is WGS84 by definition; --crs ${opts.crs} does not apply to --source osm`, 'crs');
  }
  const replace = opts.replace ?? true;
  const phasesMs: Record<string, number> = {};
  let mark = Date.now();
  const phase = (name: string) => { const now = Date.now(); phasesMs[name] = now - mark; mark = now; };
  const progress = hooks.onProgress ?? (() => undefined);
  progress({ phase: 'read' });
  const data = await readPbf(file, OSM_IMPORT_SELECTION);
  // The reader's temporary files (nodes, ways) go when the import ends, whichever way it ends.
  try {
    progress({ phase: 'check' });
    phase('read_pbf');
    // Skip reasons are counted per part and merged at the end in the order the parts are reported (the
    // parts now interleave as the ways stream past; the report's order is what it was when they did not).
    const parts = { wayBuildings: {}, relations: {}, invalidBuildings: {}, pois: {}, basemapMissing: {}, invalidBasemap: {} } as Record<string, Record<string, number>>;
    const skip = (part: keyof typeof parts, reason: string, n = 1) => { parts[part][reason] = (parts[part][reason] ?? 0) + n; };
    const relationWarnings: string[] = [];
    const invalidWarnings: string[] = [];
    const bbox = opts.bbox;
    const coordOf = (id: number): [number, number] | undefined => {
      const c = data.coords.get(id);
      if (!c) return undefined;
      if (bbox && (c[0] < bbox[0] || c[0] > bbox[2] || c[1] < bbox[1] || c[1] > bbox[3])) return undefined;
      return c;
    };
    const ringOf = (refs: number[]): Position[] | string => {
      if (refs.length < 4 || refs[0] !== refs[refs.length - 1]) return 'unclosed';
      const ring: Position[] = [];
      for (const r of refs) {
        const c = coordOf(r);
        if (!c) return bbox ? 'outside_bbox_or_missing_nodes' : 'missing_nodes';
        ring.push(c);
      }
      return ring;
    };
    const buildingRow = (code: string, sid: string, tags: Tags, g: Geometry): BuildingRow => ({
      code, sid, g,
      name: tags.name ?? null,
      address: tags['addr:street'] ? `${tags['addr:street']}${tags['addr:housenumber'] ? ' ' + tags['addr:housenumber'] : ''}` : null,
      use: buildingUseOf(tags),
      floors: floorsOf(tags),
    });
    // Walkable ways, cut at nodes that block walkers and at nodes missing from the extract (or outside bbox);
    // the same cut for the shared-node pass and the writing pass.
    const walkStretches = (w: OsmWay, onBlocked: () => void): WalkWay[] => {
      const walk = walkability(w.tags);
      if (!walk) return [];
      const out: WalkWay[] = [];
      let nodes: number[] = [];
      let coords: Position[] = [];
      const flush = () => {
        if (nodes.length >= 2) out.push({ nodes, coords, kind: w.tags.highway, name: w.tags.name ?? null, sourceId: `w${w.id}`, oneway: walk.oneway });
        nodes = [];
        coords = [];
      };
      for (const ref of w.refs) {
        const c = coordOf(ref);
        const nt = data.nodeTags.get(ref);
        if (!c || (nt && blocksFoot(nt))) {
          if (c) onBlocked();
          flush();
          continue;
        }
        if (nodes[nodes.length - 1] === ref) continue; // repeated node: zero-length step
        nodes.push(ref);
        coords.push(c);
      }
      flush();
      return out;
    };
    const collector = new NodeIdCollector();
    for (const w of data.ways) for (const stretch of walkStretches(w, () => undefined)) collector.add(stretch.nodes);
    const shared = collector.shared();
    phase('walk_shared_nodes');

    const base = path.basename(file);
    let imported: Record<string, number>;
    let dryRun: boolean;
    let skipped: Record<string, number> = {};
    let barrierWarning: string | null = null;
    progress({ phase: 'write', done: 0, total: data.ways.length });
    try {
      ({ result: imported, dryRun } = await runOrRollBack(() => db.transaction(async (tx) => commitUnlessDryRun(hooks.dryRun, async () => {
        if (replace) {
          // The network and basemap are rebuilt whole; buildings and facilities are upserted by their OSM key
          // (osm:w123, osm:n45) below, so re-importing keeps their ids and what refers to them, and only the
          // ones gone from the extract are deleted afterwards: their codes are noted in a temporary table as
          // they are written (dropped at the end of the transaction, either way it ends).
          for (const sql of ['DELETE FROM building_access', 'DELETE FROM walk_edges', 'DELETE FROM walk_nodes', 'DELETE FROM basemap_features']) {
            await tx.query(sql);
          }
          await tx.query(`CREATE TEMP TABLE osm_import_seen (layer text NOT NULL, code text NOT NULL, PRIMARY KEY (layer, code)) ON COMMIT DROP`);
        }
        const seen = async (layer: 'building' | 'facility', codes: string[]) => {
          if (replace && codes.length > 0) await tx.query(`INSERT INTO osm_import_seen (layer, code) SELECT $1, unnest($2::text[])`, [layer, codes]);
        };
        // The key order of the report's counts is the order they were reported in before streaming.
        const counts: Record<string, number> = { buildings: 0, walk_nodes: 0, walk_edges: 0, facilities: 0, basemap_features: 0 };

        let buildings: BuildingRow[] = [];
        let invalidBuildingCount = 0;
        const flushBuildings = async () => {
          const batch = buildings;
          buildings = [];
          if (batch.length === 0) return;
          // findInvalid raises only on what ST_GeomFromGeoJSON cannot read; the rings here are closed, of ≥ 4
          // finite positions, so it answers invalid ones with a reason instead (and did so before, outside).
          const invalid = await findInvalid(tx, batch.map((b, index) => ({ index, geometry: b.g })));
          const bad = new Set(invalid.map((x) => x.index));
          invalidBuildingCount += bad.size;
          for (const x of invalid) {
            if (invalidWarnings.length < MAX_LISTED_WARNINGS) invalidWarnings.push(`building ${batch[x.index].code} skipped: ${x.reason}`);
          }
          const good = batch.filter((_, i) => !bad.has(i));
          counts.buildings += await insertBatch(tx, BUILDINGS_SQL, good.map((b) => ({ ...b, g: JSON.stringify(b.g) })));
          await seen('building', good.map((b) => b.code));
        };
        const addBuilding = async (b: BuildingRow) => { buildings.push(b); if (buildings.length >= BATCH) await flushBuildings(); };

        let facilities: FacilityRow[] = [];
        const flushFacilities = async () => {
          const batch = facilities;
          facilities = [];
          counts.facilities += await insertBatch(tx, FACILITIES_SQL, batch.map((f) => ({ ...f, g: JSON.stringify(f.g) })));
          await seen('facility', batch.map((f) => f.code));
        };
        // Points of interest → facilities (nodes as they are, ways at their centroid): nodes first, as before.
        const poi = async (kind: 'n' | 'w', id: number, tags: Tags, g: Geometry | null) => {
          const type = facilityTypeOf(tags);
          if (!type) { if (isPoi(tags)) skip('pois', 'poi_unmapped'); return; }
          if (!g) { skip('pois', 'poi_missing_nodes'); return; }
          facilities.push({ code: `osm:${kind}${id}`, type, name: tags.name ?? tags['name:en'] ?? `${type} ${kind}${id}`, g });
          if (facilities.length >= BATCH) await flushFacilities();
        };
        for (const [id, tags] of data.nodeTags) {
          const c = coordOf(id);
          if (c || !bbox) await poi('n', id, tags, c ? { type: 'Point', coordinates: c } : null);
        }

        let basemap: BasemapRow[] = [];
        const flushBasemap = async () => {
          const batch = basemap;
          basemap = [];
          if (batch.length === 0) return;
          const invalid = new Set((await findInvalid(tx, batch.map((b, index) => ({ index, geometry: b.g })))).map((x) => x.index));
          if (invalid.size > 0) skip('invalidBasemap', 'basemap_invalid_geometry', invalid.size);
          counts.basemap_features += await insertBatch(tx, BASEMAP_SQL, batch.filter((_, i) => !invalid.has(i)).map((b) => ({ ...b, g: JSON.stringify(b.g) })));
        };

        const walk = new WalkGraphWriter(tx, shared, BATCH);
        let blockedNodes = 0;
        let waysDone = 0;
        // One pass over the kept ways (read back from read-pbf.ts's temporary file in file order) feeds the
        // buildings, the walkable ways, the POI ways and the basemap, each written in file order.
        for (const w of data.ways) {
          const { tags, refs } = w;
          if (isBuilding(tags)) {
            const ring = ringOf(refs);
            if (typeof ring === 'string') skip('wayBuildings', `building_way_${ring}`);
            else await addBuilding(buildingRow(`osm:w${w.id}`, `w${w.id}`, tags, { type: 'Polygon', coordinates: [ring] }));
          }
          for (const stretch of walkStretches(w, () => { blockedNodes++; })) await walk.add(stretch);
          if (isPoi(tags)) {
            const cs = refs.map(coordOf);
            await poi('w', w.id, tags, cs.every(Boolean) && cs.length >= 2 ? { type: 'LineString', coordinates: cs as Position[] } : null);
          }
          // Basemap: roads, paths, rail, water, green, land use.
          const closed = refs.length >= 4 && refs[0] === refs[refs.length - 1];
          const bk = basemapKindOf(tags, closed);
          if (bk) {
            const cs = refs.map(coordOf);
            if (!cs.every(Boolean) || cs.length < 2) skip('basemapMissing', 'basemap_missing_nodes');
            else {
              const coords = cs as Position[];
              basemap.push({ kind: bk.kind, name: tags.name ?? null, g: bk.area ? { type: 'Polygon', coordinates: [coords] } : { type: 'LineString', coordinates: coords } });
              if (basemap.length >= BATCH) await flushBasemap();
            }
          }
          if (++waysDone % (BATCH * 10) === 0) progress({ phase: 'write', done: waysDone, total: data.ways.length });
        }
        await walk.flush();
        await flushFacilities();
        await flushBasemap();
        counts.walk_nodes = walk.nodes;
        counts.walk_edges = walk.edges;
        phase('ways');
        // Buildings mapped as multipolygon relations, assembled by PostGIS (ST_BuildArea), after the ways.
        await relationBuildings(tx, data, coordOf, buildingRow, (reason) => skip('relations', reason), relationWarnings, addBuilding);
        await flushBuildings();
        if (invalidBuildingCount > 0) skip('invalidBuildings', 'building_invalid_geometry', invalidBuildingCount);
        for (const r of data.relations) if (isPoi(r.tags)) skip('pois', facilityTypeOf(r.tags) ? 'poi_relation' : 'poi_unmapped');
        phase('relations');
        await data.close(); // everything is written: free the temporary files before the area and snap steps
        if (replace) {
          const gone = {
            buildings_removed: (await tx.query(
              `DELETE FROM buildings b WHERE b.source = 'osm'
                 AND NOT EXISTS (SELECT 1 FROM osm_import_seen s WHERE s.layer = 'building' AND s.code = b.code)`)).rowCount,
            facilities_removed: (await tx.query(
              `DELETE FROM facilities f WHERE f.source = 'osm'
                 AND NOT EXISTS (SELECT 1 FROM osm_import_seen s WHERE s.layer = 'facility' AND s.code = f.code)`)).rowCount,
          };
          for (const [k, n] of Object.entries(gone)) if (n > 0) counts[k] = n;
        }
        Object.assign(counts, await assignAreasEverywhere(tx));
        for (const [layer, rows] of [['buildings', counts.buildings], ['walk', counts.walk_edges], ['facilities', counts.facilities], ['basemap', counts.basemap_features]] as const) {
          await recordLayer(tx, { layer, origin: 'import', source: `osm:${base}`, rows });
        }
        phase('insert');
        if ((opts.snap ?? true) && counts.walk_edges > 0) {
          counts.building_access = await snapBuildingsToNetwork(tx);
          phase('snap_buildings');
        }
        if (blockedNodes > 0) barrierWarning = `${blockedNodes} barrier node(s) on walkable ways block walkers: the ways are cut there`;
        skipped = Object.assign({}, ...Object.values(parts)) as Record<string, number>;
        const actor = opts.actor ?? 'cli:import';
        const payload = { file: base, source: 'osm', bbox: bbox ?? null, imported: counts, skipped };
        await appendEvent(tx, { type: 'layer.imported', entityType: 'layer', entityId: 'osm', actor, payload });
        await audit(tx, { actor, action: 'import.osm', entityType: 'layer', entityId: 'osm', detail: payload });
        return counts;
      }))));
    } catch (err) {
      throw dbImportError(err);
    }
    phase('commit');
    progress({ phase: 'done' });
    const warnings = [...relationWarnings, ...invalidWarnings, ...(barrierWarning ? [barrierWarning] : [])];
    return { file, format: 'osm-pbf', layer: 'osm', crs: 'wgs84', imported, skipped, warnings, durationMs: Date.now() - started, phasesMs, ...(dryRun ? { dryRun } : {}), ...(hooks.collectRefused ? { refused: [] } : {}) };
  } finally {
    await data.close();
  }
}

const BUILDINGS_SQL = `INSERT INTO buildings (code, name, address, use, floors, source, source_id, geom)
   SELECT r.code, r.name, r.address, r.use, coalesce(r.floors, 1), 'osm', r.sid, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
     FROM json_to_recordset($1::json) AS r(code text, sid text, name text, address text, use text, floors int, g text)
   ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, use = EXCLUDED.use,
          floors = EXCLUDED.floors, source = EXCLUDED.source, source_id = EXCLUDED.source_id, geom = EXCLUDED.geom,
          community_id = CASE WHEN ST_Equals(buildings.geom, EXCLUDED.geom) THEN buildings.community_id END,
          grid_id = CASE WHEN ST_Equals(buildings.geom, EXCLUDED.geom) THEN buildings.grid_id END`;
const FACILITIES_SQL = `INSERT INTO facilities (code, type, name, source, geom)
   SELECT r.code, r.type, r.name, 'osm', ST_Centroid(ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326))
     FROM json_to_recordset($1::json) AS r(code text, type text, name text, g text)
   ON CONFLICT (code) DO UPDATE SET type = EXCLUDED.type, name = EXCLUDED.name, source = EXCLUDED.source, geom = EXCLUDED.geom,
          community_id = CASE WHEN ST_Equals(facilities.geom, EXCLUDED.geom) THEN facilities.community_id END,
          version = facilities.version + 1`;
const BASEMAP_SQL = `INSERT INTO basemap_features (kind, name, geom)
   SELECT r.kind, r.name, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
     FROM json_to_recordset($1::json) AS r(kind text, name text, g text)`;

/** One statement for at most BATCH rows (the callers flush at BATCH). */
async function insertBatch(tx: Queryable, sql: string, rows: Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0;
  return (await tx.query(sql, [JSON.stringify(rows)])).rowCount;
}

/**
 * Buildings mapped as multipolygon relations: PostGIS builds the area from the member ways (outer and inner
 * rings, ways joined end to end). Each polygon of the result becomes one building (buildings are Polygons).
 * Runs inside the import transaction, one relation at a time, each under a savepoint (server/db/savepoint.ts)
 * so broken linework that makes ST_BuildArea raise only skips that relation, on PostgreSQL too.
 */
async function relationBuildings(
  tx: Queryable,
  data: OsmData,
  coordOf: (id: number) => [number, number] | undefined,
  row: (code: string, sid: string, tags: Tags, g: Geometry) => BuildingRow,
  skip: (reason: string) => void,
  warnings: string[],
  add: (b: BuildingRow) => Promise<void>,
): Promise<void> {
  for (const r of data.relations) {
    if (r.tags.type !== 'multipolygon' || !isBuilding(r.tags)) continue;
    const lines: Position[][] = [];
    let missing = false;
    for (const m of r.members) {
      if (m.type !== 'way') continue;
      const cs = data.ways.member(m.ref)?.refs.map(coordOf);
      if (!cs || cs.length < 2 || !cs.every(Boolean)) { missing = true; break; }
      lines.push(cs as Position[]);
    }
    if (missing || lines.length === 0) { skip('building_relation_missing_members'); continue; }
    const res = await trySavepoint(tx, 'osm_relation_area', () => tx.query<{ g: string }>(
      `SELECT ST_AsGeoJSON(d.geom, 9) AS g
         FROM ST_Dump(ST_BuildArea(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))) d
        ORDER BY d.path`,
      [JSON.stringify({ type: 'MultiLineString', coordinates: lines })],
    ));
    if ('error' in res) {
      skip('building_relation_no_area');
      warnings.push(`building relation r${r.id} skipped: ${res.error.message}`);
      continue;
    }
    const polygons = res.value.rows;
    if (polygons.length === 0) { skip('building_relation_no_area'); continue; }
    for (const [k, p] of polygons.entries()) {
      const code = polygons.length === 1 ? `osm:r${r.id}` : `osm:r${r.id}:${k + 1}`;
      await add(row(code, `r${r.id}`, r.tags, JSON.parse(p.g) as Geometry));
    }
  }
}
