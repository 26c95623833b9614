/**
 * Record sheets are laid out by exceljs like every other sheet (title, styled header, column
 * widths and formats, frozen panes, autofilter over the rows to come, print titles), with one
 * template data row whose style ids tell the streamed rows which `s=` to carry. After exceljs has
 * written the workbook in memory, each such sheet's XML is cut around its rows and the records
 * are streamed in between. Past the row limit a plan continues on "Failures (2)", and so on.
 */
import type ExcelJS from 'exceljs';
import type { SheetContext } from './context.js';
import { columnLetter, FORMATS, sheetOptions, styleHeader, writeTitle } from './layout.js';
import type { RecordPlan } from './record-plans.js';

/** Excel's row limit. */
export const EXCEL_MAX_ROWS = 1_048_576;
/** Row 1 is the title, row 2 the header: records start on row 3. */
export const FIRST_RECORD_ROW = 3;
/** Records per sheet at Excel's limit. */
export const DEFAULT_ROW_LIMIT = EXCEL_MAX_ROWS - FIRST_RECORD_ROW + 1;

export interface RecordSheet {
  plan: RecordPlan;
  name: string;
  /** exceljs's sheet id: the part is `xl/worksheets/sheet<id>.xml` */
  id: number;
  /** records on this sheet */
  rows: number;
}

/** "Failures", "Failures (2)", …: as many sheets as `total` records need (at least one). */
export function recordSheetNames(base: string, total: number, rowLimit: number, ctx: SheetContext): string[] {
  const count = Math.max(1, Math.ceil(total / rowLimit));
  return Array.from({ length: count }, (_, i) =>
    i === 0 ? base : ctx.t('continued', { name: base, n: i + 1 }),
  );
}

export function addRecordSheets(
  wb: ExcelJS.Workbook,
  ctx: SheetContext,
  plan: RecordPlan,
  total: number,
  rowLimit: number,
  headerFooter: Partial<ExcelJS.HeaderFooter> | undefined,
): RecordSheet[] {
  const names = recordSheetNames(ctx.t(`sheets.${plan.key}`), total, rowLimit, ctx);
  const last = columnLetter(plan.columns.length);
  return names.map((name, i) => {
    const rows = Math.min(rowLimit, Math.max(0, total - i * rowLimit));
    const sheet = wb.addWorksheet(name, {
      ...sheetOptions(FIRST_RECORD_ROW - 1),
      ...(headerFooter ? { headerFooter } : {}),
    });
    const from = i * rowLimit + 1;
    const range =
      rows === 0 ? '' : ` (${from.toLocaleString('en-US')}–${(from + rows - 1).toLocaleString('en-US')})`;
    writeTitle(sheet, `${name} — ${ctx.model.enterpriseId} ${ctx.model.month}${range}`, ctx.partialStamp);
    const header = sheet.getRow(FIRST_RECORD_ROW - 1);
    const template = sheet.getRow(FIRST_RECORD_ROW);
    plan.columns.forEach((column, c) => {
      sheet.getColumn(c + 1).width = column.width;
      header.getCell(c + 1).value = column.header;
      const cell = template.getCell(c + 1);
      cell.value = 0;
      if (column.format !== 'general') cell.numFmt = FORMATS[column.format];
      cell.alignment = { vertical: 'top' };
    });
    styleHeader(header, plan.columns.length);
    header.height = 30;
    sheet.autoFilter = `A${FIRST_RECORD_ROW - 1}:${last}${FIRST_RECORD_ROW - 1 + rows}`;
    return { plan, name, id: sheet.id, rows };
  });
}

export interface SplitSheet {
  /** the XML before the first record row (everything up to the template row) */
  head: string;
  /** `</sheetData>` and everything after it */
  tail: string;
  /** the style id of each column's template cell */
  styles: (number | null)[];
}

/** Cuts a record sheet's XML (as exceljs wrote it) around its rows; see the module comment. */
export function splitRecordSheet(xml: string, sheet: RecordSheet): SplitSheet {
  const templateRow = new RegExp(`<row r="${FIRST_RECORD_ROW}"[^>]*>([\\s\\S]*?)</row>`).exec(xml);
  const end = xml.indexOf('</sheetData>');
  if (templateRow === null || end < 0) throw new Error(`unexpected XML for sheet ${sheet.name}`);
  const cells = templateRow[1] ?? '';
  const styles = sheet.plan.columns.map((_, c) => {
    const match = new RegExp(`<c r="${columnLetter(c + 1)}${FIRST_RECORD_ROW}"(?: s="(\\d+)")?`).exec(cells);
    return match?.[1] === undefined ? null : Number(match[1]);
  });
  const lastRow = FIRST_RECORD_ROW - 1 + sheet.rows;
  const head = xml
    .slice(0, templateRow.index)
    .replace(
      /<dimension ref="[^"]*"\/>/,
      `<dimension ref="A1:${columnLetter(sheet.plan.columns.length)}${lastRow}"/>`,
    );
  return { head, tail: xml.slice(end), styles };
}
