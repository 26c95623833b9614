/**
 * The helpers every PDF template can use. Each returns a plain string, which Handlebars escapes
 * like any other `{{value}}`; only `chart` and `stylesheet` return markup (SafeString), and
 * neither carries log-derived text: the charts are drawn from figures and the type table, and the
 * stylesheet is the template folder's own CSS.
 */
import type { HelperDelegate, HelperOptions } from 'handlebars';
import type { ChartSvg } from './charts.js';
import {
  type DeltaKind,
  type DeltaPolarity,
  formatDateTime,
  formatDelta,
  formatMs,
  formatNumber,
  formatPercent,
  NO_DATA,
} from './format.js';
import { type Locale, lookup, type StringTable, stringsFor } from './strings.js';

type HandlebarsRuntime = typeof import('handlebars');

export interface HelperContext {
  locale: Locale;
  timeZone: string;
  charts: ChartSvg[];
  css: string;
}

/** Handlebars passes its options object last; a helper's own arguments come before it. */
function args(all: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: all.slice(0, -1), options: all[all.length - 1] as HelperOptions };
}

function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A locale string: `pdf.<key>` first, then `common.<key>`, then the key itself (so a gap shows).
 * `{name}` placeholders take the helper's hash arguments: `{{t "pdf.rows" count=3}}`.
 */
export function translate(locale: Locale, key: string, values: Record<string, unknown> = {}): string {
  const strings = stringsFor(locale);
  const tables: StringTable[] = [strings.pdf, strings.common];
  let text = key;
  for (const table of tables) {
    const found = lookup(table, key);
    if (found !== key) {
      text = found;
      break;
    }
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name] ?? '') : whole,
  );
}

/**
 * Log text made visible: line breaks, tabs and other control characters become escapes (`\n`,
 * `\x07`), which print as what the record holds instead of as nothing or a missing-glyph box.
 */
export function visibleText(value: unknown): string {
  if (value === null || value === undefined) return NO_DATA;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** Registers the helpers on `hbs` (an isolated `Handlebars.create()` instance). */
export function registerHelpers(hbs: HandlebarsRuntime, ctx: HelperContext): void {
  const { locale, timeZone } = ctx;
  const helpers: Record<string, HelperDelegate> = {
    /** `{{t "kpi.pushes"}}`: a locale string (see translate) */
    t: (...all: unknown[]) => {
      const { params, options } = args(all);
      return translate(locale, String(params[0]), options.hash as Record<string, unknown>);
    },
    /** `{{num value [digits]}}`: 28,798 */
    num: (...all: unknown[]) => {
      const { params } = args(all);
      return formatNumber(asNumber(params[0]), locale, asNumber(params[1]) ?? 0);
    },
    /** `{{pct fraction [digits]}}`: 99.58% */
    pct: (...all: unknown[]) => {
      const { params } = args(all);
      return formatPercent(asNumber(params[0]), locale, asNumber(params[1]) ?? 2);
    },
    /** `{{share part whole}}`: part ÷ whole as a percentage, — when whole is 0 */
    share: (...all: unknown[]) => {
      const { params } = args(all);
      const part = asNumber(params[0]);
      const whole = asNumber(params[1]);
      return formatPercent(part !== null && whole ? part / whole : null, locale, asNumber(params[2]) ?? 2);
    },
    /** `{{ms value}}`: 4,264 ms */
    ms: (...all: unknown[]) => {
      const { params } = args(all);
      return formatMs(asNumber(params[0]), locale, translate(locale, 'units.ms'));
    },
    /** `{{datetime value [pattern]}}`: an epoch ms or ISO instant in the report's time zone */
    datetime: (...all: unknown[]) => {
      const { params } = args(all);
      const pattern = typeof params[1] === 'string' ? params[1] : undefined;
      return formatDateTime(params[0] as number | string | null, timeZone, pattern);
    },
    /**
     * `{{#with (delta value "rate" "up-good")}}{{arrow}} {{text}} ({{tone}}){{/with}}`: a
     * month-over-month delta; nothing when there is none
     */
    delta: (...all: unknown[]) => {
      const { params } = args(all);
      return formatDelta(
        asNumber(params[0]),
        (params[1] as DeltaKind) ?? 'relative',
        (params[2] as DeltaPolarity) ?? 'neutral',
        locale,
        translate(locale, 'units.pp'),
      );
    },
    /** `{{text value}}`: log text with control characters shown as escapes */
    text: (...all: unknown[]) => visibleText(args(all).params[0]),
    /** `{{typeName row}}`: the type's name in the report's language */
    typeName: (...all: unknown[]) => {
      const row = args(all).params[0] as { name?: string; nameEn?: string } | undefined;
      return (locale === 'en' ? row?.nameEn : row?.name) ?? '';
    },
    /** `{{chart "daily-volume"}}`: the chart's inline SVG (see charts.ts) */
    chart: (...all: unknown[]) => {
      const id = String(args(all).params[0]);
      const chart = ctx.charts.find((c) => c.id === id);
      return new hbs.SafeString(chart ? chart.svg : '');
    },
    /** `{{stylesheet}}`: the CSS for a `<style>` element (which does not decode entities) */
    stylesheet: () => new hbs.SafeString(ctx.css.replace(/<\/(style)/gi, '<\\/$1')),
    eq: (...all: unknown[]) => {
      const { params } = args(all);
      return params[0] === params[1];
    },
    ne: (...all: unknown[]) => {
      const { params } = args(all);
      return params[0] !== params[1];
    },
    gt: (...all: unknown[]) => {
      const { params } = args(all);
      return Number(params[0]) > Number(params[1]);
    },
    and: (...all: unknown[]) => args(all).params.every(Boolean),
    or: (...all: unknown[]) => args(all).params.some(Boolean),
    not: (...all: unknown[]) => !args(all).params[0],
    /** `{{inc @index}}`: 1-based row numbers */
    inc: (...all: unknown[]) => Number(args(all).params[0]) + 1,
    /** `{{#each (entries obj)}}{{key}}: {{value}}{{/each}}`: an object's entries, in key order */
    entries: (...all: unknown[]) => {
      const value = args(all).params[0];
      if (value === null || typeof value !== 'object') return [];
      return Object.entries(value as Record<string, unknown>).map(([key, v]) => ({ key, value: v }));
    },
    /** `{{#if (some list "expected" false)}}`: whether an item of the list has that field value */
    some: (...all: unknown[]) => {
      const [list, field, value] = args(all).params;
      return (
        Array.isArray(list) &&
        list.some((item) => (item as Record<string, unknown>)?.[String(field)] === value)
      );
    },
    /** `{{#each (array "a" "b")}}`: the arguments as a list */
    array: (...all: unknown[]) => args(all).params,
    /** `{{t (concat "definitions." key ".term")}}`: the arguments joined */
    concat: (...all: unknown[]) => args(all).params.map(String).join(''),
    /** `{{#if (isEmpty list)}}`: true for an empty array or object, null or undefined */
    isEmpty: (...all: unknown[]) => {
      const value = args(all).params[0];
      if (value === null || value === undefined) return true;
      if (Array.isArray(value)) return value.length === 0;
      if (typeof value === 'object') return Object.keys(value).length === 0;
      return false;
    },
  };
  for (const [name, helper] of Object.entries(helpers)) hbs.registerHelper(name, helper);
}
