/**
 * Workbook benchmark: `npm run bench:xlsx [-- --rows 1000000] [--keep]`.
 *
 * A month of April 2026 with `rows` failed records (and a twentieth as many successes) is written
 * straight to raw.parquet by SQL, with a summary.json whose group figures come from the same data
 * (the renderer checks that the counts agree). Then three child processes, each reporting its own
 * peak RSS (`process.resourceUsage().maxRSS`):
 *   baseline  exceljs's streaming writer writing the same Failures rows, same query, no styles
 *   render    renderWorkbook with charts off: every sheet, the Failures rows streamed
 *   summary   the in-memory sheets alone (no records), and the charts (ECharts + resvg) apart
 * Prints rows/s, the ratio to the baseline, peak RSS, and exits 1 when a target is missed: at most
 * 1.5× the baseline's time, peak RSS under 900 MB, the summary sheets in under 1 s.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const ENTERPRISE = '7122600';
const MONTH = '2026-04';
const TIME_ZONE = 'Asia/Shanghai';
const START_MS = Date.UTC(2026, 2, 31, 16); // 2026-04-01 00:00 Shanghai
const END_MS = Date.UTC(2026, 3, 30, 15, 59, 59, 999);
const TARGET_RATIO = 1.5;
const TARGET_PEAK_RSS_MIB = 900;
const TARGET_SUMMARY_MS = 1000;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const line = (text = '') => process.stdout.write(`${text}\n`);

// --- the month -----------------------------------------------------------------------------------

function recordsSql(failed: number, path: string): string {
  const total = failed + Math.round(failed / 20);
  const u = (salt: number) => `((hash(k, ${salt}) % 1000003) / 1000003.0)`;
  return `COPY (
  SELECT CAST(67500000000 + k AS VARCHAR) AS id, '${ENTERPRISE}' AS enterprise_id,
    1 + CAST(floor(pow(${u(1)}, 1.4) * 29) AS INTEGER) AS type, '来电推送' AS type_str,
    '10.30.12.17-' || k AS unique_id,
    ['https://crm.example.com/api/vms/callback', 'https://hooks.example.com/cc/agent-status?token=7c1e9a04',
     'https://bi.example.net/ingest/vms-push', 'https://ivr.example.com:8443/notify'][1 + k % 4] AS url,
    'POST' AS method, '{"Content-Type":"application/json"}' AS headers,
    '{"uniqueId":"10.30.12.17-' || k || '","hotline":"4008206677"}' AS params,
    1 AS content_type, '0' AS position, 5.0 AS timeout_s, 0 AS delay, 0 AS level,
    CAST(k % 4 AS INTEGER) AS retry,
    CAST(CASE WHEN k >= ${failed} THEN 1 ELSE 0 END AS TINYINT) AS result,
    CASE WHEN k >= ${failed} THEN '200' ELSE ['500', '502', '503', '504', '', '404'][1 + k % 6] END AS status_code,
    CASE WHEN k >= ${failed} THEN 'ok'
         WHEN k % 5000 = 0 THEN repeat('at com.example.push.Stage.invoke(Stage.java:123) ', 800)
         ELSE '{"timestamp":"2026-04-09T10:00:00Z","status":500,"error":"Internal Server Error","traceId":"' || md5(CAST(k AS VARCHAR))[1:16] || '"}' END AS result_text,
    ${START_MS} + CAST(${u(2)} * ${END_MS - START_MS - 60_000} AS BIGINT) AS create_time,
    create_time - 300 AS start_time, create_time - 295 AS request_time,
    create_time - 300 + CAST(20 + ${u(3)} * 900 AS BIGINT) AS end_time, '202604' AS current_month
  FROM range(${total}) AS t(k)
) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`;
}

const latencySql = `count(latency) AS count, avg(latency) AS mean, min(latency) AS min, max(latency) AS max,
  quantile_cont(latency, 0.5) AS p50, quantile_cont(latency, 0.9) AS p90, quantile_cont(latency, 0.95) AS p95,
  quantile_cont(latency, 0.99) AS p99, count(*) FILTER (latency > timeout_s * 1000) AS over_timeout,
  count(*) FILTER (latency < 100) AS b0, count(*) FILTER (latency >= 100 AND latency < 300) AS b1,
  count(*) FILTER (latency >= 300 AND latency < 1000) AS b2, count(*) FILTER (latency >= 1000 AND latency < 5000) AS b3,
  count(*) FILTER (latency >= 5000) AS b4, count(*) AS pushes, count(*) FILTER (result = 1) AS succeeded`;

type Row = Record<string, number | string | null>;

function group(r: Row) {
  const n = (k: string) => Number(r[k] ?? 0);
  const v = (k: string) => (r[k] === null ? null : Number(r[k]));
  const pushes = n('pushes');
  const succeeded = n('succeeded');
  return {
    pushes,
    succeeded,
    failed: pushes - succeeded,
    successRate: pushes === 0 ? null : succeeded / pushes,
    latencyMs: {
      count: n('count'),
      mean: v('mean'),
      min: v('min'),
      max: v('max'),
      p50: v('p50'),
      p90: v('p90'),
      p95: v('p95'),
      p99: v('p99'),
      overTimeout: n('over_timeout'),
      buckets: {
        '0-100': n('b0'),
        '100-300': n('b1'),
        '300-1000': n('b2'),
        '1000-5000': n('b3'),
        '5000+': n('b4'),
      },
    },
  };
}

/** raw.parquet and a summary.json of the same data (group figures by SQL; the shape of the model). */
async function makeMonth(dir: string, failed: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const raw = join(dir, 'raw.parquet');
  const db = await DuckDBInstance.create(':memory:', { memory_limit: '1GB', threads: '2' });
  const c = await db.connect();
  const rows = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJson() as unknown as Row[];
  try {
    await c.run(recordsSql(failed, raw));
    const from = `FROM (SELECT *, CASE WHEN end_time >= start_time THEN end_time - start_time END AS latency,
      strftime(make_timestamp((create_time + 8 * 3600000) * 1000), '%Y-%m-%d') AS day FROM read_parquet('${raw}'))`;
    const [month] = await rows(`SELECT ${latencySql} ${from}`);
    const byType = await rows(`SELECT type, ${latencySql} ${from} GROUP BY type ORDER BY type`);
    const byEndpoint = await rows(
      `SELECT split_part(url, '?', 1) AS endpoint, ${latencySql} ${from} GROUP BY endpoint ORDER BY pushes DESC`,
    );
    const byDay = await rows(`SELECT day, ${latencySql} ${from} GROUP BY day ORDER BY day`);
    const codes = await rows(
      `SELECT status_code AS code, count(*) AS n ${from} GROUP BY code ORDER BY n DESC`,
    );
    const overall = group(month as Row);
    const { PUSH_TYPE_NAMES } = await import('../../pipeline/transform/index.js');
    const delivery = {
      retriedShare: 0.75,
      deliveries: Math.round(overall.pushes / 4),
      eventualSuccessRate: 0.2,
    };
    const model = {
      schemaVersion: 1,
      enterpriseId: ENTERPRISE,
      month: MONTH,
      timeZone: TIME_ZONE,
      window: { start: '2026-04-01 00:00:00', end: '2026-04-30 23:59:59', startMs: START_MS, endMs: END_MS },
      complete: true,
      incompleteWindows: [],
      final: true,
      asOf: null,
      filters: {},
      extractedAt: '2026-05-01T00:00:00.000Z',
      generatedAt: '2026-05-01T00:10:00.000Z',
      toolVersion: '0.1.0',
      totals: {
        pushes: overall.pushes,
        succeeded: overall.succeeded,
        failed: overall.failed,
        successRate: overall.successRate,
      },
      latencyMs: {
        ...overall.latencyMs,
        queueMs: { count: overall.pushes, mean: 5, p95: 5 },
        roundTripMs: { count: overall.pushes, mean: 400, p95: 800 },
      },
      retries: {
        histogram: {
          '0': overall.pushes / 4,
          '1': overall.pushes / 4,
          '2': overall.pushes / 4,
          '3': overall.pushes / 4,
        },
        retriedShare: 0.75,
        deliveries: delivery.deliveries,
        firstAttemptSuccessRate: 0.05,
        eventualSuccessRate: 0.2,
        exhausted: Math.round(delivery.deliveries * 0.8),
      },
      byType: byType.map((r) => {
        const names = PUSH_TYPE_NAMES.find((t) => t.code === Number(r.type));
        return {
          type: Number(r.type),
          name: names?.name ?? '',
          nameEn: names?.nameEn ?? '',
          known: true,
          ...group(r),
          ...delivery,
        };
      }),
      byEndpoint: byEndpoint.map((r) => ({
        endpoint: String(r.endpoint),
        ...group(r),
        ...delivery,
        longestFailureStreak: { length: 42, from: START_MS + 86_400_000, to: START_MS + 90_000_000 },
      })),
      byDay: byDay.map((r) => ({ date: String(r.day), ...group(r) })),
      statusCodes: {
        byCode: codes.map((r) => ({ code: String(r.code) || 'none', count: Number(r.n) })),
        byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0, none: 0 },
      },
      topFailures: codes.map((r) => ({
        statusCode: String(r.code) || 'none',
        signature: 'Internal Server Error #',
        count: Number(r.n),
        exampleId: '67500000000',
      })),
      dataQuality: {
        duplicatesRemoved: 500,
        duplicatesDiffering: 50,
        quarantined: 10,
        quarantineReasons: { 'missing Id': 10 },
        quarantinedRecords: Array.from({ length: 10 }, (_, i) => ({
          reason: 'missing Id',
          id: null,
          windowId: `2026-04-0${(i % 9) + 1}`,
        })),
        invalidLatency: 0,
        unknownTypes: {},
        typeStrPairs: [],
        succeededWithNon2xx: 0,
        failedWith2xx: 0,
        controlCharacters: 0,
        overlongText: 0,
      },
      sla: {
        file: 'sla.yaml',
        passed: false,
        rules: [
          {
            scope: 'overall',
            metric: 'successRate',
            op: '>=',
            value: 0.995,
            actual: overall.successRate,
            passed: false,
            verdict: 'fail',
          },
        ],
      },
      previous: null,
      notes: [],
    };
    await writeFile(join(dir, 'summary.json'), `${JSON.stringify(model, null, 2)}\n`);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}

// --- children ------------------------------------------------------------------------------------

async function childBaseline(dir: string): Promise<Record<string, number>> {
  const ExcelJS = (await import('exceljs')).default;
  const { readFile } = await import('node:fs/promises');
  const { failuresPlan } = await import('../../pipeline/render/xlsx/record-plans.js');
  const { ENDPOINT_MACROS } = await import('../../pipeline/transform/index.js');
  const { sheetContext } = await import('../../pipeline/render/xlsx/context.js');
  const { stringsFor } = await import('../../pipeline/render/strings.js');
  const model = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
  const ctx = sheetContext(model, stringsFor('en'), true);
  const plan = failuresPlan(ctx, join(dir, 'raw.parquet'), 1000);
  // The renderer's DuckDB settings: 512 MB, spilling the sort to a temp folder.
  const spill = await mkdtemp(join(tmpdir(), 'pushlog-bench-spill-'));
  const db = await DuckDBInstance.create(':memory:', {
    memory_limit: '512MB',
    threads: '2',
    temp_directory: spill,
  });
  const c = await db.connect();
  await c.run(ENDPOINT_MACROS);
  const started = performance.now();
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: join(dir, 'baseline.xlsx') });
  const sheet = writer.addWorksheet('Failures');
  sheet.addRow(plan.columns.map((col) => col.header)).commit();
  const result = await c.stream(plan.sql);
  let rows = 0;
  for (
    let chunk = await result.fetchChunk();
    chunk && chunk.rowCount > 0;
    chunk = await result.fetchChunk()
  ) {
    const columns = chunk.getColumns() as unknown[][];
    for (let i = 0; i < chunk.rowCount; i++) {
      const cells = plan.cells(columns, i);
      // The same values the renderer writes: the instant as a local serial, no styles.
      cells[0] = ctx.localSerial(cells[0] as number);
      sheet.addRow(cells).commit();
      rows += 1;
    }
  }
  sheet.commit();
  await writer.commit();
  const ms = performance.now() - started;
  c.closeSync();
  db.closeSync();
  await rm(spill, { recursive: true, force: true });
  return { rows, ms, bytes: (await stat(join(dir, 'baseline.xlsx'))).size };
}

async function childRender(dir: string): Promise<Record<string, number>> {
  const { readFile } = await import('node:fs/promises');
  const { renderWorkbook } = await import('../../pipeline/render/xlsx/index.js');
  const model = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
  const started = performance.now();
  let firstRowsAt = 0;
  const artifact = await renderWorkbook(
    model,
    {
      dir,
      locale: 'en',
      redact: true,
      onEvent: (e) => {
        if (e.type === 'render-progress' && firstRowsAt === 0) firstRowsAt = performance.now();
      },
    },
    { charts: false },
  );
  const ms = performance.now() - started;
  return { rows: model.totals.failed, ms, bytes: artifact.bytes, firstRowsMs: firstRowsAt - started };
}

async function childSummary(dir: string): Promise<Record<string, number>> {
  const { readFile } = await import('node:fs/promises');
  const { buildWorkbook } = await import('../../pipeline/render/xlsx/workbook.js');
  const { sheetContext } = await import('../../pipeline/render/xlsx/context.js');
  const { failuresPlan } = await import('../../pipeline/render/xlsx/record-plans.js');
  const { renderChartImages } = await import('../../pipeline/render/xlsx/chart-images.js');
  const { stringsFor } = await import('../../pipeline/render/strings.js');
  const model = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
  const ctx = sheetContext(model, stringsFor('zh-CN'), true);
  const build = () =>
    buildWorkbook({
      ctx,
      documentDate: new Date(END_MS),
      charts: [],
      failures: { plan: failuresPlan(ctx, join(dir, 'raw.parquet'), 1000), total: model.totals.failed },
      raw: null,
      rowLimit: 1_048_574,
      about: {
        rawSha256: '0'.repeat(64),
        rawRecords: model.totals.pushes,
        documentDate: '',
        resultTextChars: 1000,
      },
    });
  await build(); // warm: module loading and JIT are not the sheets' cost
  const started = performance.now();
  await build();
  const summaryMs = performance.now() - started;
  const chartsStarted = performance.now();
  const charts = await renderChartImages(model, 'zh-CN');
  const chartsMs = performance.now() - chartsStarted;
  return { summaryMs, chartsMs, charts: charts.length };
}

function runChild(kind: string, dir: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', kind, '--dir', dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${kind} child exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() as string));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      dir: { type: 'string' },
      rows: { type: 'string', default: '1000000' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (values.child) {
    const dir = values.dir as string;
    const run = { baseline: childBaseline, render: childRender, summary: childSummary }[values.child];
    if (!run) throw new Error(`unknown child ${values.child}`);
    const result = await run(dir);
    line(JSON.stringify({ ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  const failed = Number(values.rows);
  const root = await mkdtemp(join(tmpdir(), 'pushlog-bench-xlsx-'));
  const dir = join(root, ENTERPRISE, MONTH);
  try {
    let t = performance.now();
    await makeMonth(dir, failed);
    line(
      `month: ${failed.toLocaleString('en-US')} failed records staged in ${((performance.now() - t) / 1000).toFixed(1)} s (${dir})`,
    );
    t = performance.now();
    const baseline = await runChild('baseline', dir);
    const render = await runChild('render', dir);
    const summary = await runChild('summary', dir);
    const rate = (r: Record<string, number>) => Math.round(((r.rows ?? 0) / (r.ms ?? 1)) * 1000);
    const ratio = (render.ms ?? 0) / (baseline.ms ?? 1);
    line();
    line(
      `baseline  exceljs streaming writer, no styles: ${((baseline.ms ?? 0) / 1000).toFixed(1)} s, ${rate(baseline).toLocaleString('en-US')} rows/s, peak RSS ${Math.round(baseline.maxRssMiB ?? 0)} MiB, ${Math.round((baseline.bytes ?? 0) / 1048576)} MiB file`,
    );
    line(
      `render    whole workbook, charts off:         ${((render.ms ?? 0) / 1000).toFixed(1)} s, ${rate(render).toLocaleString('en-US')} rows/s, peak RSS ${Math.round(render.maxRssMiB ?? 0)} MiB, ${Math.round((render.bytes ?? 0) / 1048576)} MiB file (rows start after ${Math.round(render.firstRowsMs ?? 0)} ms)`,
    );
    line(
      `summary   in-memory sheets: ${Math.round(summary.summaryMs ?? 0)} ms; charts (ECharts + resvg, ${summary.charts}): ${Math.round(summary.chartsMs ?? 0)} ms; peak RSS ${Math.round(summary.maxRssMiB ?? 0)} MiB`,
    );
    line();
    const misses: string[] = [];
    if (ratio > TARGET_RATIO)
      misses.push(`time ${ratio.toFixed(2)}× the baseline (target ≤ ${TARGET_RATIO}×)`);
    if ((render.maxRssMiB ?? 0) > TARGET_PEAK_RSS_MIB)
      misses.push(`peak RSS ${Math.round(render.maxRssMiB ?? 0)} MiB (target < ${TARGET_PEAK_RSS_MIB})`);
    if ((summary.summaryMs ?? 0) > TARGET_SUMMARY_MS)
      misses.push(`summary sheets ${Math.round(summary.summaryMs ?? 0)} ms (target < ${TARGET_SUMMARY_MS})`);
    line(`ratio to baseline: ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×)`);
    line(misses.length === 0 ? 'all targets met' : `MISSED: ${misses.join('; ')}`);
    const result = {
      bench: 'xlsx',
      rows: [
        {
          label: `workbook, ${failed} failed rows`,
          seconds: (render.ms ?? 0) / 1000,
          baseline: 'exceljs streaming, no styles',
          baselineSeconds: (baseline.ms ?? 0) / 1000,
          peakRssMiB: render.maxRssMiB ?? 0,
          target: `≤ ${TARGET_RATIO}×, < ${TARGET_PEAK_RSS_MIB} MiB`,
          met: ratio <= TARGET_RATIO && (render.maxRssMiB ?? 0) <= TARGET_PEAK_RSS_MIB,
        },
        {
          label: 'summary sheets',
          seconds: (summary.summaryMs ?? 0) / 1000,
          target: `< ${TARGET_SUMMARY_MS / 1000} s`,
          met: (summary.summaryMs ?? 0) <= TARGET_SUMMARY_MS,
        },
      ],
    };
    line(`bench-result ${JSON.stringify(result)}`);
    process.exitCode = misses.length === 0 ? 0 : 1;
  } finally {
    if (!values.keep) await rm(root, { recursive: true, force: true });
  }
}

await main();
