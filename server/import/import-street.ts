// importStreet: the street (街道) itself from its boundary file — the first step of a real installation,
// before communities, grids, buildings and the network. The boundary may be one feature or several parts
// (all are collected into one MultiPolygon; parts sharing an edge are dissolved, area unchanged). Re-running
// with the same code updates the street. The row is marked real (is_sample false) and its provenance recorded.
import path from 'node:path';
import { z } from 'zod';
import type { Geometry } from 'geojson';
import type { Db } from '../db/db';
import { AppError } from '../../common/errors';
import { appendEvent } from '../events/append-event';
import { audit } from '../audit/audit';
import { recordLayer } from '../dataset/dataset-status';
import { converterFor } from './crs';
import { checkAndConvert, invalidGeometry } from './geometry-check';
import { readGeoJson } from './geojson-reader';
import { describeProblem, validateAreas } from './area-validate';
import { dbImportError } from './db-errors';
import { commitUnlessDryRun, refusalOf, runOrRollBack } from './dry-run';
import { IMPORT_CRSS, type ImportReport, type ImportRunHooks, type RefusedFeature } from './types';

export const ImportStreetOptionsSchema = z.object({
  file: z.string().min(1),
  name: z.string().trim().min(1).max(100),
  nameEn: z.string().trim().min(1).max(200).optional(),
  /**
   * The statistical code: 9 digits (乡级 code, e.g. 120113001) or the 12-digit form ending in 000
   * (120113001000). Stored as 9 digits; community codes (12 digits) begin with it.
   */
  code: z.string().trim().regex(/^([0-9]{9}|[0-9]{9}000)$/, 'a street code is 9 digits, or 12 digits ending in 000 (e.g. 120113001000)'),
  district: z.string().trim().min(1).max(100).optional(),
  city: z.string().trim().min(1).max(100).optional(),
  crs: z.enum(IMPORT_CRSS).optional(),
  makeValid: z.boolean().optional(),
  actor: z.string().min(1).optional(),
}).strict();
export type ImportStreetOptions = z.input<typeof ImportStreetOptionsSchema>;

/**
 * `hooks`: dryRun = the preview (everything, then rolled back); collectRefused = invalid parts are listed in
 * `report.refused` and nothing is written (a boundary is one thing: it is never applied with a part missing).
 */
export async function importStreet(db: Db, options: ImportStreetOptions, hooks: ImportRunHooks = {}): Promise<ImportReport> {
  const started = Date.now();
  const parsed = ImportStreetOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('VALIDATION_ERROR', `${issue.path.join('.')}: ${issue.message}`, issue.path.join('.'));
  }
  const opts = parsed.data;
  const code = opts.code.slice(0, 9);
  const crs = opts.crs ?? 'wgs84';
  const convert = converterFor(crs);
  hooks.onProgress?.({ phase: 'read' });
  const raw = await readGeoJson(opts.file);
  if (raw.length === 0) throw new AppError('IMPORT_FAILED', `${path.basename(opts.file)} has no features`, 'file');
  const parts: Geometry[] = raw.map((f) => checkAndConvert(f.geometry, ['Polygon', 'MultiPolygon'], { index: f.index, ...(f.id !== undefined ? { id: f.id } : {}) }, convert));
  const warnings: string[] = [];
  if (crs !== 'wgs84') warnings.push(`coordinates converted from ${crs.toUpperCase()} to WGS84`);
  if (raw.length > 1) warnings.push(`${raw.length} features collected into one street boundary`);
  const polygons = parts.flatMap((g) => (g.type === 'MultiPolygon' ? g.coordinates : g.type === 'Polygon' ? [g.coordinates] : []));
  let boundary: Geometry = { type: 'MultiPolygon', coordinates: polygons };
  const refused: RefusedFeature[] = [];
  let written: number;
  let dryRun: boolean;
  try {
    ({ result: written, dryRun } = await runOrRollBack(() => db.transaction(async (tx) => commitUnlessDryRun(hooks.dryRun, async () => {
      hooks.onProgress?.({ phase: 'validate' });
      // Each part first (its own reason and vertex), then the whole (parts that touch are dissolved).
      const each = await validateAreas(tx, parts.map((geometry, index) => ({ index, geometry })), { makeValid: opts.makeValid });
      if (each.invalid.length > 0 && hooks.collectRefused) {
        for (const p of each.invalid) {
          refused.push({ ...refusalOf(invalidGeometry({ index: p.index }, p.reason), p.index, raw[p.index].id, raw[p.index].properties, parts[p.index]),
            ...(p.location ? { location: p.location } : {}), ...(p.vertex ? { vertex: p.vertex } : {}), ...(opts.makeValid ? {} : { repair: 'makeValid' as const }) });
        }
        return 0;
      }
      if (each.invalid.length > 0) throw invalidGeometry({ index: each.invalid[0].index }, describeProblem(each.invalid[0], opts.makeValid ?? false));
      if (each.fixed.length > 0) {
        for (const f of each.fixed) {
          parts[f.index] = f.geometry;
          warnings.push(`feature #${f.index}: ${f.action === 'dissolved' ? 'parts sharing an edge dissolved, area unchanged' : `repaired with --make-valid (${f.reason}); area changed by ${(f.areaChange * 100).toFixed(3)}%`}`);
        }
        boundary = { type: 'MultiPolygon', coordinates: parts.flatMap((g) => (g.type === 'MultiPolygon' ? g.coordinates : g.type === 'Polygon' ? [g.coordinates] : [])) };
      }
      const whole = await validateAreas(tx, [{ index: 0, geometry: boundary }], { makeValid: opts.makeValid });
      if (whole.invalid.length > 0 && hooks.collectRefused) {
        const p = whole.invalid[0];
        refused.push({ ...refusalOf(invalidGeometry({ index: 0 }, `the parts together: ${p.reason}`), 0, undefined, {}, boundary),
          ...(p.location ? { location: p.location } : {}), ...(opts.makeValid ? {} : { repair: 'makeValid' as const }) });
        return 0;
      }
      if (whole.invalid.length > 0) throw invalidGeometry({ index: 0 }, `the parts together: ${describeProblem(whole.invalid[0], opts.makeValid ?? false)}`);
      if (whole.fixed.length > 0) {
        boundary = whole.fixed[0].geometry;
        warnings.push(whole.fixed[0].action === 'dissolved' ? 'parts sharing an edge dissolved into one boundary, area unchanged' : `boundary repaired with --make-valid; area changed by ${(whole.fixed[0].areaChange * 100).toFixed(3)}%`);
      }
      await tx.query(
        `INSERT INTO streets (code, name, name_en, district, city, is_sample, geom)
         VALUES ($1, $2, $3, $4, $5, false, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($6), 4326)))
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, name_en = EXCLUDED.name_en, district = EXCLUDED.district,
                city = EXCLUDED.city, is_sample = false, geom = EXCLUDED.geom`,
        [code, opts.name, opts.nameEn ?? opts.name, opts.district ?? '', opts.city ?? '', JSON.stringify(boundary)],
      );
      const n = Number((await tx.query<{ n: string }>('SELECT count(*) AS n FROM streets WHERE NOT is_sample')).rows[0].n);
      await recordLayer(tx, { layer: 'street', origin: 'import', source: path.basename(opts.file), rows: n });
      const actor = opts.actor ?? 'cli:import';
      const payload = { file: path.basename(opts.file), code, name: opts.name, crs };
      await appendEvent(tx, { type: 'layer.imported', entityType: 'layer', entityId: 'street', actor, payload });
      await audit(tx, { actor, action: 'import.street', entityType: 'street', entityId: code, detail: payload });
      return 1;
    }))));
  } catch (err) {
    throw dbImportError(err);
  }
  const report: ImportReport = { file: opts.file, format: 'geojson', layer: 'street', crs, imported: { streets: written }, skipped: refused.length > 0 ? { refused: refused.length } : {}, warnings, durationMs: Date.now() - started };
  if (hooks.collectRefused) report.refused = refused;
  if (dryRun) report.dryRun = true;
  if (hooks.featureLimit !== undefined) {
    // With refused parts, the valid parts are drawn beside them (nothing would be written).
    report.features = refused.length > 0
      ? parts.flatMap((geometry, index) => (refused.some((r) => r.index === index) ? [] : [{ type: 'Feature' as const, geometry, properties: { index, code, name: opts.name, status: 'ok' as const } }]))
      : [{ type: 'Feature', geometry: boundary, properties: { index: 0, code, name: opts.name, status: 'ok' } }];
    report.featuresTruncated = false;
  }
  hooks.onProgress?.({ phase: 'done' });
  return report;
}
