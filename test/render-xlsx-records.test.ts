// The record sheets' rows (Failures and the raw sheet) as their plans make them: the plan's SQL run
// by DuckDB over a small raw.parquet, each row turned into cells. Untrusted text is redacted as on
// every other sheet (and in the PDF): ResultText, the Url, Headers, Params and TypeStr, and the
// password of a Url without a scheme, which the endpoint keeps.
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringsFor } from '../pipeline/render/strings.js';
import { sheetContext } from '../pipeline/render/xlsx/context.js';
import {
  failuresPlan,
  type RecordPlan,
  type RecordValue,
  rawPlan,
  sqlString,
} from '../pipeline/render/xlsx/record-plans.js';
import { ENDPOINT_MACROS, type ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';

const SECRETS = ['eyJSECRET1', 'hunter2', 'p4ssw0rd', 'sig-999', 'tok-777', 's3cr3t-typestr'];

// id, url, headers, params, result_text, type_str
const RECORDS: [string, string, string, string, string, string][] = [
  [
    'r1',
    'https://hooks.example.com/cb',
    '{"Content-Type":"application/json"}',
    '{"cno":"1"}',
    'upstream said: x; Authorization: Bearer eyJSECRET1 rejected',
    '来电推送',
  ],
  [
    'r2',
    'bob:hunter2@hook.example.com/cb?sign=sig-999',
    '{"Content-Type":"application/json"}',
    '{"cno":"2"}',
    '{"error":"bad login","echo":{"password":"p4ssw0rd"}}',
    'x?token=s3cr3t-typestr',
  ],
  [
    'r3',
    'https://hooks.example.com/cb',
    '{"Content-Type":"application/json"}',
    '{"cno":"3"}',
    '{"status":500,"error":"Internal Server Error","traceId":"ab12"}',
    '来电推送',
  ],
  [
    'r4',
    'https://hooks.example.com/cb',
    '{"Content-Type":"application/json"}',
    '{"cno":"4"}',
    'POST https://hooks.example.com/cb?access_token=tok-777 failed',
    '来电推送',
  ],
];

let dir: string;
let raw: string;
let db: DuckDBInstance;

const model = {
  complete: true,
  sla: null,
  timeZone: 'Asia/Shanghai',
  byType: [{ type: 1, name: '来电推送', nameEn: 'Incoming call' }],
} as unknown as ReportModel;

beforeAll(async () => {
  dir = await makeTempDir('pushlog-xlsx-records-');
  raw = join(dir, 'raw.parquet');
  db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  const rows = RECORDS.map(
    ([id, url, headers, params, resultText, typeStr], k) =>
      `(${sqlString(id)}, ${sqlString(url)}, ${sqlString(headers)}, ${sqlString(params)}, ${sqlString(resultText)}, ${sqlString(typeStr)}, ${k})`,
  ).join(',\n');
  await c.run(`COPY (
    SELECT id, '7122600' AS enterprise_id, 1 AS type, type_str, 'u-' || id AS unique_id, url,
      'POST' AS method, headers, params, 1 AS content_type, '0' AS position, 5.0 AS timeout_s,
      0 AS delay, 0 AS level, 0 AS retry, CAST(0 AS TINYINT) AS result, '500' AS status_code,
      result_text, 1775000000000 + k * 1000 AS create_time, 1775000000000 + k * 1000 - 300 AS start_time,
      1775000000000 + k * 1000 - 290 AS request_time, 1775000000000 + k * 1000 - 100 AS end_time,
      '202604' AS current_month
    FROM (VALUES ${rows}) AS t(id, url, headers, params, result_text, type_str, k)
  ) TO ${sqlString(raw)} (FORMAT parquet)`);
  c.closeSync();
});

afterAll(async () => {
  db?.closeSync();
  if (dir) await removeTempDir(dir);
});

/** Every row of `plan` as cells keyed by column header. */
async function rowsOf(plan: RecordPlan): Promise<Record<string, RecordValue>[]> {
  const c = await db.connect();
  try {
    await c.run(ENDPOINT_MACROS);
    const result = await c.stream(plan.sql);
    const out: Record<string, RecordValue>[] = [];
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      const columns = chunk.getColumns() as unknown[][];
      for (let i = 0; i < chunk.rowCount; i++) {
        const cells = plan.cells(columns, i);
        out.push(Object.fromEntries(plan.columns.map((col, f) => [col.header, cells[f] ?? null])));
      }
    }
    return out;
  } finally {
    c.closeSync();
  }
}

const ctxOf = (redact: boolean) => sheetContext(model, stringsFor('en'), redact);

describe('the Failures rows', () => {
  it('redact ResultText and the password of a Url without a scheme', async () => {
    const rows = await rowsOf(failuresPlan(ctxOf(true), raw, 1000));
    expect(rows.map((r) => r.Id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    const text = JSON.stringify(rows);
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    const [r1, r2, r3, r4] = rows;
    expect(r1?.ResultText).toBe('upstream said: x; Authorization: [REDACTED] rejected');
    expect(JSON.parse(r2?.ResultText as string)).toEqual({
      error: 'bad login',
      echo: { password: '[REDACTED]' },
    });
    // Text without a secret is kept byte for byte.
    expect(r3?.ResultText).toBe(RECORDS[2]?.[4]);
    expect(r4?.ResultText).toBe('POST https://hooks.example.com/cb?access_token=[REDACTED] failed');
    // An endpoint never carries user info (endpoint_of drops it, scheme or not).
    expect(r2?.Endpoint).toBe('hook.example.com/cb');
    expect(r1?.Endpoint).toBe('https://hooks.example.com/cb');
  });

  it('keep everything with --no-redact', async () => {
    const rows = await rowsOf(failuresPlan(ctxOf(false), raw, 1000));
    expect(rows.map((r) => r.ResultText)).toEqual(RECORDS.map((r) => r[4]));
    expect(rows[1]?.Endpoint).toBe('hook.example.com/cb');
  });
});

describe('the raw sheet rows', () => {
  it('redact ResultText and TypeStr as well as the Url, Headers and Params', async () => {
    const rows = await rowsOf(rawPlan(ctxOf(true), raw));
    const text = JSON.stringify(rows);
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    const byId = new Map(rows.map((r) => [r.Id, r]));
    expect(byId.get('r1')?.ResultText).toBe('upstream said: x; Authorization: [REDACTED] rejected');
    expect(byId.get('r2')?.Url).toBe('bob:[REDACTED]@hook.example.com/cb?sign=[REDACTED]');
    expect(byId.get('r2')?.TypeStr).toBe('x?token=[REDACTED]');
    expect(byId.get('r3')?.ResultText).toBe(RECORDS[2]?.[4]);
  });

  it('keep everything with --no-redact', async () => {
    const rows = await rowsOf(rawPlan(ctxOf(false), raw));
    expect(rows.map((r) => r.ResultText)).toEqual(RECORDS.map((r) => r[4]));
    expect(rows[1]?.Url).toBe(RECORDS[1]?.[1]);
  });
});
