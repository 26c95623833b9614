/**
 * Status codes, Retries, Data quality and About: small sheets of a few tables each. A sheet's
 * first table carries its autofilter (Excel allows one per sheet).
 */
import type ExcelJS from 'exceljs';
import type { StatusClass, TopFailure } from '../../transform/index.js';
import type { SheetContext } from './context.js';
import { addTable, type Column, type Value, Widths, writeSection, writeTitle } from './layout.js';

const HEADER_ROW = 3;

type Pair = [label: string, value: Value, kind?: 'count' | 'rate' | 'text'];

function pairColumns(label: string, value: string): Column<Pair>[] {
  return [
    { header: label, value: (p) => p[0] },
    { header: value, value: (p) => p[1], kind: 'count' },
  ];
}

function statusClassOf(code: string): StatusClass {
  if (code === '' || code === 'none') return 'none';
  return /^[2-5]\d\d$/.test(code) ? (`${code[0]}xx` as StatusClass) : 'other';
}

function start(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  key: string,
  options: Partial<ExcelJS.AddWorksheetOptions>,
) {
  const name = ctx.t(`sheets.${key}`);
  const sheet = wb.addWorksheet(name, options);
  writeTitle(sheet, `${name} — ${ctx.model.enterpriseId} ${ctx.model.month}`, ctx.partialStamp);
  return sheet;
}

export function addStatusSheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, model } = ctx;
  const sheet = start(wb, ctx, 'statusCodes', options);
  const widths = new Widths();
  const className = (c: string) =>
    c === 'none' ? t('statusCodes.none') : c === 'other' ? t('statusCodes.other') : c;
  writeSection(sheet, HEADER_ROW - 1, t('statusCodes.byCode'));
  let row = addTable(
    sheet,
    widths,
    HEADER_ROW,
    [
      { header: t('columns.code'), value: (r: { code: string; count: number }) => r.code, kind: 'text' },
      { header: t('columns.class'), value: (r) => className(statusClassOf(r.code)) },
      { header: t('columns.count'), value: (r) => r.count, kind: 'count', dataBar: true },
    ],
    model.statusCodes.byCode,
    { autoFilter: true },
  );
  writeSection(sheet, row + 1, t('statusCodes.byClass'));
  const classes = Object.entries(model.statusCodes.byClass) as [StatusClass, number][];
  row = addTable(
    sheet,
    widths,
    row + 2,
    [
      { header: t('columns.class'), value: (r: [StatusClass, number]) => className(r[0]) },
      { header: t('columns.count'), value: (r) => r[1], kind: 'count', dataBar: true },
    ],
    classes,
  );
  writeSection(sheet, row + 1, t('statusCodes.topFailures'));
  addTable(
    sheet,
    widths,
    row + 2,
    [
      { header: t('columns.code'), value: (r: TopFailure) => r.statusCode, kind: 'text' },
      { header: t('columns.count'), value: (r) => r.count, kind: 'count', dataBar: true },
      { header: t('columns.signature'), value: (r) => r.signature },
      { header: t('columns.exampleId'), value: (r) => r.exampleId, kind: 'text' },
    ],
    model.topFailures,
  );
  widths.apply(sheet);
  return sheet;
}

export function addRetriesSheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, c, model } = ctx;
  const sheet = start(wb, ctx, 'retries', options);
  const widths = new Widths();
  // Retry numbers in numeric order, "none" (no integer Retry) last.
  const histogram = Object.entries(model.retries.histogram).sort(([a], [b]) =>
    a === 'none' ? 1 : b === 'none' ? -1 : Number(a) - Number(b),
  );
  writeSection(sheet, HEADER_ROW - 1, t('retries.histogram'));
  const row = addTable(
    sheet,
    widths,
    HEADER_ROW,
    [
      {
        header: t('columns.retry'),
        value: (r: [string, number]) => (r[0] === 'none' ? t('retries.none') : Number(r[0])),
        kind: 'integer',
      },
      { header: t('columns.count'), value: (r) => r[1], kind: 'count', dataBar: true },
    ],
    histogram,
    { autoFilter: true },
  );
  writeSection(sheet, row + 1, t('retries.outcomes'));
  const r = model.retries;
  const outcomes: Pair[] = [
    [c('kpi.pushes'), model.totals.pushes, 'count'],
    [c('kpi.retriedShare'), r.retriedShare, 'rate'],
    [c('kpi.firstAttemptSuccessRate'), r.firstAttemptSuccessRate, 'rate'],
    [c('kpi.deliveries'), r.deliveries, 'count'],
    [c('kpi.eventualSuccessRate'), r.eventualSuccessRate, 'rate'],
    [c('kpi.exhausted'), r.exhausted, 'count'],
  ];
  addTable(
    sheet,
    widths,
    row + 2,
    [
      { header: t('summary.metric'), value: (p: Pair) => p[0] },
      { header: t('summary.value'), value: (p) => p[1] },
    ],
    outcomes,
  );
  outcomes.forEach((p, i) => {
    sheet.getCell(row + 3 + i, 2).numFmt = p[2] === 'rate' ? '0.00%' : '#,##0';
  });
  widths.apply(sheet);
  return sheet;
}

export function addDataQualitySheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, model } = ctx;
  const dq = model.dataQuality;
  const sheet = start(wb, ctx, 'dataQuality', options);
  const widths = new Widths();
  const checks: Pair[] = [
    [t('dataQuality.duplicatesRemoved'), dq.duplicatesRemoved],
    [t('dataQuality.duplicatesDiffering'), dq.duplicatesDiffering],
    [t('dataQuality.quarantined'), dq.quarantined],
    [t('dataQuality.invalidLatency'), dq.invalidLatency],
    [t('dataQuality.succeededWithNon2xx'), dq.succeededWithNon2xx],
    [t('dataQuality.failedWith2xx'), dq.failedWith2xx],
    [t('dataQuality.controlCharacters'), dq.controlCharacters],
    [t('dataQuality.overlongText'), dq.overlongText],
  ];
  writeSection(sheet, HEADER_ROW - 1, t('dataQuality.counts'));
  let row = addTable(sheet, widths, HEADER_ROW, pairColumns(t('columns.check'), t('columns.count')), checks, {
    autoFilter: true,
  });

  writeSection(sheet, row + 1, t('dataQuality.unknownTypes'));
  const unknown = Object.entries(dq.unknownTypes).map(([type, n]): [number, number] => [Number(type), n]);
  row = addTable(
    sheet,
    widths,
    row + 2,
    [
      { header: t('columns.type'), value: (r: [number, number]) => r[0], kind: 'integer' },
      { header: t('columns.count'), value: (r) => r[1], kind: 'count' },
    ],
    unknown,
  );

  writeSection(sheet, row + 1, t('dataQuality.typeStrPairs'));
  row = addTable(
    sheet,
    widths,
    row + 2,
    [
      { header: t('columns.type'), value: (p: (typeof dq.typeStrPairs)[number]) => p.type, kind: 'integer' },
      { header: t('columns.typeStr'), value: (p) => p.typeStr },
      { header: t('columns.count'), value: (p) => p.count, kind: 'count' },
      {
        header: t('columns.expected'),
        value: (p) => (p.expected ? t('dataQuality.yes') : t('dataQuality.no')),
      },
    ],
    dq.typeStrPairs,
  );

  writeSection(sheet, row + 1, t('dataQuality.reasons'));
  row = addTable(
    sheet,
    widths,
    row + 2,
    pairColumns(t('columns.reason'), t('columns.count')),
    Object.entries(dq.quarantineReasons).map(([reason, n]): Pair => [reason, n]),
  );

  writeSection(sheet, row + 1, t('dataQuality.records'));
  row += 2;
  if (dq.quarantinedRecords.length < dq.quarantined) {
    sheet.getCell(row, 1).value = t('dataQuality.sampleNote', {
      shown: dq.quarantinedRecords.length,
      total: dq.quarantined,
    });
    row += 1;
  }
  addTable(
    sheet,
    widths,
    row,
    [
      { header: t('columns.reason'), value: (q: (typeof dq.quarantinedRecords)[number]) => q.reason },
      { header: t('columns.id'), value: (q) => q.id, kind: 'text' },
      { header: t('columns.window'), value: (q) => q.windowId, kind: 'text' },
    ],
    dq.quarantinedRecords,
  );
  widths.apply(sheet, { 1: 50 });
  return sheet;
}

export interface AboutFacts {
  rawSha256: string;
  rawRecords: number;
  documentDate: string;
  resultTextChars: number;
}

export function addAboutSheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  facts: AboutFacts,
  options: Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const { t, c, model } = ctx;
  const sheet = start(wb, ctx, 'about', options);
  const widths = new Widths();
  const filters = Object.entries(model.filters)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
  const yesNo = (b: boolean) => (b ? t('yes') : t('no'));
  const parameters: Pair[] = [
    [c('enterprise'), model.enterpriseId, 'text'],
    [c('month'), model.month, 'text'],
    [c('timeZone'), model.timeZone, 'text'],
    [t('about.window'), `${model.window.start} – ${model.window.end}`, 'text'],
    [t('about.filters'), filters === '' ? t('about.none') : filters, 'text'],
    [t('about.complete'), yesNo(model.complete), 'text'],
    [t('about.final'), yesNo(model.final), 'text'],
    [c('asOf'), model.asOf === null ? null : ctx.localText(model.asOf), 'text'],
    [t('about.extractedAt'), model.extractedAt === null ? null : ctx.localText(model.extractedAt), 'text'],
    [c('generatedAt'), ctx.localText(model.generatedAt), 'text'],
    [c('toolVersion'), model.toolVersion, 'text'],
    [t('about.schemaVersion'), model.schemaVersion, 'count'],
    [t('about.locale'), ctx.strings.locale, 'text'],
    [t('about.redaction'), ctx.redact ? t('about.redacted') : t('about.notRedacted'), 'text'],
    [t('about.failuresTruncated'), t('about.characters', { count: facts.resultTextChars }), 'text'],
    [t('about.rawRecords'), facts.rawRecords, 'count'],
    [t('about.rawSha256'), facts.rawSha256, 'text'],
    [t('about.documentDate'), facts.documentDate, 'text'],
  ];
  if (model.incompleteWindows.length > 0) {
    parameters.push([
      t('about.incompleteWindows'),
      model.incompleteWindows.map((w) => `${w.id} (${ctx.c(`windowState.${w.state}`)})`).join(', '),
      'text',
    ]);
  }
  writeSection(sheet, HEADER_ROW - 1, t('about.parameters'));
  const row = addTable(
    sheet,
    widths,
    HEADER_ROW,
    [
      { header: t('columns.item'), value: (p: Pair) => p[0] },
      { header: t('summary.value'), value: (p) => p[1], kind: 'text' },
    ],
    parameters,
    { autoFilter: true },
  );
  parameters.forEach((p, i) => {
    if (p[2] === 'count') sheet.getCell(HEADER_ROW + 1 + i, 2).numFmt = '#,##0';
  });
  writeSection(sheet, row + 1, t('about.definitions'));
  const keys = [
    'Population',
    'Success',
    'Latency',
    'Retries',
    'Delivery',
    'Endpoint',
    'Streak',
    'Day',
    'Sla',
  ];
  addTable(
    sheet,
    widths,
    row + 2,
    [
      { header: t('columns.item'), value: (k: string) => t(`about.terms.${k}`) },
      { header: t('columns.definition'), value: (k) => t(`about.def${k}`) },
    ],
    keys,
  );
  widths.apply(sheet, { 1: 36, 2: 100 });
  return sheet;
}
