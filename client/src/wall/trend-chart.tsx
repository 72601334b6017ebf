// 14-day trend of incidents reported and closed (ECharts; only the parts used are imported so the bundle
// stays small).
import { useEffect, useRef, useState } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { api } from '../api/http';
import type { DailyStats } from '../../../common/layers';
import { useI18n } from '../i18n/i18n';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Refetch the trend this often and whenever `refreshKey` changes (e.g. today's counts moved). */
const REFRESH_MS = 60_000;

export function TrendChart({ scale, refreshKey }: { scale: number; refreshKey: string }) {
  const { t } = useI18n();
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const [stats, setStats] = useState<DailyStats | null>(null);

  useEffect(() => {
    let alive = true;
    const load = () => api.get<DailyStats>('/api/stats/daily?days=14').then((s) => alive && setStats(s), () => undefined);
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [refreshKey]);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    // the card's height comes from the grid layout: follow the container, not the window
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

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
  }, [stats, scale, t]);

  return (
    <section className="wall-card trend-card">
      <h2>{t('trendTitle')}</h2>
      <div ref={el} className="trend-chart" data-testid="trend-chart" />
    </section>
  );
}
