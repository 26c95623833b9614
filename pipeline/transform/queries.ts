/**
 * Every figure of the report, as SQL over the staging store (reference/metrics.md is the
 * definition; each query names the section it implements). Each figure is computed here once;
 * the TypeScript below only reads rows into the model's shapes. Column names are the staging
 * store's (pipeline/store/schema.ts): snake_case API fields, times in epoch ms.
 */
import { ENDPOINT_MACROS } from './endpoint-sql.js';
import type {
  DataQuality,
  FailureStreak,
  GroupRow,
  LatencyStats,
  Outcomes,
  Retries,
  SpanStats,
  StatusClass,
  StatusCodes,
  TopFailure,
} from './model.js';

/** What the queries need of a database: StagingStore.query runs any statement and returns rows. */
export interface Db {
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export const LATENCY_QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;
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
  // A query that reads the population twice (deliveries: the single attempts and the shared keys)
  // must scan it twice: DuckDB's common-subplan elimination would instead materialise one scan with
  // every column either side needs, Params included, ten million rows of it (measured: 4× the CPU).
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

function count(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  throw new TypeError(`expected a count, got ${String(value)}`);
}

function real(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  throw new TypeError(`expected a number, got ${String(value)}`);
}

const text = (value: unknown): string => String(value);
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

// --- groups: totals, latency, byType, byEndpoint, byDay ----------------------------------------

// --- exact percentiles -----------------------------------------------------------------------

/**
 * Exact percentiles from a histogram: `histogram` is SQL yielding the columns `keys`, a value `v`
 * (an integer: latencies are whole milliseconds) and its count `n`; the result has `keys` and
 * `quantiles`, the list of PERCENTILE.INC values (metrics.md "Latency") in the order of `ps`.
 *
 * This is DuckDB's quantile_cont to the last bit, not an approximation: with the n values sorted,
 * h = (n − 1)·p, x[⌊h⌋] is the smallest value whose running count exceeds ⌊h⌋ (likewise x[⌈h⌉]),
 * and the interpolation is written x[⌊h⌋]·(1 − d) + x[⌈h⌉]·d, the form DuckDB evaluates, in the
 * same double arithmetic. It is cheaper: counting a month's values per group is a hash aggregate
 * into a few hundred thousand (group, value) pairs, where quantile_cont keeps every value of every
 * group (four grouping sets of ten million) and selects among them.
 */
export function histogramQuantilesSql(histogram: string, keys: string[], ps: readonly number[]): string {
  const by = keys.join(', ');
  const rows = ps.map((p, i) => `(${i + 1}, CAST(${p} AS DOUBLE))`).join(', ');
  return `
WITH histogram AS (${histogram}), ranked AS (
  SELECT ${by}, v,
    sum(n) OVER (PARTITION BY ${by} ORDER BY v ROWS UNBOUNDED PRECEDING) AS upto,
    (sum(n) OVER (PARTITION BY ${by}) - 1)::DOUBLE AS last
  FROM histogram
), picked AS (
  SELECT ${by}, q.i, any_value(last * q.p) AS h,
    min(v) FILTER (WHERE upto > floor(last * q.p)) AS lo,
    min(v) FILTER (WHERE upto > ceil(last * q.p)) AS hi
  FROM ranked, (VALUES ${rows}) AS q(i, p)
  GROUP BY ${by}, q.i
)
SELECT ${by}, list(CASE WHEN h = floor(h) THEN lo::DOUBLE
    ELSE lo::DOUBLE * (1 - (h - floor(h))) + hi::DOUBLE * (h - floor(h)) END ORDER BY i) AS quantiles
FROM picked
GROUP BY ${by}`;
}

// --- groups: totals, latency, byType, byEndpoint, byDay ----------------------------------------

const GROUPED_BY = `CASE WHEN GROUPING(type) = 0 THEN 'type' WHEN GROUPING(endpoint_id) = 0 THEN 'endpoint'
    WHEN GROUPING(day) = 0 THEN 'day' ELSE 'month' END`;

/** metrics.md "Latency" percentiles of every group (see GROUPS_SQL), from one histogram pass. */
const GROUP_QUANTILES_SQL = `
CREATE OR REPLACE TEMP TABLE group_quantiles AS ${histogramQuantilesSql(
  `SELECT ${GROUPED_BY} AS grouped_by, type, endpoint_id, day, latency_ms AS v, count(*) AS n
  FROM pushes_by_endpoint
  WHERE latency_ms IS NOT NULL
  GROUP BY GROUPING SETS ((latency_ms), (type, latency_ms), (endpoint_id, latency_ms), (day, latency_ms))`,
  ['grouped_by', 'type', 'endpoint_id', 'day'],
  LATENCY_QUANTILES,
)}`;

/** metrics.md "Latency": count, mean, min, max, over Timeout, buckets (percentiles: above). */
const LATENCY_COLUMNS = `
  count(latency_ms) AS latency_count,
  avg(latency_ms) AS latency_mean,
  min(latency_ms) AS latency_min,
  max(latency_ms) AS latency_max,
  count(*) FILTER (WHERE latency_ms > timeout_s * 1000) AS over_timeout,
  count(*) FILTER (WHERE latency_ms < 100) AS bucket_0_100,
  count(*) FILTER (WHERE latency_ms >= 100 AND latency_ms < 300) AS bucket_100_300,
  count(*) FILTER (WHERE latency_ms >= 300 AND latency_ms < 1000) AS bucket_300_1000,
  count(*) FILTER (WHERE latency_ms >= 1000 AND latency_ms < 5000) AS bucket_1000_5000,
  count(*) FILTER (WHERE latency_ms >= 5000) AS bucket_5000`;

/** One row per group: the whole month, each Type, each endpoint, each local day with records. */
const GROUPS_SQL = `
WITH groups AS (
  SELECT ${GROUPED_BY} AS grouped_by,
    type, endpoint_id, day,
    count(*) AS pushes,
    count(*) FILTER (WHERE result = 1) AS succeeded,
    count(*) FILTER (WHERE retry > 0) AS retried,
    ${LATENCY_COLUMNS}
  FROM pushes_by_endpoint
  GROUP BY GROUPING SETS ((), (type), (endpoint_id), (day))
)
SELECT g.*,
  (SELECT any_value(endpoint) FROM endpoints e WHERE e.endpoint_id = g.endpoint_id) AS endpoint,
  pushes - succeeded AS failed,
  rate(succeeded, pushes) AS success_rate,
  rate(retried, pushes) AS retried_share,
  q.quantiles[1] AS latency_p50, q.quantiles[2] AS latency_p90,
  q.quantiles[3] AS latency_p95, q.quantiles[4] AS latency_p99,
  day_text(g.day) AS date
FROM groups g LEFT JOIN group_quantiles q ON q.grouped_by = g.grouped_by
  AND q.type IS NOT DISTINCT FROM g.type AND q.endpoint_id IS NOT DISTINCT FROM g.endpoint_id
  AND q.day IS NOT DISTINCT FROM g.day`;

export interface GroupFigures extends GroupRow {
  retriedShare: number | null;
}

export interface Groups {
  month: GroupFigures;
  byType: Map<number, GroupFigures>;
  byEndpoint: Map<string, GroupFigures>;
  byDay: Map<string, GroupFigures>;
}

export async function readGroups(db: Db): Promise<Groups> {
  const groups: Groups = { month: emptyGroup(), byType: new Map(), byEndpoint: new Map(), byDay: new Map() };
  await db.query(GROUP_QUANTILES_SQL);
  for (const row of await db.query(GROUPS_SQL)) {
    const figures: GroupFigures = {
      ...outcomesOf(row),
      latencyMs: latencyOf(row),
      retriedShare: real(row.retried_share),
    };
    if (row.grouped_by === 'type') groups.byType.set(count(row.type), figures);
    else if (row.grouped_by === 'endpoint') groups.byEndpoint.set(text(row.endpoint), figures);
    else if (row.grouped_by === 'day') groups.byDay.set(text(row.date), figures);
    else groups.month = figures;
  }
  return groups;
}

/** The figures of a group without records: counts 0, everything else null. */
export function emptyGroup(): GroupFigures {
  return {
    pushes: 0,
    succeeded: 0,
    failed: 0,
    successRate: null,
    retriedShare: null,
    latencyMs: {
      count: 0,
      mean: null,
      min: null,
      max: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      overTimeout: 0,
      buckets: { '0-100': 0, '100-300': 0, '300-1000': 0, '1000-5000': 0, '5000+': 0 },
    },
  };
}

function outcomesOf(row: Record<string, unknown>): Outcomes {
  return {
    pushes: count(row.pushes),
    succeeded: count(row.succeeded),
    failed: count(row.failed),
    successRate: real(row.success_rate),
  };
}

function latencyOf(row: Record<string, unknown>): LatencyStats {
  return {
    count: count(row.latency_count),
    mean: real(row.latency_mean),
    min: real(row.latency_min),
    max: real(row.latency_max),
    p50: real(row.latency_p50),
    p90: real(row.latency_p90),
    p95: real(row.latency_p95),
    p99: real(row.latency_p99),
    overTimeout: count(row.over_timeout),
    buckets: {
      '0-100': count(row.bucket_0_100),
      '100-300': count(row.bucket_100_300),
      '300-1000': count(row.bucket_300_1000),
      '1000-5000': count(row.bucket_1000_5000),
      '5000+': count(row.bucket_5000),
    },
  };
}

/** Every local day from the window's first to its last (zero days included), yyyy-MM-dd. */
export async function readWindowDays(db: Db, startMs: number, endMs: number): Promise<string[]> {
  if (endMs < startMs) return [];
  const rows = await db.query(`
    SELECT day_text(day) AS date
    FROM range(local_day(${startMs}::BIGINT), local_day(${endMs}::BIGINT) + 1) AS days(day)
    ORDER BY day`);
  return rows.map((r) => text(r.date));
}

// --- deliveries --------------------------------------------------------------------------------

export interface DeliveryCounts {
  deliveries: number;
  delivered: number;
  /** deliveries with no succeeded attempt */
  exhausted: number;
  eventualSuccessRate: number | null;
}

export interface Deliveries {
  month: DeliveryCounts;
  byType: Map<number, DeliveryCounts>;
  byEndpoint: Map<string, DeliveryCounts>;
}

/**
 * metrics.md "Retries": a delivery is the attempts sharing (Type, Url, Method, Params); it is
 * delivered when one attempt succeeded. A delivery has one Type and one Url, so it belongs to
 * exactly one byType and one byEndpoint row.
 *
 * Grouping ten million long keys is slow, so attempts are first grouped by the 64-bit hash of
 * their key. An attempt whose hash no other attempt has is a delivery of its own; attempts that
 * share a hash are grouped by the key itself, so a hash collision cannot merge two deliveries and
 * the count is exact.
 */
const SHARED_KEYS_SQL = `
CREATE OR REPLACE TEMP TABLE shared_keys AS
  SELECT key_hash FROM population GROUP BY key_hash HAVING count(*) > 1`;

const DELIVERIES_SQL = `
WITH deliveries AS (
  SELECT type, url, result = 1 AS delivered
  FROM population
  WHERE key_hash NOT IN (SELECT key_hash FROM shared_keys)
  UNION ALL
  SELECT type, url, bool_or(result = 1)
  FROM population
  WHERE key_hash IN (SELECT key_hash FROM shared_keys)
  GROUP BY type, url, method, params
), by_url AS (
  -- Each delivery has one Type and one Url: count per (Type, Url), a few hundred rows at most, and
  -- only then map Urls to endpoints.
  SELECT type, url, count(*) AS deliveries, count(*) FILTER (WHERE delivered) AS delivered
  FROM deliveries
  GROUP BY type, url
), counts AS (
  SELECT
    CASE WHEN GROUPING(type) = 0 THEN 'type' WHEN GROUPING(endpoint_id) = 0 THEN 'endpoint' ELSE 'month' END
      AS grouped_by,
    type, endpoint_id,
    CAST(sum(deliveries) AS BIGINT) AS deliveries,
    CAST(sum(delivered) AS BIGINT) AS delivered
  FROM by_url b JOIN endpoints e ON b.url IS NOT DISTINCT FROM e.url
  GROUP BY GROUPING SETS ((), (type), (endpoint_id))
)
SELECT c.*, deliveries - delivered AS exhausted, rate(delivered, deliveries) AS eventual_success_rate,
  (SELECT any_value(endpoint) FROM endpoints e WHERE e.endpoint_id = c.endpoint_id) AS endpoint
FROM counts c`;

export async function readDeliveries(db: Db): Promise<Deliveries> {
  const result: Deliveries = {
    month: { deliveries: 0, delivered: 0, exhausted: 0, eventualSuccessRate: null },
    byType: new Map(),
    byEndpoint: new Map(),
  };
  await db.query(SHARED_KEYS_SQL);
  for (const row of await db.query(DELIVERIES_SQL)) {
    const counts: DeliveryCounts = {
      deliveries: count(row.deliveries),
      delivered: count(row.delivered),
      exhausted: count(row.exhausted),
      eventualSuccessRate: real(row.eventual_success_rate),
    };
    if (row.grouped_by === 'type') result.byType.set(count(row.type), counts);
    else if (row.grouped_by === 'endpoint') result.byEndpoint.set(text(row.endpoint), counts);
    else result.month = counts;
  }
  return result;
}

// --- longest failure streak per endpoint -------------------------------------------------------

/**
 * metrics.md "Groups": the longest run of consecutive failed records to an endpoint in CreateTime
 * order. A failure's run is identified by the number of successes up to its CreateTime: failures
 * sharing that number are consecutive. Records of the same millisecond are taken successes first
 * (the API gives no finer order, and Ids need not follow time); of equally long runs the earliest
 * is reported.
 *
 * The running count is taken in two steps, so that only the few 10-second buckets holding a
 * failure are sorted: the successes of all earlier buckets, plus those of the record's own bucket
 * up to its CreateTime.
 */
const STREAKS_SQL = `
WITH attempts AS NOT MATERIALIZED (
  SELECT endpoint_id, create_time, result, create_time // 10000 AS bucket FROM pushes_by_endpoint
), buckets AS (
  SELECT endpoint_id, bucket, sum(result) AS successes, count(*) - sum(result) AS failures
  FROM attempts
  GROUP BY endpoint_id, bucket
), earlier AS (
  SELECT endpoint_id, bucket, failures,
    coalesce(sum(successes) OVER (
      PARTITION BY endpoint_id ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), 0) AS successes_before
  FROM buckets
), counted AS (
  SELECT a.endpoint_id, a.create_time, a.result,
    e.successes_before + sum(a.result) OVER (
      PARTITION BY a.endpoint_id, a.bucket ORDER BY a.create_time
      RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS successes_so_far
  FROM attempts a JOIN earlier e ON a.endpoint_id = e.endpoint_id AND a.bucket = e.bucket AND e.failures > 0
), streaks AS (
  SELECT endpoint_id, count(*) AS length, min(create_time) AS from_ms, max(create_time) AS to_ms
  FROM counted
  WHERE result = 0
  GROUP BY endpoint_id, successes_so_far
  QUALIFY row_number() OVER (PARTITION BY endpoint_id ORDER BY length DESC, from_ms) = 1
)
SELECT (SELECT any_value(endpoint) FROM endpoints e WHERE e.endpoint_id = s.endpoint_id) AS endpoint,
  length, from_ms, to_ms
FROM streaks s`;

export async function readStreaks(db: Db): Promise<Map<string, FailureStreak>> {
  const rows = await db.query(STREAKS_SQL);
  return new Map(
    rows.map((r) => [
      text(r.endpoint),
      { length: count(r.length), from: real(r.from_ms), to: real(r.to_ms) },
    ]),
  );
}

// --- one pass over the month: retries, latency decomposition, record checks ---------------------

export interface MonthScan {
  firstAttemptSuccessRate: number | null;
  queueMs: SpanStats;
  roundTripMs: SpanStats;
  invalidLatency: number;
  controlCharacters: number;
  overlongText: number;
}

const MONTH_SCAN_SQL = `
SELECT
  -- metrics.md "Retries"
  rate(count(*) FILTER (WHERE retry = 0 AND result = 1), count(*) FILTER (WHERE retry = 0))
    AS first_attempt_success_rate,
  -- metrics.md "Latency", decomposition where the times are present (p95: below)
  count(queue_ms) AS queue_count, avg(queue_ms) AS queue_mean,
  count(round_trip_ms) AS round_trip_count, avg(round_trip_ms) AS round_trip_mean,
  -- metrics.md "The population": oddities counted under data quality
  count(*) FILTER (WHERE latency_ms IS NULL) AS invalid_latency,
  count(*) FILTER (WHERE has_control_characters) AS control_characters,
  count(*) FILTER (WHERE is_overlong) AS overlong_text
FROM pushes`;

/** The p95 of the queue and round-trip times, exact, from one histogram pass. */
const SPAN_QUANTILES_SQL = histogramQuantilesSql(
  `SELECT CASE WHEN GROUPING(queue_ms) = 0 THEN 'queue' ELSE 'round_trip' END AS span,
    coalesce(queue_ms, round_trip_ms) AS v, count(*) AS n
  FROM pushes
  GROUP BY GROUPING SETS ((queue_ms), (round_trip_ms))
  HAVING v IS NOT NULL`,
  ['span'],
  [0.95],
);

export async function readMonthScan(db: Db): Promise<MonthScan> {
  const [row = {}] = await db.query(MONTH_SCAN_SQL);
  const spans = new Map(
    (await db.query(`SELECT span, quantiles[1] AS p95 FROM (${SPAN_QUANTILES_SQL})`)).map((r) => [
      text(r.span),
      real(r.p95),
    ]),
  );
  return {
    firstAttemptSuccessRate: real(row.first_attempt_success_rate),
    queueMs: { count: count(row.queue_count), mean: real(row.queue_mean), p95: spans.get('queue') ?? null },
    roundTripMs: {
      count: count(row.round_trip_count),
      mean: real(row.round_trip_mean),
      p95: spans.get('round_trip') ?? null,
    },
    invalidLatency: count(row.invalid_latency),
    controlCharacters: count(row.control_characters),
    overlongText: count(row.overlong_text),
  };
}

/** metrics.md "Retries": records per Retry value, ascending; "none" for a Retry that is not an integer. */
export async function readRetryHistogram(db: Db): Promise<Retries['histogram']> {
  const rows = await db.query(`
    SELECT coalesce(CAST(retry AS VARCHAR), 'none') AS retry_value, count(*) AS records
    FROM population GROUP BY retry ORDER BY retry NULLS LAST`);
  return Object.fromEntries(rows.map((r) => [text(r.retry_value), count(r.records)]));
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
    const value = count(row.value);
    if (row.figure === 'code') figures.byCode.push({ code: text(row.key), count: value });
    else if (row.figure === 'class') figures.byClass[text(row.key) as StatusClass] = value;
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
    statusCode: text(r.code),
    signature: text(r.signature),
    count: count(r.records),
    exampleId: text(r.example_id),
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
  return rows.map((r) => ({ type: count(r.type), typeStr: textOrNull(r.type_str), count: count(r.records) }));
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
  return { duplicatesRemoved: count(row.removed), duplicatesDiffering: count(row.differing) };
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
  const quarantineReasons = Object.fromEntries(reasons.map((r) => [text(r.reason), count(r.records)]));
  return {
    quarantined: Object.values(quarantineReasons).reduce((a, b) => a + b, 0),
    quarantineReasons,
    quarantinedRecords: sample.map((r) => ({
      reason: text(r.reason),
      id: textOrNull(r.id),
      windowId: text(r.window_id),
    })),
  };
}

// --- helpers used outside the figures -----------------------------------------------------------

/** The staging store's meta table (what extract recorded: identity, window, as-of, completeness). */
export async function readMetaTable(db: Db): Promise<Map<string, string>> {
  const rows = await db.query('SELECT key, value FROM meta');
  return new Map(rows.map((r) => [text(r.key), text(r.value)]));
}

/** The endpoint of a Url by the report's own definition (SLA scopes, the url filter). */
export async function endpointOf(db: Db, url: string): Promise<string> {
  const [row] = await db.query(`SELECT endpoint_of(${sqlString(url)}) AS endpoint`);
  return text(row?.endpoint);
}

/** The deduplicated month as zstd Parquet: the evidence archive. */
export async function exportRecords(db: Db, path: string): Promise<void> {
  await db.query(`COPY records TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
}

/** A fixed order for text (UTF-16 units), the same in every locale, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
