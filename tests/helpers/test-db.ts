// Test databases on every backend the run has: PGlite always; a real PostgreSQL + PostGIS server too when
// DATABASE_URL is set (CI). Each call gives a fresh database cloned from a migrated template, so tests do
// not see each other's rows.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../server/db/db';
import { openPglite } from '../../server/db/pglite-driver';
import { openPg } from '../../server/db/pg-driver';
import { TEMPLATE_PATHS, PG_TEMPLATE_DB, adminUrl, databaseUrlFor } from './templates';

export type Backend = 'pglite' | 'pg';
export type TemplateKind = 'empty' | 'sample';

/** The backends this run tests against. */
export function backends(): Backend[] {
  return process.env.DATABASE_URL ? ['pglite', 'pg'] : ['pglite'];
}

export interface TestDb {
  db: Db;
  /** Connection string of the fresh server database (pg backend only): for child processes. */
  url?: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database (optionally with the sample street loaded) on the given backend. */
export async function freshDb(backend: Backend, template: TemplateKind = 'empty'): Promise<TestDb> {
  if (backend === 'pglite') {
    const blob = new Blob([await readFile(TEMPLATE_PATHS[template])]);
    const db = await openPglite({ loadDataDir: blob });
    return { db, drop: () => db.close() };
  }
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set: the pg backend is not available in this run');
  const name = `gcc_t_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl(base) });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE_DB[template]}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(base, name);
  const db = await openPg({ connectionString: url });
  return {
    db,
    url,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl(base) });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
