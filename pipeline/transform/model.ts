/**
 * The ReportModel: everything the renderers show and `summary.json` holds, as plain JSON-safe
 * data. Every figure follows reference/metrics.md; key names and nesting are the contract of its
 * last section (other tools read them), so a rename needs a SCHEMA_VERSION bump. Rates are
 * fractions 0..1, times epoch ms, latencies ms; a figure with no data is null, a count is 0.
 */

export const SCHEMA_VERSION = 1 as const;

/** Outcome counts shared by the totals and every group row. */
export interface Outcomes {
  pushes: number;
  succeeded: number;
  failed: number;
  /** succeeded ÷ pushes; null when pushes = 0 */
  successRate: number | null;
}

/** Latency counts in [0, 100), [100, 300), [300, 1000), [1000, 5000) and [5000, ∞) ms. */
export interface LatencyBuckets {
  '0-100': number;
  '100-300': number;
  '300-1000': number;
  '1000-5000': number;
  '5000+': number;
}

/** EndTime − StartTime over the records where both are present and EndTime ≥ StartTime. */
export interface LatencyStats {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  /** records whose latency exceeds their Timeout (seconds × 1000) */
  overTimeout: number;
  buckets: LatencyBuckets;
}

/** A part of the latency (queue: RequestTime − StartTime; round trip: EndTime − RequestTime). */
export interface SpanStats {
  /** records where both times are present */
  count: number;
  mean: number | null;
  p95: number | null;
}

export interface OverallLatency extends LatencyStats {
  queueMs: SpanStats;
  roundTripMs: SpanStats;
}

export interface Retries {
  /** records per Retry value ("0", "1", …; "none" for records without an integer Retry) */
  histogram: Record<string, number>;
  retriedShare: number | null;
  deliveries: number;
  firstAttemptSuccessRate: number | null;
  eventualSuccessRate: number | null;
  exhausted: number;
}

export interface GroupRow extends Outcomes {
  latencyMs: LatencyStats;
}

/** Delivery figures of a group (a delivery's attempts share one Type and one Url). */
export interface DeliveryFigures {
  retriedShare: number | null;
  deliveries: number;
  eventualSuccessRate: number | null;
}

export interface TypeRow extends GroupRow, DeliveryFigures {
  type: number;
  /** from the type table; "Type N" outside it */
  name: string;
  nameEn: string;
  /** false for codes outside the table (1..29) */
  known: boolean;
}

export interface FailureStreak {
  length: number;
  /** CreateTime of the streak's first and last record; null when length = 0 */
  from: number | null;
  to: number | null;
}

export interface EndpointRow extends GroupRow, DeliveryFigures {
  /** scheme://host[:port]/path, host lower-cased; never a query string */
  endpoint: string;
  longestFailureStreak: FailureStreak;
}

export interface DayRow extends GroupRow {
  /** local calendar date, yyyy-MM-dd */
  date: string;
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'other' | 'none';

export interface StatusCodes {
  byCode: { code: string; count: number }[];
  byClass: Record<StatusClass, number>;
}

export interface TopFailure {
  /** "none" for an empty StatusCode */
  statusCode: string;
  signature: string;
  count: number;
  exampleId: string;
}

export interface DataQuality {
  duplicatesRemoved: number;
  duplicatesDiffering: number;
  quarantined: number;
  quarantineReasons: Record<string, number>;
  /** at most QUARANTINE_SAMPLE quarantined records, by reason then Id */
  quarantinedRecords: { reason: string; id: string | null; windowId: string }[];
  invalidLatency: number;
  unknownTypes: Record<string, number>;
  typeStrPairs: { type: number; typeStr: string | null; count: number; expected: boolean }[];
  succeededWithNon2xx: number;
  failedWith2xx: number;
  controlCharacters: number;
  overlongText: number;
}

export const SLA_METRICS = [
  'successRate',
  'eventualSuccessRate',
  'latencyMs.p50',
  'latencyMs.p90',
  'latencyMs.p95',
  'latencyMs.p99',
  'retriedShare',
] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];
export type SlaOp = '>=' | '<=';
export type SlaVerdict = 'pass' | 'fail' | 'no data';

export interface SlaRuleResult {
  name?: string;
  /** overall, type:<code> or endpoint:<scheme://host[:port]/path> */
  scope: string;
  metric: SlaMetric;
  op: SlaOp;
  value: number;
  actual: number | null;
  passed: boolean;
  verdict: SlaVerdict;
}

export interface SlaReport {
  /** the rules file's name (no folder) */
  file: string;
  /** true when every rule passed; "no data" is not a pass */
  passed: boolean;
  rules: SlaRuleResult[];
}

export interface HeadlineTotals {
  pushes: number;
  succeeded: number;
  failed: number;
  successRate: number | null;
}
export interface HeadlineLatency {
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
export interface HeadlineRetries {
  retriedShare: number | null;
  firstAttemptSuccessRate: number | null;
  eventualSuccessRate: number | null;
  deliveries: number;
  exhausted: number;
}

type Deltas<T> = { [K in keyof T]: number | null };

/** The previous month's headline figures and this month's change against each. */
export interface PreviousMonth {
  month: string;
  complete: boolean;
  final: boolean;
  totals: HeadlineTotals;
  latencyMs: HeadlineLatency;
  retries: HeadlineRetries;
  /**
   * Rates: current − previous, as a fraction (0.005 = +0.5 percentage points). Counts and
   * latencies: (current − previous) ÷ previous. Null when either side is null, or for a relative
   * delta when the previous value is 0.
   */
  deltas: {
    totals: Deltas<HeadlineTotals>;
    latencyMs: Deltas<HeadlineLatency>;
    retries: Deltas<HeadlineRetries>;
  };
}

export interface IncompleteWindow {
  id: string;
  state: 'pending' | 'failed';
  start: string;
  end: string;
}

export interface ReportModel {
  schemaVersion: typeof SCHEMA_VERSION;
  enterpriseId: string;
  month: string;
  timeZone: string;
  /** local bounds (inclusive), and the same as epoch ms */
  window: { start: string; end: string; startMs: number; endMs: number };
  /** false when windows of the extraction are missing (a PARTIAL report) */
  complete: boolean;
  incompleteWindows: IncompleteWindow[];
  /** false for the current month, reported as of `asOf` */
  final: boolean;
  /** ISO 8601 instant of the as-of second; null for a final month */
  asOf: string | null;
  /** the API filters of the extraction (url without query); {} for the whole month */
  filters: { type?: number; result?: number; url?: string; retry?: number };
  extractedAt: string | null;
  generatedAt: string;
  toolVersion: string;
  totals: Outcomes;
  latencyMs: OverallLatency;
  retries: Retries;
  byType: TypeRow[];
  byEndpoint: EndpointRow[];
  byDay: DayRow[];
  statusCodes: StatusCodes;
  topFailures: TopFailure[];
  dataQuality: DataQuality;
  sla: SlaReport | null;
  previous: PreviousMonth | null;
  /** things the reader should know that are not figures (e.g. an unreadable previous summary) */
  notes: string[];
}
