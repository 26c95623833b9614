/** The Summary sheet's overall latency and SLA tables. */
import type ExcelJS from 'exceljs';
import type { SlaRuleResult } from '../../transform/index.js';
import { cellText } from '../sanitize.js';
import type { SheetContext } from './context.js';
import {
  addTable,
  type FigureKind,
  GREEN_FILL,
  RED_CELL_FILL,
  type Value,
  type Widths,
  writeSection,
} from './layout.js';

/** The number format of an SLA metric's target and actual. */
function slaKind(rule: SlaRuleResult): FigureKind {
  return rule.metric.startsWith('latencyMs.') ? 'ms' : 'rate';
}

/** Green for a pass, red for a fail or no data. */
function verdictLook(pass: boolean): { font: Partial<ExcelJS.Font>; fill: ExcelJS.Fill } {
  return {
    font: { bold: true, color: { argb: pass ? 'FF006100' : 'FF9C0006' } },
    fill: pass ? GREEN_FILL : RED_CELL_FILL,
  };
}

interface LatencyLine {
  label: string;
  value: Value;
  kind: FigureKind;
}

export function addLatency(sheet: ExcelJS.Worksheet, widths: Widths, row: number, ctx: SheetContext): number {
  const { model, t, c } = ctx;
  const l = model.latencyMs;
  const lines: LatencyLine[] = [
    { label: t('columns.latencyCount'), value: l.count, kind: 'count' },
    { label: t('columns.mean'), value: l.mean, kind: 'ms' },
    { label: t('columns.min'), value: l.min, kind: 'ms' },
    { label: t('columns.max'), value: l.max, kind: 'ms' },
    { label: t('columns.p50'), value: l.p50, kind: 'ms' },
    { label: t('columns.p90'), value: l.p90, kind: 'ms' },
    { label: t('columns.p95'), value: l.p95, kind: 'ms' },
    { label: t('columns.p99'), value: l.p99, kind: 'ms' },
    { label: t('columns.overTimeout'), value: l.overTimeout, kind: 'count' },
    ...Object.entries(l.buckets).map(([bucket, n]) => ({
      label: `${t('latency.bucket')} ${bucket} ms`,
      value: n,
      kind: 'count' as const,
    })),
    { label: `${t('latency.queue')} · ${t('columns.latencyCount')}`, value: l.queueMs.count, kind: 'count' },
    { label: `${t('latency.queue')} · ${c('kpi.mean')}`, value: l.queueMs.mean, kind: 'ms' },
    { label: `${t('latency.queue')} · p95`, value: l.queueMs.p95, kind: 'ms' },
    {
      label: `${t('latency.roundTrip')} · ${t('columns.latencyCount')}`,
      value: l.roundTripMs.count,
      kind: 'count',
    },
    { label: `${t('latency.roundTrip')} · ${c('kpi.mean')}`, value: l.roundTripMs.mean, kind: 'ms' },
    { label: `${t('latency.roundTrip')} · p95`, value: l.roundTripMs.p95, kind: 'ms' },
  ];
  writeSection(sheet, row, t('latency.title'));
  const next = addTable(
    sheet,
    widths,
    row + 1,
    [
      { header: t('summary.metric'), value: (x: LatencyLine) => x.label },
      { header: t('summary.value'), value: (x) => x.value, rowKind: (x) => x.kind },
    ],
    lines,
  );
  return next + 1;
}

export function addSla(sheet: ExcelJS.Worksheet, widths: Widths, row: number, ctx: SheetContext): number {
  const { model, t, c } = ctx;
  writeSection(sheet, row, c('sla.title'));
  if (model.sla === null) {
    sheet.getCell(row + 1, 1).value = t('summary.slaNone');
    return row + 3;
  }
  const sla = model.sla;
  const verdictCell = sheet.getCell(row + 1, 1);
  verdictCell.value = sla.passed ? t('summary.slaPassed') : t('summary.slaFailed');
  const look = verdictLook(sla.passed);
  verdictCell.font = look.font;
  verdictCell.fill = look.fill;
  sheet.getCell(row + 1, 2).value = `${t('summary.slaFile')}: ${cellText(sla.file)}`;
  const headerRow = row + 2;
  const verdictText = (r: SlaRuleResult) =>
    r.verdict === 'pass' ? c('sla.pass') : r.verdict === 'fail' ? c('sla.fail') : c('sla.noData');
  const next = addTable(
    sheet,
    widths,
    headerRow,
    [
      {
        header: c('sla.rule'),
        value: (r: SlaRuleResult) => r.name ?? `${r.scope} ${r.metric} ${r.op} ${r.value}`,
      },
      { header: c('sla.scope'), value: (r) => r.scope },
      { header: c('sla.metric'), value: (r) => r.metric },
      { header: '', value: (r) => r.op },
      { header: c('sla.target'), value: (r) => r.value, rowKind: slaKind },
      { header: c('sla.actual'), value: (r) => r.actual, rowKind: slaKind },
      { header: c('sla.verdict'), value: verdictText, look: (r) => verdictLook(r.verdict === 'pass') },
    ],
    sla.rules,
    { autoFilter: true },
  );
  return next + 1;
}
