/**
 * The look every sheet shares: a title row (with the PARTIAL stamp when the month is incomplete),
 * styled table headers, number formats by kind of figure, column widths fitted to their content
 * (capped), frozen header rows, print setup. Figures are stored unrounded: formats do the rounding.
 */
import type ExcelJS from 'exceljs';
import { isHttpUrl } from '../redact.js';
import { cellText } from '../sanitize.js';

export const FORMATS = {
  count: '#,##0',
  rate: '0.00%',
  ms: '#,##0 "ms"',
  /** a change in percentage points, stored as a fraction (0.005 = +0.50 pp) */
  deltaPoints: '+0.00%;-0.00%;0.00%',
  /** a relative change */
  deltaRelative: '+0.0%;-0.0%;0.0%',
  date: 'yyyy-mm-dd',
  dateTime: 'yyyy-mm-dd hh:mm:ss',
  dateTimeMs: 'yyyy-mm-dd hh:mm:ss.000',
  integer: '0',
  text: '@',
} as const;
export type FigureKind = keyof typeof FORMATS | 'general';

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FF1F3864' } };
export const HEADER_FONT: Partial<ExcelJS.Font> = { bold: true, color: { argb: 'FFFFFFFF' } };
const SECTION_FONT: Partial<ExcelJS.Font> = { bold: true, size: 12, color: { argb: 'FF1F3864' } };
const TITLE_FONT: Partial<ExcelJS.Font> = { bold: true, size: 14 };
export const RED_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FF9C0006' } };
export const RED_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', bgColor: { argb: 'FFFFC7CE' } };
export const GREEN_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC6EFCE' } };
export const RED_CELL_FILL: ExcelJS.Fill = {
  type: 'pattern',
  pattern: 'solid',
  fgColor: { argb: 'FFFFC7CE' },
};
const LINK_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FF0563C1' }, underline: true };
const DATA_BAR_COLOR = 'FF638EC6';
/** Excel refuses hyperlink addresses longer than this (2,079 characters, with a margin). */
const MAX_HYPERLINK = 2_000;
const MAX_WIDTH = 60;
const MIN_WIDTH = 8;

/** A cell's value: numbers unrounded, text sanitised, null empty. */
export type Value = number | string | null | undefined;

/** Display width of text in Excel character units: CJK and other wide characters count two. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    width += code >= 0x1100 && (code <= 0x115f || code >= 0x2e80) ? 2 : 1;
  }
  return width;
}

/** Tracks the widest content per column of one sheet and applies it (capped) at the end. */
export class Widths {
  readonly #widths = new Map<number, number>();

  see(column: number, text: string, kind: FigureKind = 'general'): void {
    // Formatted numbers grow by separators and units; dates have a known width.
    const width =
      kind === 'dateTime' || kind === 'dateTimeMs'
        ? 20
        : kind === 'date'
          ? 11
          : displayWidth(text) + (kind === 'general' || kind === 'text' ? 0 : 4);
    this.#widths.set(column, Math.max(this.#widths.get(column) ?? 0, width));
  }

  apply(sheet: ExcelJS.Worksheet, fixed: Record<number, number> = {}): void {
    for (const [column, width] of this.#widths) {
      sheet.getColumn(column).width = fixed[column] ?? Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width + 2));
    }
  }
}

/** Sets a cell: numbers as they are, text sanitised (never a formula: exceljs stores strings as text). */
export function setCell(cell: ExcelJS.Cell, value: Value, kind: FigureKind = 'general'): void {
  if (value === null || value === undefined) {
    cell.value = null;
  } else if (typeof value === 'number') {
    cell.value = Number.isFinite(value) ? value : null;
    if (kind !== 'general' && kind !== 'text') cell.numFmt = FORMATS[kind];
  } else {
    cell.value = cellText(value);
  }
}

/** Row 1 of every sheet: the sheet's title, enterprise and month, and the PARTIAL stamp. */
export function writeTitle(sheet: ExcelJS.Worksheet, title: string, partialStamp: string | null): void {
  const cell = sheet.getCell(1, 1);
  cell.value = cellText(title);
  cell.font = TITLE_FONT;
  if (partialStamp !== null) {
    const stamp = sheet.getCell(1, 2);
    stamp.value = partialStamp;
    stamp.font = { bold: true, size: 14, color: { argb: 'FFFFFFFF' } };
    stamp.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC00000' } };
    stamp.alignment = { horizontal: 'center' };
  }
}

export function writeSection(sheet: ExcelJS.Worksheet, row: number, text: string): void {
  const cell = sheet.getCell(row, 1);
  cell.value = cellText(text);
  cell.font = SECTION_FONT;
}

export function styleHeader(row: ExcelJS.Row, columns: number): void {
  for (let c = 1; c <= columns; c++) {
    const cell = row.getCell(c);
    cell.font = HEADER_FONT;
    cell.fill = HEADER_FILL;
    cell.alignment = { vertical: 'middle', wrapText: true };
    cell.border = { bottom: { style: 'thin', color: { argb: 'FF8EA9DB' } } };
  }
}

/** Formatting of one cell that depends on its row. */
export interface CellLook {
  font?: Partial<ExcelJS.Font>;
  fill?: ExcelJS.Fill;
  numFmt?: string;
}

/** A table column: its header, how to read a row's value, and the value's kind. */
export interface Column<T> {
  header: string;
  value: (row: T) => Value;
  kind?: FigureKind;
  /** the row's own kind, where each row is a different figure (a list of metrics); widths still go by `kind` */
  rowKind?: (row: T) => FigureKind | undefined;
  /** set on the cell even when it is empty, after its value */
  look?: (row: T) => CellLook;
  /** the value is an address: an http(s) one becomes a link */
  link?: boolean;
  /** data bars over this column (counts) */
  dataBar?: boolean;
  /** red when below this rate (success rates under the SLA target) */
  redBelow?: number | null;
}

export interface TableOptions {
  /** the sheet's one autofilter goes on this table */
  autoFilter?: boolean;
}

/** Writes a table at `startRow` (its header row); returns the row after its last. */
export function addTable<T>(
  sheet: ExcelJS.Worksheet,
  widths: Widths,
  startRow: number,
  columns: Column<T>[],
  rows: readonly T[],
  options: TableOptions = {},
): number {
  const header = sheet.getRow(startRow);
  columns.forEach((column, i) => {
    header.getCell(i + 1).value = column.header;
    widths.see(i + 1, column.header);
  });
  styleHeader(header, columns.length);
  rows.forEach((row, r) => {
    const line = sheet.getRow(startRow + 1 + r);
    columns.forEach((column, i) => {
      const value = column.value(row);
      const kind = column.kind ?? (typeof value === 'number' ? 'general' : 'text');
      const cell = line.getCell(i + 1);
      setCell(cell, value, column.rowKind?.(row) ?? kind);
      if (column.look) applyLook(cell, column.look(row));
      if (column.link && typeof value === 'string') setLink(cell, value);
      widths.see(i + 1, value === null || value === undefined ? '' : String(value), kind);
    });
  });
  const lastRow = startRow + Math.max(rows.length, 1);
  if (rows.length > 0) {
    columns.forEach((column, i) => {
      const ref = `${columnLetter(i + 1)}${startRow + 1}:${columnLetter(i + 1)}${startRow + rows.length}`;
      if (column.dataBar) addDataBar(sheet, ref);
      if (typeof column.redBelow === 'number') addRedBelow(sheet, ref, column.redBelow);
    });
  }
  if (options.autoFilter) {
    sheet.autoFilter = `A${startRow}:${columnLetter(columns.length)}${lastRow}`;
  }
  return lastRow + 1;
}

function applyLook(cell: ExcelJS.Cell, look: CellLook): void {
  if (look.numFmt !== undefined) cell.numFmt = look.numFmt;
  if (look.font) cell.font = look.font;
  if (look.fill) cell.fill = look.fill;
}

/** Only http(s) addresses become links, so a javascript: or file: "address" stays inert text. */
function setLink(cell: ExcelJS.Cell, address: string): void {
  if (!isHttpUrl(address) || address.length > MAX_HYPERLINK) return;
  cell.value = { text: cellText(address), hyperlink: address };
  cell.font = LINK_FONT;
}

function addDataBar(sheet: ExcelJS.Worksheet, ref: string): void {
  sheet.addConditionalFormatting({
    ref,
    rules: [
      {
        type: 'dataBar',
        priority: 1,
        cfvo: [{ type: 'num', value: 0 }, { type: 'max' }],
        color: { argb: DATA_BAR_COLOR },
      } as unknown as ExcelJS.ConditionalFormattingRule,
    ],
  });
}

/** Red text on red when a cell of `ref` is below `threshold`. */
export function addRedBelow(sheet: ExcelJS.Worksheet, ref: string, threshold: number): void {
  sheet.addConditionalFormatting({
    ref,
    rules: [
      {
        type: 'cellIs',
        operator: 'lessThan',
        priority: 1,
        formulae: [String(threshold)],
        style: { font: RED_FONT, fill: RED_FILL },
      },
    ],
  });
}

/** `1` → A, `27` → AA. */
export function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/** Frozen rows above `firstDataRow`, landscape, fit to one page wide, header rows repeated. */
export function sheetOptions(
  headerRow: number | null,
  tabColor?: string,
): Partial<ExcelJS.AddWorksheetOptions> {
  return {
    views: headerRow === null ? [{}] : [{ state: 'frozen', ySplit: headerRow, xSplit: 0 }],
    pageSetup: {
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      paperSize: 9,
      ...(headerRow === null ? {} : { printTitlesRow: `1:${headerRow}` }),
    },
    ...(tabColor ? { properties: { tabColor: { argb: tabColor } } } : {}),
  };
}
