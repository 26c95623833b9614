/**
 * Writes the final package: exceljs's parts in exceljs's order, each record sheet's XML streamed
 * between its head and tail, every entry dated the pinned time.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RecordPlan } from './record-plans.js';
import { FIRST_RECORD_ROW, type RecordSheet, splitRecordSheet } from './record-sheets.js';
import { RecordCursor, RowSerializer, writeRecordRows } from './record-writer.js';
import type { BuiltWorkbook } from './workbook.js';
import { deflateEntry, entryData, ZipWriter } from './zip.js';

export interface PackageOptions {
  connection: DuckDBConnection;
  localSerial: (ms: number) => number;
  zipDate: Date;
  level: number;
  signal?: AbortSignal | undefined;
  onRows?: (rows: number) => void;
}

export async function writePackage(
  path: string,
  built: BuiltWorkbook,
  options: PackageOptions,
): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const zip = new ZipWriter(out, options.zipDate);
  const sheets = new Map(built.recordSheets.map((s) => [`xl/worksheets/sheet${s.id}.xml`, s]));
  // Sheets of one plan are consecutive parts: they share one cursor over one query.
  const cursors = new Map<RecordPlan, RecordCursor>();
  const work = (async () => {
    for (const part of built.parts) {
      const sheet = sheets.get(part.name);
      if (sheet !== undefined) {
        const xml = ('entry' in part ? entryData(part.entry) : part.data).toString('utf8');
        await streamSheet(zip, part.name, xml, sheet, cursors, options);
      } else if ('entry' in part) {
        await zip.addEntry(part.entry);
      } else {
        await zip.addEntry(deflateEntry(part.name, part.data, options.level));
      }
    }
    await zip.finish();
    out.end();
    await once(out, 'finish');
  })();
  try {
    await Promise.race([work, failed]);
  } finally {
    if (!out.writableFinished) out.destroy();
    await work.catch(() => undefined);
  }
}

async function streamSheet(
  zip: ZipWriter,
  name: string,
  xml: string,
  sheet: RecordSheet,
  cursors: Map<RecordPlan, RecordCursor>,
  options: PackageOptions,
): Promise<void> {
  const { head, tail, styles } = splitRecordSheet(xml, sheet);
  let cursor = cursors.get(sheet.plan);
  if (cursor === undefined) {
    cursor = await RecordCursor.open(options.connection, sheet.plan.sql);
    cursors.set(sheet.plan, cursor);
  }
  const serializer = new RowSerializer(sheet.plan, styles, options.localSerial);
  const active = cursor;
  await zip.addStream(name, options.level, async (sink) => {
    await sink.write(head);
    const written = await writeRecordRows({
      sink,
      cursor: active,
      plan: sheet.plan,
      serializer,
      firstRow: FIRST_RECORD_ROW,
      maxRows: sheet.rows,
      signal: options.signal,
      ...(options.onRows ? { onRows: options.onRows } : {}),
    });
    if (written !== sheet.rows) {
      throw new Error(`${sheet.name}: raw.parquet gave ${written} rows where ${sheet.rows} were counted`);
    }
    await sink.write(tail);
  });
}
