import { fileURLToPath } from 'node:url';
import { resolveRunConfig } from './config.js';
import type { ProgressMode } from './progress.js';
import { createProgress } from './progress.js';
import { type RunEvent, runMonth } from './run.js';
import { DEFAULT_KEY_PAIR, startSimulator } from './simulator/index.js';

export interface DemoOptions {
  /** flags given to `demo` (out, volume, format, locale) */
  flags: Record<string, unknown>;
  quiet: boolean;
  signal: AbortSignal;
  print: (line: string) => void;
  warn: (line: string) => void;
  onEvent: (event: RunEvent) => void;
  progressMode: ProgressMode;
}

export const DEMO_ENTERPRISE = '7122600';

/**
 * The whole pipeline against an in-process simulator: a sizeable month with a flaky endpoint, some
 * throttling and server errors, an SLA, so a new user sees every artifact without an account.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const { volume, ...flags } = options.flags;
  const records = volume === undefined ? 200_000 : Number(volume);
  const sim = await startSimulator({
    volume: records,
    keys: DEFAULT_KEY_PAIR,
    throttleRate: 0.02,
    errorRate: 0.01,
    seed: 7,
  });
  const progress = createProgress(options.quiet ? 'quiet' : options.progressMode, options.warn);
  try {
    options.print(
      `demo: simulator on ${sim.url} with ${records} records per month (2% throttled, 1% server errors)`,
    );
    const config = resolveRunConfig(
      {},
      {
        enterprises: DEMO_ENTERPRISE,
        month: 'last',
        endpoint: sim.url,
        qps: 50,
        concurrency: 6,
        fresh: true,
        sla: fileURLToPath(new URL('../templates/demo-sla.yaml', import.meta.url)),
        ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
      },
      new Date(),
    );
    const extract = config.extract[0];
    if (extract === undefined) return;
    const started = Date.now();
    const result = await runMonth({
      extract,
      report: config,
      credentials: DEFAULT_KEY_PAIR,
      signal: options.signal,
      arguments: { demo: true, volume: records, ...flags },
      onEvent: (event) => {
        progress.sink(event);
        options.onEvent(event);
      },
    });
    const summary = result.extract;
    if (summary !== null) {
      options.print(
        `demo: extracted ${summary.rows} rows of ${result.month} in ${(summary.elapsedMs / 1000).toFixed(1)} s (${summary.requests} requests, ${summary.retries} retried)`,
      );
    }
    const sla = result.slaPassed === null ? '' : `, SLA ${result.slaPassed ? 'passed' : 'breached'}`;
    options.print(
      `demo: whole pipeline in ${((Date.now() - started) / 1000).toFixed(1)} s${sla}; artifacts in ${result.dir}/`,
    );
    for (const artifact of result.artifacts) options.print(`demo:   ${artifact.path}`);
    options.print(`demo:   ${result.dir}/summary.json, raw.parquet, manifest.json, staging.duckdb`);
    options.print(`demo: check them with: npx pushlog-report verify ${result.dir}`);
  } finally {
    progress.stop();
    await sim.close();
  }
}
