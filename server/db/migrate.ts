// Plain numbered SQL migrations (server/db/migrations/NNN_name.sql), applied in order by both backends.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from './db';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Arbitrary constant for the advisory lock that keeps two starting processes from migrating at once. */
const MIGRATION_LOCK_KEY = 7_120_113_001;

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<{ version: string; file: string }[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  // The version is the number alone: two files with one number (branches merged) would silently skip one.
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.slice(0, 3));
    if (other) throw new Error(`migrations ${other} and ${f} share the version ${f.slice(0, 3)}: renumber one`);
    seen.set(f.slice(0, 3), f);
  }
  return files.map((file) => ({ version: file.slice(0, 3), file: path.join(dir, file) }));
}

/** Applies every migration not yet recorded in schema_migrations; returns the versions applied now. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const done = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const m of await listMigrations(dir)) {
      if (done.has(m.version)) continue;
      const sql = await readFile(m.file, 'utf8');
      // Scripts are split on a marker line so both drivers can run them statement by statement inside one
      // transaction (pg's extended protocol takes one statement per call).
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
  });
  return applied;
}

/**
 * Splits a migration on semicolons at the end of a line, except inside $$-quoted bodies (functions).
 * Migrations keep one statement per `;`-terminated block for this reason.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let inDollar = false;
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('--') && !inDollar && current.trim() === '') continue;
    current += line + '\n';
    const dollarCount = (line.match(/\$\$/g) ?? []).length;
    if (dollarCount % 2 === 1) inDollar = !inDollar;
    if (!inDollar && /;\s*(--.*)?$/.test(trimmed)) {
      if (current.trim()) out.push(current.trim());
      current = '';
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}
