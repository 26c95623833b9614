/**
 * The PDF recipe: the report's HTML (../html.ts) printed by headless Chromium through Puppeteer,
 * then finished with pdf-lib (finish.ts) and written atomically.
 *
 * The page is inert: JavaScript is disabled, every request the page makes is aborted (the HTML
 * is self-contained: inline CSS and SVG, fonts by family name), and the default template adds a
 * Content-Security-Policy that allows nothing external. Log-derived text is escaped by the
 * templates, so a hostile URL or response text prints as text.
 *
 * Page numbers ("page X of Y") come from Chromium's own header and footer templates rather than
 * stamping after printing: Chromium is the only party that knows the page count while laying
 * out, its header and footer take system fonts by family name (Noto Sans CJK, the same as the
 * page; only web fonts break there), and stamping with pdf-lib would need a CJK font embedded and
 * subset in Node. Their text is part of each page, so text extraction and search see it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page, PDFOptions } from 'puppeteer';
import { PipelineError } from '../../errors.js';
import { digestFile, writeArtifact } from '../../store/artifacts.js';
import type { ReportModel } from '../../transform/index.js';
import { TOOL_VERSION } from '../../version.js';
import { type InputFile, loadCheckedTemplates, type ReportHtml, renderHtml } from '../html.js';
import { artifactName, type RenderContext, type RenderedArtifact, type Renderer } from '../types.js';
import { type LaunchOptions, launchTabOf, type SharedBrowser, shareBrowser } from './browser.js';
import { finishPdf } from './finish.js';

/** Printing a 15-page report takes about a second; a minute means something is stuck. */
export const DEFAULT_RENDER_TIMEOUT_MS = 120_000;

/** A4 page margins; the header and footer are drawn inside the top and bottom ones. */
export const PAGE_MARGIN = { top: '18mm', bottom: '16mm', left: '15mm', right: '15mm' } as const;

/** Files of the month's folder the "about" section names with their SHA-256. */
const INPUT_FILES = ['summary.json', 'raw.parquet'] as const;

export interface PdfOptions extends LaunchOptions {
  /**
   * A browser to print with instead of launching one (tests and benchmarks share one); it is
   * left open. Only the page this render opens is closed.
   */
  browser?: Browser | undefined;
  /**
   * The run's browser, launched by the first render that asks and left open for the next ones
   * (the run closes it); ignored when `browser` is given.
   */
  shared?: SharedBrowser | undefined;
  /** limit for printing (page set-up, content, page.pdf), default 120 s */
  renderTimeoutMs?: number | undefined;
}

async function inputFiles(dir: string): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const name of INPUT_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) files.push({ name, ...(await digestFile(path)) });
  }
  return files;
}

/**
 * A page that cannot run script or reach anything. With `reuseBlank` (a browser launched for
 * this render), the blank tab Chromium opens at launch is used: its renderer is already running,
 * where a new page would start another one (about 0.5 s of a cold render here).
 */
export async function openInertPage(browser: Browser, reuseBlank = false): Promise<Page> {
  const blank = reuseBlank ? await launchTabOf(browser) : undefined;
  return makeInert(blank ?? (await browser.newPage()));
}

/** `page` with script disabled and every request it would make refused. */
async function makeInert(page: Page): Promise<Page> {
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    // about:blank is the page itself; everything else (images, CSS url(), links followed by
    // nothing, prefetches) is refused before it leaves the browser.
    if (request.isInterceptResolutionHandled()) return;
    void request.abort('blockedbyclient').catch(() => undefined);
  });
  return page;
}

/** How the report is printed: A4, backgrounds, header and footer, tagged, with an outline. */
export function pdfOptionsFor(report: ReportHtml): PDFOptions {
  return {
    format: 'A4',
    printBackground: true,
    displayHeaderFooter: true,
    headerTemplate: report.headerTemplate,
    footerTemplate: report.footerTemplate,
    margin: PAGE_MARGIN,
    tagged: true,
    outline: true,
    waitForFonts: true,
    // The caller's signal (render timeout, abort) bounds printing, not Puppeteer's own 30 s.
    timeout: 0,
  };
}

/** Prints `report` on the page `open` gives, made inert; the page is always closed. */
async function printOn(
  open: () => Promise<Page>,
  pending: ReportHtml | Promise<ReportHtml>,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const page = await makeInert(await open());
  const onAbort = (): void => void page.close().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const report = await pending;
    signal.throwIfAborted();
    await page.setContent(report.html, { waitUntil: 'load', timeout: 0 });
    return await page.pdf(pdfOptionsFor(report));
  } finally {
    signal.removeEventListener('abort', onAbort);
    await page.close().catch(() => undefined);
  }
}

/**
 * Prints self-contained HTML to PDF bytes (not yet finished): with `options.browser`, or with
 * a browser launched for this call and closed afterwards. Aborts and times out cleanly. The
 * report may still be rendering: the browser starts meanwhile.
 */
export function printHtml(
  report: ReportHtml | Promise<ReportHtml>,
  options: PdfOptions & { signal?: AbortSignal | undefined } = {},
): Promise<Uint8Array> {
  return printThen(report, options, async (printed) => printed);
}

/**
 * printHtml, then `then(printed)`; with its own browser, `then` runs while the browser closes
 * (closing takes a few hundred milliseconds that need not wait for finishing and writing), and
 * the browser is gone when this returns. Errors of `then` pass through unwrapped.
 */
async function printThen<T>(
  report: ReportHtml | Promise<ReportHtml>,
  options: PdfOptions & { signal?: AbortSignal | undefined },
  then: (printed: Uint8Array) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.renderTimeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const fail = (error: unknown): never => {
    if (options.signal?.aborted) {
      throw new PipelineError('ABORTED', 'PDF rendering was aborted', { cause: options.signal.reason });
    }
    if (timeout.aborted) {
      throw new PipelineError(
        'RENDER_PDF',
        `Chromium did not print the PDF within ${Math.round(timeoutMs / 1000)} s: the machine may be overloaded; run \`render --format pdf\` again when it is quieter (the other artifacts are kept)`,
        { cause: error },
      );
    }
    if (error instanceof PipelineError) throw error;
    throw new PipelineError('RENDER_PDF', `Chromium failed to print the PDF: ${(error as Error).message}`, {
      cause: error,
    });
  };
  const settle = (printed: Uint8Array): Promise<{ value: T } | { error: unknown }> =>
    then(printed).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  let outcome: { value: T } | { error: unknown };
  try {
    if (options.browser) {
      const { browser } = options;
      const printed = await printOn(() => browser.newPage(), report, signal);
      outcome = await settle(printed);
    } else {
      // The run's browser, or one for this render alone (closed as soon as it has printed: closing
      // takes a few hundred milliseconds that need not wait for finishing and writing).
      const own = options.shared === undefined;
      const shared = options.shared ?? shareBrowser({ ...options, signal });
      // A print that timed out may have hung the browser, and a stopped run needs it no more:
      // killing it ends every pending call at once; the next PDF launches a fresh one.
      const onAbort = (): void => void shared.discard();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const printed = await printOn(() => shared.page(), report, signal);
        if (own) void shared.close(); // the same closing is awaited below
        outcome = await settle(printed);
      } finally {
        signal.removeEventListener('abort', onAbort);
        if (own) await shared.close();
      }
    }
  } catch (error) {
    return fail(error);
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** The instant the PDF's dates are pinned to: the as-of time, or the end of a final month. */
export function pdfDateOf(model: ReportModel): Date {
  return new Date(model.asOf ?? model.window.endMs);
}

/**
 * Renders `push-logs-<id>-<month>.pdf` into `ctx.dir` from the model: HTML from the templates
 * (ctx.templatesDir overriding the built-ins), printed by Chromium, finished byte-stable.
 */
export async function renderPdf(
  model: ReportModel,
  ctx: RenderContext,
  options: PdfOptions = {},
): Promise<RenderedArtifact> {
  const started = performance.now();
  ctx.onEvent?.({ type: 'render-started', format: 'pdf' });
  const progress = (done: number): void =>
    ctx.onEvent?.({ type: 'render-progress', format: 'pdf', done, total: 3 });
  // Templates are read and checked first: a broken one fails before a browser starts. Then the
  // browser launches while the input files are hashed and the charts and HTML render.
  const templates = await loadCheckedTemplates(ctx.templatesDir);
  const rendering = inputFiles(ctx.dir).then((inputs) =>
    renderHtml(model, { locale: ctx.locale, redact: ctx.redact, templates, inputs }),
  );
  rendering.then(() => progress(1)).catch(() => undefined);
  const path = join(ctx.dir, artifactName(model, 'pdf'));
  const finished = await printThen(rendering, { ...options, signal: ctx.signal }, async (printed) => {
    const report = await rendering;
    progress(2);
    const bytes = await finishPdf(printed, {
      title: report.title,
      subject: `${model.enterpriseId} ${model.month} (${model.timeZone})`,
      language: report.data.lang,
      date: pdfDateOf(model),
      identity: [report.html, report.headerTemplate, report.footerTemplate].join('\u0000'),
      producer: `pushlog-report ${TOOL_VERSION}`,
    });
    await writeArtifact(path, (temporary) => writeFile(temporary, bytes));
    return bytes;
  });
  progress(3);
  const sha256 = createHash('sha256').update(finished).digest('hex');
  const bytes = finished.byteLength;
  ctx.onEvent?.({
    type: 'render-finished',
    format: 'pdf',
    path,
    bytes,
    elapsedMs: Math.round(performance.now() - started),
  });
  return { format: 'pdf', path, bytes, sha256 };
}

/** The PDF renderer of the render stage: the run's shared browser, else one of its own for the render. */
export const pdfRenderer: Renderer = {
  format: 'pdf',
  render: (model, ctx) => renderPdf(model, ctx, { shared: ctx.browser }),
};

export {
  type BrowserSession,
  INSTALL_HINT,
  launchBrowser,
  type SharedBrowser,
  shareBrowser,
} from './browser.js';
