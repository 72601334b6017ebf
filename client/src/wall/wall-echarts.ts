// The parts of ECharts the wall's trend chart uses, in their own chunk: the wall loads it after its map
// (trend-chart.tsx), so its half a megabyte is neither fetched nor parsed on the way to the first full render.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export { echarts };
