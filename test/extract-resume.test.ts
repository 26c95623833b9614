// Resuming an interrupted extraction: an in-process abort, a real SIGKILL of a child process at
// seeded random points, a kill between a window's checkpoint and its landing cleanup, and an abort
// while a window still has a page in flight. Whatever the interruption, the next run must end with
// exactly the oracle's Ids, fetch no checkpointed window again, and leave no landed pages.
import { describe, expect, it, onTestFinished } from 'vitest';
import type { PipelineError } from '../pipeline/errors.js';
import { extractMonth } from '../pipeline/extract/index.js';
import type { Simulator, SimulatorOptions } from '../pipeline/simulator/index.js';
import type { StagingStore } from '../pipeline/store/staging.js';
import {
  AFTER_APRIL,
  aprilQuery,
  column,
  diffIds,
  eventLog,
  extractOptions,
  filesUnder,
  landingPath,
  makeTempDir,
  oracleIds,
  type ProxiedRequest,
  removeTempDir,
  scalar,
  seededRandom,
  spawnChild,
  startProxy,
  type WindowRow,
  windowRows,
  withStore,
} from './helpers/extract.js';
import { startTestSimulator } from './helpers/simulator.js';

async function simulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = await startTestSimulator({ now: () => AFTER_APRIL.getTime(), ...options });
  onTestFinished(() => sim.close());
  return sim;
}

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('pushlog-resume-');
  onTestFinished(() => removeTempDir(dir));
  return dir;
}

/**
 * What an interrupted run left must be whole windows: a done window's rows are all staged, and
 * nothing is staged for a window that is not done (a checkpoint and its rows commit together).
 */
async function expectWholeWindows(store: StagingStore): Promise<WindowRow[]> {
  const windows = await windowRows(store);
  const staged = await store.query('SELECT window_id, count(*) AS n FROM staged GROUP BY window_id');
  const stagedBy = new Map(staged.map((r) => [String(r.window_id), Number(r.n)]));
  for (const w of windows) {
    if (w.state === 'done' || w.state === 'split') expect(stagedBy.get(w.id) ?? 0, w.id).toBe(w.rows);
    else expect(stagedBy.get(w.id), w.id).toBeUndefined();
  }
  return windows;
}

/** The resumed run's checks: exactly the oracle, each Id once, no landed page left, complete. */
async function expectExactlyTheOracle(sim: Simulator, out: string): Promise<void> {
  const expected = oracleIds(sim, aprilQuery());
  await withStore(out, async (store) => {
    expect(await scalar(store, 'SELECT count(*) FROM records')).toBe(
      await scalar(store, 'SELECT count(DISTINCT id) FROM records'),
    );
    const ids = await column(store, 'SELECT id FROM records ORDER BY id');
    expect(diffIds(ids, expected)).toEqual({ missing: [], extra: [] });
    expect(ids).toEqual(expected);
    expect((await windowRows(store)).filter((w) => w.state !== 'done')).toEqual([]);
    expect(await store.getMeta('complete')).toBe('true');
  });
  expect(await filesUnder(landingPath(out))).toEqual([]);
}

/** Requests of `requests` that ask for one of `windows` (same StartTime and EndTime). */
function requestsFor(requests: readonly ProxiedRequest[], windows: readonly WindowRow[]): ProxiedRequest[] {
  const keys = new Set(windows.map((w) => `${w.start_local}|${w.end_local}`));
  return requests.filter((r) => keys.has(`${r.startTime}|${r.endTime}`));
}

describe('in-process abort', () => {
  it('rejects ABORTED, and the next run fetches only unfinished windows and ends exact', async () => {
    const sim = await simulator({ seed: 31, volume: 10_000, latencyMs: 5 });
    const proxy = await startProxy(sim.url);
    onTestFinished(() => proxy.close());
    const out = await tempDir();
    const controller = new AbortController();
    const first = eventLog();
    first.on((event) => {
      if (event.type === 'window-done' && first.ofType('window-done').length === 5) controller.abort();
    });

    const error = await extractMonth(
      extractOptions(proxy.url, out, { pageSize: 100, signal: controller.signal, onEvent: first.sink }),
    ).catch((e: unknown) => e);

    expect((error as PipelineError).code).toBe('ABORTED');
    const doneBefore = await withStore(out, async (store) => {
      const windows = await expectWholeWindows(store);
      return windows.filter((w) => w.state === 'done');
    });
    expect(doneBefore.length).toBeGreaterThanOrEqual(5);
    expect(doneBefore.length).toBeLessThan(30);

    const before = proxy.requests.length;
    const second = eventLog();
    const summary = await extractMonth(
      extractOptions(proxy.url, out, { pageSize: 100, onEvent: second.sink }),
    );

    expect(second.ofType('extract-planned')[0]?.resumedDone).toBe(doneBefore.length);
    const doneIds = new Set(doneBefore.map((w) => w.id));
    expect(second.ofType('window-started').filter((e) => doneIds.has(e.windowId))).toEqual([]);
    // Seen on the wire, not only in events: no request asked for a checkpointed window again.
    expect(requestsFor(proxy.requests.slice(before), doneBefore)).toEqual([]);
    expect(summary.windowsDone).toBe(30);
    await withStore(out, async (store) => {
      // The checkpoints of the first run are kept as they were.
      const after = new Map((await windowRows(store)).map((w) => [w.id, w]));
      for (const w of doneBefore) expect(after.get(w.id)).toEqual(w);
    });
    await expectExactlyTheOracle(sim, out);
  });

  // Bug: a window with a page in flight when the run is aborted (or stopped by a fatal error) is
  // checkpointed as done without that page, when its other pages already reached the end.
  it('abort-commits-window-missing-in-flight-page: such a window stays pending and is fetched again', async () => {
    // 2026-04-01 20:00 in Asia/Shanghai: one as-of window, so every slot fetches ahead in it.
    const nowMs = Date.UTC(2026, 3, 1, 12);
    const sim = await simulator({ seed: 32, volume: 30_000, now: () => nowMs });
    // The window's first page never answers; every other page does.
    const proxy = await startProxy(sim.url, (r) => (r.start === 0 ? 'hold' : 'forward'));
    onTestFinished(() => proxy.close());
    const out = await tempDir();
    const controller = new AbortController();
    const pageSize = 100;
    const log = eventLog();
    log.on((event) => {
      // Abort once the window is fetched to its end and only the held first page is outstanding.
      const pages = log.ofType('page-fetched');
      const reachedEnd = pages.some((p) => p.records < pageSize);
      if (event.type === 'page-fetched' && reachedEnd && pages.length === proxy.requests.length - 1) {
        controller.abort();
      }
    });
    // Should a future extractor not fetch ahead, the condition above never holds: stop anyway.
    const fallback = setTimeout(() => controller.abort(), 15_000);
    onTestFinished(() => clearTimeout(fallback));
    const options = { now: () => new Date(nowMs), pageSize, concurrency: 4 };

    const error = await extractMonth(
      extractOptions(proxy.url, out, { ...options, signal: controller.signal, onEvent: log.sink }),
    ).catch((e: unknown) => e);

    expect((error as PipelineError).code).toBe('ABORTED');
    await withStore(out, async (store) => {
      const windows = await windowRows(store);
      expect(windows).toHaveLength(1);
      // soft: the resumed run below shows what the wrong checkpoint costs.
      expect.soft(windows[0]?.state).toBe('pending');
    });

    proxy.decide(() => 'forward');
    await extractMonth(extractOptions(proxy.url, out, options));
    // As of 19:50:00 local (now − the default 10-minute lag), that second included.
    const expected = oracleIds(sim, aprilQuery({}, Date.UTC(2026, 3, 1, 11, 50) + 999));
    await withStore(out, async (store) => {
      const ids = await column(store, 'SELECT id FROM records ORDER BY id');
      expect(diffIds(ids, expected)).toEqual({ missing: [], extra: [] });
    });
  });
});

describe('SIGKILL of a child process', () => {
  const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000_000);
  // Printed so a failing kill point can be replayed: KILL_SEED=<seed> npx vitest run test/extract-resume.test.ts
  console.log(`extract-resume: kill seed ${seed}`);
  const random = seededRandom(seed);
  const killPoints = [0, 1, 2].map(() => {
    const afterDone = 1 + Math.floor(random() * 12);
    const delayMs = Math.floor(random() * 60);
    return { afterDone, delayMs, label: `${delayMs} ms past window-done #${afterDone}` };
  });

  // A kill between a checkpoint's COMMIT and its landing cleanup is common here (the run is mostly
  // commits); until the stale-landing bug below is fixed, such a kill point fails on landing/ only.
  it.each(killPoints.map((p) => [p.label, p] as const))(
    'resumes exactly after a kill %s',
    async (_, point) => {
      const sim = await simulator({ seed: 33, volume: 10_000, latencyMs: 40 });
      const out = await tempDir();
      const child = spawnChild({ endpoint: sim.url, outDir: out, pageSize: 100, concurrency: 4 });
      onTestFinished(() => child.kill());

      let done = 0;
      for (let line = await child.nextLine(); line !== null; line = await child.nextLine()) {
        if (line.startsWith('window-done ') && ++done === point.afterDone) break;
      }
      expect(done, 'the child ended before the kill point').toBe(point.afterDone);
      await new Promise((resolve) => setTimeout(resolve, point.delayMs));
      child.kill();
      const ended = await child.exited;
      expect(ended.signal, ended.stderr).toBe('SIGKILL');

      const doneBefore = await withStore(out, async (store) =>
        (await expectWholeWindows(store)).filter((w) => w.state === 'done'),
      );
      expect(doneBefore.length).toBeGreaterThanOrEqual(point.afterDone);
      expect(doneBefore.length).toBeLessThan(30);

      const log = eventLog();
      await extractMonth(extractOptions(sim.url, out, { pageSize: 100, onEvent: log.sink }));

      const doneIds = new Set(doneBefore.map((w) => w.id));
      expect(log.ofType('window-started').filter((e) => doneIds.has(e.windowId))).toEqual([]);
      await expectExactlyTheOracle(sim, out);
    },
  );

  // Bug: landed pages of a window whose checkpoint committed just before a kill are never removed.
  it('stale-landing-after-kill-between-checkpoint-and-cleanup: the next run removes those pages', async () => {
    const sim = await simulator({ seed: 34, volume: 5_000 });
    const out = await tempDir();
    const child = spawnChild({
      endpoint: sim.url,
      outDir: out,
      pageSize: 200,
      concurrency: 2,
      dieBeforeLandingRemoval: true,
    });
    onTestFinished(() => child.kill());

    const ended = await child.exited;

    expect(ended.signal, ended.stderr).toBe('SIGKILL');
    const doneBefore = await withStore(out, async (store) =>
      (await expectWholeWindows(store)).filter((w) => w.state === 'done'),
    );
    expect(doneBefore).toHaveLength(1);
    // The state a kill between COMMIT and the cleanup leaves: a checkpointed window's pages still landed.
    expect((await filesUnder(landingPath(out))).some((f) => f.includes(doneBefore[0]?.id ?? '?'))).toBe(true);

    await extractMonth(extractOptions(sim.url, out, { pageSize: 200 }));

    await expectExactlyTheOracle(sim, out);
  });
});
