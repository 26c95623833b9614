/**
 * The in-memory workbook: every sheet built with exceljs's full model (images, conditional
 * formatting, print titles all work there), the record sheets as laid-out placeholders. Returns
 * exceljs's zip parts with what exceljs leaves non-deterministic made deterministic.
 */
import ExcelJS from 'exceljs';
import type { SheetContext } from './context.js';
import { type AboutFacts, aboutSheet, dataQualitySheet, retriesSheet, statusSheet } from './detail-sheets.js';
import { dailySheet, endpointSheet, typeSheet } from './group-sheets.js';
import { sheetOptions } from './layout.js';
import type { RecordPlan } from './record-plans.js';
import { addRecordSheets, type RecordSheet, recordSheetNames } from './record-sheets.js';
import { addSummarySheet, type ChartImage } from './summary-sheet.js';
import { addTableSheet, type TableSheet } from './table-sheet.js';
import { entryData, readZip, type ZipEntry } from './zip.js';

export interface WorkbookInput {
  ctx: SheetContext;
  documentDate: Date;
  charts: ChartImage[];
  failures: { plan: RecordPlan; total: number };
  raw: { plan: RecordPlan; total: number } | null;
  rowLimit: number;
  about: AboutFacts;
}

/** A part of the package: exceljs's compressed entry as it is, or changed content to compress. */
export type Part = { name: string; entry: ZipEntry } | { name: string; data: Buffer };

export interface BuiltWorkbook {
  parts: Part[];
  recordSheets: RecordSheet[];
}

export async function buildWorkbook(input: WorkbookInput): Promise<BuiltWorkbook> {
  const { ctx, documentDate } = input;
  const { model, t, c } = ctx;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'pushlog-report';
  wb.lastModifiedBy = 'pushlog-report';
  wb.title = `${c('reportTitle')} ${model.enterpriseId} ${model.month}`;
  wb.subject = `${c('enterprise')} ${model.enterpriseId}, ${c('month')} ${model.month}${model.complete ? '' : ` (${c('partial')})`}`;
  wb.keywords = 'CloudListCurlLog push delivery report';
  wb.category = model.complete ? c('complete') : c('partial');
  wb.description = `pushlog-report ${model.toolVersion}`;
  // The document's dates are the report's as-of time, never the clock, so a re-render is identical.
  wb.created = documentDate;
  wb.modified = documentDate;

  const partial = ctx.partialStamp;
  const headerFooter = partial === null ? undefined : { oddHeader: `&C&"-,Bold"&KC00000${partial}` };
  const options = (headerRow: number | null) => ({
    ...sheetOptions(headerRow, partial === null ? undefined : 'FFC00000'),
    ...(headerFooter ? { headerFooter } : {}),
  });

  const failureNames = recordSheetNames(t('sheets.failures'), input.failures.total, input.rowLimit, ctx);
  addSummarySheet(
    wb,
    ctx,
    { failureSheets: failureNames, rowLimit: input.rowLimit, charts: input.charts },
    options(null),
  );
  const addSheets = (sheets: TableSheet[]) => {
    for (const sheet of sheets) addTableSheet(wb, ctx, sheet, options);
  };
  addSheets([typeSheet(ctx), endpointSheet(ctx), dailySheet(ctx), statusSheet(ctx), retriesSheet(ctx)]);
  const recordSheets = addRecordSheets(
    wb,
    ctx,
    input.failures.plan,
    input.failures.total,
    input.rowLimit,
    headerFooter,
  );
  addSheets([dataQualitySheet(ctx), aboutSheet(ctx, input.about)]);
  if (input.raw) {
    recordSheets.push(
      ...addRecordSheets(wb, ctx, input.raw.plan, input.raw.total, input.rowLimit, headerFooter),
    );
  }

  const zip = Buffer.from(await wb.xlsx.writeBuffer());
  return { parts: readZip(zip).map(pinIds), recordSheets };
}

/**
 * exceljs gives each data bar a random GUID (`<x14:id>`, tying the rule to its Excel 2010
 * extension): replace each by one derived from its position, so the sheet XML is stable.
 */
function pinIds(entry: ZipEntry): Part {
  if (!entry.name.startsWith('xl/worksheets/sheet')) return { name: entry.name, entry };
  const xml = entryData(entry).toString('utf8');
  const ids = [
    ...new Set([...xml.matchAll(/<x14:id>(\{[0-9A-F-]+\})<\/x14:id>/g)].map((m) => m[1] as string)),
  ];
  if (ids.length === 0) return { name: entry.name, entry };
  let pinned = xml;
  ids.forEach((id, i) => {
    const stable = `{00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}}`.toUpperCase();
    pinned = pinned.replaceAll(id, stable);
  });
  return { name: entry.name, data: Buffer.from(pinned, 'utf8') };
}
