/**
 * Locale strings shared by the workbook and the PDF: one JSON file per locale in
 * `templates/locales/`, with a `common` section both renderers use and one section each for
 * labels only one of them shows. `en` fills any key a locale lacks, so a partial translation
 * still renders.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export type StringTable = { [key: string]: string | StringTable };

export interface Strings {
  locale: Locale;
  common: StringTable;
  xlsx: StringTable;
  pdf: StringTable;
  email: StringTable;
}

/** The built-in templates folder (`templates/` at the package root). */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

const cache = new Map<Locale, Strings>();

function readTable(locale: Locale): Partial<Record<keyof Omit<Strings, 'locale'>, StringTable>> {
  const path = `${BUILTIN_TEMPLATES_DIR}locales/${locale}.json`;
  return JSON.parse(readFileSync(path, 'utf8')) as Partial<
    Record<keyof Omit<Strings, 'locale'>, StringTable>
  >;
}

function merge(base: StringTable, over: StringTable | undefined): StringTable {
  const out: StringTable = { ...base };
  for (const [key, value] of Object.entries(over ?? {})) {
    const previous = out[key];
    out[key] = typeof value === 'object' && typeof previous === 'object' ? merge(previous, value) : value;
  }
  return out;
}

/** The strings of `locale`, English filling the gaps. */
export function stringsFor(locale: Locale): Strings {
  const cached = cache.get(locale);
  if (cached) return cached;
  const en = readTable('en');
  const own = locale === 'en' ? en : readTable(locale);
  const strings: Strings = {
    locale,
    common: merge(en.common ?? {}, own.common),
    xlsx: merge(en.xlsx ?? {}, own.xlsx),
    pdf: merge(en.pdf ?? {}, own.pdf),
    email: merge(en.email ?? {}, own.email),
  };
  cache.set(locale, strings);
  return strings;
}

/** Looks up a dotted key (`kpi.pushes`) in a table; the key itself when missing, so gaps show. */
export function lookup(table: StringTable, key: string): string {
  let node: string | StringTable | undefined = table;
  for (const part of key.split('.')) {
    if (typeof node !== 'object') return key;
    node = node[part];
  }
  return typeof node === 'string' ? node : key;
}
