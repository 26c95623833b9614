/**
 * The record sheets: what each lists, the SQL that reads it from raw.parquet in CreateTime order,
 * and how a result row becomes cells. Failures lists every failed record; the optional raw sheet
 * every record with every field. Untrusted text is cut in SQL first (a 100 KB ResultText never
 * crosses into JavaScript whole) and sanitised per cell.
 */
import type { ReportModel } from '../../transform/index.js';
import { redactText, redactUrl } from '../redact.js';
import { cellText, EXCEL_CELL_LIMIT } from '../sanitize.js';
import type { SheetContext } from './context.js';
import type { FigureKind } from './layout.js';

/** How a record cell is written: text (inline string), a number, or an instant (local serial). */
export type RecordKind = 'text' | 'number' | 'instant';

export interface RecordColumn {
  header: string;
  kind: RecordKind;
  /** the number format of the column's cells */
  format: FigureKind;
  width: number;
}

export type RecordValue = string | number | null;

export interface RecordPlan {
  /** `failures` or `raw` (the locale key of the sheet name) */
  key: 'failures' | 'raw';
  columns: RecordColumn[];
  /** the SELECT over `read_parquet($raw)`, in a fixed order (CreateTime, then Id) */
  sql: string;
  /** the cells of result row `i` of a chunk's columns */
  cells: (columns: readonly (readonly unknown[])[], i: number) => RecordValue[];
}

const ORDER = 'ORDER BY create_time, id';

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : null;

/**
 * A text column cut to `limit` characters in SQL, with its length (characters) alongside when
 * the cut removed something, so the marker can tell how long the text really was.
 */
function cut(column: string, limit: number): string {
  return `left(${column}, ${limit}) AS ${column}, CASE WHEN length(${column}) > ${limit} THEN length(${column}) END AS ${column}_length`;
}

function sanitized(
  value: unknown,
  length: unknown,
  limit: number,
  redact?: (s: string) => string,
): string | null {
  const s = text(value);
  if (s === null) return null;
  // Redacting before cutting would need the whole text in JS; the text cut in SQL is redacted
  // instead, which can only hide more (a secret cut in half is still removed).
  return cellText(redact ? redact(s) : s, limit, num(length) ?? undefined);
}

/**
 * An endpoint as By endpoint shows it (redactModel): `endpoint_of` drops the userinfo of a URL with
 * a scheme, but a Url without one keeps it (`bob:pw@hook.example.com/cb`), so its password goes
 * here. Only such an endpoint holds an `@`.
 */
const redactEndpoint = (endpoint: string): string =>
  endpoint.includes('@') ? redactUrl(endpoint) : endpoint;

export function failuresPlan(ctx: SheetContext, raw: string, resultTextChars: number): RecordPlan {
  const { t, model } = ctx;
  const names = typeNames(model, ctx.strings.locale);
  const zone = model.timeZone;
  // Every row's ResultText passes redactText, which returns at once for text that cannot hold
  // a secret (no secret-looking word, `@` or `%` in it): the typical record costs one regex test.
  const endpointRedactor = ctx.redact ? redactEndpoint : undefined;
  const textRedactor = ctx.redact ? redactText : undefined;
  return {
    key: 'failures',
    columns: [
      { header: t('columns.localTime', { zone }), kind: 'instant', format: 'dateTimeMs', width: 23 },
      { header: t('columns.type'), kind: 'number', format: 'integer', width: 7 },
      { header: t('columns.typeName'), kind: 'text', format: 'general', width: 22 },
      { header: t('columns.endpoint'), kind: 'text', format: 'general', width: 45 },
      { header: t('columns.status'), kind: 'text', format: 'general', width: 9 },
      { header: t('columns.latency'), kind: 'number', format: 'ms', width: 13 },
      { header: t('columns.retry'), kind: 'number', format: 'integer', width: 7 },
      { header: t('columns.id'), kind: 'text', format: 'general', width: 16 },
      { header: t('columns.uniqueId'), kind: 'text', format: 'general', width: 22 },
      { header: t('columns.resultText'), kind: 'text', format: 'general', width: 80 },
    ],
    sql: `SELECT CAST(create_time AS DOUBLE) AS create_time, type, endpoint_of(url) AS endpoint, status_code,
        CAST(CASE WHEN end_time >= start_time THEN end_time - start_time END AS DOUBLE) AS latency_ms,
        retry, id, unique_id, ${cut('result_text', resultTextChars)}
      FROM read_parquet(${sqlString(raw)}) WHERE result = 0 ${ORDER}`,
    cells: (c, i) => {
      const type = num(c[1]?.[i]);
      return [
        num(c[0]?.[i]),
        type,
        type === null ? null : (names.get(type) ?? `Type ${type}`),
        sanitized(c[2]?.[i], null, EXCEL_CELL_LIMIT, endpointRedactor),
        sanitized(c[3]?.[i], null, EXCEL_CELL_LIMIT),
        num(c[4]?.[i]),
        num(c[5]?.[i]),
        sanitized(c[6]?.[i], null, EXCEL_CELL_LIMIT),
        sanitized(c[7]?.[i], null, EXCEL_CELL_LIMIT),
        sanitized(c[8]?.[i], c[9]?.[i], resultTextChars, textRedactor),
      ];
    },
  };
}

/** Every field of every record (`--raw-sheet`), secrets redacted unless `ctx.redact` is off. */
export function rawPlan(ctx: SheetContext, raw: string): RecordPlan {
  const { t, model } = ctx;
  const zone = model.timeZone;
  const L = EXCEL_CELL_LIMIT;
  const long = ['url', 'headers', 'params', 'result_text'];
  // The untrusted text fields; TypeStr too, as redactModel redacts it for the summary sheets.
  const redactors: Record<string, (s: string) => string> = ctx.redact
    ? {
        url: redactUrl,
        headers: redactText,
        params: redactText,
        result_text: redactText,
        type_str: redactText,
      }
    : {};
  const column = (header: string, kind: RecordKind, format: FigureKind, width: number): RecordColumn => ({
    header,
    kind,
    format,
    width,
  });
  const fields: [string, RecordColumn][] = [
    ['create_time', column(t('columns.createTime', { zone }), 'instant', 'dateTimeMs', 23)],
    ['id', column(t('columns.id'), 'text', 'general', 16)],
    ['enterprise_id', column(t('columns.enterpriseId'), 'text', 'general', 12)],
    ['type', column(t('columns.type'), 'number', 'integer', 7)],
    ['type_str', column(t('columns.typeStrRaw'), 'text', 'general', 20)],
    ['unique_id', column(t('columns.uniqueId'), 'text', 'general', 22)],
    ['url', column(t('columns.url'), 'text', 'general', 50)],
    ['method', column(t('columns.method'), 'text', 'general', 8)],
    ['headers', column(t('columns.headers'), 'text', 'general', 40)],
    ['params', column(t('columns.params'), 'text', 'general', 60)],
    ['content_type', column(t('columns.contentType'), 'number', 'integer', 8)],
    ['position', column(t('columns.position'), 'text', 'general', 8)],
    ['timeout_s', column(t('columns.timeout'), 'number', 'general', 8)],
    ['delay', column(t('columns.delay'), 'number', 'integer', 8)],
    ['level', column(t('columns.level'), 'number', 'integer', 8)],
    ['retry', column(t('columns.retry'), 'number', 'integer', 7)],
    ['result', column(t('columns.result'), 'number', 'integer', 7)],
    ['status_code', column(t('columns.status'), 'text', 'general', 9)],
    ['result_text', column(t('columns.resultText'), 'text', 'general', 60)],
    ['start_time', column(t('columns.startTime', { zone }), 'instant', 'dateTimeMs', 23)],
    ['request_time', column(t('columns.requestTime', { zone }), 'instant', 'dateTimeMs', 23)],
    ['end_time', column(t('columns.endTime', { zone }), 'instant', 'dateTimeMs', 23)],
    ['current_month', column(t('columns.currentMonth'), 'text', 'general', 10)],
  ];
  const select = fields
    .map(([name, col]) =>
      long.includes(name)
        ? cut(name, L)
        : col.kind === 'number' || col.kind === 'instant'
          ? `CAST(${name} AS DOUBLE) AS ${name}`
          : name,
    )
    .join(', ');
  // Result columns: each long field is followed by its length.
  let at = 0;
  const specs = fields.map(([name, col]) => {
    const spec = { at, text: col.kind === 'text', long: long.includes(name), redact: redactors[name] };
    at += spec.long ? 2 : 1;
    return spec;
  });
  return {
    key: 'raw',
    columns: fields.map(([, col]) => col),
    sql: `SELECT ${select} FROM read_parquet(${sqlString(raw)}) ${ORDER}`,
    cells: (c, i) =>
      specs.map((spec) => {
        const value = c[spec.at]?.[i];
        if (!spec.text) return num(value);
        return sanitized(value, spec.long ? c[spec.at + 1]?.[i] : null, L, spec.redact);
      }),
  };
}

function typeNames(model: ReportModel, locale: string): Map<number, string> {
  return new Map(model.byType.map((r) => [r.type, locale === 'en' ? r.nameEn : r.name]));
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
