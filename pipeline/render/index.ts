/**
 * The render stage: the ReportModel (plus, for record listings, the month's raw.parquet) → the
 * workbook and the PDF. Each renderer is imported only when its format is asked for, so an
 * xlsx-only run never loads Puppeteer, and a machine without Chromium still gets its workbook.
 */
import type { ReportModel } from '../transform/index.js';
import type { RenderContext, RenderedArtifact, Renderer, RenderFormat } from './types.js';

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
 * Renders every format asked for, one after another (each is CPU- or browser-bound; running them
 * together on two cores only slows both). A failing format does not stop the others.
 */
export async function renderReport(
  model: ReportModel,
  formats: readonly RenderFormat[],
  ctx: RenderContext,
): Promise<RenderOutcome> {
  const outcome: RenderOutcome = { artifacts: [], failures: [] };
  for (const format of formats) {
    ctx.signal?.throwIfAborted();
    try {
      const renderer = await renderers[format]();
      outcome.artifacts.push(await renderer.render(model, ctx));
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      outcome.failures.push({ format, error });
    }
  }
  return outcome;
}
