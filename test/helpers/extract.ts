/**
 * Test helpers for extraction suites: a temp folder per test, extraction options with a fast retry
 * policy, reading a month's staging store, the simulator as oracle, a small HTTP proxy that can
 * fail or hold chosen requests, and a child-process entry point for kill tests.
 *
 * Run directly (`node --import tsx test/helpers/extract.ts`), this file is that child: it runs one
 * extraction from the JSON in PUSHLOG_CHILD and prints one line per window-done event.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PipelineEvent } from '../../pipeline/events.js';
import { type ExtractOptions, extractMonth, monthDir } from '../../pipeline/extract/index.js';
import { Landing } from '../../pipeline/extract/landing.js';
import { DEFAULT_KEY_PAIR, monthBounds, type Simulator } from '../../pipeline/simulator/index.js';
import { StagingStore } from '../../pipeline/store/staging.js';

export const ZONE = 'Asia/Shanghai';
export const ENTERPRISE = '7122600';
export const MONTH = '2026-04';
/** A clock well after April 2026 (Asia/Shanghai), so that month is final. */
export const AFTER_APRIL = new Date(Date.UTC(2026, 5, 1));
export const FAST_RETRY = { retries: 8, baseDelayMs: 1, maxDelayMs: 20, maxRetryAfterMs: 20 } as const;

/** test/fixtures/bad-records.ndjson: served with the simulator's --data, for quarantine suites. */
export const BAD_FIXTURE = fileURLToPath(new URL('../fixtures/bad-records.ndjson', import.meta.url));
/** The Ids of that fixture which stay in April's population (the rest is quarantined or elsewhere). */
export const BAD_FIXTURE_VALID_IDS = [
  '12715',
  '12716',
  '12717',
  '12723',
  '12726',
  '12727',
  '12728',
  '12730',
  '12731',
  '12732',
  '12733',
  '12734',
  '12735',
];

/** A fresh folder under the OS temp dir; remove it with `removeTempDir`. */
export function makeTempDir(prefix = 'pushlog-extract-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Options for April 2026 of ENTERPRISE against `endpoint`, fast retries, QPS 1000; `overrides` win. */
export function extractOptions(
  endpoint: string,
  outDir: string,
  overrides: Partial<ExtractOptions> = {},
): ExtractOptions {
  return {
    enterpriseId: ENTERPRISE,
    month: MONTH,
    timeZone: ZONE,
    outDir,
    endpoint,
    credentials: DEFAULT_KEY_PAIR,
    qps: 1000,
    retryPolicy: { ...FAST_RETRY },
    now: () => AFTER_APRIL,
    ...overrides,
  };
}

export function storePath(outDir: string, month = MONTH): string {
  return join(monthDir(outDir, ENTERPRISE, month), 'staging.duckdb');
}

export function landingPath(outDir: string, month = MONTH): string {
  return join(monthDir(outDir, ENTERPRISE, month), 'landing');
}

/** Opens the month's store, runs `read`, and always closes it (DuckDB holds a file lock). */
export async function withStore<T>(outDir: string, read: (store: StagingStore) => Promise<T>): Promise<T> {
  const store = await StagingStore.open(storePath(outDir));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

export { column, scalar } from './duckdb.js';

export interface WindowRow {
  id: string;
  parent_id: string | null;
  kind: string;
  state: string;
  start_ms: number;
  end_ms: number;
  start_local: string;
  end_local: string;
  pages: number;
  rows: number;
  requests: number;
}

export async function windowRows(store: StagingStore): Promise<WindowRow[]> {
  const rows = await store.query(
    'SELECT id, parent_id, kind, state, start_ms, end_ms, start_local, end_local, pages, rows, requests FROM windows ORDER BY start_ms, id',
  );
  return rows.map((r) => ({
    id: String(r.id),
    parent_id: r.parent_id === null ? null : String(r.parent_id),
    kind: String(r.kind),
    state: String(r.state),
    start_ms: Number(r.start_ms),
    end_ms: Number(r.end_ms),
    start_local: String(r.start_local),
    end_local: String(r.end_local),
    pages: Number(r.pages),
    rows: Number(r.rows),
    requests: Number(r.requests),
  }));
}

/** The oracle's query for the whole of April (or up to `endMs`) with optional filters. */
export function aprilQuery(filters: { type?: number; result?: 0 | 1 } = {}, endMs?: number) {
  const bounds = monthBounds(MONTH, ZONE);
  return { enterpriseId: ENTERPRISE, startMs: bounds.startMs, endMs: endMs ?? bounds.endMs, ...filters };
}

export function oracleIds(sim: Simulator, query: ReturnType<typeof aprilQuery>): string[] {
  return sim.listIds(query).sort();
}

/**
 * Ids in `actual` but not `expected` and the reverse, at most 10 of each: an exactly-once check
 * whose failure reads well even for 30k Ids.
 */
export function diffIds(actual: readonly string[], expected: readonly string[]) {
  const want = new Set(expected);
  const got = new Set(actual);
  return {
    missing: expected.filter((id) => !got.has(id)).slice(0, 10),
    extra: actual.filter((id) => !want.has(id)).slice(0, 10),
  };
}

/** Files left under `dir` (recursively); none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Records every event; `ofType` filters them, `on` reacts to each as it arrives. */
export function eventLog() {
  const events: PipelineEvent[] = [];
  const listeners: ((event: PipelineEvent) => void)[] = [];
  return {
    events,
    sink: (event: PipelineEvent) => {
      events.push(event);
      for (const listener of listeners) listener(event);
    },
    on: (listener: (event: PipelineEvent) => void) => listeners.push(listener),
    ofType: <T extends PipelineEvent['type']>(type: T) =>
      events.filter((e): e is Extract<PipelineEvent, { type: T }> => e.type === type),
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The business parameters of one CloudListCurlLog request seen by the proxy. */
export interface ProxiedRequest {
  startTime: string;
  endTime: string;
  start: number;
}

/** forward it; answer it with this status and body; or hold it until the client gives up. */
export type ProxyDecision = 'forward' | 'hold' | { status: number; body: string };

export interface TestProxy {
  url: string;
  /** every request received, in arrival order */
  requests: ProxiedRequest[];
  /** replaces the decision function */
  decide(decision: (request: ProxiedRequest) => ProxyDecision): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1:0 in front of `target` that sees each request's StartTime, EndTime and
 * Start: the extractor's windows are invisible to the simulator's fault script (which counts
 * requests), so this is how a test fails or stalls one chosen window. Forwarded requests keep their
 * headers, Host included, so their V3 signatures still verify at the simulator.
 */
export async function startProxy(
  target: string,
  decision: (request: ProxiedRequest) => ProxyDecision = () => 'forward',
): Promise<TestProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const requests: ProxiedRequest[] = [];
  let decide = decision;
  const server = createServer((req, res) => {
    const params = new URL(req.url ?? '/', 'http://proxy').searchParams;
    const seen: ProxiedRequest = {
      startTime: params.get('StartTime') ?? '',
      endTime: params.get('EndTime') ?? '',
      start: Number(params.get('Start') ?? 0),
    };
    requests.push(seen);
    const verdict = decide(seen);
    if (verdict === 'hold') {
      // No answer: the client's abort or timeout closes the socket, and close() ends the rest.
      req.resume();
      return;
    }
    if (verdict !== 'forward') {
      req.resume();
      res.writeHead(verdict.status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(verdict.body);
      return;
    }
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    decide: (next) => {
      decide = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };
}

/** An Alibaba-style 503 body, as the gateway sends when a backend is down. */
export const UNAVAILABLE_BODY = JSON.stringify({
  RequestId: '00000000-0000-0000-0000-000000000503',
  HostId: 'dyvmsapi.aliyuncs.com',
  Code: 'ServiceUnavailable',
  Message: 'The request has failed due to a temporary failure of the server.',
});

/** What the kill tests pass to the child through PUSHLOG_CHILD. */
export interface ChildConfig {
  endpoint: string;
  outDir: string;
  pageSize: number;
  concurrency: number;
  /**
   * SIGKILL itself on the first landing removal after a window's checkpoint committed: the one
   * moment a plain kill can hit but rarely does.
   */
  dieBeforeLandingRemoval?: boolean;
}

export const CHILD_SCRIPT = fileURLToPath(import.meta.url);

export interface ChildRun {
  /** resolves with the next stdout line, or null once stdout has ended */
  nextLine(): Promise<string | null>;
  kill(): void;
  /** how the child ended: its exit code, or the signal that killed it */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts this file as a child process running one extraction (see runChild). */
export function spawnChild(config: ChildConfig): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, PUSHLOG_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    nextLine: async () => {
      const next = await lines.next();
      return next.done ? null : next.value;
    },
    kill: () => child.kill('SIGKILL'),
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
    }),
  };
}

/** Child lines on stdout: `window-done <id>` after each checkpoint, `finished <rows>` at the end. */
async function runChild(config: ChildConfig): Promise<void> {
  let armed = false;
  if (config.dieBeforeLandingRemoval) {
    // The extractor removes landing dirs of pending windows before 'extract-planned', and a
    // window's dir right after its checkpoint commits: the first removal after planning is the latter.
    const remove = Landing.prototype.removeWindow;
    Landing.prototype.removeWindow = function (this: Landing, windowId: string) {
      if (armed) process.kill(process.pid, 'SIGKILL');
      return remove.call(this, windowId);
    };
  }
  const summary = await extractMonth(
    extractOptions(config.endpoint, config.outDir, {
      pageSize: config.pageSize,
      concurrency: config.concurrency,
      onEvent: (event) => {
        if (event.type === 'extract-planned') armed = true;
        if (event.type === 'window-done') process.stdout.write(`window-done ${event.windowId}\n`);
      },
    }),
  );
  process.stdout.write(`finished ${summary.rows}\n`);
}

if (process.argv[1] === CHILD_SCRIPT && process.env.PUSHLOG_CHILD) {
  runChild(JSON.parse(process.env.PUSHLOG_CHILD) as ChildConfig).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

/** mulberry32: a small seeded PRNG in [0, 1), so random kill points can be replayed from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
