// importFile: one file into one layer, all or nothing. Reading and per-feature checks happen first (no
// database work for a broken file); then one transaction validates every geometry with ST_IsValidReason,
// optionally clears the layer, inserts, and records one event and one audit row. Any error rolls it all back.
import path from 'node:path';
import { z } from 'zod';
import type { Geometry } from 'geojson';
import type { Db } from '../db/db';
import { AppError } from '../../common/errors';
import { dbImportError } from './db-errors';
import { importOsmPbf } from './osm/import-osm';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import { snapBuildingsToNetwork } from '../walk/snap-buildings';
import { forgetLayer, recordLayer } from '../dataset/dataset-status';
import { converterFor } from './crs';
import { readCsv } from './csv-reader';
import { findInvalid } from './db-validate';
import { describeProblem, nearestVertex, validateAreas } from './area-validate';
import { checkAndConvert, invalidGeometry } from './geometry-check';
import { readGeoJson } from './geojson-reader';
import { assignAreasEverywhere, LAYERS, type ReadyFeature } from './layers';
import { readShapefile } from './shapefile-reader';
import { commitUnlessDryRun, refusalOf, runOrRollBack } from './dry-run';
import { IMPORT_CRSS, IMPORT_FORMATS, IMPORT_LAYERS, type ImportFormat, type ImportReport, type ImportRunHooks, type PreviewFeature, type RawFeature, type RefusedFeature } from './types';

export const ImportFileOptionsSchema = z.object({
  file: z.string().min(1),
  /** Target layer; not used with source 'osm' (a PBF fills several layers). */
  layer: z.enum(IMPORT_LAYERS).optional(),
  /** 'osm': an OpenStreetMap PBF, imported by importOsmPbf. Default: a file for one layer. */
  source: z.enum(['file', 'osm']).optional(),
  /** Omitted = WGS84; giving it explicitly also vouches for a shapefile that has no .prj. */
  crs: z.enum(IMPORT_CRSS).optional(),
  format: z.enum(IMPORT_FORMATS).optional(),
  /** Delete the layer's existing rows first (same transaction). */
  replace: z.boolean().optional(),
  /** After importing buildings or walk lines, snap buildings to the network (default true; needs edges). */
  snap: z.boolean().optional(),
  /** Repair invalid areas with ST_MakeValid (opt-in; each repaired feature is reported). */
  makeValid: z.boolean().optional(),
  /** The attribute that holds the feature's code (default `code`), e.g. `adcode` in web-map boundary files. */
  codeField: z.string().min(1).max(64).optional(),
  /** Source code → the street's own code (e.g. 6-digit adcode → 12-digit community code); every feature must be mapped. */
  codeMap: z.record(z.string(), z.string()).optional(),
  /** Who is importing, for the event and audit rows. */
  actor: z.string().min(1).optional(),
}).strict();
export type ImportFileOptions = z.input<typeof ImportFileOptionsSchema>;

export function formatOf(file: string): ImportFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.geojson') || lower.endsWith('.json')) return 'geojson';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.shp')) return 'shapefile';
  if (lower.endsWith('.pbf')) throw new AppError('VALIDATION_ERROR', 'an OSM PBF file is imported with --source osm (importOsmPbf), not into one layer', 'file');
  throw new AppError('VALIDATION_ERROR', `cannot tell the format of ${path.basename(file)}: use .geojson/.json, .csv or .shp (or --format)`, 'file');
}

/**
 * Puts each feature's code where the layer expects it (`code`): from `codeField` (e.g. `adcode`), through
 * `codeMap` when given (a published 6-digit adcode → the street's own 12-digit code). A code that is not in
 * the map is refused naming the feature; a short code without a map is refused saying how to map it.
 */
function applyCodeMapping(raw: RawFeature[], layer: string, codeField: string | undefined, codeMap: Record<string, string> | undefined, warnings: string[], refuse?: (f: RawFeature, err: AppError) => void): RawFeature[] {
  if (layer !== 'communities' && layer !== 'grids') {
    if (codeField || codeMap) throw new AppError('VALIDATION_ERROR', '--code-field and --code-map apply to communities and grids only', 'codeMap');
    return raw;
  }
  const field = codeField ?? 'code';
  const digits = layer === 'communities' ? 12 : 15;
  let mapped = 0;
  const out = raw.flatMap((f) => {
    try {
      return [mapOne(f)];
    } catch (err) {
      if (!refuse || !(err instanceof AppError)) throw err;
      refuse(f, err);
      return [];
    }
  });
  function mapOne(f: RawFeature): RawFeature {
    const v = f.properties[field];
    if (v === undefined || v === null || v === '') return f;
    const source = String(v).trim();
    let code = source;
    if (codeMap) {
      const to = codeMap[source];
      if (to === undefined) {
        throw new AppError('VALIDATION_ERROR', `feature #${f.index}: ${field} ${source} is not in the code map: add "${source}": "<${digits}-digit code>" to it`, `features[${f.index}].properties.${field}`, { index: f.index, code: source });
      }
      code = to;
      mapped++;
    } else if (/^[0-9]{6}$/.test(source)) {
      throw new AppError('VALIDATION_ERROR', `feature #${f.index}: ${field} ${source} is a 6-digit adcode (a district's); ${layer} need ${digits}-digit codes: give --code-map FILE.json mapping each adcode to its code, e.g. {"${source}": "${layer === 'communities' ? '120113001001' : '120113001001001'}"}`, `features[${f.index}].properties.${field}`, { index: f.index, code: source });
    }
    return { ...f, properties: { ...f.properties, code } };
  }
  if (mapped > 0) warnings.push(`${mapped} code(s) mapped through the code map (${field} → code)`);
  return out;
}

/**
 * A multipart area published as several features with the same code (one per part) becomes one feature:
 * its parts are collected into one MultiPolygon (parts sharing an edge are then dissolved by the validity
 * check, area unchanged). Attributes come from the first part.
 */
function mergeSameCode(ready: ReadyFeature<Record<string, unknown>>[], warnings: string[]): void {
  const first = new Map<string, ReadyFeature<Record<string, unknown>>>();
  for (let i = 0; i < ready.length; i++) {
    const r = ready[i];
    const code = String(r.props.code);
    const into = first.get(code);
    if (!into) { first.set(code, r); continue; }
    const parts = (g: Geometry) => (g.type === 'MultiPolygon' ? g.coordinates : g.type === 'Polygon' ? [g.coordinates] : []);
    into.geometry = { type: 'MultiPolygon', coordinates: [...parts(into.geometry), ...parts(r.geometry)] };
    warnings.push(`feature #${r.index} has the same code ${code} as feature #${into.index}: merged as one more part of that area`);
    ready.splice(i, 1);
    i--;
  }
}

/**
 * Imports one file. `hooks` make the same run a preview (dryRun: everything up to the commit, then rolled
 * back) and let it collect refused features instead of failing on the first (the admin import page).
 */
export async function importFile(db: Db, options: ImportFileOptions, hooks: ImportRunHooks = {}): Promise<ImportReport> {
  const started = Date.now();
  const parsed = ImportFileOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_ERROR', `${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'));
  }
  const opts = parsed.data;
  if (opts.source === 'osm') {
    return importOsmPbf(db, opts.file, { crs: opts.crs, replace: opts.replace, snap: opts.snap, actor: opts.actor }, hooks);
  }
  if (!opts.layer) throw new AppError('VALIDATION_ERROR', `layer is required: one of ${IMPORT_LAYERS.join(', ')}`, 'layer');
  const layer = opts.layer;
  const crs = opts.crs ?? 'wgs84';
  const format = opts.format ?? formatOf(opts.file);
  const def = LAYERS[layer];
  const base = path.basename(opts.file);
  const warnings: string[] = [];
  const progress = hooks.onProgress ?? (() => undefined);
  const collect = hooks.collectRefused ?? false;
  const refused: RefusedFeature[] = [];
  const convert = converterFor(crs);
  /** The feature's geometry in WGS84 for the preview map, when it can be read at all. */
  const drawable = (g: unknown): Geometry | null => {
    try {
      return checkAndConvert(g, ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'], { index: 0 }, convert);
    } catch {
      return null;
    }
  };
  const refuse = (f: RawFeature, err: AppError) => refused.push(refusalOf(err, f.index, f.id, f.properties, drawable(f.geometry)));

  progress({ phase: 'read' });
  let raw: RawFeature[];
  if (format === 'geojson') raw = await readGeoJson(opts.file);
  else if (format === 'csv') {
    if (!def.geomTypes.includes('Point')) throw new AppError('VALIDATION_ERROR', `a CSV holds points; layer ${layer} needs ${def.geomTypes.join('/')}`, 'layer');
    raw = await readCsv(opts.file, def.required);
  } else {
    const shp = await readShapefile(opts.file, { crsExplicit: opts.crs !== undefined });
    raw = shp.features;
    warnings.push(...shp.warnings);
  }
  if (raw.length === 0) throw new AppError('IMPORT_FAILED', `${base} has no features`, 'file');

  raw = applyCodeMapping(raw, layer, opts.codeField, opts.codeMap, warnings, collect ? refuse : undefined);
  const rawByIndex = new Map(raw.map((f) => [f.index, f]));
  const known = new Set(Object.keys(def.props.shape));
  const ignored = new Set<string>();
  progress({ phase: 'check', done: 0, total: raw.length });
  const ready: ReadyFeature<Record<string, unknown>>[] = raw.flatMap((f) => {
    try {
      return [checkOne(f)];
    } catch (err) {
      if (!collect || !(err instanceof AppError)) throw err;
      refuse(f, err);
      return [];
    }
  });
  function checkOne(f: RawFeature): ReadyFeature<Record<string, unknown>> {
    const ref = { index: f.index, ...(f.id !== undefined ? { id: f.id } : {}) };
    let geometry: Geometry | string = checkAndConvert(f.geometry, def.geomTypes, ref, convert);
    if (def.shape) geometry = def.shape(geometry);
    if (typeof geometry === 'string') throw invalidGeometry(ref, geometry);
    const props = def.props.safeParse(f.properties);
    if (!props.success) {
      const issue = props.error.issues[0];
      const key = issue.path.join('.');
      throw new AppError('VALIDATION_ERROR', `feature #${f.index}${f.id !== undefined ? ` (id ${JSON.stringify(f.id)})` : ''}: attribute "${key}": ${issue.message}`, `features[${f.index}].properties.${key}`, { index: f.index, ...(f.id !== undefined ? { id: f.id } : {}) });
    }
    for (const k of Object.keys(f.properties)) if (!known.has(k)) ignored.add(k);
    return { index: f.index, geometry, props: props.data as Record<string, unknown> };
  }
  progress({ phase: 'check', done: raw.length, total: raw.length });
  const areas = def.geomTypes.includes('Polygon') && (layer === 'communities' || layer === 'grids');
  if (areas) mergeSameCode(ready, warnings);
  if (ignored.size > 0) warnings.push(`attributes not used by layer ${layer} were ignored: ${[...ignored].sort().join(', ')}`);
  if (crs !== 'wgs84') warnings.push(`coordinates converted from ${crs.toUpperCase()} to WGS84`);

  /** A refusal judged by PostGIS: the feature leaves `ready` and joins `refused` (collect mode only). */
  const refuseInvalid = (items: { index: number; reason: string; location?: [number, number]; vertex?: string }[], repairable: boolean) => {
    const gone = new Set(items.map((x) => x.index));
    for (const x of items) {
      const f = rawByIndex.get(x.index) as RawFeature;
      // The file's own geometry (in WGS84), so the vertex path is the one the user sees in the file, before
      // any reshaping (a Polygon stored as a one-part MultiPolygon).
      const own = drawable(f.geometry);
      const vertex = own && x.location ? nearestVertex(own, x.location) : x.vertex;
      refused.push({
        ...refusalOf(invalidGeometry({ index: x.index, ...(f.id !== undefined ? { id: f.id } : {}) }, x.reason), x.index, f.id, f.properties, own),
        ...(x.location ? { location: x.location } : {}), ...(vertex ? { vertex } : {}),
        ...(repairable ? { repair: 'makeValid' as const } : {}),
      });
    }
    for (let i = ready.length - 1; i >= 0; i--) if (gone.has(ready[i].index)) ready.splice(i, 1);
  };
  const statusOf = new Map<number, 'dissolved' | 'repaired'>();

  let imported: Record<string, number>;
  let dryRun: boolean;
  try {
    ({ result: imported, dryRun } = await runOrRollBack(() => db.transaction(async (tx) => commitUnlessDryRun(hooks.dryRun, async () => {
      progress({ phase: 'validate', done: 0, total: ready.length });
      if (def.geomTypes.includes('Polygon')) {
        const checked = await validateAreas(tx, ready, { makeValid: opts.makeValid });
        if (checked.invalid.length > 0 && collect) refuseInvalid(checked.invalid, !opts.makeValid);
        else if (checked.invalid.length > 0) {
          const first = checked.invalid[0];
          const f = raw[first.index];
          const more = checked.invalid.length > 1 ? ` (and ${checked.invalid.length - 1} more invalid feature(s): ${checked.invalid.slice(1, 6).map((x) => `#${x.index}`).join(', ')})` : '';
          const err = invalidGeometry({ index: first.index, ...(f.id !== undefined ? { id: f.id } : {}) }, `${describeProblem(first, opts.makeValid ?? false)}${more}`);
          throw new AppError('INVALID_GEOMETRY', err.message, err.field, { index: first.index, reason: first.reason, location: first.location, vertex: first.vertex, invalid: checked.invalid.slice(0, 50) });
        }
        const byIndex = new Map(ready.map((r) => [r.index, r]));
        for (const fix of checked.fixed) {
          const row = byIndex.get(fix.index) as ReadyFeature<Record<string, unknown>>;
          const shaped = def.shape ? def.shape(fix.geometry) : fix.geometry;
          if (typeof shaped === 'string') throw invalidGeometry({ index: fix.index }, `after ${fix.action === 'dissolved' ? 'dissolving its touching parts' : 'ST_MakeValid'}: ${shaped}`);
          row.geometry = shaped;
          statusOf.set(fix.index, fix.action);
          warnings.push(fix.action === 'dissolved'
            ? `feature #${fix.index}: parts sharing an edge (${fix.reason}) dissolved into one area; the area is unchanged`
            : `feature #${fix.index}: repaired with --make-valid (${fix.reason}); area changed by ${(fix.areaChange * 100).toFixed(3)}%`);
        }
      }
      const invalid = await findInvalid(tx, ready);
      if (invalid.length > 0 && collect) refuseInvalid(invalid, false);
      else if (invalid.length > 0) {
        const first = invalid[0];
        const f = raw[first.index];
        const err = invalidGeometry({ index: first.index, ...(f.id !== undefined ? { id: f.id } : {}) }, `invalid geometry: ${first.reason}${invalid.length > 1 ? ` (and ${invalid.length - 1} more invalid feature(s))` : ''}`);
        throw new AppError('INVALID_GEOMETRY', err.message, err.field, { index: first.index, reason: first.reason, invalid: invalid.slice(0, 50) });
      }
      progress({ phase: 'write', done: 0, total: ready.length });
      if (opts.replace) for (const sql of def.clear) await tx.query(sql);
      if (opts.replace) await forgetLayer(tx, layer);
      const counts = await def.insert(tx, ready, { codePrefix: `imp:${base}`, source: `import:${base}` });
      await recordLayer(tx, { layer, origin: 'import', source: base, rows: Object.values(counts)[0] ?? 0 });
      Object.assign(counts, await assignAreasEverywhere(tx));
      if ((layer === 'buildings' || layer === 'walk') && (opts.snap ?? true)) {
        const edges = await tx.query('SELECT 1 FROM walk_edges LIMIT 1');
        if (edges.rows.length > 0) counts.building_access = await snapBuildingsToNetwork(tx);
      }
      const actor = opts.actor ?? 'cli:import';
      const payload = { file: base, format, layer: layer, crs, replace: opts.replace ?? false, imported: counts, ...(refused.length > 0 ? { refused: refused.length } : {}) };
      await appendEvent(tx, { type: 'layer.imported', entityType: 'layer', entityId: layer, actor, payload });
      await audit(tx, { actor, action: 'import.file', entityType: 'layer', entityId: layer, detail: payload });
      return counts;
    }))));
  } catch (err) {
    throw dbImportError(err);
  }
  progress({ phase: 'done' });
  const report: ImportReport = { file: opts.file, format, layer: layer, crs, imported, skipped: refused.length > 0 ? { refused: refused.length } : {}, warnings, durationMs: Date.now() - started };
  if (collect) report.refused = refused.sort((a, b) => a.index - b.index);
  if (dryRun) report.dryRun = true;
  if (hooks.featureLimit !== undefined) {
    const limit = hooks.featureLimit;
    report.features = ready.slice(0, limit).map((r): PreviewFeature => ({
      type: 'Feature', geometry: r.geometry,
      properties: {
        index: r.index, status: statusOf.get(r.index) ?? 'ok',
        ...(r.props.code !== undefined ? { code: String(r.props.code) } : {}), ...(typeof r.props.name === 'string' ? { name: r.props.name } : {}),
      },
    }));
    report.featuresTruncated = ready.length > limit;
  }
  return report;
}
