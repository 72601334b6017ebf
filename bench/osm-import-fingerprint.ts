// The Monaco import's result as one md5 per table, so a change to the PBF reader or the import can show that
// every imported row is unchanged (issue 14 item 3): imports the file into a fresh throwaway database (on
// DATABASE_URL when set, else embedded) and prints one JSON line {table: "rows:md5"}. Each row is hashed as
// its whole text form (geometries as hex EWKB), rows in hash order, so ids, attributes and geometry all count.
//   npx tsx bench/osm-import-fingerprint.ts [FILE]   (default: the reference Monaco extract)
import { benchDb } from './bench-app';
import { importOsmPbf } from '../server/import/osm/import-osm';
import { MONACO_PBF } from '../tests/helpers/osm-cut';

const TABLES = ['buildings', 'facilities', 'basemap_features', 'walk_nodes', 'walk_edges', 'building_access'] as const;

const file = process.argv[2] ?? MONACO_PBF;
const target = await benchDb(process.env.DATABASE_URL, 'osmfp');
try {
  const report = await importOsmPbf(target.db, file);
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    // Table names come from the constant list above, never from input.
    const r = await target.db.query<{ n: number; h: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM ${table} t`,
    );
    out[table] = `${r.rows[0].n}:${r.rows[0].h ?? ''}`;
  }
  console.log(JSON.stringify({ file, backend: process.env.DATABASE_URL ? 'pg' : 'pglite', skipped: report.skipped, tables: out }));
} finally {
  await target.drop();
}
