import { SingleBar } from 'cli-progress';
import type { EventSink, PipelineEvent } from './events.js';

export type ProgressMode = 'bar' | 'lines' | 'quiet';

/**
 * Shows extraction progress on stderr: a bar on a terminal, a plain line every few seconds
 * otherwise (CI logs), nothing with --quiet. Returns the sink and a stop function.
 */
export function createProgress(
  mode: ProgressMode,
  write: (line: string) => void,
): { sink: EventSink; stop: () => void } {
  if (mode === 'quiet') return { sink: () => {}, stop: () => {} };
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
