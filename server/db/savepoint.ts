// One statement that may fail inside a longer transaction without ending it. On PostgreSQL any error aborts
// the whole transaction ("current transaction is aborted, commands ignored until end of transaction block");
// a savepoint limits the rollback to what ran since it. Same SQL on PGlite. Used by the OSM import for the
// PostGIS assembly of a multipolygon (ST_BuildArea may raise on broken linework): the relation is skipped
// and the import goes on in its one transaction.
import { isUnavailableError, type Queryable } from './db';

/**
 * Runs `fn` inside SAVEPOINT `name`. On a database error it rolls back to the savepoint and returns
 * `{ error }`; the transaction stays usable. A lost connection is re-thrown (nothing is left to roll back to).
 * `name` must be a constant SQL identifier.
 */
export async function trySavepoint<T>(tx: Queryable, name: string, fn: () => Promise<T>): Promise<{ value: T } | { error: Error }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`savepoint name must be an identifier: ${name}`);
  await tx.query(`SAVEPOINT ${name}`);
  try {
    const value = await fn();
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return { value };
  } catch (err) {
    if (isUnavailableError(err)) throw err;
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    return { error: err instanceof Error ? err : new Error(String(err)) };
  }
}
