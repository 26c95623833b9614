/**
 * End-to-end benchmark (`npm run bench:e2e`, not a test): a 1,000,000-record month from the
 * simulator (its own process, 20 ms latency, 40 QPS cap) to xlsx + pdf through `pushlog-report run`
 * in a child process. Prints the wall time of each stage (from the CLI's stage lines), the ratio of
 * the whole to the rate-limit bound (rows ÷ (500 × QPS) seconds: no extraction can beat it), and
 * the peak RSS of the run's Node process and of its whole process tree (Chromium included).
 *
 *   tsx test/bench/e2e.bench.ts [--volume 1000000] [--qps 40] [--keep]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_ARGS = ['--import', 'tsx'];
const { values } = parseArgs({
  options: {
    volume: { type: 'string', default: '1000000' },
    qps: { type: 'string', default: '40' },
    keep: { type: 'boolean', default: false },
  },
});
const VOLUME = Number(values.volume);
const QPS = Number(values.qps);
const MIB = 1024 * 1024;
const line = (text = '') => process.stdout.write(`${text}\n`);

/** Resident set of a process and its descendants, in bytes (Linux /proc). */
async function treeRss(pid: number): Promise<{ self: number; tree: number }> {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '');
    const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0);
    parents.set(Number(name), ppid);
    rss.set(Number(name), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
  }
  const inTree = (p: number): boolean => {
    for (let at = p, hops = 0; at > 1 && hops < 64; at = parents.get(at) ?? 0, hops++)
      if (at === pid) return true;
    return false;
  };
  let tree = 0;
  for (const p of rss.keys()) if (inTree(p)) tree += rss.get(p) ?? 0;
  return { self: rss.get(pid) ?? 0, tree };
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'pushlog-e2e-'));
  const sim = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      'test/bench/sim-process.ts',
      '--volume',
      String(VOLUME),
      '--latency-ms',
      '20',
      '--qps-cap',
      String(QPS),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const simLines = createInterface({ input: sim.stdout })[Symbol.asyncIterator]();
  const ready = JSON.parse((await simLines.next()).value as string) as {
    url: string;
    expectedRecords: number;
  };
  line(
    `e2e: ${ready.expectedRecords} records in 2026-04, simulator ${ready.url} (20 ms latency, ${QPS} QPS cap)`,
  );

  const started = performance.now();
  const run = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      'pipeline/cli.ts',
      'run',
      '--endpoint',
      ready.url,
      '--enterprise',
      '7122600',
      '--month',
      '2026-04',
      '--out',
      scratch,
      '--qps',
      String(QPS),
      '--concurrency',
      '8',
      '--format',
      'xlsx,pdf',
      '--fresh',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } },
  );
  const stages: { name: string; at: number }[] = [{ name: 'extract', at: 0 }];
  let stdout = '';
  let stderr = '';
  run.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  createInterface({ input: run.stderr }).on('line', (text) => {
    stderr += `${text}\n`;
    const stage = /^(transform|render|manifest|deliver) \d+ /.exec(text);
    if (stage?.[1]) stages.push({ name: stage[1], at: performance.now() - started });
  });
  let peakSelf = 0;
  let peakTree = 0;
  const poll = setInterval(() => {
    if (run.pid === undefined) return;
    void treeRss(run.pid).then(({ self, tree }) => {
      peakSelf = Math.max(peakSelf, self);
      peakTree = Math.max(peakTree, tree);
    });
  }, 200);
  const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
  clearInterval(poll);
  const wallMs = performance.now() - started;
  sim.kill('SIGTERM');
  if (code !== 0) {
    process.stderr.write(stderr);
    throw new Error(`run exited ${code}`);
  }
  stages.push({ name: 'end', at: wallMs });

  const boundS = ready.expectedRecords / (500 * QPS);
  line();
  line('stage       seconds');
  for (let i = 0; i + 1 < stages.length; i++) {
    const stage = stages[i] as { name: string; at: number };
    const next = stages[i + 1] as { name: string; at: number };
    line(`${stage.name.padEnd(11)} ${((next.at - stage.at) / 1000).toFixed(1).padStart(7)}`);
  }
  line(`${'whole'.padEnd(11)} ${(wallMs / 1000).toFixed(1).padStart(7)}`);
  line();
  line(
    `rate-limit bound ${boundS.toFixed(1)} s → whole run ${(wallMs / 1000 / boundS).toFixed(2)}× the bound`,
  );
  line(
    `peak RSS: run process ${(peakSelf / MIB).toFixed(0)} MiB, process tree (Chromium included) ${(peakTree / MIB).toFixed(0)} MiB`,
  );
  line(stdout.trim());
  const result = {
    bench: 'e2e',
    rows: [
      {
        label: `run ${ready.expectedRecords} rows → xlsx+pdf`,
        seconds: wallMs / 1000,
        baseline: 'rate-limit bound',
        baselineSeconds: boundS,
        peakRssMiB: peakSelf / MIB,
      },
    ],
  };
  line(`bench-result ${JSON.stringify(result)}`);
  if (!values.keep) await rm(scratch, { recursive: true, force: true });
  else line(`kept ${scratch}`);
}

await main();
