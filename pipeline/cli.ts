#!/usr/bin/env node
import { isIP } from 'node:net';
import { Command, CommanderError, Option } from 'commander';
import {
  type ExtractConfig,
  findConfigFile,
  type RunConfig,
  readConfigFile,
  resolveExtractConfig,
  resolveRunConfig,
} from './config.js';
import { PipelineError } from './errors.js';
import type { ExtractSummary } from './events.js';
import { type Credentials, extractMonth, formatLocal, monthDir } from './extract/index.js';
import { createProgress, type ProgressMode } from './progress.js';
import type { ReportModel } from './transform/index.js';
import { TOOL_VERSION } from './version.js';

/** Exit statuses other tools and CI jobs rely on (README, "Exit codes"). */
const EXIT = { ok: 0, failure: 1, usage: 2, breach: 3, incomplete: 4, auth: 5, interrupted: 130 } as const;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return EXIT.usage;
  if (!(error instanceof PipelineError)) return EXIT.failure;
  switch (error.code) {
    case 'CONFIG_INVALID':
    case 'EXTRACT_PARAMETER':
      return EXIT.usage;
    case 'EXTRACT_AUTH':
      return EXIT.auth;
    case 'EXTRACT_INCOMPLETE':
    case 'EXTRACT_RETRIES_EXHAUSTED':
      return EXIT.incomplete;
    case 'ABORTED':
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
}

function progressMode(quiet: boolean): ProgressMode {
  if (quiet) return 'quiet';
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  return process.stderr.isTTY && !ci ? 'bar' : 'lines';
}

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Credentials come from the environment only. Against a local simulator without them, the
 * simulator's documented demo pair is used, so `simulate` and `extract` work in one shell.
 */
async function credentialsFor(endpoint: string): Promise<Credentials> {
  const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const securityToken = process.env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined;
  if (accessKeyId && accessKeySecret) return { accessKeyId, accessKeySecret, securityToken };
  if (isLoopback(endpoint)) {
    const { DEFAULT_KEY_PAIR } = await import('./simulator/index.js');
    return DEFAULT_KEY_PAIR;
  }
  throw new PipelineError(
    'CONFIG_INVALID',
    'No credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS)',
  );
}

function summaryLine(s: ExtractSummary, timeZone: string): string {
  const asOf =
    s.final || s.asOfMs === null ? 'final' : `as of ${formatLocal(s.asOfMs, timeZone)} ${timeZone}`;
  return [
    `extracted ${s.enterpriseId} ${s.month} (${asOf}):`,
    `${s.rows} rows,`,
    `${s.duplicates} duplicates removed,`,
    `${s.quarantined} quarantined,`,
    `${s.windowsDone}/${s.windows} windows,`,
    `${s.requests} requests,`,
    `${s.retries} retries,`,
    `${(s.elapsedMs / 1000).toFixed(1)} s`,
    `→ ${s.database}`,
  ].join(' ');
}

/** Ties SIGINT/SIGTERM to an AbortSignal: the first stops the run cleanly, a second exits at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    err(`pushlog-report: ${name} received, stopping (what is checkpointed is kept; run again to resume)`);
    controller.abort(new PipelineError('ABORTED', `interrupted by ${name}`));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return controller.signal;
}

async function runExtract(
  config: ExtractConfig,
  quiet: boolean,
  signal: AbortSignal,
): Promise<ExtractSummary> {
  const credentials = await credentialsFor(config.endpoint);
  const progress = createProgress(progressMode(quiet), err);
  try {
    const summary = await extractMonth({
      enterpriseId: config.enterprise,
      month: config.resolvedMonth,
      timeZone: config.timeZone,
      outDir: config.out,
      endpoint: config.endpoint,
      credentials,
      signatureVersion: config.signature,
      concurrency: config.concurrency,
      qps: config.qps,
      pageSize: config.pageSize,
      splitPages: config.splitPages,
      lagMs: config.lagMinutes * 60_000,
      filters: {
        type: config.type,
        result: config.result as 0 | 1 | undefined,
        url: config.url,
        retry: config.retry,
      },
      timeoutMs: config.timeoutMs,
      retryPolicy: {
        retries: config.maxRetries,
        baseDelayMs: 250,
        maxDelayMs: 20_000,
        maxRetryAfterMs: 60_000,
      },
      keepLanding: config.keepLanding,
      fresh: config.fresh,
      signal,
      onEvent: progress.sink,
    });
    progress.stop();
    return summary;
  } catch (error) {
    progress.stop();
    throw error;
  }
}

/** Set by a command whose SLA failed under --fail-on-breach: the run ends with exit 3. */
let breached = false;

function loadRunConfig(o: CommonFlags, flags: Record<string, unknown>): RunConfig {
  const path = findConfigFile(o.config);
  return resolveRunConfig(readConfigFile(path), flags, new Date(), path);
}

const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`);
const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);

/** How a month is qualified on every line: final, as of a time, or PARTIAL. */
function stampOf(model: ReportModel): string {
  const stamps = [model.final ? 'final' : `as of ${model.asOf}`];
  if (!model.complete) stamps.push(`PARTIAL: ${model.incompleteWindows.length} windows missing`);
  return stamps.join(', ');
}

function transformLine(model: ReportModel, dir: string): string {
  const figures = [
    `${model.totals.pushes} pushes`,
    `success ${percent(model.totals.successRate)}`,
    `eventual ${percent(model.retries.eventualSuccessRate)}`,
    `p95 ${ms(model.latencyMs.p95)}`,
  ];
  if (model.sla !== null) {
    const failed = model.sla.rules.filter((rule) => !rule.passed).length;
    figures.push(
      model.sla.passed ? 'SLA passed' : `SLA FAILED (${failed} of ${model.sla.rules.length} rules)`,
    );
  }
  return `transformed ${model.enterpriseId} ${model.month} (${stampOf(model)}): ${figures.join(', ')} → ${dir}/summary.json`;
}

interface CommonFlags {
  config?: string;
  quiet?: boolean;
}

function extractFlags(o: Record<string, unknown>): Record<string, unknown> {
  return {
    enterprise: o.enterprise,
    month: o.month,
    endpoint: o.endpoint,
    timeZone: o.tz,
    out: o.out,
    concurrency: o.concurrency,
    qps: o.qps,
    type: o.type,
    result: o.result,
    url: o.url,
    retry: o.retry,
    pageSize: o.pageSize,
    splitPages: o.splitPages,
    maxRetries: o.maxRetries,
    timeoutMs: o.timeoutMs,
    lagMinutes: o.lagMinutes,
    signature: o.signature,
    keepLanding: o.keepLanding,
    fresh: o.fresh,
  };
}

function common(command: Command): Command {
  return command
    .option('--config <file>', 'settings file (JSON or YAML); flags override it')
    .option('--quiet', 'no progress output');
}

function buildProgram(signal: AbortSignal): Command {
  const program = new Command('pushlog-report')
    .description('Monthly delivery reports from Alibaba Cloud VMS CloudListCurlLog push logs')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  common(
    program
      .command('extract')
      .description('fetch a month of push logs into <out>/<enterprise>/<month>/staging.duckdb')
      .option('--enterprise <id>', 'call-center (enterprise) id')
      .option('--month <month>', 'YYYY-MM, last (previous full month) or current (as of now)', undefined)
      .option('--endpoint <url>', 'API endpoint (default https://dyvmsapi.aliyuncs.com)')
      .option('--tz <zone>', 'enterprise time zone (default Asia/Shanghai)')
      .option('--out <dir>', 'output folder (default reports)')
      .option('--concurrency <n>', 'requests in flight (default 4)')
      .option('--qps <n>', 'requests per second, retries included (default 10)')
      .option('--type <n>', 'only this push type')
      .option('--result <0|1>', 'only failures (0) or successes (1)')
      .option('--url <url>', 'only pushes to this URL')
      .option('--retry <n>', 'only attempts with this retry number (-2 = all)')
      .option('--page-size <n>', 'rows per page, 1..500 (default 500)')
      .option('--split-pages <n>', 'split a day into hours when it pages deeper than this (default 100)')
      .option('--max-retries <n>', 'retries per request before a window fails (default 8)')
      .option('--timeout-ms <n>', 'timeout per request (default 30000)')
      .option('--lag-minutes <n>', 'the current month ends this long before now (default 10)')
      .addOption(new Option('--signature <version>', 'request signature (default v3)').choices(['v3', 'v1']))
      .option('--keep-landing', 'keep the landed page bodies after loading')
      .option('--fresh', 'discard what an earlier run stored for this month'),
  ).action(async (o: Record<string, unknown> & CommonFlags) => {
    const config = resolveExtractConfig(readConfigFile(o.config), extractFlags(o), new Date());
    const summary = await runExtract(config, o.quiet ?? false, signal);
    out(summaryLine(summary, config.timeZone));
  });

  common(
    program
      .command('transform')
      .description("compute summary.json and raw.parquet from the month's staging.duckdb")
      .option('--enterprise <id>', 'call-center (enterprise) id')
      .option('--month <month>', 'YYYY-MM, last or current')
      .option('--tz <zone>', 'enterprise time zone (default Asia/Shanghai)')
      .option('--out <dir>', 'output folder (default reports)')
      .option('--sla <file>', 'SLA rules (JSON or YAML) to evaluate')
      .option('--allow-partial', 'report an incomplete extraction, stamped PARTIAL')
      .option('--fail-on-breach', 'exit 3 when an SLA rule fails or has no data'),
  ).action(async (o: Record<string, unknown> & CommonFlags) => {
    const config = loadRunConfig(o, {
      enterprise: o.enterprise,
      month: o.month,
      timeZone: o.tz,
      out: o.out,
      sla: o.sla,
      allowPartial: o.allowPartial,
      failOnBreach: o.failOnBreach,
    });
    const { transformMonth } = await import('./transform/index.js');
    for (const extract of config.extract) {
      const model = await transformMonth({
        outDir: extract.out,
        enterpriseId: extract.enterprise,
        month: extract.resolvedMonth,
        slaFile: config.sla,
        allowPartial: config.allowPartial,
      });
      out(transformLine(model, monthDir(extract.out, extract.enterprise, extract.resolvedMonth)));
      if (config.failOnBreach && model.sla !== null && !model.sla.passed) breached = true;
    }
  });

  common(
    program
      .command('simulate')
      .description('run the local CloudListCurlLog simulator until interrupted')
      .option('--port <n>', 'port on 127.0.0.1 (default 0 = a free port)')
      .option('--seed <n>', 'data seed (default 1)')
      .option('--volume <n>', 'records in each generated month (default 20000)')
      .option('--data <file.ndjson>', 'serve these wire records instead of generated ones')
      .option('--tz <zone>', 'zone of the StartTime/EndTime strings (default Asia/Shanghai)')
      .option('--latency-ms <n>', 'added to every answer')
      .option('--qps-cap <n>', 'answer Throttling.User above this rate')
      .option('--throttle-rate <f>', 'fraction of requests answered Throttling.User')
      .option('--error-rate <f>', 'fraction answered with a 5xx error body')
      .option('--drop-rate <f>', 'fraction whose connection is dropped')
      .option('--malformed-rate <f>', 'fraction answered with a truncated body'),
  ).action(async (o: Record<string, string | undefined> & CommonFlags) => {
    const file = readConfigFile(o.config);
    const { simulatorOptions } = await import('./simulate.js');
    const options = simulatorOptions({ ...(file.simulator as Record<string, unknown> | undefined), ...o });
    const { startSimulator, DEFAULT_KEY_PAIR } = await import('./simulator/index.js');
    const fromEnv = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID && process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    const keys = fromEnv
      ? {
          accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID as string,
          accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET as string,
        }
      : DEFAULT_KEY_PAIR;
    const sim = await startSimulator({ ...options, keys });
    out(`simulator listening on ${sim.url}`);
    out(
      fromEnv
        ? `accepting the key pair from ALIBABA_CLOUD_ACCESS_KEY_ID (${keys.accessKeyId}) and its secret`
        : `accepting the demo key pair ${DEFAULT_KEY_PAIR.accessKeyId} / ${DEFAULT_KEY_PAIR.accessKeySecret} (not a secret)`,
    );
    out(`try: pushlog-report extract --endpoint ${sim.url} --enterprise 7122600 --month last`);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await sim.close();
  });

  common(
    program
      .command('demo')
      .description('run the pipeline against an in-process simulator (no account needed)')
      .option('--out <dir>', 'output folder (default reports)')
      .option('--volume <n>', 'records in the demo month (default 200000)'),
  ).action(async (o: { out?: string; volume?: string } & CommonFlags) => {
    const { runDemo } = await import('./demo.js');
    await runDemo({
      out: o.out ?? 'reports',
      volume: o.volume,
      quiet: o.quiet ?? false,
      signal,
      print: out,
      runExtract,
    });
  });
  return program;
}

async function main(argv: string[]): Promise<number> {
  const signal = interruptSignal();
  const program = buildProgram(signal);
  try {
    await program.parseAsync(argv);
    return breached ? EXIT.breach : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully; commander already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    err(`pushlog-report: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.PUSHLOG_DEBUG && error instanceof Error) err(String(error.stack));
    return exitCodeOf(error);
  }
}

process.exitCode = await main(process.argv);
