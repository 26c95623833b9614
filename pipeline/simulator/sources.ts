/**
 * Where the simulator's records come from, behind one query interface: generated months
 * (GeneratedSource) or an .ndjson file (file-source.ts). Both answer the same RecordQuery the
 * server builds from the request parameters, newest first.
 */
import { TZDate } from '@date-fns/tz';
import { ENDPOINTS, FIRST_FAILURE } from './catalog.js';
import { type GeneratedMonth, generateMonth, recordIdAt } from './dataset.js';
import { materialiseRecord } from './records.js';

export interface RecordQuery {
  enterpriseId: string;
  /** window on CreateTime, epoch ms, both ends inclusive */
  startMs: number;
  endMs: number;
  type?: number | undefined;
  /** 1 success, 0 failure */
  result?: number | undefined;
  /** exact match on Url */
  url?: string | undefined;
  /** -2 or absent: every attempt; n ≥ 0: attempts whose Retry is n */
  retry?: number | undefined;
}

export interface RecordSource {
  /** JSON texts of the matching records, newest first (Id descending), from `offset` */
  page(query: RecordQuery, offset: number, limit: number): string[];
  count(query: RecordQuery): number;
  /** Ids of the matching records, newest first */
  ids(query: RecordQuery): string[];
}

export interface GeneratedSourceOptions {
  seed: number;
  volume: number;
  timeZone: string;
  /** how many generated months to keep, default 4 */
  cacheMonths?: number;
}

/** The indexes [lo, hi) of `month`, or of `month` through a filtered index list. */
interface Segment {
  month: GeneratedMonth;
  selection: Uint32Array | undefined;
  lo: number;
  hi: number;
}

const CACHED_SELECTIONS = 16;

export class GeneratedSource implements RecordSource {
  readonly #options: GeneratedSourceOptions;
  readonly #months = new Map<string, GeneratedMonth>();
  readonly #selections = new Map<string, Uint32Array>();

  constructor(options: GeneratedSourceOptions) {
    this.#options = options;
  }

  /** The generated month, built on first use and kept in a small LRU cache. */
  month(enterpriseId: string, month: string): GeneratedMonth {
    const key = `${enterpriseId}|${month}`;
    const cached = this.#months.get(key);
    if (cached) {
      this.#months.delete(key);
      this.#months.set(key, cached);
      return cached;
    }
    const { seed, volume, timeZone } = this.#options;
    const built = generateMonth({ enterpriseId, month, seed, volume, timeZone });
    this.#months.set(key, built);
    evictOldest(this.#months, this.#options.cacheMonths ?? 4);
    return built;
  }

  page(query: RecordQuery, offset: number, limit: number): string[] {
    const out: string[] = [];
    let skip = offset;
    for (const segment of this.#segments(query)) {
      const size = segment.hi - segment.lo;
      if (skip >= size) {
        skip -= size;
        continue;
      }
      // Newest first: walk each segment from its top down.
      for (let k = segment.hi - 1 - skip; k >= segment.lo && out.length < limit; k--) {
        const i = segment.selection ? (segment.selection[k] ?? 0) : k;
        out.push(JSON.stringify(materialiseRecord(segment.month, i)));
      }
      skip = 0;
      if (out.length >= limit) break;
    }
    return out;
  }

  count(query: RecordQuery): number {
    let total = 0;
    for (const segment of this.#segments(query)) total += segment.hi - segment.lo;
    return total;
  }

  ids(query: RecordQuery): string[] {
    const out: string[] = [];
    for (const { month, selection, lo, hi } of this.#segments(query)) {
      for (let k = hi - 1; k >= lo; k--) out.push(recordIdAt(month, selection ? (selection[k] ?? 0) : k));
    }
    return out;
  }

  #segments(query: RecordQuery): Segment[] {
    if (!(query.endMs >= query.startMs)) return [];
    const segments: Segment[] = [];
    for (const name of monthsCovering(query.startMs, query.endMs, this.#options.timeZone)) {
      const month = this.month(query.enterpriseId, name);
      const from = query.startMs - month.startMs;
      const to = query.endMs - month.startMs;
      const selection = this.#selection(month, query);
      const at = selection
        ? (k: number) => month.createOffsets[selection[k] ?? 0] ?? 0
        : (k: number) => month.createOffsets[k] ?? 0;
      const length = selection ? selection.length : month.size;
      const lo = lowerBound(length, at, from);
      const hi = lowerBound(length, at, to + 1);
      if (hi > lo) segments.push({ month, selection, lo, hi });
    }
    return segments;
  }

  /** Indexes of the month's records that pass the query's filters; undefined when none is set. */
  #selection(month: GeneratedMonth, query: RecordQuery): Uint32Array | undefined {
    const { type, result, url } = query;
    const retry = query.retry === -2 ? undefined : query.retry;
    if (type === undefined && result === undefined && url === undefined && retry === undefined)
      return undefined;
    const key = `${month.enterpriseId}|${month.month}|${type}|${result}|${retry}|${url}`;
    const cached = this.#selections.get(key);
    if (cached) return cached;
    const endpointOk = ENDPOINTS.map((e) => url === undefined || e.url === url);
    const picked = new Uint32Array(month.size);
    let n = 0;
    for (let i = 0; i < month.size; i++) {
      if (type !== undefined && month.types[i] !== type) continue;
      if (retry !== undefined && month.retries[i] !== retry) continue;
      if (!endpointOk[month.endpoints[i] ?? 0]) continue;
      if (result !== undefined && ((month.outcomes[i] ?? 0) < FIRST_FAILURE ? 1 : 0) !== result) continue;
      picked[n++] = i;
    }
    const selection = picked.slice(0, n);
    this.#selections.set(key, selection);
    evictOldest(this.#selections, CACHED_SELECTIONS);
    return selection;
  }
}

/** The yyyy-MM months (in the zone) that [startMs, endMs] touches, newest first. */
export function monthsCovering(startMs: number, endMs: number, timeZone: string): string[] {
  const first = new TZDate(startMs, timeZone);
  const last = new TZDate(endMs, timeZone);
  const out: string[] = [];
  let year = last.getFullYear();
  let month = last.getMonth();
  while (year > first.getFullYear() || (year === first.getFullYear() && month >= first.getMonth())) {
    out.push(`${year}-${String(month + 1).padStart(2, '0')}`);
    month--;
    if (month < 0) {
      month = 11;
      year--;
    }
  }
  return out;
}

/** The first k in [0, length) with at(k) >= target (at is ascending). */
function lowerBound(length: number, at: (k: number) => number, target: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(mid) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function evictOldest<V>(cache: Map<string, V>, capacity: number): void {
  while (cache.size > capacity) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) return;
    cache.delete(oldest);
  }
}
