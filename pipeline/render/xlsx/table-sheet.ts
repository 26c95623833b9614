/**
 * Sheets that hold only tables, declared as data: the sheet's name, the header row its panes
 * freeze at, and its tables, each under an optional heading and note, one below the other with a
 * blank row between. The first table carries the sheet's autofilter (Excel allows one per sheet).
 */
import type ExcelJS from 'exceljs';
import type { SheetContext } from './context.js';
import { addTable, type Column, Widths, writeSection, writeTitle } from './layout.js';

export interface Table<T> {
  /** the bold line above the table */
  heading?: string;
  /** a line between the heading and the table */
  note?: string | null;
  columns: Column<T>[];
  rows: readonly T[];
}

/** A table with its row type sealed in, so one sheet can list tables of different rows. */
export interface SheetTable {
  heading: string | undefined;
  note: string | null | undefined;
  /** writes the table with its header at `headerRow`; returns the row after its last */
  write: (sheet: ExcelJS.Worksheet, widths: Widths, headerRow: number, autoFilter: boolean) => number;
}

export function table<T>(spec: Table<T>): SheetTable {
  return {
    heading: spec.heading,
    note: spec.note,
    write: (sheet, widths, headerRow, autoFilter) =>
      addTable(sheet, widths, headerRow, spec.columns, spec.rows, { autoFilter }),
  };
}

export interface TableSheet {
  /** `sheets.<key>` names the sheet; its title adds the enterprise and month */
  key: string;
  /** the first table's header row: it and the rows above it stay frozen */
  headerRow: number;
  tables: SheetTable[];
  /** widths that replace the fitted ones, by column number */
  fixedWidths?: Record<number, number>;
  /** the first header row's height, for headers that wrap */
  headerHeight?: number;
}

/** Adds `spec` as a sheet; `options` gives the sheet's options for its frozen header row. */
export function addTableSheet(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  spec: TableSheet,
  options: (headerRow: number) => Partial<ExcelJS.AddWorksheetOptions>,
): ExcelJS.Worksheet {
  const name = ctx.t(`sheets.${spec.key}`);
  const sheet = wb.addWorksheet(name, options(spec.headerRow));
  writeTitle(sheet, `${name} — ${ctx.model.enterpriseId} ${ctx.model.month}`, ctx.partialStamp);
  const widths = new Widths();
  const first = spec.tables[0];
  let row = spec.headerRow - (first?.heading === undefined ? 0 : 1) - (first?.note ? 1 : 0);
  spec.tables.forEach((table, i) => {
    if (table.heading !== undefined) writeSection(sheet, row++, table.heading);
    if (table.note) sheet.getCell(row++, 1).value = table.note;
    row = table.write(sheet, widths, row, i === 0) + 1;
  });
  widths.apply(sheet, spec.fixedWidths);
  if (spec.headerHeight !== undefined) sheet.getRow(spec.headerRow).height = spec.headerHeight;
  return sheet;
}
