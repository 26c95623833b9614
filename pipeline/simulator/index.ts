/**
 * A local CloudListCurlLog server: the embedded default of `pushlog-report demo`/`simulate` and
 * the server every test talks to over real HTTP. Deterministic for a given seed; see
 * reference/cloudlistcurllog.md for the assumptions it implements.
 */
import { ConfigError } from '../errors.js';
import { MAX_VOLUME } from './dataset.js';
import { checkFaultOptions, createFaultPlanner, type FaultKind, TokenBucket } from './faults.js';
import { FileSource } from './file-source.js';
import { SimulatorServer, type SimulatorStats } from './server.js';
import { GeneratedSource, type RecordQuery, type RecordSource } from './sources.js';
import { createVerifier } from './verify-signature.js';

export { ENDPOINTS, type Endpoint, PUSH_TYPES, type PushType } from './catalog.js';
export { type GeneratedMonth, type GenerateMonthOptions, generateMonth, monthBounds } from './dataset.js';
export type { FaultKind } from './faults.js';
export { materialiseRecord, type WireRecord } from './records.js';
export { ACTION, requestIdOf, type SimulatorStats, VERSION } from './server.js';

/** The documented demo key pair the simulator accepts by default. Not a secret. */
export const DEFAULT_KEY_PAIR: { accessKeyId: string; accessKeySecret: string } = {
  accessKeyId: 'LTAI5tPushlogSimulator',
  accessKeySecret: 'pushlog-simulator-secret',
};

export interface SimulatorOptions {
  /** 0 (default) = a free port; always binds 127.0.0.1 */
  port?: number | undefined;
  /** default 1 */
  seed?: number | undefined;
  /** records in each generated (enterprise, month); default 20_000 */
  volume?: number | undefined;
  /** path of an .ndjson file: serve these wire records instead of generated ones (volume is then unused) */
  data?: string | undefined;
  /** zone of the StartTime/EndTime strings, default 'Asia/Shanghai' */
  timeZone?: string | undefined;
  /** default DEFAULT_KEY_PAIR */
  keys?: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined } | undefined;
  /** default true; false skips signature checks (unit tests of data and paging) */
  verifySignatures?: boolean | undefined;
  /** added to every answer */
  latencyMs?: number | undefined;
  /** token bucket (capacity = qpsCap, refill qpsCap/s); over it → Throttling.User */
  qpsCap?: number | undefined;
  throttleRate?: number | undefined;
  errorRate?: number | undefined;
  dropRate?: number | undefined;
  malformedRate?: number | undefined;
  /** by 1-based request number: deterministic faults for tests */
  faultScript?: Record<number, FaultKind> | undefined;
  /** the data clock: records with CreateTime > now() are not visible yet (default Date.now) */
  now?: (() => number) | undefined;
  /**
   * the clock signatures are checked against (x-acs-date, V1 Timestamp; default Date.now). Kept
   * apart from `now` so a test can freeze the data clock while clients sign with the real time.
   */
  signatureNow?: (() => number) | undefined;
}

export type SimulatorQuery = Pick<
  RecordQuery,
  'enterpriseId' | 'startMs' | 'endMs' | 'type' | 'url' | 'retry'
> & {
  result?: 0 | 1 | undefined;
};

export interface Simulator {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Stops the server and closes every connection. */
  close(): Promise<void>;
  stats(): SimulatorStats;
  /** How many records a query matches (what an extraction must find), as visible at now(). */
  countRecords(query: SimulatorQuery): number;
  /** The distinct Ids a query matches, newest first (for exactly-once checks on small months). */
  listIds(query: SimulatorQuery): string[];
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const problems = checkOptions(options);
  if (problems.length > 0) throw new ConfigError(`Invalid simulator options: ${problems.join('; ')}`);
  const seed = options.seed ?? 1;
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const now = options.now ?? Date.now;
  const source: RecordSource = options.data
    ? await FileSource.load(options.data)
    : new GeneratedSource({ seed, volume: options.volume ?? 20_000, timeZone });
  const verifier =
    options.verifySignatures === false
      ? undefined
      : createVerifier({ keys: [options.keys ?? DEFAULT_KEY_PAIR], now: options.signatureNow ?? Date.now });
  const server = new SimulatorServer({
    source,
    timeZone,
    seed,
    verifier,
    bucket: options.qpsCap === undefined ? undefined : new TokenBucket(options.qpsCap),
    planFault: createFaultPlanner({ ...options, seed }),
    latencyMs: options.latencyMs ?? 0,
    now,
  });
  let port: number;
  try {
    port = await server.listen(options.port ?? 0);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new ConfigError(`Cannot listen on 127.0.0.1:${options.port} (${code}): choose another port`, {
      cause: error,
    });
  }
  const visible = (query: SimulatorQuery): RecordQuery => ({ ...query, endMs: Math.min(query.endMs, now()) });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => server.close(),
    stats: () => server.stats(),
    countRecords: (query) => source.count(visible(query)),
    listIds: (query) => [...new Set(source.ids(visible(query)))],
  };
}

function checkOptions(options: SimulatorOptions): string[] {
  const problems = checkFaultOptions({ ...options, seed: 0 });
  const { port, seed, volume, latencyMs, qpsCap, timeZone } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    problems.push(`port must be an integer in 0..65535, got ${port}`);
  }
  if (seed !== undefined && !Number.isSafeInteger(seed))
    problems.push(`seed must be an integer, got ${seed}`);
  if (volume !== undefined && !(Number.isInteger(volume) && volume >= 0 && volume <= MAX_VOLUME)) {
    problems.push(`volume must be an integer in 0..${MAX_VOLUME}, got ${volume}`);
  }
  if (latencyMs !== undefined && !(latencyMs >= 0 && latencyMs < 600_000)) {
    problems.push(`latencyMs must be in 0..600000, got ${latencyMs}`);
  }
  if (qpsCap !== undefined && !(qpsCap > 0 && Number.isFinite(qpsCap))) {
    problems.push(`qpsCap must be a positive number, got ${qpsCap}`);
  }
  if (timeZone !== undefined && !isTimeZone(timeZone))
    problems.push(`timeZone is not a known zone: '${timeZone}'`);
  return problems;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
