// npm run import -- [--layer L] [--crs wgs84|gcj02|bd09] [--replace] FILE
// npm run import -- --source osm [--bbox W,S,E,N] [--keep] [--no-snap] FILE.osm.pbf
// A thin CLI over server/import: opens the configured database (DATABASE_URL or PGLITE_DIR), migrates it,
// imports in one transaction and prints the report. Exit code 1 with the error code on failure.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config';
import { openDb } from '../server/db/open-db';
import { migrate } from '../server/db/migrate';
import { isAppError } from '../common/errors';
import { importFile } from '../server/import/import-file';
import { importOsmPbf } from '../server/import/osm/import-osm';
import { IMPORT_CRSS, IMPORT_FORMATS, IMPORT_LAYERS, type ImportCrs, type ImportFormat, type ImportLayer, type ImportReport } from '../server/import/types';

const USAGE = `usage:
  npm run import -- --layer ${IMPORT_LAYERS.join('|')} [--crs ${IMPORT_CRSS.join('|')}] [--format ${IMPORT_FORMATS.join('|')}] [--replace] FILE
  npm run import -- --source osm [--bbox W,S,E,N] [--keep] [--no-snap] FILE.osm.pbf
--crs: the coordinate system of the file (default wgs84). Converted to WGS84 once. A GCJ-02 file imported
       as wgs84 is stored as given (a few hundred metres off in China): say --crs gcj02 for 高德/腾讯 data,
       --crs bd09 for 百度 data. A shapefile without .prj needs an explicit --crs.`;

function oneOf<T extends string>(values: readonly T[], v: string | undefined, name: string): T | undefined {
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) throw new Error(`--${name} must be one of ${values.join(', ')} (got ${v})`);
  return v as T;
}

function printReport(r: ImportReport): void {
  console.log(`imported ${r.file} (${r.format}) into ${r.layer}, CRS ${r.crs.toUpperCase()} → WGS84, in ${(r.durationMs / 1000).toFixed(1)} s`);
  for (const [k, n] of Object.entries(r.imported)) console.log(`  ${k.padEnd(28)} ${n}`);
  const skipped = Object.entries(r.skipped);
  if (skipped.length > 0) {
    console.log('skipped:');
    for (const [k, n] of skipped) console.log(`  ${k.padEnd(28)} ${n}`);
  }
  if (r.phasesMs) console.log(`time (ms): ${Object.entries(r.phasesMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const w of r.warnings) console.log(`warning: ${w}`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        layer: { type: 'string' }, crs: { type: 'string' }, format: { type: 'string' }, source: { type: 'string' },
        bbox: { type: 'string' }, replace: { type: 'boolean' }, keep: { type: 'boolean' }, 'no-snap': { type: 'boolean' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) { console.log(USAGE); return 0; }
  if (positionals.length !== 1) { console.error(`give exactly one file\n${USAGE}`); return 2; }
  const file = positionals[0];
  let crs: ImportCrs | undefined;
  let layer: ImportLayer | undefined;
  let format: ImportFormat | undefined;
  let bbox: [number, number, number, number] | undefined;
  try {
    crs = oneOf(IMPORT_CRSS, values.crs, 'crs');
    layer = oneOf(IMPORT_LAYERS, values.layer, 'layer');
    format = oneOf(IMPORT_FORMATS, values.format, 'format');
    if (values.source !== undefined && values.source !== 'osm') throw new Error('--source takes only osm');
    if (values.bbox) {
      const parts = values.bbox.split(',').map(Number);
      if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) throw new Error('--bbox is W,S,E,N in degrees');
      bbox = parts as [number, number, number, number];
    }
    if (values.source !== 'osm' && !layer) throw new Error('--layer is required (or --source osm for a PBF file)');
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
  try {
    await migrate(db);
    const report = values.source === 'osm'
      ? await importOsmPbf(db, file, { crs, bbox, replace: !values.keep, snap: !values['no-snap'] })
      : await importFile(db, { file, layer: layer as ImportLayer, crs, format, replace: values.replace ?? false });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report);
    return 0;
  } catch (err) {
    if (isAppError(err)) {
      console.error(`import failed: ${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
