/**
 * Streams record rows into a sheet's XML: DuckDB hands over one chunk (about 2,000 rows) at a
 * time, each row becomes a `<row>` of inline-string and number cells styled by the ids exceljs
 * gave the template row, and the text goes to the zip entry with backpressure, so memory stays
 * flat however many rows the month has. Cells are written as XML directly: exceljs's streaming
 * writer cannot share a workbook with the in-memory sheets (own style table, no images), and it
 * buffers about 0.5 KB per row until the file closes (exceljs issue #2916).
 */
import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import { columnLetter } from './layout.js';
import type { RecordPlan, RecordValue } from './record-plans.js';
import type { EntrySink } from './zip.js';

/** Reads a query's result chunk by chunk, row by row, across sheet boundaries. */
export class RecordCursor {
  readonly #result: DuckDBResult;
  #columns: unknown[][] = [];
  #rows = 0;
  #index = 0;
  #done = false;

  private constructor(result: DuckDBResult) {
    this.#result = result;
  }

  static async open(connection: DuckDBConnection, sql: string): Promise<RecordCursor> {
    return new RecordCursor(await connection.stream(sql));
  }

  /** The current chunk's columns and the row index in it; null when the result is exhausted. */
  async peek(): Promise<{ columns: unknown[][]; index: number; rows: number } | null> {
    while (!this.#done && this.#index >= this.#rows) {
      const chunk = await this.#result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) {
        this.#done = true;
        break;
      }
      this.#columns = chunk.getColumns() as unknown[][];
      this.#rows = chunk.rowCount;
      this.#index = 0;
    }
    return this.#done ? null : { columns: this.#columns, index: this.#index, rows: this.#rows };
  }

  advance(count: number): void {
    this.#index += count;
  }
}

const XML_SPECIAL = /[&<>]/;

function escapeXml(text: string): string {
  if (!XML_SPECIAL.test(text)) return text;
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Serialises rows of one plan; `styles[i]` is the style id of column i (from the template row). */
export class RowSerializer {
  readonly #letters: string[];
  readonly #styles: string[];
  readonly #plan: RecordPlan;
  readonly #localSerial: (ms: number) => number;

  constructor(plan: RecordPlan, styles: readonly (number | null)[], localSerial: (ms: number) => number) {
    this.#plan = plan;
    this.#letters = plan.columns.map((_, i) => columnLetter(i + 1));
    this.#styles = plan.columns.map((_, i) => {
      const s = styles[i];
      return s === null || s === undefined ? '' : ` s="${s}"`;
    });
    this.#localSerial = localSerial;
  }

  row(rowNumber: number, cells: readonly RecordValue[]): string {
    let xml = `<row r="${rowNumber}">`;
    const { columns } = this.#plan;
    for (let i = 0; i < cells.length; i++) {
      const value = cells[i];
      if (value === null || value === undefined || value === '') continue;
      const ref = `${this.#letters[i]}${rowNumber}`;
      const style = this.#styles[i];
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) continue;
        const n = columns[i]?.kind === 'instant' ? this.#localSerial(value) : value;
        xml += `<c r="${ref}"${style}><v>${n}</v></c>`;
      } else {
        xml += `<c r="${ref}"${style} t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`;
      }
    }
    return `${xml}</row>`;
  }
}

/** Flush to the zip about every this many characters of XML. */
const FLUSH_CHARS = 1 << 20;

/**
 * Writes up to `maxRows` rows from `cursor` as rows `firstRow`… of a sheet; returns how many it
 * wrote. `onRows` hears about each batch (progress), `signal` stops between chunks.
 */
export async function writeRecordRows(options: {
  sink: EntrySink;
  cursor: RecordCursor;
  plan: RecordPlan;
  serializer: RowSerializer;
  firstRow: number;
  maxRows: number;
  onRows?: (rows: number) => void;
  signal?: AbortSignal | undefined;
}): Promise<number> {
  const { sink, cursor, plan, serializer, firstRow, maxRows } = options;
  let written = 0;
  let buffer = '';
  while (written < maxRows) {
    options.signal?.throwIfAborted();
    const chunk = await cursor.peek();
    if (chunk === null) break;
    const take = Math.min(chunk.rows - chunk.index, maxRows - written);
    for (let k = 0; k < take; k++) {
      buffer += serializer.row(firstRow + written + k, plan.cells(chunk.columns, chunk.index + k));
      if (buffer.length >= FLUSH_CHARS) {
        await sink.write(buffer);
        buffer = '';
      }
    }
    cursor.advance(take);
    written += take;
    options.onRows?.(take);
  }
  if (buffer !== '') await sink.write(buffer);
  return written;
}
