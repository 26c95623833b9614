import { abortableSleep, abortError } from './retry.js';

/** The clock a rate limiter reads and sleeps on (injected by tests). */
export interface RateClock {
  now: () => number;
  sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const SYSTEM_CLOCK: RateClock = { now: () => performance.now(), sleep: abortableSleep };

/**
 * A QPS cap shared by every request of a run, retries included. Each request reserves the next
 * free slot on a fixed grid (one per 1000/qps ms), so a timer that fires late delays that request
 * only, not every later slot: pacing from the last wake-up instead loses that lateness on every
 * request, a few percent of the cap on a busy machine. It stays honest to a per-second limit: no
 * request leaves before the one `qps` requests earlier is a full second old, so no second (sliding
 * or calendar) ever holds more than `qps`, even when late requests follow each other closely.
 */
export function createRateLimiter(
  qps: number,
  clock: RateClock = SYSTEM_CLOCK,
): (signal?: AbortSignal) => Promise<void> {
  if (!(qps > 0) || !Number.isFinite(qps)) throw new RangeError(`qps must be a positive number, got ${qps}`);
  const intervalMs = 1000 / qps;
  const perSecond = Math.max(1, Math.floor(qps));
  // The last `perSecond` departures, oldest at `oldest` once full.
  const departed: number[] = [];
  let oldest = 0;
  let nextSlotMs = Number.NEGATIVE_INFINITY;
  return async (signal) => {
    if (signal?.aborted) throw abortError(signal);
    const slotMs = Math.max(clock.now(), nextSlotMs);
    nextSlotMs = slotMs + intervalMs;
    for (;;) {
      const secondAgo = departed.length < perSecond ? Number.NEGATIVE_INFINITY : (departed[oldest] as number);
      const dueMs = Math.max(slotMs, secondAgo + 1000);
      const now = clock.now();
      if (now >= dueMs) {
        if (departed.length < perSecond) departed.push(now);
        else {
          departed[oldest] = now;
          oldest = (oldest + 1) % perSecond;
        }
        return;
      }
      await clock.sleep(Math.ceil(dueMs - now), signal);
    }
  };
}
