// Where the migrated template databases live; built once per run by global-setup.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEMPLATE_DIR = path.join(root, '.data', 'test-templates');
export const TEMPLATE_PATHS = {
  empty: path.join(TEMPLATE_DIR, 'empty.tar'),
  sample: path.join(TEMPLATE_DIR, 'sample.tar'),
} as const;
export const PG_TEMPLATE_DB = { empty: 'gcc_tpl_empty', sample: 'gcc_tpl_sample' } as const;

/** The same server, connected to the maintenance database (to create and drop test databases). */
export function adminUrl(databaseUrl: string): string {
  return databaseUrlFor(databaseUrl, 'postgres');
}

export function databaseUrlFor(databaseUrl: string, dbName: string): string {
  const u = new URL(databaseUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
}
