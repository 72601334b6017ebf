// The one module that owns database connections. Everything else talks to the `Db` interface; only the two
// driver files import a driver (ENGINEERING.md §2: two backends, one SQL).

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs one parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export type DbKind = 'pglite' | 'pg';

export interface DbCapabilities {
  /** ST_AsMVT works (server PostGIS). PGlite's PostGIS is built without protobuf-c. */
  readonly mvt: boolean;
  /** pgRouting is installed (server only; used by benchmarks and cross-checks, never by the product path). */
  readonly pgrouting: boolean;
  /** More than one connection can run at once (pg pool). PGlite serialises everything on one connection. */
  readonly concurrent: boolean;
}

export interface Db extends Queryable {
  readonly kind: DbKind;
  readonly capabilities: DbCapabilities;
  /**
   * A connection reserved for the outbox publisher's reads (pg: a one-connection pool of its own; PGlite: the
   * database itself, which has one connection anyway). Pushing committed events must not wait in the pool's
   * queue behind the very request burst that produced them: with one shared pool, each publisher read queued
   * behind every pending command and events reached sockets in one lump at the end of a burst. Optional so
   * test doubles of Db need not provide it (callers fall back to the Db).
   */
  readonly publisherLane?: Queryable;
  /** Runs `fn` inside BEGIN … COMMIT; any throw rolls back and is re-thrown. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
  /** True when a trivial query answers within the timeout (readiness probe). */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The database could not be reached or the connection broke mid-statement. Recoverable: the API answers
 * 503 DB_UNAVAILABLE and the caller may retry with the same idempotency key.
 */
export class DbUnavailableError extends Error {
  readonly code = 'DB_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DbUnavailableError';
  }
}

/** SQLSTATE classes that mean "the connection or server went away", not "your statement was wrong". */
const UNAVAILABLE_SQLSTATE_PREFIXES = ['08', '57P'];
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

export function isUnavailableError(err: unknown): boolean {
  if (err instanceof DbUnavailableError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  const message = String((err as { message?: unknown }).message ?? '');
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    if (UNAVAILABLE_SQLSTATE_PREFIXES.some((p) => code.startsWith(p))) return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/**
 * Statements worth preparing once per connection (pg: a named statement, parsed and planned on first use,
 * then only bound and executed). For hot statements whose planning is a large share of their cost: the
 * one-statement intake plans in ~0.8 ms and runs in ~1 ms (issue 15). The SQL text is the key, so the
 * statement must be a constant string with parameters for every value. PGlite runs it as any other.
 */
const preparedNames = new Map<string, string>();

/** Marks `sql` as prepared (see preparedNames) and returns it unchanged. */
export function prepared(sql: string): string {
  if (!preparedNames.has(sql)) preparedNames.set(sql, `gcc_stmt_${preparedNames.size + 1}`);
  return sql;
}

/** The statement name of a prepared SQL text, if it was marked with prepared(). */
export function preparedName(sql: string): string | undefined {
  return preparedNames.get(sql);
}

/** The SQLSTATE of a database error, when there is one (e.g. '23505' unique violation). */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
