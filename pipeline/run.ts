/**
 * One enterprise-month from the API to the inbox: extract → transform → render → manifest →
 * deliver. Stages never print; everything they report goes through `onEvent`.
 *
 * A folder is never left looking complete by a run that did not finish: the old manifest is
 * removed before any artifact is replaced, every artifact is renamed into place whole, and the new
 * manifest is written last.
 */
import { existsSync } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ExtractConfig, ReportConfig } from './config.js';
import { PipelineError } from './errors.js';
import type { EventSink, ExtractSummary, PipelineEvent } from './events.js';
import { type Credentials, type ExtractOptions, extractMonth, monthDir } from './extract/index.js';
import {
  artifactName,
  type RenderEvent,
  type RenderedArtifact,
  type RenderOutcome,
  renderReport,
  type SharedBrowser,
} from './render/index.js';
import { redactModel } from './render/redact.js';
import { isTemporaryArtifact } from './store/artifacts.js';
import { buildManifest, type Manifest, removeManifest, writeManifest } from './store/manifest.js';
import { StagingStore } from './store/staging.js';
import { RAW_FILE, type ReportModel, SUMMARY_FILE, transformMonth } from './transform/index.js';

export type RunEvent =
  | PipelineEvent
  | RenderEvent
  | { type: 'stage-started'; enterpriseId: string; month: string; stage: Stage }
  | { type: 'email-sent'; enterpriseId: string; month: string; to: string[]; messageId: string };

export type Stage = 'extract' | 'transform' | 'render' | 'deliver';

export interface RunMonthOptions {
  extract: ExtractConfig;
  report: ReportConfig;
  credentials: Credentials;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** the run's arguments as given (the manifest records them, secrets redacted) */
  arguments?: Record<string, unknown>;
  /** skip the extract stage (render from what is staged) */
  skipExtract?: boolean;
  /** the browser the run's PDFs share (default: each PDF launches and closes its own) */
  browser?: SharedBrowser | undefined;
}

export interface MonthResult {
  enterpriseId: string;
  month: string;
  dir: string;
  model: ReportModel;
  /** null when the extract stage was skipped */
  extract: ExtractSummary | null;
  artifacts: RenderedArtifact[];
  manifest: Manifest;
  manifestPath: string;
  /** null without SLA rules */
  slaPassed: boolean | null;
  emailedTo: string[];
}

/** Runs the whole pipeline for one enterprise-month. */
export async function runMonth(options: RunMonthOptions): Promise<MonthResult> {
  const { extract: config, report } = options;
  const emit = options.onEvent ?? (() => {});
  const enterpriseId = config.enterprise;
  const month = config.resolvedMonth;
  const dir = monthDir(config.out, enterpriseId, month);
  const startedAt = new Date();
  const stage = (name: Stage) => emit({ type: 'stage-started', enterpriseId, month, stage: name });

  let summary: ExtractSummary | null = null;
  if (!options.skipExtract) {
    stage('extract');
    summary = await extractStage(options, emit);
  }
  options.signal?.throwIfAborted();
  await removeManifest(dir);
  await removeTemporaryArtifacts(dir);
  // An empty landing/ is only a leftover of the extraction (rmdir refuses a folder that still holds pages).
  await rmdir(join(dir, 'landing')).catch(() => {});

  stage('transform');
  const model = await transformMonth({
    outDir: config.out,
    enterpriseId,
    month,
    slaFile: report.sla,
    allowPartial: report.allowPartial,
    signal: options.signal,
  });
  options.signal?.throwIfAborted();

  stage('render');
  const { rendered, manifest, manifestPath } = await renderAndRecord(model, report, {
    dir,
    startedAt,
    arguments: options.arguments ?? {},
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onEvent: emit,
    browser: options.browser,
  });
  if (rendered.failures.length > 0) throw rendered.failures[0]?.error;

  let emailedTo: string[] = [];
  if (report.emailTo.length > 0) {
    stage('deliver');
    const { sendReport } = await import('./deliver/index.js');
    const sent = await sendReport({
      model: report.redact ? redactModel(model) : model,
      to: report.emailTo,
      ...(report.emailFrom === undefined ? {} : { from: report.emailFrom }),
      locale: report.locale,
      attachments: rendered.artifacts.map((a) => a.path),
      ...(report.templates === undefined ? {} : { templatesDir: report.templates }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    emailedTo = report.emailTo;
    emit({ type: 'email-sent', enterpriseId, month, to: emailedTo, messageId: sent.messageId });
  }

  return {
    enterpriseId,
    month,
    dir,
    model,
    extract: summary,
    artifacts: rendered.artifacts,
    manifest,
    manifestPath,
    slaPassed: model.sla === null ? null : model.sla.passed,
    emailedTo,
  };
}

/**
 * Extracts the month. An incomplete extraction stops the run (exit 4) unless `allowPartial`: then
 * what was fetched is reported, stamped PARTIAL.
 */
async function extractStage(options: RunMonthOptions, emit: EventSink): Promise<ExtractSummary> {
  const { extract: config } = options;
  let finished: ExtractSummary | undefined;
  try {
    return await extractMonth({
      ...extractOptionsOf(config, options.credentials),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onEvent: (event) => {
        if (event.type === 'extract-finished') finished = event.summary;
        emit(event);
      },
    });
  } catch (error) {
    const partial = error instanceof PipelineError && error.code === 'EXTRACT_INCOMPLETE';
    if (partial && options.report.allowPartial && finished !== undefined) return finished;
    throw error;
  }
}

/** The extractor's options from a resolved extract config. */
export function extractOptionsOf(config: ExtractConfig, credentials: Credentials): ExtractOptions {
  return {
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
  };
}

export interface RecordOptions {
  dir: string;
  startedAt: Date | string;
  /** the run's arguments (the manifest records them, secrets redacted) */
  arguments: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (event: RenderEvent) => void;
  browser?: SharedBrowser | undefined;
}

/**
 * Renders every format asked for, then writes the manifest vouching for what was written (even
 * when one format failed: the xlsx of a machine without Chromium is still a good artifact). The
 * file of a format that failed is removed, so an older one cannot pass for this run's. The caller
 * has removed the old manifest before anything was replaced.
 */
export async function renderAndRecord(
  model: ReportModel,
  report: ReportConfig,
  options: RecordOptions,
): Promise<{ rendered: RenderOutcome; manifest: Manifest; manifestPath: string }> {
  const { dir } = options;
  // The manifest's window states come from the staging store, read while the artifacts render:
  // opening DuckDB costs a few hundred milliseconds that would otherwise follow the PDF.
  const windows = storedWindows(dir);
  windows.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  let rendered: RenderOutcome;
  try {
    rendered = await renderReport(model, report.format, {
      dir,
      locale: report.locale,
      redact: report.redact,
      rawSheet: report.rawSheet,
      ...(report.templates === undefined ? {} : { templatesDir: report.templates }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      browser: options.browser,
    });
  } catch (error) {
    await windows.catch(() => undefined); // the store is closed before the error goes on
    throw error;
  }
  for (const failure of rendered.failures) {
    await rm(join(dir, artifactName(model, failure.format)), { force: true });
  }
  const manifest = await buildManifest({
    dir,
    enterpriseId: model.enterpriseId,
    month: model.month,
    arguments: options.arguments,
    windows: await windows,
    counts: {
      fetched: model.totals.pushes + model.dataQuality.duplicatesRemoved,
      duplicates: model.dataQuality.duplicatesRemoved,
      quarantined: model.dataQuality.quarantined,
      inReport: model.totals.pushes,
    },
    // Renderers return paths as the caller spelled the folder (maybe relative to the working directory).
    artifacts: [SUMMARY_FILE, RAW_FILE, ...rendered.artifacts.map((a) => resolve(a.path))],
    startedAt: options.startedAt,
  });
  return { rendered, manifest, manifestPath: await writeManifest(dir, manifest) };
}

/** Half-written files a killed run left behind (dot-names no reader takes for an artifact). */
export async function removeTemporaryArtifacts(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = (name: string) => isTemporaryArtifact(name) || /\.\d+\.tmp$/.test(name);
  await Promise.all(names.filter(stale).map((name) => rm(join(dir, name), { force: true })));
}

/** The windows of the month's staging store; none when the folder has no store (a copied report). */
async function storedWindows(dir: string) {
  const path = join(dir, 'staging.duckdb');
  if (!existsSync(path)) return [];
  const store = await StagingStore.open(path, { memoryLimit: '128MB', threads: 1 });
  try {
    return await store.windows();
  } finally {
    await store.close();
  }
}
