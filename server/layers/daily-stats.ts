// Incidents reported and closed per Asia/Shanghai day, for the wall's trend chart. Aggregates only.
import type { Queryable } from '../db/db';
import type { ScopePolicy } from '../auth/scope';
import type { DailyStats } from '../../common/layers';
import { DAY_MS, shanghaiDate, shanghaiDayStart } from './shanghai-day';

/** `scope`: a grid worker's trend counts only their grid's cases (and the cases assigned to them). */
export async function dailyStats(db: Queryable, days: number, now: Date, scope: ScopePolicy): Promise<DailyStats> {
  const todayStart = shanghaiDayStart(now);
  const from = new Date(todayStart.getTime() - (days - 1) * DAY_MS);
  // Day index relative to `from`, computed in SQL from epoch seconds so both backends agree without tz data.
  const params: unknown[] = [from, from.getTime() / 1000];
  const cases = scope.cases('i', (v) => `$${params.push(v)}`);
  const { rows } = await db.query<{ kind: string; d: unknown; n: unknown }>(
    `SELECT 'reported' AS kind, floor((extract(epoch FROM reported_at) - $2) / 86400)::int AS d, count(*) AS n
       FROM incidents i WHERE reported_at >= $1 AND ${cases} GROUP BY 2
     UNION ALL
     SELECT 'closed', floor((extract(epoch FROM closed_at) - $2) / 86400)::int, count(*)
       FROM incidents i WHERE closed_at >= $1 AND ${cases} GROUP BY 2`,
    params,
  );
  const reported = new Array<number>(days).fill(0);
  const closed = new Array<number>(days).fill(0);
  for (const r of rows) {
    const d = Number(r.d);
    if (d < 0 || d >= days) continue;
    (r.kind === 'reported' ? reported : closed)[d] += Number(r.n);
  }
  const labels = Array.from({ length: days }, (_, i) => shanghaiDate(new Date(from.getTime() + i * DAY_MS)));
  return { days: labels, reported, closed };
}
