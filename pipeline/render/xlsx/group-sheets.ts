/**
 * By type, By endpoint and Daily: one row per group with every figure metrics.md gives a group
 * (outcomes, delivery figures, the latency statistics and buckets), one table per sheet.
 */
import type { DayRow, DeliveryFigures, EndpointRow, GroupRow, TypeRow } from '../../transform/index.js';
import type { SheetContext } from './context.js';
import type { Column } from './layout.js';
import { type TableSheet, table } from './table-sheet.js';
import { dateSerial } from './time.js';

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
function groupSheet<T>(key: string, rows: readonly T[], columns: Column<T>[]): TableSheet {
  return { key, headerRow: 2, headerHeight: 30, tables: [table({ columns, rows })] };
}

export function typeSheet(ctx: SheetContext): TableSheet {
  const { t, model } = ctx;
  return groupSheet('byType', model.byType, [
    { header: t('columns.type'), value: (r) => r.type, kind: 'integer' },
    { header: t('columns.name'), value: (r) => r.name },
    { header: t('columns.nameEn'), value: (r) => r.nameEn },
    ...outcomeColumns<TypeRow>(ctx),
    ...deliveryColumns<TypeRow>(ctx),
    ...latencyColumns<TypeRow>(ctx),
  ]);
}

export function endpointSheet(ctx: SheetContext): TableSheet {
  const { t, model } = ctx;
  return groupSheet('byEndpoint', model.byEndpoint, [
    // Endpoints carry no query string (transform drops it), so a link never holds a secret.
    { header: t('columns.endpoint'), value: (r) => r.endpoint, link: true },
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
  ]);
}

export function dailySheet(ctx: SheetContext): TableSheet {
  const { t, model } = ctx;
  return groupSheet('daily', model.byDay, [
    { header: t('columns.date'), value: (r) => dateSerial(r.date), kind: 'date' },
    ...outcomeColumns<DayRow>(ctx),
    ...latencyColumns<DayRow>(ctx),
  ]);
}
