/**
 * The simulator in a process of its own, for the extract benchmark: its CPU and memory must not
 * count against the extraction it serves. Prints one JSON line on stdout once it listens —
 * `{ url, expectedRecords, cpuMs }` — and, on SIGTERM, a second one with its stats, then exits.
 *
 *   tsx test/bench/sim-process.ts --volume 1000000 --latency-ms 20 --qps-cap 40 [--until-ms <ms>]
 *
 * `expectedRecords` counts the month's records up to `--until-ms` (default: the whole month), the
 * number an extraction of that range must end with.
 */
import { parseArgs } from 'node:util';
import { monthBounds, type SimulatorStats, startSimulator } from '../../pipeline/simulator/index.js';

const { values } = parseArgs({
  options: {
    volume: { type: 'string', default: '1000000' },
    'latency-ms': { type: 'string', default: '20' },
    'qps-cap': { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    enterprise: { type: 'string', default: '7122600' },
    month: { type: 'string', default: '2026-04' },
    tz: { type: 'string', default: 'Asia/Shanghai' },
    'until-ms': { type: 'string' },
  },
});

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
};

const sim = await startSimulator({
  port: 0,
  volume: Number(values.volume),
  latencyMs: Number(values['latency-ms']),
  qpsCap: Number(values['qps-cap']),
  seed: Number(values.seed),
  timeZone: values.tz,
});

// Counting builds the generated month now (about 0.5 s a million records), so the first page of
// the benchmarked extraction does not pay for it.
const bounds = monthBounds(values.month, values.tz);
const untilMs = values['until-ms'] === undefined ? bounds.endMs : Number(values['until-ms']);
const expectedRecords = sim.countRecords({
  enterpriseId: values.enterprise,
  startMs: bounds.startMs,
  endMs: Math.min(untilMs, bounds.endMs),
});

process.stdout.write(`${JSON.stringify({ url: sim.url, expectedRecords, cpuMs: cpuMs() })}\n`);

process.once('SIGTERM', () => {
  const stats: SimulatorStats = sim.stats();
  const line = JSON.stringify({
    stats: { ...stats, pagesByStart: undefined },
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    cpuMs: cpuMs(),
  });
  process.stdout.write(`${line}\n`, () => {
    void sim.close().then(() => process.exit(0));
  });
});
