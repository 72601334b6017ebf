// npm run import -- street --name NAME --code CODE [--name-en N] [--district D] [--city C] [--crs …] [--make-valid] BOUNDARY
// npm run import -- status
// npm run import -- [--layer L] [--crs wgs84|gcj02|bd09] [--replace] [--make-valid] [--code-field F] [--code-map MAP.json] FILE
// npm run import -- --source osm [--bbox W,S,E,N] [--keep] [--no-snap] FILE.osm.pbf
// A thin CLI over server/import: opens the configured database (DATABASE_URL or PGLITE_DIR), migrates it,
// imports in one transaction and prints the report. Exit code 1 with the error code on failure.
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config';
import type { Db } from '../server/db/db';
import { openDb } from '../server/db/open-db';
import { migrate } from '../server/db/migrate';
import { isAppError } from '../common/errors';
import { importFile } from '../server/import/import-file';
import { importOsmPbf } from '../server/import/osm/import-osm';
import { importStreet } from '../server/import/import-street';
import { readCodeMap } from '../server/import/code-map';
import { datasetStatus, type DatasetStatus } from '../server/dataset/dataset-status';
import { STREET_SCOPE } from '../server/auth/scope';
import { IMPORT_CRSS, IMPORT_FORMATS, IMPORT_LAYERS, type ImportCrs, type ImportFormat, type ImportLayer, type ImportReport } from '../server/import/types';

const USAGE = `usage (a real street from nothing: street, then communities, grids, then OSM or files; status at any time):
  npm run import -- street --name NAME --code CODE [--name-en N] [--district D] [--city C] [--crs …] [--make-valid] BOUNDARY.geojson
  npm run import -- status
  npm run import -- --layer ${IMPORT_LAYERS.join('|')} [--crs ${IMPORT_CRSS.join('|')}] [--format ${IMPORT_FORMATS.join('|')}] [--replace] [--make-valid] [--code-field F] [--code-map MAP.json] FILE
  npm run import -- --source osm [--bbox W,S,E,N] [--keep] [--no-snap] FILE.osm.pbf
--crs: the coordinate system of the file (default wgs84). Converted to WGS84 once. A GCJ-02 file imported
       as wgs84 is stored as given (a few hundred metres off in China): say --crs gcj02 for 高德/腾讯 data,
       --crs bd09 for 百度 data. A shapefile without .prj needs an explicit --crs.
--code: the street's statistical code, 9 digits or 12 ending in 000 (120113001000); community codes are 12
       digits beginning with it, grid codes 15 (community code + 3-digit serial).
--code-field / --code-map: which attribute holds the code (e.g. adcode), and a JSON object mapping those codes
       to the street's own codes ({"120113": "120113001001", …}).
--make-valid: repair invalid areas with ST_MakeValid (opt-in; each repaired feature is reported). Without
       it an invalid area is refused with PostGIS's reason and the vertex where it fails.
Re-importing a layer updates rows with the same code (or OSM id) instead of adding them again.`;

/** What each capability still lacks, printed after every import and by \`status\`. */
export function printStatus(s: DatasetStatus): void {
  const street = s.streets.map((x) => `${x.name} (${x.code}${x.isSample ? ', SAMPLE' : ''})`).join(', ') || 'none';
  console.log(`data: ${s.kind} · street: ${street}`);
  const c = s.counts;
  console.log(`  communities ${c.communities} · grids ${c.grids} · buildings ${c.buildings} · facilities ${c.facilities} · walk edges ${c.walk_edges} · snapped buildings ${c.building_access} · incidents ${c.incidents}`);
  for (const cap of s.capabilities) console.log(`  ${cap.ready ? 'ok     ' : 'MISSING'} ${cap.capability.padEnd(12)} ${cap.missing ?? ''}`);
}

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
        name: { type: 'string' }, 'name-en': { type: 'string' }, code: { type: 'string' }, district: { type: 'string' }, city: { type: 'string' },
        'make-valid': { type: 'boolean' }, 'code-field': { type: 'string' }, 'code-map': { type: 'string' },
        json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) { console.log(USAGE); return 0; }
  const command = positionals[0] === 'street' || positionals[0] === 'status' ? positionals.shift() : undefined;
  if (command === 'status') return withDb(async (db) => { const s = await datasetStatus(db, STREET_SCOPE); if (values.json) console.log(JSON.stringify(s, null, 2)); else printStatus(s); });
  if (positionals.length !== 1) { console.error(`give exactly one file\n${USAGE}`); return 2; }
  const file = positionals[0];
  if (command === 'street') {
    if (!values.name || !values.code) { console.error(`street needs --name and --code\n${USAGE}`); return 2; }
    const crsS = IMPORT_CRSS.find((c) => c === values.crs);
    if (values.crs !== undefined && !crsS) { console.error(`--crs must be one of ${IMPORT_CRSS.join(', ')}\n${USAGE}`); return 2; }
    return withDb(async (db) => {
      const report = await importStreet(db, {
        file, name: values.name as string, code: values.code as string, crs: crsS, makeValid: values['make-valid'],
        ...(values['name-en'] ? { nameEn: values['name-en'] } : {}), ...(values.district ? { district: values.district } : {}), ...(values.city ? { city: values.city } : {}),
      });
      if (values.json) console.log(JSON.stringify(report, null, 2)); else { printReport(report); printStatus(await datasetStatus(db, STREET_SCOPE)); }
    });
  }
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
  const codeMap = values['code-map'] ? await readCodeMap(values['code-map']).catch((err: unknown) => err as Error) : undefined;
  if (codeMap instanceof Error) { console.error(`import failed: ${codeMap.message}`); return 1; }
  return withDb(async (db) => {
    const report = values.source === 'osm'
      ? await importOsmPbf(db, file, { crs, bbox, replace: !values.keep, snap: !values['no-snap'] })
      : await importFile(db, {
        file, layer: layer as ImportLayer, crs, format, replace: values.replace ?? false, makeValid: values['make-valid'],
        ...(values['code-field'] ? { codeField: values['code-field'] } : {}), ...(codeMap ? { codeMap } : {}),
      });
    if (values.json) console.log(JSON.stringify(report, null, 2));
    else { printReport(report); printStatus(await datasetStatus(db, STREET_SCOPE)); }
  });
}

/** Opens and migrates the configured database, runs `fn`, prints a coded error as exit code 1. */
async function withDb(fn: (db: Db) => Promise<void>): Promise<number> {
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR });
  try {
    await migrate(db);
    await fn(db);
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
