// The transform stage on test/fixtures/transform-hand.ndjson: 14 records of April 2026 (plus two
// copies and one bad record), every figure worked out by hand below, then May 2026 with no records
// at all. Latency of each record: StartTime = CreateTime − 500, RequestTime = StartTime + 5 (25 for
// 1010), EndTime = StartTime + latency.
//
//   Id    day   Type Url                Retry Result Status latency  notes
//   1001  04-01  1   crm (A)            0     1      200    100      tab/CR/LF in Headers (not control)
//   1002  04-01  1   A                  0     0      500    300      "error 123 at 45"
//   1003  04-01  1   A                  1     0      500    300      "error 9 at 7", same delivery as 1002
//   1004  04-01  1   A                  2     1      200    200      same delivery: it ends delivered
//   1005  04-02  9   hooks?token (B)    0     1      200    50       fetched twice, identical
//   1006  04-02  9   B                  0     0      502    3500     10:00:00.000, TypeStr 主通话记录推送
//   1007  04-02  9   B                  0     1      200    50       same millisecond as 1006
//   1008  04-02  9   B                  0     0      502    3500
//   1009  04-02  9   B                  0     0      ""     —        EndTime missing
//   1010  04-03  12  ivr:8443 (C)       0     1      302    1000     the only type 12, the only C
//   1011  04-05  99  A?sign=…           0     0      200    150      40,022-character ResultText
//   1012  04-05  1   CRM.Example.com    0     1      200    100      BEL in ResultText; copies differ
//   1013  04-30  1   A                  ""    1      200    —        23:59:59.999, EndTime < StartTime
//   1014  04-05  9   B                  0     1      200    700
//   1099  04-10  Result "2": quarantined
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { monthDir } from '../pipeline/extract/index.js';
import { StagingStore } from '../pipeline/store/staging.js';
import {
  PUSH_TYPE_NAMES,
  type ReportModel,
  SUMMARY_SCHEMA,
  transformMonth,
} from '../pipeline/transform/index.js';
import { queryRows, withMemoryDb } from './helpers/duckdb.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import { checkSchema, extractMonths, HAND_FIXTURE } from './transform-helpers.js';

const ENTERPRISE = '7122600';
const A = 'https://crm.example.com/api/vms/callback';
const B = 'https://hooks.example.com/cc/agent-status';
const C = 'https://ivr.example.com:8443/notify';
const B0 = 1774972800000; // 2026-04-01 00:00:00 Asia/Shanghai
const at = (day: number, h: number, m: number, s = 0) =>
  B0 + (day - 1) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000;
const GENERATED_AT = new Date('2026-06-02T03:04:05.000Z');
const buckets = (b0: number, b100: number, b300: number, b1000: number, b5000 = 0) => ({
  '0-100': b0,
  '100-300': b100,
  '300-1000': b300,
  '1000-5000': b1000,
  '5000+': b5000,
});
const noLatency = {
  count: 0,
  mean: null,
  min: null,
  max: null,
  p50: null,
  p90: null,
  p95: null,
  p99: null,
  overTimeout: 0,
  buckets: buckets(0, 0, 0, 0),
};

let out: string;
let april: ReportModel;
let may: ReportModel;

beforeAll(async () => {
  out = await makeTempDir('pushlog-transform-hand-');
  await extractMonths(out, { data: HAND_FIXTURE }, ['2026-04', '2026-05']);
  april = await transformMonth({
    outDir: out,
    enterpriseId: ENTERPRISE,
    month: '2026-04',
    now: () => GENERATED_AT,
  });
  may = await transformMonth({
    outDir: out,
    enterpriseId: ENTERPRISE,
    month: '2026-05',
    now: () => GENERATED_AT,
  });
  return () => removeTempDir(out);
});

describe('a hand-computed month', () => {
  it('names the month and its window', () => {
    expect(april).toMatchObject({
      schemaVersion: 1,
      enterpriseId: ENTERPRISE,
      month: '2026-04',
      timeZone: 'Asia/Shanghai',
      window: {
        start: '2026-04-01 00:00:00',
        end: '2026-04-30 23:59:59',
        startMs: B0,
        endMs: B0 + 30 * 86_400_000 - 1,
      },
      complete: true,
      incompleteWindows: [],
      final: true,
      asOf: null,
      filters: {},
      generatedAt: '2026-06-02T03:04:05.000Z',
      sla: null,
      previous: null,
      notes: [],
    });
  });

  it('counts pushes, successes and the success rate', () => {
    expect(april.totals).toEqual({ pushes: 14, succeeded: 8, failed: 6, successRate: 8 / 14 });
  });

  it('computes latency over the 12 records with a valid latency (an even count)', () => {
    // 50 50 100 100 150 200 | 300 300 700 1000 3500 3500; h = 11p
    const { queueMs, roundTripMs, ...latency } = april.latencyMs;
    expect(latency).toEqual({
      count: 12,
      mean: 9950 / 12,
      min: 50,
      max: 3500,
      p50: 250, // h = 5.5: 200 + 0.5·100
      p90: expect.closeTo(3250, 9), // h = 9.9: 1000 + 0.9·2500
      p95: 3500, // h = 10.45, a tie at the top
      p99: 3500,
      overTimeout: 2, // 1006 and 1008: 3500 ms against a 3 s Timeout
      buckets: buckets(2, 4, 3, 3), // 100, 300 and 1000 fall in the bucket they start
    });
    // queue: twelve 5s and one 25 (1013 has no RequestTime); h = 12·0.95 = 11.4 → 5 + 0.4·20
    expect(queueMs).toEqual({ count: 13, mean: 85 / 13, p95: expect.closeTo(13, 9) });
    // round trip (1009 and 1013 lack a time): 45 45 95 95 145 195 295 295 695 975 3495 3495
    expect(roundTripMs).toEqual({ count: 12, mean: 9870 / 12, p95: 3495 });
  });

  it('computes retries and deliveries', () => {
    expect(april.retries).toEqual({
      histogram: { '0': 11, '1': 1, '2': 1, none: 1 },
      retriedShare: 2 / 14,
      // 1002, 1003 and 1004 are one delivery; 1012's Url differs from A, so it is its own
      deliveries: 12,
      firstAttemptSuccessRate: 6 / 11,
      eventualSuccessRate: 8 / 12,
      exhausted: 4, // 1006, 1008, 1009, 1011
    });
    expect(Object.keys(april.retries.histogram)).toEqual(['0', '1', '2', 'none']);
  });

  it('groups by type, by code, with names from the type table', () => {
    expect(april.byType.map((t) => [t.type, t.name, t.nameEn, t.known])).toEqual([
      [1, '来电推送', 'Incoming call', true],
      [9, '座席状态推送', 'Agent status', true],
      [12, '录音状态推送', 'Recording status', true],
      [99, 'Type 99', 'Type 99', false],
    ]);
    const [type1, type9, type12, type99] = april.byType;
    expect(type1).toMatchObject({
      pushes: 6,
      succeeded: 4,
      failed: 2,
      successRate: 4 / 6,
      retriedShare: 2 / 6,
      deliveries: 4,
      eventualSuccessRate: 1,
      // 100 100 200 300 300 (1013 has none)
      latencyMs: { count: 5, mean: 200, min: 100, max: 300, p50: 200, p90: 300, p95: 300, p99: 300 },
    });
    expect(type9).toMatchObject({
      pushes: 6,
      succeeded: 3,
      successRate: 0.5,
      retriedShare: 0,
      deliveries: 6,
      eventualSuccessRate: 0.5,
      // 50 50 700 3500 3500
      latencyMs: { count: 5, mean: 1560, p50: 700, p90: 3500, overTimeout: 2, buckets: buckets(2, 0, 1, 2) },
    });
    // A single record: every percentile is its latency.
    expect(type12).toEqual({
      type: 12,
      name: '录音状态推送',
      nameEn: 'Recording status',
      known: true,
      pushes: 1,
      succeeded: 1,
      failed: 0,
      successRate: 1,
      latencyMs: {
        count: 1,
        mean: 1000,
        min: 1000,
        max: 1000,
        p50: 1000,
        p90: 1000,
        p95: 1000,
        p99: 1000,
        overTimeout: 0,
        buckets: buckets(0, 0, 0, 1),
      },
      retriedShare: 0,
      deliveries: 1,
      eventualSuccessRate: 1,
    });
    expect(type99).toMatchObject({ pushes: 1, failed: 1, successRate: 0, eventualSuccessRate: 0 });
  });

  it('groups by endpoint without query strings, host lower-cased, with failure streaks', () => {
    expect(april.byEndpoint.map((e) => [e.endpoint, e.pushes])).toEqual([
      [A, 7],
      [B, 6],
      [C, 1],
    ]);
    const [a, b, c] = april.byEndpoint;
    expect(a).toMatchObject({
      succeeded: 4,
      failed: 3,
      successRate: 4 / 7,
      retriedShare: 2 / 7,
      deliveries: 5,
      eventualSuccessRate: 0.8,
      // 100 100 150 200 300 300: the median of an even count is halfway, h = 2.5
      latencyMs: { count: 6, mean: 1150 / 6, p50: 175, p90: 300, p95: 300, p99: 300 },
      longestFailureStreak: { length: 2, from: at(1, 9, 10), to: at(1, 9, 11) },
    });
    expect(b).toMatchObject({
      successRate: 0.5,
      latencyMs: { count: 5, p50: 700 },
      // 1007 (success) and 1006 (failure) share a millisecond: successes first, so 1006, 1008
      // and 1009 are one run, ended by 1014.
      longestFailureStreak: { length: 3, from: at(2, 10, 0), to: at(2, 11, 5) },
    });
    expect(c).toMatchObject({
      pushes: 1,
      successRate: 1,
      latencyMs: { count: 1, p50: 1000, p99: 1000 },
      longestFailureStreak: { length: 0, from: null, to: null },
    });
  });

  it('has every day of the window, zero days included', () => {
    expect(april.byDay.map((d) => d.date)).toEqual(
      Array.from({ length: 30 }, (_, i) => `2026-04-${String(i + 1).padStart(2, '0')}`),
    );
    const day = (date: string) => april.byDay.find((d) => d.date === date);
    // 100 200 300 300: h = 1.5
    expect(day('2026-04-01')).toMatchObject({
      pushes: 4,
      succeeded: 2,
      successRate: 0.5,
      latencyMs: { count: 4, mean: 225, p50: 250, p90: 300 },
    });
    // 50 50 3500 3500: h = 1.5 → 50 + 0.5·3450
    expect(day('2026-04-02')).toMatchObject({
      pushes: 5,
      failed: 3,
      successRate: 0.4,
      latencyMs: { count: 4, mean: 1775, p50: 1775, p90: 3500, overTimeout: 2 },
    });
    // 100 150 700: h = 1.8 → 150 + 0.8·550
    expect(day('2026-04-05')?.latencyMs).toMatchObject({ count: 3, p50: 150, p90: expect.closeTo(590, 9) });
    // 1013, at the window's last millisecond, is on the 30th and has no latency.
    expect(day('2026-04-30')).toEqual({
      date: '2026-04-30',
      pushes: 1,
      succeeded: 1,
      failed: 0,
      successRate: 1,
      latencyMs: noLatency,
    });
    expect(day('2026-04-04')).toEqual({
      date: '2026-04-04',
      pushes: 0,
      succeeded: 0,
      failed: 0,
      successRate: null,
      latencyMs: noLatency,
    });
  });

  it('counts status codes and classes, and the top failures with ties ordered by code', () => {
    expect(april.statusCodes).toEqual({
      byCode: [
        { code: '200', count: 8 },
        { code: '500', count: 2 },
        { code: '502', count: 2 },
        { code: '302', count: 1 },
        { code: 'none', count: 1 },
      ],
      byClass: { '2xx': 8, '3xx': 1, '4xx': 0, '5xx': 4, other: 0, none: 1 },
    });
    expect(april.topFailures).toEqual([
      { statusCode: '500', signature: 'error # at #', count: 2, exampleId: '1002' },
      { statusCode: '502', signature: 'Bad Gateway #', count: 2, exampleId: '1006' },
      { statusCode: '200', signature: `{"code":#,"msg":"${'参'.repeat(100)}`, count: 1, exampleId: '1011' },
      { statusCode: 'none', signature: 'connect timed out', count: 1, exampleId: '1009' },
    ]);
  });

  it('reports data quality', () => {
    expect(april.dataQuality).toEqual({
      duplicatesRemoved: 2,
      duplicatesDiffering: 1,
      quarantined: 1,
      quarantineReasons: { 'Result is not 0 or 1': 1 },
      quarantinedRecords: [{ reason: 'Result is not 0 or 1', id: '1099', windowId: '2026-04-10' }],
      invalidLatency: 2,
      unknownTypes: { '99': 1 },
      typeStrPairs: [
        { type: 1, typeStr: '来电推送', count: 6, expected: true },
        { type: 9, typeStr: '主通话记录推送', count: 1, expected: false },
        { type: 9, typeStr: '座席状态推送', count: 5, expected: true },
        { type: 12, typeStr: '录音状态推送', count: 1, expected: true },
        { type: 99, typeStr: '未知推送', count: 1, expected: false },
      ],
      succeededWithNon2xx: 1,
      failedWith2xx: 1,
      controlCharacters: 1,
      overlongText: 1,
    });
  });

  it('writes summary.json as the model, valid against its schema, and raw.parquet as the population', async () => {
    const dir = monthDir(out, ENTERPRISE, '2026-04');
    const text = await readFile(join(dir, 'summary.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(april);
    expect(checkSchema(SUMMARY_SCHEMA, JSON.parse(text))).toEqual([]);
    // Never a secret-bearing query string.
    expect(text).not.toContain('token=');
    expect(text).not.toContain('sign=');

    const rows = await queryRows<{ id: string; url: string }>(
      `SELECT id, url FROM read_parquet('${join(dir, 'raw.parquet')}') ORDER BY id`,
    );
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: 14 }, (_, i) => String(1001 + i)));
    // The archive is the evidence: it keeps the Url exactly as the API sent it.
    expect(rows.find((r) => r.id === '1005')?.url).toContain('?token=');
  });

  it('is byte-identical when transformed again', async () => {
    const path = join(monthDir(out, ENTERPRISE, '2026-04'), 'summary.json');
    const before = await readFile(path, 'utf8');
    await transformMonth({
      outDir: out,
      enterpriseId: ENTERPRISE,
      month: '2026-04',
      now: () => GENERATED_AT,
    });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('leaves the staging store as it was', async () => {
    const store = await StagingStore.open(join(monthDir(out, ENTERPRISE, '2026-04'), 'staging.duckdb'));
    try {
      const tables = await store.query('SELECT table_name FROM duckdb_tables() ORDER BY table_name');
      expect(tables.map((t) => t.table_name)).toEqual([
        'meta',
        'quarantine',
        'quarantined',
        'staged',
        'windows',
      ]);
      // The population is a view over the staged copies, not a second copy of the month.
      const views = await store.query(
        'SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name',
      );
      expect(views.map((v) => v.view_name)).toEqual(['records']);
    } finally {
      await store.close();
    }
  });
});

describe('an empty month', () => {
  it('has zero counts, null figures and every day', () => {
    expect(may.totals).toEqual({ pushes: 0, succeeded: 0, failed: 0, successRate: null });
    expect(may.latencyMs).toEqual({
      ...noLatency,
      queueMs: { count: 0, mean: null, p95: null },
      roundTripMs: { count: 0, mean: null, p95: null },
    });
    expect(may.retries).toEqual({
      histogram: {},
      retriedShare: null,
      deliveries: 0,
      firstAttemptSuccessRate: null,
      eventualSuccessRate: null,
      exhausted: 0,
    });
    expect(may.byType).toEqual([]);
    expect(may.byEndpoint).toEqual([]);
    expect(may.byDay).toHaveLength(31);
    expect(may.byDay.every((d) => d.pushes === 0 && d.successRate === null && d.latencyMs.p50 === null)).toBe(
      true,
    );
    expect(may.statusCodes).toEqual({
      byCode: [],
      byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0, none: 0 },
    });
    expect(may.topFailures).toEqual([]);
    expect(may.dataQuality).toMatchObject({
      quarantined: 0,
      invalidLatency: 0,
      typeStrPairs: [],
      unknownTypes: {},
    });
    expect(checkSchema(SUMMARY_SCHEMA, may)).toEqual([]);
  });

  it('compares with the previous month: absolute for rates, relative for counts and latencies', () => {
    expect(may.previous).toEqual({
      month: '2026-04',
      complete: true,
      final: true,
      totals: { pushes: 14, succeeded: 8, failed: 6, successRate: 8 / 14 },
      latencyMs: { mean: 9950 / 12, p50: 250, p95: 3500, p99: 3500 },
      retries: {
        retriedShare: 2 / 14,
        firstAttemptSuccessRate: 6 / 11,
        eventualSuccessRate: 8 / 12,
        deliveries: 12,
        exhausted: 4,
      },
      deltas: {
        totals: { pushes: -1, succeeded: -1, failed: -1, successRate: null },
        latencyMs: { mean: null, p50: null, p95: null, p99: null },
        retries: {
          retriedShare: null,
          firstAttemptSuccessRate: null,
          eventualSuccessRate: null,
          deliveries: -1,
          exhausted: -1,
        },
      },
    });
  });
});

// queries.ts counts control characters in Params and Headers by json_valid first: valid JSON cannot
// hold a raw C0 control character. Pin that DuckDB's parser enforces it wherever one could stand.
it('json-valid-rejects-control-characters: DuckDB refuses raw C0 controls anywhere in JSON', async () => {
  await withMemoryDb(async (connection) => {
    const places = [
      (c: string) => `'{"a":"x' || ${c} || 'y"}'`,
      (c: string) => `'{"a' || ${c} || '":1}'`,
      (c: string) => `${c} || '{"a":1}'`,
      (c: string) => `'{"a":1}' || ${c}`,
      (c: string) => `'{"a":1' || ${c} || '}'`,
      (c: string) => `'[1,' || ${c} || '2]'`,
      (c: string) => `'{"a":"\\' || ${c} || '"}'`,
    ];
    const controls = Array.from({ length: 32 }, (_, i) => i).filter((i) => ![9, 10, 13].includes(i));
    const sql = controls.flatMap((code) => places.map((place) => `json_valid(${place(`chr(${code})`)})`));
    const reader = await connection.runAndReadAll(`SELECT [${sql.join(', ')}] AS valid`);
    const [row] = reader.getRowObjectsJS() as { valid: boolean[] }[];
    expect(row?.valid.filter(Boolean)).toEqual([]);
    // DEL is legal inside JSON strings: the macro checks it separately.
    const del = await connection.runAndReadAll(`SELECT json_valid('{"a":"' || chr(127) || '"}') AS valid`);
    expect(del.getRowObjectsJS()).toEqual([{ valid: true }]);
  });
});

it('names all 29 push types of the reference table', () => {
  expect(PUSH_TYPE_NAMES.map((t) => t.code)).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
  expect(PUSH_TYPE_NAMES.find((t) => t.code === 29)).toEqual({
    code: 29,
    name: '主叫外呼双方接通推送',
    nameEn: 'Caller-initiated outbound: both connected',
  });
});

it('keeps summary.schema.json in step with SUMMARY_SCHEMA', async () => {
  const file = new URL('../pipeline/transform/summary.schema.json', import.meta.url);
  if (process.env.UPDATE_SCHEMA === '1') {
    // Then: npx biome format --write pipeline/transform/summary.schema.json
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, `${JSON.stringify(SUMMARY_SCHEMA, null, 2)}\n`);
  }
  // Regenerate with UPDATE_SCHEMA=1 npx vitest run test/transform-hand.test.ts
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(SUMMARY_SCHEMA);
});
