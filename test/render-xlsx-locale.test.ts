// Two generated months (April final, May the current month as of 20 May), rendered in zh-CN (the
// default locale): localised sheets and labels, month-over-month changes against April, the as-of
// stamp and document date of a current month, and the same figures as summary.json.
import type ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentDateOf, renderWorkbook } from '../pipeline/render/xlsx/index.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import {
  buildMonths,
  exceljsRowOf,
  type ReadBack,
  readBack,
  sheetRows,
  tableOf,
} from './render-xlsx-helpers.js';

const AS_OF = new Date('2026-05-20T04:00:00.000Z');

let out: string;
let may: ReportModel;
let book: ReadBack;

beforeAll(async () => {
  out = await makeTempDir('pushlog-xlsx-locale-');
  const [, current] = await buildMonths(
    out,
    { seed: 42, volume: 1_000 },
    ['2026-04', '2026-05'],
    undefined,
    AS_OF,
  );
  const { dir, model } = current as { dir: string; model: ReportModel };
  may = model;
  const artifact = await renderWorkbook(may, { dir, locale: 'zh-CN', redact: true }, { charts: false });
  book = await readBack(artifact.path);
  return () => removeTempDir(out);
});

describe('a current month in Chinese', () => {
  it('names its sheets and columns in Chinese', () => {
    expect(book.sheetjs.SheetNames).toEqual([
      '汇总',
      '按类型',
      '按地址',
      '每日',
      '状态码',
      '重试',
      '失败记录',
      '数据质量',
      '说明',
    ]);
    expect(sheetRows(book.sheetjs, '失败记录')[1]?.slice(0, 3)).toEqual([
      '本地时间（Asia/Shanghai）',
      '类型',
      '类型名称',
    ]);
    expect(tableOf(sheetRows(book.sheetjs, '按类型'), 2, may.byType.length).map((r) => r.名称)).toEqual(
      may.byType.map((t) => t.name),
    );
  });

  it('shows the headline figures, the previous month and the changes exactly', () => {
    const previous = may.previous as NonNullable<ReportModel['previous']>;
    expect(previous.month).toBe('2026-04');
    const sheet = book.exceljs.getWorksheet('汇总') as ExcelJS.Worksheet;
    const cases: [string, number | null, number | null, number | null][] = [
      ['推送数', may.totals.pushes, previous.totals.pushes, previous.deltas.totals.pushes],
      ['成功率', may.totals.successRate, previous.totals.successRate, previous.deltas.totals.successRate],
      ['延迟 P95', may.latencyMs.p95, previous.latencyMs.p95, previous.deltas.latencyMs.p95],
      [
        '最终成功率',
        may.retries.eventualSuccessRate,
        previous.retries.eventualSuccessRate,
        previous.deltas.retries.eventualSuccessRate,
      ],
      ['重试耗尽', may.retries.exhausted, previous.retries.exhausted, previous.deltas.retries.exhausted],
    ];
    for (const [label, value, before, delta] of cases) {
      const row = exceljsRowOf(sheet, label);
      expect([row.getCell(2).value, row.getCell(3).value, row.getCell(4).value], label).toEqual([
        value,
        before,
        delta,
      ]);
    }
    // Rate changes are percentage points (a fraction shown as %), other changes relative.
    expect(exceljsRowOf(sheet, '成功率').getCell(4).numFmt).toBe('+0.00%;-0.00%;0.00%');
    expect(exceljsRowOf(sheet, '推送数').getCell(4).numFmt).toBe('+0.0%;-0.0%;0.0%');
    expect(sheetRows(book.sheetjs, '汇总').find((r) => r[0] === '指标')?.[2]).toBe('上月（2026-04）');
  });

  it('is stamped as of its as-of time, and dated it', () => {
    expect(may.final).toBe(false);
    expect(may.asOf).not.toBeNull();
    const status = sheetRows(book.sheetjs, '汇总').find((r) => r[0] === '状态')?.[1] as string;
    expect(status).toMatch(/^完整 · 本月进行中，截至 2026-05-20 \d\d:\d\d:\d\d$/);
    expect(book.exceljs.created?.toISOString()).toBe(documentDateOf(may).toISOString());
    expect(documentDateOf(may).getTime()).toBe(Math.floor(Date.parse(may.asOf as string) / 1000) * 1000);
  });

  it('lists every failed record', () => {
    const rows = sheetRows(book.sheetjs, '失败记录').slice(2);
    expect(rows.filter((r) => r[7] !== null)).toHaveLength(may.totals.failed);
    const byEndpoint = new Map<string, number>();
    for (const r of rows) byEndpoint.set(r[3] as string, (byEndpoint.get(r[3] as string) ?? 0) + 1);
    for (const e of may.byEndpoint) expect(byEndpoint.get(e.endpoint) ?? 0, e.endpoint).toBe(e.failed);
  });
});
