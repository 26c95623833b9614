/**
 * How delivery (e-mail, CI summary) writes figures, following the PDF's conventions: counts grouped
 * by locale, rates as percentages with two decimals, latencies in ms, deltas in percentage points
 * (rates) or percent (counts, latencies), instants in the report's time zone, and an em dash for
 * a figure with no data (never 0).
 */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import type { Locale } from '../render/strings.js';
import type { ReportModel, SlaMetric, SlaRuleResult } from '../transform/index.js';

export const NO_DATA = '—';

const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: Locale, digits: number): Intl.NumberFormat {
  const key = `${locale}/${digits}`;
  let nf = formats.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formats.set(key, nf);
  }
  return nf;
}

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

export function formatCount(value: number | null | undefined, locale: Locale): string {
  return isFiniteNumber(value) ? numberFormat(locale, 0).format(value) : NO_DATA;
}

/** A fraction 0..1 as `99.58%`. */
export function formatRate(value: number | null | undefined, locale: Locale): string {
  return isFiniteNumber(value) ? `${numberFormat(locale, 2).format(value * 100)}%` : NO_DATA;
}

/** Whole ms from 100 ms up (`4,264 ms`), one decimal below (`4.5 ms`). */
export function formatMs(value: number | null | undefined, locale: Locale): string {
  if (!isFiniteNumber(value)) return NO_DATA;
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${numberFormat(locale, digits).format(value)} ms`;
}

/**
 * A month-over-month delta (PreviousMonth.deltas): `rate` deltas are differences of fractions,
 * shown in percentage points; `relative` ones are ratios, shown in percent.
 */
export function formatDelta(
  value: number | null | undefined,
  kind: 'rate' | 'relative',
  locale: Locale,
): string {
  if (!isFiniteNumber(value)) return NO_DATA;
  // Shown ×100 with two decimals, so a change below 0.005 reads as none rather than as −0.00.
  const rounded = Math.round(value * 10_000) / 100;
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  const magnitude = numberFormat(locale, 2).format(Math.abs(rounded));
  return kind === 'rate' ? `${sign}${magnitude} pp` : `${sign}${magnitude}%`;
}

export function formatBytes(bytes: number, locale: Locale): string {
  if (bytes < 1024) return `${formatCount(bytes, locale)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${numberFormat(locale, 1).format(value)} ${units[unit]}`;
}

/** An ISO instant as local `yyyy-MM-dd HH:mm` in `timeZone`, the zone named. */
export function formatInstant(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${format(new TZDate(ms, timeZone), 'yyyy-MM-dd HH:mm')} ${timeZone}`;
}

/** An SLA figure in its metric's unit: ms for latencies, percent for rates and shares. */
export function formatSlaValue(metric: SlaMetric, value: number | null, locale: Locale): string {
  return metric.startsWith('latencyMs.') ? formatMs(value, locale) : formatRate(value, locale);
}

export function formatSlaTarget(
  rule: Pick<SlaRuleResult, 'metric' | 'op' | 'value'>,
  locale: Locale,
): string {
  return `${rule.op === '>=' ? '≥' : '≤'} ${formatSlaValue(rule.metric, rule.value, locale)}`;
}

export type HeadlineKey = 'pushes' | 'successRate' | 'eventualSuccessRate' | 'p95' | 'p99' | 'retriedShare';

/** One headline figure with last month's value and the change (strings, ready to show). */
export interface Headline {
  key: HeadlineKey;
  value: string;
  previous: string;
  delta: string;
  /** the unformatted figure (JSON output, tests) */
  raw: number | null;
}

/** The headline KPIs every delivery shows, in order. Labels come from `common.kpi.<key>`. */
export function headlines(model: ReportModel, locale: Locale): Headline[] {
  const prev = model.previous;
  const d = prev?.deltas;
  const row = (
    key: HeadlineKey,
    raw: number | null,
    previous: number | null | undefined,
    delta: number | null | undefined,
    show: (v: number | null | undefined, l: Locale) => string,
    kind: 'rate' | 'relative',
  ): Headline => ({
    key,
    raw,
    value: show(raw, locale),
    previous: prev ? show(previous, locale) : NO_DATA,
    delta: prev ? formatDelta(delta, kind, locale) : NO_DATA,
  });
  return [
    row('pushes', model.totals.pushes, prev?.totals.pushes, d?.totals.pushes, formatCount, 'relative'),
    row(
      'successRate',
      model.totals.successRate,
      prev?.totals.successRate,
      d?.totals.successRate,
      formatRate,
      'rate',
    ),
    row(
      'eventualSuccessRate',
      model.retries.eventualSuccessRate,
      prev?.retries.eventualSuccessRate,
      d?.retries.eventualSuccessRate,
      formatRate,
      'rate',
    ),
    row('p95', model.latencyMs.p95, prev?.latencyMs.p95, d?.latencyMs.p95, formatMs, 'relative'),
    row('p99', model.latencyMs.p99, prev?.latencyMs.p99, d?.latencyMs.p99, formatMs, 'relative'),
    row(
      'retriedShare',
      model.retries.retriedShare,
      prev?.retries.retriedShare,
      d?.retries.retriedShare,
      formatRate,
      'rate',
    ),
  ];
}
