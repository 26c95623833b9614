// Retry policy as pure logic: Retry-After parsing, full-jitter backoff, withRetry's loop and
// abortableSleep. No server and no patched timers: sleep and random are injected.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ApiError, PipelineError, TransientError } from '../pipeline/errors.js';
import { retryAfterMs } from '../pipeline/extract/client.js';
import {
  abortableSleep,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  type RetryDeps,
  type RetryPolicy,
  withRetry,
} from '../pipeline/extract/retry.js';

const POLICY: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };
const NOW_MS = Date.UTC(2026, 3, 1, 12, 0, 0);

function throttled(retryAfter?: number): ApiError {
  return new ApiError(
    'EXTRACT_THROTTLED',
    'dyvmsapi.aliyuncs.com answered throttled (Throttling.User, RequestId R)',
    {
      apiCode: 'Throttling.User',
      apiMessage: 'Request was denied due to user flow control.',
      requestId: 'R',
      httpStatus: 400,
      retryable: true,
      retryAfterMs: retryAfter,
    },
  );
}

function fatal(): ApiError {
  return new ApiError('EXTRACT_AUTH', 'Signature rejected by dyvmsapi.aliyuncs.com', {
    apiCode: 'SignatureDoesNotMatch',
    apiMessage: '',
    requestId: 'R',
    httpStatus: 400,
    retryable: false,
  });
}

const network = (n: number) => new TransientError('EXTRACT_NETWORK', `ECONNRESET #${n}: POST http://h/`);

/** Deps that never wait and remember every requested sleep. */
function recordingDeps(
  random = () => 0.5,
): RetryDeps & { slept: { ms: number; signal: AbortSignal | undefined }[] } {
  const slept: { ms: number; signal: AbortSignal | undefined }[] = [];
  return {
    slept,
    random,
    sleep: async (ms, signal) => {
      slept.push({ ms, signal });
    },
  };
}

/** An attempt function failing with the given errors in turn, then returning 'page'. */
function failing(...errors: unknown[]) {
  const seen: number[] = [];
  return {
    seen,
    attempt: async (n: number) => {
      seen.push(n);
      const error = errors[n - 1];
      if (error !== undefined) throw error;
      return 'page';
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('retryAfterMs', () => {
  it('reads Retry-After in whole seconds', () => {
    expect(retryAfterMs({ 'retry-after': '120' }, NOW_MS)).toBe(120_000);
    expect(retryAfterMs({ 'retry-after': ' 3 ' }, NOW_MS)).toBe(3_000);
    expect(retryAfterMs({ 'retry-after': '0' }, NOW_MS)).toBe(0);
  });

  it('reads Retry-After as an HTTP date, relative to now, never negative', () => {
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Apr 2026 12:00:30 GMT' }, NOW_MS)).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': new Date(NOW_MS + 90_000).toUTCString() }, NOW_MS)).toBe(90_000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Apr 2026 11:59:00 GMT' }, NOW_MS)).toBe(0);
  });

  it("reads Alibaba's x-acs-retry-after as milliseconds (as the official SDKs do) and prefers it", () => {
    expect(retryAfterMs({ 'x-acs-retry-after': '2000' }, NOW_MS)).toBe(2_000);
    expect(retryAfterMs({ 'x-acs-retry-after': '1500', 'retry-after': '9' }, NOW_MS)).toBe(1_500);
    // Not an integer: fall back to the standard header.
    expect(retryAfterMs({ 'x-acs-retry-after': 'soon', 'retry-after': '9' }, NOW_MS)).toBe(9_000);
  });

  it('is undefined when absent or unreadable', () => {
    expect(retryAfterMs({}, NOW_MS)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'later, please' }, NOW_MS)).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': ['1', '2'] }, NOW_MS)).toBeUndefined();
    expect(retryAfterMs({ 'x-acs-retry-after': '' }, NOW_MS)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially from baseDelayMs (full jitter: random × ceiling)', () => {
    const almostOne = () => 0.999_999;
    const ceilings = [1, 2, 3, 4].map((n) => backoffDelayMs(POLICY, n, almostOne));
    expect(ceilings).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(POLICY, n, () => 0.5))).toEqual([50, 100, 200, 400]);
  });

  it('is capped at maxDelayMs, even for very late attempts', () => {
    expect(backoffDelayMs(POLICY, 5, () => 0.999_999)).toBe(1_000);
    expect(backoffDelayMs(POLICY, 60, () => 0.999_999)).toBe(1_000);
    expect(backoffDelayMs(POLICY, 5_000, () => 0.999_999)).toBe(1_000);
  });

  it('stays inside [0, ceiling] for any random value', () => {
    for (let n = 1; n <= 8; n++) {
      const ceiling = Math.min(POLICY.maxDelayMs, POLICY.baseDelayMs * 2 ** (n - 1));
      for (const r of [0, 0.1, 0.33, 0.5, 0.77, 0.999_999]) {
        const delay = backoffDelayMs(POLICY, n, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('honours a server-requested delay when it is longer than the jittered one', () => {
    expect(backoffDelayMs(POLICY, 1, () => 0.5, throttled(3_000))).toBe(3_000);
    // Longer than the normal backoff ceiling too: Retry-After is bounded by maxRetryAfterMs only.
    expect(backoffDelayMs(POLICY, 1, () => 0.5, throttled(4_500))).toBe(4_500);
    // A short Retry-After does not shorten the backoff.
    expect(backoffDelayMs(POLICY, 4, () => 0.5, throttled(10))).toBe(400);
  });

  it('caps a server-requested delay at maxRetryAfterMs', () => {
    expect(backoffDelayMs(POLICY, 1, () => 0.5, throttled(3_600_000))).toBe(5_000);
    expect(backoffDelayMs(DEFAULT_RETRY_POLICY, 1, () => 0, throttled(10 * 60_000))).toBe(60_000);
  });

  it('ignores errors without a retry hint', () => {
    expect(backoffDelayMs(POLICY, 2, () => 0.5, throttled())).toBe(100);
    expect(backoffDelayMs(POLICY, 2, () => 0.5, network(1))).toBe(100);
  });
});

describe('withRetry', () => {
  it('returns the first success without sleeping', async () => {
    const deps = recordingDeps();
    const calls = failing();
    const onRetry: unknown[] = [];
    await expect(
      withRetry(calls.attempt, POLICY, deps, undefined, { onRetry: (...a) => onRetry.push(a) }),
    ).resolves.toBe('page');
    expect(calls.seen).toEqual([1]);
    expect(deps.slept).toEqual([]);
    expect(onRetry).toEqual([]);
  });

  it('retries retryable errors, calling onRetry with increasing attempts and sleeping that delay', async () => {
    const deps = recordingDeps();
    const errors = [network(1), throttled(), network(3)];
    const calls = failing(...errors);
    const onRetry: { attempt: number; delayMs: number; error: unknown }[] = [];
    const signal = new AbortController().signal;
    const result = await withRetry(calls.attempt, POLICY, deps, signal, {
      onRetry: (attempt, delayMs, error) => onRetry.push({ attempt, delayMs, error }),
    });

    expect(result).toBe('page');
    expect(calls.seen).toEqual([1, 2, 3, 4]);
    expect(onRetry).toEqual([
      { attempt: 1, delayMs: 50, error: errors[0] },
      { attempt: 2, delayMs: 100, error: errors[1] },
      { attempt: 3, delayMs: 200, error: errors[2] },
    ]);
    expect(deps.slept).toEqual(onRetry.map((r) => ({ ms: r.delayMs, signal })));
  });

  it('passes the Retry-After of a throttled answer to sleep', async () => {
    const deps = recordingDeps();
    await withRetry(failing(throttled(2_500)).attempt, POLICY, deps, undefined);
    expect(deps.slept.map((s) => s.ms)).toEqual([2_500]);
  });

  it.each([
    ['a non-retryable ApiError', fatal()],
    ['a PipelineError that is not transient', new PipelineError('STORE_FAILED', 'disk full')],
    ['a programming error', new TypeError('x is not a function')],
    ['a thrown string', 'boom'],
  ])('stops at once on %s and rethrows it unchanged', async (_name, error) => {
    const deps = recordingDeps();
    const calls = failing(network(1), error);
    const onRetry: number[] = [];
    const thrown = await rejection(
      withRetry(calls.attempt, POLICY, deps, undefined, { onRetry: (n) => onRetry.push(n) }),
    );
    expect(thrown).toBe(error);
    expect(calls.seen).toEqual([1, 2]);
    expect(onRetry).toEqual([1]);
  });

  it('gives up after retries + 1 attempts with EXTRACT_RETRIES_EXHAUSTED and the last error as cause', async () => {
    const deps = recordingDeps();
    const errors = [network(1), network(2), network(3), network(4), network(5)];
    const calls = failing(...errors);
    const error = await rejection(withRetry(calls.attempt, POLICY, deps, undefined));

    expect(calls.seen).toEqual([1, 2, 3, 4]);
    expect(deps.slept).toHaveLength(3);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
    expect((error as Error).cause).toBe(errors[3]);
    expect((error as Error).message).toBe('Gave up after 4 attempts: ECONNRESET #4: POST http://h/');
  });

  it('with retries 0 makes one attempt', async () => {
    const deps = recordingDeps();
    const calls = failing(network(1));
    const error = await rejection(withRetry(calls.attempt, { ...POLICY, retries: 0 }, deps, undefined));
    expect(calls.seen).toEqual([1]);
    expect(deps.slept).toEqual([]);
    expect(error).toMatchObject({ code: 'EXTRACT_RETRIES_EXHAUSTED' });
  });

  it('turns any failure after an abort into ABORTED, without retrying', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const deps = recordingDeps();
    const seen: number[] = [];
    const error = await rejection(
      withRetry(
        async (n) => {
          seen.push(n);
          controller.abort(reason);
          throw network(n);
        },
        POLICY,
        deps,
        controller.signal,
      ),
    );
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect((error as Error).cause).toBe(reason);
    expect(seen).toEqual([1]);
    expect(deps.slept).toEqual([]);
  });

  it('an abort during the backoff sleep (abortableSleep) ends the loop promptly', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const startedMs = performance.now();
    const error = await rejection(
      withRetry(
        async (n) => {
          seen.push(n);
          throw network(n);
        },
        { ...POLICY, baseDelayMs: 60_000, maxDelayMs: 60_000 },
        { sleep: abortableSleep, random: () => 0.5 },
        controller.signal,
        { onRetry: () => setTimeout(() => controller.abort(), 10) },
      ),
    );
    expect(performance.now() - startedMs).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(seen).toEqual([1]);
  });
});

describe('abortableSleep', () => {
  it('resolves after the delay and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    const startedMs = performance.now();
    await abortableSleep(20, controller.signal);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(15);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('resolves without a signal', async () => {
    await expect(abortableSleep(1, undefined)).resolves.toBeUndefined();
  });

  it('rejects at once with ABORTED when the signal is already aborted', async () => {
    const reason = new Error('already');
    const error = await rejection(abortableSleep(60_000, AbortSignal.abort(reason)));
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect((error as Error).cause).toBe(reason);
  });

  it('rejects promptly with ABORTED when aborted mid-sleep', async () => {
    const controller = new AbortController();
    const startedMs = performance.now();
    setTimeout(() => controller.abort(), 10);
    const error = await rejection(abortableSleep(60_000, controller.signal));
    expect(performance.now() - startedMs).toBeLessThan(1_000);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
