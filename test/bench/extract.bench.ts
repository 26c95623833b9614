/**
 * Extract benchmark:
 * `npm run bench:extract [-- --concurrency 8,4] [--baseline-days 3] [--tsx] [--keep]`.
 *
 * A 1,000,000-record month from the simulator (20 ms added latency, 40 QPS token bucket), fetched
 * by `pushlog-report extract --qps 40`. The simulator and the extraction each run in a process of
 * their own, so the extraction's peak RSS and CPU are its own. Prints rows/s, peak RSS, the ratio
 * to the rate-limit bound and the ratio to a naive baseline (concurrency 1, same QPS, the first
 * `--baseline-days` days of the month), and exits 1 when a target is missed.
 *
 * The extraction runs the compiled CLI, as the installed `pushlog-report` does (bin/ runs dist/):
 * the bench first compiles the sources (./build.ts) into
 * node_modules/.cache/pushlog-bench/build. `--tsx` runs the TypeScript sources through tsx instead,
 * as `npm run cli` does; tsx and its compiled modules add 30 to 50 MiB to the peak RSS.
 *
 * Definitions: bound seconds = rows ÷ (500 × QPS), the time full 500-row pages need at the cap;
 * ratio = bound seconds ÷ actual seconds, where actual seconds is the extraction's own elapsed
 * time (the CLI's summary: planning, every page, every DuckDB load and the final dedupe), i.e.
 * without Node's start-up. The process wall time is printed beside it. The peak RSS target is
 * 400 MB of 10^6 bytes (381.5 MiB). The box is shared: each run also prints how much CPU other
 * processes took meanwhile, and a missed target says so when that share was large.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { extractMonth, planMonth } from '../../pipeline/extract/index.js';
import { DEFAULT_KEY_PAIR } from '../../pipeline/simulator/index.js';
import { BUILD_ROOT, compiledPath, compileForBench } from './build.js';
import { cores, machineBusyMs, mib, otherLoad, reportMisses, runMeasured } from './helpers.js';

const VOLUME = 1_000_000;
const LATENCY_MS = 20;
const QPS = 40;
const PAGE_SIZE = 500;
const ENTERPRISE = '7122600';
const MONTH = '2026-04';
const TIME_ZONE = 'Asia/Shanghai';
const TARGET_BOUND_RATIO = 0.9;
/** "Peak RSS at most 400 MB", in bytes: 381.5 MiB. */
const TARGET_PEAK_RSS_BYTES = 400_000_000;
/** Above this share of the machine taken by other processes, a run's timing says little. */
const NOISY_SHARE = 0.1;
/** The CLI's retry policy (pipeline/cli.ts), so the baseline child retries as the CLI does. */
const RETRY_POLICY = { retries: 8, baseDelayMs: 250, maxDelayMs: 20_000, maxRetryAfterMs: 60_000 };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SIM_SCRIPT = fileURLToPath(new URL('./sim-process.ts', import.meta.url));
const CLI_SOURCE = join(ROOT, 'pipeline', 'cli.ts');
const CLI_COMPILED = compiledPath(CLI_SOURCE);
/** Every child is one plain `node` process, so its peak RSS is the extraction's. */
const TSX_ARGS = ['--import', 'tsx'];

/** How the extraction child is started: the compiled CLI, or the sources through tsx. */
interface Runner {
  nodeArgs: string[];
  cli: string;
  label: string;
}

interface ExtractResult {
  rows: number;
  quarantined: number;
  requests: number;
  retries: number;
  elapsedMs: number;
}

interface SimStats {
  stats: { requests: number; served: number; capped: number; faults: Record<string, number> };
  peakRssBytes: number;
  cpuMs: number;
}

interface RunReport {
  label: string;
  concurrency: number;
  /** how the extraction ran: the compiled CLI or the sources through tsx */
  runner: string;
  rows: number;
  expected: number;
  elapsedMs: number;
  wallMs: number;
  rowsPerSecond: number;
  boundRatio: number;
  peakRssBytes: number;
  cpuMs: number | undefined;
  rssSource: string;
  requests: number;
  retries: number;
  throttled: number;
  simCpuMs: number;
  /** CPU other processes used on the machine during the run (noise), when /proc/stat is readable */
  othersCpuMs: number | undefined;
}

const othersShare = (r: RunReport) =>
  r.othersCpuMs === undefined ? undefined : r.othersCpuMs / (r.wallMs * cores());
const line = (text = '') => process.stdout.write(`${text}\n`);

/** A simulator process: resolves once it listens, with its URL and the records it must hand out. */
async function startSimProcess(untilMs?: number): Promise<{
  url: string;
  expectedRecords: number;
  /** its CPU once ready: generating the month is not part of serving it */
  readyCpuMs: number;
  stop: () => Promise<SimStats>;
}> {
  const args = [
    SIM_SCRIPT,
    '--volume',
    String(VOLUME),
    '--latency-ms',
    String(LATENCY_MS),
    '--qps-cap',
    String(QPS),
    '--enterprise',
    ENTERPRISE,
    '--month',
    MONTH,
    '--tz',
    TIME_ZONE,
    ...(untilMs === undefined ? [] : ['--until-ms', String(untilMs)]),
  ];
  const child: ChildProcess = spawn(process.execPath, [...TSX_ARGS, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`the simulator process exited before listening (${SIM_SCRIPT})`);
  const ready = JSON.parse(first.value) as { url: string; expectedRecords: number; cpuMs: number };
  return {
    url: ready.url,
    expectedRecords: ready.expectedRecords,
    readyCpuMs: ready.cpuMs,
    stop: async () => {
      child.kill('SIGTERM');
      const last = await lines.next();
      if (last.done) throw new Error('the simulator process exited without printing its stats');
      return JSON.parse(last.value) as SimStats;
    },
  };
}

const SUMMARY =
  /extracted \S+ \S+ \([^)]*\): (\d+) rows, \d+ duplicates removed, (\d+) quarantined, \d+\/\d+ windows, (\d+) requests, (\d+) retries, ([\d.]+) s/;

function parseCliSummary(stdout: string): ExtractResult | undefined {
  const m = SUMMARY.exec(stdout);
  if (!m) return undefined;
  return {
    rows: Number(m[1]),
    quarantined: Number(m[2]),
    requests: Number(m[3]),
    retries: Number(m[4]),
    elapsedMs: Number(m[5]) * 1000,
  };
}

/**
 * One measured extraction against a fresh simulator: the whole month through the CLI, or with
 * `untilMs` the month's first days through `--slice-child` (the CLI cannot stop a month early).
 */
async function measure(
  label: string,
  concurrency: number,
  scratch: string,
  runner: Runner,
  untilMs?: number,
): Promise<RunReport> {
  const sim = await startSimProcess(untilMs);
  const out = await mkdtemp(join(scratch, `${label}-`));
  const args =
    untilMs === undefined
      ? [
          runner.cli,
          'extract',
          '--endpoint',
          sim.url,
          '--enterprise',
          ENTERPRISE,
          '--month',
          MONTH,
          '--tz',
          TIME_ZONE,
          '--qps',
          String(QPS),
          '--concurrency',
          String(concurrency),
          '--out',
          out,
          '--fresh',
          '--quiet',
        ]
      : [
          SELF,
          '--slice-child',
          '--endpoint',
          sim.url,
          '--out',
          out,
          '--until-ms',
          String(untilMs),
          '--concurrency',
          String(concurrency),
        ];
  const busyBefore = await machineBusyMs();
  // The baseline slice runs this file (TypeScript) as its child: it is timed, not held to the RSS target.
  const nodeArgs = untilMs === undefined ? runner.nodeArgs : TSX_ARGS;
  const measured = await runMeasured(nodeArgs, args, { cwd: ROOT, scratch }).catch(async (error: unknown) => {
    await sim.stop();
    throw error;
  });
  const busyAfter = await machineBusyMs();
  const simStats = await sim.stop();
  const simCpuMs = simStats.cpuMs - sim.readyCpuMs;
  const result =
    untilMs === undefined ? parseCliSummary(measured.stdout) : parseChildSummary(measured.stdout);
  if (measured.code !== 0 || !result) {
    throw new Error(
      `${label}: the extraction exited ${measured.code}${result ? '' : ' without a summary line'}\n${measured.stdout}${measured.stderr}`,
    );
  }
  const boundSeconds = result.rows / (PAGE_SIZE * QPS);
  return {
    label,
    concurrency,
    runner: untilMs === undefined ? runner.label : 'tsx',
    rows: result.rows,
    expected: sim.expectedRecords,
    elapsedMs: result.elapsedMs,
    wallMs: measured.wallMs,
    rowsPerSecond: result.rows / (result.elapsedMs / 1000),
    boundRatio: boundSeconds / (result.elapsedMs / 1000),
    peakRssBytes: measured.peakRssBytes,
    cpuMs: measured.cpuMs,
    rssSource: measured.rssSource,
    requests: result.requests,
    retries: result.retries,
    throttled: simStats.stats.capped + (simStats.stats.faults.throttle ?? 0),
    simCpuMs,
    othersCpuMs: otherLoad(
      busyBefore,
      busyAfter,
      measured.cpuMs === undefined ? undefined : measured.cpuMs + simCpuMs,
      measured.wallMs,
    )?.cpuMs,
  };
}

function parseChildSummary(stdout: string): ExtractResult | undefined {
  const json = stdout.split('\n').find((l) => l.startsWith('{'));
  return json ? (JSON.parse(json) as ExtractResult) : undefined;
}

/** `--slice-child`: extract the month only up to `--until-ms`, by planning it as of that instant. */
async function runSliceChild(values: Record<string, string | boolean | undefined>): Promise<void> {
  const untilMs = Number(values['until-ms']);
  const summary = await extractMonth({
    enterpriseId: ENTERPRISE,
    month: MONTH,
    timeZone: TIME_ZONE,
    outDir: String(values.out),
    endpoint: String(values.endpoint),
    credentials: DEFAULT_KEY_PAIR,
    concurrency: Number(values.concurrency),
    qps: QPS,
    pageSize: PAGE_SIZE,
    // With no lag the month ends at the last full second before `now`: exactly `untilMs`.
    lagMs: 0,
    now: () => new Date(untilMs + 1),
    retryPolicy: RETRY_POLICY,
    fresh: true,
  });
  const result: ExtractResult = {
    rows: summary.rows,
    quarantined: summary.quarantined,
    requests: summary.requests,
    retries: summary.retries,
    elapsedMs: summary.elapsedMs,
  };
  line(JSON.stringify(result));
}

/** "381 MiB (400 MB)": the peak in both units, since the target is in MB. */
const rssText = (bytes: number) => `${mib(bytes).toFixed(0)} MiB (${(bytes / 1e6).toFixed(0)} MB)`;

function describe(r: RunReport): string[] {
  const rss = `${rssText(r.peakRssBytes)}, ${r.rssSource}`;
  const cpu = r.cpuMs === undefined ? '' : `, extractor CPU ${(r.cpuMs / 1000).toFixed(1)} s`;
  return [
    `${r.label} (concurrency ${r.concurrency}, qps ${QPS}, ${r.runner}):`,
    `  rows            ${r.rows} of ${r.expected} expected${r.rows === r.expected ? '' : '  ← MISMATCH'}`,
    `  time            ${(r.elapsedMs / 1000).toFixed(1)} s in the pipeline, ${(r.wallMs / 1000).toFixed(1)} s process wall${cpu}`,
    `  rows/s          ${r.rowsPerSecond.toFixed(0)}`,
    `  vs bound        ${r.boundRatio.toFixed(3)} (bound ${(r.rows / (PAGE_SIZE * QPS)).toFixed(1)} s)`,
    `  peak RSS        ${rss}`,
    `  requests        ${r.requests} (${r.retries} retried; ${r.throttled} answered Throttling.User by the simulator)`,
    `  simulator CPU   ${(r.simCpuMs / 1000).toFixed(1)} s (its own process)`,
    `  other load      ${
      r.othersCpuMs === undefined
        ? 'unknown'
        : `${(r.othersCpuMs / 1000).toFixed(1)} CPU-s by other processes (${(100 * (othersShare(r) ?? 0)).toFixed(0)}% of the machine)`
    }`,
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '8' },
      'baseline-days': { type: 'string', default: '3' },
      keep: { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      'slice-child': { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      out: { type: 'string' },
      'until-ms': { type: 'string' },
    },
  });
  if (values['slice-child']) {
    await runSliceChild(values);
    return 0;
  }
  const concurrencies = values.concurrency.split(',').map(Number);
  const baselineDays = Number(values['baseline-days']);
  if (concurrencies.some((c) => !Number.isInteger(c) || c < 1) || !(baselineDays >= 0)) {
    process.stderr.write(
      'usage: bench:extract [-- --concurrency 4[,8…]] [--baseline-days 3] [--tsx] [--keep]\n',
    );
    return 2;
  }
  const runner: Runner = values.tsx
    ? { nodeArgs: TSX_ARGS, cli: CLI_SOURCE, label: 'sources through tsx' }
    : { nodeArgs: [], cli: CLI_COMPILED, label: 'compiled CLI' };
  if (!values.tsx) {
    line(`compiling the CLI into ${BUILD_ROOT} …`);
    const built = await compileForBench();
    if (built !== undefined) {
      process.stderr.write(`tsc failed, nothing benchmarked (or run with --tsx):\n${built}\n`);
      return 2;
    }
  }
  const scratch = await mkdtemp(join(tmpdir(), 'pushlog-bench-'));
  const misses: string[] = [];
  try {
    line(
      `extract benchmark: ${VOLUME} records of ${MONTH}, ${LATENCY_MS} ms latency, ${QPS} QPS cap, scratch ${scratch}`,
    );
    const runs: RunReport[] = [];
    for (const concurrency of concurrencies) {
      const run = await measure(`month c=${concurrency}`, concurrency, scratch, runner);
      for (const text of describe(run)) line(text);
      runs.push(run);
    }
    let baseline: RunReport | undefined;
    if (baselineDays > 0) {
      const plan = planMonth({ month: MONTH, timeZone: TIME_ZONE, now: new Date() });
      const next = plan.windows[baselineDays];
      const untilMs = next ? next.startMs - 1 : plan.endMs;
      baseline = await measure(`baseline ${baselineDays} days`, 1, scratch, runner, untilMs);
      for (const text of describe(baseline)) line(text);
    }
    line();
    for (const run of runs) {
      const vsBaseline = baseline ? (run.rowsPerSecond / baseline.rowsPerSecond).toFixed(2) : 'n/a';
      line(
        `${run.label}: ${run.rowsPerSecond.toFixed(0)} rows/s, ${run.boundRatio.toFixed(3)} of the rate-limit bound, ` +
          `${vsBaseline}× the baseline, peak RSS ${rssText(run.peakRssBytes)}, ${run.throttled} throttled`,
      );
      if (run.rows !== run.expected) misses.push(`${run.label}: ${run.rows} rows, expected ${run.expected}`);
      if (run.boundRatio < TARGET_BOUND_RATIO) {
        const share = othersShare(run);
        const noisy =
          share !== undefined && share > NOISY_SHARE
            ? ` (other processes took ${(100 * share).toFixed(0)}% of the machine meanwhile: run again on a quiet machine)`
            : '';
        misses.push(
          `${run.label}: ${run.boundRatio.toFixed(3)} of the rate-limit bound, target ≥ ${TARGET_BOUND_RATIO}${noisy}`,
        );
      }
      if (run.peakRssBytes > TARGET_PEAK_RSS_BYTES)
        misses.push(
          `${run.label}: peak RSS ${rssText(run.peakRssBytes)}, target ≤ ${rssText(TARGET_PEAK_RSS_BYTES)}`,
        );
    }
    if (baseline && baseline.rows !== baseline.expected)
      misses.push(`${baseline.label}: ${baseline.rows} rows, expected ${baseline.expected}`);
    const rows = runs.map((run) => ({
      label: `${run.label}, ${run.rows} rows (${run.boundRatio.toFixed(3)} of bound${baseline ? `, ${(run.rowsPerSecond / baseline.rowsPerSecond).toFixed(2)}× baseline rows/s` : ''})`,
      seconds: run.rows / run.rowsPerSecond,
      baseline: 'rate-limit bound',
      baselineSeconds: run.rows / (500 * QPS),
      peakRssMiB: mib(run.peakRssBytes),
      target: `≥ ${TARGET_BOUND_RATIO} of bound, ≤ ${TARGET_PEAK_RSS_BYTES / 1e6} MB`,
      met: run.boundRatio >= TARGET_BOUND_RATIO && run.peakRssBytes <= TARGET_PEAK_RSS_BYTES,
    }));
    line(`bench-result ${JSON.stringify({ bench: 'extract', rows })}`);
  } finally {
    if (values.keep) line(`kept ${scratch}`);
    else await rm(scratch, { recursive: true, force: true });
  }
  return reportMisses(misses, line);
}

process.exitCode = await main();
