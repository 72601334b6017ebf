// Chooses the backend: DATABASE_URL → PostgreSQL through `pg`; otherwise embedded PGlite persisted in a folder.
import { mkdir } from 'node:fs/promises';
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
  if (options.pgliteDir && !options.pgliteDir.includes('://')) await mkdir(options.pgliteDir, { recursive: true });
  return openPglite({ dataDir: options.pgliteDir });
}
