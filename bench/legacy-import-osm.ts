// The OSM import as it was on main at b53b36a, before it streamed its features to the database (issue 14
// item 3), kept only as the baseline of bench/import-memory.ts's whole-import rows: it assembles every
// building, walk way, basemap feature and facility in arrays, validates them all, then writes them in one
// transaction, so its memory grows with the extract. Same reader (server/import/osm/read-pbf.ts), same SQL.
// Not used by the product. The option schema and the read selection are the product's own.
import path from 'node:path';
import type { Geometry, Position } from 'geojson';
import type { Db, Queryable } from '../server/db/db';
import { AppError } from '../common/errors';
import { appendEvent } from '../server/events/append-event';
import { audit } from '../server/audit/audit';
import { snapBuildingsToNetwork } from '../server/walk/snap-buildings';
import { recordLayer } from '../server/dataset/dataset-status';
import { assignAreasEverywhere } from '../server/import/layers';
import { findInvalid } from '../server/import/db-validate';
import { dbImportError } from '../server/import/db-errors';
import { insertWalkGraph, splitWays, type WalkWay } from '../server/import/walk-graph';
import type { ImportReport, ImportRunHooks } from '../server/import/types';
import { commitUnlessDryRun, runOrRollBack } from '../server/import/dry-run';
import { readPbf, type OsmData } from '../server/import/osm/read-pbf';
import { OSM_IMPORT_SELECTION, OsmImportOptionsSchema, type OsmImportOptions } from '../server/import/osm/import-osm';
import { basemapKindOf, blocksFoot, buildingUseOf, facilityTypeOf, floorsOf, isPoi, walkability, type Tags } from '../server/import/osm/osm-tags';

const MAX_LISTED_WARNINGS = 20;

const isBuilding = (tags: Tags) => Boolean(tags.building) && tags.building !== 'no';

interface BuildingRow { code: string; sid: string; name: string | null; address: string | null; use: string; floors: number | null; g: Geometry }

export async function importOsmPbfWhole(db: Db, file: string, options: OsmImportOptions = {}, hooks: ImportRunHooks = {}): Promise<ImportReport> {
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
    const skipped: Record<string, number> = {};
    const skip = (reason: string, n = 1) => { skipped[reason] = (skipped[reason] ?? 0) + n; };
    const warnings: string[] = [];
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

    // One pass over the kept ways (read back from read-pbf.ts's temporary file in file order) feeds the
    // buildings, the walkable ways, the POI ways and the basemap; each list keeps the file order, and the
    // reasons for skipping are counted per part and merged below in the order the parts are reported.
    const buildings: BuildingRow[] = [];
    const buildingRow = (code: string, sid: string, tags: Tags, g: Geometry): BuildingRow => ({
      code, sid, g,
      name: tags.name ?? null,
      address: tags['addr:street'] ? `${tags['addr:street']}${tags['addr:housenumber'] ? ' ' + tags['addr:housenumber'] : ''}` : null,
      use: buildingUseOf(tags),
      floors: floorsOf(tags),
    });
    const walkWays: WalkWay[] = [];
    let blockedNodes = 0;
    const poiWays: { id: number; tags: Tags; g: Geometry | null }[] = [];
    const basemap: { kind: string; name: string | null; g: Geometry }[] = [];
    const skippedBasemap: Record<string, number> = {};
    for (const w of data.ways) {
      const { tags, refs } = w;
      if (isBuilding(tags)) {
        const ring = ringOf(refs);
        if (typeof ring === 'string') skip(`building_way_${ring}`);
        else buildings.push(buildingRow(`osm:w${w.id}`, `w${w.id}`, tags, { type: 'Polygon', coordinates: [ring] }));
      }
      // Walkable ways, cut at nodes that block walkers and at nodes missing from the extract (or outside bbox).
      const walk = walkability(tags);
      if (walk) {
        let nodes: number[] = [];
        let coords: Position[] = [];
        const flush = () => {
          if (nodes.length >= 2) walkWays.push({ nodes, coords, kind: tags.highway, name: tags.name ?? null, sourceId: `w${w.id}`, oneway: walk.oneway });
          nodes = [];
          coords = [];
        };
        for (const ref of refs) {
          const c = coordOf(ref);
          const nt = data.nodeTags.get(ref);
          if (!c || (nt && blocksFoot(nt))) {
            if (c) blockedNodes++;
            flush();
            continue;
          }
          if (nodes[nodes.length - 1] === ref) continue; // repeated node: zero-length step
          nodes.push(ref);
          coords.push(c);
        }
        flush();
      }
      if (isPoi(tags)) {
        const cs = refs.map(coordOf);
        poiWays.push({ id: w.id, tags, g: cs.every(Boolean) && cs.length >= 2 ? { type: 'LineString', coordinates: cs as Position[] } : null });
      }
      // Basemap: roads, paths, rail, water, green, land use.
      const closed = refs.length >= 4 && refs[0] === refs[refs.length - 1];
      const bk = basemapKindOf(tags, closed);
      if (bk) {
        const cs = refs.map(coordOf);
        if (!cs.every(Boolean) || cs.length < 2) skippedBasemap.basemap_missing_nodes = (skippedBasemap.basemap_missing_nodes ?? 0) + 1;
        else {
          const coords = cs as Position[];
          basemap.push({ kind: bk.kind, name: tags.name ?? null, g: bk.area ? { type: 'Polygon', coordinates: [coords] } : { type: 'LineString', coordinates: coords } });
        }
      }
    }
    // Buildings mapped as multipolygon relations, assembled by PostGIS (ST_BuildArea), after the ways.
    buildings.push(...(await relationBuildings(db, data, coordOf, buildingRow, skip, warnings)));
    const invalidBuildings = await findInvalid(db, buildings.map((b, index) => ({ index, geometry: b.g })));
    const badB = new Set(invalidBuildings.map((x) => x.index));
    if (badB.size > 0) {
      skip('building_invalid_geometry', badB.size);
      for (const x of invalidBuildings.slice(0, MAX_LISTED_WARNINGS)) warnings.push(`building ${buildings[x.index].code} skipped: ${x.reason}`);
    }
    const goodBuildings = buildings.filter((_, i) => !badB.has(i));
    phase('buildings_validate');

    if (blockedNodes > 0) warnings.push(`${blockedNodes} barrier node(s) on walkable ways block walkers: the ways are cut there`);
    const graph = splitWays(walkWays);

    // Points of interest → facilities (nodes as they are, ways at their centroid).
    const facilities: { code: string; type: string; name: string; g: Geometry }[] = [];
    const poi = (kind: 'n' | 'w', id: number, tags: Tags, g: Geometry | null) => {
      const type = facilityTypeOf(tags);
      if (!type) { if (isPoi(tags)) skip('poi_unmapped'); return; }
      if (!g) { skip('poi_missing_nodes'); return; }
      facilities.push({ code: `osm:${kind}${id}`, type, name: tags.name ?? tags['name:en'] ?? `${type} ${kind}${id}`, g });
    };
    for (const [id, tags] of data.nodeTags) {
      const c = coordOf(id);
      if (c || !bbox) poi('n', id, tags, c ? { type: 'Point', coordinates: c } : null);
    }
    for (const w of poiWays) poi('w', w.id, w.tags, w.g);
    for (const r of data.relations) if (isPoi(r.tags)) skip(facilityTypeOf(r.tags) ? 'poi_relation' : 'poi_unmapped');

    for (const [reason, n] of Object.entries(skippedBasemap)) skip(reason, n);
    const invalidBasemap = new Set((await findInvalid(db, basemap.map((b, index) => ({ index, geometry: b.g })))).map((x) => x.index));
    if (invalidBasemap.size > 0) skip('basemap_invalid_geometry', invalidBasemap.size);
    const goodBasemap = basemap.filter((_, i) => !invalidBasemap.has(i));
    phase('network_pois_basemap');
    await data.close(); // everything is assembled: free the temporary files before the long write

    const base = path.basename(file);
    let imported: Record<string, number>;
    let dryRun: boolean;
    progress({ phase: 'write' });
    try {
      ({ result: imported, dryRun } = await runOrRollBack(() => db.transaction(async (tx) => commitUnlessDryRun(hooks.dryRun, async () => {
        if (opts.replace ?? true) {
          // The network and basemap are rebuilt whole; buildings and facilities are upserted by their OSM key
          // (osm:w123, osm:n45) below, so re-importing keeps their ids and what refers to them, and only the
          // ones gone from the extract are deleted afterwards.
          for (const sql of ['DELETE FROM building_access', 'DELETE FROM walk_edges', 'DELETE FROM walk_nodes', 'DELETE FROM basemap_features']) {
            await tx.query(sql);
          }
        }
        const counts: Record<string, number> = {};
        counts.buildings = await insertRows(tx,
          `INSERT INTO buildings (code, name, address, use, floors, source, source_id, geom)
           SELECT r.code, r.name, r.address, r.use, coalesce(r.floors, 1), 'osm', r.sid, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
             FROM json_to_recordset($1::json) AS r(code text, sid text, name text, address text, use text, floors int, g text)
           ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, use = EXCLUDED.use,
                  floors = EXCLUDED.floors, source = EXCLUDED.source, source_id = EXCLUDED.source_id, geom = EXCLUDED.geom,
                  community_id = CASE WHEN ST_Equals(buildings.geom, EXCLUDED.geom) THEN buildings.community_id END,
                  grid_id = CASE WHEN ST_Equals(buildings.geom, EXCLUDED.geom) THEN buildings.grid_id END`,
          goodBuildings.map((b) => ({ ...b, g: JSON.stringify(b.g) })));
        const walk = await insertWalkGraph(tx, graph);
        counts.walk_nodes = walk.nodes;
        counts.walk_edges = walk.edges;
        counts.facilities = await insertRows(tx,
          `INSERT INTO facilities (code, type, name, source, geom)
           SELECT r.code, r.type, r.name, 'osm', ST_Centroid(ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326))
             FROM json_to_recordset($1::json) AS r(code text, type text, name text, g text)
           ON CONFLICT (code) DO UPDATE SET type = EXCLUDED.type, name = EXCLUDED.name, source = EXCLUDED.source, geom = EXCLUDED.geom,
                  community_id = CASE WHEN ST_Equals(facilities.geom, EXCLUDED.geom) THEN facilities.community_id END,
                  version = facilities.version + 1`,
          facilities.map((f) => ({ ...f, g: JSON.stringify(f.g) })));
        counts.basemap_features = await insertRows(tx,
          `INSERT INTO basemap_features (kind, name, geom)
           SELECT r.kind, r.name, ST_SetSRID(ST_GeomFromGeoJSON(r.g), 4326)
             FROM json_to_recordset($1::json) AS r(kind text, name text, g text)`,
          goodBasemap.map((b) => ({ ...b, g: JSON.stringify(b.g) })));
        if (opts.replace ?? true) {
          const gone = {
            buildings_removed: (await tx.query(`DELETE FROM buildings WHERE source = 'osm' AND NOT (code = ANY($1::text[]))`,
              [goodBuildings.map((b) => b.code)])).rowCount,
            facilities_removed: (await tx.query(`DELETE FROM facilities WHERE source = 'osm' AND NOT (code = ANY($1::text[]))`,
              [facilities.map((f) => f.code)])).rowCount,
          };
          for (const [k, n] of Object.entries(gone)) if (n > 0) counts[k] = n;
        }
        Object.assign(counts, await assignAreasEverywhere(tx));
        for (const [layer, rows] of [['buildings', counts.buildings], ['walk', walk.edges], ['facilities', counts.facilities], ['basemap', counts.basemap_features]] as const) {
          await recordLayer(tx, { layer, origin: 'import', source: `osm:${base}`, rows });
        }
        phase('insert');
        if ((opts.snap ?? true) && walk.edges > 0) {
          counts.building_access = await snapBuildingsToNetwork(tx);
          phase('snap_buildings');
        }
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
    return { file, format: 'osm-pbf', layer: 'osm', crs: 'wgs84', imported, skipped, warnings, durationMs: Date.now() - started, phasesMs, ...(dryRun ? { dryRun } : {}), ...(hooks.collectRefused ? { refused: [] } : {}) };
  } finally {
    await data.close();
  }
}

const BATCH = 2000;

async function insertRows(tx: Queryable, sql: string, rows: Record<string, unknown>[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += BATCH) n += (await tx.query(sql, [JSON.stringify(rows.slice(i, i + BATCH))])).rowCount;
  return n;
}

/**
 * Buildings mapped as multipolygon relations: PostGIS builds the area from the member ways (outer and inner
 * rings, ways joined end to end). Each polygon of the result becomes one building (buildings are Polygons).
 * Runs outside the import transaction, one relation at a time, so broken linework only skips that relation.
 */
async function relationBuildings(
  db: Db,
  data: OsmData,
  coordOf: (id: number) => [number, number] | undefined,
  row: (code: string, sid: string, tags: Tags, g: Geometry) => BuildingRow,
  skip: (reason: string) => void,
  warnings: string[],
): Promise<BuildingRow[]> {
  const out: BuildingRow[] = [];
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
    try {
      const res = await db.query<{ g: string }>(
        `SELECT ST_AsGeoJSON(d.geom, 9) AS g
           FROM ST_Dump(ST_BuildArea(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326))) d
          ORDER BY d.path`,
        [JSON.stringify({ type: 'MultiLineString', coordinates: lines })],
      );
      if (res.rows.length === 0) { skip('building_relation_no_area'); continue; }
      res.rows.forEach((p, k) => {
        const code = res.rows.length === 1 ? `osm:r${r.id}` : `osm:r${r.id}:${k + 1}`;
        out.push(row(code, `r${r.id}`, r.tags, JSON.parse(p.g) as Geometry));
      });
    } catch (err) {
      skip('building_relation_no_area');
      warnings.push(`building relation r${r.id} skipped: ${(err as Error).message}`);
    }
  }
  return out;
}
