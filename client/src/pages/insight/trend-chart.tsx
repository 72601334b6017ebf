// Weekly trend of one ranking metric for the selected units, drawn with ECharts (only the parts we use are
// registered, so the bundle stays small).
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { RankingMetric, RankingRow } from '../../../../common/insight';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent, CanvasRenderer]);

export interface TrendChartProps {
  weeks: string[];
  rows: RankingRow[];
  metric: RankingMetric;
  title: string;
  /** Rates are shown in percent. */
  percent: boolean;
}

export function TrendChart({ weeks, rows, metric, title, percent }: TrendChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    const onResize = () => c.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const series = rows.map((r) => {
      const byWeek = new Map(r.trend.map((p) => [p.week, p[metric]]));
      return {
        name: r.name,
        type: 'line' as const,
        connectNulls: true,
        symbolSize: 5,
        data: weeks.map((w) => {
          const v = byWeek.get(w);
          return v == null ? null : percent ? Math.round(v * 1000) / 10 : v;
        }),
      };
    });
    chart.current?.setOption(
      {
        title: { text: title, left: 0, top: 0, textStyle: { fontSize: 13 } },
        tooltip: { trigger: 'axis' },
        legend: { top: 24, left: 0, type: 'scroll', textStyle: { fontSize: 11 } },
        grid: { left: 44, right: 16, top: 62, bottom: 28 },
        xAxis: { type: 'category', data: weeks.map((w) => w.slice(5)) },
        yAxis: { type: 'value', axisLabel: { formatter: percent ? '{value}%' : '{value}' } },
        series,
      },
      true,
    );
  }, [weeks, rows, metric, title, percent]);

  return <div ref={el} className="insight-trend" data-testid="insight-trend" />;
}
