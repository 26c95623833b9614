/**
 * The reliability suite of `pushlog-report run`: the real CLI in a child process against the
 * simulator over real HTTP, with faults, kills at each stage, an unreachable endpoint, a wrong
 * secret, bad flags and a machine without Chromium.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../pipeline/simulator/index.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { startTestSimulator } from './helpers/simulator.js';

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, '..');
const ENTERPRISE = '7122600';
const MONTH = '2026-04';
const APRIL = {
  enterpriseId: ENTERPRISE,
  startMs: Date.UTC(2026, 2, 31, 16),
  endMs: Date.UTC(2026, 3, 30, 16) - 1,
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, CI: 'true', ...env };
  if (!env.ALIBABA_CLOUD_ACCESS_KEY_ID) {
    delete clean.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete clean.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  }
  if (!env.GITHUB_STEP_SUMMARY) delete clean.GITHUB_STEP_SUMMARY;
  return clean;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', 'pipeline/cli.ts', ...args],
      { cwd: root, env: cliEnv(env), maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function errorLines(result: CliResult): string[] {
  return result.stderr.split('\n').filter((line) => line.startsWith('pushlog-report:'));
}

const monthDir = (out: string) => join(out, ENTERPRISE, MONTH);

async function readModel(out: string): Promise<ReportModel> {
  return JSON.parse(await readFile(join(monthDir(out), 'summary.json'), 'utf8')) as ReportModel;
}

/** The figures of a summary, without the fields that name when it was made. */
function figures(model: ReportModel): Omit<ReportModel, 'generatedAt' | 'extractedAt'> {
  const { generatedAt: _g, extractedAt: _e, ...rest } = model;
  return rest;
}

let sim: Simulator;
let faulty: Simulator;
let work: string;
let reference: ReportModel;
let referenceOut: string;

const runArgs = (endpoint: string, out: string, ...more: string[]) => [
  'run',
  '--endpoint',
  endpoint,
  '--enterprise',
  ENTERPRISE,
  '--month',
  MONTH,
  '--out',
  out,
  '--qps',
  '200',
  ...more,
];

beforeAll(async () => {
  sim = await startTestSimulator({ volume: 6000, seed: 11 });
  faulty = await startTestSimulator({
    volume: 6000,
    seed: 11,
    throttleRate: 0.1,
    errorRate: 0.1,
    dropRate: 0.05,
    malformedRate: 0.05,
  });
  work = await mkdtemp(join(tmpdir(), 'pushlog-run-'));
  referenceOut = join(work, 'reference');
  const result = await cli(runArgs(sim.url, referenceOut, '--format', 'xlsx', '--page-size', '100'));
  expect(result.stderr).not.toMatch(/^pushlog-report:/m);
  expect(result.code).toBe(0);
  reference = await readModel(referenceOut);
});

afterAll(async () => {
  await sim?.close();
  await faulty?.close();
  await rm(work, { recursive: true, force: true });
});

describe('run', () => {
  it('the reference run reports exactly the generated month and a manifest that verifies', async () => {
    expect(reference.totals.pushes).toBe(sim.countRecords(APRIL));
    expect(reference.complete).toBe(true);
    const files = await readdir(monthDir(referenceOut));
    expect(files).toEqual(
      expect.arrayContaining([
        'manifest.json',
        'summary.json',
        'raw.parquet',
        `push-logs-${ENTERPRISE}-${MONTH}.xlsx`,
      ]),
    );
    const verified = await cli(['verify', monthDir(referenceOut)]);
    expect(verified.code).toBe(0);
  });

  it('writes a manifest that verifies when --out is a relative path (regression: doubled folder)', async () => {
    const out = relative(root, join(work, 'relative-out'));
    const result = await cli(runArgs(sim.url, out, '--format', 'xlsx', '--page-size', '100'));
    expect(errorLines(result)).toEqual([]);
    expect(result.code).toBe(0);
    expect((await cli(['verify', join(root, monthDir(out))])).code).toBe(0);
  });

  it('runs several enterprises, each into its own folder, with one line each', async () => {
    const out = join(work, 'several');
    const result = await cli([
      ...runArgs(sim.url, out, '--format', 'xlsx', '--parallel', '2', '--page-size', '100'),
      '--enterprise',
      `${ENTERPRISE},8000001`,
    ]);
    expect(errorLines(result)).toEqual([]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^${ENTERPRISE} ${MONTH} \\(final\\): ${sim.countRecords(APRIL)} pushes`),
    );
    const other = sim.countRecords({ ...APRIL, enterpriseId: '8000001' });
    expect(lines[1]).toMatch(new RegExp(`^8000001 ${MONTH} \\(final\\): ${other} pushes`));
    for (const id of [ENTERPRISE, '8000001']) {
      expect((await cli(['verify', join(out, id, MONTH)])).code).toBe(0);
    }
  });

  it('finishes through 10% 5xx, 10% throttling, dropped connections and malformed bodies, with exact totals', async () => {
    const out = join(work, 'faulty');
    const result = await cli(runArgs(faulty.url, out, '--format', 'xlsx', '--json'));
    expect(errorLines(result)).toEqual([]);
    expect(result.code).toBe(0);
    const model = await readModel(out);
    expect(model.totals.pushes).toBe(faulty.countRecords(APRIL));
    expect(figures({ ...model, sla: null })).toEqual(figures({ ...reference, sla: null }));
    const stats = faulty.stats();
    expect(
      stats.faults.throttle + stats.faults.error + stats.faults.drop + stats.faults.malformed,
    ).toBeGreaterThan(0);
    const line = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(line).toMatchObject({ enterpriseId: ENTERPRISE, month: MONTH });
  });
});

/** Starts `run` and SIGKILLs it when `when` says so (polled every 20 ms, or on each stderr chunk). */
async function killDuring(args: string[], when: (stderr: string) => boolean): Promise<{ killed: boolean }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'pipeline/cli.ts', ...args], {
    cwd: root,
    env: cliEnv({}),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let killed = false;
  const check = () => {
    if (!killed && when(stderr)) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    check();
  });
  const timer = setInterval(check, 20);
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  clearInterval(timer);
  return { killed };
}

describe('a run killed at any stage resumes to the same figures', () => {
  it('SIGKILL during extraction, transform and rendering; then a run completes identically', async () => {
    const out = join(work, 'killed');
    const args = runArgs(sim.url, out, '--format', 'xlsx,pdf', '--page-size', '100', '--qps', '60');
    const before = sim.stats().requests;

    const duringExtract = await killDuring(args, () => sim.stats().requests - before >= 15);
    expect(duringExtract.killed).toBe(true);
    expect(existsSync(join(monthDir(out), 'manifest.json'))).toBe(false);
    expect(existsSync(join(monthDir(out), 'summary.json'))).toBe(false);

    const duringTransform = await killDuring(args, (stderr) => /^transform /m.test(stderr));
    expect(duringTransform.killed).toBe(true);
    expect(existsSync(join(monthDir(out), 'manifest.json'))).toBe(false);

    const duringRender = await killDuring(args, (stderr) => /^render /m.test(stderr));
    expect(duringRender.killed).toBe(true);
    expect(existsSync(join(monthDir(out), 'manifest.json'))).toBe(false);
    // Whatever the kill left is a dot-named temporary, never a file under an artifact's name that is cut short.
    for (const name of await readdir(monthDir(out))) {
      if (name.endsWith('.pdf') || name.endsWith('.xlsx')) {
        const verifiedAlone = await readFile(join(monthDir(out), name));
        expect(verifiedAlone.length).toBeGreaterThan(0);
      }
    }

    const result = await cli(args);
    expect(errorLines(result)).toEqual([]);
    expect(result.code).toBe(0);
    const model = await readModel(out);
    expect(figures({ ...model, sla: null })).toEqual(figures({ ...reference, sla: null }));
    const files = await readdir(monthDir(out));
    expect(files.filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect((await cli(['verify', monthDir(out)])).code).toBe(0);
  });
});

describe('failures end with one clear line, the documented exit code, and no report claiming completeness', () => {
  it('an unreachable endpoint: exit 4, naming the endpoint', async () => {
    const closed = await startTestSimulator({ volume: 1 });
    const url = closed.url;
    await closed.close();
    const out = join(work, 'unreachable');
    const result = await cli([...runArgs(url, out, '--max-retries', '2'), '--format', 'xlsx']);
    expect(result.code).toBe(4);
    expect(errorLines(result).join('\n')).toContain(url);
    expect(existsSync(join(monthDir(out), 'summary.json'))).toBe(false);
    expect(existsSync(join(monthDir(out), 'manifest.json'))).toBe(false);
  });

  it('a wrong secret: exit 5, naming the variables to check, without a retry storm', async () => {
    const secret = 'not-the-secret-42';
    const before = sim.stats().requests;
    const result = await cli(runArgs(sim.url, join(work, 'auth'), '--format', 'xlsx'), {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tPushlogSimulator',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret,
    });
    expect(result.code).toBe(5);
    expect(errorLines(result).join('\n')).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    expect(result.stdout + result.stderr).not.toContain(secret);
    // One failed request per window in flight at most: a signature error is never retried.
    expect(sim.stats().requests - before).toBeLessThanOrEqual(8);
  });

  const badFlags: [string, string[], RegExp][] = [
    ['--format', ['--format', 'docx'], /--format must be xlsx, pdf or xlsx,pdf/],
    ['--locale', ['--locale', 'fr'], /--locale must be zh-CN or en/],
    ['--parallel', ['--parallel', '0'], /--parallel must be an integer from 1 to 16/],
    ['--email-to', ['--email-to', 'ops'], /--email-to must be e-mail addresses/],
    ['--qps', ['--qps', '0'], /--qps must be above 0/],
    ['--concurrency', ['--concurrency', 'many'], /--concurrency must be an integer from 1 to 64/],
    ['--month', ['--month', '2026-13'], /--month: .*YYYY-MM/],
    ['--tz', ['--tz', 'Moon/Base'], /--tz: Unknown time zone/],
    ['--sla', ['--sla', 'no-such-sla.yaml'], /--sla no-such-sla.yaml: cannot read the file/],
    ['--signature', ['--signature', 'v2'], /--signature.*v3.*v1/],
  ];
  for (const [flag, args, message] of badFlags) {
    it(`${flag} with an invalid value: exit 2, naming the flag and the accepted form`, async () => {
      const result = await cli([...runArgs(sim.url, join(work, 'bad-flags')), ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    });
  }

  it('no Chromium: the workbook is still written, the PDF fails saying how to install it', async () => {
    const out = join(work, 'no-chromium');
    // A PDF of an earlier run must not pass for this run's.
    await mkdir(monthDir(out), { recursive: true });
    await writeFile(join(monthDir(out), `push-logs-${ENTERPRISE}-${MONTH}.pdf`), '%PDF-1.7 old');
    // A PDF of an earlier run must not pass for this run's.
    await mkdir(monthDir(out), { recursive: true });
    await writeFile(join(monthDir(out), `push-logs-${ENTERPRISE}-${MONTH}.pdf`), '%PDF-1.7 old');
    const result = await cli(runArgs(sim.url, out, '--page-size', '100'), {
      PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chromium',
    });
    expect(result.code).toBe(1);
    expect(errorLines(result).join('\n')).toMatch(/apt-get install chromium fonts-noto-cjk/);
    const files = await readdir(monthDir(out));
    expect(files).toContain(`push-logs-${ENTERPRISE}-${MONTH}.xlsx`);
    expect(files).not.toContain(`push-logs-${ENTERPRISE}-${MONTH}.pdf`);
    const manifest = JSON.parse(await readFile(join(monthDir(out), 'manifest.json'), 'utf8')) as {
      artifacts: { path: string }[];
    };
    expect(manifest.artifacts.map((a) => a.path)).toContain(`push-logs-${ENTERPRISE}-${MONTH}.xlsx`);
  });
});

describe('CI mode', () => {
  it('a breached SLA with --fail-on-breach exits 3 and writes the GitHub step summary', async () => {
    const sla = join(work, 'strict-sla.yaml');
    await writeFile(
      sla,
      'rules:\n  - scope: overall\n    metric: successRate\n    op: ">="\n    value: 0.9999\n',
    );
    const summary = join(work, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const result = await cli(
      runArgs(sim.url, join(work, 'breach'), '--format', 'xlsx', '--sla', sla, '--fail-on-breach'),
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/SLA FAILED \(1 of 1 rules\)/);
    const markdown = await readFile(summary, 'utf8');
    expect(markdown.startsWith('# earlier step\n')).toBe(true);
    expect(markdown).toContain(ENTERPRISE);
    expect(markdown).toMatch(/fail/i);
  });

  it('--dry-run prints the resolved configuration with secrets masked', async () => {
    const secret = 'dry-run-secret-77';
    const endpoint = 'http://someone:PASSWD-in-url@127.0.0.1:9';
    const result = await cli(
      [
        ...runArgs(endpoint, join(work, 'dry')),
        '--url',
        'https://hook.example.com/cb?access_token=SECRETTOKEN',
        '--dry-run',
      ],
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tPushlogSimulator', ALIBABA_CLOUD_ACCESS_KEY_SECRET: secret },
    );
    expect(result.code).toBe(0);
    for (const hidden of [secret, 'PASSWD-in-url', 'SECRETTOKEN'])
      expect(result.stdout).not.toContain(hidden);
    const config = JSON.parse(result.stdout) as {
      enterprises: string[];
      redact: boolean;
      credentials: Record<string, string>;
    };
    expect(config.enterprises).toEqual([ENTERPRISE]);
    expect(config.redact).toBe(true);
    expect(config.credentials.ALIBABA_CLOUD_ACCESS_KEY_SECRET).toBe('***');
    expect(existsSync(join(work, 'dry'))).toBe(false);
  });

  it('a config file can turn redaction off, and --redact turns it back on', async () => {
    const file = join(work, 'no-redact.yaml');
    await writeFile(file, 'redact: false\nlocale: en\n');
    const off = await cli([...runArgs(sim.url, join(work, 'dry')), '--config', file, '--dry-run']);
    expect(JSON.parse(off.stdout)).toMatchObject({ redact: false, locale: 'en' });
    const on = await cli([...runArgs(sim.url, join(work, 'dry')), '--config', file, '--redact', '--dry-run']);
    expect(JSON.parse(on.stdout)).toMatchObject({ redact: true });
  });

  it('--email-to without SMTP_URL is refused before any work, naming the variable', async () => {
    const out = join(work, 'no-smtp');
    const result = await cli([...runArgs(sim.url, out), '--email-to', 'ops@example.com'], { SMTP_URL: '' });
    expect(result.code).toBe(2);
    expect(errorLines(result)).toEqual([expect.stringMatching(/SMTP_URL is not set/)]);
    expect(existsSync(out)).toBe(false);
  });

  it('render alone re-renders byte-identical files and writes a manifest that verifies', async () => {
    const dir = monthDir(referenceOut);
    const xlsx = join(dir, `push-logs-${ENTERPRISE}-${MONTH}.xlsx`);
    const before = await readFile(xlsx);
    await rm(join(dir, 'manifest.json'));
    const result = await cli([
      'render',
      '--enterprise',
      ENTERPRISE,
      '--month',
      MONTH,
      '--out',
      referenceOut,
      '--format',
      'xlsx',
    ]);
    expect(result.code).toBe(0);
    expect((await readFile(xlsx)).equals(before)).toBe(true);
    expect((await cli(['verify', dir])).code).toBe(0);
  });
});
