import { ApiError, isRetryable, PipelineError } from '../errors.js';

export interface RetryPolicy {
  /** attempts after the first one */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** a server-requested delay (Retry-After) is honoured up to this bound */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 8,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
};

export interface RetryDeps {
  sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  random: () => number;
}

/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): many clients
 * throttled together spread out instead of returning in lock-step.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number,
  error?: unknown,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  if (error instanceof ApiError && error.retryAfterMs !== undefined) {
    return Math.max(jittered, Math.min(error.retryAfterMs, policy.maxRetryAfterMs));
  }
  return jittered;
}

export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal | undefined): PipelineError {
  return new PipelineError('ABORTED', 'Aborted', { cause: signal?.reason });
}

export interface RetryHooks {
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the retries are spent;
 * then throws EXTRACT_RETRIES_EXHAUSTED with the last error as cause.
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
  signal: AbortSignal | undefined,
  hooks: RetryHooks = {},
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (!isRetryable(error)) throw error;
      if (n > policy.retries) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new PipelineError('EXTRACT_RETRIES_EXHAUSTED', `Gave up after ${n} attempts: ${reason}`, {
          cause: error,
        });
      }
      const delayMs = backoffDelayMs(policy, n, deps.random, error);
      hooks.onRetry?.(n, delayMs, error);
      await deps.sleep(delayMs, signal);
    }
  }
}
