// Rankings of communities or grids by outcomes only (PRODUCT.md §7): time to close, on-time rate, rework,
// escalations and satisfaction of the incidents reported in the window — never counts of activity.
// Each unit also gets a weekly trend (weeks of the report date, Monday-based, China Standard Time).
import type { ScopePolicy } from '../auth/scope';
import {
  RANKING_HIGHER_IS_BETTER,
  type RankingMetrics,
  type RankingRow,
  type RankingsQuery,
  type RankingsResponse,
} from '../../common/insight';
import type { Queryable } from '../db/db';
import type { Clock } from '../clock';
import { SqlParams, reportedConditions, resolveFilters } from './filters';

/** Outcome aggregates over incidents `i` (LEFT JOINed: a unit without incidents gets nulls and zeros). */
const METRICS_SQL = `
  count(i.id)::int AS incidents,
  count(i.closed_at)::int AS closed,
  (count(i.id) FILTER (WHERE i.closed_at IS NULL AND i.status <> 'rejected'))::int AS open,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.closed_at - i.reported_at) / 3600.0)
    FILTER (WHERE i.closed_at IS NOT NULL) AS median_close_h,
  avg(extract(epoch FROM i.closed_at - i.reported_at) / 3600.0) FILTER (WHERE i.closed_at IS NOT NULL) AS mean_close_h,
  avg(CASE WHEN i.closed_at <= i.due_at THEN 1.0 ELSE 0.0 END) FILTER (WHERE i.closed_at IS NOT NULL) AS on_time_rate,
  avg(CASE WHEN i.rework_count > 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE i.closed_at IS NOT NULL) AS rework_rate,
  (count(i.id) FILTER (WHERE i.escalation_level > 0))::int AS escalations,
  avg(i.satisfaction) AS mean_satisfaction`;

interface MetricsRow {
  incidents: number;
  closed: number;
  open: number;
  median_close_h: number | string | null;
  mean_close_h: number | string | null;
  on_time_rate: number | string | null;
  rework_rate: number | string | null;
  escalations: number;
  mean_satisfaction: number | string | null;
}

const num = (v: number | string | null): number | null => (v == null ? null : Math.round(Number(v) * 1000) / 1000);

function toMetrics(r: MetricsRow): RankingMetrics {
  return {
    incidents: Number(r.incidents),
    closed: Number(r.closed),
    open: Number(r.open),
    medianCloseHours: num(r.median_close_h),
    meanCloseHours: num(r.mean_close_h),
    onTimeRate: num(r.on_time_rate),
    reworkRate: num(r.rework_rate),
    escalations: Number(r.escalations),
    meanSatisfaction: num(r.mean_satisfaction),
  };
}

/** The unit tables: identifiers come from this allow-list only. */
const UNITS = {
  community: {
    from: `communities u`,
    communityName: `u.name`,
    join: `i.community_id = u.id`,
  },
  grid: {
    from: `grids u JOIN communities c ON c.id = u.community_id`,
    communityName: `c.name`,
    join: `i.grid_id = u.id`,
  },
} as const;

const WEEK_SQL = `to_char(date_trunc('week', (i.reported_at AT TIME ZONE 'UTC') + interval '8 hours'), 'YYYY-MM-DD')`;

export async function computeRankings(db: Queryable, clock: Clock, q: RankingsQuery, scope: ScopePolicy): Promise<RankingsResponse> {
  const filters = resolveFilters(q, clock);
  const unit = UNITS[q.level];
  const p = new SqlParams();
  const on = [unit.join, ...reportedConditions(filters, p, scope)].join(' AND ');
  // the units ranked: a worker's scope ranks its own grid (or its grid's community) only
  const units = scope.where((g) => (q.level === 'grid' ? `u.id = ${g}` : `u.id = (SELECT community_id FROM grids WHERE id = ${g})`), (v) => p.add(v, 'int'));
  const [totals, weekly] = await Promise.all([
    db.query<MetricsRow & { id: number; code: string; name: string; community_name: string }>(
      `SELECT u.id, u.code, u.name, ${unit.communityName} AS community_name, ${METRICS_SQL}
       FROM ${unit.from} LEFT JOIN incidents i ON ${on}
       WHERE ${units}
       GROUP BY u.id, u.code, u.name, ${unit.communityName}`,
      p.values,
    ),
    db.query<MetricsRow & { id: number; week: string }>(
      `SELECT u.id, ${WEEK_SQL} AS week, ${METRICS_SQL}
       FROM ${unit.from} JOIN incidents i ON ${on}
       WHERE ${units}
       GROUP BY u.id, 2 ORDER BY 2`,
      p.values,
    ),
  ]);

  const weeks = [...new Set(weekly.rows.map((r) => r.week))].sort();
  const trendById = new Map<number, RankingRow['trend']>();
  for (const r of weekly.rows) {
    const id = Number(r.id);
    const list = trendById.get(id) ?? [];
    list.push({ week: r.week, ...toMetrics(r) });
    trendById.set(id, list);
  }

  const higher = RANKING_HIGHER_IS_BETTER[q.sort];
  const rows = totals.rows.map((r) => ({
    rank: 0,
    id: Number(r.id),
    code: r.code,
    name: r.name,
    communityName: r.community_name,
    ...toMetrics(r),
    trend: trendById.get(Number(r.id)) ?? [],
  }));
  // Units without a value for the metric (nothing closed yet) go last; ties keep code order.
  rows.sort((a, b) => {
    const va = a[q.sort];
    const vb = b[q.sort];
    if (va == null || vb == null) return va == null && vb == null ? a.code.localeCompare(b.code) : va == null ? 1 : -1;
    if (va !== vb) return higher ? vb - va : va - vb;
    return a.code.localeCompare(b.code);
  });
  rows.forEach((r, k) => (r.rank = k + 1));
  return { filters, level: q.level, sort: q.sort, weeks, rows };
}
