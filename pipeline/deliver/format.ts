/**
 * How delivery (e-mail, CI summary) writes figures, following the PDF's conventions: counts grouped
 * by locale, rates as percentages with two decimals, latencies in ms, deltas in percentage points
 * (rates) or percent (counts, latencies), instants in the report's time zone, and an em dash for
 * a figure with no data (never 0).
 */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import {
  formatMs,
  formatNumber,
  formatPercent,
  formatDelta as formatRenderDelta,
  NO_DATA,
} from '../render/format.js';
import type { Locale } from '../render/strings.js';
import type { ReportModel, SlaMetric, SlaRuleResult } from '../transform/index.js';

// The PDF's own formatters (pipeline/render/format.ts), so a figure reads the same in every artifact.
export { formatMs, NO_DATA };

export function formatCount(value: number | null | undefined, locale: Locale): string {
  return formatNumber(value, locale);
}

/** A fraction 0..1 as `99.58%`. */
export function formatRate(value: number | null | undefined, locale: Locale): string {
  return formatPercent(value, locale, 2);
}

/**
 * A month-over-month delta (PreviousMonth.deltas) as the PDF writes it: `rate` deltas are
 * differences of fractions, shown in percentage points; `relative` ones are ratios, in percent.
 */
export function formatDelta(
  value: number | null | undefined,
  kind: 'rate' | 'relative',
  locale: Locale,
): string {
  return formatRenderDelta(value, kind, 'neutral', locale)?.text ?? NO_DATA;
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
  return `${formatNumber(value, locale, 1)} ${units[unit]}`;
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
