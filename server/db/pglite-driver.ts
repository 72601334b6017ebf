// Embedded default: PGlite (Postgres compiled to WASM) with its PostGIS extension. One connection; PGlite
// queues statements itself, and a transaction holds the connection until it ends.
import { PGlite, types } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { Db, Queryable, QueryResult } from './db';
import { DbUnavailableError } from './db';

export interface PgliteOptions {
  /** A folder to persist into, or undefined / 'memory://' for an in-memory database (tests). */
  dataDir?: string;
  /** A data-dir tarball from `dumpDataDir()` to start from (tests clone a migrated template this way). */
  loadDataDir?: Blob | File;
}

// Both drivers return the same JS types: int8 and numeric as numbers (ids and counts fit in 2^53).
const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

export async function openPglite(options: PgliteOptions = {}): Promise<Db & { dump(): Promise<Blob> }> {
  const pg = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    extensions: { postgis },
    parsers,
  });
  let closed = false;

  const wrap = (q: { query: PGlite['query'] }): Queryable => ({
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      if (closed) throw new DbUnavailableError('the embedded database is closed');
      const res = await q.query<R>(sql, params as unknown[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  });
  const base = wrap(pg);

  return {
    kind: 'pglite',
    capabilities: { mvt: false, pgrouting: false, concurrent: false },
    query: base.query,
    async transaction(fn) {
      if (closed) throw new DbUnavailableError('the embedded database is closed');
      return pg.transaction((tx) => fn(wrap(tx)));
    },
    async exec(sql) {
      await pg.exec(sql);
    },
    async ping() {
      if (closed) return false;
      try {
        await pg.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pg.close();
    },
    async dump() {
      return pg.dumpDataDir('none');
    },
  };
}
