/**
 * SLA rules (metrics.md "SLA"): read from a JSON or YAML file, each `{ scope, metric, op, value }`,
 * evaluated against the figures of the model. A rule whose scope has no records, or whose figure
 * has no data, is "no data": not a pass.
 *
 * The file is a list of rules, or an object whose `rules` key is that list:
 *
 *   rules:
 *     - { scope: overall, metric: successRate, op: ">=", value: 0.995 }
 *     - { scope: "type:9", metric: latencyMs.p95, op: "<=", value: 800, name: agent status p95 }
 *     - { scope: "endpoint:https://crm.example.com/api/vms/callback", metric: retriedShare, op: "<=", value: 0.05 }
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import {
  type LatencyStats,
  type ReportModel,
  SLA_METRICS,
  type SlaMetric,
  type SlaOp,
  type SlaReport,
  type SlaRuleResult,
} from './model.js';

export interface SlaRule {
  name?: string;
  scope: string;
  metric: SlaMetric;
  op: SlaOp;
  value: number;
}

export interface SlaRules {
  /** the file's name, without its folder */
  file: string;
  rules: SlaRule[];
}

const RATE_METRICS: ReadonlySet<SlaMetric> = new Set(['successRate', 'eventualSuccessRate', 'retriedShare']);

const ruleSchema = z
  .strictObject({
    name: z.string({ error: 'must be text' }).min(1, 'must not be empty').optional(),
    scope: z
      .string({ error: 'must be overall, type:<code> or endpoint:<url>' })
      .regex(/^(overall|type:\d+|endpoint:\S+)$/, 'must be overall, type:<code> or endpoint:<url>'),
    metric: z.enum(SLA_METRICS, { error: `must be one of ${SLA_METRICS.join(', ')}` }),
    op: z.enum(['>=', '<='], { error: 'must be ">=" or "<=" (quoted in YAML)' }),
    value: z.number({ error: 'must be a number' }).finite('must be a finite number'),
  })
  .superRefine((rule, ctx) => {
    if (RATE_METRICS.has(rule.metric) && !(rule.value >= 0 && rule.value <= 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `${rule.metric} is a fraction from 0 to 1 (99.5% is 0.995)`,
      });
    }
    if (rule.metric.startsWith('latencyMs.') && rule.value < 0) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a latency in ms cannot be negative' });
    }
  });

const rulesSchema = z.array(ruleSchema).min(1, 'holds no rules: give at least one');

/** Reads and validates an SLA file; ConfigError naming the file, line and field of every problem. */
export async function readSlaFile(path: string): Promise<SlaRules> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`--sla ${path}: cannot read the file (${code})`, { cause: error });
  }
  return { file: basename(path), rules: parseSlaRules(text, path) };
}

/** Parses the text of an SLA file (YAML, of which JSON is a subset); `source` names it in errors. */
export function parseSlaRules(text: string, source: string): SlaRule[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return '';
    const { line, col } = lines.linePos(offset);
    return `line ${line}, column ${col}: `;
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => {
      const sourceLine = text.split('\n')[lines.linePos(e.pos[0]).line - 1] ?? '';
      const hint = /\bop:\s*>/.test(sourceLine) ? ' (quote the operator: op: ">=")' : '';
      return `${at(e.pos[0])}${e.message.split('\n')[0]}${hint}`;
    });
    throw new ConfigError(`Invalid SLA file ${source}: not valid JSON or YAML: ${problems.join('; ')}`);
  }
  const value: unknown = doc.toJS();
  let rules: unknown;
  let prefix: (string | number)[];
  if (Array.isArray(value)) {
    rules = value;
    prefix = [];
  } else if (value !== null && typeof value === 'object' && 'rules' in value) {
    rules = (value as { rules: unknown }).rules;
    prefix = ['rules'];
  } else {
    throw new ConfigError(
      `Invalid SLA file ${source}: expected a list of rules, or an object with a "rules" list, each { scope, metric, op, value }`,
    );
  }
  const parsed = rulesSchema.safeParse(rules);
  if (parsed.success)
    return parsed.data.map(({ name, ...rule }) => (name === undefined ? rule : { name, ...rule }));

  const problems = parsed.error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = keys.length > 0 ? [...path, keys[0] as string] : path;
    const offset = offsetOf(doc, field, keys.length > 0);
    const given = keys.length > 0 ? undefined : doc.getIn(path);
    const got = given === undefined || typeof given === 'object' ? '' : ` (got ${JSON.stringify(given)})`;
    const missing = keys.length === 0 && given === undefined && typeof path.at(-1) === 'string';
    const message =
      keys.length > 0
        ? `unknown field${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`
        : missing
          ? `is missing: it ${issue.message}`
          : issue.message;
    return `${at(offset)}${describePath(field)} ${message}${got}`;
  });
  throw new ConfigError(`Invalid SLA file ${source}: ${problems.join('; ')}`);
}

/** Where a field sits in the source: its key for a misspelt field, else its value (or its parent). */
function offsetOf(
  doc: ReturnType<typeof parseDocument>,
  path: (string | number)[],
  atKey: boolean,
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const head = path.slice(0, depth);
    if (atKey && depth === path.length) {
      const parent = doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path.at(-1));
        const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
        if (range) return range[0];
      }
      continue;
    }
    const node = doc.getIn(head, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}

function describePath(path: (string | number)[]): string {
  return (
    path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') ||
    'the file'
  );
}

/** The figures a rule can read, per scope. */
interface ScopeFigures {
  pushes: number;
  successRate: number | null;
  eventualSuccessRate: number | null;
  retriedShare: number | null;
  latencyMs: LatencyStats;
}

/**
 * Evaluates rules against the model's figures. Endpoint scopes must already be normalised to the
 * report's endpoint form (the caller resolves them with the same SQL as byEndpoint).
 */
export function evaluateSla(
  rules: SlaRules,
  model: Pick<ReportModel, 'totals' | 'latencyMs' | 'retries' | 'byType' | 'byEndpoint'>,
): SlaReport {
  const results = rules.rules.map((rule): SlaRuleResult => {
    const figures = scopeFigures(rule.scope, model);
    const actual = figures && figures.pushes > 0 ? figureOf(figures, rule.metric) : null;
    const passed = actual !== null && (rule.op === '>=' ? actual >= rule.value : actual <= rule.value);
    return {
      ...(rule.name === undefined ? {} : { name: rule.name }),
      scope: rule.scope,
      metric: rule.metric,
      op: rule.op,
      value: rule.value,
      actual,
      passed,
      verdict: actual === null ? 'no data' : passed ? 'pass' : 'fail',
    };
  });
  return { file: rules.file, passed: results.every((r) => r.passed), rules: results };
}

function scopeFigures(
  scope: string,
  model: Pick<ReportModel, 'totals' | 'latencyMs' | 'retries' | 'byType' | 'byEndpoint'>,
): ScopeFigures | undefined {
  if (scope === 'overall') {
    return {
      pushes: model.totals.pushes,
      successRate: model.totals.successRate,
      eventualSuccessRate: model.retries.eventualSuccessRate,
      retriedShare: model.retries.retriedShare,
      latencyMs: model.latencyMs,
    };
  }
  if (scope.startsWith('type:')) {
    const code = Number(scope.slice('type:'.length));
    return model.byType.find((row) => row.type === code);
  }
  const endpoint = scope.slice('endpoint:'.length);
  return model.byEndpoint.find((row) => row.endpoint === endpoint);
}

function figureOf(figures: ScopeFigures, metric: SlaMetric): number | null {
  switch (metric) {
    case 'successRate':
      return figures.successRate;
    case 'eventualSuccessRate':
      return figures.eventualSuccessRate;
    case 'retriedShare':
      return figures.retriedShare;
    case 'latencyMs.p50':
      return figures.latencyMs.p50;
    case 'latencyMs.p90':
      return figures.latencyMs.p90;
    case 'latencyMs.p95':
      return figures.latencyMs.p95;
    case 'latencyMs.p99':
      return figures.latencyMs.p99;
  }
}
