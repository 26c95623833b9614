/**
 * Helpers for the workbook suites: a real month (simulator over HTTP → extract → transform) in a
 * temp folder, the workbook read back by exceljs and by SheetJS (an independent reader that
 * catches files only exceljs tolerates), and the package's XML parts for byte-level checks.
 */
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import XLSX from 'xlsx';
import { monthDir } from '../pipeline/extract/index.js';
import { entryData, readZip } from '../pipeline/render/xlsx/zip.js';
import type { SimulatorOptions } from '../pipeline/simulator/index.js';
import { type ReportModel, transformMonth } from '../pipeline/transform/index.js';
import { ENTERPRISE } from './helpers/extract.js';
import { extractMonths } from './transform-helpers.js';

export const GENERATED_AT = new Date('2026-06-02T03:04:05.000Z');

/** Extracts and transforms `months` into `out`; returns each month's folder and model. */
export async function buildMonths(
  out: string,
  sim: SimulatorOptions,
  months: string[],
  slaFile?: string,
  now?: Date,
): Promise<{ dir: string; model: ReportModel }[]> {
  await extractMonths(out, sim, months, now);
  const built = [];
  for (const month of months) {
    const model = await transformMonth({
      outDir: out,
      enterpriseId: ENTERPRISE,
      month,
      now: () => GENERATED_AT,
      ...(slaFile ? { slaFile } : {}),
    });
    built.push({ dir: monthDir(out, ENTERPRISE, month), model });
  }
  return built;
}

export interface ReadBack {
  exceljs: ExcelJS.Workbook;
  sheetjs: XLSX.WorkBook;
  /** every part of the package, as text */
  parts: Map<string, string>;
}

export async function readBack(path: string): Promise<ReadBack> {
  const bytes = await readFile(path);
  const exceljs = new ExcelJS.Workbook();
  await exceljs.xlsx.load(bytes as unknown as ExcelJS.Buffer);
  const sheetjs = XLSX.read(bytes, { type: 'buffer', cellFormula: true, cellStyles: true, cellNF: true });
  const parts = new Map(readZip(bytes).map((e) => [e.name, entryData(e).toString('utf8')]));
  return { exceljs, sheetjs, parts };
}

/** A SheetJS sheet as rows of raw values (row 1 first), empty cells null. */
export function sheetRows(wb: XLSX.WorkBook, name: string): unknown[][] {
  const sheet = wb.Sheets[name];
  if (!sheet) throw new Error(`no sheet ${name}: ${wb.SheetNames.join(', ')}`);
  return XLSX.utils.sheet_to_json(sheet, { header: 1, raw: true, defval: null, blankrows: true });
}

/** The row whose first cell is `label` (exceljs), and its number. */
export function exceljsRowOf(sheet: ExcelJS.Worksheet, label: string, from = 1): ExcelJS.Row {
  for (let r = from; r <= sheet.rowCount; r++) {
    if (sheet.getCell(r, 1).value === label) return sheet.getRow(r);
  }
  throw new Error(`no row "${label}" on ${sheet.name}`);
}

/** A table's data rows as objects keyed by header (SheetJS rows), from its header row on. */
export function tableOf(rows: unknown[][], headerRow: number, count: number): Record<string, unknown>[] {
  const header = rows[headerRow - 1] as string[];
  return rows
    .slice(headerRow, headerRow + count)
    .map((row) => Object.fromEntries(header.flatMap((h, i) => (h === null ? [] : [[h, row[i] ?? null]]))));
}

/** An Excel serial of the local wall clock back to epoch ms, for a zone of fixed offset. */
export function serialToMs(serial: number, offsetMinutes: number): number {
  return Math.round((serial - 25_569) * 86_400_000 - offsetMinutes * 60_000);
}
