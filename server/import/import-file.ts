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
import { converterFor } from './crs';
import { readCsv } from './csv-reader';
import { findInvalid } from './db-validate';
import { checkAndConvert, invalidGeometry } from './geometry-check';
import { readGeoJson } from './geojson-reader';
import { LAYERS, type ReadyFeature } from './layers';
import { readShapefile } from './shapefile-reader';
import { IMPORT_CRSS, IMPORT_FORMATS, IMPORT_LAYERS, type ImportFormat, type ImportReport, type RawFeature } from './types';

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

export async function importFile(db: Db, options: ImportFileOptions): Promise<ImportReport> {
  const started = Date.now();
  const parsed = ImportFileOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_ERROR', `${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'));
  }
  const opts = parsed.data;
  if (opts.source === 'osm') {
    return importOsmPbf(db, opts.file, { crs: opts.crs, replace: opts.replace, snap: opts.snap, actor: opts.actor });
  }
  if (!opts.layer) throw new AppError('VALIDATION_ERROR', `layer is required: one of ${IMPORT_LAYERS.join(', ')}`, 'layer');
  const layer = opts.layer;
  const crs = opts.crs ?? 'wgs84';
  const format = opts.format ?? formatOf(opts.file);
  const def = LAYERS[layer];
  const base = path.basename(opts.file);
  const warnings: string[] = [];

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

  const convert = converterFor(crs);
  const known = new Set(Object.keys(def.props.shape));
  const ignored = new Set<string>();
  const ready: ReadyFeature<Record<string, unknown>>[] = raw.map((f) => {
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
  });
  if (ignored.size > 0) warnings.push(`attributes not used by layer ${layer} were ignored: ${[...ignored].sort().join(', ')}`);
  if (crs !== 'wgs84') warnings.push(`coordinates converted from ${crs.toUpperCase()} to WGS84`);

  let imported: Record<string, number>;
  try {
    imported = await db.transaction(async (tx) => {
      const invalid = await findInvalid(tx, ready);
      if (invalid.length > 0) {
        const first = invalid[0];
        const f = raw[first.index];
        const err = invalidGeometry({ index: first.index, ...(f.id !== undefined ? { id: f.id } : {}) }, `invalid geometry: ${first.reason}${invalid.length > 1 ? ` (and ${invalid.length - 1} more invalid feature(s))` : ''}`);
        throw new AppError('INVALID_GEOMETRY', err.message, err.field, { index: first.index, reason: first.reason, invalid: invalid.slice(0, 50) });
      }
      if (opts.replace) for (const sql of def.clear) await tx.query(sql);
      const counts = await def.insert(tx, ready, { codePrefix: `imp:${base}`, source: `import:${base}` });
      if ((layer === 'buildings' || layer === 'walk') && (opts.snap ?? true)) {
        const edges = await tx.query('SELECT 1 FROM walk_edges LIMIT 1');
        if (edges.rows.length > 0) counts.building_access = await snapBuildingsToNetwork(tx);
      }
      const actor = opts.actor ?? 'cli:import';
      const payload = { file: base, format, layer: layer, crs, replace: opts.replace ?? false, imported: counts };
      await appendEvent(tx, { type: 'layer.imported', entityType: 'layer', entityId: layer, actor, payload });
      await audit(tx, { actor, action: 'import.file', entityType: 'layer', entityId: layer, detail: payload });
      return counts;
    });
  } catch (err) {
    throw dbImportError(err);
  }
  return { file: opts.file, format, layer: layer, crs, imported, skipped: {}, warnings, durationMs: Date.now() - started };
}
