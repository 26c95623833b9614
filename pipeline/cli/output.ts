/**
 * What the CLI prints: one line per finished piece of work, in words a reader of a CI log can act
 * on. Only the CLI prints; the stages report events.
 */
import type { ExtractSummary } from '../events.js';
import { formatLocal } from '../extract/index.js';
import type { ProgressMode } from '../progress.js';
import type { MonthResult, RunEvent } from '../run.js';
import type { ReportModel } from '../transform/index.js';
import { err } from './context.js';

export const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`);
export const ms = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value)} ms`);

export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

export function progressMode(quiet: boolean, ci = isCi()): ProgressMode {
  if (quiet) return 'quiet';
  return process.stderr.isTTY && !ci ? 'bar' : 'lines';
}

export function extractLine(s: ExtractSummary, timeZone: string): string {
  const asOf =
    s.final || s.asOfMs === null ? 'final' : `as of ${formatLocal(s.asOfMs, timeZone)} ${timeZone}`;
  return [
    `extracted ${s.enterpriseId} ${s.month} (${asOf}):`,
    `${s.rows} rows,`,
    `${s.duplicates} duplicates removed,`,
    `${s.quarantined} quarantined,`,
    `${s.windowsDone}/${s.windows} windows,`,
    `${s.requests} requests,`,
    `${s.retries} retries,`,
    `${(s.elapsedMs / 1000).toFixed(1)} s`,
    `→ ${s.database}`,
  ].join(' ');
}

/** How a month is qualified on every line: final or as of a time, and PARTIAL when incomplete. */
export function stampOf(model: ReportModel): string {
  const stamps = [model.final ? 'final' : `as of ${model.asOf}`];
  if (!model.complete) stamps.push(`PARTIAL: ${model.incompleteWindows.length} windows missing`);
  return stamps.join(', ');
}

function headline(model: ReportModel): string[] {
  const figures = [
    `${model.totals.pushes} pushes`,
    `success ${percent(model.totals.successRate)}`,
    `eventual ${percent(model.retries.eventualSuccessRate)}`,
    `p95 ${ms(model.latencyMs.p95)}`,
  ];
  if (model.sla !== null) {
    const failed = model.sla.rules.filter((rule) => !rule.passed).length;
    figures.push(
      model.sla.passed ? 'SLA passed' : `SLA FAILED (${failed} of ${model.sla.rules.length} rules)`,
    );
  }
  return figures;
}

export function transformLine(model: ReportModel, dir: string): string {
  return `transformed ${model.enterpriseId} ${model.month} (${stampOf(model)}): ${headline(model).join(', ')} → ${dir}/summary.json`;
}

export function runLine(result: MonthResult): string {
  const files = result.artifacts.map((a) => a.path.split('/').pop()).join(', ');
  const mailed = result.emailedTo.length > 0 ? `, e-mailed to ${result.emailedTo.length}` : '';
  return `${result.enterpriseId} ${result.month} (${stampOf(result.model)}): ${headline(result.model).join(', ')}${mailed} → ${result.dir}/ (${files}, manifest.json)`;
}

export function bytesOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Prints what a render stage wrote, as it is written. */
export function renderPrinter(quiet: boolean): (event: RunEvent) => void {
  return (event) => {
    if (quiet) return;
    if (event.type === 'stage-started' && event.stage !== 'extract') {
      err(`${event.stage} ${event.enterpriseId} ${event.month}…`);
    } else if (event.type === 'render-finished') {
      err(
        `rendered ${event.format} → ${event.path} (${bytesOf(event.bytes)}, ${(event.elapsedMs / 1000).toFixed(1)} s)`,
      );
    }
  };
}
