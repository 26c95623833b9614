/**
 * Fault injection and the QPS cap. A fault is chosen per request number: from the script when it
 * names that request, else from the configured rates with a PRNG seeded by (seed, request number),
 * so a run with the same seed and the same request order meets the same faults.
 */
import { hash32 } from './random.js';

export type FaultKind = 'ok' | 'throttle' | 'error' | 'drop' | 'malformed';

export const FAULT_KINDS: readonly FaultKind[] = ['ok', 'throttle', 'error', 'drop', 'malformed'];

export interface FaultRates {
  throttleRate?: number | undefined;
  errorRate?: number | undefined;
  dropRate?: number | undefined;
  malformedRate?: number | undefined;
}

export interface FaultPlanOptions extends FaultRates {
  seed: number;
  /** by 1-based request number */
  faultScript?: Readonly<Record<number, FaultKind>> | undefined;
}

/** What a faulty answer looks like, beyond its kind. */
export interface FaultPlan {
  kind: FaultKind;
  /** drop: true = close before any byte, false = after the headers and part of the body */
  dropEarly: boolean;
  /** drop/malformed: the share of the body that is sent, in (0, 1) */
  cut: number;
}

/** Problems with the rates or the script, as messages; empty when they are usable. */
export function checkFaultOptions(options: FaultPlanOptions): string[] {
  const problems: string[] = [];
  let sum = 0;
  for (const name of ['throttleRate', 'errorRate', 'dropRate', 'malformedRate'] as const) {
    const rate = options[name];
    if (rate === undefined) continue;
    if (!(rate >= 0 && rate <= 1)) problems.push(`${name} must be a fraction in 0..1, got ${rate}`);
    else sum += rate;
  }
  if (sum > 1) problems.push(`the fault rates add up to ${sum}, more than 1`);
  for (const [key, kind] of Object.entries(options.faultScript ?? {})) {
    if (!/^[1-9]\d*$/.test(key))
      problems.push(`faultScript key '${key}' is not a request number (1, 2, ...)`);
    if (!FAULT_KINDS.includes(kind))
      problems.push(`faultScript[${key}] is not a fault kind: '${String(kind)}'`);
  }
  return problems;
}

export function createFaultPlanner(options: FaultPlanOptions): (requestNumber: number) => FaultPlan {
  const thresholds: [number, FaultKind][] = [];
  let edge = 0;
  for (const [rate, kind] of [
    [options.throttleRate, 'throttle'],
    [options.errorRate, 'error'],
    [options.dropRate, 'drop'],
    [options.malformedRate, 'malformed'],
  ] as const) {
    edge += rate ?? 0;
    thresholds.push([edge, kind]);
  }
  return (requestNumber) => {
    const u = hash32(options.seed, requestNumber, 0xfa17) / 0x1_0000_0000;
    const detail = hash32(options.seed, requestNumber, 0xde7a);
    const scripted = options.faultScript?.[requestNumber];
    const kind = scripted ?? thresholds.find(([limit]) => u < limit)?.[1] ?? 'ok';
    return { kind, dropEarly: (detail & 1) === 0, cut: 0.2 + ((detail >>> 1) % 600) / 1000 };
  };
}

/**
 * Token bucket: holds up to `qps` tokens (at least one) and refills `qps` per second, so bursts up to the cap
 * pass and a steady rate above it is refused. Reads a monotonic clock, not the simulator's `now`,
 * which tests may freeze.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #clock: () => number;
  #tokens: number;
  #lastMs: number;

  constructor(qps: number, clock: () => number = () => performance.now()) {
    this.#rate = qps;
    // A cap below 1/s still lets one request through now and then.
    this.#capacity = Math.max(1, qps);
    this.#clock = clock;
    this.#tokens = this.#capacity;
    this.#lastMs = clock();
  }

  /** Takes a token when one is there. */
  take(): boolean {
    const nowMs = this.#clock();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((nowMs - this.#lastMs) / 1000) * this.#rate);
    this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
