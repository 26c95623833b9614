import type { ExtractConfig } from './config.js';
import { resolveExtractConfig } from './config.js';
import type { ExtractSummary } from './events.js';
import { monthDir } from './extract/index.js';
import { DEFAULT_KEY_PAIR, startSimulator } from './simulator/index.js';

export interface DemoOptions {
  out: string;
  volume: string | undefined;
  quiet: boolean;
  signal: AbortSignal;
  print: (line: string) => void;
  runExtract: (config: ExtractConfig, quiet: boolean, signal: AbortSignal) => Promise<ExtractSummary>;
}

/**
 * The whole pipeline against an in-process simulator: a sizeable month with a flaky endpoint and
 * some throttling and server errors, so a new user sees the real thing without an account.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const volume = options.volume === undefined ? 200_000 : Number(options.volume);
  const sim = await startSimulator({
    volume,
    keys: DEFAULT_KEY_PAIR,
    throttleRate: 0.02,
    errorRate: 0.01,
    seed: 7,
  });
  try {
    options.print(
      `demo: simulator on ${sim.url} with ${volume} records per month (2% throttled, 1% server errors)`,
    );
    const config = resolveExtractConfig(
      {},
      {
        enterprise: '7122600',
        month: 'last',
        endpoint: sim.url,
        out: options.out,
        qps: 50,
        concurrency: 6,
        fresh: true,
      },
      new Date(),
    );
    const summary = await options.runExtract(config, options.quiet, options.signal);
    options.print(
      `demo: extracted ${summary.rows} rows of ${config.resolvedMonth} in ${(summary.elapsedMs / 1000).toFixed(1)} s (${summary.requests} requests, ${summary.retries} retried)`,
    );
    options.print(`demo: artifacts in ${monthDir(options.out, '7122600', config.resolvedMonth)}/`);
    options.print(
      `demo:   ${summary.database}  (query it: duckdb ${summary.database} "select count(*) from records")`,
    );
  } finally {
    await sim.close();
  }
}
