#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { Command, CommanderError, Option } from 'commander';
import { bytesOf, extractLine, isCi, progressMode, runLine, transformLine } from './cli/output.js';
import {
  type ExtractConfig,
  findConfigFile,
  type RunConfig,
  readConfigFile,
  resolveRunConfig,
} from './config.js';
import { ConfigError, PipelineError } from './errors.js';
import type { ExtractSummary } from './events.js';
import { type Credentials, extractMonth, monthDir } from './extract/index.js';
import { createProgress } from './progress.js';
import { redactModel, redactUrl } from './render/redact.js';
import { extractOptionsOf, type MonthResult, type RunEvent, runMonth } from './run.js';
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
    case 'RENDER_TEMPLATE':
      return EXIT.usage;
    case 'EXTRACT_AUTH':
      return EXIT.auth;
    case 'DELIVER_EMAIL':
      // A template the user wrote that does not render is a usage problem like any other.
      return (error as PipelineError & { reason?: string }).reason === 'template' ? EXIT.usage : EXIT.failure;
    case 'EXTRACT_INCOMPLETE':
    case 'EXTRACT_RETRIES_EXHAUSTED':
      return EXIT.incomplete;
    case 'ABORTED':
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
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

/** Runs the extract stage with progress on stderr; returns its summary. */
export async function runExtract(
  config: ExtractConfig,
  quiet: boolean,
  signal: AbortSignal,
): Promise<ExtractSummary> {
  const credentials = await credentialsFor(config.endpoint);
  const progress = createProgress(progressMode(quiet), err);
  try {
    return await extractMonth({ ...extractOptionsOf(config, credentials), signal, onEvent: progress.sink });
  } finally {
    progress.stop();
  }
}

/** Set by a command whose SLA failed under --fail-on-breach: the run ends with exit 3. */
let breached = false;

interface CommonFlags {
  config?: string;
  quiet?: boolean;
}

type Flags = Record<string, unknown> & CommonFlags;

function loadRunConfig(o: CommonFlags, flags: Record<string, unknown>): RunConfig {
  const path = findConfigFile(o.config);
  return resolveRunConfig(readConfigFile(path), flags, new Date(), path);
}

/** The files a config names are read before any work starts: a typo should not wait for a month of API calls. */
async function checkFiles(config: RunConfig): Promise<void> {
  if (config.sla !== undefined) {
    const { readSlaFile } = await import('./transform/index.js');
    await readSlaFile(config.sla);
  }
  if (config.emailTo.length > 0) {
    const { parseSmtpUrl } = await import('./deliver/index.js');
    parseSmtpUrl(process.env.SMTP_URL);
  }
  if (config.templates !== undefined && !existsSync(config.templates)) {
    throw new ConfigError(
      `--templates ${config.templates}: no such folder (pushlog-report templates export DIR makes one)`,
    );
  }
}

/** Commander's camelCase options → config keys (the few that differ are renamed here). */
function configFlags(o: Flags): Record<string, unknown> {
  const { config: _config, quiet: _quiet, tz, ci: _ci, json: _json, dryRun: _dryRun, ...rest } = o;
  return { ...rest, timeZone: tz };
}

function common(command: Command): Command {
  return command
    .option('--config <file>', 'settings file (JSON or YAML); default ./pushlog-report.config.{json,yaml}')
    .option('--quiet', 'no progress output');
}

function monthOptions(command: Command): Command {
  return command
    .option('--enterprise <ids>', 'call-center (enterprise) id; several separated by commas')
    .option('--month <month>', 'YYYY-MM, last (previous full month, default) or current (as of now)')
    .option('--tz <zone>', 'enterprise time zone (default Asia/Shanghai)')
    .option('--out <dir>', 'output folder (default reports)');
}

function extractOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'API endpoint (default https://dyvmsapi.aliyuncs.com)')
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
    .option('--fresh', 'discard what an earlier run stored for this month');
}

function transformOptions(command: Command): Command {
  return command
    .option('--sla <file>', 'SLA rules (JSON or YAML) to evaluate')
    .option('--allow-partial', 'report an incomplete extraction, stamped PARTIAL')
    .option('--fail-on-breach', 'exit 3 when an SLA rule fails or has no data');
}

function renderOptions(command: Command): Command {
  return (
    command
      .option('--format <list>', 'xlsx, pdf or xlsx,pdf (default both)')
      .option('--locale <locale>', 'zh-CN (default) or en')
      .option('--templates <dir>', 'templates overriding the built-in ones by file name')
      // With both spellings defined, commander sets no default, so `redact: false` in a config file holds.
      .addOption(
        new Option('--redact', 'redact secrets in URL query strings and headers (default)').hideHelp(),
      )
      .option('--no-redact', 'keep secrets in URL query strings and headers (redacted by default)')
      .option('--raw-sheet', 'xlsx: add every record, split across sheets at the row limit')
  );
}

/** Prints what a render stage wrote, as it is written. */
function renderPrinter(quiet: boolean): (event: RunEvent) => void {
  return (event) => {
    if (quiet) return;
    if (event.type === 'stage-started' && event.stage !== 'extract') {
      err(`${event.stage} ${event.enterpriseId} ${event.month}…`);
    } else if (event.type === 'render-finished') {
      err(
        `rendered ${event.format} → ${event.path} (${bytesOf(event.bytes)}, ${(event.elapsedMs / 1000).toFixed(1)} s)`,
      );
    }
  };
}

async function runCommand(o: Flags, signal: AbortSignal): Promise<void> {
  const config = loadRunConfig(o, configFlags(o));
  await checkFiles(config);
  const ci = o.ci === true || isCi();
  if (o.dryRun) {
    out(JSON.stringify(maskedConfig(config), null, 2));
    return;
  }
  const quiet = o.quiet === true || o.json === true;
  if (config.format.includes('pdf')) await warnWithoutChromium();
  const results: MonthResult[] = [];
  const failures: { id: string; error: unknown }[] = [];
  // Several enterprises share one terminal: their progress goes to plain lines.
  const mode = config.extract.length > 1 && config.parallel > 1 ? 'lines' : progressMode(quiet, ci);
  const one = async (extract: ExtractConfig) => {
    const credentials = await credentialsFor(extract.endpoint);
    const progress = createProgress(quiet ? 'quiet' : mode, err);
    const printRender = renderPrinter(quiet);
    try {
      const result = await runMonth({
        extract,
        report: config,
        credentials,
        signal,
        arguments: { ...configFlags(o), configFile: config.configFile },
        onEvent: (event) => {
          progress.sink(event);
          printRender(event);
        },
      });
      results.push(result);
      if (config.failOnBreach && result.slaPassed === false) breached = true;
    } catch (error) {
      if (signal.aborted) throw error;
      failures.push({ id: extract.enterprise, error });
    } finally {
      progress.stop();
    }
  };
  const queue = [...config.extract];
  await Promise.all(
    Array.from({ length: Math.min(config.parallel, queue.length) }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await one(next);
    }),
  );
  results.sort((a, b) => a.enterpriseId.localeCompare(b.enterpriseId));
  const { jsonLine, appendStepSummary, githubStepSummary } = await import('./deliver/index.js');
  for (const result of results) {
    out(o.json ? jsonLine(result.model, result) : runLine(result));
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      // The step summary page can be public: it shows what the artifacts show, redacted alike.
      const model = config.redact ? redactModel(result.model) : result.model;
      await appendStepSummary(summaryFile, githubStepSummary(model, result.artifacts));
    }
  }
  const first = failures[0];
  if (first === undefined) return;
  if (config.extract.length === 1) throw first.error;
  // Several enterprises: one line each, then the first failure's code decides the exit status.
  for (const failure of failures) {
    err(
      `pushlog-report: ${failure.id}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`,
    );
  }
  const code = first.error instanceof PipelineError ? first.error.code : 'INTERNAL';
  throw new PipelineError(
    code,
    `${failures.length} of ${config.extract.length} enterprises failed (see above)`,
  );
}

/** Says at the start, not after an hour of extraction, that the PDF is going to fail. */
async function warnWithoutChromium(): Promise<void> {
  const { resolveExecutablePath, INSTALL_HINT } = await import('./render/pdf/browser.js');
  const path = await resolveExecutablePath().catch(() => undefined);
  if (path === undefined || !existsSync(path)) {
    err(
      `pushlog-report: warning: no Chromium at ${path ?? '(none found)'}: the workbook will be written but the PDF will fail; ${INSTALL_HINT}`,
    );
  }
}

/**
 * The resolved config with secrets masked (`--dry-run`): the environment's are shown as set or not,
 * and URLs (endpoint, --url filter) lose their user info and secret-looking query values.
 */
function maskedConfig(config: RunConfig): Record<string, unknown> {
  const env = (name: string) => (process.env[name] ? '***' : '(not set)');
  const mask = (value: unknown): unknown =>
    typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
      ? redactUrl(value)
      : Array.isArray(value)
        ? value.map(mask)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v)]))
          : value;
  return {
    ...(mask(config) as Record<string, unknown>),
    credentials: {
      ALIBABA_CLOUD_ACCESS_KEY_ID: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '(not set)',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: env('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
      ALIBABA_CLOUD_SECURITY_TOKEN: env('ALIBABA_CLOUD_SECURITY_TOKEN'),
      SMTP_URL: env('SMTP_URL'),
    },
  };
}

function buildProgram(signal: AbortSignal): Command {
  const program = new Command('pushlog-report')
    .description('Monthly delivery reports from Alibaba Cloud VMS CloudListCurlLog push logs')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  common(
    extractOptions(
      monthOptions(
        program
          .command('run')
          .description('extract, transform, render (xlsx, pdf) and deliver a month, per enterprise'),
      ),
    ),
  );
  const run = program.commands.at(-1) as Command;
  renderOptions(transformOptions(run))
    .option('--email-to <list>', 'e-mail the report to these addresses (SMTP server from SMTP_URL)')
    .option('--email-from <address>', 'sender address (default pushlog-report@<hostname>)')
    .option('--parallel <n>', 'enterprises run at once (default 1)')
    .option('--ci', 'CI mode: plain progress lines (also when CI=true)')
    .option('--json', 'print one JSON line per month (summary path, artifacts, headline figures)')
    .option('--dry-run', 'print the resolved configuration (secrets masked) and stop')
    .action((o: Flags) => runCommand(o, signal));

  common(
    extractOptions(
      monthOptions(
        program
          .command('extract')
          .description('fetch a month of push logs into <out>/<id>/<month>/staging.duckdb'),
      ),
    ),
  ).action(async (o: Flags) => {
    const config = loadRunConfig(o, configFlags(o));
    for (const extract of config.extract) {
      out(extractLine(await runExtract(extract, o.quiet ?? false, signal), extract.timeZone));
    }
  });

  common(
    transformOptions(
      monthOptions(
        program
          .command('transform')
          .description("compute summary.json and raw.parquet from the month's staging.duckdb"),
      ),
    ),
  ).action(async (o: Flags) => {
    const config = loadRunConfig(o, configFlags(o));
    const { transformMonth } = await import('./transform/index.js');
    for (const extract of config.extract) {
      const model = await transformMonth({
        outDir: extract.out,
        enterpriseId: extract.enterprise,
        month: extract.resolvedMonth,
        slaFile: config.sla,
        allowPartial: config.allowPartial,
        signal,
      });
      out(transformLine(model, monthDir(extract.out, extract.enterprise, extract.resolvedMonth)));
      if (config.failOnBreach && model.sla !== null && !model.sla.passed) breached = true;
    }
  });

  common(
    renderOptions(
      monthOptions(
        program.command('render').description("write the workbook and the PDF from the month's summary.json"),
      ),
    ),
  ).action(async (o: Flags) => {
    const config = loadRunConfig(o, configFlags(o));
    const { renderMonth } = await import('./render-month.js');
    for (const extract of config.extract) {
      const artifacts = await renderMonth({
        dir: monthDir(extract.out, extract.enterprise, extract.resolvedMonth),
        report: config,
        arguments: configFlags(o),
        signal,
        onEvent: renderPrinter(o.quiet === true),
      });
      for (const artifact of artifacts) out(`${artifact.path} ${artifact.sha256}`);
    }
  });

  common(
    program
      .command('verify')
      .description("recompute every artifact's sha256 against manifest.json (tamper evidence)")
      .argument('<dir>', 'a month folder, e.g. reports/7122600/2026-04'),
  ).action(async (dir: string) => {
    const { verifyFolder, describeVerifyResult } = await import('./store/manifest.js');
    const result = await verifyFolder(dir);
    for (const line of describeVerifyResult(result)) out(line);
    if (!result.ok) throw new PipelineError('VERIFY_FAILED', `${dir} does not match its manifest.json`);
  });

  const templates = program.command('templates').description('work with the report templates');
  common(templates.command('export'))
    .description('copy the built-in templates into DIR, as a starting point for --templates')
    .argument('<dir>', 'destination folder (created; existing files are not overwritten)')
    .option('--force', 'overwrite files that exist')
    .action(async (dir: string, o: { force?: boolean }) => {
      const { exportTemplates } = await import('./render/templates.js');
      const written = await exportTemplates(dir, { force: o.force === true });
      out(`exported ${written.length} files to ${dir}; use them with --templates ${dir}`);
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
    out(`try: pushlog-report run --endpoint ${sim.url} --enterprise 7122600 --month last`);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await sim.close();
  });

  common(
    program
      .command('demo')
      .description('the whole pipeline against an in-process simulator (no account needed)')
      .option('--out <dir>', 'output folder (default reports)')
      .option('--volume <n>', 'records in the demo month (default 200000)')
      .option('--format <list>', 'xlsx, pdf or xlsx,pdf (default both)')
      .option('--locale <locale>', 'zh-CN (default) or en'),
  ).action(async (o: Flags) => {
    const { runDemo } = await import('./demo.js');
    await runDemo({
      flags: configFlags(o),
      quiet: o.quiet ?? false,
      signal,
      print: out,
      onEvent: renderPrinter(o.quiet === true),
      progressMode: progressMode(o.quiet ?? false),
      warn: err,
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
