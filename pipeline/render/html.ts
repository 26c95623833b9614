/**
 * The PDF's engine: ReportModel → self-contained HTML (Handlebars templates, inline CSS, inline
 * SVG charts, fonts by family name), plus the header and footer Chromium prints on each page.
 * No browser here: pdf.ts is the recipe that prints this HTML.
 *
 * Log-derived text (URLs, response texts, Ids) reaches templates only through `{{…}}`, which
 * escapes it, and is redacted first unless redaction is off; templates get a copy of the model.
 */

import { PipelineError } from '../errors.js';
import type { ReportModel } from '../transform/index.js';
import { type ChartSvg, renderChartSvgs } from './charts.js';
import { registerHelpers, translate } from './handlebars-helpers.js';
import { redactModel } from './redact.js';
import type { Locale } from './strings.js';
import { loadTemplates, type TemplateFile, type TemplateSet } from './templates.js';

export interface HtmlOptions {
  locale: Locale;
  /** redact secrets in URLs and log text (default true) */
  redact?: boolean | undefined;
  /** a folder whose files override the built-in templates by name */
  templatesDir?: string | undefined;
  /** the charts to inline (default: drawn from the model) */
  charts?: ChartSvg[] | undefined;
  /** input files named with their checksums in the "about" section */
  inputs?: InputFile[] | undefined;
  /** templates already loaded (and checked) by the caller; default: loaded from templatesDir */
  templates?: TemplateSet | undefined;
}

export interface InputFile {
  name: string;
  bytes: number;
  sha256: string;
}

/**
 * What every template receives (documented in the README, "PDF templates"): `report` is the
 * ReportModel of summary.json (redacted), the rest is derived for convenience.
 */
export interface TemplateData {
  report: ReportModel;
  locale: Locale;
  /** the `lang` attribute: zh-CN or en */
  lang: string;
  /** "推送投递报告 · 7122600 · 2026-04": the document title, header and outline root */
  title: string;
  /** true when the month is incomplete: every page carries the PARTIAL mark */
  partial: boolean;
  /** true when URLs and log text were redacted */
  redacted: boolean;
  /** the charts' ids, titles and sizes; `{{chart id}}` inlines one */
  charts: { id: string; title: string; width: number; height: number }[];
  /** input files and their sha256 */
  inputs: InputFile[];
  /** sum of the status-code classes (the denominator of their shares) */
  statusTotal: number;
  /** SLA rules that did not pass (failed or no data) */
  slaFailures: number;
}

export interface ReportHtml {
  title: string;
  /** the page: one self-contained HTML document */
  html: string;
  /** Chromium's header and footer templates (separate documents; inline styles only) */
  headerTemplate: string;
  footerTemplate: string;
  data: TemplateData;
}

/** The data the templates receive for `model`. */
export function buildTemplateData(
  model: ReportModel,
  options: { locale: Locale; redact?: boolean | undefined; charts?: ChartSvg[]; inputs?: InputFile[] },
): TemplateData {
  const redacted = options.redact ?? true;
  const report = redacted ? redactModel(model) : structuredClone(model);
  const title = [translate(options.locale, 'reportTitle'), model.enterpriseId, model.month].join(' · ');
  return {
    report,
    locale: options.locale,
    lang: options.locale,
    title,
    partial: !model.complete,
    redacted,
    charts: (options.charts ?? []).map(({ id, title, width, height }) => ({ id, title, width, height })),
    inputs: options.inputs ?? [],
    statusTotal: Object.values(model.statusCodes.byClass).reduce((a, b) => a + b, 0),
    slaFailures: model.sla?.rules.filter((r) => !r.passed).length ?? 0,
  };
}

function templateError(file: TemplateFile, error: unknown): PipelineError {
  const where = file.overridden ? file.path : `built-in ${file.name}`;
  return new PipelineError('RENDER_TEMPLATE', `Template ${where} failed: ${(error as Error).message}`, {
    cause: error,
  });
}

type HandlebarsRuntime = typeof import('handlebars');

/**
 * The partials `{{> name}}` in a parsed template calls by a fixed name, less the ones it defines
 * itself (`{{#*inline "name"}}`). Dynamic names (`{{> (lookup …)}}`), `@partial-block` and
 * partial blocks (`{{#> name}}fallback{{/name}}`, which print their fallback) are not counted.
 */
function calledPartials(runtime: HandlebarsRuntime, ast: hbs.AST.Program): Set<string> {
  const called = new Set<string>();
  const defined = new Set<string>();
  // Handlebars' own visitor walks the tree; two of its steps also note what they see.
  const visitor = new runtime.Visitor();
  const visitPartial = visitor.PartialStatement.bind(visitor);
  visitor.PartialStatement = (partial) => {
    if (partial.name.type === 'PathExpression') {
      const { original } = partial.name as hbs.AST.PathExpression;
      if (!original.startsWith('@')) called.add(original);
    }
    visitPartial(partial);
  };
  const visitDecoratorBlock = visitor.DecoratorBlock.bind(visitor);
  visitor.DecoratorBlock = (block) => {
    const [name] = block.params;
    if ((block.path as hbs.AST.PathExpression).original === 'inline' && name?.type === 'StringLiteral') {
      defined.add((name as hbs.AST.StringLiteral).value);
    }
    visitDecoratorBlock(block);
  };
  visitor.accept(ast);
  for (const name of defined) called.delete(name);
  return called;
}

/** Parses `file` (a syntax error names the file) and returns the partials it calls by name. */
function parse(runtime: HandlebarsRuntime, file: TemplateFile): Set<string> {
  try {
    // Handlebars compiles lazily, on first use: parsing now makes a syntax error name its file.
    return calledPartials(runtime, runtime.parse(file.source));
  } catch (error) {
    throw templateError(file, error);
  }
}

/**
 * Loads the templates (built-ins, overridden from `templatesDir`) and checks their syntax and
 * that every partial they call exists, so a broken template fails before anything expensive
 * starts (charts, a browser).
 */
export async function loadCheckedTemplates(templatesDir?: string): Promise<TemplateSet> {
  const [templates, { default: Handlebars }] = await Promise.all([
    loadTemplates(templatesDir),
    import('handlebars'),
  ]);
  for (const file of [templates.main, templates.header, templates.footer, ...templates.partials.values()]) {
    const missing = [...parse(Handlebars, file)].filter((name) => !templates.partials.has(name));
    if (missing.length > 0) {
      throw templateError(
        file,
        new Error(
          `it calls the partial${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')}, which is not in partials/ (add partials/${missing[0]}.hbs or remove the call)`,
        ),
      );
    }
  }
  return templates;
}

/** Renders the report's HTML, header and footer from the templates. */
export async function renderHtml(model: ReportModel, options: HtmlOptions): Promise<ReportHtml> {
  const [templates, charts, { default: Handlebars }] = await Promise.all([
    options.templates ?? loadCheckedTemplates(options.templatesDir),
    options.charts ?? renderChartSvgs(model, options.locale),
    import('handlebars'),
  ]);
  const data = buildTemplateData(model, {
    locale: options.locale,
    redact: options.redact,
    charts,
    inputs: options.inputs ?? [],
  });
  const hbs = Handlebars.create();
  registerHelpers(hbs, {
    locale: options.locale,
    timeZone: model.timeZone,
    charts,
    css: templates.css.source,
  });
  for (const [name, file] of templates.partials) hbs.registerPartial(name, file.source);
  const run = (file: TemplateFile): string => {
    try {
      return hbs.compile(file.source, { strict: false, preventIndent: true })(data);
    } catch (error) {
      throw templateError(file, error);
    }
  };
  return {
    title: data.title,
    html: run(templates.main),
    headerTemplate: run(templates.header),
    footerTemplate: run(templates.footer),
    data,
  };
}
