// Turns validated insight filters into resolved values (defaults applied) and parameterised SQL conditions.
// Values only ever travel as $n parameters; the only identifiers are the fixed table alias `i`.
import { AppError } from '../../common/errors';
import { INCIDENT_CATEGORIES, type IncidentCategory, type IncidentSeverity } from '../../common/domain';
import { MAX_WINDOW_DAYS, type ResolvedFilters } from '../../common/insight';
import type { Clock } from '../clock';
import type { ScopePolicy } from '../auth/scope';

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 30;

export interface RawFilters {
  from?: string;
  to?: string;
  categories?: IncidentCategory[];
  severity: 'all' | IncidentSeverity;
}

/** Applies defaults (the last 30 days up to now) and checks the window is a sensible, bounded interval. */
export function resolveFilters(raw: RawFilters, clock: Clock): ResolvedFilters {
  const to = raw.to ? new Date(raw.to) : clock.now();
  const from = raw.from ? new Date(raw.from) : new Date(to.getTime() - DEFAULT_WINDOW_DAYS * DAY_MS);
  if (!(from < to)) throw new AppError('VALIDATION_ERROR', 'query.from must be before query.to', 'query.from');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    throw new AppError('VALIDATION_ERROR', `the time window may span at most ${MAX_WINDOW_DAYS} days; narrow from/to`, 'query.from');
  }
  const categories = raw.categories?.length ? [...new Set(raw.categories)] : [...INCIDENT_CATEGORIES];
  return { from: from.toISOString(), to: to.toISOString(), categories, severity: raw.severity };
}

/** Collects positional parameters while SQL text is assembled. */
export class SqlParams {
  readonly values: unknown[] = [];
  /** Adds a value and returns its placeholder, with an explicit cast so both drivers infer the same type. */
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/**
 * The caller's scope (the cases it may read) and the category and severity conditions on alias `i` (no time
 * condition: callers differ on which time applies). The scope is a required argument so that no insight
 * figure can be computed over cases its reader may not see (issue 12 item 1); street roles get no condition.
 */
export function categorySeverityConditions(f: ResolvedFilters, p: SqlParams, scope: ScopePolicy): string[] {
  const out: string[] = [];
  const inScope = scope.cases('i', (v) => p.add(v, 'int'));
  if (inScope !== 'TRUE') out.push(inScope);
  if (f.categories.length < INCIDENT_CATEGORIES.length) out.push(`i.category = ANY(${p.add(f.categories, 'text[]')})`);
  if (f.severity !== 'all') out.push(`i.severity = ${p.add(f.severity, 'text')}`);
  return out;
}

/** Incidents reported in [from, to) matching categories and severity. */
export function reportedConditions(f: ResolvedFilters, p: SqlParams, scope: ScopePolicy): string[] {
  return [
    `i.reported_at >= ${p.add(f.from, 'timestamptz')}`,
    `i.reported_at < ${p.add(f.to, 'timestamptz')}`,
    ...categorySeverityConditions(f, p, scope),
  ];
}
