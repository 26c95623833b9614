/**
 * Measuring a benchmark's child processes: wall time, peak RSS and CPU of one child (GNU time when
 * present, else VmHWM polled), and how busy the whole machine was meanwhile, so a run on a shared
 * box can say how much of it other work took.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Measured {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssBytes: number;
  /** user + system CPU of the child, every thread; undefined without GNU time */
  cpuMs: number | undefined;
  rssSource: string;
}

export const mib = (bytes: number): number => bytes / (1024 * 1024);
export const cores = (): number => availableParallelism();

/**
 * Runs `node <nodeArgs> <args>` to completion in `cwd`, measuring it. `scratch` holds GNU time's
 * report. With `inheritStderr` the child's stderr goes to ours (and `stderr` stays empty).
 */
export async function runMeasured(
  nodeArgs: string[],
  args: string[],
  options: { cwd: string; scratch: string; inheritStderr?: boolean },
): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const timeFile = join(options.scratch, `time-${process.hrtime.bigint()}.txt`);
  const [command, argv] = useTime
    ? [GNU_TIME, ['-v', '-o', timeFile, process.execPath, ...nodeArgs, ...args]]
    : [process.execPath, [...nodeArgs, ...args]];
  const started = performance.now();
  const child = spawn(command, argv, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', options.inheritStderr ? 'inherit' : 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let polledHwm = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        void readFile(`/proc/${child.pid}/status`, 'utf8')
          .then((status) => {
            polledHwm = Math.max(polledHwm, Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) * 1024);
          })
          .catch(() => {});
      }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const wallMs = performance.now() - started;
  if (poll) clearInterval(poll);
  if (!useTime) {
    return {
      code,
      stdout,
      stderr,
      wallMs,
      peakRssBytes: polledHwm,
      cpuMs: undefined,
      rssSource: 'VmHWM polled every 50 ms',
    };
  }
  const report = await readFile(timeFile, 'utf8').catch(() => '');
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(report)?.[1] ?? Number.NaN);
  const user = Number(/User time \(seconds\): ([\d.]+)/.exec(report)?.[1] ?? Number.NaN);
  const system = Number(/System time \(seconds\): ([\d.]+)/.exec(report)?.[1] ?? Number.NaN);
  return {
    code,
    stdout,
    stderr,
    wallMs,
    peakRssBytes: kb * 1024,
    cpuMs: Math.round((user + system) * 1000),
    rssSource: '/usr/bin/time -v',
  };
}

/**
 * CPU time the whole machine has spent busy so far (every core, from /proc/stat); undefined where
 * /proc/stat is missing.
 */
export async function machineBusyMs(): Promise<number | undefined> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const fields = stat?.split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (!fields || fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait, in USER_HZ (100/s).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * 10;
}

/**
 * CPU that processes other than the measured ones took during `wallMs`, and its share of the
 * machine: `busyBefore`/`busyAfter` from machineBusyMs, `ownCpuMs` the measured processes' CPU.
 */
export function otherLoad(
  busyBefore: number | undefined,
  busyAfter: number | undefined,
  ownCpuMs: number | undefined,
  wallMs: number,
): { cpuMs: number; share: number } | undefined {
  if (busyBefore === undefined || busyAfter === undefined || ownCpuMs === undefined) return undefined;
  const cpuMs = Math.max(0, busyAfter - busyBefore - ownCpuMs);
  return { cpuMs, share: cpuMs / (wallMs * cores()) };
}

/** This process's peak RSS so far (VmHWM); 0 where /proc is missing. */
export async function selfPeakRssBytes(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) * 1024;
}

/** This process's CPU so far (user + system, every thread), ms. */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Prints each missed target (or that all were met) and returns the benchmark's exit status. */
export function reportMisses(misses: readonly string[], line: (text: string) => void): number {
  for (const miss of misses) line(`MISSED ${miss}`);
  if (misses.length === 0) line('all targets met');
  return misses.length === 0 ? 0 : 1;
}
