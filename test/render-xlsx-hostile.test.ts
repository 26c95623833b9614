// Untrusted log content (test/fixtures/xlsx-hostile.ndjson): formula-like strings, control
// characters, a 100 KB ResultText, CJK and emoji, a 2,000-character URL, secrets in URLs, headers
// and params, a javascript: URL. The workbook (with the raw sheet) must open in both readers with
// every hostile string stored as plain text, cut and cleaned as documented, and no secret in it.
import type ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type XLSX from 'xlsx';
import { renderWorkbook } from '../pipeline/render/xlsx/index.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import { buildMonths, type ReadBack, readBack, sheetRows, tableOf } from './render-xlsx-helpers.js';

const HOSTILE = new URL('./fixtures/xlsx-hostile.ndjson', import.meta.url).pathname;
const SECRETS = ['secret-token-1', 'secret-bearer-2', 'secret-cookie-3', 'secret-sign-4', 'secret-long-5'];

let out: string;
let dir: string;
let model: ReportModel;
let book: ReadBack;

beforeAll(async () => {
  out = await makeTempDir('pushlog-xlsx-hostile-');
  [{ dir, model }] = (await buildMonths(out, { data: HOSTILE }, ['2026-04'])) as [
    { dir: string; model: ReportModel },
  ];
  const artifact = await renderWorkbook(
    model,
    { dir, locale: 'en', redact: true, rawSheet: true },
    { charts: false },
  );
  book = await readBack(artifact.path);
  return () => removeTempDir(out);
});

/** Rows of a record sheet keyed by header, with the SheetJS cell of each field. */
function recordsOf(sheet: string, count: number) {
  return tableOf(sheetRows(book.sheetjs, sheet), 2, count);
}

function sheetjsCell(sheet: string, id: string, header: string): XLSX.CellObject {
  const ws = book.sheetjs.Sheets[sheet] as XLSX.WorkSheet;
  const rows = sheetRows(book.sheetjs, sheet);
  const column = (rows[1] as string[]).indexOf(header);
  const idColumn = (rows[1] as string[]).indexOf('Id');
  const row = rows.findIndex((r) => r[idColumn] === id);
  const address = `${String.fromCharCode(65 + column)}${row + 1}`;
  return ws[address] as XLSX.CellObject;
}

function exceljsCell(sheet: string, id: string, header: string): ExcelJS.Cell {
  const ws = book.exceljs.getWorksheet(sheet) as ExcelJS.Worksheet;
  const headers = ws.getRow(2).values as unknown[];
  const column = headers.indexOf(header);
  const idColumn = headers.indexOf('Id');
  for (let r = 3; r <= ws.rowCount; r++) {
    if (ws.getCell(r, idColumn).value === id) return ws.getCell(r, column);
  }
  throw new Error(`no record ${id} on ${sheet}`);
}

describe('a workbook of hostile records', () => {
  it('opens in both readers, with every record listed', () => {
    expect(model.totals).toMatchObject({ pushes: 10, failed: 9 });
    expect(book.sheetjs.SheetNames).toContain('Records');
    expect(book.exceljs.worksheets.map((s) => s.name)).toEqual(book.sheetjs.SheetNames);
    expect(recordsOf('Failures', 9).map((r) => r.Id)).toEqual([
      'h01',
      'h02',
      'h03',
      'h04',
      'h05',
      'h06',
      'h07',
      'h09',
      'h10',
    ]);
    expect(recordsOf('Records', 10).map((r) => r.Id)).toHaveLength(10);
  });

  it('stores formula-like strings as text, never as formulas', () => {
    const cases: [string, string, string][] = [
      ['h01', 'ResultText', '=HYPERLINK("http://evil.example/","click")'],
      ['h02', 'ResultText', '+1+1'],
      ['h03', 'ResultText', '-2-3'],
      ['h03', 'UniqueId', '@SUM(A1)'],
      ['h04', 'ResultText', '@cmd'],
      ['h09', 'Endpoint', "=cmd|' /C calc'!A0"],
      ['h09', 'Status', '@500'],
    ];
    for (const [id, header, text] of cases) {
      const cell = sheetjsCell('Failures', id, header);
      expect(cell, `${id} ${header}`).toMatchObject({ t: 's', v: text });
      expect(cell.f).toBeUndefined();
      const ecell = exceljsCell('Failures', id, header);
      expect(ecell.value).toBe(text);
      expect(ecell.formula).toBeUndefined();
    }
    for (const [name, xml] of book.parts) {
      if (name.startsWith('xl/worksheets/sheet')) expect(xml, name).not.toMatch(/<f[ >]/);
    }
  });

  it('removes the characters XML forbids and keeps tab, newline, CJK, emoji and Excel escapes', () => {
    expect(sheetjsCell('Failures', 'h05', 'ResultText').v).toBe('abcdef\tg\nh');
    expect(exceljsCell('Failures', 'h05', 'ResultText').value).toBe('abcdef\tg\nh');
    expect(sheetjsCell('Failures', 'h07', 'ResultText').v).toBe('失败：对方服务器错误 😀🚀 — ✓');
    expect(sheetjsCell('Records', 'h07', 'Params').v).toBe('{"msg":"你好，世界 👋"}');
    // A literal `_x0041_` is escaped as `_x005F_x0041_`, so Excel (and SheetJS) show it as written
    // instead of decoding it to "A"; exceljs's reader does not decode inline strings at all.
    const literal = '_x0041_ literal and <b>&amp;</b> "quotes"';
    expect(sheetjsCell('Records', 'h08', 'ResultText').v).toBe(literal);
    expect(exceljsCell('Records', 'h08', 'ResultText').value).toBe(`_x005F${literal}`);
  });

  it('cuts long text with a marker, never inside a surrogate pair', () => {
    const failures = sheetjsCell('Failures', 'h06', 'ResultText').v as string;
    expect(failures).toHaveLength(1000);
    expect(failures).toBe(`${'x'.repeat(967)}… [truncated: 100,000 characters]`);
    const raw = sheetjsCell('Records', 'h06', 'ResultText').v as string;
    expect(raw).toHaveLength(32_767);
    expect(raw.endsWith('… [truncated: 100,000 characters]')).toBe(true);
    // 968 y, an emoji (two UTF-16 units, one character), 33 z: the cut falls inside the emoji,
    // which goes whole; the marker counts characters.
    const split = sheetjsCell('Failures', 'h10', 'ResultText').v as string;
    expect(split).toBe(`${'y'.repeat(968)}… [truncated: 1,002 characters]`);
    expect(split).not.toMatch(/[\ud800-\udfff]/);
  });

  it('redacts secrets from URLs, headers and params, and links only http(s) endpoints', () => {
    for (const [name, xml] of book.parts) {
      for (const secret of SECRETS) expect(xml, `${secret} in ${name}`).not.toContain(secret);
    }
    expect(sheetjsCell('Records', 'h01', 'Url').v).toBe('https://hooks.example.com/cb?token=[REDACTED]&x=1');
    expect(JSON.parse(sheetjsCell('Records', 'h01', 'Headers').v as string)).toEqual({
      Authorization: '[REDACTED]',
      'Content-Type': 'application/json',
      Cookie: '[REDACTED]',
    });
    expect(sheetjsCell('Records', 'h01', 'Params').v).toBe('{"sign":"[REDACTED]","cno":"1"}');
    const long = sheetjsCell('Records', 'h02', 'Url').v as string;
    expect(long.endsWith('?access_token=[REDACTED]')).toBe(true);
    // Hyperlinks (By endpoint) point at http(s) only; the javascript: endpoint stays text.
    const targets = [...book.parts.entries()]
      .filter(([name]) => name.startsWith('xl/worksheets/_rels/'))
      .flatMap(([, xml]) =>
        [...xml.matchAll(/Target="([^"]*)"[^>]*TargetMode="External"/g)].map((m) => m[1]),
      );
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(target).toMatch(/^https?:\/\//);
    const endpoints = recordsOf('By endpoint', model.byEndpoint.length).map((r) => r.Endpoint);
    expect(endpoints).toContain("javascript:alert('x')");
    const jsCell = exceljsCell('Failures', 'h04', 'Endpoint');
    expect(jsCell.hyperlink).toBeUndefined();
  });

  it('keeps the secrets with --no-redact, and says so on About', async () => {
    const artifact = await renderWorkbook(
      model,
      { dir, locale: 'en', redact: false, rawSheet: true },
      { charts: false },
    );
    const open = await readBack(artifact.path);
    const rows = tableOf(sheetRows(open.sheetjs, 'Records'), 2, 10);
    expect(rows.find((r) => r.Id === 'h01')?.Url).toBe(
      'https://hooks.example.com/cb?token=secret-token-1&x=1',
    );
    const about = Object.fromEntries(
      tableOf(sheetRows(open.sheetjs, 'About'), 3, 18).map((r) => [r.Item, r.Value]),
    );
    expect(about['Secrets in URLs and headers']).toBe('NOT redacted (--no-redact)');
  });
});
