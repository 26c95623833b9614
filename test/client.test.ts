// CurlLogClient against the simulator over real HTTP on 127.0.0.1:0 (signing, paging, every error
// class, retries, timeouts, abort), plus checkPage / classifyApiCode / businessParams as unit tests.
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ApiError, isRetryable, PipelineError, TransientError } from '../pipeline/errors.js';
import { classifyApiCode } from '../pipeline/extract/api-errors.js';
import {
  businessParams,
  type ClientOptions,
  CurlLogClient,
  checkPage,
  type PageQuery,
  type SignatureVersion,
} from '../pipeline/extract/client.js';
import {
  abortableSleep,
  backoffDelayMs,
  type RetryDeps,
  type RetryPolicy,
} from '../pipeline/extract/retry.js';
import { createFaultPlanner, type FaultKind } from '../pipeline/simulator/faults.js';
import {
  DEFAULT_KEY_PAIR,
  requestIdOf,
  type Simulator,
  type SimulatorOptions,
  type WireRecord,
} from '../pipeline/simulator/index.js';
import { callSimulator, startTestSimulator } from './helpers/simulator.js';

const SEED = 11;
const ENTERPRISE = '7122600';
// 2026-04-01 in Asia/Shanghai (UTC+8), both ends inclusive.
const DAY_START_MS = Date.UTC(2026, 2, 31, 16);
const DAY_END_MS = DAY_START_MS + 86_400_000 - 1;
// The data clock is frozen after April so the month is closed and counts never move.
const DATA_NOW_MS = Date.UTC(2026, 5, 1);
const QUERY: PageQuery = {
  enterpriseId: ENTERPRISE,
  startTime: '2026-04-01 00:00:00',
  endTime: '2026-04-01 23:59:59',
  start: 0,
  limit: 500,
};
const NO_WAIT: RetryDeps = { sleep: async () => {}, random: () => 0.5 };
const POLICY: RetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
const STS_KEYS = {
  accessKeyId: 'STS.NUpushlogTemporary',
  accessKeySecret: 'sts-temporary-secret-4f1c',
  securityToken: 'CAIS-sts-security-token-9a8b7c',
};

interface WirePage {
  RequestId: string;
  Code: string;
  Data: { List: WireRecord[] };
}

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startTestSimulator({ seed: SEED, volume: 3_000, now: () => DATA_NOW_MS, ...options });
  onTestFinished(() => sim.close());
  return sim;
}

function client(endpoint: string, options: Partial<ClientOptions> = {}): CurlLogClient {
  const created = new CurlLogClient({
    endpoint,
    credentials: DEFAULT_KEY_PAIR,
    signatureVersion: 'v3',
    timeoutMs: 5_000,
    connections: 2,
    retryPolicy: POLICY,
    retryDeps: NO_WAIT,
    ...options,
  });
  onTestFinished(() => created.close());
  return created;
}

/** Every retry the client schedules: (attempt, delay, error). */
function recordRetries() {
  const calls: { attempt: number; delayMs: number; error: unknown }[] = [];
  return {
    calls,
    onRetry: (attempt: number, delayMs: number, error: unknown) => {
      calls.push({ attempt, delayMs, error });
    },
  };
}

function dayCount(sim: Simulator): number {
  return sim.countRecords({ enterpriseId: ENTERPRISE, startMs: DAY_START_MS, endMs: DAY_END_MS });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** What a person reads: one line, the host, and the hint of what to look at. */
function expectOneLine(error: unknown, host: string, hint: string | RegExp): void {
  expect(error).toBeInstanceOf(PipelineError);
  const { message } = error as Error;
  expect(message).not.toMatch(/[\r\n]/);
  expect(message).toContain(host);
  if (typeof hint === 'string') expect(message).toContain(hint);
  else expect(message).toMatch(hint);
}

/** The full text an accidental console.error / JSON log would show, cause chain included. */
function everythingPrintable(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    parts.push(String(e), (e as Error).message ?? '', inspect(e, { depth: 5 }), JSON.stringify(e) ?? '');
    if (!(e instanceof Error)) break;
  }
  return parts.join('\n');
}

/** A port nothing listens on: bind port 0, read the port, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each<SignatureVersion>(['v3', 'v1'])('fetchPage with signature %s', (signatureVersion) => {
  it('fetches the first page of a generated day: raw body, record count, min CreateTime', async () => {
    const sim = await simulator();
    const page = await client(sim.url, { signatureVersion }).fetchPage(QUERY);

    const expected = dayCount(sim);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(500);
    expect(page.records).toBe(expected);
    expect(page.attempts).toBe(1);
    expect(page.requestId).toBe(requestIdOf(SEED, 1));

    // The body is the bytes the server sent: the same page a second caller gets, RequestId aside.
    expect(Buffer.isBuffer(page.body)).toBe(true);
    const again = await callSimulator(sim, { ...businessParams(QUERY) });
    expect(page.body.toString('utf8')).toBe(again.text.replace(requestIdOf(SEED, 2), page.requestId));

    const list = (JSON.parse(page.body.toString('utf8')) as WirePage).Data.List;
    expect(list).toHaveLength(expected);
    expect(page.minCreateTimeMs).toBe(Math.min(...list.map((r) => Number(r.CreateTime))));
    expect(page.minCreateTimeMs).toBeGreaterThanOrEqual(DAY_START_MS);
    expect(sim.stats().served).toBe(2);
  });

  it('caps a busy day at Limit 500', async () => {
    const sim = await simulator({ volume: 60_000 });
    expect(dayCount(sim)).toBeGreaterThan(500);
    const page = await client(sim.url, { signatureVersion }).fetchPage(QUERY);
    expect(page.records).toBe(500);
    const list = (JSON.parse(page.body.toString('utf8')) as WirePage).Data.List;
    expect(page.minCreateTimeMs).toBe(Math.min(...list.map((r) => Number(r.CreateTime))));
  });

  it('reads a later offset: the short last page', async () => {
    const sim = await simulator();
    const total = dayCount(sim);
    const page = await client(sim.url, { signatureVersion }).fetchPage({ ...QUERY, start: total - 7 });
    expect(page.records).toBe(7);
  });

  it('works with STS credentials (AccessKey + SecurityToken)', async () => {
    const sim = await simulator({ keys: STS_KEYS });
    const page = await client(sim.url, { signatureVersion, credentials: STS_KEYS }).fetchPage(QUERY);
    expect(page.records).toBe(dayCount(sim));
  });

  it('signs every attempt afresh: a retry after a throttle is not refused as a replayed nonce', async () => {
    const sim = await simulator({ faultScript: { 1: 'throttle', 2: 'throttle' } });
    const page = await client(sim.url, { signatureVersion }).fetchPage(QUERY);
    expect(page.attempts).toBe(3);
    expect(sim.stats().rejected).toBe(0);
  });
});

describe('authentication errors: fatal, one request, no secret in sight', () => {
  it.each<SignatureVersion>(['v3', 'v1'])(
    'a wrong secret (%s) is EXTRACT_AUTH SignatureDoesNotMatch after exactly one request',
    async (signatureVersion) => {
      const sim = await simulator();
      const wrong = { accessKeyId: DEFAULT_KEY_PAIR.accessKeyId, accessKeySecret: 'wrong-secret-7d3e91' };
      const retries = recordRetries();
      const api = client(sim.url, { signatureVersion, credentials: wrong, onRetry: retries.onRetry });
      const error = await rejection(api.fetchPage(QUERY));

      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({
        code: 'EXTRACT_AUTH',
        apiCode: 'SignatureDoesNotMatch',
        requestId: requestIdOf(SEED, 1),
        httpStatus: 400,
        retryable: false,
      });
      expectOneLine(error, api.host, 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
      expect((error as Error).message).toContain(requestIdOf(SEED, 1));
      // V1 mismatch messages echo the server's string-to-sign: it must not reach our message.
      expect((error as Error).message).not.toContain('does not match our calculation');
      expect(sim.stats().requests).toBe(1);
      expect(api.requests).toBe(1);
      expect(retries.calls).toEqual([]);

      for (const text of [(error as Error).message, String(error)]) {
        expect(text).not.toContain(wrong.accessKeySecret);
        expect(text).not.toContain(DEFAULT_KEY_PAIR.accessKeySecret);
      }
      expect(everythingPrintable(error)).not.toContain(wrong.accessKeySecret);
    },
  );

  it.each<SignatureVersion>(['v3', 'v1'])(
    'an unknown AccessKeyId (%s) is EXTRACT_AUTH InvalidAccessKeyId.NotFound',
    async (signatureVersion) => {
      const sim = await simulator();
      const unknown = { accessKeyId: 'LTAI5tNobodyKnowsMe', accessKeySecret: 'unknown-key-secret-51ab' };
      const api = client(sim.url, { signatureVersion, credentials: unknown });
      const error = await rejection(api.fetchPage(QUERY));

      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({
        code: 'EXTRACT_AUTH',
        apiCode: 'InvalidAccessKeyId.NotFound',
        requestId: requestIdOf(SEED, 1),
        httpStatus: 404,
        retryable: false,
      });
      expectOneLine(error, api.host, 'ALIBABA_CLOUD_ACCESS_KEY_ID');
      expect(sim.stats().requests).toBe(1);
      expect(String(error)).not.toContain(unknown.accessKeySecret);
      expect(everythingPrintable(error)).not.toContain(unknown.accessKeySecret);
    },
  );

  it.each<SignatureVersion>(['v3', 'v1'])(
    'an STS key without its token, or with a wrong token (%s), is EXTRACT_AUTH naming the token variable',
    async (signatureVersion) => {
      const sim = await simulator({ keys: STS_KEYS });
      const { securityToken: _token, ...withoutToken } = STS_KEYS;
      const missing = await rejection(
        client(sim.url, { signatureVersion, credentials: withoutToken }).fetchPage(QUERY),
      );
      expect(missing).toMatchObject({
        code: 'EXTRACT_AUTH',
        apiCode: 'MissingSecurityToken',
        retryable: false,
      });
      expectOneLine(missing, new URL(sim.url).host, 'ALIBABA_CLOUD_SECURITY_TOKEN');

      const wrongToken = { ...STS_KEYS, securityToken: 'CAIS-some-other-token-0000' };
      const mismatch = await rejection(
        client(sim.url, { signatureVersion, credentials: wrongToken }).fetchPage(QUERY),
      );
      expect(mismatch).toMatchObject({
        code: 'EXTRACT_AUTH',
        apiCode: 'InvalidSecurityToken.MismatchWithAccessKey',
        requestId: requestIdOf(SEED, 2),
        retryable: false,
      });
      expectOneLine(mismatch, new URL(sim.url).host, 'ALIBABA_CLOUD_SECURITY_TOKEN');
      expect(sim.stats().requests).toBe(2);
      for (const secret of [STS_KEYS.accessKeySecret, STS_KEYS.securityToken, wrongToken.securityToken]) {
        expect(String(missing)).not.toContain(secret);
        expect(String(mismatch)).not.toContain(secret);
      }
    },
  );

  it('a signing clock 20 minutes off is EXTRACT_AUTH InvalidTimeStamp.Expired naming the clock', async () => {
    const sim = await simulator();
    const api = client(sim.url, { now: () => Date.now() - 20 * 60_000 });
    const error = await rejection(api.fetchPage(QUERY));
    expect(error).toMatchObject({
      code: 'EXTRACT_AUTH',
      apiCode: 'InvalidTimeStamp.Expired',
      retryable: false,
    });
    expectOneLine(error, api.host, 'clock');
    expect(sim.stats().requests).toBe(1);
  });
});

describe('parameter errors: HTTP 200 business errors, not retried', () => {
  it.each([
    ['Limit 0', { ...QUERY, limit: 0 }, 'Limit'],
    ['an EndTime in the next month', { ...QUERY, endTime: '2026-05-01 00:00:00' }, 'EndTime'],
  ])('%s is EXTRACT_PARAMETER isv.INVALID_PARAMETERS after one request', async (_name, query, param) => {
    const sim = await simulator();
    const retries = recordRetries();
    const api = client(sim.url, { onRetry: retries.onRetry });
    const error = await rejection(api.fetchPage(query));

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'EXTRACT_PARAMETER',
      apiCode: 'isv.INVALID_PARAMETERS',
      requestId: requestIdOf(SEED, 1),
      httpStatus: 200,
      retryable: false,
    });
    expectOneLine(error, api.host, 'check the parameters');
    expect((error as Error).message).toContain(param);
    expect(sim.stats().requests).toBe(1);
    expect(sim.stats().invalid).toBe(1);
    expect(retries.calls).toEqual([]);
  });
});

describe('retryable faults: retried, then the page', () => {
  it.each<[FaultKind, string, string | undefined]>([
    ['throttle', 'EXTRACT_THROTTLED', 'Throttling.User'],
    ['error', 'EXTRACT_SERVER', 'ServiceUnavailable'],
    ['malformed', 'EXTRACT_BAD_PAGE', undefined],
  ])('fault %s on request 1 → %s, then success on attempt 2', async (kind, code, apiCode) => {
    const sim = await simulator({ faultScript: { 1: kind } });
    const retries = recordRetries();
    const api = client(sim.url, { onRetry: retries.onRetry });
    const page = await api.fetchPage(QUERY);

    expect(page.attempts).toBe(2);
    expect(page.records).toBe(dayCount(sim));
    expect(page.requestId).toBe(requestIdOf(SEED, 2));
    expect(sim.stats().requests).toBe(2);
    expect(sim.stats().faults[kind]).toBe(1);
    expect(retries.calls).toHaveLength(1);
    const [retry] = retries.calls;
    expect(retry?.attempt).toBe(1);
    expect(retry?.delayMs).toBe(50);
    expect(retry?.error).toMatchObject({ code });
    expect(isRetryable(retry?.error)).toBe(true);
    if (apiCode === undefined) {
      expect(retry?.error).toBeInstanceOf(TransientError);
    } else {
      expect(retry?.error).toBeInstanceOf(ApiError);
      expect(retry?.error).toMatchObject({ apiCode, requestId: requestIdOf(SEED, 1), retryable: true });
    }
    expectOneLine(retry?.error, api.host, code === 'EXTRACT_BAD_PAGE' ? 'not JSON' : (apiCode ?? ''));
  });

  // The drop fault closes either before any byte or mid-body; pick a seed for each.
  it.each([true, false])(
    'a dropped connection (before any byte: %s) is EXTRACT_NETWORK, retried',
    async (early) => {
      let seed = 1;
      while (createFaultPlanner({ seed, faultScript: { 1: 'drop' } })(1).dropEarly !== early) seed++;
      const sim = await simulator({ seed, faultScript: { 1: 'drop' } });
      const retries = recordRetries();
      const api = client(sim.url, { onRetry: retries.onRetry });
      const page = await api.fetchPage(QUERY);

      expect(page.attempts).toBe(2);
      expect(page.records).toBe(dayCount(sim));
      expect(sim.stats().requests).toBe(2);
      expect(retries.calls.map((c) => c.attempt)).toEqual([1]);
      expect(retries.calls[0]?.error).toBeInstanceOf(TransientError);
      expect(retries.calls[0]?.error).toMatchObject({ code: 'EXTRACT_NETWORK' });
      expectOneLine(retries.calls[0]?.error, api.host, `POST ${sim.url}/`);
    },
  );

  it('503 then 500: both server errors retried, attempts counted', async () => {
    const sim = await simulator({ faultScript: { 1: 'error', 2: 'error' } });
    const retries = recordRetries();
    const page = await client(sim.url, { onRetry: retries.onRetry }).fetchPage(QUERY);
    expect(page.attempts).toBe(3);
    expect(
      retries.calls.map((c) => [c.attempt, (c.error as ApiError).apiCode, (c.error as ApiError).httpStatus]),
    ).toEqual([
      [1, 'ServiceUnavailable', 503],
      [2, 'InternalError', 500],
    ]);
  });

  it('the QPS cap (Throttling.User) is retried like a throttle fault', async () => {
    const sim = await simulator({ qpsCap: 1 });
    const retries = recordRetries();
    const api = client(sim.url, {
      onRetry: retries.onRetry,
      retryDeps: { sleep: (ms, signal) => abortableSleep(ms, signal), random: () => 0.5 },
      retryPolicy: { ...POLICY, retries: 5, baseDelayMs: 1_000, maxDelayMs: 1_500 },
    });
    await api.fetchPage(QUERY);
    const second = await api.fetchPage(QUERY);
    expect(second.attempts).toBeGreaterThan(1);
    expect(sim.stats().capped).toBe(second.attempts - 1);
    expect(retries.calls.every((c) => (c.error as ApiError).code === 'EXTRACT_THROTTLED')).toBe(true);
  });
});

describe('giving up', () => {
  it('all attempts failing → EXTRACT_RETRIES_EXHAUSTED after retries + 1 requests, last error as cause', async () => {
    const sim = await simulator({ faultScript: { 1: 'error', 2: 'error', 3: 'error' } });
    const retries = recordRetries();
    const api = client(sim.url, { onRetry: retries.onRetry });
    const error = await rejection(api.fetchPage(QUERY));

    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
    expect(isRetryable(error)).toBe(false);
    expect(sim.stats().requests).toBe(POLICY.retries + 1);
    expect(api.requests).toBe(POLICY.retries + 1);
    expect(retries.calls.map((c) => c.attempt)).toEqual([1, 2]);
    // 503, 500, 503: the cause is the third answer, not the first.
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(ApiError);
    expect(cause).toMatchObject({
      code: 'EXTRACT_SERVER',
      apiCode: 'ServiceUnavailable',
      requestId: requestIdOf(SEED, 3),
      retryable: true,
    });
    expectOneLine(error, api.host, 'after 3 attempts');
  });

  it('a request slower than timeoutMs is EXTRACT_NETWORK "timed out", retried, then exhausted', async () => {
    const sim = await simulator({ latencyMs: 400 });
    const retries = recordRetries();
    const api = client(sim.url, {
      timeoutMs: 100,
      onRetry: retries.onRetry,
      retryPolicy: { ...POLICY, retries: 1 },
    });
    const startedMs = performance.now();
    const error = await rejection(api.fetchPage(QUERY));

    expect(performance.now() - startedMs).toBeLessThan(1_500);
    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
    expect(retries.calls).toHaveLength(1);
    for (const failure of [retries.calls[0]?.error, (error as Error).cause]) {
      expect(failure).toBeInstanceOf(TransientError);
      expect(failure).toMatchObject({ code: 'EXTRACT_NETWORK' });
      expectOneLine(failure, api.host, 'timed out after 100 ms');
    }
    expect(sim.stats().requests).toBe(2);
    expect(sim.stats().served).toBe(0);
  });

  it('an endpoint with nothing listening is a network error, retried, then exhausted', async () => {
    const port = await freePort();
    const retries = recordRetries();
    const api = client(`http://127.0.0.1:${port}`, { onRetry: retries.onRetry });
    const error = await rejection(api.fetchPage(QUERY));

    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
    expect(api.requests).toBe(POLICY.retries + 1);
    expect(retries.calls.map((c) => c.attempt)).toEqual([1, 2]);
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(TransientError);
    expect(cause).toMatchObject({ code: 'EXTRACT_NETWORK' });
    expectOneLine(cause, `127.0.0.1:${port}`, 'ECONNREFUSED');
    expectOneLine(error, `127.0.0.1:${port}`, 'ECONNREFUSED');
  });

  it('V1 with an STS token: network errors never show the signed query (it carries the token)', async () => {
    const port = await freePort();
    const api = client(`http://127.0.0.1:${port}`, { signatureVersion: 'v1', credentials: STS_KEYS });
    const error = await rejection(api.fetchPage(QUERY));
    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
    const printable = everythingPrintable(error);
    expect(printable).not.toContain(STS_KEYS.securityToken);
    expect(printable).not.toContain(STS_KEYS.accessKeySecret);
    expect(printable).not.toContain('Signature=');
  });

  // Regression: after the retries were spent the message said what failed and where, but not what
  // to do (style.md: "Messages say what failed, where, and what to do").
  it.each<[string, SimulatorOptions | 'refused']>([
    ['throttled', { faultScript: { 1: 'throttle', 2: 'throttle', 3: 'throttle' } }],
    ['server errors', { faultScript: { 1: 'error', 2: 'error', 3: 'error' } }],
    ['refused connections', 'refused'],
  ])('retries-exhausted-message-says-what-to-do (%s)', async (_name, setup) => {
    const endpoint =
      setup === 'refused' ? `http://127.0.0.1:${await freePort()}` : (await simulator(setup)).url;
    const api = client(endpoint);
    const error = await rejection(api.fetchPage(QUERY));
    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
    expectOneLine(error, api.host, /check|lower|again later/i);
  });

  it('a non-http endpoint is CONFIG_INVALID before any request', () => {
    expect(() => client('ftp://dyvmsapi.aliyuncs.com')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => client('not a url')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('abort', () => {
  it('aborting a slow request rejects with ABORTED promptly and carries the reason', async () => {
    const sim = await simulator({ latencyMs: 10_000 });
    const retries = recordRetries();
    const api = client(sim.url, { timeoutMs: 30_000, onRetry: retries.onRetry });
    const controller = new AbortController();
    const reason = new Error('user pressed Ctrl-C');
    setTimeout(() => controller.abort(reason), 50);
    const startedMs = performance.now();
    const error = await rejection(api.fetchPage(QUERY, controller.signal));

    expect(performance.now() - startedMs).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect((error as Error).cause).toBe(reason);
    expect(retries.calls).toEqual([]);
    expect(sim.stats().requests).toBe(1);
  });

  it('aborting during a backoff sleep rejects with ABORTED without another request', async () => {
    const sim = await simulator({ faultScript: { 1: 'throttle' } });
    const controller = new AbortController();
    const api = client(sim.url, {
      retryDeps: { sleep: (ms, signal) => abortableSleep(ms, signal), random: () => 0.5 },
      retryPolicy: { ...POLICY, baseDelayMs: 20_000, maxDelayMs: 20_000 },
      onRetry: () => setTimeout(() => controller.abort(), 20),
    });
    const startedMs = performance.now();
    const error = await rejection(api.fetchPage(QUERY, controller.signal));

    expect(performance.now() - startedMs).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(sim.stats().requests).toBe(1);
  });

  it('an already-aborted signal sends nothing', async () => {
    const sim = await simulator();
    const error = await rejection(client(sim.url).fetchPage(QUERY, AbortSignal.abort()));
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(sim.stats().requests).toBe(0);
  });
});

describe('checkPage', () => {
  const HOST = 'dyvmsapi.aliyuncs.com';
  const REQUEST_ID = '6086693B-2250-17CE-A41F-06259AB6DB1B';
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const okBody = (list: unknown[]) =>
    json({ RequestId: REQUEST_ID, Code: 'OK', Message: 'OK', Data: { List: list } });
  const check = (status: number, body: Buffer, limit = 10, headers: Record<string, string> = {}) =>
    checkPage(status, headers, body, limit, HOST);
  const thrown = (f: () => unknown): unknown => {
    try {
      f();
    } catch (error) {
      return error;
    }
    throw new Error('expected a throw');
  };

  it('returns the body untouched, the count and the smallest CreateTime (numbers or numeric strings)', () => {
    const body = okBody([
      { CreateTime: '1775006134415' },
      { CreateTime: 1775006000000 },
      { CreateTime: 'x' },
      {},
    ]);
    const page = check(200, body);
    expect(page.body).toBe(body);
    expect(page).toMatchObject({ requestId: REQUEST_ID, records: 4, minCreateTimeMs: 1775006000000 });
  });

  it('an empty List is a page of 0 records with no minimum', () => {
    expect(check(200, okBody([]))).toMatchObject({ records: 0, minCreateTimeMs: null });
  });

  it('a List exactly at Limit is fine; one longer than Limit is a retryable EXTRACT_BAD_PAGE', () => {
    expect(check(200, okBody([{}, {}]), 2).records).toBe(2);
    const error = thrown(() => check(200, okBody([{}, {}, {}]), 2));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'EXTRACT_BAD_PAGE' });
    expect(isRetryable(error)).toBe(true);
    expectOneLine(error, HOST, '3 records for Limit 2');
    expect((error as Error).message).toContain(REQUEST_ID);
  });

  it.each([
    ['no Data', { RequestId: REQUEST_ID, Code: 'OK' }],
    ['Data null', { RequestId: REQUEST_ID, Code: 'OK', Data: null }],
    ['List not an array', { RequestId: REQUEST_ID, Code: 'OK', Data: { List: {} } }],
    ['an array body', []],
  ])('a 200 with %s is a retryable EXTRACT_BAD_PAGE', (_name, body) => {
    const error = thrown(() => check(200, json(body)));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'EXTRACT_BAD_PAGE' });
    expectOneLine(error, HOST, 'Data.List');
  });

  it.each(['<html>oops</html>', '{"RequestId":"X","Code":"OK","Data":{"List":[', '', '"OK"', '42'])(
    'a non-JSON (or non-object) 200 body %j is a retryable EXTRACT_BAD_PAGE',
    (text) => {
      const error = thrown(() => check(200, Buffer.from(text)));
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'EXTRACT_BAD_PAGE' });
      expect(isRetryable(error)).toBe(true);
      expectOneLine(error, HOST, 'not JSON');
    },
  );

  it.each([
    ['isv.INVALID_PARAMETERS', 'EXTRACT_PARAMETER', false],
    ['isv.OUT_OF_SERVICE', 'EXTRACT_AUTH', false],
    ['isp.RAM_PERMISSION_DENY', 'EXTRACT_AUTH', false],
    ['isv.BUSINESS_LIMIT_CONTROL', 'EXTRACT_THROTTLED', true],
    ['isp.SYSTEM_ERROR', 'EXTRACT_SERVER', true],
  ])('a 200 whose Code is %s is an ApiError %s (retryable %s)', (apiCode, code, retryable) => {
    const body = json({ RequestId: REQUEST_ID, Code: apiCode, Message: 'Line one\nline two' });
    const error = thrown(() => check(200, body));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code, apiCode, requestId: REQUEST_ID, httpStatus: 200, retryable });
    expectOneLine(error, HOST, apiCode);
  });

  it('a non-Alibaba 502 (a proxy page) is a retryable EXTRACT_SERVER', () => {
    const error = thrown(() => check(502, Buffer.from('<html><body>502 Bad Gateway</body></html>')));
    expect(error).toMatchObject({ code: 'EXTRACT_SERVER' });
    expect(isRetryable(error)).toBe(true);
    expectOneLine(error, HOST, 'HTTP 502');
  });

  it.each([408, 429, 500, 503, 504])('a non-Alibaba %i is retryable', (status) => {
    expect(isRetryable(thrown(() => check(status, Buffer.from('busy'))))).toBe(true);
  });

  it('a non-Alibaba 404 is a fatal EXTRACT_PARAMETER that points at --endpoint', () => {
    const error = thrown(() => check(404, Buffer.from('Not Found')));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'EXTRACT_PARAMETER',
      apiCode: 'HTTP404',
      httpStatus: 404,
      retryable: false,
    });
    expectOneLine(error, HOST, '--endpoint');
  });

  it('a throttling body carries Retry-After for the backoff', () => {
    const body = json({ RequestId: REQUEST_ID, Code: 'Throttling.User', Message: 'flow control' });
    const error = thrown(() => check(400, body, 10, { 'retry-after': '3' }));
    expect(error).toMatchObject({ code: 'EXTRACT_THROTTLED', retryable: true, retryAfterMs: 3_000 });
  });

  it('an auth error body never copies the server Message into our message', () => {
    const body = json({
      RequestId: REQUEST_ID,
      Code: 'SignatureDoesNotMatch',
      Message: 'string to sign: POST&%2F&AccessKeyId',
    });
    const error = thrown(() => check(400, body));
    expect((error as Error).message).not.toContain('string to sign');
  });

  // Regression: JSON `null` passed the "is it an object" check (typeof null === 'object') and then
  // crashed on `parsed.Data` with a TypeError, a non-retryable non-PipelineError.
  it('json-null-body-is-a-bad-page', () => {
    const error = thrown(() => check(200, Buffer.from('null')));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'EXTRACT_BAD_PAGE' });
  });

  // Regression: Number('') and Number(' ') are 0, so an empty CreateTime made minCreateTimeMs the epoch.
  it('empty-create-time-is-not-epoch-zero', () => {
    const page = check(
      200,
      okBody([{ CreateTime: '' }, { CreateTime: ' ' }, { CreateTime: '1775006134415' }]),
    );
    expect(page.minCreateTimeMs).toBe(1775006134415);
    expect(
      check(200, okBody([{ CreateTime: '' }, { CreateTime: true }, { CreateTime: [] }])).minCreateTimeMs,
    ).toBe(null);
  });

  // Regression: bodies without a RequestId said "RequestId undefined" although the gateway sends
  // the id in the x-acs-request-id header too.
  it('request-id-falls-back-to-header', () => {
    const error = thrown(() =>
      check(200, json({ Code: 'OK' }), 10, { 'x-acs-request-id': 'A45EE076-334D-5012-9746-A8F828D20FD4' }),
    );
    expect((error as Error).message).not.toContain('undefined');
    expect((error as Error).message).toContain('A45EE076-334D-5012-9746-A8F828D20FD4');
  });

  // Regression: a proxy's 429/503 with Retry-After became a TransientError without the delay, so
  // the backoff ignored the server's request (style.md: honour Retry-After when present, capped).
  it('proxy-retry-after-is-honoured', () => {
    const error = thrown(() => check(503, Buffer.from('<html>busy</html>'), 10, { 'retry-after': '4' }));
    expect(isRetryable(error)).toBe(true);
    expect(backoffDelayMs(POLICY, 1, () => 0, error)).toBe(4_000);
  });

  // Regression: auth ApiErrors kept the server Message verbatim in `apiMessage`; V1
  // SignatureDoesNotMatch echoes the string-to-sign (AccessKeyId, SecurityToken), so a plain
  // console.error(error) or JSON log printed the STS token (alibaba-openapi.md §5.1).
  it('auth-error-does-not-keep-echoed-token', () => {
    const token = 'CAIS-echoed-security-token-55aa';
    const body = json({
      RequestId: REQUEST_ID,
      Code: 'SignatureDoesNotMatch',
      Message: `Specified signature does not match. Server string to sign is:POST&%2F&AccessKeyId%3DSTS.x%26SecurityToken%3D${token}`,
    });
    const error = thrown(() => check(400, body));
    expect(error).toMatchObject({ code: 'EXTRACT_AUTH' });
    expect(everythingPrintable(error)).not.toContain(token);
  });
});

describe('classifyApiCode: by Code, never by HTTP status', () => {
  it.each([
    ['SignatureDoesNotMatch', 400, 'EXTRACT_AUTH', false],
    ['SignatureDoesNotMatch', 403, 'EXTRACT_AUTH', false],
    ['IncompleteSignature', 400, 'EXTRACT_AUTH', false],
    ['InvalidAccessKeyId.NotFound', 404, 'EXTRACT_AUTH', false],
    ['InvalidAccessKeyId.NotFound', 400, 'EXTRACT_AUTH', false],
    ['InvalidAccessKeyId.Inactive', 400, 'EXTRACT_AUTH', false],
    ['InvalidSecurityToken.Expired', 400, 'EXTRACT_AUTH', false],
    ['MissingSecurityToken', 400, 'EXTRACT_AUTH', false],
    ['InvalidTimeStamp.Expired', 400, 'EXTRACT_AUTH', false],
    ['Forbidden.RAM', 403, 'EXTRACT_AUTH', false],
    ['NoPermission', 403, 'EXTRACT_AUTH', false],
    ['isv.ACCOUNT_NOT_EXISTS', 200, 'EXTRACT_AUTH', false],
    ['isv.PRODUCT_UN_SUBSCRIPT', 200, 'EXTRACT_AUTH', false],
    ['isv.PRODUCT_UNSUBSCRIBE', 200, 'EXTRACT_AUTH', false],
    ['InvalidTimeStamp.Format', 400, 'EXTRACT_PARAMETER', false],
    ['MissingEnterpriseId', 400, 'EXTRACT_PARAMETER', false],
    ['InvalidParameter', 400, 'EXTRACT_PARAMETER', false],
    ['InvalidAction.NotFound', 404, 'EXTRACT_PARAMETER', false],
    ['InvalidVersion', 400, 'EXTRACT_PARAMETER', false],
    ['SignatureNonceUsed', 400, 'EXTRACT_SERVER', true],
    ['Throttling', 400, 'EXTRACT_THROTTLED', true],
    ['Throttling.User', 400, 'EXTRACT_THROTTLED', true],
    ['Throttling.Api', 429, 'EXTRACT_THROTTLED', true],
    ['InternalError', 500, 'EXTRACT_SERVER', true],
    ['ServiceUnavailable', 503, 'EXTRACT_SERVER', true],
    ['SomethingNew', 502, 'EXTRACT_SERVER', true],
    ['SomethingNew', 400, 'EXTRACT_PARAMETER', false],
  ])('%s (HTTP %i) → %s, retryable %s', (apiCode, status, errorCode, retryable) => {
    const kind = classifyApiCode(apiCode, status);
    expect(kind.errorCode).toBe(errorCode);
    expect(kind.retryable).toBe(retryable);
    const line = kind.describe('dyvmsapi.aliyuncs.com', `${apiCode}, RequestId R`, 'server says\nsecret-ish');
    expect(line).toContain('dyvmsapi.aliyuncs.com');
    expect(line).toContain(apiCode);
    expect(line).not.toMatch(/[\r\n]/);
    if (errorCode === 'EXTRACT_AUTH') expect(line).not.toContain('server says');
  });
});

describe('businessParams', () => {
  it('sends the five required parameters as decimal strings and optional filters only when set', () => {
    expect(businessParams(QUERY)).toEqual({
      EnterpriseId: ENTERPRISE,
      StartTime: '2026-04-01 00:00:00',
      EndTime: '2026-04-01 23:59:59',
      Start: '0',
      Limit: '500',
    });
    expect(
      businessParams({ ...QUERY, type: 9, result: 0, url: 'https://crm.example.com/cb', retry: 0 }),
    ).toMatchObject({
      Type: '9',
      Result: '0',
      Url: 'https://crm.example.com/cb',
      Retry: '0',
    });
  });

  it('filters reach the server: a Result=0 page only holds failures', async () => {
    const sim = await simulator();
    const page = await client(sim.url).fetchPage({ ...QUERY, result: 0 });
    const list = (JSON.parse(page.body.toString('utf8')) as WirePage).Data.List;
    expect(page.records).toBe(
      sim.countRecords({ enterpriseId: ENTERPRISE, startMs: DAY_START_MS, endMs: DAY_END_MS, result: 0 }),
    );
    expect(list.every((r) => r.Result === '0')).toBe(true);
  });
});
