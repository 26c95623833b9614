/** metrics.md "Latency": exact percentiles, computed from value histograms. */

export const LATENCY_QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

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
