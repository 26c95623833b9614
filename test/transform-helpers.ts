/**
 * Helpers for the transform suites: a month extracted from the real simulator into a temp folder,
 * an independent PERCENTILE.INC, and a small JSON Schema checker for the subset summary.json's
 * schema uses (type, const, enum, properties, required, additionalProperties, items, minimum,
 * maximum, maxItems, maxLength, pattern, oneOf, $ref to $defs).
 */
import { onTestFinished } from 'vitest';
import { extractMonth } from '../pipeline/extract/index.js';
import type { SimulatorOptions } from '../pipeline/simulator/index.js';
import { AFTER_APRIL, extractOptions, makeTempDir, removeTempDir } from './helpers/extract.js';
import { startTestSimulator } from './helpers/simulator.js';

export const HAND_FIXTURE = new URL('./fixtures/transform-hand.ndjson', import.meta.url).pathname;
export { BAD_FIXTURE } from './helpers/extract.js';

/** A temp output folder removed when the test ends. */
export async function tempOut(): Promise<string> {
  const dir = await makeTempDir('pushlog-transform-');
  onTestFinished(() => removeTempDir(dir));
  return dir;
}

/**
 * Extracts `months` of ENTERPRISE from a simulator started with `sim` into `outDir`, with the
 * clock at `now` (default: after April 2026, so April and May are final), in `timeZone`.
 */
export async function extractMonths(
  outDir: string,
  sim: SimulatorOptions,
  months: string[],
  now: Date = AFTER_APRIL,
  timeZone = 'Asia/Shanghai',
): Promise<void> {
  const simulator = await startTestSimulator({ now: () => now.getTime(), timeZone, ...sim });
  try {
    for (const month of months) {
      await extractMonth(extractOptions(simulator.url, outDir, { month, timeZone, now: () => now }));
    }
  } finally {
    await simulator.close();
  }
}

/**
 * Excel's PERCENTILE.INC, written out plainly: sort ascending, h = (n − 1)·p, interpolate between
 * x[⌊h⌋] and x[⌊h⌋ + 1] with weight d = h − ⌊h⌋. Null for no values. The interpolation is written
 * x[⌊h⌋]·(1 − d) + x[⌊h⌋+1]·d, the form DuckDB evaluates: metrics.md's x[⌊h⌋] + d·(x[⌊h⌋+1] − x[⌊h⌋])
 * is the same number but can round differently in the last binary digit.
 */
export function percentileInc(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const d = h - lo;
  const below = x[lo] as number;
  const above = x[Math.min(lo + 1, x.length - 1)] as number;
  return below * (1 - d) + above * d;
}

/** metrics.md's own arithmetic for the same percentile. */
export function percentileIncAsWritten(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  const below = x[lo] as number;
  const above = x[Math.min(lo + 1, x.length - 1)] as number;
  return below + (h - lo) * (above - below);
}

type Schema = Record<string, unknown>;

/**
 * Problems of `value` against `schema` (empty when valid). With `strict`, an object schema that
 * lists properties admits no others, so a key the model has and the schema lacks is reported.
 */
export function checkSchema(schema: Schema, value: unknown, strict = true): string[] {
  const problems: string[] = [];
  const defs = (schema.$defs ?? {}) as Record<string, Schema>;
  const visit = (s: Schema, v: unknown, at: string): void => {
    if (typeof s.$ref === 'string') {
      const name = s.$ref.replace('#/$defs/', '');
      const target = defs[name];
      if (!target) problems.push(`${at}: unknown $ref ${s.$ref}`);
      else visit(target, v, at);
    }
    if (Array.isArray(s.oneOf)) {
      const matching = (s.oneOf as Schema[]).filter(
        (option) => checkSchema({ ...option, $defs: defs }, v, strict).length === 0,
      );
      if (matching.length !== 1) problems.push(`${at}: matches ${matching.length} of oneOf`);
    }
    if ('const' in s && v !== s.const) problems.push(`${at}: expected ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.includes(v))
      problems.push(`${at}: ${JSON.stringify(v)} not in enum`);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => hasType(v, t))) {
        problems.push(`${at}: expected ${types.join('|')}, got ${JSON.stringify(v)?.slice(0, 60)}`);
        return;
      }
    }
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) problems.push(`${at}: ${v} < ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) problems.push(`${at}: ${v} > ${s.maximum}`);
    }
    if (typeof v === 'string') {
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v))
        problems.push(`${at}: ${v} !~ ${s.pattern}`);
      if (typeof s.maxLength === 'number' && [...v].length > s.maxLength)
        problems.push(`${at}: longer than ${s.maxLength}`);
    }
    if (Array.isArray(v)) {
      if (typeof s.maxItems === 'number' && v.length > s.maxItems)
        problems.push(`${at}: more than ${s.maxItems} items`);
      if (s.items) for (const [i, item] of v.entries()) visit(s.items as Schema, item, `${at}[${i}]`);
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const key of (s.required ?? []) as string[])
        if (!(key in o)) problems.push(`${at}: missing ${key}`);
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      for (const [key, item] of Object.entries(o)) {
        const own = properties[key];
        if (own) visit(own, item, `${at}.${key}`);
        else if (
          s.additionalProperties === false ||
          (strict && s.properties && s.additionalProperties === undefined)
        )
          problems.push(`${at}: unexpected key ${key}`);
        else if (typeof s.additionalProperties === 'object')
          visit(s.additionalProperties as Schema, item, `${at}.${key}`);
      }
    }
  };
  visit(schema, value, '$');
  return problems;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return v === null;
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return typeof v === type;
  }
}
