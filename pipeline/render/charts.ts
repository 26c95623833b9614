/**
 * The report's charts as SVG strings, drawn in Node by Apache ECharts' server-side SVG renderer
 * (no DOM, no canvas, no browser): the PDF inlines them, so the printed page needs no JavaScript,
 * and the workbook embeds the same drawings as PNG.
 *
 * Why ECharts: maintained (Apache), renders SVG strings on the server natively (`ssr: true`,
 * `renderToSVGString`), has every chart kind needed here (bars, lines, dual axes, pies) and
 * needs no native module. Its text is sized by an estimate (no canvas in Node: one em per CJK
 * character), which fits Noto Sans CJK well.
 *
 * Output is deterministic: animation off, and ECharts' per-instance ids (`zr3-c0`) and hover
 * classes, which depend on how many charts the process drew before, are replaced by ids derived
 * from the chart's own id, which also keeps ids unique when several SVGs share one HTML page.
 */
import type { ReportModel, TypeRow } from '../transform/index.js';
import { FONT_STACK, formatMs, formatNumber, formatPercent } from './format.js';
import { type Locale, lookup, stringsFor } from './strings.js';

export interface ChartSvg {
  /** stable id: success-by-type, daily-volume, latency-by-type, status-classes */
  id: string;
  /** localized title (the SVG itself has none: the page or sheet shows it) */
  title: string;
  /** a standalone `<svg>` document: width/height attributes and viewBox in px */
  svg: string;
  width: number;
  height: number;
}

/** The width every chart is drawn at, in CSS px: A4's printable width (≈ 180 mm) at 96 px/in. */
export const CHART_WIDTH = 680;

const COLORS = {
  success: '#2e7d4f',
  failure: '#c0392b',
  primary: '#2f5597',
  line: '#d68910',
  grid: '#e3e6eb',
  axis: '#5b5f66',
  p50: '#8fb3de',
  p95: '#2f5597',
  p99: '#152c57',
  classes: {
    '2xx': '#2e7d4f',
    '3xx': '#5b8fd6',
    '4xx': '#e0a526',
    '5xx': '#c0392b',
    other: '#8e5ea2',
    none: '#9aa0a6',
  } as Record<string, string>,
};

type ECharts = typeof import('echarts');
let echartsPromise: Promise<ECharts> | undefined;

/**
 * ECharts, once per process, only when charts are drawn. Its CommonJS build (the package's own
 * `require` entry) is one prebuilt file: loading it took 0.15 s here against 0.57 s for the ESM
 * entries (`echarts/core`, `echarts/charts`, …), whose several hundred small modules Node
 * resolves and compiles one by one — and a cold render's charts compete with the browser
 * launch for the CPU. Same version, same code, same SVG.
 */
function loadECharts(): Promise<ECharts> {
  echartsPromise ??= (async () => {
    const { createRequire } = await import('node:module');
    return createRequire(import.meta.url)('echarts') as ECharts;
  })();
  return echartsPromise;
}

type Option = Record<string, unknown>;

const textStyle = { fontFamily: FONT_STACK, fontSize: 11, color: COLORS.axis };

function baseOption(): Option {
  return { animation: false, backgroundColor: '#ffffff', textStyle };
}

function noDataOption(text: string): Option {
  return {
    ...baseOption(),
    title: {
      text,
      left: 'center',
      top: 'middle',
      textStyle: { ...textStyle, fontSize: 14, fontWeight: 'normal', color: '#9aa0a6' },
    },
  };
}

/** `9 座席状态推送` / `9 Agent status`: the code keeps rows apart when names repeat. */
function typeLabel(row: TypeRow, locale: Locale): string {
  return `${row.type} ${locale === 'en' ? row.nameEn : row.name}`;
}

/** An axis lower bound that shows differences between high rates: a step of 5 points below the lowest. */
function rateAxisMin(rates: (number | null)[]): number {
  const present = rates.filter((r): r is number => r !== null);
  if (present.length === 0) return 0;
  const lowest = Math.min(...present);
  return Math.max(0, Math.floor((lowest - 0.005) * 20) / 20);
}

function successByType(model: ReportModel, locale: Locale): { option: Option; height: number } {
  // Top to bottom in code order: ECharts draws a category y axis from the bottom up.
  const rows = [...model.byType].reverse();
  const height = Math.max(120, rows.length * 22 + 50);
  const rates = rows.map((r) => r.successRate);
  const option: Option = {
    ...baseOption(),
    grid: {
      left: 8,
      right: 64,
      top: 10,
      bottom: 24,
      outerBoundsMode: 'same',
      outerBoundsContain: 'axisLabel',
    },
    xAxis: {
      type: 'value',
      min: rateAxisMin(rates),
      max: 1,
      splitLine: { lineStyle: { color: COLORS.grid } },
      axisLabel: { formatter: (v: number) => formatPercent(v, locale, 0) },
    },
    yAxis: {
      type: 'category',
      data: rows.map((r) => typeLabel(r, locale)),
      axisTick: { show: false },
      axisLabel: { color: COLORS.axis },
    },
    series: [
      {
        type: 'bar',
        data: rates.map((r) => (r === null ? '-' : r)),
        barMaxWidth: 14,
        itemStyle: { color: COLORS.success },
        label: {
          show: true,
          position: 'right',
          fontSize: 10,
          color: COLORS.axis,
          formatter: (p: { value: number }) => formatPercent(p.value, locale),
        },
      },
    ],
  };
  return { option, height };
}

function dailyVolume(model: ReportModel, locale: Locale): { option: Option; height: number } {
  const s = stringsFor(locale).common;
  const days = model.byDay;
  return {
    height: 250,
    option: {
      ...baseOption(),
      legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle },
      grid: {
        left: 8,
        right: 8,
        top: 30,
        bottom: 8,
        outerBoundsMode: 'same',
        outerBoundsContain: 'axisLabel',
      },
      xAxis: {
        type: 'category',
        data: days.map((d) => d.date.slice(5)),
        axisTick: { alignWithLabel: true },
        axisLabel: { rotate: days.length > 16 ? 60 : 0, fontSize: 10 },
      },
      yAxis: [
        {
          type: 'value',
          splitLine: { lineStyle: { color: COLORS.grid } },
          axisLabel: { formatter: (v: number) => formatNumber(v, locale) },
        },
        {
          type: 'value',
          min: rateAxisMin(days.map((d) => d.successRate)),
          max: 1,
          splitLine: { show: false },
          axisLabel: { formatter: (v: number) => formatPercent(v, locale, 0) },
        },
      ],
      series: [
        {
          name: lookup(s, 'kpi.succeeded'),
          type: 'bar',
          stack: 'pushes',
          data: days.map((d) => d.succeeded),
          itemStyle: { color: COLORS.success },
          barMaxWidth: 16,
        },
        {
          name: lookup(s, 'kpi.failed'),
          type: 'bar',
          stack: 'pushes',
          data: days.map((d) => d.failed),
          itemStyle: { color: COLORS.failure },
          barMaxWidth: 16,
        },
        {
          name: lookup(s, 'kpi.successRate'),
          type: 'line',
          yAxisIndex: 1,
          data: days.map((d) => (d.successRate === null ? '-' : d.successRate)),
          symbol: 'circle',
          symbolSize: 4,
          lineStyle: { color: COLORS.line, width: 1.5 },
          itemStyle: { color: COLORS.line },
          connectNulls: false,
        },
      ],
    },
  };
}

function latencyByType(model: ReportModel, locale: Locale): { option: Option; height: number } {
  const rows = [...model.byType].reverse();
  const height = Math.max(140, rows.length * 26 + 60);
  const series = (['p50', 'p95', 'p99'] as const).map((p) => ({
    name: p.toUpperCase(),
    type: 'bar',
    data: rows.map((r) => r.latencyMs[p] ?? '-'),
    barMaxWidth: 6,
    barGap: '10%',
    itemStyle: { color: COLORS[p] },
  }));
  return {
    height,
    option: {
      ...baseOption(),
      legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle },
      grid: {
        left: 8,
        right: 24,
        top: 28,
        bottom: 8,
        outerBoundsMode: 'same',
        outerBoundsContain: 'axisLabel',
      },
      xAxis: {
        type: 'value',
        splitLine: { lineStyle: { color: COLORS.grid } },
        axisLabel: { formatter: (v: number) => formatMs(v, locale, '') },
      },
      yAxis: {
        type: 'category',
        data: rows.map((r) => typeLabel(r, locale)),
        axisTick: { show: false },
      },
      series,
    },
  };
}

function statusClasses(model: ReportModel, locale: Locale): { option: Option; height: number } {
  const s = stringsFor(locale).common;
  const byClass = model.statusCodes.byClass;
  const total = Object.values(byClass).reduce((a, b) => a + b, 0);
  const names: Record<string, string> = {
    none: lookup(s, 'charts.statusNone'),
    other: lookup(s, 'charts.statusOther'),
  };
  const data = (['2xx', '3xx', '4xx', '5xx', 'other', 'none'] as const)
    .filter((c) => byClass[c] > 0)
    .map((c) => ({
      name: `${names[c] ?? c}  ${formatNumber(byClass[c], locale)} (${formatPercent(byClass[c] / total, locale, 1)})`,
      value: byClass[c],
      itemStyle: { color: COLORS.classes[c] },
    }));
  return {
    height: 240,
    option: {
      ...baseOption(),
      legend: {
        orient: 'vertical',
        left: 360,
        top: 'middle',
        itemWidth: 12,
        itemHeight: 10,
        itemGap: 10,
        textStyle: { ...textStyle, fontSize: 12 },
      },
      series: [
        {
          type: 'pie',
          radius: ['42%', '78%'],
          center: [180, '50%'],
          label: { show: false },
          labelLine: { show: false },
          itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
          // Slices too small to see still get a sliver, so every listed class is drawn.
          minAngle: 2,
          data,
        },
      ],
    },
  };
}

/** Strips what an interactive chart needs and a printed one must not vary by: see the file comment. */
function normalizeSvg(svg: string, id: string): string {
  return svg
    .replace(/<style\b[^>]*>[\s\S]*?<\/style>/g, '')
    .replace(/ class="zr\d+-cls-\d+"/g, '')
    .replace(/\bzr\d+-/g, `${id}-`)
    .replace(/\n+/g, '\n')
    .trim();
}

/**
 * The report's four charts, titled in `locale`. A chart whose data is empty still comes out,
 * saying "No data", so a page or sheet keeps its layout.
 */
export async function renderChartSvgs(model: ReportModel, locale: Locale): Promise<ChartSvg[]> {
  const echarts = await loadECharts();
  const s = stringsFor(locale).common;
  const noData = lookup(s, 'charts.noData');
  const statusTotal = Object.values(model.statusCodes.byClass).reduce((a, b) => a + b, 0);
  const specs: { id: string; titleKey: string; empty: boolean; build: typeof successByType }[] = [
    {
      id: 'success-by-type',
      titleKey: 'successByType',
      empty: model.byType.length === 0,
      build: successByType,
    },
    { id: 'daily-volume', titleKey: 'dailyVolume', empty: model.byDay.length === 0, build: dailyVolume },
    {
      id: 'latency-by-type',
      titleKey: 'latencyByType',
      empty: model.byType.every((r) => r.latencyMs.count === 0),
      build: latencyByType,
    },
    { id: 'status-classes', titleKey: 'statusClasses', empty: statusTotal === 0, build: statusClasses },
  ];
  return specs.map(({ id, titleKey, empty, build }) => {
    const { option, height } = empty ? { option: noDataOption(noData), height: 120 } : build(model, locale);
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height });
    try {
      chart.setOption(option);
      const svg = normalizeSvg(chart.renderToSVGString(), id);
      return { id, title: lookup(s, `charts.${titleKey}`), svg, width: CHART_WIDTH, height };
    } finally {
      chart.dispose();
    }
  });
}
