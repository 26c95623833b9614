/**
 * The renderer contract: `{ format, render(model, ctx) → file }`. A renderer reads the
 * ReportModel (and, where it lists records, the month's `raw.parquet` in `ctx.dir`), writes one
 * artifact atomically (store/artifacts.ts) into `ctx.dir`, and never prints: it reports through
 * `ctx.onEvent`.
 */
import type { ReportModel } from '../transform/index.js';
import type { SharedBrowser } from './pdf/browser.js';
import type { Locale } from './strings.js';

export type RenderFormat = 'xlsx' | 'pdf';

export interface RenderContext {
  /** the month's artifact folder: summary.json, raw.parquet, staging.duckdb */
  dir: string;
  locale: Locale;
  /** redact secrets in URL query strings and headers (default true; `--no-redact` turns it off) */
  redact: boolean;
  /** xlsx: also write every record, split across sheets at Excel's row limit (`--raw-sheet`) */
  rawSheet?: boolean;
  /** a folder whose templates and partials override the built-in ones, by file name */
  templatesDir?: string;
  signal?: AbortSignal;
  onEvent?: (event: RenderEvent) => void;
  /** pdf: the run's browser, shared by its months (default: one launched for this render) */
  browser?: SharedBrowser | undefined;
}

export type RenderEvent =
  | { type: 'render-started'; format: RenderFormat }
  | { type: 'render-progress'; format: RenderFormat; done: number; total: number | null }
  | { type: 'render-finished'; format: RenderFormat; path: string; bytes: number; elapsedMs: number };

export interface RenderedArtifact {
  format: RenderFormat;
  path: string;
  bytes: number;
  sha256: string;
}

export interface Renderer {
  format: RenderFormat;
  render(model: ReportModel, ctx: RenderContext): Promise<RenderedArtifact>;
}

/** `push-logs-<id>-<month>.<format>`, the artifact names scripts rely on. */
export function artifactName(
  model: Pick<ReportModel, 'enterpriseId' | 'month'>,
  format: RenderFormat,
): string {
  return `push-logs-${model.enterpriseId}-${model.month}.${format}`;
}
