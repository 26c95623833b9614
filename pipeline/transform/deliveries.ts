/**
 * metrics.md "Retries": a delivery is the attempts sharing (Type, Url, Method, Params); it is
 * delivered when one attempt succeeded. A delivery has one Type and one Url, so it belongs to
 * exactly one byType and one byEndpoint row.
 *
 * Grouping ten million long keys is slow, so attempts are grouped by the 64-bit hash of their key
 * (computed by extract, see pipeline/store/schema.ts). An attempt whose hash no other attempt has
 * is a delivery of its own, so a (Type, Url) has as many deliveries as records, less the attempts
 * merged into others: only the attempts that share a hash are read again and grouped by their key,
 * so a hash collision cannot merge two deliveries and the count is exact.
 */
import { countOf, type Db, realOf, textOf } from './queries.js';

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
 * The attempts that share a hash, one row per key: grouped by the key itself (with the hash, which
 * the key decides), so a hash shared by different keys, a collision, cannot merge two deliveries.
 * The shared hashes are the one grouping of every record; DuckDB then reads the keys of only the
 * records holding one of them (it filters the scan by the hashes as it reads).
 */
const SHARED_SQL = `
  SELECT type, url, count(*) AS attempts, count_if(result = 1) AS succeeded
  FROM population
  WHERE key_hash IN (SELECT key_hash FROM population GROUP BY key_hash HAVING count(*) > 1)
  GROUP BY key_hash, type, url, method, params`;

/**
 * Deliveries per (Type, Url): its records (from the cube, see groups.ts) less the attempts merged
 * into a delivery, and its succeeded records less the successes merged into a delivered one.
 */
const DELIVERIES_SQL = `
WITH merged AS (
  SELECT type, url, sum(attempts - 1) AS attempts, sum(succeeded - least(succeeded, 1)) AS succeeded
  FROM (${SHARED_SQL})
  GROUP BY type, url
), by_url AS (
  SELECT type, url, sum(pushes) AS attempts, sum(succeeded) AS succeeded FROM cube GROUP BY type, url
), delivered AS (
  SELECT b.type, b.url, b.attempts - coalesce(m.attempts, 0) AS deliveries,
    b.succeeded - coalesce(m.succeeded, 0) AS delivered
  FROM by_url b LEFT JOIN merged m ON b.type = m.type AND b.url IS NOT DISTINCT FROM m.url
), counts AS (
  SELECT
    CASE WHEN GROUPING(type) = 0 THEN 'type' WHEN GROUPING(endpoint_id) = 0 THEN 'endpoint' ELSE 'month' END
      AS grouped_by,
    type, endpoint_id,
    CAST(sum(deliveries) AS BIGINT) AS deliveries,
    CAST(sum(delivered) AS BIGINT) AS delivered
  FROM delivered d JOIN endpoints e ON d.url IS NOT DISTINCT FROM e.url
  GROUP BY GROUPING SETS ((), (type), (endpoint_id))
)
SELECT c.*, deliveries - delivered AS exhausted, rate(delivered, deliveries) AS eventual_success_rate,
  (SELECT any_value(endpoint) FROM endpoints e WHERE e.endpoint_id = c.endpoint_id) AS endpoint
FROM counts c`;

/** Reads the delivery figures; needs the cube (groups.ts, readGroups). */
export async function readDeliveries(db: Db): Promise<Deliveries> {
  const result: Deliveries = {
    month: { deliveries: 0, delivered: 0, exhausted: 0, eventualSuccessRate: null },
    byType: new Map(),
    byEndpoint: new Map(),
  };
  for (const row of await db.query(DELIVERIES_SQL)) {
    const counts: DeliveryCounts = {
      deliveries: countOf(row.deliveries),
      delivered: countOf(row.delivered),
      exhausted: countOf(row.exhausted),
      eventualSuccessRate: realOf(row.eventual_success_rate),
    };
    if (row.grouped_by === 'type') result.byType.set(countOf(row.type), counts);
    else if (row.grouped_by === 'endpoint') result.byEndpoint.set(textOf(row.endpoint), counts);
    else result.month = counts;
  }
  return result;
}
