/**
 * CI delivery: a Markdown summary of the month for `$GITHUB_STEP_SUMMARY` (KPIs with month-over-
 * month changes, the SLA table, the most frequent failures, the artifacts), and the one JSON line
 * `--json` prints.
 *
 * Endpoints, failure signatures, status codes and rule names come from logs or user files: they
 * are escaped so that none can become a link, an image, a table cell or HTML on the summary page.
 */
import { appendFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PipelineError } from '../errors.js';
import { type Locale, lookup, stringsFor } from '../render/strings.js';
import type { ReportModel, SlaRuleResult } from '../transform/index.js';
import { SUMMARY_FILE } from '../transform/index.js';
import {
  formatBytes,
  formatCount,
  formatInstant,
  formatSlaTarget,
  formatSlaValue,
  headlines,
  NO_DATA,
} from './format.js';

/** An artifact as a path, or as render returns it (RenderedArtifact) or the manifest lists it. */
export type ArtifactRef = string | { path: string; bytes?: number; sha256?: string };

export interface StepSummaryOptions {
  /** labels' language; default en (CI logs are read by engineers) */
  locale?: Locale;
  /** failures listed, default 5 */
  topFailures?: number;
  /** SLA rules listed (failing ones first), default 50 */
  maxRules?: number;
}

const VERDICT_ICON = { pass: '✅', fail: '❌', 'no data': '⚪' } as const;

/** The Markdown block for one enterprise-month, ending with a newline. */
export function githubStepSummary(
  model: ReportModel,
  artifacts: readonly ArtifactRef[],
  options: StepSummaryOptions = {},
): string {
  const locale = options.locale ?? 'en';
  const strings = stringsFor(locale);
  const c = (key: string) => lookup(strings.common, key);
  const e = (key: string, values: Record<string, string | number> = {}) =>
    lookup(strings.email, key).replace(/\{(\w+)\}/g, (whole, k: string) =>
      k in values ? String(values[k]) : whole,
    );
  const md = escapeMarkdown;
  const lines: string[] = [];

  lines.push(
    `## ${md(e('heading', { title: c('reportTitle'), enterprise: model.enterpriseId, month: model.month }))}`,
    '',
  );
  if (!model.complete) {
    const ids = model.incompleteWindows.map((w) => w.id);
    const some = ids.length > 0 ? ` (${md(ids.slice(0, 10).join(', '))}${ids.length > 10 ? ', …' : ''})` : '';
    lines.push(`> ⚠️ **${md(c('partial'))}**: ${md(e('partialNotice', { count: ids.length }))}${some}`, '');
  }
  if (!model.final && model.asOf !== null) {
    lines.push(`> 🕒 ${md(e('asOfNotice', { asOf: formatInstant(model.asOf, model.timeZone) }))}`, '');
  }

  const prev = model.previous;
  lines.push(
    prev
      ? `| ${md(e('figure'))} | ${md(model.month)} | ${md(prev.month)} | ${md(e('change'))} |`
      : `| ${md(e('figure'))} | ${md(model.month)} |`,
    prev ? '| :-- | --: | --: | --: |' : '| :-- | --: |',
  );
  for (const h of headlines(model, locale)) {
    const cells = [md(c(`kpi.${h.key}`)), md(h.value)];
    if (prev) cells.push(md(h.previous), md(h.delta));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');

  lines.push(...slaSection(model, locale, options.maxRules ?? 50, c, e), '');

  const failures = model.topFailures.slice(0, options.topFailures ?? 5);
  if (failures.length > 0) {
    lines.push(
      `### ${md(e('topFailures'))}`,
      '',
      `| ${md(e('statusCode'))} | ${md(e('failure'))} | ${md(e('count'))} |`,
      '| :-- | :-- | --: |',
      ...failures.map(
        (f) => `| ${code(f.statusCode)} | ${code(f.signature)} | ${md(formatCount(f.count, locale))} |`,
      ),
      '',
    );
  }

  if (artifacts.length > 0) {
    lines.push(
      `### ${md(e('attachments').replace(/[:：]$/, ''))}`,
      '',
      `| ${md(e('file'))} | ${md(e('size'))} | sha256 |`,
      '| :-- | --: | :-- |',
      ...artifacts.map((a) => {
        const ref = typeof a === 'string' ? { path: a } : a;
        const size = ref.bytes === undefined ? NO_DATA : formatBytes(ref.bytes, locale);
        return `| ${code(basename(ref.path))} | ${md(size)} | ${ref.sha256 === undefined ? NO_DATA : code(ref.sha256)} |`;
      }),
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function slaSection(
  model: ReportModel,
  locale: Locale,
  maxRules: number,
  c: (key: string) => string,
  e: (key: string, values?: Record<string, string | number>) => string,
): string[] {
  const md = escapeMarkdown;
  const sla = model.sla;
  if (sla === null) return [`### ${md(c('sla.title'))}`, '', md(e('slaNone'))];
  const failed = sla.rules.filter((r) => !r.passed);
  const verdict = sla.passed ? `✅ ${md(c('sla.pass'))}` : `❌ ${md(c('sla.fail'))}`;
  const text = e(sla.passed ? 'slaPassed' : 'slaFailed', {
    count: sla.rules.length,
    failed: failed.length,
    file: sla.file,
  });
  // Failing rules first: with many endpoint rules, the ones that matter must not be cut off.
  const ordered = [...failed, ...sla.rules.filter((r) => r.passed)];
  const shown = ordered.slice(0, maxRules);
  const out = [
    `### ${md(c('sla.title'))}: ${verdict}`,
    '',
    md(text),
    '',
    `| ${[c('sla.rule'), c('sla.scope'), c('sla.metric'), c('sla.target'), c('sla.actual'), c('sla.verdict')].map(md).join(' | ')} |`,
    '| :-- | :-- | :-- | --: | --: | :-- |',
    ...shown.map((r) => slaRow(r, locale, c)),
  ];
  if (ordered.length > shown.length)
    out.push('', md(e('moreRules', { count: ordered.length - shown.length })));
  return out;
}

function slaRow(r: SlaRuleResult, locale: Locale, c: (key: string) => string): string {
  const verdict = c(r.verdict === 'pass' ? 'sla.pass' : r.verdict === 'fail' ? 'sla.fail' : 'sla.noData');
  const cells = [
    r.name === undefined ? NO_DATA : escapeMarkdown(r.name),
    code(r.scope),
    code(r.metric),
    escapeMarkdown(formatSlaTarget(r, locale)),
    escapeMarkdown(r.actual === null ? NO_DATA : formatSlaValue(r.metric, r.actual, locale)),
    `${VERDICT_ICON[r.verdict]} ${escapeMarkdown(verdict)}`,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Appends a Markdown block to the step summary file (GitHub shows every step's file on the run page). */
export async function appendStepSummary(path: string, markdown: string): Promise<void> {
  try {
    // A blank line first: blocks of several enterprises (or other steps' writes) must not run together.
    await appendFile(path, `\n${markdown.endsWith('\n') ? markdown : `${markdown}\n`}`, 'utf8');
  } catch (error) {
    throw new PipelineError(
      'DELIVER_CI',
      `Cannot append the CI summary to ${path} (GITHUB_STEP_SUMMARY): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export interface JsonLinePaths {
  /** the month's folder */
  dir: string;
  artifacts: readonly ArtifactRef[];
  /** default `<dir>/summary.json` */
  summaryPath?: string;
  manifestPath?: string;
}

/** The `--json` output: one line (no newline) with the paths and the headline figures. */
export function jsonLine(model: ReportModel, paths: JsonLinePaths): string {
  return JSON.stringify({
    enterpriseId: model.enterpriseId,
    month: model.month,
    dir: paths.dir,
    summary: paths.summaryPath ?? join(paths.dir, SUMMARY_FILE),
    manifest: paths.manifestPath ?? null,
    artifacts: paths.artifacts.map((a) => (typeof a === 'string' ? a : a.path)),
    complete: model.complete,
    final: model.final,
    asOf: model.asOf,
    pushes: model.totals.pushes,
    successRate: model.totals.successRate,
    eventualSuccessRate: model.retries.eventualSuccessRate,
    p95Ms: model.latencyMs.p95,
    p99Ms: model.latencyMs.p99,
    retriedShare: model.retries.retriedShare,
    slaPassed: model.sla === null ? null : model.sla.passed,
  });
}

/**
 * Text made inert for GitHub Markdown inside a line (our lines start with `|`, `>` or `#`, so no
 * block syntax applies): line breaks become spaces; HTML specials and `|` become entities (a table
 * splits cells before it reads escapes); emphasis, code, link, image, strike-through and math
 * characters are backslash-escaped, and so are the colon of `://` and the dot of `www.`, which would start autolinks.
 */
export function escapeMarkdown(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/[\\`*_[\]~!$#]/g, '\\$&')
      .replace(/:\/\//g, '\\://')
      .replace(/\bwww\./gi, (www) => `${www.slice(0, 3)}\\.`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/\|/g, '&#124;')
  );
}

/** Log-derived text in monospace, as inert as escapeMarkdown; long values are cut at 160 characters. */
function code(text: string): string {
  const chars = [...text];
  const cut = chars.length > 160 ? `${chars.slice(0, 159).join('')}…` : text;
  // <code> rather than backticks: a code span cannot hold a table's escaped pipe reliably.
  return `<code>${escapeMarkdown(cut)}</code>`;
}
