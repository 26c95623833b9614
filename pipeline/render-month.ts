/**
 * `pushlog-report render`: re-renders a month from its `summary.json` (and raw.parquet) without
 * touching the API or the figures, then writes the manifest anew (windows from the staging store,
 * counts from the summary), so the folder verifies after a render as after a run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportConfig } from './config.js';
import { ConfigError } from './errors.js';
import type { RenderEvent, RenderedArtifact, SharedBrowser } from './render/index.js';
import { removeTemporaryArtifacts, renderAndRecord } from './run.js';
import { readManifest, removeManifest } from './store/manifest.js';
import { type ReportModel, SCHEMA_VERSION, SUMMARY_FILE } from './transform/index.js';

export interface RenderMonthOptions {
  dir: string;
  report: ReportConfig;
  /** the render command's own arguments; the manifest keeps the run's, overridden by these */
  arguments: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (event: RenderEvent) => void;
  /** the browser the command's PDFs share (default: each PDF launches its own) */
  browser?: SharedBrowser | undefined;
}

/** Reads `<dir>/summary.json`; a clear ConfigError when it is missing or not a summary. */
export async function readSummary(dir: string): Promise<ReportModel> {
  const path = join(dir, SUMMARY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(
      `No ${SUMMARY_FILE} in ${dir}: run pushlog-report transform (or run) for this month first`,
    );
  }
  let model: ReportModel;
  try {
    model = JSON.parse(text) as ReportModel;
  } catch (error) {
    throw new ConfigError(
      `${path} is not valid JSON (${(error as Error).message}): run pushlog-report transform again`,
    );
  }
  if (model?.schemaVersion !== SCHEMA_VERSION) {
    throw new ConfigError(
      `${path} has schemaVersion ${JSON.stringify(model?.schemaVersion)}, this tool renders ${SCHEMA_VERSION}: run pushlog-report transform again`,
    );
  }
  return model;
}

export async function renderMonth(options: RenderMonthOptions): Promise<RenderedArtifact[]> {
  const { dir, report } = options;
  const model = await readSummary(dir);
  const previous = await readManifest(dir).catch(() => undefined);
  await removeManifest(dir);
  await removeTemporaryArtifacts(dir);
  const { rendered } = await renderAndRecord(model, report, {
    dir,
    startedAt: new Date(),
    arguments: { ...previous?.arguments, ...options.arguments },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    browser: options.browser,
  });
  const failure = rendered.failures[0];
  if (failure !== undefined) throw failure.error;
  return rendered.artifacts;
}
