// Server mode: node-postgres pool against PostgreSQL + PostGIS (DATABASE_URL).
import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db';
import { DbUnavailableError, isUnavailableError, preparedName } from './db';

// Same JS types as the PGlite driver: int8 and numeric as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export interface PgOptions {
  connectionString: string;
  max?: number;
  /** Fail fast instead of queueing forever when the server is gone (QUALITY.md fault 9). */
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
}

/** A query config: named (prepared once per connection) when the SQL was marked with prepared(). */
function config(sql: string, params: readonly unknown[]): pg.QueryConfig {
  const name = preparedName(sql);
  return name ? { name, text: sql, values: params as unknown[] } : { text: sql, values: params as unknown[] };
}

function translate(err: unknown): unknown {
  if (isUnavailableError(err) && !(err instanceof DbUnavailableError)) {
    return new DbUnavailableError(`database unavailable: ${(err as Error).message}`, { cause: err });
  }
  return err;
}

export async function openPg(options: PgOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    statement_timeout: options.statementTimeoutMillis ?? 60_000,
    application_name: 'grid-command-center',
    // No JIT on the request pool: our statements are short reads and writes, and the planner's high cost
    // estimate for ST_Covers over a city's grids switched JIT on for the 500-row intake statement — 1.9 s of
    // compiling (inlining + optimisation) for 80 ms of work (EXPLAIN ANALYZE, issue 15). Set per connection,
    // so the server's own default stays as it is for everyone else.
    options: '-c jit=off',
  });
  // The publisher's own lane (see Db.publisherLane): one connection, never shared with request traffic.
  const lanePool = new pg.Pool({
    connectionString: options.connectionString,
    max: 1,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    statement_timeout: options.statementTimeoutMillis ?? 60_000,
    application_name: 'grid-command-center-publisher',
    options: '-c jit=off',
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool drops it.
  pool.on('error', () => undefined);
  lanePool.on('error', () => undefined);

  const queryOn =
    (p: pg.Pool) =>
    async <R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> => {
      try {
        const res = await p.query(config(sql, params));
        return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
      } catch (err) {
        throw translate(err);
      }
    };
  const query = queryOn(pool);
  const publisherLane: Queryable = { query: queryOn(lanePool) };

  const capabilities = { mvt: true, pgrouting: false, concurrent: true };
  try {
    const ext = await query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname = 'pgrouting'");
    capabilities.pgrouting = ext.rows.length > 0;
  } catch {
    // Not reachable yet: readiness will say so; capabilities are refreshed by migrate().
  }

  return {
    kind: 'pg',
    capabilities,
    query,
    publisherLane,
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw translate(err);
      }
      const tx: Queryable = {
        async query<R>(sql: string, params: readonly unknown[] = []) {
          try {
            const res = await client.query(config(sql, params));
            return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
          } catch (err) {
            throw translate(err);
          }
        },
      };
      let broken = false;
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        await tx.query('COMMIT');
        return result;
      } catch (err) {
        broken = isUnavailableError(err);
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        // A client whose connection broke is destroyed rather than returned to the pool.
        client.release(broken ? true : undefined);
      }
    },
    async exec(sql) {
      // Simple-protocol multi-statement script: pg returns one result per statement, which we ignore.
      try {
        await pool.query(sql);
      } catch (err) {
        throw translate(err);
      }
    },
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          pool.query('SELECT 1'),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('ping timeout')), timeoutMs);
          }),
        ]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await Promise.all([pool.end(), lanePool.end()]);
    },
  };
}
