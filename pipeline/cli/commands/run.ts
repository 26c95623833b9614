/** `pushlog-report run`: extract, transform, render and deliver a month, per enterprise. */
import { existsSync } from 'node:fs';
import type { ExtractConfig, RunConfig } from '../../config.js';
import { ConfigError, PipelineError } from '../../errors.js';
import { createProgress } from '../../progress.js';
import { type SharedBrowser, shareBrowser } from '../../render/index.js';
import { redactModel, redactUrl } from '../../render/redact.js';
import { type MonthResult, runMonth } from '../../run.js';
import { type CommandContext, err, out } from '../context.js';
import { credentialsFor } from '../credentials.js';
import type { Flags } from '../options.js';
import { isCi, progressMode, renderPrinter, runLine } from '../output.js';
import { configFlags, loadRunConfig } from '../settings.js';

export async function execute(o: Flags, { signal, reportBreach }: CommandContext): Promise<void> {
  const config = loadRunConfig(o);
  await checkFiles(config);
  const ci = o.ci === true || isCi();
  if (o.dryRun) {
    out(JSON.stringify(maskedConfig(config), null, 2));
    return;
  }
  const quiet = o.quiet === true || o.json === true;
  if (config.format.includes('pdf')) await warnWithoutChromium();
  // One browser for every PDF of this run, launched by the first; closed below on every path.
  const browser = shareBrowser({ signal });
  try {
    await runAll(config, o, { signal, reportBreach }, browser, quiet, ci);
  } finally {
    await browser.close();
  }
}

async function runAll(
  config: RunConfig,
  o: Flags,
  { signal, reportBreach }: CommandContext,
  browser: SharedBrowser,
  quiet: boolean,
  ci: boolean,
): Promise<void> {
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
        browser,
        arguments: { ...configFlags(o), configFile: config.configFile },
        onEvent: (event) => {
          progress.sink(event);
          printRender(event);
        },
      });
      results.push(result);
      if (config.failOnBreach && result.slaPassed === false) reportBreach();
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
  const { jsonLine, appendStepSummary, githubStepSummary } = await import('../../deliver/index.js');
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

/** The files a config names are read before any work starts: a typo should not wait for a month of API calls. */
async function checkFiles(config: RunConfig): Promise<void> {
  if (config.sla !== undefined) {
    const { readSlaFile } = await import('../../transform/index.js');
    await readSlaFile(config.sla);
  }
  if (config.emailTo.length > 0) {
    const { parseSmtpUrl } = await import('../../deliver/index.js');
    parseSmtpUrl(process.env.SMTP_URL);
  }
  if (config.templates !== undefined && !existsSync(config.templates)) {
    throw new ConfigError(
      `--templates ${config.templates}: no such folder (pushlog-report templates export DIR makes one)`,
    );
  }
}

/** Says at the start, not after an hour of extraction, that the PDF is going to fail. */
async function warnWithoutChromium(): Promise<void> {
  const { resolveExecutablePath, INSTALL_HINT } = await import('../../render/pdf/browser.js');
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
