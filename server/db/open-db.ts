// Chooses the backend: DATABASE_URL → PostgreSQL through `pg`; otherwise embedded PGlite persisted in a folder.
import type { Db } from './db';
import { openPg } from './pg-driver';
import { openPglite } from './pglite-driver';

export interface OpenDbOptions {
  databaseUrl?: string;
  /** Folder for the embedded database; 'memory://' for a throwaway one. */
  pgliteDir?: string;
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) return openPg({ connectionString: options.databaseUrl });
  return openPglite({ dataDir: options.pgliteDir });
}
