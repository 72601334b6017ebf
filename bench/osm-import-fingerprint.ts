// The Monaco import's result as one md5 per table, so a change to the PBF reader or the import can show that
// every imported row is unchanged (issue 14 item 3): imports the file into a fresh throwaway database (on
// DATABASE_URL when set, else embedded) and prints one JSON line {table: "rows:md5"}. Each row is hashed as
// its whole text form (geometries as hex EWKB), rows in hash order, so ids, attributes and geometry all count.
// The reports' counts, skip reasons and warnings are printed as they are (their order is part of the report).
//   npx tsx bench/osm-import-fingerprint.ts [--bbox W,S,E,N] [--keep] [FILE ...]
// Several files are imported one after the other into the same database (the second one's upserts and
// "gone" deletes are then part of the fingerprint); default: the reference Monaco extract. `--bbox` and
// `--keep` (replace: false) apply to every file after the first.
import { parseArgs } from 'node:util';
import { benchDb } from './bench-app';
import { importOsmPbf, type OsmImportOptions } from '../server/import/osm/import-osm';
import { MONACO_PBF } from '../tests/helpers/osm-cut';

const TABLES = ['buildings', 'facilities', 'basemap_features', 'walk_nodes', 'walk_edges', 'building_access'] as const;

const { values, positionals } = parseArgs({ options: { bbox: { type: 'string' }, keep: { type: 'boolean' } }, allowPositionals: true });
const files = positionals.length > 0 ? positionals : [MONACO_PBF];
const bbox = values.bbox?.split(',').map(Number) as OsmImportOptions['bbox'];
const target = await benchDb(process.env.DATABASE_URL, 'osmfp');
try {
  const reports = [];
  for (const [i, file] of files.entries()) {
    const later = i > 0 || files.length === 1;
    const report = await importOsmPbf(target.db, file, later ? { bbox, replace: !values.keep } : {});
    reports.push({ file, imported: report.imported, skipped: report.skipped, warnings: report.warnings });
  }
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    // Table names come from the constant list above, never from input.
    const r = await target.db.query<{ n: number; h: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM ${table} t`,
    );
    out[table] = `${r.rows[0].n}:${r.rows[0].h ?? ''}`;
  }
  console.log(JSON.stringify({ backend: process.env.DATABASE_URL ? 'pg' : 'pglite', options: values, reports, tables: out }));
} finally {
  await target.drop();
}
