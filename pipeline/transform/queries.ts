/**
 * The figures of the report as SQL over the staging store (reference/metrics.md is the definition;
 * each query names the section it implements): the views they read, and the smaller figures. The
 * costly ones have files of their own: groups.ts (every group row and the month's latency),
 * deliveries.ts, streaks.ts. Each figure is computed once; the TypeScript only reads rows into the
 * model's shapes. Column names are the staging store's (pipeline/store/schema.ts): snake_case API
 * fields, times in epoch ms.
 */
import { ENDPOINT_MACROS } from './endpoint-sql.js';
import type { DataQuality, Retries, StatusClass, StatusCodes, TopFailure } from './model.js';

/** What the queries need of a database: StagingStore.query runs any statement and returns rows. */
export interface Db {
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export const SIGNATURE_CHARACTERS = 120;
export const TOP_FAILURES = 20;
export const QUARANTINE_SAMPLE = 100;

export const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * Macros, the endpoint of each distinct Url, and the views every query reads. `localDay` is SQL
 * for the local day number of `ms` (see local-day.ts). The figures read `population`: the records
 * (the deduplicated copies) with the per-record columns extract computed as it loaded them (the
 * delivery key's hash and the text checks, see pipeline/store/schema.ts), so no figure reads the
 * long text columns again but the few that must.
 */
export async function defineViews(db: Db, localDay: (ms: string) => string): Promise<void> {
  // A query that reads the population twice (deliveries: the hashes, then the keys of the records
  // sharing one) must scan it twice: DuckDB's common-subplan elimination could instead materialise
  // one scan with every column either side needs, Params included, ten million rows of it.
  await db.query("SET disabled_optimizers = 'common_subplan'");
  await db.query(`
    CREATE OR REPLACE TEMP MACRO rate(part, whole) AS part / nullif(whole, 0);
    CREATE OR REPLACE TEMP MACRO local_day(ms) AS ${localDay('ms')};
    CREATE OR REPLACE TEMP MACRO day_text(day) AS strftime(DATE '1970-01-01' + CAST(day AS INTEGER), '%Y-%m-%d');
    -- metrics.md "Latency": only records with both times and EndTime >= StartTime have a latency.
    CREATE OR REPLACE TEMP MACRO latency_of(start_ms, end_ms) AS
      CASE WHEN end_ms >= start_ms THEN end_ms - start_ms END;
    CREATE OR REPLACE TEMP MACRO status_class(code) AS CASE
      WHEN code IS NULL OR code = '' THEN 'none'
      WHEN regexp_full_match(code, '[2-5][0-9][0-9]') THEN left(code, 1) || 'xx'
      ELSE 'other' END;
    ${ENDPOINT_MACROS}

    CREATE OR REPLACE TEMP VIEW population AS SELECT * FROM staged WHERE NOT superseded;

    -- Urls repeat across a month: normalise each distinct one once. endpoint_id is a small number
    -- for the endpoint, cheaper to group and sort by than its text.
    CREATE OR REPLACE TEMP TABLE endpoints AS
      SELECT url, endpoint, dense_rank() OVER (ORDER BY endpoint) AS endpoint_id
      FROM (SELECT url, endpoint_of(url) AS endpoint FROM (SELECT DISTINCT url FROM population));

    CREATE OR REPLACE TEMP VIEW pushes AS
      SELECT *, local_day(create_time) AS day,
        latency_of(start_time, end_time) AS latency_ms,
        request_time - start_time AS queue_ms,
        end_time - request_time AS round_trip_ms
      FROM population;
    CREATE OR REPLACE TEMP VIEW pushes_by_endpoint AS
      SELECT p.*, e.* EXCLUDE (url) FROM pushes p JOIN endpoints e ON p.url IS NOT DISTINCT FROM e.url;
  `);
}

// --- reading DuckDB values -------------------------------------------------------------------

export function countOf(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  throw new TypeError(`expected a count, got ${String(value)}`);
}

export function realOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  throw new TypeError(`expected a number, got ${String(value)}`);
}

export const textOf = (value: unknown): string => String(value);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** Every local day from the window's first to its last (zero days included), yyyy-MM-dd. */
export async function readWindowDays(db: Db, startMs: number, endMs: number): Promise<string[]> {
  if (endMs < startMs) return [];
  const rows = await db.query(`
    SELECT day_text(day) AS date
    FROM range(local_day(${startMs}::BIGINT), local_day(${endMs}::BIGINT) + 1) AS days(day)
    ORDER BY day`);
  return rows.map((r) => textOf(r.date));
}

/** metrics.md "Retries": records per Retry value, ascending; "none" for a Retry that is not an integer. */
export async function readRetryHistogram(db: Db): Promise<Retries['histogram']> {
  const rows = await db.query(`
    SELECT coalesce(CAST(retry AS VARCHAR), 'none') AS retry_value, count(*) AS records
    FROM population GROUP BY retry ORDER BY retry NULLS LAST`);
  return Object.fromEntries(rows.map((r) => [textOf(r.retry_value), countOf(r.records)]));
}

// --- status codes, anomalies, top failures ------------------------------------------------------

export interface StatusFigures extends StatusCodes {
  succeededWithNon2xx: number;
  failedWith2xx: number;
}

/**
 * metrics.md "Groups" (statusCodes) and "Anomalies". Codes that are neither empty nor 2xx..5xx
 * (e.g. "0", "101", "abc") form the class "other", so the classes add up to the pushes.
 */
const STATUS_SQL = `
WITH by_code AS (
  SELECT status_code, result, count(*) AS records FROM population GROUP BY status_code, result
), classified AS (
  SELECT *, coalesce(nullif(status_code, ''), 'none') AS code, status_class(status_code) AS class
  FROM by_code
)
SELECT 'code' AS figure, code AS key, sum(records) AS value FROM classified GROUP BY code
UNION ALL
SELECT 'class', class, sum(records) FROM classified GROUP BY class
UNION ALL
SELECT 'succeededWithNon2xx', NULL, sum(records) FILTER (WHERE result = 1 AND class <> '2xx') FROM classified
UNION ALL
SELECT 'failedWith2xx', NULL, sum(records) FILTER (WHERE result = 0 AND class = '2xx') FROM classified
ORDER BY figure, value DESC, key`;

export async function readStatusCodes(db: Db): Promise<StatusFigures> {
  const figures: StatusFigures = {
    byCode: [],
    byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0, none: 0 },
    succeededWithNon2xx: 0,
    failedWith2xx: 0,
  };
  for (const row of await db.query(STATUS_SQL)) {
    const value = countOf(row.value);
    if (row.figure === 'code') figures.byCode.push({ code: textOf(row.key), count: value });
    else if (row.figure === 'class') figures.byClass[textOf(row.key) as StatusClass] = value;
    else if (row.figure === 'succeededWithNon2xx') figures.succeededWithNon2xx = value;
    else if (row.figure === 'failedWith2xx') figures.failedWith2xx = value;
  }
  return figures;
}

/**
 * metrics.md "Groups" (topFailures): failed records by (StatusCode, the first 120 characters of
 * ResultText with each run of digits replaced by one '#'), the 20 largest, each with the Id of its
 * earliest record.
 */
const TOP_FAILURES_SQL = `
SELECT
  coalesce(nullif(status_code, ''), 'none') AS code,
  regexp_replace(left(coalesce(result_text, ''), ${SIGNATURE_CHARACTERS}), '[0-9]+', '#', 'g') AS signature,
  count(*) AS records,
  min_by(id, (create_time, id)) AS example_id
FROM population
WHERE result = 0
GROUP BY ALL
ORDER BY records DESC, code, signature
LIMIT ${TOP_FAILURES}`;

export async function readTopFailures(db: Db): Promise<TopFailure[]> {
  const rows = await db.query(TOP_FAILURES_SQL);
  return rows.map((r) => ({
    statusCode: textOf(r.code),
    signature: textOf(r.signature),
    count: countOf(r.records),
    exampleId: textOf(r.example_id),
  }));
}

// --- data quality ---------------------------------------------------------------------------------

/** The distinct (Type, TypeStr) pairs seen, by type then TypeStr. */
export async function readTypeStrPairs(
  db: Db,
): Promise<{ type: number; typeStr: string | null; count: number }[]> {
  const rows = await db.query(`
    SELECT type, type_str, count(*) AS records FROM population
    GROUP BY type, type_str ORDER BY type, type_str NULLS FIRST`);
  return rows.map((r) => ({
    type: countOf(r.type),
    typeStr: textOrNull(r.type_str),
    count: countOf(r.records),
  }));
}

/**
 * metrics.md "The population": copies fetched beyond the first (the superseded ones), and Ids whose
 * copies differ, which the store counted as it settled the population (StagingStore.finalize).
 */
export async function readDuplicates(
  db: Db,
): Promise<Pick<DataQuality, 'duplicatesRemoved' | 'duplicatesDiffering'>> {
  const [row = {}] = await db.query(`SELECT (SELECT count(*) FROM staged WHERE superseded) AS removed,
    (SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'duplicatesDiffering') AS differing`);
  return { duplicatesRemoved: countOf(row.removed), duplicatesDiffering: countOf(row.differing) };
}

export async function readQuarantine(
  db: Db,
): Promise<Pick<DataQuality, 'quarantined' | 'quarantineReasons' | 'quarantinedRecords'>> {
  const reasons = await db.query(
    'SELECT reason, count(*) AS records FROM quarantined GROUP BY reason ORDER BY reason',
  );
  const sample = await db.query(`
    SELECT reason, id, window_id FROM quarantined
    ORDER BY reason, id NULLS FIRST, window_id, fetch_seq LIMIT ${QUARANTINE_SAMPLE}`);
  const quarantineReasons = Object.fromEntries(reasons.map((r) => [textOf(r.reason), countOf(r.records)]));
  return {
    quarantined: Object.values(quarantineReasons).reduce((a, b) => a + b, 0),
    quarantineReasons,
    quarantinedRecords: sample.map((r) => ({
      reason: textOf(r.reason),
      id: textOrNull(r.id),
      windowId: textOf(r.window_id),
    })),
  };
}

// --- helpers used outside the figures -----------------------------------------------------------

/** The staging store's meta table (what extract recorded: identity, window, as-of, completeness). */
export async function readMetaTable(db: Db): Promise<Map<string, string>> {
  const rows = await db.query('SELECT key, value FROM meta');
  return new Map(rows.map((r) => [textOf(r.key), textOf(r.value)]));
}

/** The endpoint of a Url by the report's own definition (SLA scopes, the url filter). */
export async function endpointOf(db: Db, url: string): Promise<string> {
  const [row] = await db.query(`SELECT endpoint_of(${sqlString(url)}) AS endpoint`);
  return textOf(row?.endpoint);
}

/** The deduplicated month as zstd Parquet: the evidence archive. */
export async function exportRecords(db: Db, path: string): Promise<void> {
  await db.query(`COPY records TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
}

/** A fixed order for text (UTF-16 units), the same in every locale, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
