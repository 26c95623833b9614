// The QPS cap (pipeline/extract/rate-limit.ts) on a scripted clock: requests on a fixed grid, late
// timers not compounding, and never more than `qps` requests in any second.
import { describe, expect, it } from 'vitest';
import { createRateLimiter, type RateClock } from '../pipeline/extract/rate-limit.js';

/** A clock whose sleeps end `lateMs(n)` after they are due (n counts sleeps), as busy timers do. */
function scriptedClock(lateMs: (n: number) => number = () => 0): RateClock & { departures: number[] } {
  let now = 1_000;
  let sleeps = 0;
  const clock = {
    departures: [] as number[],
    now: () => now,
    sleep: async (ms: number) => {
      now += ms + lateMs(sleeps++);
    },
  };
  return clock;
}

async function depart(clock: ReturnType<typeof scriptedClock>, qps: number, requests: number) {
  const limit = createRateLimiter(qps, clock);
  for (let i = 0; i < requests; i++) {
    await limit();
    clock.departures.push(clock.now());
  }
  return clock.departures;
}

/** The most departures in any window of 1000 ms [t, t + 1000). */
function busiestSecond(departures: number[]): number {
  let most = 0;
  for (const [i, t] of departures.entries()) {
    most = Math.max(most, departures.filter((u, j) => j >= i && u < t + 1000).length);
  }
  return most;
}

describe('createRateLimiter', () => {
  it('spaces requests 1000/qps ms apart from the first', async () => {
    const departures = await depart(scriptedClock(), 40, 6);
    expect(departures.map((t) => t - 1_000)).toEqual([0, 25, 50, 75, 100, 125]);
  });

  it('keeps to the grid when timers fire late: lateness delays one request, not every later one', async () => {
    // Every timer fires 3 ms late. Pacing from each wake-up would lose 3 ms a request: 25 → 28.
    const departures = await depart(
      scriptedClock(() => 3),
      40,
      81,
    );
    expect((departures.at(-1) as number) - (departures[0] as number)).toBeLessThan(80 * 25 + 10);
    expect(busiestSecond(departures)).toBeLessThanOrEqual(40);
  });

  it('never lets more than qps requests into one second, however late the timers', async () => {
    // Irregular lateness, sometimes most of a slot: late requests bunch up behind their slots.
    const late = [0, 20, 1, 24, 0, 0, 17, 3];
    const departures = await depart(
      scriptedClock((n) => late[n % late.length] as number),
      10,
      200,
    );
    expect(busiestSecond(departures)).toBeLessThanOrEqual(10);
    // …while keeping close to the cap overall.
    const seconds = ((departures.at(-1) as number) - (departures[0] as number)) / 1000;
    expect(199 / seconds).toBeGreaterThan(9.5);
  });

  it('does not save up slots while idle', async () => {
    const clock = scriptedClock();
    const limit = createRateLimiter(4, clock);
    await limit();
    const first = clock.now();
    await clock.sleep(10_000, undefined);
    await limit();
    await limit();
    expect(clock.now() - first).toBe(10_000 + 250);
  });

  it('rejects when its signal aborts, and refuses a cap that is not positive', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(createRateLimiter(5, scriptedClock())(controller.signal)).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(() => createRateLimiter(0)).toThrow(RangeError);
  });
});
