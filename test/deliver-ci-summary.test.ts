// The CI outputs: the GitHub step summary's Markdown (title, PARTIAL/as-of, KPIs with month-over-
// month changes, SLA table, failures, artifacts), log-derived text kept inert, appending to
// $GITHUB_STEP_SUMMARY, and the --json line.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendStepSummary, escapeMarkdown, githubStepSummary, jsonLine } from '../pipeline/deliver/index.js';
import type { SlaRuleResult } from '../pipeline/transform/index.js';
import { partialAsOfModel, reportModel, sha256, tempDir } from './deliver-helpers.js';

const XLSX = '/reports/7122600/2026-04/push-logs-7122600-2026-04.xlsx';
const PDF = '/reports/7122600/2026-04/push-logs-7122600-2026-04.pdf';
const PDF_SHA = sha256('pdf');

const lines = (markdown: string) => markdown.split('\n');
/** The rows of the table whose header row starts with `header`. */
function table(markdown: string, header: string): string[] {
  const all = lines(markdown);
  const start = all.findIndex((l) => l.startsWith(`| ${header} |`));
  if (start < 0) throw new Error(`no table ${header}`);
  const end = all.findIndex((l, i) => i > start && !l.startsWith('|'));
  return all.slice(start, end < 0 ? undefined : end);
}
const cells = (row: string) => row.split('|').length - 2;

describe('githubStepSummary', () => {
  it('shows the title, the KPIs against last month, the SLA verdicts, failures and artifacts', () => {
    const md = githubStepSummary(reportModel(), [XLSX, { path: PDF, bytes: 20_000, sha256: PDF_SHA }]);
    expect(md.startsWith('## Push delivery report: 7122600, 2026-04\n\n| Figure |')).toBe(true);
    expect(md.endsWith('|\n')).toBe(true);
    expect(md).not.toMatch(/PARTIAL|As of/);
    expect(table(md, 'Figure')).toEqual([
      '| Figure | 2026-04 | 2026-03 | Change |',
      '| :-- | --: | --: | --: |',
      '| Pushes | 1,234 | 1,000 | +23.40% |',
      '| Success rate | 97.57% | 99.00% | −1.43 pp |',
      '| Eventual success rate | 99.10% | 99.50% | −0.40 pp |',
      '| Latency p95 | 840 ms | 700 ms | +20.00% |',
      '| Latency p99 | 1,260 ms | 1,000 ms | +26.00% |',
      '| Retried share | 4.05% | 3.00% | +1.05 pp |',
    ]);
    expect(md).toContain('### SLA: ❌ FAIL\n\nSLA breached: 1 of 2 rules did not pass (sla.yaml).\n');
    expect(table(md, 'Rule')).toEqual([
      '| Rule | Scope | Metric | Target | Actual | Verdict |',
      '| :-- | :-- | :-- | --: | --: | :-- |',
      '| overall success | <code>overall</code> | <code>successRate</code> | ≥ 99.00% | 97.57% | ❌ FAIL |',
      '| — | <code>endpoint:https\\://crm.example.com/api/vms/callback</code> | <code>latencyMs.p95</code> | ≤ 1,000 ms | 840 ms | ✅ pass |',
    ]);
    expect(table(md, 'Status code')).toEqual([
      '| Status code | Failure | Count |',
      '| :-- | :-- | --: |',
      '| <code>500</code> | <code>Internal Server Error</code> | 30 |',
    ]);
    expect(table(md, 'File')).toEqual([
      '| File | Size | sha256 |',
      '| :-- | --: | :-- |',
      '| <code>push-logs-7122600-2026-04.xlsx</code> | — | — |',
      `| <code>push-logs-7122600-2026-04.pdf</code> | 19.5 KiB | <code>${PDF_SHA}</code> |`,
    ]);
  });

  it('stamps a PARTIAL, as-of month; no previous month and no SLA rules show as such', () => {
    const md = githubStepSummary(partialAsOfModel(), []);
    expect(md).toContain(
      '> ⚠️ **PARTIAL**: 2 windows of the month could not be fetched, so these figures cover only what was fetched. Run the report again once the API answers; it resumes where it stopped. (2026-05-03, 2026-05-04)\n',
    );
    expect(md).toContain(
      '> 🕒 As of 2026-05-12 10:00 Asia/Shanghai: the month is not over, so these figures will still change.\n',
    );
    expect(table(md, 'Figure').slice(0, 3)).toEqual([
      '| Figure | 2026-05 |',
      '| :-- | --: |',
      '| Pushes | 1,234 |',
    ]);
    expect(md).toContain('### SLA\n\nNo SLA rules were evaluated.\n');
    expect(md).not.toContain('| File |');
  });

  it('passes: ✅ with every rule listed', () => {
    const model = reportModel();
    const sla = model.sla;
    if (!sla) throw new Error('the test model has SLA rules');
    model.sla = {
      ...sla,
      passed: true,
      rules: sla.rules.map((r) => ({ ...r, passed: true, verdict: 'pass' as const })),
    };
    const md = githubStepSummary(model, []);
    expect(md).toContain('### SLA: ✅ pass\n\nSLA met: all 2 rules passed (sla.yaml).\n');
  });

  it('lists failing rules first and cuts a long list', () => {
    const model = reportModel();
    const rule = (i: number, passed: boolean): SlaRuleResult => ({
      name: `rule ${i}`,
      scope: `endpoint:https://e${i}.example.com/hook`,
      metric: 'successRate',
      op: '>=',
      value: 0.99,
      actual: passed ? 1 : 0.5,
      passed,
      verdict: passed ? 'pass' : 'fail',
    });
    const rules = Array.from({ length: 60 }, (_, i) => rule(i, i !== 57));
    model.sla = { file: 'sla.yaml', passed: false, rules };
    const md = githubStepSummary(model, [], { maxRules: 50 });
    const rows = table(md, 'Rule').slice(2);
    expect(rows).toHaveLength(50);
    expect(rows[0]).toMatch(/^\| rule 57 \|.*❌ FAIL \|$/);
    expect(md).toContain('\n… and 10 more rules: see the report.\n');
  });

  it('keeps endpoints, failure signatures, status codes and rule names inert', () => {
    const nasty =
      'x | y <script>alert(1)</script> **b** _i_ `c` [l](javascript:alert(1)) ![i](http://x/i.png) ~~s~~ $m$ \\| www.evil.example\nline two';
    const model = reportModel({
      topFailures: [{ statusCode: '500|<b>', signature: nasty, count: 3, exampleId: 'id-1' }],
    });
    const sla = model.sla;
    if (!sla) throw new Error('the test model has SLA rules');
    model.sla = {
      ...sla,
      rules: sla.rules.map((r) => ({ ...r, name: nasty, scope: `endpoint:https://a.example/${nasty}` })),
    };
    const md = githubStepSummary(model, [`/x/${nasty}.pdf`]);
    // No HTML but our <code>, no extra table cell, nothing spilling onto a new line.
    expect((md.match(/<\/?[a-z][^>]*>/gi) ?? []).filter((t) => t !== '<code>' && t !== '</code>')).toEqual(
      [],
    );
    for (const name of ['Rule', 'Status code', 'File']) {
      const [header = '', ...rows] = table(md, name);
      for (const row of rows) expect(cells(row)).toBe(cells(header));
    }
    expect(md).not.toContain('line two\n');
    const row = table(md, 'Status code')[2] ?? '';
    expect(row).toContain('<code>500&#124;&lt;b&gt;</code>');
    expect(row).toContain(
      'x &#124; y &lt;script&gt;alert(1)&lt;/script&gt; \\*\\*b\\*\\* \\_i\\_ \\`c\\` \\[l\\](javascript:alert(1)) \\!\\[i\\](http\\://x/i.png) \\~\\~s\\~\\~ \\$m\\$ \\\\&#124; www\\.evil.example line two',
    );
    // Every Markdown-active character of the log text is escaped.
    for (const r of [...table(md, 'Rule').slice(2), row])
      expect(r).not.toMatch(/(?<!\\)[*_`[\]~$]|(?<!\\)!\\\[/);
  });
});

describe('escapeMarkdown', () => {
  it('leaves plain text alone and escapes what Markdown or HTML would read', () => {
    expect(escapeMarkdown('Success rate 97.57% (−1.43 pp), 2026-04: 1,234')).toBe(
      'Success rate 97.57% (−1.43 pp), 2026-04: 1,234',
    );
    expect(escapeMarkdown('a|b & <i>')).toBe('a&#124;b &amp; &lt;i&gt;');
    expect(escapeMarkdown('https://x.example\r\n# h')).toBe('https\\://x.example \\# h');
  });
});

describe('appendStepSummary', () => {
  it('appends each block after what the file holds, a blank line between', async () => {
    const file = join(await tempDir(), 'step_summary.md');
    await writeFile(file, '# Earlier step\n');
    await appendStepSummary(file, githubStepSummary(reportModel(), []));
    await appendStepSummary(file, '## Second\n| a |');
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# Earlier step\n\n## Push delivery report: 7122600, 2026-04\n')).toBe(true);
    expect(text.endsWith('|\n\n## Second\n| a |\n')).toBe(true);
  });

  it('fails with DELIVER_CI naming the file', async () => {
    const dir = join(await tempDir(), 'is-a-folder');
    await mkdir(dir);
    await expect(appendStepSummary(dir, 'x')).rejects.toMatchObject({
      code: 'DELIVER_CI',
      message: expect.stringContaining(`Cannot append the CI summary to ${dir} (GITHUB_STEP_SUMMARY)`),
    });
  });
});

describe('jsonLine', () => {
  it('is one JSON line with the paths, headline figures and the SLA verdict', () => {
    const line = jsonLine(reportModel(), {
      dir: '/reports/7122600/2026-04',
      artifacts: [{ path: XLSX, bytes: 1, sha256: 'x' }, PDF],
      manifestPath: '/reports/7122600/2026-04/manifest.json',
    });
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      enterpriseId: '7122600',
      month: '2026-04',
      dir: '/reports/7122600/2026-04',
      summary: '/reports/7122600/2026-04/summary.json',
      manifest: '/reports/7122600/2026-04/manifest.json',
      artifacts: [XLSX, PDF],
      complete: true,
      final: true,
      asOf: null,
      pushes: 1234,
      successRate: 1204 / 1234,
      eventualSuccessRate: 0.991,
      p95Ms: 840,
      p99Ms: 1260,
      retriedShare: 50 / 1234,
      slaPassed: false,
    });
    const partial = JSON.parse(
      jsonLine(partialAsOfModel(), { dir: 'r', artifacts: [], summaryPath: 'r/s.json' }),
    );
    expect(partial).toMatchObject({
      summary: 'r/s.json',
      manifest: null,
      complete: false,
      final: false,
      asOf: '2026-05-12T02:00:00.000Z',
      slaPassed: null,
    });
  });
});
