/**
 * `pushlog-report render`: re-renders a month from its `summary.json` (and raw.parquet) without
 * touching the API or the figures. When the folder has a manifest, it is rewritten to vouch for
 * the new files, keeping what it recorded of the run that produced the data.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportConfig } from './config.js';
import { ConfigError } from './errors.js';
import { type RenderEvent, type RenderedArtifact, renderReport } from './render/index.js';
import { buildManifest, readManifest, removeManifest, writeManifest } from './store/manifest.js';
import { type ReportModel, SUMMARY_FILE } from './transform/index.js';

export interface RenderMonthOptions {
  dir: string;
  report: ReportConfig;
  signal?: AbortSignal;
  onEvent?: (event: RenderEvent) => void;
}

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
  return JSON.parse(text) as ReportModel;
}

export async function renderMonth(options: RenderMonthOptions): Promise<RenderedArtifact[]> {
  const { dir, report } = options;
  const model = await readSummary(dir);
  const previous = await readManifest(dir).catch(() => undefined);
  await removeManifest(dir);
  const outcome = await renderReport(model, report.format, {
    dir,
    locale: report.locale,
    redact: report.redact,
    rawSheet: report.rawSheet,
    ...(report.templates === undefined ? {} : { templatesDir: report.templates }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  if (previous !== undefined) {
    const rendered = new Set(outcome.artifacts.map((a) => a.path.split('/').pop()));
    const kept = previous.artifacts.map((a) => a.path).filter((path) => !rendered.has(path));
    const manifest = await buildManifest({
      dir,
      enterpriseId: previous.enterpriseId,
      month: previous.month,
      arguments: previous.arguments,
      windows: previous.windows,
      counts: previous.counts,
      artifacts: [...kept, ...outcome.artifacts.map((a) => a.path)],
      startedAt: previous.startedAt,
    });
    await writeManifest(dir, manifest);
  }
  const failure = outcome.failures[0];
  if (failure !== undefined) throw failure.error;
  return outcome.artifacts;
}
