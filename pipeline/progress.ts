import { SingleBar } from 'cli-progress';
import type { PipelineEvent } from './events.js';

export type ProgressMode = 'bar' | 'lines' | 'quiet';

/** Takes any event of a run; only the extraction's move the display. */
export type ProgressSink = (event: { type: string }) => void;

/**
 * Shows extraction progress on stderr: a bar on a terminal, a plain line every few seconds
 * otherwise (CI logs), nothing with --quiet. The display ends by itself when the extraction
 * finishes (the later stages print their own lines); `stop` ends it early, e.g. on an error.
 */
export function createProgress(
  mode: ProgressMode,
  write: (line: string) => void,
): { sink: ProgressSink; stop: () => void } {
  if (mode === 'quiet') return { sink: () => {}, stop: () => {} };
  const display = createDisplay(mode, write);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    display.stop();
  };
  return {
    sink: (event) => {
      if (stopped) return;
      display.sink(event as PipelineEvent);
      if (event.type === 'extract-finished') stop();
    },
    stop,
  };
}

function createDisplay(
  mode: Exclude<ProgressMode, 'quiet'>,
  write: (line: string) => void,
): { sink: (event: PipelineEvent) => void; stop: () => void } {
  const started = Date.now();
  let windows = 0;
  let done = 0;
  let rows = 0;
  let retries = 0;
  const rate = () => Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000));
  const eta = () => {
    if (done === 0 || windows === 0) return '?';
    const s = (((Date.now() - started) / done) * (windows - done)) / 1000;
    return `${Math.round(s)}s`;
  };
  const count = (event: PipelineEvent) => {
    if (event.type === 'extract-planned') {
      windows = event.windows;
      done = event.resumedDone;
    } else if (event.type === 'window-split') windows += event.children;
    else if (event.type === 'window-done' || event.type === 'window-failed') done++;
    else if (event.type === 'page-fetched') rows += event.records;
    else if (event.type === 'retry-scheduled') retries++;
  };
  if (mode === 'bar') {
    const bar = new SingleBar({
      format:
        'extract [{bar}] {value}/{total} windows | {rows} rows | {rate} rows/s | {retries} retries | ETA {eta_formatted}',
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 20,
    });
    let startedBar = false;
    return {
      sink: (event) => {
        count(event);
        if (!startedBar && event.type === 'extract-planned') {
          bar.start(windows, done, { rows: 0, rate: 0, retries: 0 });
          startedBar = true;
        }
        if (startedBar) {
          bar.setTotal(windows);
          bar.update(done, { rows, rate: rate(), retries });
        }
      },
      stop: () => {
        if (startedBar) bar.stop();
      },
    };
  }
  const timer = setInterval(() => {
    if (windows > 0)
      write(
        `extract: ${done}/${windows} windows, ${rows} rows, ${rate()} rows/s, ${retries} retries, ETA ${eta()}`,
      );
  }, 5000);
  timer.unref();
  return { sink: count, stop: () => clearInterval(timer) };
}
