// Scopes: a grid worker sees and acts on their own grid only; every other role sees the whole street.
// `scopeFilter` returns a parameterised SQL condition to AND into a WHERE clause.
import type { Request } from 'express';
import { getIdentity, type Identity } from './identity';
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

// --- the scope policy: one object per request, the only thing the read paths ask ---------------------------

/** What a scope is built from: the identity's role, grid and person (sessions, API tokens, test users). */
export type ScopeSubject = { role: Identity['role']; scopeGridId: number | null; personId: number | null };

/**
 * Everything a read path needs to know about what the caller may see. Built once per request (`scopeOf`)
 * from the identity and passed as a required argument to the query helpers of grid-scoped reads (layers,
 * tiles, OGC items, incident lists, live snapshot and KPIs, daily stats, Open311), so a new route that
 * reads grid rows has to hold one. Street roles see the street; a grid worker their grid (and the cases
 * assigned to them); a worker without a grid sees nothing.
 */
export interface ScopePolicy {
  readonly street: boolean;
  /** The worker's grid; null for street roles and for a worker without a grid. */
  readonly gridId: number | null;
  readonly personId: number | null;
  /** A key that tells scopes apart in a cache ("street", "grid:7", "none"): cached answers are per scope. */
  readonly key: string;
  /** Rows whose grid column is in scope, as a parameterised condition (see scopeFilter). */
  rows(gridColumn: string, firstParam: number): SqlCondition;
  /**
   * A layer's own scope rule (a condition written in code over the worker's grid id as a placeholder),
   * or TRUE/FALSE. `param` adds the grid id to the caller's parameter list and returns its placeholder.
   */
  where(rule: (gridParam: string) => string, param: (value: unknown) => string): string;
  /** Cases in scope (grid, or assigned to the worker), on alias `alias` of incidents. */
  cases(alias: string, param: (value: unknown) => string): string;
  mayReadGrid(gridId: number | null | undefined): boolean;
  mayReadCase(row: { grid_id: number | null; assignee_id: number | null }): boolean;
  /**
   * Open311 only: the requests whose public fields (id, status, service, times, lat/long) the caller may list.
   * A staff scope lists what `cases` gives; the keyless reader and an api_key client list every request.
   */
  publicCases(alias: string, param: (value: unknown) => string): string;
  /** The registered Open311 client behind an api_key (clientScope); null for every other caller. */
  readonly clientId: number | null;
}

const ALIAS = /^[a-z_][a-z0-9_]*$/;

export function scopePolicy(who: ScopeSubject): ScopePolicy {
  const street = who.role !== 'worker';
  const gridId = street ? null : who.scopeGridId;
  const personId = who.personId;
  return {
    street,
    gridId,
    personId,
    key: street ? 'street' : gridId == null ? 'none' : `grid:${gridId}`,
    rows: (gridColumn, firstParam) => scopeFilter(who, gridColumn, firstParam),
    where(rule, param) {
      if (street) return 'TRUE';
      return gridId == null ? 'FALSE' : `(${rule(param(gridId))})`;
    },
    cases(alias, param) {
      if (!ALIAS.test(alias)) throw new Error(`ScopePolicy.cases: "${alias}" is not an alias`);
      if (street) return 'TRUE';
      const own = personId == null ? null : `${alias}.assignee_id = ${param(personId)}`;
      const grid = gridId == null ? null : `${alias}.grid_id = ${param(gridId)}`;
      const any = [grid, own].filter((c): c is string => c !== null);
      return any.length ? `(${any.join(' OR ')})` : 'FALSE';
    },
    mayReadGrid: (g) => inScope(who, g),
    mayReadCase: (row) => mayReadCase(who, row),
    publicCases(alias, param) {
      return this.cases(alias, param);
    },
    clientId: null,
  };
}

/**
 * The scope of an Open311 reader that is not staff: the keyless reader (`clientId` null) or a registered
 * client's api_key. Such a reader lists the public fields of every request (GeoReport v2's anonymous GET);
 * the full fields (`cases`) only of the requests the client filed itself (open311_client_requests, migration
 * 155); no grid, no layer rows (`rows`/`where` are FALSE), so it opens nothing outside Open311.
 */
export function open311ReaderScope(clientId: number | null): ScopePolicy {
  return {
    street: false,
    gridId: null,
    personId: null,
    key: clientId == null ? 'public' : `client:${clientId}`,
    rows: () => ({ sql: 'FALSE', params: [] }),
    where: () => 'FALSE',
    cases(alias, param) {
      if (!ALIAS.test(alias)) throw new Error(`ScopePolicy.cases: "${alias}" is not an alias`);
      if (clientId == null) return 'FALSE';
      return `EXISTS (SELECT 1 FROM open311_client_requests ocr WHERE ocr.incident_id = ${alias}.id AND ocr.client_id = ${param(clientId)})`;
    },
    publicCases: () => 'TRUE',
    // A single row's owner is known to SQL only (`cases`): outside it nothing is readable in full.
    mayReadGrid: () => false,
    mayReadCase: () => false,
    clientId,
  };
}

/** The keyless Open311 reader: public fields of every request, nothing else. */
export const PUBLIC_SCOPE: ScopePolicy = open311ReaderScope(null);

/** The street's scope, for system jobs that compute what street roles see (KPI push, exports to the wall). */
export const STREET_SCOPE: ScopePolicy = scopePolicy({ role: 'admin', scopeGridId: null, personId: null });

const POLICIES = new WeakMap<object, ScopePolicy>();

/** The request's scope policy, built once from its identity (throws 401 like getIdentity without one). */
export function scopeOf(req: Request): ScopePolicy {
  const hit = POLICIES.get(req);
  if (hit) return hit;
  const policy = scopePolicy(getIdentity(req));
  POLICIES.set(req, policy);
  return policy;
}
