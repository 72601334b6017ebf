// Insight queries run in one read-only transaction with JIT off. Why: the planner's estimates for
// generate_series × ST_Intersects and for million-row GROUP BYs cross jit_above_cost, and PostgreSQL then
// spends ~0.8 s compiling expressions for queries that execute in milliseconds (measured: bench/hotspots).
import type { Db, Queryable } from '../db/db';

export function insightRead<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION READ ONLY');
    await tx.query('SET LOCAL jit = off');
    return fn(tx);
  });
}
