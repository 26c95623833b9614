import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { SimulatorOptions } from './simulator/index.js';

const fraction = z.coerce.number().min(0).max(1);

const simulateSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).optional(),
  seed: z.coerce.number().int().optional(),
  volume: z.coerce.number().int().min(0).max(20_000_000).optional(),
  data: z.string().min(1).optional(),
  tz: z.string().optional(),
  latencyMs: z.coerce.number().min(0).max(600_000).optional(),
  qpsCap: z.coerce.number().positive().optional(),
  throttleRate: fraction.optional(),
  errorRate: fraction.optional(),
  dropRate: fraction.optional(),
  malformedRate: fraction.optional(),
});

const flag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Validates `simulate` flags (every problem at once) into simulator options. */
export function simulatorOptions(raw: Record<string, unknown>): SimulatorOptions {
  const known = Object.fromEntries(
    Object.entries(raw).filter(([k, v]) => k in simulateSchema.shape && v !== undefined),
  );
  const parsed = simulateSchema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues
        .map(
          (i) => `${flag(String(i.path[0]))} ${i.message} (got ${JSON.stringify(known[String(i.path[0])])})`,
        )
        .join('; '),
    );
  }
  const { tz, ...rest } = parsed.data;
  return { ...rest, ...(tz === undefined ? {} : { timeZone: tz }) };
}
