/**
 * By type, By endpoint and Daily: one row per group with every figure metrics.md gives a group
 * (outcomes, delivery figures, the latency statistics and buckets), one table per sheet.
 */
import type ExcelJS from 'exceljs';
import type { DayRow, DeliveryFigures, EndpointRow, GroupRow, TypeRow } from '../../transform/index.js';
import { isHttpUrl } from '../redact.js';
import { cellText } from '../sanitize.js';
import type { SheetContext } from './context.js';
import { addTable, type Column, Widths, writeTitle } from './layout.js';
import { dateSerial } from './time.js';

/** Excel refuses hyperlink addresses longer than this (2,079 characters, with a margin). */
const MAX_HYPERLINK = 2_000;

function outcomeColumns<T extends GroupRow>(ctx: SheetContext): Column<T>[] {
  const { t } = ctx;
  return [
    { header: t('columns.pushes'), value: (r) => r.pushes, kind: 'count', dataBar: true },
    { header: t('columns.succeeded'), value: (r) => r.succeeded, kind: 'count' },
    { header: t('columns.failed'), value: (r) => r.failed, kind: 'count', dataBar: true },
    {
      header: t('columns.successRate'),
      value: (r) => r.successRate,
      kind: 'rate',
      redBelow: ctx.successTarget,
    },
  ];
}

function deliveryColumns<T extends GroupRow & DeliveryFigures>(ctx: SheetContext): Column<T>[] {
  const { t } = ctx;
  return [
    { header: t('columns.retriedShare'), value: (r) => r.retriedShare, kind: 'rate' },
    { header: t('columns.deliveries'), value: (r) => r.deliveries, kind: 'count' },
    { header: t('columns.eventualSuccessRate'), value: (r) => r.eventualSuccessRate, kind: 'rate' },
  ];
}

function latencyColumns<T extends GroupRow>(ctx: SheetContext): Column<T>[] {
  const { t } = ctx;
  return [
    { header: t('columns.latencyCount'), value: (r) => r.latencyMs.count, kind: 'count' },
    { header: t('columns.mean'), value: (r) => r.latencyMs.mean, kind: 'ms' },
    { header: t('columns.min'), value: (r) => r.latencyMs.min, kind: 'ms' },
    { header: t('columns.max'), value: (r) => r.latencyMs.max, kind: 'ms' },
    { header: t('columns.p50'), value: (r) => r.latencyMs.p50, kind: 'ms' },
    { header: t('columns.p90'), value: (r) => r.latencyMs.p90, kind: 'ms' },
    { header: t('columns.p95'), value: (r) => r.latencyMs.p95, kind: 'ms' },
    { header: t('columns.p99'), value: (r) => r.latencyMs.p99, kind: 'ms' },
    { header: t('columns.overTimeout'), value: (r) => r.latencyMs.overTimeout, kind: 'count' },
    { header: '0–100 ms', value: (r) => r.latencyMs.buckets['0-100'], kind: 'count' },
    { header: '100–300 ms', value: (r) => r.latencyMs.buckets['100-300'], kind: 'count' },
    { header: '300–1000 ms', value: (r) => r.latencyMs.buckets['300-1000'], kind: 'count' },
    { header: '1000–5000 ms', value: (r) => r.latencyMs.buckets['1000-5000'], kind: 'count' },
    { header: '5000+ ms', value: (r) => r.latencyMs.buckets['5000+'], kind: 'count' },
  ];
}

/** Header in row 2, data from row 3: the title row above is frozen with it. */
const HEADER_ROW = 2;

function finish(sheet: ExcelJS.Worksheet, widths: Widths): void {
  widths.apply(sheet);
  sheet.getRow(HEADER_ROW).height = 30;
}

export function addTypeSheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, model } = ctx;
  const sheet = wb.addWorksheet(t('sheets.byType'), options);
  writeTitle(sheet, `${t('sheets.byType')} — ${model.enterpriseId} ${model.month}`, ctx.partialStamp);
  const widths = new Widths();
  const columns: Column<TypeRow>[] = [
    { header: t('columns.type'), value: (r) => r.type, kind: 'integer' },
    { header: t('columns.name'), value: (r) => r.name },
    { header: t('columns.nameEn'), value: (r) => r.nameEn },
    ...outcomeColumns<TypeRow>(ctx),
    ...deliveryColumns<TypeRow>(ctx),
    ...latencyColumns<TypeRow>(ctx),
  ];
  addTable(sheet, widths, HEADER_ROW, columns, model.byType, { autoFilter: true });
  finish(sheet, widths);
  return sheet;
}

export function addEndpointSheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, model } = ctx;
  const sheet = wb.addWorksheet(t('sheets.byEndpoint'), options);
  writeTitle(sheet, `${t('sheets.byEndpoint')} — ${model.enterpriseId} ${model.month}`, ctx.partialStamp);
  const widths = new Widths();
  const columns: Column<EndpointRow>[] = [
    { header: t('columns.endpoint'), value: (r) => r.endpoint },
    ...outcomeColumns<EndpointRow>(ctx),
    ...deliveryColumns<EndpointRow>(ctx),
    { header: t('columns.streak'), value: (r) => r.longestFailureStreak.length, kind: 'count' },
    {
      header: t('columns.streakFrom'),
      value: (r) =>
        r.longestFailureStreak.from === null ? null : ctx.localSerial(r.longestFailureStreak.from),
      kind: 'dateTime',
    },
    {
      header: t('columns.streakTo'),
      value: (r) => (r.longestFailureStreak.to === null ? null : ctx.localSerial(r.longestFailureStreak.to)),
      kind: 'dateTime',
    },
    ...latencyColumns<EndpointRow>(ctx),
  ];
  addTable(sheet, widths, HEADER_ROW, columns, model.byEndpoint, { autoFilter: true });
  // Endpoints carry no query string (transform drops it), so a link never holds a secret; only
  // http(s) targets become links, so a javascript: or file: "endpoint" stays inert text.
  model.byEndpoint.forEach((r, i) => {
    if (!isHttpUrl(r.endpoint) || r.endpoint.length > MAX_HYPERLINK) return;
    const cell = sheet.getCell(HEADER_ROW + 1 + i, 1);
    cell.value = { text: cellText(r.endpoint), hyperlink: r.endpoint };
    cell.font = { color: { argb: 'FF0563C1' }, underline: true };
  });
  finish(sheet, widths);
  return sheet;
}

export function addDailySheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, model } = ctx;
  const sheet = wb.addWorksheet(t('sheets.daily'), options);
  writeTitle(sheet, `${t('sheets.daily')} — ${model.enterpriseId} ${model.month}`, ctx.partialStamp);
  const widths = new Widths();
  const columns: Column<DayRow>[] = [
    { header: t('columns.date'), value: (r) => dateSerial(r.date), kind: 'date' },
    ...outcomeColumns<DayRow>(ctx),
    ...latencyColumns<DayRow>(ctx),
  ];
  addTable(sheet, widths, HEADER_ROW, columns, model.byDay, { autoFilter: true });
  finish(sheet, widths);
  return sheet;
}
