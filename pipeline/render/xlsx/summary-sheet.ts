/**
 * The Summary sheet: who and when, the headline figures with month-over-month changes, the
 * overall latency, the SLA verdicts, where the failed records are, a how-to-read note and the
 * report's charts as images.
 */
import type ExcelJS from 'exceljs';
import { cellText } from '../sanitize.js';
import type { SheetContext } from './context.js';
import {
  addRedBelow,
  addTable,
  type Column,
  type FigureKind,
  setCell,
  type Value,
  Widths,
  writeSection,
  writeTitle,
} from './layout.js';
import { addLatency, addSla } from './summary-tables.js';

export interface ChartImage {
  title: string;
  png: Buffer;
  width: number;
  height: number;
}

export interface SummaryExtras {
  failureSheets: string[];
  rowLimit: number;
  charts: ChartImage[];
}

interface Headline {
  label: string;
  value: Value;
  previous: Value;
  delta: Value;
  kind: FigureKind;
  deltaKind: FigureKind;
  redBelow?: number | null;
}

function headlines(ctx: SheetContext): Headline[] {
  const { model, c } = ctx;
  const p = model.previous;
  const d = p?.deltas;
  const count = (label: string, value: number, prev: Value, delta: Value): Headline => ({
    label,
    value,
    previous: prev,
    delta,
    kind: 'count',
    deltaKind: 'deltaRelative',
  });
  const rate = (label: string, value: Value, prev: Value, delta: Value): Headline => ({
    label,
    value,
    previous: prev,
    delta,
    kind: 'rate',
    deltaKind: 'deltaPoints',
  });
  const ms = (label: string, value: Value, prev: Value, delta: Value): Headline => ({
    label,
    value,
    previous: prev,
    delta,
    kind: 'ms',
    deltaKind: 'deltaRelative',
  });
  return [
    count(c('kpi.pushes'), model.totals.pushes, p?.totals.pushes, d?.totals.pushes),
    count(c('kpi.succeeded'), model.totals.succeeded, p?.totals.succeeded, d?.totals.succeeded),
    count(c('kpi.failed'), model.totals.failed, p?.totals.failed, d?.totals.failed),
    {
      ...rate(c('kpi.successRate'), model.totals.successRate, p?.totals.successRate, d?.totals.successRate),
      redBelow: ctx.successTarget,
    },
    rate(
      c('kpi.eventualSuccessRate'),
      model.retries.eventualSuccessRate,
      p?.retries.eventualSuccessRate,
      d?.retries.eventualSuccessRate,
    ),
    rate(
      c('kpi.firstAttemptSuccessRate'),
      model.retries.firstAttemptSuccessRate,
      p?.retries.firstAttemptSuccessRate,
      d?.retries.firstAttemptSuccessRate,
    ),
    ms(c('kpi.p50'), model.latencyMs.p50, p?.latencyMs.p50, d?.latencyMs.p50),
    ms(c('kpi.p95'), model.latencyMs.p95, p?.latencyMs.p95, d?.latencyMs.p95),
    ms(c('kpi.p99'), model.latencyMs.p99, p?.latencyMs.p99, d?.latencyMs.p99),
    ms(c('kpi.mean'), model.latencyMs.mean, p?.latencyMs.mean, d?.latencyMs.mean),
    rate(c('kpi.retriedShare'), model.retries.retriedShare, p?.retries.retriedShare, d?.retries.retriedShare),
    count(c('kpi.deliveries'), model.retries.deliveries, p?.retries.deliveries, d?.retries.deliveries),
    count(c('kpi.exhausted'), model.retries.exhausted, p?.retries.exhausted, d?.retries.exhausted),
  ];
}

function writeInfo(sheet: ExcelJS.Worksheet, widths: Widths, row: number, pairs: [string, Value][]): number {
  for (const [label, value] of pairs) {
    const labelCell = sheet.getCell(row, 1);
    labelCell.value = label;
    labelCell.font = { bold: true };
    setCell(sheet.getCell(row, 2), value, 'text');
    widths.see(1, label);
    row += 1;
  }
  return row;
}

export function addSummarySheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  extras: SummaryExtras,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { model, t, c } = ctx;
  const sheet = wb.addWorksheet(t('sheets.summary'), options);
  const widths = new Widths();
  writeTitle(sheet, `${c('reportTitle')} — ${model.enterpriseId} ${model.month}`, ctx.partialStamp);

  const status = [
    model.complete ? c('complete') : c('partial'),
    model.final || model.asOf === null
      ? t('summary.final')
      : t('summary.notFinal', { asOf: ctx.localText(model.asOf) }),
  ].join(' · ');
  let row = writeInfo(sheet, widths, 3, [
    [c('enterprise'), model.enterpriseId],
    [c('month'), model.month],
    [c('timeZone'), model.timeZone],
    [t('summary.window'), `${model.window.start} – ${model.window.end}`],
    [t('summary.status'), status],
    [c('asOf'), model.asOf === null ? null : ctx.localText(model.asOf)],
    [c('generatedAt'), ctx.localText(model.generatedAt)],
    [c('toolVersion'), model.toolVersion],
  ]);
  if (!model.complete) {
    const note = sheet.getCell(row, 1);
    note.value = t('summary.partialNote', { count: model.incompleteWindows.length });
    note.font = { bold: true, color: { argb: 'FFC00000' } };
    row += 1;
  }

  writeSection(sheet, row + 1, t('summary.headline'));
  const previousHeader = model.previous
    ? t('summary.previous', { month: model.previous.month })
    : t('summary.previous', { month: '—' });
  const headlineColumns: Column<Headline>[] = [
    { header: t('summary.metric'), value: (h) => h.label },
    { header: t('summary.value'), value: (h) => h.value, rowKind: (h) => h.kind },
    { header: previousHeader, value: (h) => h.previous, rowKind: (h) => h.kind },
    { header: t('summary.change'), value: (h) => h.delta, rowKind: (h) => h.deltaKind },
  ];
  const rows = headlines(ctx);
  const headerRow = row + 2;
  row = addTable(sheet, widths, headerRow, headlineColumns, rows);
  // Targets belong to single headlines, not to the whole column.
  rows.forEach((h, i) => {
    if (typeof h.redBelow === 'number') addRedBelow(sheet, `B${headerRow + 1 + i}`, h.redBelow);
  });
  const changeNote = sheet.getCell(row, 1);
  changeNote.value = model.previous ? t('summary.changeNote') : t('summary.noPrevious');
  changeNote.font = { italic: true, color: { argb: 'FF595959' } };
  row += 2;

  row = addLatency(sheet, widths, row, ctx);
  row = addSla(sheet, widths, row, ctx);

  writeSection(sheet, row, t('summary.failures'));
  const failed = sheet.getCell(row + 1, 1);
  failed.value = c('kpi.failed');
  failed.font = { bold: true };
  setCell(sheet.getCell(row + 1, 2), model.totals.failed, 'count');
  sheet.getCell(row + 2, 1).value = t('summary.failuresOn', {
    sheets: extras.failureSheets.map((s) => `'${s}'`).join(', '),
  });
  row += 3;
  if (extras.failureSheets.length > 1) {
    const split = sheet.getCell(row, 1);
    split.value = t('summary.failuresSplit', {
      limit: extras.rowLimit.toLocaleString('en-US'),
      sheets: extras.failureSheets.map((s) => `'${s}'`).join(', '),
    });
    split.font = { bold: true };
    row += 1;
  }
  row += 1;

  if (model.notes.length > 0) {
    writeSection(sheet, row, t('summary.notes'));
    model.notes.forEach((note, i) => {
      sheet.getCell(row + 1 + i, 1).value = cellText(note);
    });
    row += model.notes.length + 2;
  }

  writeSection(sheet, row, t('summary.howToRead'));
  for (let i = 1; i <= 5; i++) {
    const cell = sheet.getCell(row + i, 1);
    cell.value = t(`summary.howTo${i}`);
    cell.alignment = { wrapText: false };
  }
  row += 7;

  widths.apply(sheet, { 1: 34, 2: 22, 3: 22, 4: 14, 5: 16, 6: 12 });
  addCharts(wb, sheet, ctx, extras.charts);
  return sheet;
}

const IMAGE_COLUMN = 7;

function addCharts(
  wb: ExcelJS.Workbook,
  sheet: ExcelJS.Worksheet,
  ctx: SheetContext,
  charts: ChartImage[],
): void {
  if (charts.length === 0) return;
  const titleCell = sheet.getCell(3, IMAGE_COLUMN + 1);
  titleCell.value = ctx.t('summary.charts');
  titleCell.font = { bold: true, size: 12, color: { argb: 'FF1F3864' } };
  // Rows are 20 px high by default; each chart takes its height in rows plus a title row.
  let row = 4;
  for (const chart of charts) {
    const title = sheet.getCell(row, IMAGE_COLUMN + 1);
    title.value = cellText(chart.title);
    title.font = { bold: true };
    const id = wb.addImage({ buffer: chart.png as unknown as ExcelJS.Buffer, extension: 'png' });
    sheet.addImage(id, {
      tl: { col: IMAGE_COLUMN, row },
      ext: { width: chart.width, height: chart.height },
      editAs: 'oneCell',
    });
    row += Math.ceil(chart.height / 20) + 2;
  }
}
