// "No row changed": a content hash of every application table, compared before and after a batch of bad
// requests. Sessions (sign-ins of the test itself) and bookkeeping tables are left out.
import type { Queryable } from '../../server/db/db';

const SKIP = new Set(['sessions', 'schema_migrations', 'spatial_ref_sys']);

export type Fingerprint = Map<string, string>;

export async function fingerprint(db: Queryable): Promise<Fingerprint> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Fingerprint = new Map();
  for (const { table_name: name } of tables.rows) {
    if (SKIP.has(name) || name.startsWith('socket_io')) continue;
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) continue; // identifiers come from the catalogue; be strict anyway
    // reads of sensitive data and exports are audited on purpose (actions "….read", "….read_personal",
    // "….export"): only the other audit rows count as "changed"
    const where = name === 'audit_log' ? ` WHERE t.action !~ '\\.(read|read_[a-z_]+|export)$'` : '';
    const r = await db.query<{ n: number; h: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM "${name}" t${where}`,
    );
    out.set(name, `${r.rows[0].n}:${r.rows[0].h ?? ''}`);
  }
  return out;
}

/** Tables whose content differs (empty when nothing changed). */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).sort();
}
