/**
 * The generated month: `volume` records per (enterprise, month), a pure function of
 * (enterpriseId, month, seed, volume, timeZone). Only compact typed arrays are kept (12 bytes a
 * record, in CreateTime order); records.ts materialises a record's text when a page needs it.
 */
import { TZDate } from '@date-fns/tz';
import {
  ENDPOINTS,
  type Endpoint,
  FIRST_FAILURE,
  MAX_RETRY,
  Outcome,
  PUSH_TYPES,
  retryOffsetMs,
} from './catalog.js';
import { cumulative, hash32, hashString, pickIndex, Rng } from './random.js';

/** Ids are month-scoped blocks: this many per month, three per record at most. */
const IDS_PER_MONTH = 100_000_000;
export const MAX_VOLUME = 20_000_000;
const HOUR_MS = 3_600_000;

/** Relative push traffic by local hour: busy 9:00-18:00, quiet at night. */
const HOURLY = [
  0.15, 0.1, 0.08, 0.07, 0.07, 0.1, 0.2, 0.4, 0.8, 1.5, 1.8, 1.7, 1.1, 1.4, 1.8, 1.8, 1.7, 1.4, 0.9, 0.6, 0.5,
  0.4, 0.3, 0.2,
];
const WEEKEND_FACTOR = 0.5;

export interface GenerateMonthOptions {
  enterpriseId: string;
  /** yyyy-MM */
  month: string;
  seed: number;
  volume: number;
  /** zone the month's boundaries and daily rhythm are reckoned in */
  timeZone: string;
}

export interface GeneratedMonth {
  readonly enterpriseId: string;
  readonly month: string;
  readonly timeZone: string;
  /** first ms of the month in the zone */
  readonly startMs: number;
  /** last ms of the month in the zone (inclusive) */
  readonly endMs: number;
  readonly size: number;
  /** CreateTime − startMs, ascending */
  readonly createOffsets: Uint32Array;
  readonly types: Uint8Array;
  readonly outcomes: Uint8Array;
  readonly retries: Uint8Array;
  /** index into ENDPOINTS */
  readonly endpoints: Uint8Array;
  /** seed of the delivery a record belongs to (shared by its attempts) */
  readonly chainSeeds: Uint32Array;
  /** seed of attempt-level details (latency, status text) */
  readonly recordSeed: number;
  readonly idBase: number;
}

export function parseMonth(month: string): { year: number; monthIndex: number } {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(match?.[1]);
  const monthIndex = Number(match?.[2]) - 1;
  if (!match || monthIndex < 0 || monthIndex > 11) throw new RangeError(`month must be yyyy-MM: '${month}'`);
  return { year, monthIndex };
}

export function monthBounds(month: string, timeZone: string): { startMs: number; endMs: number } {
  const { year, monthIndex } = parseMonth(month);
  const startMs = new TZDate(year, monthIndex, 1, timeZone).getTime();
  const nextMs = new TZDate(year, monthIndex + 1, 1, timeZone).getTime();
  return { startMs, endMs: nextMs - 1 };
}

/** The Id of the i-th record (CreateTime order): ascending, with small gaps like a shared sequence. */
export function recordIdAt(month: GeneratedMonth, i: number): string {
  return String(month.idBase + 3 * i + (hash32(month.recordSeed, i, 0x1d) % 3));
}

export function createTimeAt(month: GeneratedMonth, i: number): number {
  return month.startMs + (month.createOffsets[i] ?? 0);
}

/** Build one month: about 0.5 s per million records (one core of the 2-core dev box). */
export function generateMonth(options: GenerateMonthOptions): GeneratedMonth {
  const { enterpriseId, month, seed, volume, timeZone } = options;
  if (!Number.isInteger(volume) || volume < 0 || volume > MAX_VOLUME) {
    throw new RangeError(`volume must be an integer in 0..${MAX_VOLUME}: ${volume}`);
  }
  const { year, monthIndex } = parseMonth(month);
  const { startMs, endMs } = monthBounds(month, timeZone);
  const spanMs = endMs + 1 - startMs;
  const monthSeed = hash32(
    seed,
    hashString(enterpriseId),
    year * 12 + monthIndex,
    volume,
    hashString(timeZone),
  );
  const rng = new Rng(monthSeed);

  const hourCdf = cumulative(hourWeights(startMs, spanMs, timeZone, rng));
  const outages = outageIntervals(spanMs, rng);
  const typeCdf = cumulative(PUSH_TYPES.map((t) => t.weight));
  const endpointCdfs = PUSH_TYPES.map((t) => cumulative(t.endpoints.map(([, w]) => w)));

  const offsets = new Uint32Array(volume);
  const types = new Uint8Array(volume);
  const outcomes = new Uint8Array(volume);
  const retries = new Uint8Array(volume);
  const endpoints = new Uint8Array(volume);
  const chainSeeds = new Uint32Array(volume);
  const attemptOutcomes = new Uint8Array(MAX_RETRY + 1);

  let count = 0;
  while (count < volume) {
    const hour = pickIndex(hourCdf, rng.next());
    let firstMs = hour * HOUR_MS + rng.int(Math.min(HOUR_MS, spanMs - hour * HOUR_MS));
    const typeIndex = pickIndex(typeCdf, rng.next());
    const type = PUSH_TYPES[typeIndex];
    const cdf = endpointCdfs[typeIndex];
    if (!type || !cdf) throw new Error('type table out of range');
    const endpointIndex = type.endpoints[pickIndex(cdf, rng.next())]?.[0] ?? 0;
    const endpoint = ENDPOINTS[endpointIndex] as Endpoint;
    const chainSeed = rng.u32();

    // A delivery is attempted until it succeeds or Retry MAX_RETRY has failed.
    let attempts = 0;
    while (attempts <= MAX_RETRY) {
      const atMs = firstMs + retryOffsetMs(chainSeed, attempts);
      const outcome = drawOutcome(rng, endpoint, inOutage(outages, atMs));
      attemptOutcomes[attempts++] = outcome;
      if (outcome < FIRST_FAILURE) break;
    }
    // Deliveries that would spill into the next month are moved back whole, so the month keeps
    // exactly `volume` records and the backoffs stay intact.
    const lastMs = firstMs + retryOffsetMs(chainSeed, attempts - 1);
    if (lastMs >= spanMs) firstMs = Math.max(0, firstMs - (lastMs - spanMs + 1) - rng.int(60_000));

    for (let r = 0; r < attempts && count < volume; r++, count++) {
      offsets[count] = Math.min(spanMs - 1, firstMs + retryOffsetMs(chainSeed, r));
      types[count] = type.code;
      outcomes[count] = attemptOutcomes[r] ?? Outcome.ok;
      retries[count] = r;
      endpoints[count] = endpointIndex;
      chainSeeds[count] = chainSeed;
    }
  }

  const order = sortByOffset(offsets, spanMs);
  return {
    enterpriseId,
    month,
    timeZone,
    startMs,
    endMs,
    size: volume,
    createOffsets: permute(offsets, order, new Uint32Array(volume)),
    types: permute(types, order, new Uint8Array(volume)),
    outcomes: permute(outcomes, order, new Uint8Array(volume)),
    retries: permute(retries, order, new Uint8Array(volume)),
    endpoints: permute(endpoints, order, new Uint8Array(volume)),
    chainSeeds: permute(chainSeeds, order, new Uint32Array(volume)),
    recordSeed: hash32(monthSeed, 0x5eed),
    idBase: ((year - 1970) * 12 + monthIndex) * IDS_PER_MONTH + 1,
  };
}

/** One weight per hour of the month: the local hour's rhythm, weekends quieter, days vary a little. */
function hourWeights(startMs: number, spanMs: number, timeZone: string, rng: Rng): number[] {
  const dayFactors = Array.from({ length: 32 }, () => 0.85 + 0.3 * rng.next());
  const campaignDay = 1 + rng.int(28);
  const weights: number[] = [];
  for (let offset = 0; offset < spanMs; offset += HOUR_MS) {
    // The middle of the step names the local hour, even in zones with a half-hour offset.
    const local = new TZDate(startMs + offset + Math.min(HOUR_MS, spanMs - offset) / 2, timeZone);
    const weekday = local.getDay();
    const day = local.getDate();
    let weight = (HOURLY[local.getHours()] ?? 1) * (dayFactors[day] ?? 1);
    if (weekday === 0 || weekday === 6) weight *= WEEKEND_FACTOR;
    else if (day === campaignDay) weight *= 1.6;
    weights.push(weight);
  }
  return weights;
}

/** A few outages of the flaky endpoint: 15 minutes to 2 hours each, mostly in working hours. */
function outageIntervals(spanMs: number, rng: Rng): Float64Array {
  const count = 4 + rng.int(3);
  const out = new Float64Array(count * 2);
  for (let k = 0; k < count; k++) {
    const day = rng.int(Math.floor(spanMs / (24 * HOUR_MS)));
    const from = day * 24 * HOUR_MS + rng.between(1, 16) * HOUR_MS + rng.int(HOUR_MS);
    out[2 * k] = from;
    out[2 * k + 1] = from + rng.between(15, 120) * 60_000;
  }
  return out;
}

function inOutage(outages: Float64Array, atMs: number): boolean {
  for (let k = 0; k < outages.length; k += 2) {
    if (atMs >= (outages[k] ?? 0) && atMs <= (outages[k + 1] ?? 0)) return true;
  }
  return false;
}

/** The outcome of one attempt; rare anomalies first, then the endpoint's own failure chance. */
function drawOutcome(rng: Rng, endpoint: Endpoint, outage: boolean): Outcome {
  const odd = rng.next();
  if (odd < 0.0004) return Outcome.okNon2xx;
  if (odd < 0.0007) return Outcome.okControlChars;
  if (odd < 0.0009) return Outcome.okClockSkew;
  if (odd < 0.0013) return Outcome.failWith2xx;
  if (odd < 0.0015) return Outcome.failLongText;
  if (odd < 0.0018) return Outcome.failControlChars;
  const failure = endpoint.flaky && outage ? 0.96 : endpoint.failure;
  if (rng.next() >= failure) return Outcome.ok;
  const kind = rng.next();
  if (outage && endpoint.flaky) {
    if (kind < 0.55) return Outcome.failHttp5xx;
    return kind < 0.7 ? Outcome.failTimeout : Outcome.failConnect;
  }
  if (kind < 0.5) return Outcome.failHttp5xx;
  if (kind < 0.65) return Outcome.failHttp4xx;
  return kind < 0.85 ? Outcome.failTimeout : Outcome.failConnect;
}

/**
 * The permutation that sorts `offsets` ascending, ties kept in generation order: a counting sort
 * on ~1 s buckets, then an insertion pass that only reorders inside a bucket. Linear, and exact
 * for any volume (a packed (time, index) float key would overflow 2^53 past ~2 M records).
 */
function sortByOffset(offsets: Uint32Array, spanMs: number): Uint32Array {
  const n = offsets.length;
  const buckets = Math.floor(spanMs / 1024) + 2;
  const starts = new Uint32Array(buckets);
  for (let i = 0; i < n; i++) {
    const b = ((offsets[i] ?? 0) >>> 10) + 1;
    starts[b] = (starts[b] ?? 0) + 1;
  }
  for (let b = 1; b < buckets; b++) starts[b] = (starts[b] ?? 0) + (starts[b - 1] ?? 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const b = (offsets[i] ?? 0) >>> 10;
    const at = starts[b] ?? 0;
    order[at] = i;
    starts[b] = at + 1;
  }
  for (let j = 1; j < n; j++) {
    const item = order[j] ?? 0;
    const key = offsets[item] ?? 0;
    let k = j - 1;
    while (k >= 0 && (offsets[order[k] ?? 0] ?? 0) > key) {
      order[k + 1] = order[k] ?? 0;
      k--;
    }
    order[k + 1] = item;
  }
  return order;
}

function permute<T extends Uint8Array | Uint32Array>(source: T, order: Uint32Array, target: T): T {
  for (let i = 0; i < order.length; i++) target[i] = source[order[i] ?? 0] ?? 0;
  return target;
}
