// Scopes: a grid worker sees and acts on their own grid only; every other role sees the whole street.
// `scopeFilter` returns a parameterised SQL condition to AND into a WHERE clause.
import type { Identity } from './identity';
import { AppError } from '../../common/errors';

export interface SqlCondition {
  /** e.g. "i.grid_id = $3", "TRUE" or "FALSE" */
  sql: string;
  params: unknown[];
}

const COLUMN = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/**
 * The rows `identity` may see, as a condition on `gridColumn` (an identifier written by the caller, never
 * user input). `firstParam` is the number of the first placeholder the condition may use.
 *
 *   const scope = scopeFilter(identity, 'i.grid_id', params.length + 1);
 *   sql += ` AND ${scope.sql}`; params.push(...scope.params);
 */
export function scopeFilter(identity: Pick<Identity, 'role' | 'scopeGridId'>, gridColumn = 'grid_id', firstParam = 1): SqlCondition {
  if (!COLUMN.test(gridColumn)) throw new Error(`scopeFilter: "${gridColumn}" is not a column name`);
  if (identity.role !== 'worker') return { sql: 'TRUE', params: [] };
  if (identity.scopeGridId == null) return { sql: 'FALSE', params: [] };
  return { sql: `${gridColumn} = $${firstParam}`, params: [identity.scopeGridId] };
}

/** True when `identity` may see a row of grid `gridId` (null = a row outside any grid: street-level only). */
export function inScope(identity: Pick<Identity, 'role' | 'scopeGridId'>, gridId: number | null | undefined): boolean {
  if (identity.role !== 'worker') return true;
  return identity.scopeGridId != null && gridId === identity.scopeGridId;
}

/**
 * True when `who` may see a case: street roles see every case, a grid worker the cases of their grid and any
 * case assigned to them. The one rule behind the incident detail, every incident command and the phone's task
 * pages; callers answer "not found" otherwise, word for word as for a missing case.
 */
export function mayReadCase(
  who: { role: Identity['role'] | null; scopeGridId?: number | null; personId: number | null },
  row: { grid_id: number | null; assignee_id: number | null },
): boolean {
  if (who.role !== 'worker') return true;
  if (who.personId != null && row.assignee_id === who.personId) return true;
  return who.scopeGridId != null && row.grid_id === who.scopeGridId;
}

/** Throws 403 FORBIDDEN when the row is outside the identity's scope. */
export function assertInScope(identity: Pick<Identity, 'role' | 'scopeGridId'>, gridId: number | null | undefined, what = 'this'): void {
  if (!inScope(identity, gridId)) throw new AppError('FORBIDDEN', `${what} is outside your grid`);
}
