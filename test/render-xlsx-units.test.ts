// The workbook's pure parts: cell-safe text, the zip writer and reader, local serials across a
// daylight-saving change, sheet naming at an injected row limit, and the pinned document date.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cellText, EXCEL_CELL_LIMIT, removeForbidden, truncate } from '../pipeline/render/sanitize.js';
import { stringsFor } from '../pipeline/render/strings.js';
import { sheetContext } from '../pipeline/render/xlsx/context.js';
import { DEFAULT_ROW_LIMIT, documentDateOf, EXCEL_MAX_ROWS } from '../pipeline/render/xlsx/index.js';
import { columnLetter } from '../pipeline/render/xlsx/layout.js';
import { recordSheetNames } from '../pipeline/render/xlsx/record-sheets.js';
import { dateSerial, localSerialOf } from '../pipeline/render/xlsx/time.js';
import { deflateEntry, entryData, readZip, ZipWriter } from '../pipeline/render/xlsx/zip.js';
import type { ReportModel } from '../pipeline/transform/index.js';

describe('cell-safe text', () => {
  it('removes what XML 1.0 forbids and keeps tab, LF, CR and astral characters', () => {
    expect(removeForbidden('a\u0000b\u0008c\u000bd\u000ce\u001ff\u007fg\ufffeh\uffffi')).toBe('abcdefghi');
    expect(removeForbidden('t\tl\nc\r😀中')).toBe('t\tl\nc\r😀中');
    expect(removeForbidden('lone \ud800 high, lone \udc00 low, pair \ud83d\ude00')).toBe(
      'lone  high, lone  low, pair 😀',
    );
  });

  it("escapes Excel's _xHHHH_ syntax so it reads back as written", () => {
    expect(cellText('_x0041_ and _X00a0_ and _x12_')).toBe('_x005F_x0041_ and _x005F_X00a0_ and _x12_');
  });

  it('cuts at the limit with a marker that gives the original length', () => {
    expect(truncate('abc', 3)).toBe('abc');
    const cut = truncate('x'.repeat(40_000), EXCEL_CELL_LIMIT);
    expect(cut).toHaveLength(EXCEL_CELL_LIMIT);
    expect(cut.endsWith('… [truncated: 40,000 characters]')).toBe(true);
    // Cut upstream: the marker is added even when the text fits, with the length before the cut.
    expect(truncate('short', 100, 5_000)).toBe('short… [truncated: 5,000 characters]');
    // Never half a surrogate pair: the emoji goes whole.
    const emoji = truncate(`${'a'.repeat(9)}😀${'b'.repeat(40)}`, 38);
    expect(emoji).toBe(`${'a'.repeat(9)}… [truncated: 50 characters]`);
  });
});

describe('the zip writer', () => {
  it('writes stored, deflated and streamed entries that read back, all dated the pinned time', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const zip = new ZipWriter(out, new Date(Date.UTC(2026, 3, 30, 23, 59, 59)));
    await zip.addEntry(deflateEntry('a.xml', Buffer.from('<a>中文</a>'), 6));
    await zip.addStream('big.xml', 1, async (sink) => {
      for (let i = 0; i < 2_000; i++) await sink.write(`<row r="${i}">${'x'.repeat(200)}</row>`);
    });
    await zip.finish();
    out.end();
    const bytes = Buffer.concat(chunks);
    const entries = readZip(bytes);
    expect(entries.map((e) => e.name)).toEqual(['a.xml', 'big.xml']);
    expect(entryData(entries[0] as never).toString()).toBe('<a>中文</a>');
    const big = entryData(entries[1] as never).toString();
    expect(big.startsWith('<row r="0">')).toBe(true);
    expect(big).toHaveLength(
      2_000 * 216 + [...Array(2_000).keys()].reduce((n, i) => n + String(i).length, 0),
    );
    // The central directory's DOS time and date: 23:59:58, 2026-04-30.
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect(bytes.readUInt16LE(central + 12)).toBe((23 << 11) | (59 << 5) | 29);
    expect(bytes.readUInt16LE(central + 14)).toBe((46 << 9) | (4 << 5) | 30);
  });
});

describe('local serials', () => {
  it('follow the zone, across a daylight-saving change', () => {
    const shanghai = localSerialOf('Asia/Shanghai');
    expect(shanghai(Date.UTC(2026, 3, 30, 16, 0, 0))).toBe(dateSerial('2026-05-01'));
    const newYork = localSerialOf('America/New_York');
    // 2026-03-08 02:00 EST → 03:00 EDT: 06:59:59Z is 01:59:59 local, 07:00:00Z is 03:00:00 local.
    const before = newYork(Date.UTC(2026, 2, 8, 6, 59, 59));
    const after = newYork(Date.UTC(2026, 2, 8, 7, 0, 0));
    expect(Math.round((before - dateSerial('2026-03-08')) * 86_400)).toBe(1 * 3600 + 59 * 60 + 59);
    expect(Math.round((after - dateSerial('2026-03-08')) * 86_400)).toBe(3 * 3600);
  });
});

describe('record sheets', () => {
  const ctx = sheetContext(
    { complete: true, sla: null, timeZone: 'Asia/Shanghai' } as unknown as ReportModel,
    stringsFor('en'),
    true,
  );

  it('split at the row limit: Failures, Failures (2), …', () => {
    expect(DEFAULT_ROW_LIMIT).toBe(EXCEL_MAX_ROWS - 2);
    expect(recordSheetNames('Failures', 0, 3, ctx)).toEqual(['Failures']);
    expect(recordSheetNames('Failures', 3, 3, ctx)).toEqual(['Failures']);
    expect(recordSheetNames('Failures', 7, 3, ctx)).toEqual(['Failures', 'Failures (2)', 'Failures (3)']);
    expect(recordSheetNames('Failures', DEFAULT_ROW_LIMIT + 1, DEFAULT_ROW_LIMIT, ctx)).toHaveLength(2);
  });

  it('name columns as Excel does', () => {
    expect([1, 26, 27, 52, 53, 702, 703].map(columnLetter)).toEqual([
      'A',
      'Z',
      'AA',
      'AZ',
      'BA',
      'ZZ',
      'AAA',
    ]);
  });
});

describe('the document date', () => {
  it('is the as-of second of a current month, else the last second of the window', () => {
    const window = { start: '', end: '', startMs: 0, endMs: Date.UTC(2026, 3, 30, 15, 59, 59, 999) };
    expect(documentDateOf({ asOf: null, window }).toISOString()).toBe('2026-04-30T15:59:59.000Z');
    expect(documentDateOf({ asOf: '2026-05-20T04:00:00.123Z', window }).toISOString()).toBe(
      '2026-05-20T04:00:00.000Z',
    );
  });
});
