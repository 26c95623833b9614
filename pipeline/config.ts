import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { DEFAULT_ENDPOINT } from './extract/client.js';
import { assertTimeZone, parseMonth } from './extract/windows.js';

/**
 * Configuration: defaults < config file < flags, validated once with every problem reported
 * together. Secrets never live here: credentials come from the environment only.
 */

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be an integer from ${min} to ${max}` })
    .int(`must be an integer from ${min} to ${max}`)
    .min(min, `must be an integer from ${min} to ${max}`)
    .max(max, `must be an integer from ${min} to ${max}`);

/** How each setting is spelled on the command line, for messages that name what to fix. */
export const FLAG_NAMES: Record<string, string> = {
  enterprise: '--enterprise',
  month: '--month',
  endpoint: '--endpoint',
  timeZone: '--tz',
  out: '--out',
  concurrency: '--concurrency',
  qps: '--qps',
  type: '--type',
  result: '--result',
  url: '--url',
  retry: '--retry',
  pageSize: '--page-size',
  splitPages: '--split-pages',
  maxRetries: '--max-retries',
  timeoutMs: '--timeout-ms',
  lagMinutes: '--lag-minutes',
  signature: '--signature',
};

export const extractSchema = z.object({
  enterprise: z
    .string({ error: 'is required: the call-center (enterprise) id, e.g. 7122600' })
    .regex(/^\d{1,19}$/, 'must be a numeric enterprise id, e.g. 7122600'),
  month: z.string().default('last'),
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(DEFAULT_ENDPOINT),
  timeZone: z.string().default('Asia/Shanghai'),
  out: z.string().min(1).default('reports'),
  concurrency: int(1, 64).default(4),
  qps: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be above 0')
    .max(1000, 'must be at most 1000')
    .default(10),
  type: int(1, 10_000).optional(),
  result: z.coerce
    .number()
    .refine((v) => v === 0 || v === 1, 'must be 0 (failure) or 1 (success)')
    .optional(),
  url: z.string().min(1).optional(),
  retry: int(-2, 1000).optional(),
  pageSize: int(1, 500).default(500),
  splitPages: int(2, 100_000).default(100),
  maxRetries: int(0, 100).default(8),
  timeoutMs: int(100, 600_000).default(30_000),
  lagMinutes: z.coerce.number().min(0).max(1440).default(10),
  signature: z.enum(['v3', 'v1']).default('v3'),
  keepLanding: z.boolean().default(false),
  fresh: z.boolean().default(false),
});

export type ExtractConfig = z.infer<typeof extractSchema> & { resolvedMonth: string };

/** Reads `--config FILE` (JSON or YAML). */
export function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `--config ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `--config ${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`--config ${path}: expected an object of settings`);
  }
  return value as Record<string, unknown>;
}

/**
 * Merges file and flags, validates, and resolves the month ('last', 'current', 'YYYY-MM') against
 * `now` in the configured zone. Throws one ConfigError listing every problem.
 */
export function resolveExtractConfig(
  file: Record<string, unknown>,
  flags: Record<string, unknown>,
  now: Date,
): ExtractConfig {
  const merged = { ...file, ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  const parsed = extractSchema.safeParse(merged);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const given = merged[key as keyof typeof merged];
      const got = given === undefined ? '' : ` (got ${JSON.stringify(given)})`;
      problems.push(`${FLAG_NAMES[key] ?? key} ${issue.message}${got}`);
    }
  }
  let resolvedMonth = '';
  // Zone and month are checked even when other settings are wrong, so every problem shows at once.
  const timeZone = typeof merged.timeZone === 'string' ? merged.timeZone : 'Asia/Shanghai';
  const month = typeof merged.month === 'string' ? merged.month : 'last';
  try {
    assertTimeZone(timeZone);
    try {
      resolvedMonth = parseMonth(month, now, timeZone);
    } catch (error) {
      problems.push(`--month: ${(error as Error).message}`);
    }
  } catch (error) {
    problems.push(`--tz: ${(error as Error).message}`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems.join('; '));
  return { ...parsed.data, resolvedMonth };
}
