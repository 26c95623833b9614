/**
 * metrics.md "Counts and rates", "Latency", "Groups": the month, byType, byEndpoint and byDay rows,
 * and the month-wide figures of the same pass (first attempts, the latency decomposition, the
 * record checks). Two passes over the records, each a hash aggregate on small keys: the additive
 * figures per (Type, Url, local day), and the value histograms the percentiles are read from.
 * Every group is then rolled up from those few thousand rows; a Url maps to one endpoint, so the
 * endpoint rows are sums of Url rows and no pass joins ten million records to their endpoint.
 */
import type { GroupRow, LatencyStats, Outcomes, SpanStats } from './model.js';
import { histogramQuantilesSql, LATENCY_QUANTILES } from './quantiles.js';
import { countOf, type Db, realOf, textOf } from './queries.js';

/**
 * One row per (Type, Url, local day). A mean is kept as avg's own state (its count and exact
 * integer sum) and the states are combined when rolled up, so every mean is avg() over the group's
 * records to the last bit: the same sum and count, divided by avg's own finalizer.
 */
const CUBE_SQL = `
CREATE OR REPLACE TEMP TABLE cube AS
SELECT type, url, day,
  count(*) AS pushes,
  count_if(result = 1) AS succeeded,
  count_if(retry > 0) AS retried,
  count_if(retry = 0) AS first_attempts,
  count_if(retry = 0 AND result = 1) AS first_attempts_succeeded,
  -- metrics.md "Latency": count, mean, min, max, over Timeout, buckets (percentiles: below)
  count(latency_ms) AS latency_count,
  avg(latency_ms) EXPORT_STATE AS latency_mean,
  min(latency_ms) AS latency_min,
  max(latency_ms) AS latency_max,
  count_if(latency_ms > timeout_s * 1000) AS over_timeout,
  count_if(latency_ms < 100) AS bucket_0_100,
  count_if(latency_ms >= 100 AND latency_ms < 300) AS bucket_100_300,
  count_if(latency_ms >= 300 AND latency_ms < 1000) AS bucket_300_1000,
  count_if(latency_ms >= 1000 AND latency_ms < 5000) AS bucket_1000_5000,
  count_if(latency_ms >= 5000) AS bucket_5000,
  -- the decomposition, where the times are present
  count(queue_ms) AS queue_count, avg(queue_ms) EXPORT_STATE AS queue_mean,
  count(round_trip_ms) AS round_trip_count, avg(round_trip_ms) EXPORT_STATE AS round_trip_mean,
  -- metrics.md "The population": oddities counted under data quality
  count_if(latency_ms IS NULL) AS invalid_latency,
  count_if(has_control_characters) AS control_characters,
  count_if(is_overlong) AS overlong_text
FROM pushes
GROUP BY type, url, day`;

/**
 * How many records have each value: latency per Type, per Url and per day (the month's is the sum
 * over Types, an endpoint's over its Urls), and the queue and round-trip times of the month.
 */
const HISTOGRAMS_SQL = `
CREATE OR REPLACE TEMP TABLE value_histograms AS
SELECT CASE WHEN GROUPING(type) = 0 THEN 'type' WHEN GROUPING(url) = 0 THEN 'url'
    WHEN GROUPING(day) = 0 THEN 'day' WHEN GROUPING(queue_ms) = 0 THEN 'queue' ELSE 'round_trip' END AS grouped_by,
  type, url, day, coalesce(latency_ms, queue_ms, round_trip_ms) AS v, count(*) AS n
FROM pushes
GROUP BY GROUPING SETS ((type, latency_ms), (url, latency_ms), (day, latency_ms), (queue_ms), (round_trip_ms))
HAVING v IS NOT NULL`;

/** metrics.md "Latency" percentiles of every group (see GROUPS_SQL), from the histograms. */
const GROUP_QUANTILES_SQL = `
CREATE OR REPLACE TEMP TABLE group_quantiles AS ${histogramQuantilesSql(
  `SELECT grouped_by, type, NULL::BIGINT AS endpoint_id, day, v, n
  FROM value_histograms WHERE grouped_by IN ('type', 'day')
  UNION ALL
  SELECT 'month', NULL, NULL, NULL, v, sum(n) FROM value_histograms WHERE grouped_by = 'type' GROUP BY v
  UNION ALL
  SELECT 'endpoint', NULL, e.endpoint_id, NULL, v, sum(n)
  FROM value_histograms h JOIN endpoints e ON h.url IS NOT DISTINCT FROM e.url
  WHERE grouped_by = 'url'
  GROUP BY e.endpoint_id, v`,
  ['grouped_by', 'type', 'endpoint_id', 'day'],
  LATENCY_QUANTILES,
)}`;

/** The p95 of the queue and round-trip times, exact, from the same histograms. */
const SPAN_QUANTILES_SQL = `SELECT span, quantiles[1] AS p95 FROM (${histogramQuantilesSql(
  `SELECT grouped_by AS span, v, n FROM value_histograms WHERE grouped_by IN ('queue', 'round_trip')`,
  ['span'],
  [0.95],
)})`;

const total = (column: string) => `CAST(sum(${column}) AS BIGINT) AS ${column}`;
const mean = (column: string) =>
  `finalize(list_reduce(list(${column}), lambda a, b: combine(a, b))) AS ${column}`;

/** One row per group: the whole month, each Type, each endpoint, each local day with records. */
const GROUPS_SQL = `
WITH groups AS (
  SELECT CASE WHEN GROUPING(type) = 0 THEN 'type' WHEN GROUPING(endpoint_id) = 0 THEN 'endpoint'
      WHEN GROUPING(day) = 0 THEN 'day' ELSE 'month' END AS grouped_by,
    type, endpoint_id, day,
    ${['pushes', 'succeeded', 'retried', 'first_attempts', 'first_attempts_succeeded', 'latency_count'].map(total).join(', ')},
    ${mean('latency_mean')}, min(latency_min) AS latency_min, max(latency_max) AS latency_max,
    ${['over_timeout', 'bucket_0_100', 'bucket_100_300', 'bucket_300_1000', 'bucket_1000_5000', 'bucket_5000'].map(total).join(', ')},
    ${total('queue_count')}, ${mean('queue_mean')}, ${total('round_trip_count')}, ${mean('round_trip_mean')},
    ${['invalid_latency', 'control_characters', 'overlong_text'].map(total).join(', ')}
  FROM cube c JOIN endpoints e ON c.url IS NOT DISTINCT FROM e.url
  GROUP BY GROUPING SETS ((), (type), (endpoint_id), (day))
)
SELECT g.*,
  (SELECT any_value(endpoint) FROM endpoints e WHERE e.endpoint_id = g.endpoint_id) AS endpoint,
  pushes - succeeded AS failed,
  rate(succeeded, pushes) AS success_rate,
  rate(retried, pushes) AS retried_share,
  rate(first_attempts_succeeded, first_attempts) AS first_attempt_success_rate,
  q.quantiles[1] AS latency_p50, q.quantiles[2] AS latency_p90,
  q.quantiles[3] AS latency_p95, q.quantiles[4] AS latency_p99,
  day_text(g.day) AS date
FROM groups g LEFT JOIN group_quantiles q ON q.grouped_by = g.grouped_by
  AND q.type IS NOT DISTINCT FROM g.type AND q.endpoint_id IS NOT DISTINCT FROM g.endpoint_id
  AND q.day IS NOT DISTINCT FROM g.day`;

export interface GroupFigures extends GroupRow {
  retriedShare: number | null;
}

/** The month-wide figures of the same pass. */
export interface MonthScan {
  firstAttemptSuccessRate: number | null;
  queueMs: SpanStats;
  roundTripMs: SpanStats;
  invalidLatency: number;
  controlCharacters: number;
  overlongText: number;
}

export interface Groups {
  month: GroupFigures;
  byType: Map<number, GroupFigures>;
  byEndpoint: Map<string, GroupFigures>;
  byDay: Map<string, GroupFigures>;
  scan: MonthScan;
}

/**
 * Computes every group's figures. Leaves the temporary table `cube` (one row per Type, Url and
 * local day, see CUBE_SQL) for the other figures that count records per Type and Url.
 */
export async function readGroups(db: Db): Promise<Groups> {
  const groups: Groups = {
    month: emptyGroup(),
    byType: new Map(),
    byEndpoint: new Map(),
    byDay: new Map(),
    scan: {
      firstAttemptSuccessRate: null,
      queueMs: { count: 0, mean: null, p95: null },
      roundTripMs: { count: 0, mean: null, p95: null },
      invalidLatency: 0,
      controlCharacters: 0,
      overlongText: 0,
    },
  };
  await db.query(CUBE_SQL);
  await db.query(HISTOGRAMS_SQL);
  await db.query(GROUP_QUANTILES_SQL);
  const spans = new Map((await db.query(SPAN_QUANTILES_SQL)).map((r) => [textOf(r.span), realOf(r.p95)]));
  for (const row of await db.query(GROUPS_SQL)) {
    const figures: GroupFigures = {
      ...outcomesOf(row),
      latencyMs: latencyOf(row),
      retriedShare: realOf(row.retried_share),
    };
    if (row.grouped_by === 'type') groups.byType.set(countOf(row.type), figures);
    else if (row.grouped_by === 'endpoint') groups.byEndpoint.set(textOf(row.endpoint), figures);
    else if (row.grouped_by === 'day') groups.byDay.set(textOf(row.date), figures);
    else {
      groups.month = figures;
      groups.scan = {
        firstAttemptSuccessRate: realOf(row.first_attempt_success_rate),
        queueMs: {
          count: countOf(row.queue_count),
          mean: realOf(row.queue_mean),
          p95: spans.get('queue') ?? null,
        },
        roundTripMs: {
          count: countOf(row.round_trip_count),
          mean: realOf(row.round_trip_mean),
          p95: spans.get('round_trip') ?? null,
        },
        invalidLatency: countOf(row.invalid_latency),
        controlCharacters: countOf(row.control_characters),
        overlongText: countOf(row.overlong_text),
      };
    }
  }
  await db.query('DROP TABLE value_histograms; DROP TABLE group_quantiles');
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
    pushes: countOf(row.pushes),
    succeeded: countOf(row.succeeded),
    failed: countOf(row.failed),
    successRate: realOf(row.success_rate),
  };
}

function latencyOf(row: Record<string, unknown>): LatencyStats {
  return {
    count: countOf(row.latency_count),
    mean: realOf(row.latency_mean),
    min: realOf(row.latency_min),
    max: realOf(row.latency_max),
    p50: realOf(row.latency_p50),
    p90: realOf(row.latency_p90),
    p95: realOf(row.latency_p95),
    p99: realOf(row.latency_p99),
    overTimeout: countOf(row.over_timeout),
    buckets: {
      '0-100': countOf(row.bucket_0_100),
      '100-300': countOf(row.bucket_100_300),
      '300-1000': countOf(row.bucket_300_1000),
      '1000-5000': countOf(row.bucket_1000_5000),
      '5000+': countOf(row.bucket_5000),
    },
  };
}
