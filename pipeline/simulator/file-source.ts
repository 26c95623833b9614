/**
 * Records read from an .ndjson file (one wire record per line, exactly as in Data.List), served
 * with the same filters and paging as generated ones. Each line is served verbatim, so odd values
 * (numbers where strings belong, the literal "\"\"", control characters) reach the client as written.
 *
 * Placement rules, for lines a client would quarantine:
 * - a line whose CreateTime is missing or not a number takes the CreateTime of the nearest
 *   preceding line that has one, else of the nearest following line (no such line at all: the
 *   record is in no window);
 * - order is Id descending (decimal Ids compared as integers); a line without a decimal Id takes
 *   its sort place by the same nearest-line rule, and lines with equal keys come later line first,
 *   so records without Id keep their file order relative to their neighbours.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import type { RecordQuery, RecordSource } from './sources.js';

interface FileRecord {
  /** the line as written (trimmed) */
  text: string;
  line: number;
  enterpriseId: string | undefined;
  id: string | undefined;
  createMs: number;
  type: number | undefined;
  result: number | undefined;
  retry: number | undefined;
  url: unknown;
}

export class FileSource implements RecordSource {
  /** newest first */
  readonly #records: readonly FileRecord[];

  private constructor(records: readonly FileRecord[]) {
    this.#records = records;
  }

  /** Reads and indexes the file; a line that is not a JSON object rejects with its line number. */
  static async load(path: string): Promise<FileSource> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`Cannot read simulator data file ${path}: check the --data path`, {
        cause: error,
      });
    }
    return FileSource.parse(text, path);
  }

  static parse(text: string, path = '<data>'): FileSource {
    const records: FileRecord[] = [];
    const createTimes: (number | undefined)[] = [];
    const idKeys: (bigint | undefined)[] = [];
    text.split('\n').forEach((raw, index) => {
      const line = raw.trim();
      if (line === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new ConfigError(`${path} line ${index + 1}: not valid JSON (${(error as Error).message})`, {
          cause: error,
        });
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ConfigError(`${path} line ${index + 1}: not a JSON object`);
      }
      const record = value as Record<string, unknown>;
      const id = scalarText(record.Id);
      createTimes.push(numberOf(record.CreateTime));
      idKeys.push(id !== undefined && /^\d+$/.test(id.trim()) ? BigInt(id.trim()) : undefined);
      records.push({
        text: line,
        line: index + 1,
        enterpriseId: scalarText(record.EnterpriseId),
        id: id === '' ? undefined : id,
        createMs: Number.NaN,
        type: integerOf(record.Type),
        result: integerOf(record.Result),
        retry: integerOf(record.Retry),
        url: record.Url,
      });
    });
    const times = fillFromNeighbours(createTimes, Number.NaN);
    const keys = fillFromNeighbours(idKeys, 0n);
    const order = records.map((_, k) => k);
    order.sort((a, b) => {
      const ka = keys[a] ?? 0n;
      const kb = keys[b] ?? 0n;
      if (ka !== kb) return ka > kb ? -1 : 1;
      return b - a;
    });
    return new FileSource(
      order.map((k) => ({ ...(records[k] as FileRecord), createMs: times[k] ?? Number.NaN })),
    );
  }

  page(query: RecordQuery, offset: number, limit: number): string[] {
    return this.#matching(query)
      .slice(offset, offset + limit)
      .map((r) => r.text);
  }

  count(query: RecordQuery): number {
    return this.#matching(query).length;
  }

  ids(query: RecordQuery): string[] {
    const seen = new Set<string>();
    for (const record of this.#matching(query)) if (record.id !== undefined) seen.add(record.id);
    return [...seen];
  }

  #matching(query: RecordQuery): FileRecord[] {
    const retry = query.retry === -2 ? undefined : query.retry;
    return this.#records.filter(
      (r) =>
        r.enterpriseId === query.enterpriseId &&
        r.createMs >= query.startMs &&
        r.createMs <= query.endMs &&
        (query.type === undefined || r.type === query.type) &&
        (query.result === undefined || r.result === query.result) &&
        (retry === undefined || r.retry === retry) &&
        (query.url === undefined || r.url === query.url),
    );
  }
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A number, or a string holding one (spaces ignored); anything else is undefined. */
function numberOf(value: unknown): number | undefined {
  const text = scalarText(value)?.trim();
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function integerOf(value: unknown): number | undefined {
  const n = numberOf(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

/** Each hole takes the nearest preceding value, else the nearest following one, else `none`. */
function fillFromNeighbours<T>(values: readonly (T | undefined)[], none: T): T[] {
  const out: T[] = [];
  let previous: T | undefined;
  for (const value of values) {
    if (value !== undefined) previous = value;
    out.push(previous as T);
  }
  let next: T | undefined;
  for (let k = values.length - 1; k >= 0; k--) {
    const value = values[k];
    if (value !== undefined) next = value;
    if (out[k] === undefined) out[k] = next ?? none;
  }
  return out;
}
