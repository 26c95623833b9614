/**
 * How the PDF and the charts write figures: numbers grouped by locale, rates as percentages with
 * two decimals (metrics.md), latencies in ms, instants in the report's time zone, month-over-month
 * deltas in percentage points (rates) or percent (counts, latencies). Pure functions; a figure
 * with no data (null) is written as an em dash, never as 0.
 */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns/format';
import type { Locale } from './strings.js';

export const NO_DATA = '—';

/**
 * Fonts by family name (the page loads no font file): Noto Sans CJK (Debian `fonts-noto-cjk`)
 * first, whose Latin glyphs are good enough for the English report too, then the CJK fonts of
 * other systems, then generic sans-serif.
 */
export const FONT_STACK =
  "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans', 'DejaVu Sans', sans-serif";

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: Locale, digits: number): Intl.NumberFormat {
  const key = `${locale}/${digits}`;
  let nf = numberFormats.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(key, nf);
  }
  return nf;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A count or amount, grouped (`28,798`), `digits` decimals (default 0). */
export function formatNumber(value: number | null | undefined, locale: Locale, digits = 0): string {
  return isFiniteNumber(value) ? numberFormat(locale, digits).format(value) : NO_DATA;
}

/** A fraction 0..1 as a percentage (`99.58%`), two decimals by default. */
export function formatPercent(value: number | null | undefined, locale: Locale, digits = 2): string {
  return isFiniteNumber(value) ? `${numberFormat(locale, digits).format(value * 100)}%` : NO_DATA;
}

/** Milliseconds: whole above 100 ms (`4,264 ms`), one decimal below (`4.5 ms`). */
export function formatMs(value: number | null | undefined, locale: Locale, unit = 'ms'): string {
  if (!isFiniteNumber(value)) return NO_DATA;
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${numberFormat(locale, digits).format(value)} ${unit}`;
}

/** An instant (epoch ms or ISO string) as local `yyyy-MM-dd HH:mm:ss` in `timeZone`. */
export function formatDateTime(
  value: number | string | null | undefined,
  timeZone: string,
  pattern = 'yyyy-MM-dd HH:mm:ss',
): string {
  if (value === null || value === undefined || value === '') return NO_DATA;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return String(value);
  return format(new TZDate(ms, timeZone), pattern);
}

/** How a delta is measured: rates in percentage points, counts and latencies relative. */
export type DeltaKind = 'rate' | 'relative';
/** Whether a rise of the figure is good news (success rate), bad news (failures), or neither. */
export type DeltaPolarity = 'up-good' | 'up-bad' | 'neutral';

export interface FormattedDelta {
  text: string;
  /** ▲ ▼ or = */
  arrow: string;
  /** CSS class: good, bad or flat */
  tone: 'good' | 'bad' | 'flat';
}

/** A delta from PreviousMonth.deltas (metrics.md, "Month over month"); null when there is none. */
export function formatDelta(
  delta: number | null | undefined,
  kind: DeltaKind,
  polarity: DeltaPolarity,
  locale: Locale,
  pointsUnit = 'pp',
): FormattedDelta | null {
  if (!isFiniteNumber(delta)) return null;
  // Both kinds are shown ×100 with two decimals (pp or %), so a change below 0.005 reads as none.
  const rounded = Math.round(delta * 10_000) / 100;
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  const magnitude = numberFormat(locale, 2).format(Math.abs(rounded));
  const text = kind === 'rate' ? `${sign}${magnitude} ${pointsUnit}` : `${sign}${magnitude}%`;
  const arrow = rounded > 0 ? '▲' : rounded < 0 ? '▼' : '=';
  let tone: FormattedDelta['tone'] = 'flat';
  if (rounded !== 0 && polarity !== 'neutral') {
    tone = rounded > 0 === (polarity === 'up-good') ? 'good' : 'bad';
  }
  return { text, arrow, tone };
}
