/**
 * metrics.md "Groups": the longest run of consecutive failed records to an endpoint in CreateTime
 * order. Records of the same millisecond are taken successes first (the API gives no finer order,
 * and Ids need not follow time); of equally long runs the earliest is reported.
 *
 * Ordering a month of records is what makes this costly, so almost none are ordered. The records
 * of each endpoint are cut into minutes (buckets), and each minute is summed up by its successes
 * and the times of its first and last success. A failure before its minute's first success, or in
 * a minute without one, continues the run that the last success of an earlier minute ended; a
 * failure at or after its minute's last success starts the run that the next minute's first success
 * ends. Counting those failures per run needs no order at all. Only the failures between two
 * successes of one minute need the minute's records in order, and only in a minute that holds at
 * least as many of them as the longest run found so far: no run inside a minute is longer than
 * the failures it holds.
 */
import type { FailureStreak } from './model.js';
import { countOf, type Db, realOf, textOf } from './queries.js';

const BUCKET_MS = 60_000;

/** Per endpoint and minute of CreateTime: its successes, and the times of the first and last. */
const BUCKETS_SQL = `
CREATE OR REPLACE TEMP TABLE streak_buckets AS
  SELECT endpoint_id, create_time // ${BUCKET_MS} AS bucket,
    count(*) FILTER (WHERE result = 1) AS successes,
    min(create_time) FILTER (WHERE result = 1) AS first_success,
    max(create_time) FILTER (WHERE result = 1) AS last_success
  FROM pushes_by_endpoint
  GROUP BY endpoint_id, bucket`;

/**
 * Every failure placed on its run: `run` counts the minutes with a success up to the run's start
 * (those before the failure's minute, and its own when the failure follows the minute's last
 * success). A failure between two successes of its minute has no run here (NULL).
 */
const PLACED_SQL = `
CREATE OR REPLACE TEMP TABLE streak_failures AS
WITH numbered AS (
  SELECT *, sum(CASE WHEN successes > 0 THEN 1 ELSE 0 END) OVER (
      PARTITION BY endpoint_id ORDER BY bucket ROWS UNBOUNDED PRECEDING) AS success_minutes
  FROM streak_buckets
)
SELECT f.endpoint_id, f.bucket, f.create_time,
  CASE WHEN b.successes = 0 OR f.create_time < b.first_success THEN b.success_minutes - least(b.successes, 1)
    WHEN f.create_time >= b.last_success THEN b.success_minutes END AS run
FROM (SELECT endpoint_id, create_time, create_time // ${BUCKET_MS} AS bucket FROM pushes_by_endpoint WHERE result = 0) f
  JOIN numbered b ON b.endpoint_id = f.endpoint_id AND b.bucket = f.bucket`;

/** The runs that need no order, and the minutes whose inner failures could form a longer one. */
const RUNS_SQL = `
CREATE OR REPLACE TEMP TABLE streak_runs AS
  SELECT endpoint_id, count(*) AS length, min(create_time) AS from_ms, max(create_time) AS to_ms
  FROM streak_failures WHERE run IS NOT NULL
  GROUP BY endpoint_id, run;
CREATE OR REPLACE TEMP TABLE streak_minutes AS
  WITH longest AS (SELECT endpoint_id, max(length) AS length FROM streak_runs GROUP BY endpoint_id),
  inner_failures AS (
    SELECT endpoint_id, bucket, count(*) AS failures FROM streak_failures WHERE run IS NULL GROUP BY endpoint_id, bucket
  )
  SELECT i.endpoint_id, i.bucket, b.first_success, b.last_success
  FROM inner_failures i
    JOIN streak_buckets b ON b.endpoint_id = i.endpoint_id AND b.bucket = i.bucket
    LEFT JOIN longest l ON l.endpoint_id = i.endpoint_id
  WHERE i.failures >= coalesce(l.length, 0)`;

/**
 * The runs between two successes of one of those minutes: each failure's run is the number of the
 * minute's successes up to its millisecond (successes first), so failures sharing it are consecutive.
 */
const INNER_RUNS_SQL = `
INSERT INTO streak_runs
WITH attempts AS (
  SELECT p.endpoint_id, m.bucket, p.create_time, p.result, m.first_success, m.last_success
  FROM pushes_by_endpoint p
    JOIN streak_minutes m ON m.endpoint_id = p.endpoint_id AND m.bucket = p.create_time // ${BUCKET_MS}
), counted AS (
  SELECT *, sum(result) OVER (PARTITION BY endpoint_id, bucket ORDER BY create_time
      RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS successes_so_far
  FROM attempts
)
SELECT endpoint_id, count(*), min(create_time), max(create_time)
FROM counted
WHERE result = 0 AND create_time >= first_success AND create_time < last_success
GROUP BY endpoint_id, bucket, successes_so_far`;

const LONGEST_SQL = `
SELECT (SELECT any_value(endpoint) FROM endpoints e WHERE e.endpoint_id = s.endpoint_id) AS endpoint,
  length, from_ms, to_ms
FROM streak_runs s
QUALIFY row_number() OVER (PARTITION BY endpoint_id ORDER BY length DESC, from_ms) = 1`;

export async function readStreaks(db: Db): Promise<Map<string, FailureStreak>> {
  await db.query(BUCKETS_SQL);
  await db.query(PLACED_SQL);
  await db.query(RUNS_SQL);
  const [minutes] = await db.query('SELECT count(*) AS n FROM streak_minutes');
  // Ordering records needs another pass over the month: only when some minute could hold the longest run.
  if (countOf(minutes?.n) > 0) await db.query(INNER_RUNS_SQL);
  const rows = await db.query(LONGEST_SQL);
  await db.query(
    'DROP TABLE streak_buckets; DROP TABLE streak_failures; DROP TABLE streak_runs; DROP TABLE streak_minutes',
  );
  return new Map(
    rows.map((r) => [
      textOf(r.endpoint),
      { length: countOf(r.length), from: realOf(r.from_ms), to: realOf(r.to_ms) },
    ]),
  );
}
