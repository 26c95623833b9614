/**
 * JSON Schema (draft 2020-12) of summary.json, written beside the ReportModel type (model.ts) and
 * checked against it by the tests. `summary.schema.json` in this folder is this object as a file,
 * for other tools. The descriptions carry the definitions that metrics.md leaves to this project.
 * Objects are open (more keys may be added within a schemaVersion, none renamed).
 */

import { SLA_METRICS } from './model.js';

type Schema = Record<string, unknown>;

const described = (description: string, schema: Schema): Schema => ({ description, ...schema });
const object = (properties: Record<string, Schema>, description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  required: Object.keys(properties),
});
const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });

const count: Schema = { type: 'integer', minimum: 0 };
const rate: Schema = { type: ['number', 'null'], minimum: 0, maximum: 1 };
const ms: Schema = { type: ['number', 'null'] };
const epochMs: Schema = { type: ['integer', 'null'] };
const countsByKey = (description: string): Schema => ({
  type: 'object',
  description,
  additionalProperties: count,
});

const outcomeProperties: Record<string, Schema> = {
  pushes: described('number of records', count),
  succeeded: described('records with Result "1"', count),
  failed: described('pushes − succeeded', count),
  successRate: described('succeeded ÷ pushes; null when pushes = 0', rate),
};

const deliveryProperties: Record<string, Schema> = {
  retriedShare: described('records with Retry > 0 ÷ pushes', rate),
  deliveries: described('deliveries (Type, Url, Method, Params) in this group', count),
  eventualSuccessRate: described('deliveries with a succeeded attempt ÷ deliveries', rate),
};

const latencyProperties: Record<string, Schema> = {
  count: described('records with a latency', count),
  mean: ms,
  min: ms,
  max: ms,
  p50: ms,
  p90: ms,
  p95: ms,
  p99: ms,
  overTimeout: described('records whose latency exceeds Timeout (seconds × 1000)', count),
  buckets: object({
    '0-100': count,
    '100-300': count,
    '300-1000': count,
    '1000-5000': count,
    '5000+': count,
  }),
};

const headlineTotals = { pushes: count, succeeded: count, failed: count, successRate: rate };
const headlineLatency = { mean: ms, p50: ms, p95: ms, p99: ms };
const headlineRetries = {
  retriedShare: rate,
  firstAttemptSuccessRate: rate,
  eventualSuccessRate: rate,
  deliveries: count,
  exhausted: count,
};
const deltasOf = (keys: Record<string, Schema>): Schema =>
  object(Object.fromEntries(Object.keys(keys).map((k) => [k, { type: ['number', 'null'] }])));

export const SUMMARY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://pushlog-report/schemas/summary-1.json',
  title: 'pushlog-report summary.json (ReportModel), schemaVersion 1',
  description:
    'Every figure is defined in reference/metrics.md. Rates are fractions 0..1, times epoch ms, latencies ms (EndTime − StartTime, over records with both times and EndTime ≥ StartTime). A figure with no data is null; a count is 0. Percentiles are exact with linear interpolation (PERCENTILE.INC, DuckDB quantile_cont), evaluated as x[⌊h⌋]·(1 − d) + x[⌊h⌋+1]·d with h = (n − 1)·p and d = h − ⌊h⌋; metrics.md’s x[⌊h⌋] + d·(x[⌊h⌋+1] − x[⌊h⌋]) is the same number, possibly different in the last binary digit.',
  type: 'object',
  required: [
    'schemaVersion',
    'enterpriseId',
    'month',
    'timeZone',
    'window',
    'complete',
    'incompleteWindows',
    'final',
    'asOf',
    'filters',
    'extractedAt',
    'generatedAt',
    'toolVersion',
    'totals',
    'latencyMs',
    'retries',
    'byType',
    'byEndpoint',
    'byDay',
    'statusCodes',
    'topFailures',
    'dataQuality',
    'sla',
    'previous',
    'notes',
  ],
  properties: {
    schemaVersion: { const: 1 },
    enterpriseId: { type: 'string', pattern: '^[0-9]+$' },
    month: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' },
    timeZone: described('IANA zone of the window and of byDay dates', { type: 'string' }),
    window: object(
      {
        start: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' },
        end: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' },
        startMs: { type: 'integer' },
        endMs: { type: 'integer' },
      },
      'the population: records whose CreateTime lies in start..end (local, inclusive), the same as epoch ms',
    ),
    complete: described('false: windows of the extraction are missing and the report is PARTIAL', {
      type: 'boolean',
    }),
    incompleteWindows: {
      type: 'array',
      items: object({
        id: { type: 'string' },
        state: { enum: ['pending', 'failed'] },
        start: { type: 'string' },
        end: { type: 'string' },
      }),
    },
    final: described('false for the current month, reported as of asOf', { type: 'boolean' }),
    asOf: described('ISO 8601 instant of the as-of second; null when final', {
      type: ['string', 'null'],
    }),
    filters: described(
      'API filters of the extraction; a url filter is shown as its endpoint (no query string)',
      {
        type: 'object',
        properties: {
          type: { type: 'integer' },
          result: { type: 'integer' },
          url: { type: 'string' },
          retry: { type: 'integer' },
        },
      },
    ),
    extractedAt: { type: ['string', 'null'] },
    generatedAt: { type: 'string' },
    toolVersion: { type: 'string' },
    totals: object(outcomeProperties),
    latencyMs: ref('overallLatency'),
    retries: object({
      histogram: countsByKey(
        'records per Retry value ("0", "1", …), ascending; "none" counts records whose Retry is not an integer',
      ),
      retriedShare: described('records with Retry > 0 ÷ pushes', rate),
      deliveries: described('distinct (Type, Url, Method, Params) keys', count),
      firstAttemptSuccessRate: described('succeeded ÷ records, among records with Retry = 0', rate),
      eventualSuccessRate: described('deliveries with at least one succeeded attempt ÷ deliveries', rate),
      exhausted: described('deliveries with no succeeded attempt', count),
    }),
    byType: described('one row per Type seen, by code', {
      type: 'array',
      items: object({
        type: { type: 'integer' },
        name: described('Chinese name from the type table; "Type N" outside 1..29', { type: 'string' }),
        nameEn: described('English name from the type table; "Type N" outside 1..29', { type: 'string' }),
        known: described('false for a code outside the type table', { type: 'boolean' }),
        ...outcomeProperties,
        latencyMs: ref('latency'),
        ...deliveryProperties,
      }),
    }),
    byEndpoint: described('one row per endpoint, by pushes descending, then endpoint', {
      type: 'array',
      items: object({
        endpoint: described(
          'the Url as scheme://host[:port]/path, scheme and host lower-cased, user info, query and fragment removed (an empty path is "/"); a Url that is not absolute keeps what precedes its first "?" or "#"; "(none)" for an empty Url',
          { type: 'string' },
        ),
        ...outcomeProperties,
        latencyMs: ref('latency'),
        ...deliveryProperties,
        longestFailureStreak: object(
          {
            length: count,
            from: described('CreateTime of its first record; null when length = 0', epochMs),
            to: described('CreateTime of its last record; null when length = 0', epochMs),
          },
          'the longest run of consecutive failed records in CreateTime order; records of the same millisecond are taken successes first; of equally long runs, the earliest',
        ),
      }),
    }),
    byDay: described('every local calendar day of the window, zero days included, ascending', {
      type: 'array',
      items: object({
        date: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
        ...outcomeProperties,
        latencyMs: ref('latency'),
      }),
    }),
    statusCodes: object({
      byCode: described('records per StatusCode ("none" when empty), by count descending, then code', {
        type: 'array',
        items: object({ code: { type: 'string' }, count }),
      }),
      byClass: object(
        { '2xx': count, '3xx': count, '4xx': count, '5xx': count, other: count, none: count },
        'records per class of a three-digit code 2xx..5xx; "none": empty; "other": any other code (e.g. "0", "101", non-numeric); the classes add up to pushes',
      ),
    }),
    topFailures: described(
      'failed records grouped by (StatusCode, signature), the 20 largest by count, then statusCode and signature',
      {
        type: 'array',
        maxItems: 20,
        items: object({
          statusCode: described('"none" when empty', { type: 'string' }),
          signature: described(
            'the first 120 characters (Unicode code points) of ResultText, then each run of digits 0-9 replaced by one "#"',
            { type: 'string', maxLength: 120 },
          ),
          count,
          exampleId: described('Id of the group’s earliest record (CreateTime, then Id)', { type: 'string' }),
        }),
      },
    ),
    dataQuality: object({
      duplicatesRemoved: described('copies fetched beyond one per Id (staged − population)', count),
      duplicatesDiffering: described(
        'Ids whose fetched copies differ in content (the last fetched is kept)',
        count,
      ),
      quarantined: described('records excluded from every other figure', count),
      quarantineReasons: countsByKey('quarantined records per reason'),
      quarantinedRecords: described('at most 100 quarantined records, by reason, then Id', {
        type: 'array',
        maxItems: 100,
        items: object({
          reason: { type: 'string' },
          id: { type: ['string', 'null'] },
          windowId: { type: 'string' },
        }),
      }),
      invalidLatency: described(
        'records without a latency: StartTime or EndTime missing, or EndTime < StartTime',
        count,
      ),
      unknownTypes: countsByKey('records per Type code outside the type table (1..29)'),
      typeStrPairs: described('every (Type, TypeStr) pair seen, by Type then TypeStr', {
        type: 'array',
        items: object({
          type: { type: 'integer' },
          typeStr: { type: ['string', 'null'] },
          count,
          expected: described('TypeStr equals the type table’s Chinese name for the code', {
            type: 'boolean',
          }),
        }),
      }),
      succeededWithNon2xx: described('Result "1" but StatusCode not 2xx', count),
      failedWith2xx: described('Result "0" but StatusCode 2xx', count),
      controlCharacters: described(
        'records whose Url, Params, Headers or ResultText contains a C0 control character other than tab, line feed and carriage return (U+0000..U+0008, U+000B, U+000C, U+000E..U+001F) or DEL (U+007F)',
        count,
      ),
      overlongText: described(
        'records whose Url, Params, Headers or ResultText is longer than 32,767 characters (Unicode code points), the most a spreadsheet cell holds',
        count,
      ),
    }),
    sla: described('null without an SLA file', {
      oneOf: [
        { type: 'null' },
        object({
          file: described('the rules file’s name', { type: 'string' }),
          passed: described('every rule passed; "no data" is not a pass', { type: 'boolean' }),
          rules: { type: 'array', items: ref('slaRule') },
        }),
      ],
    }),
    previous: described('null when the previous month has no summary.json in the output folder', {
      oneOf: [
        { type: 'null' },
        object({
          month: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' },
          complete: { type: 'boolean' },
          final: { type: 'boolean' },
          totals: object(headlineTotals),
          latencyMs: object(headlineLatency),
          retries: object(headlineRetries),
          deltas: object(
            {
              totals: deltasOf(headlineTotals),
              latencyMs: deltasOf(headlineLatency),
              retries: deltasOf(headlineRetries),
            },
            'rates: current − previous as a fraction (0.005 = +0.5 percentage points); counts and latencies: (current − previous) ÷ previous; null when either is null or, for a relative change, when previous is 0',
          ),
        }),
      ],
    }),
    notes: { type: 'array', items: { type: 'string' } },
  },
  $defs: {
    slaRule: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        scope: described('overall, type:<code> or endpoint:<endpoint> (the endpoint form of byEndpoint)', {
          type: 'string',
          pattern: '^(overall|type:[0-9]+|endpoint:.+)$',
        }),
        metric: { enum: SLA_METRICS },
        op: { enum: ['>=', '<='] },
        value: { type: 'number' },
        actual: described('the figure; null when its scope has no records or the figure no data', ms),
        passed: { type: 'boolean' },
        verdict: { enum: ['pass', 'fail', 'no data'] },
      },
      required: ['scope', 'metric', 'op', 'value', 'actual', 'passed', 'verdict'],
    },
    latency: object(latencyProperties, 'latency of the group’s records, ms'),
    span: object({ count, mean: ms, p95: ms }),
    overallLatency: object(
      {
        ...latencyProperties,
        queueMs: described('RequestTime − StartTime, where both are present', ref('span')),
        roundTripMs: described('EndTime − RequestTime, where both are present', ref('span')),
      },
      'latency of the month’s records, ms',
    ),
  },
} as const;
