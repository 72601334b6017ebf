// Rankings by outcomes (time to close, on-time rate, rework, escalations, satisfaction) with a weekly trend
// chart of the chosen metric for the top units, and the export buttons of the brief.
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/http';
import { RANKING_METRICS, type RankingMetric, type RankingsResponse } from '../../../../common/insight';
import { useInsightText, type InsightTextKey } from './insight-text';
import { TrendChart } from './trend-chart';

const RATE_METRICS: ReadonlySet<RankingMetric> = new Set(['onTimeRate', 'reworkRate']);

function fmt(metric: RankingMetric, v: number | null): string {
  if (v == null) return '—';
  if (RATE_METRICS.has(metric)) return `${(v * 100).toFixed(1)}%`;
  return metric === 'escalations' ? String(v) : v.toFixed(1);
}

export function RankingsPanel({ filterQuery }: { filterQuery: string }) {
  const { tx } = useInsightText();
  const [level, setLevel] = useState<'community' | 'grid'>('community');
  const [sort, setSort] = useState<RankingMetric>('onTimeRate');
  const [data, setData] = useState<RankingsResponse | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ctl = new AbortController();
    api
      .get<RankingsResponse>(`/api/insight/rankings?${filterQuery}&level=${level}&sort=${sort}`, ctl.signal)
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e: Error) => e.name !== 'AbortError' && setError(e.message));
    return () => ctl.abort();
  }, [filterQuery, level, sort]);

  const top = useMemo(() => (data ? data.rows.filter((r) => r.incidents > 0).slice(0, 6) : []), [data]);
  const exportQuery = filterQuery;

  return (
    <section className="insight-rankings" data-testid="insight-rankings">
      <div className="insight-rankings-head">
        <h3>{tx('rankings')}</h3>
        <label>
          {tx('level')}
          <select value={level} onChange={(e) => setLevel(e.target.value as 'community' | 'grid')}>
            <option value="community">{tx('levelCommunity')}</option>
            <option value="grid">{tx('levelGrid')}</option>
          </select>
        </label>
        <label>
          {tx('sortBy')}
          <select value={sort} onChange={(e) => setSort(e.target.value as RankingMetric)} data-testid="insight-sort">
            {RANKING_METRICS.map((m) => (
              <option key={m} value={m}>
                {tx(m as InsightTextKey)}
              </option>
            ))}
          </select>
        </label>
        <div className="insight-export" data-testid="insight-export">
          <span>{tx('export')}</span>
          <a href={`/api/insight/brief.xlsx?${exportQuery}`} download>{tx('exportXlsx')}</a>
          <a href={`/api/insight/brief.csv?${exportQuery}&sheet=open`} download>{tx('exportOpenCsv')}</a>
          <a href={`/api/insight/brief.csv?${exportQuery}&sheet=overdue`} download>{tx('exportOverdueCsv')}</a>
          <a href={`/api/insight/brief.csv?${exportQuery}&sheet=rankings`} download>{tx('exportRankingsCsv')}</a>
        </div>
      </div>
      {error && <div className="insight-error">{tx('error')}{error}</div>}
      {!data && !error && <div className="insight-muted">{tx('loading')}</div>}
      {data && (
        <div className="insight-rankings-body">
          <div className="insight-table-wrap">
            <table className="insight-table">
              <thead>
                <tr>
                  <th>{tx('rank')}</th>
                  <th>{tx('unit')}</th>
                  <th>{tx('closed')}</th>
                  <th>{tx('open')}</th>
                  {RANKING_METRICS.map((m) => (
                    <th key={m} className={m === sort ? 'sorted' : undefined}>{tx(m as InsightTextKey)}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.id}>
                    <td>{r.rank}</td>
                    <td>{level === 'grid' ? `${r.communityName} · ${r.name}` : r.name}</td>
                    <td>{r.closed}</td>
                    <td>{r.open}</td>
                    {RANKING_METRICS.map((m) => (
                      <td key={m} className={m === sort ? 'sorted' : undefined}>{fmt(m, r[m])}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <TrendChart
            weeks={data.weeks}
            rows={top}
            metric={sort}
            percent={RATE_METRICS.has(sort)}
            title={`${tx('trend')} · ${tx(sort as InsightTextKey)}`}
          />
        </div>
      )}
    </section>
  );
}
