/**
 * Seeded randomness for the simulator. Everything it generates must be a pure function of
 * (seed, inputs), so the same seed gives the same Ids, pages and faults on every machine:
 * no Math.random, no wall clock.
 */

/** murmur3's finaliser: spreads the bits of a 32-bit integer. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed 32-bit hash of a few integers (order matters). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Fold doubles above 2^32 (epoch ms) in two halves so no bits are lost.
    const low = part >>> 0;
    const high = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = mix32(h ^ low) + 0x7f4a7c15;
    if (high !== 0) h = mix32(h ^ high) + 0x7f4a7c15;
  }
  return mix32(h);
}

/** FNV-1a over the UTF-16 code units, then mixed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** mulberry32: small, fast, and good enough for test data. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed | 0;
  }

  u32(): number {
    this.#state = (this.#state + 0x6d2b79f5) | 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** uniform integer in [min, max] */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** standard normal (Box-Muller) */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** a digit string of the given length */
  digits(length: number): string {
    let out = '';
    // Four digits per draw keep this cheap on the hot path of record materialisation.
    while (out.length < length) out += String(this.int(10_000)).padStart(4, '0');
    return out.slice(0, length);
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.u32().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}

/** Cumulative weights, for picking an index in O(log n). */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((weight, i) => {
    sum += weight;
    out[i] = sum;
  });
  return out;
}

/** The index i with cdf[i-1] <= u·total < cdf[i]. */
export function pickIndex(cdf: Float64Array, u: number): number {
  const target = u * (cdf[cdf.length - 1] ?? 0);
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] ?? 0) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
