// SLA rules (metrics.md "SLA"): passing, failing and no-data rules against the hand-computed month,
// and invalid rules files, each refused with the line and field to fix.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../pipeline/errors.js';
import { monthDir } from '../pipeline/extract/index.js';
import {
  evaluateSla,
  parseSlaRules,
  type ReportModel,
  readSlaFile,
  SUMMARY_SCHEMA,
  transformMonth,
} from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import { checkSchema, extractMonths, HAND_FIXTURE } from './transform-helpers.js';

const ENTERPRISE = '7122600';
const MONTH = '2026-04';
const RULES = new URL('./fixtures/transform-sla.yaml', import.meta.url).pathname;
const PASSING = new URL('./fixtures/transform-sla-pass.json', import.meta.url).pathname;

let out: string;
beforeAll(async () => {
  out = await makeTempDir('pushlog-transform-sla-');
  await extractMonths(out, { data: HAND_FIXTURE }, [MONTH]);
  return () => removeTempDir(out);
});

const transform = (slaFile: string) =>
  transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: MONTH, slaFile });

describe('evaluating rules', () => {
  it('gives each rule its actual figure and verdict; no data is not a pass', async () => {
    const model = await transform(RULES);
    expect(model.sla).toEqual({
      file: 'transform-sla.yaml',
      passed: false,
      rules: [
        {
          name: 'overall success',
          scope: 'overall',
          metric: 'successRate',
          op: '>=',
          value: 0.5,
          actual: 8 / 14,
          passed: true,
          verdict: 'pass',
        },
        {
          scope: 'overall',
          metric: 'successRate',
          op: '>=',
          value: 0.6,
          actual: 8 / 14,
          passed: false,
          verdict: 'fail',
        },
        {
          scope: 'type:12',
          metric: 'latencyMs.p95',
          op: '<=',
          value: 1000,
          actual: 1000,
          passed: true,
          verdict: 'pass',
        },
        {
          scope: 'type:13',
          metric: 'successRate',
          op: '>=',
          value: 0.9,
          actual: null,
          passed: false,
          verdict: 'no data',
        },
        {
          scope: 'endpoint:https://hooks.example.com/cc/agent-status',
          metric: 'eventualSuccessRate',
          op: '>=',
          value: 0.5,
          actual: 0.5,
          passed: true,
          verdict: 'pass',
        },
        {
          scope: 'endpoint:https://crm.example.com/api/vms/callback',
          metric: 'retriedShare',
          op: '<=',
          value: 0.25,
          actual: 2 / 7,
          passed: false,
          verdict: 'fail',
        },
        {
          scope: 'type:9',
          metric: 'latencyMs.p50',
          op: '<=',
          value: 700,
          actual: 700,
          passed: true,
          verdict: 'pass',
        },
      ],
    });
    // The rule's Url carried a token: the report names the endpoint only.
    expect(JSON.stringify(model)).not.toContain('not-for-the-report');
    expect(checkSchema(SUMMARY_SCHEMA, model)).toEqual([]);
  });

  it('passes when every rule passes (a JSON list of rules)', async () => {
    const model = await transform(PASSING);
    expect(model.sla?.passed).toBe(true);
    expect(model.sla?.rules.map((r) => r.verdict)).toEqual(['pass', 'pass', 'pass']);
  });

  it('does not pass on no data alone, nor on a scope with records but no figure', () => {
    const latency = {
      count: 0,
      mean: null,
      min: null,
      max: null,
      p50: null,
      p90: null,
      p95: null,
      p99: null,
      overTimeout: 0,
      buckets: { '0-100': 0, '100-300': 0, '300-1000': 0, '1000-5000': 0, '5000+': 0 },
    };
    const span = { count: 0, mean: null, p95: null };
    const model: Pick<ReportModel, 'totals' | 'latencyMs' | 'retries' | 'byType' | 'byEndpoint'> = {
      totals: { pushes: 2, succeeded: 2, failed: 0, successRate: 1 },
      latencyMs: { ...latency, queueMs: span, roundTripMs: span },
      retries: {
        histogram: { '0': 2 },
        retriedShare: 0,
        deliveries: 2,
        firstAttemptSuccessRate: 1,
        eventualSuccessRate: 1,
        exhausted: 0,
      },
      byType: [],
      byEndpoint: [],
    };
    const report = evaluateSla(
      {
        file: 'x.yaml',
        rules: [
          { scope: 'overall', metric: 'latencyMs.p95', op: '<=', value: 1000 },
          { scope: 'endpoint:https://nowhere.example/', metric: 'successRate', op: '>=', value: 0 },
        ],
      },
      model,
    );
    expect(report.passed).toBe(false);
    expect(report.rules.map((r) => [r.actual, r.verdict])).toEqual([
      [null, 'no data'],
      [null, 'no data'],
    ]);
  });
});

describe('invalid rules files', () => {
  const problem = (text: string) => {
    try {
      parseSlaRules(text, 'sla.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected the rules to be refused');
  };

  it('names the line and field of a wrong metric, a misspelt field and a percentage given as a rate', () => {
    const message = problem(
      [
        'rules:',
        '  - scope: overall',
        '    metric: sucessRate',
        '    op: ">="',
        '    value: 0.99',
        '  - scope: overall',
        '    metirc: successRate',
        '    op: ">="',
        '    value: 0.99',
        '  - { scope: overall, metric: retriedShare, op: "<=", value: 5 }',
      ].join('\n'),
    );
    expect(message).toContain('Invalid SLA file sla.yaml');
    expect(message).toContain(
      'line 3, column 13: rules[0].metric must be one of successRate, eventualSuccessRate',
    );
    expect(message).toContain('(got "sucessRate")');
    expect(message).toContain('line 7, column 5: rules[1].metirc unknown field metirc');
    expect(message).toContain('line 6, column 5: rules[1].metric is missing: it must be one of');
    expect(message).toContain(
      'line 10, column 62: rules[2].value retriedShare is a fraction from 0 to 1 (99.5% is 0.995) (got 5)',
    );
  });

  it('names a scope, an operator and a value of the wrong form', () => {
    const message = problem(
      '- { scope: "type:abc", metric: successRate, op: "=>", value: 1 }\n- { scope: overall, metric: successRate, op: ">=", value: "99%" }\n',
    );
    expect(message).toContain(
      'line 1, column 12: [0].scope must be overall, type:<code> or endpoint:<url> (got "type:abc")',
    );
    expect(message).toContain('line 1, column 49: [0].op must be ">=" or "<=" (quoted in YAML) (got "=>")');
    expect(message).toContain('line 2, column 59: [1].value must be a number (got "99%")');
  });

  it('explains an unquoted >= in YAML', () => {
    const message = problem(
      'rules:\n  - scope: overall\n    metric: successRate\n    op: >=\n    value: 0.9\n',
    );
    expect(message).toMatch(/not valid JSON or YAML: line 4, column \d+: .*\(quote the operator: op: ">="\)/);
  });

  it('refuses broken JSON with its line, an empty list and a file of the wrong shape', () => {
    expect(problem('[\n  { "scope": "overall", "metric": "successRate" "op": ">=" }\n]')).toMatch(
      /not valid JSON or YAML: line 2, column \d+/,
    );
    expect(problem('rules: []')).toContain('rules holds no rules: give at least one');
    expect(problem('just text')).toContain('expected a list of rules, or an object with a "rules" list');
  });

  it('names a file that cannot be read', async () => {
    await expect(readSlaFile('/nonexistent/sla.yaml')).rejects.toThrow(
      '--sla /nonexistent/sla.yaml: cannot read the file (ENOENT)',
    );
  });

  it('stops the transform before anything is written', async () => {
    const dir = await makeTempDir('pushlog-transform-sla-bad-');
    try {
      await extractMonths(dir, { data: HAND_FIXTURE }, [MONTH]);
      const file = join(dir, 'bad.json');
      await writeFile(
        file,
        JSON.stringify([{ scope: 'overall', metric: 'successRate', op: '>=', value: 1.5 }]),
      );
      await expect(
        transformMonth({ outDir: dir, enterpriseId: ENTERPRISE, month: MONTH, slaFile: file }),
      ).rejects.toThrow(
        /Invalid SLA file .*bad\.json: line 1, column \d+: \[0\]\.value successRate is a fraction from 0 to 1/,
      );
      expect(existsSync(join(monthDir(dir, ENTERPRISE, MONTH), 'summary.json'))).toBe(false);
      expect(existsSync(join(monthDir(dir, ENTERPRISE, MONTH), 'raw.parquet'))).toBe(false);
    } finally {
      await removeTempDir(dir);
    }
  });
});
