/**
 * Status codes, Retries, Data quality and About: small sheets of a few tables each, headed in
 * row 2 with the first table's header in row 3.
 */
import type { StatusClass } from '../../transform/index.js';
import type { SheetContext } from './context.js';
import { type Column, type FigureKind, FORMATS, type Value } from './layout.js';
import { type TableSheet, table } from './table-sheet.js';

const HEADER_ROW = 3;

/** A labelled figure, formatted by its own kind when it has one. */
type Pair = [label: string, value: Value, kind?: FigureKind];

function pairColumns(label: string, value: string, kind: FigureKind): Column<Pair>[] {
  return [
    { header: label, value: (p) => p[0] },
    { header: value, value: (p) => p[1], kind, rowKind: (p) => p[2] },
  ];
}

function statusClassOf(code: string): StatusClass {
  if (code === '' || code === 'none') return 'none';
  return /^[2-5]\d\d$/.test(code) ? (`${code[0]}xx` as StatusClass) : 'other';
}

export function statusSheet(ctx: SheetContext): TableSheet {
  const { t, model } = ctx;
  const className = (c: string) =>
    c === 'none' ? t('statusCodes.none') : c === 'other' ? t('statusCodes.other') : c;
  return {
    key: 'statusCodes',
    headerRow: HEADER_ROW,
    tables: [
      table({
        heading: t('statusCodes.byCode'),
        columns: [
          { header: t('columns.code'), value: (r) => r.code, kind: 'text' },
          { header: t('columns.class'), value: (r) => className(statusClassOf(r.code)) },
          { header: t('columns.count'), value: (r) => r.count, kind: 'count', dataBar: true },
        ],
        rows: model.statusCodes.byCode,
      }),
      table({
        heading: t('statusCodes.byClass'),
        columns: [
          { header: t('columns.class'), value: (r) => className(r[0]) },
          { header: t('columns.count'), value: (r) => r[1], kind: 'count', dataBar: true },
        ],
        rows: Object.entries(model.statusCodes.byClass) as [StatusClass, number][],
      }),
      table({
        heading: t('statusCodes.topFailures'),
        columns: [
          { header: t('columns.code'), value: (r) => r.statusCode, kind: 'text' },
          { header: t('columns.count'), value: (r) => r.count, kind: 'count', dataBar: true },
          { header: t('columns.signature'), value: (r) => r.signature },
          { header: t('columns.exampleId'), value: (r) => r.exampleId, kind: 'text' },
        ],
        rows: model.topFailures,
      }),
    ],
  };
}

export function retriesSheet(ctx: SheetContext): TableSheet {
  const { t, c, model } = ctx;
  const r = model.retries;
  // Retry numbers in numeric order, "none" (no integer Retry) last.
  const histogram = Object.entries(r.histogram).sort(([a], [b]) =>
    a === 'none' ? 1 : b === 'none' ? -1 : Number(a) - Number(b),
  );
  const outcomes: Pair[] = [
    [c('kpi.pushes'), model.totals.pushes, 'count'],
    [c('kpi.retriedShare'), r.retriedShare, 'rate'],
    [c('kpi.firstAttemptSuccessRate'), r.firstAttemptSuccessRate, 'rate'],
    [c('kpi.deliveries'), r.deliveries, 'count'],
    [c('kpi.eventualSuccessRate'), r.eventualSuccessRate, 'rate'],
    [c('kpi.exhausted'), r.exhausted, 'count'],
  ];
  return {
    key: 'retries',
    headerRow: HEADER_ROW,
    tables: [
      table({
        heading: t('retries.histogram'),
        columns: [
          {
            header: t('columns.retry'),
            value: ([retry]) => (retry === 'none' ? t('retries.none') : Number(retry)),
            kind: 'integer',
          },
          { header: t('columns.count'), value: (h) => h[1], kind: 'count', dataBar: true },
        ],
        rows: histogram,
      }),
      table({
        heading: t('retries.outcomes'),
        columns: [
          { header: t('summary.metric'), value: (p) => p[0] },
          // Formatted even when empty: a month without pushes has no rates.
          {
            header: t('summary.value'),
            value: (p) => p[1],
            look: (p) => ({ numFmt: FORMATS[p[2] === 'rate' ? 'rate' : 'count'] }),
          },
        ],
        rows: outcomes,
      }),
    ],
  };
}

export function dataQualitySheet(ctx: SheetContext): TableSheet {
  const { t } = ctx;
  const dq = ctx.model.dataQuality;
  const records = dq.quarantinedRecords;
  return {
    key: 'dataQuality',
    headerRow: HEADER_ROW,
    fixedWidths: { 1: 50 },
    tables: [
      table({
        heading: t('dataQuality.counts'),
        columns: pairColumns(t('columns.check'), t('columns.count'), 'count'),
        rows: [
          [t('dataQuality.duplicatesRemoved'), dq.duplicatesRemoved],
          [t('dataQuality.duplicatesDiffering'), dq.duplicatesDiffering],
          [t('dataQuality.quarantined'), dq.quarantined],
          [t('dataQuality.invalidLatency'), dq.invalidLatency],
          [t('dataQuality.succeededWithNon2xx'), dq.succeededWithNon2xx],
          [t('dataQuality.failedWith2xx'), dq.failedWith2xx],
          [t('dataQuality.controlCharacters'), dq.controlCharacters],
          [t('dataQuality.overlongText'), dq.overlongText],
        ],
      }),
      table({
        heading: t('dataQuality.unknownTypes'),
        columns: [
          { header: t('columns.type'), value: (u) => u[0], kind: 'integer' },
          { header: t('columns.count'), value: (u) => u[1], kind: 'count' },
        ],
        rows: Object.entries(dq.unknownTypes).map(([type, n]): [number, number] => [Number(type), n]),
      }),
      table({
        heading: t('dataQuality.typeStrPairs'),
        columns: [
          { header: t('columns.type'), value: (p) => p.type, kind: 'integer' },
          { header: t('columns.typeStr'), value: (p) => p.typeStr },
          { header: t('columns.count'), value: (p) => p.count, kind: 'count' },
          {
            header: t('columns.expected'),
            value: (p) => (p.expected ? t('dataQuality.yes') : t('dataQuality.no')),
          },
        ],
        rows: dq.typeStrPairs,
      }),
      table({
        heading: t('dataQuality.reasons'),
        columns: pairColumns(t('columns.reason'), t('columns.count'), 'count'),
        rows: Object.entries(dq.quarantineReasons).map(([reason, n]): Pair => [reason, n]),
      }),
      table({
        heading: t('dataQuality.records'),
        note:
          records.length < dq.quarantined
            ? t('dataQuality.sampleNote', { shown: records.length, total: dq.quarantined })
            : null,
        columns: [
          { header: t('columns.reason'), value: (q) => q.reason },
          { header: t('columns.id'), value: (q) => q.id, kind: 'text' },
          { header: t('columns.window'), value: (q) => q.windowId, kind: 'text' },
        ],
        rows: records,
      }),
    ],
  };
}

export interface AboutFacts {
  rawSha256: string;
  rawRecords: number;
  documentDate: string;
  resultTextChars: number;
}

export function aboutSheet(ctx: SheetContext, facts: AboutFacts): TableSheet {
  const { t, c, model } = ctx;
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
  const terms = [
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
  return {
    key: 'about',
    headerRow: HEADER_ROW,
    fixedWidths: { 1: 36, 2: 100 },
    tables: [
      table({
        heading: t('about.parameters'),
        columns: pairColumns(t('columns.item'), t('summary.value'), 'text'),
        rows: parameters,
      }),
      table({
        heading: t('about.definitions'),
        columns: [
          { header: t('columns.item'), value: (k) => t(`about.terms.${k}`) },
          { header: t('columns.definition'), value: (k) => t(`about.def${k}`) },
        ],
        rows: terms,
      }),
    ],
  };
}
