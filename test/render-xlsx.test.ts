// The workbook of a real month (test/fixtures/transform-hand.ndjson through the simulator, extract
// and transform, with SLA rules), read back by exceljs and by SheetJS: every figure against
// summary.json, the record list against raw.parquet, the layout features, byte stability, and
// the split of Failures at an injected row limit.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderEvent } from '../pipeline/render/types.js';
import { documentDateOf, renderWorkbook } from '../pipeline/render/xlsx/index.js';
import { sha256File } from '../pipeline/store/artifacts.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import {
  buildMonths,
  exceljsRowOf,
  type ReadBack,
  readBack,
  serialToMs,
  sheetRows,
  tableOf,
} from './render-xlsx-helpers.js';
import { HAND_FIXTURE } from './transform-helpers.js';

const RULES = new URL('./fixtures/transform-sla.yaml', import.meta.url).pathname;
const SHANGHAI = 8 * 60;

let out: string;
let dir: string;
let model: ReportModel;
let book: ReadBack;
let path: string;
const events: RenderEvent[] = [];

beforeAll(async () => {
  out = await makeTempDir('pushlog-xlsx-');
  [{ dir, model }] = (await buildMonths(out, { data: HAND_FIXTURE }, ['2026-04'], RULES)) as [
    { dir: string; model: ReportModel },
  ];
  const artifact = await renderWorkbook(
    model,
    { dir, locale: 'en', redact: true, onEvent: (e) => events.push(e) },
    { charts: true },
  );
  path = artifact.path;
  book = await readBack(path);
  return () => removeTempDir(out);
});

/** The failed records of raw.parquet, as the Failures sheet must list them. */
async function failedRecords(): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT id, CAST(create_time AS DOUBLE) AS create_time, type, url, status_code, retry,
        CAST(end_time - start_time AS DOUBLE) AS latency, result_text
       FROM read_parquet('${join(dir, 'raw.parquet')}') WHERE result = 0 ORDER BY create_time, id`,
    );
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe('the workbook of a hand-computed month', () => {
  it('writes the artifact by its contract name and reports progress', async () => {
    expect(path).toBe(join(dir, 'push-logs-7122600-2026-04.xlsx'));
    expect(events.map((e) => e.type)).toEqual(['render-started', 'render-progress', 'render-finished']);
    expect(events[1]).toMatchObject({ done: model.totals.failed, total: model.totals.failed });
    expect(book.sheetjs.SheetNames).toEqual([
      'Summary',
      'By type',
      'By endpoint',
      'Daily',
      'Status codes',
      'Retries',
      'Failures',
      'Data quality',
      'About',
    ]);
    expect(book.exceljs.worksheets.map((s) => s.name)).toEqual(book.sheetjs.SheetNames);
  });

  it('shows every headline figure on Summary exactly as summary.json holds it, in both readers', () => {
    const expected: [string, number | null][] = [
      ['Pushes', model.totals.pushes],
      ['Succeeded', model.totals.succeeded],
      ['Failed', model.totals.failed],
      ['Success rate', model.totals.successRate],
      ['Eventual success rate', model.retries.eventualSuccessRate],
      ['First-attempt success rate', model.retries.firstAttemptSuccessRate],
      ['Latency p50', model.latencyMs.p50],
      ['Latency p95', model.latencyMs.p95],
      ['Latency p99', model.latencyMs.p99],
      ['Mean latency', model.latencyMs.mean],
      ['Retried share', model.retries.retriedShare],
      ['Deliveries', model.retries.deliveries],
      ['Exhausted deliveries', model.retries.exhausted],
      ['p90 (ms)', model.latencyMs.p90],
      ['Over timeout', model.latencyMs.overTimeout],
      ['Bucket 1000-5000 ms', model.latencyMs.buckets['1000-5000']],
      ['Queue (RequestTime − StartTime) · p95', model.latencyMs.queueMs.p95],
      ['Round trip (EndTime − RequestTime) · Mean latency', model.latencyMs.roundTripMs.mean],
    ];
    const sheet = book.exceljs.getWorksheet('Summary') as ExcelJS.Worksheet;
    const rows = sheetRows(book.sheetjs, 'Summary');
    for (const [label, value] of expected) {
      expect(exceljsRowOf(sheet, label).getCell(2).value, label).toBe(value);
      expect(rows.find((r) => r[0] === label)?.[1], label).toBe(value);
    }
    // Figures are stored unrounded and rounded only by their formats.
    expect(exceljsRowOf(sheet, 'Success rate').getCell(2).numFmt).toBe('0.00%');
    expect(exceljsRowOf(sheet, 'Pushes').getCell(2).numFmt).toBe('#,##0');
    expect(exceljsRowOf(sheet, 'Latency p95').getCell(2).numFmt).toBe('#,##0 "ms"');
    expect(book.sheetjs.Sheets.Summary?.A3?.v).toBe('Enterprise');
    expect(book.sheetjs.Sheets.Summary?.B3?.v).toBe('7122600');
  });

  it('lists every SLA rule with its target, actual and verdict', () => {
    const rows = sheetRows(book.sheetjs, 'Summary');
    const header = rows.findIndex((r) => r[0] === 'Rule');
    const sla = model.sla as NonNullable<ReportModel['sla']>;
    const table = tableOf(rows, header + 1, sla.rules.length);
    expect(table.map((r) => [r.Scope, r.Metric, r.Target, r.Actual, r.Verdict])).toEqual(
      sla.rules.map((r) => [
        r.scope,
        r.metric,
        r.value,
        r.actual,
        r.verdict === 'pass' ? 'pass' : r.verdict === 'fail' ? 'FAIL' : 'no data',
      ]),
    );
    expect(rows[header - 1]?.[0]).toBe('SLA breached');
  });

  it('gives By type, By endpoint and Daily every group figure of summary.json', () => {
    const latency = (l: ReportModel['byType'][number]['latencyMs']) => ({
      'Latency records': l.count,
      'Mean (ms)': l.mean,
      'Min (ms)': l.min,
      'Max (ms)': l.max,
      'p50 (ms)': l.p50,
      'p90 (ms)': l.p90,
      'p95 (ms)': l.p95,
      'p99 (ms)': l.p99,
      'Over timeout': l.overTimeout,
      '0–100 ms': l.buckets['0-100'],
      '100–300 ms': l.buckets['100-300'],
      '300–1000 ms': l.buckets['300-1000'],
      '1000–5000 ms': l.buckets['1000-5000'],
      '5000+ ms': l.buckets['5000+'],
    });
    const outcomes = (
      r: ReportModel['byType'][number] | ReportModel['byEndpoint'][number] | ReportModel['byDay'][number],
    ) => ({
      Pushes: r.pushes,
      Succeeded: r.succeeded,
      Failed: r.failed,
      'Success rate': r.successRate,
    });
    expect(tableOf(sheetRows(book.sheetjs, 'By type'), 2, model.byType.length)).toEqual(
      model.byType.map((r) => ({
        Type: r.type,
        'Name (Chinese)': r.name,
        'Name (English)': r.nameEn,
        ...outcomes(r),
        'Retried share': r.retriedShare,
        Deliveries: r.deliveries,
        'Eventual success rate': r.eventualSuccessRate,
        ...latency(r.latencyMs),
      })),
    );
    const endpoints = tableOf(sheetRows(book.sheetjs, 'By endpoint'), 2, model.byEndpoint.length);
    expect(endpoints.map(({ 'Streak from': _f, 'Streak to': _t, ...rest }) => rest)).toEqual(
      model.byEndpoint.map((r) => ({
        Endpoint: r.endpoint,
        ...outcomes(r),
        'Retried share': r.retriedShare,
        Deliveries: r.deliveries,
        'Eventual success rate': r.eventualSuccessRate,
        'Longest failure streak': r.longestFailureStreak.length,
        ...latency(r.latencyMs),
      })),
    );
    // Streak times are local date-times (Excel serials of the Shanghai wall clock).
    endpoints.forEach((row, i) => {
      const streak = model.byEndpoint[i]?.longestFailureStreak;
      const from = row['Streak from'];
      expect(from === null ? null : serialToMs(from as number, SHANGHAI)).toBe(streak?.from);
    });
    const days = tableOf(sheetRows(book.sheetjs, 'Daily'), 2, model.byDay.length);
    expect(days).toEqual(
      model.byDay.map((r) => ({
        Date: Date.parse(`${r.date}T00:00:00Z`) / 86_400_000 + 25_569,
        ...outcomes(r),
        ...latency(r.latencyMs),
      })),
    );
    expect(days).toHaveLength(30);
  });

  it('gives status codes, retries and data quality their figures', () => {
    const status = sheetRows(book.sheetjs, 'Status codes');
    expect(
      tableOf(status, 3, model.statusCodes.byCode.length).map((r) => [r['Status code'], r.Records]),
    ).toEqual(model.statusCodes.byCode.map((c) => [c.code, c.count]));
    const retries = sheetRows(book.sheetjs, 'Retries');
    const histogram = tableOf(retries, 3, Object.keys(model.retries.histogram).length);
    expect(
      Object.fromEntries(histogram.map((r) => [r.Retry === 'none' ? 'none' : String(r.Retry), r.Records])),
    ).toEqual(model.retries.histogram);
    const quality = sheetRows(book.sheetjs, 'Data quality');
    const dq = model.dataQuality;
    const checks = Object.fromEntries(tableOf(quality, 3, 8).map((r) => [r.Check, r.Records]));
    expect(checks).toEqual({
      'Duplicate copies removed (same Id)': dq.duplicatesRemoved,
      'Ids whose copies differed (the last fetched kept)': dq.duplicatesDiffering,
      'Records quarantined (excluded from every figure)': dq.quarantined,
      'Records without a valid latency': dq.invalidLatency,
      'Succeeded with a non-2xx status': dq.succeededWithNon2xx,
      'Failed with a 2xx status': dq.failedWith2xx,
      'Records with control characters': dq.controlCharacters,
      'Records with overlong text': dq.overlongText,
    });
    const quarantined = quality.findIndex((r) => r[0] === 'Quarantined records');
    expect(tableOf(quality, quarantined + 2, dq.quarantinedRecords.length)).toEqual(
      dq.quarantinedRecords.map((q) => ({ Reason: q.reason, Id: q.id, Window: q.windowId })),
    );
  });

  it('lists every failed record on Failures, as raw.parquet holds it', async () => {
    const records = await failedRecords();
    const rows = tableOf(sheetRows(book.sheetjs, 'Failures'), 2, model.totals.failed + 1);
    expect(rows.filter((r) => r.Id !== null)).toHaveLength(model.totals.failed);
    rows.slice(0, records.length).forEach((row, i) => {
      const record = records[i] as Record<string, unknown>;
      expect(row.Id).toBe(record.id);
      expect(serialToMs(row['Local time (Asia/Shanghai)'] as number, SHANGHAI)).toBe(record.create_time);
      expect(row.Type).toBe(record.type);
      expect(row.Retry).toBe(record.retry);
      expect(row.Status).toBe(record.status_code === '' ? null : record.status_code);
      const latency = record.latency as number | null;
      expect(row['Latency (ms)']).toBe(latency !== null && latency >= 0 ? latency : null);
    });
    // Filtering Failures by an endpoint counts exactly its row of By endpoint.
    for (const endpoint of model.byEndpoint) {
      expect(rows.filter((r) => r.Endpoint === endpoint.endpoint)).toHaveLength(endpoint.failed);
    }
    // Record 1011's 40,022-character ResultText is cut at 1,000 characters with a marker.
    const long = rows.find((r) => r.Id === '1011')?.ResultText as string;
    expect(long).toHaveLength(1000);
    expect(long.endsWith('… [truncated: 40,022 characters]')).toBe(true);
  });

  it('has the layout of a finished report: frozen headers, filters, formats, print setup, charts', () => {
    const failures = book.exceljs.getWorksheet('Failures') as ExcelJS.Worksheet;
    expect(failures.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(failures.autoFilter).toBe(`A2:J${2 + model.totals.failed}`);
    expect(failures.getCell(3, 1).numFmt).toBe('yyyy-mm-dd hh:mm:ss.000');
    expect(failures.getCell(3, 6).numFmt).toBe('#,##0 "ms"');
    expect(failures.pageSetup).toMatchObject({ orientation: 'landscape', fitToWidth: 1, fitToHeight: 0 });
    const byType = book.exceljs.getWorksheet('By type') as ExcelJS.Worksheet;
    expect(byType.autoFilter).toBe(`A2:X${2 + model.byType.length}`);
    expect(byType.getCell(3, 7).numFmt).toBe('0.00%');
    expect(byType.getColumn(3).width).toBeGreaterThan(8);
    expect(byType.getColumn(3).width).toBeLessThanOrEqual(60);
    // Data bars on counts, and success rates under the overall SLA target (0.5) in red.
    // exceljs keeps a sheet's rules in an untyped field once read.
    const formattings = (
      byType as unknown as { conditionalFormattings: ExcelJS.ConditionalFormattingOptions[] }
    ).conditionalFormattings;
    const rules = formattings.flatMap((cf) => cf.rules.map((r) => [cf.ref, r.type]));
    expect(rules).toContainEqual([`D3:D${2 + model.byType.length}`, 'dataBar']);
    expect(rules).toContainEqual([`G3:G${2 + model.byType.length}`, 'cellIs']);
    const workbookXml = book.parts.get('xl/workbook.xml') as string;
    expect(workbookXml).toContain('_xlnm.Print_Titles');
    const summary = book.exceljs.getWorksheet('Summary') as ExcelJS.Worksheet;
    expect(summary.getImages()).toHaveLength(4);
    expect([...book.parts.keys()].filter((p) => p.startsWith('xl/media/'))).toHaveLength(4);
  });

  it('states its run parameters and the sha256 of raw.parquet on About', async () => {
    const about = Object.fromEntries(
      tableOf(sheetRows(book.sheetjs, 'About'), 3, 18).map((r) => [r.Item, r.Value]),
    );
    expect(about['sha256 of raw.parquet']).toBe(await sha256File(join(dir, 'raw.parquet')));
    expect(about['Records in raw.parquet']).toBe(model.totals.pushes);
    expect(about['Secrets in URLs and headers']).toBe('redacted');
    expect(about['Tool version']).toBe(model.toolVersion);
  });

  it('is byte-stable: the same inputs give the same bytes, dated the report as-of time', async () => {
    const first = await readFile(path);
    const again = await renderWorkbook(model, { dir, locale: 'en', redact: true });
    expect(again.sha256).toBe(await sha256File(path));
    expect(Buffer.compare(first, await readFile(path))).toBe(0);
    // A final month is dated the last second of its window.
    const pinned = documentDateOf(model);
    expect(pinned.toISOString()).toBe('2026-04-30T15:59:59.000Z');
    expect(book.exceljs.created?.toISOString()).toBe(pinned.toISOString());
    expect(book.exceljs.modified?.toISOString()).toBe(pinned.toISOString());
    // Every zip entry carries 2026-04-30 23:59:58 local (DOS time has two-second steps).
    const dosDate = ((2026 - 1980) << 9) | (4 << 5) | 30;
    const dosTime = (23 << 11) | (59 << 5) | (58 >> 1);
    let at = first.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    let entries = 0;
    while (at >= 0) {
      expect([first.readUInt16LE(at + 12), first.readUInt16LE(at + 14)]).toEqual([dosTime, dosDate]);
      entries += 1;
      at = first.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4);
    }
    expect(entries).toBe(book.parts.size);
  });
});

describe('a Failures list longer than the row limit', () => {
  it('continues on Failures (2), (3), … and says so on Summary', async () => {
    const split = await renderWorkbook(
      model,
      { dir, locale: 'en', redact: true },
      { rowLimit: 4, charts: false },
    );
    const back = await readBack(split.path);
    expect(back.sheetjs.SheetNames.filter((n) => n.startsWith('Failures'))).toEqual([
      'Failures',
      'Failures (2)',
    ]);
    const first = tableOf(sheetRows(back.sheetjs, 'Failures'), 2, 10).filter((r) => r.Id !== null);
    const second = tableOf(sheetRows(back.sheetjs, 'Failures (2)'), 2, 10).filter((r) => r.Id !== null);
    expect(first).toHaveLength(4);
    expect(second).toHaveLength(model.totals.failed - 4);
    const ids = (await failedRecords()).map((r) => r.id);
    expect([...first, ...second].map((r) => r.Id)).toEqual(ids);
    expect((back.exceljs.getWorksheet('Failures (2)') as ExcelJS.Worksheet).autoFilter).toBe(
      `A2:J${2 + model.totals.failed - 4}`,
    );
    const summary = sheetRows(back.sheetjs, 'Summary').map((r) => r[0]);
    expect(summary).toContain("Listed on sheet 'Failures', 'Failures (2)'");
    expect(summary).toContain(
      "More than 4 failed records: the list continues across sheets 'Failures', 'Failures (2)'.",
    );
    await renderWorkbook(model, { dir, locale: 'en', redact: true }, { charts: false });
  });

  it('refuses a raw.parquet that does not match summary.json', async () => {
    const other = { ...model, totals: { ...model.totals, failed: model.totals.failed + 1 } };
    await expect(
      renderWorkbook(other, { dir, locale: 'en', redact: true }, { charts: false }),
    ).rejects.toThrow(/different runs/);
  });

  it('stamps PARTIAL on every sheet of an incomplete month, printed pages included', async () => {
    const partial: ReportModel = {
      ...model,
      complete: false,
      incompleteWindows: [
        { id: '2026-04-07', state: 'failed', start: '2026-04-07 00:00:00', end: '2026-04-07 23:59:59' },
      ],
    };
    const artifact = await renderWorkbook(partial, { dir, locale: 'en', redact: true }, { charts: false });
    const back = await readBack(artifact.path);
    for (const sheet of back.exceljs.worksheets) {
      expect(sheet.getCell(1, 2).value, sheet.name).toBe('PARTIAL');
      expect(sheet.headerFooter.oddHeader, sheet.name).toContain('PARTIAL');
    }
    const summary = sheetRows(back.sheetjs, 'Summary').map((r) => r[0]);
    expect(summary).toContain(
      'PARTIAL: 1 extraction windows are missing; every figure covers only the records staged so far',
    );
    expect(back.exceljs.subject).toContain('PARTIAL');
    const about = sheetRows(back.sheetjs, 'About').map((r) => r.join(' '));
    expect(about.some((row) => row.includes('2026-04-07 (Failed)'))).toBe(true);
    await renderWorkbook(model, { dir, locale: 'en', redact: true }, { charts: false });
  });

  it('stops when aborted, leaving the previous workbook and no temporary file', async () => {
    const before = await sha256File(path);
    await expect(
      renderWorkbook(
        model,
        { dir, locale: 'zh-CN', redact: true, signal: AbortSignal.abort() },
        { charts: false },
      ),
    ).rejects.toThrow();
    expect(await sha256File(path)).toBe(before);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
