// 14-day trend of incidents reported and closed (ECharts; only the parts used are imported, in their own
// chunk loaded once the chart may draw: wall-echarts.ts).
import { useEffect, useRef, useState } from 'react';
import type { ECharts } from 'echarts/core';
import { api } from '../api/http';
import type { DailyStats } from '../../../common/layers';
import { useI18n } from '../i18n/i18n';

/** Refetch the trend this often and whenever `refreshKey` changes (e.g. today's counts moved). */
const REFRESH_MS = 60_000;

/**
 * `ready`: draw only once it is true. On a wall the map and the live figures come first: ECharts' first
 * init and draw cost about a second of main thread in software rendering (profiled on a cold /wall load),
 * spent while MapLibre and deck.gl still set up, so the wall starts the chart after its first full frame.
 */
export function TrendChart({ scale, refreshKey, ready = true }: { scale: number; refreshKey: string; ready?: boolean }) {
  const { t } = useI18n();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  // bumped when the chart exists, so the options effect runs for stats that arrived before it
  const [chartReady, setChartReady] = useState(0);
  const [stats, setStats] = useState<DailyStats | null>(null);

  useEffect(() => {
    if (!ready) return;
    let alive = true;
    const load = () => api.get<DailyStats>('/api/stats/daily?days=14').then((s) => alive && setStats(s), () => undefined);
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [refreshKey, ready]);

  useEffect(() => {
    if (!ready) return;
    let alive = true;
    let dispose = () => {};
    void import('./wall-echarts').then(({ echarts }) => {
      const node = el.current;
      if (!alive || !node) return;
      const c = echarts.init(node, undefined, { renderer: 'canvas' });
      chart.current = c;
      // the card's height comes from the grid layout: follow the container, not the window
      const observer = new ResizeObserver(() => c.resize());
      observer.observe(node);
      dispose = () => {
        observer.disconnect();
        c.dispose();
        chart.current = null;
      };
      setChartReady((n) => n + 1);
    });
    return () => {
      alive = false;
      dispose();
    };
  }, [ready]);

  useEffect(() => {
    if (!chart.current || !stats) return;
    const font = Math.round(12 * scale);
    chart.current.setOption({
      animation: false,
      textStyle: { fontFamily: '"Noto Sans CJK SC", "Microsoft YaHei", sans-serif', fontSize: font, color: '#c9d6ea' },
      grid: { left: 6 * font, right: 2 * font, top: 3 * font, bottom: 2.2 * font },
      legend: { top: 0, textStyle: { color: '#c9d6ea', fontSize: font }, itemWidth: font * 1.5, itemHeight: font * 0.8 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: stats.days.map((d) => d.slice(5)), axisLabel: { color: '#8fa3bf', fontSize: font * 0.9 }, axisLine: { lineStyle: { color: '#34465f' } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#8fa3bf', fontSize: font * 0.9 }, splitLine: { lineStyle: { color: '#1d2b40' } } },
      series: [
        { name: t('trendReported'), type: 'bar', data: stats.reported, itemStyle: { color: '#ff7a45' }, barWidth: '40%' },
        { name: t('trendClosed'), type: 'line', data: stats.closed, itemStyle: { color: '#73d13d' }, lineStyle: { width: 2 * scale }, symbolSize: 5 * scale },
      ],
    });
  }, [stats, scale, t, chartReady]);

  return (
    <section className="wall-card trend-card">
      <h2>{t('trendTitle')}</h2>
      <div ref={el} className="trend-chart" data-testid="trend-chart" />
    </section>
  );
}
