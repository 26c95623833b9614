/**
 * Every benchmark, one after another (`npm run bench`), then one table: each stage's time, its
 * same-run baseline and the ratio, and peak RSS. Each benchmark prints its own details as it runs
 * and ends with `bench-result {json}` lines, which this collects.
 *
 *   tsx test/bench/all.bench.ts [--only extract,transform,xlsx,pdf,e2e]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const ALL = ['extract', 'transform', 'xlsx', 'pdf', 'e2e'];
const { values } = parseArgs({ options: { only: { type: 'string' } } });
const chosen = values.only ? values.only.split(',') : ALL;

interface ResultRow {
  label: string;
  seconds: number;
  baseline?: string;
  baselineSeconds?: number;
  peakRssMiB?: number;
  target?: string;
  met?: boolean;
}

async function runBench(name: string): Promise<{ code: number | null; rows: ResultRow[] }> {
  process.stdout.write(`\n=== bench:${name} ===\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', `test/bench/${name}.bench.ts`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rows: ResultRow[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    process.stdout.write(`${text}\n`);
    if (text.startsWith('bench-result ')) {
      const parsed = JSON.parse(text.slice('bench-result '.length)) as { rows: ResultRow[] };
      rows.push(...parsed.rows);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, rows };
}

const table: string[][] = [['bench', 'what', 'seconds', 'baseline', 'ratio', 'peak RSS', 'target']];
for (const name of chosen) {
  const { code, rows } = await runBench(name);
  if (rows.length === 0)
    table.push([name, code === 0 ? '(no result line)' : `failed (exit ${code})`, '', '', '', '', '']);
  for (const row of rows) {
    const ratio = row.baselineSeconds ? (row.seconds / row.baselineSeconds).toFixed(2) : '';
    table.push([
      name,
      row.label,
      row.seconds.toFixed(2),
      row.baselineSeconds === undefined
        ? ''
        : `${row.baselineSeconds.toFixed(2)} s (${row.baseline ?? 'baseline'})`,
      ratio,
      row.peakRssMiB === undefined ? '' : `${row.peakRssMiB.toFixed(0)} MiB`,
      row.target === undefined ? '' : `${row.target}${row.met === undefined ? '' : row.met ? ' ✓' : ' ✗'}`,
    ]);
  }
}
const widths = (table[0] as string[]).map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
process.stdout.write('\n=== summary ===\n');
for (const row of table)
  process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}\n`);
