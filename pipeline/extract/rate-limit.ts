import PQueue from 'p-queue';
import { abortError } from './retry.js';

/**
 * A QPS cap shared by every request of a run, retries included. Requests are spaced evenly
 * (one per 1000/qps ms) rather than let through in per-second bursts: a server that counts
 * requests in a sliding second or a token bucket then never sees more than `qps`.
 */
export function createRateLimiter(qps: number): (signal?: AbortSignal) => Promise<void> {
  const queue = new PQueue({ concurrency: Number.POSITIVE_INFINITY, intervalCap: 1, interval: 1000 / qps });
  return async (signal) => {
    if (signal?.aborted) throw abortError(signal);
    try {
      await queue.add(() => undefined, signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    }
  };
}
