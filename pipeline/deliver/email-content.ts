/**
 * The words of the report e-mail: a view of the model (headline figures, PARTIAL/as-of stamp, SLA
 * verdict, top failures, attachment list) with every label from the locale's `email` and `common`
 * strings, rendered by the Handlebars templates `email/subject.hbs`, `email/body.hbs` (text) and
 * `email/body.html.hbs`, each overridable by name from a templates folder.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { visibleText } from '../render/handlebars-helpers.js';
import { BUILTIN_TEMPLATES_DIR, type Locale, lookup, stringsFor } from '../render/strings.js';
import type { ReportModel } from '../transform/index.js';
import { EmailError } from './email-error.js';
import {
  formatBytes,
  formatCount,
  formatInstant,
  formatSlaTarget,
  formatSlaValue,
  type HeadlineKey,
  headlines,
  NO_DATA,
} from './format.js';

/** Failure signatures the message lists. */
const TOP_FAILURES = 5;

/** Subject, text and HTML of the report e-mail. */
export async function renderEmail(
  model: ReportModel,
  locale: Locale,
  attachments: readonly { filename: string; bytes: number }[],
  templatesDir: string | undefined,
): Promise<{ subject: string; text: string; html: string }> {
  const view = emailView(model, locale, attachments);
  const [subject, text, html] = await Promise.all([
    loadTemplate('subject.hbs', templatesDir),
    loadTemplate('body.hbs', templatesDir),
    loadTemplate('body.html.hbs', templatesDir),
  ]);
  // Subject and text are not HTML: escaping there would show &amp; to the reader. The subject is
  // one line whatever the template holds (a line break would start a new header).
  return {
    subject: renderTemplate(subject, view, false).replace(/\s+/g, ' ').trim(),
    text: renderTemplate(text, view, false),
    html: renderTemplate(html, view, true),
  };
}

interface LoadedTemplate {
  source: string;
  path: string;
}

async function loadTemplate(name: string, templatesDir: string | undefined): Promise<LoadedTemplate> {
  const own = templatesDir === undefined ? undefined : join(templatesDir, 'email', name);
  const path = own !== undefined && existsSync(own) ? own : join(BUILTIN_TEMPLATES_DIR, 'email', name);
  try {
    return { source: await readFile(path, 'utf8'), path };
  } catch (error) {
    throw new EmailError(
      'template',
      `Cannot read the e-mail template ${path}: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
}

function renderTemplate(t: LoadedTemplate, view: EmailView, html: boolean): string {
  try {
    // strict: a misspelt field in a template fails loudly instead of rendering empty.
    const compiled = Handlebars.create().compile(t.source, { strict: true, noEscape: !html });
    return compiled(view);
  } catch (error) {
    throw new EmailError(
      'template',
      `E-mail template ${t.path} failed: ${(error as Error).message.split('\n')[0]}: fix the template`,
      {},
      { cause: error },
    );
  }
}

interface EmailView {
  locale: Locale;
  month: string;
  heading: string;
  greeting: string;
  intro: string;
  partial: boolean;
  partialStamp: string;
  partialNotice: string;
  asOf: string | null;
  asOfLabel: string;
  asOfNotice: string;
  headlinesTitle: string;
  figureLabel: string;
  changeLabel: string;
  previousMonth: string | null;
  kpis: { key: HeadlineKey; label: string; value: string; previous: string; delta: string }[];
  kpi: Record<HeadlineKey, { label: string; value: string; previous: string; delta: string }>;
  slaTitle: string;
  ruleLabel: string;
  targetLabel: string;
  actualLabel: string;
  verdictLabel: string;
  sla: {
    present: boolean;
    passed: boolean;
    short: string;
    text: string;
    rules: SlaRuleView[];
    failed: SlaRuleView[];
  };
  failuresTitle: string;
  statusCodeLabel: string;
  failureLabel: string;
  countLabel: string;
  /**
   * the most frequent failure signatures: log-derived text with its control characters shown as
   * escapes (`\n`, `\x07`, as the PDF's `text` helper does), so a line break in a record cannot
   * fake lines of the plain-text body; the HTML template escapes it too
   */
  failures: { statusCode: string; signature: string; count: string }[];
  attachmentsTitle: string;
  attachments: { name: string; size: string }[];
  footer: string;
}

interface SlaRuleView {
  label: string;
  target: string;
  actual: string;
  verdict: string;
  passed: boolean;
}

/** `{name}` placeholders of a locale string, filled before the template sees (and escapes) it. */
function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

function emailView(
  model: ReportModel,
  locale: Locale,
  attachments: readonly { filename: string; bytes: number }[],
): EmailView {
  const strings = stringsFor(locale);
  const e = (key: string, values: Record<string, string | number> = {}) =>
    fill(lookup(strings.email, key), values);
  const c = (key: string) => lookup(strings.common, key);
  const asOf = model.final || model.asOf === null ? null : formatInstant(model.asOf, model.timeZone);

  const kpis = headlines(model, locale).map((h) => ({
    key: h.key,
    label: c(`kpi.${h.key}`),
    value: h.value,
    previous: h.previous,
    delta: h.delta,
  }));
  const kpi = Object.fromEntries(kpis.map((k) => [k.key, k])) as unknown as EmailView['kpi'];

  const rules: SlaRuleView[] = (model.sla?.rules ?? []).map((r) => ({
    label: r.name ?? `${r.scope} ${r.metric}`,
    target: formatSlaTarget(r, locale),
    actual: r.actual === null ? NO_DATA : formatSlaValue(r.metric, r.actual, locale),
    verdict: c(r.verdict === 'pass' ? 'sla.pass' : r.verdict === 'fail' ? 'sla.fail' : 'sla.noData'),
    passed: r.passed,
  }));
  const failed = rules.filter((r) => !r.passed);
  const sla = model.sla;
  return {
    locale,
    month: model.month,
    heading: e('heading', { title: c('reportTitle'), enterprise: model.enterpriseId, month: model.month }),
    greeting: e('greeting'),
    intro: e('intro', { enterprise: model.enterpriseId, month: model.month, timeZone: model.timeZone }),
    partial: !model.complete,
    partialStamp: c('partial'),
    partialNotice: e('partialNotice', { count: model.incompleteWindows.length }),
    asOf,
    asOfLabel: e('asOfLabel'),
    asOfNotice: asOf === null ? '' : e('asOfNotice', { asOf }),
    headlinesTitle: e('headlines'),
    figureLabel: e('figure'),
    changeLabel: e('change'),
    previousMonth: model.previous?.month ?? null,
    kpis,
    kpi,
    slaTitle: c('sla.title'),
    ruleLabel: c('sla.rule'),
    targetLabel: c('sla.target'),
    actualLabel: c('sla.actual'),
    verdictLabel: c('sla.verdict'),
    sla: {
      present: sla !== null,
      passed: sla?.passed ?? false,
      short: e(sla === null ? 'slaShortNone' : sla.passed ? 'slaShortPass' : 'slaShortFail'),
      text:
        sla === null
          ? e('slaNone')
          : e(sla.passed ? 'slaPassed' : 'slaFailed', {
              count: rules.length,
              failed: failed.length,
              file: sla.file,
            }),
      rules,
      failed,
    },
    failuresTitle: e('topFailures'),
    statusCodeLabel: e('statusCode'),
    failureLabel: e('failure'),
    countLabel: e('count'),
    failures: model.topFailures.slice(0, TOP_FAILURES).map((f) => ({
      statusCode: visibleText(f.statusCode),
      signature: visibleText(f.signature),
      count: formatCount(f.count, locale),
    })),
    attachmentsTitle: e('attachments'),
    attachments: attachments.map((a) => ({ name: a.filename, size: formatBytes(a.bytes, locale) })),
    footer: e('footer', {
      generatedAt: formatInstant(model.generatedAt, model.timeZone),
      version: model.toolVersion,
    }),
  };
}
