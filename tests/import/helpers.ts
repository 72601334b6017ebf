// Shared bits of the import tests: fixture paths and a snapshot of row counts ("nothing half-imported").
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Queryable } from '../../server/db/db';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/import');
export const fixture = (name: string) => path.join(FIXTURES, name);
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const TABLES = ['communities', 'grids', 'buildings', 'facilities', 'parking_lots', 'violations', 'walk_nodes', 'walk_edges', 'basemap_features', 'events', 'audit_log'] as const;

export async function rowCounts(q: Queryable): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  return out;
}

/** Runs `fn`, expects an AppError with `code`, returns it for further checks. */
export async function expectAppError(fn: () => Promise<unknown>, code: string): Promise<{ code: string; message: string; field?: string; details?: unknown }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { code?: string; message: string; field?: string; details?: unknown; name?: string };
    if (e.name !== 'AppError' || e.code !== code) throw new Error(`expected AppError ${code}, got ${e.name} ${e.code}: ${e.message}`, { cause: err });
    return e as { code: string; message: string };
  }
  throw new Error(`expected AppError ${code}, but the call succeeded`);
}
