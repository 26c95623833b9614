import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../pipeline/simulator/index.js';
import { startTestSimulator } from './helpers/simulator.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, with no Alibaba credentials unless given. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const clean: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ...env };
  if (!env.ALIBABA_CLOUD_ACCESS_KEY_ID) {
    delete clean.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete clean.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  }
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', ...args], {
      cwd: root,
      env: clean,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The one line the CLI prints for an error (progress lines aside). */
function errorLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l.startsWith('pushlog-report:'));
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

let sim: Simulator;
let out: string;

beforeAll(async () => {
  sim = await startTestSimulator({ volume: 3000, seed: 3 });
  out = await mkdtemp(join(tmpdir(), 'pushlog-cli-'));
});

afterAll(async () => {
  await sim.close();
  await rm(out, { recursive: true, force: true });
});

describe.concurrent('bad input ends with one clear line and exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'unknown month format',
      ['--enterprise', '7122600', '--month', 'April'],
      /--month: .*YYYY-MM.*last.*current/,
    ],
    ['month in the future', ['--enterprise', '7122600', '--month', '2099-01'], /--month: .*future/],
    [
      'non-numeric enterprise',
      ['--enterprise', 'acme', '--month', '2026-04'],
      /--enterprise must be numeric enterprise ids/,
    ],
    ['missing enterprise', ['--month', '2026-04'], /--enterprise is required/],
    [
      'Limit 0',
      ['--enterprise', '7122600', '--month', '2026-04', '--page-size', '0'],
      /--page-size must be an integer from 1 to 500/,
    ],
    [
      'Limit 501',
      ['--enterprise', '7122600', '--month', '2026-04', '--page-size', '501'],
      /--page-size must be an integer from 1 to 500/,
    ],
    [
      'result 2',
      ['--enterprise', '7122600', '--month', '2026-04', '--result', '2'],
      /--result must be 0 \(failure\) or 1/,
    ],
    [
      'bad zone',
      ['--enterprise', '7122600', '--month', '2026-04', '--tz', 'Mars/Olympus'],
      /--tz: Unknown time zone/,
    ],
    ['bad qps', ['--enterprise', '7122600', '--month', '2026-04', '--qps', 'fast'], /--qps must be a number/],
    [
      'bad endpoint',
      ['--enterprise', '7122600', '--month', '2026-04', '--endpoint', 'ftp://x'],
      /--endpoint must be an http\(s\) URL/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const result = await cli(['extract', '--endpoint', sim.url, '--out', out, ...args]);
      expect(result.code).toBe(2);
      expect(errorLine(result)).toMatch(message);
    });
  }

  it('reports several problems together', async () => {
    const result = await cli([
      'extract',
      '--enterprise',
      'x',
      '--page-size',
      '0',
      '--result',
      '5',
      '--month',
      '2026-04',
    ]);
    expect(result.code).toBe(2);
    const line = errorLine(result);
    expect(line).toMatch(/--enterprise/);
    expect(line).toMatch(/--page-size/);
    expect(line).toMatch(/--result/);
  });

  it('an unknown command', async () => {
    const result = await cli(['extrakt']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'extrakt'/);
  });

  it('no credentials for a remote endpoint', async () => {
    const result = await cli(['extract', '--enterprise', '7122600', '--month', '2026-04', '--out', out]);
    expect(result.code).toBe(2);
    expect(errorLine(result)).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
  });
});

describe('extract against the simulator', () => {
  it('fetches the month and prints a one-line summary', async () => {
    const result = await cli([
      'extract',
      '--endpoint',
      sim.url,
      '--enterprise',
      '7122600',
      '--month',
      '2026-04',
      '--out',
      out,
      '--qps',
      '200',
    ]);
    // Progress lines may come (every 5 s in CI mode on a slow machine); errors may not.
    expect(result.stderr.split('\n').filter((l) => l.startsWith('pushlog-report:'))).toEqual([]);
    expect(result.code).toBe(0);
    const expected = sim.countRecords({
      enterpriseId: '7122600',
      startMs: Date.UTC(2026, 2, 31, 16),
      endMs: Date.UTC(2026, 3, 30, 16) - 1,
    });
    expect(expected).toBe(3000);
    expect(result.stdout).toMatch(
      new RegExp(
        `extracted 7122600 2026-04 \\(final\\): ${expected} rows, 0 duplicates removed, 0 quarantined, 30/30 windows`,
      ),
    );
  });

  it('a wrong secret exits 5 and names the variable to check, without the secret', async () => {
    const secret = 'wrong-secret-value-123';
    const result = await cli(
      [
        'extract',
        '--endpoint',
        sim.url,
        '--enterprise',
        '7122600',
        '--month',
        '2026-03',
        '--out',
        out,
        '--fresh',
      ],
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tPushlogSimulator', ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret },
    );
    expect(result.code).toBe(5);
    const line = errorLine(result);
    expect(line).toMatch(/SignatureDoesNotMatch/);
    expect(line).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    expect(result.stderr + result.stdout).not.toContain(secret);
  });

  it('an unreachable endpoint exits 4 and names it', async () => {
    const closed = await startTestSimulator({ volume: 1 });
    const url = closed.url;
    await closed.close();
    const result = await cli([
      'extract',
      '--endpoint',
      url,
      '--enterprise',
      '7122600',
      '--month',
      '2026-02',
      '--out',
      out,
      '--max-retries',
      '1',
    ]);
    expect(result.code).toBe(4);
    expect(errorLine(result)).toContain(url);
  });
});

it('simulate serves until SIGTERM and prints how to reach it', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'pipeline/cli.ts', 'simulate', '--volume', '100'],
    {
      cwd: root,
      env: { ...process.env, ALIBABA_CLOUD_ACCESS_KEY_ID: '', ALIBABA_CLOUD_ACCESS_KEY_SECRET: '' },
    },
  );
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('try:')) resolve();
    });
    child.on('exit', () => reject(new Error(`simulate exited early: ${stdout}`)));
  });
  expect(stdout).toMatch(/simulator listening on http:\/\/127\.0\.0\.1:\d+/);
  expect(stdout).toMatch(/LTAI5tPushlogSimulator/);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

it('--help loads neither DuckDB nor undici: each command imports what it uses when it runs', async () => {
  // Both are CommonJS packages, so require.cache lists them however they were imported; commander,
  // CommonJS too, shows that the list is the real one.
  const script = [
    "process.argv = [process.execPath, 'pushlog-report', '--help'];",
    "await import('./pipeline/cli.ts');",
    "const { createRequire } = await import('node:module');",
    'process.stderr.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));',
  ].join('\n');
  const { stdout, stderr } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    { cwd: root },
  );
  expect(stdout).toMatch(/Usage: pushlog-report/);
  const loaded = JSON.parse(stderr) as string[];
  expect(loaded.some((path) => path.includes('/node_modules/commander/'))).toBe(true);
  expect(loaded.filter((path) => /\/node_modules\/(undici|@duckdb)\//.test(path))).toEqual([]);
});
