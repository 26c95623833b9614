import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { assertTimeZone, DEFAULT_ENDPOINT, parseMonth } from './extract/index.js';

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

/** The settings file read when no --config is given, from the working directory. */
export const DEFAULT_CONFIG_FILES = [
  'pushlog-report.config.json',
  'pushlog-report.config.yaml',
  'pushlog-report.config.yml',
];

/** `--config FILE`, else the first default config file present in `cwd`, else none. */
export function findConfigFile(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) return explicit;
  return DEFAULT_CONFIG_FILES.map((name) => `${cwd}/${name}`).find((path) => existsSync(path));
}

Object.assign(FLAG_NAMES, {
  enterprises: '--enterprise',
  sla: '--sla',
  allowPartial: '--allow-partial',
  format: '--format',
  locale: '--locale',
  templates: '--templates',
  redact: '--no-redact',
  failOnBreach: '--fail-on-breach',
  emailTo: '--email-to',
  emailFrom: '--email-from',
  parallel: '--parallel',
  rawSheet: '--raw-sheet',
});

/** "a,b" or ["a", "b"] → ["a", "b"] (flags give strings, config files give either). */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '')
        : typeof value === 'number'
          ? [String(value)]
          : value,
    z.array(item, { error: 'is required' }),
  );

const email = z.email({ error: 'must be e-mail addresses separated by commas, e.g. ops@example.com' });

/** Settings of transform, render and delivery (the extract settings are `extractSchema`). */
export const reportSchema = z.object({
  enterprises: list(
    z.coerce.string().regex(/^\d{1,19}$/, 'must be numeric enterprise ids separated by commas, e.g. 7122600'),
  ).refine((ids) => ids.length > 0, 'is required: the call-center (enterprise) id, e.g. 7122600'),
  sla: z.string().min(1).optional(),
  allowPartial: z.boolean().default(false),
  format: list(z.enum(['xlsx', 'pdf'], { error: 'must be xlsx, pdf or xlsx,pdf' }))
    .refine((formats) => formats.length > 0, 'must be xlsx, pdf or xlsx,pdf')
    .default(['xlsx', 'pdf']),
  locale: z.enum(['zh-CN', 'en'], { error: 'must be zh-CN or en' }).default('zh-CN'),
  templates: z.string().min(1).optional(),
  redact: z.boolean().default(true),
  rawSheet: z.boolean().default(false),
  failOnBreach: z.boolean().default(false),
  emailTo: list(email).default([]),
  emailFrom: email.optional(),
  parallel: int(1, 16).default(1),
});

export type ReportConfig = z.infer<typeof reportSchema>;
export type RunConfig = ReportConfig & { extract: ExtractConfig[]; configFile: string | undefined };

/**
 * A config file's shape is friendlier than the flags': `enterprises: [..]`, `email: { to, from }`.
 * Relative paths in it (sla, templates, out) are relative to the file.
 */
export function normaliseConfigFile(
  file: Record<string, unknown>,
  path: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...file };
  if (out.enterprise !== undefined && out.enterprises === undefined) out.enterprises = out.enterprise;
  delete out.enterprise;
  const mail = out.email;
  if (mail !== null && typeof mail === 'object' && !Array.isArray(mail)) {
    const { to, from } = mail as { to?: unknown; from?: unknown };
    if (to !== undefined) out.emailTo = to;
    if (from !== undefined) out.emailFrom = from;
    delete out.email;
  }
  if (path !== undefined) {
    const base = dirname(resolvePath(path));
    for (const key of ['sla', 'templates', 'out'] as const) {
      const value = out[key];
      if (typeof value === 'string' && !isAbsolute(value)) out[key] = resolvePath(base, value);
    }
  }
  return out;
}

/**
 * Resolves everything `run` needs: defaults < config file < flags, with every problem of both
 * the report settings and the extract settings reported together in one ConfigError.
 */
export function resolveRunConfig(
  file: Record<string, unknown>,
  flags: Record<string, unknown>,
  now: Date,
  configFile?: string,
): RunConfig {
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  if (given.enterprise !== undefined) {
    given.enterprises = given.enterprise;
    delete given.enterprise;
  }
  const merged = { enterprises: [], ...normaliseConfigFile(file, configFile), ...given };
  const problems: string[] = [];
  const known = new Set([
    ...Object.keys(extractSchema.shape),
    ...Object.keys(reportSchema.shape),
    'simulator',
  ]);
  for (const key of Object.keys(file)) {
    if (!known.has(key) && key !== 'enterprise' && key !== 'email') {
      problems.push(`${configFile ?? 'config file'}: unknown setting "${key}"`);
    }
  }
  const report = reportSchema.safeParse(merged);
  if (!report.success) {
    for (const issue of report.error.issues) {
      const key = String(issue.path[0] ?? '');
      const value = merged[key as keyof typeof merged];
      const empty = value === undefined || (Array.isArray(value) && value.length === 0);
      const got = empty ? '' : ` (got ${JSON.stringify(value)})`;
      problems.push(`${FLAG_NAMES[key] ?? key} ${issue.message}${got}`);
    }
  }
  const ids = report.success ? report.data.enterprises : ['0'];
  const extract: ExtractConfig[] = [];
  for (const enterprise of ids) {
    try {
      extract.push(resolveExtractConfig({}, { ...merged, enterprise }, now));
    } catch (error) {
      // The same extract problem would repeat per enterprise: report it once.
      if (error instanceof ConfigError) {
        for (const line of error.message.split('; ')) if (!problems.includes(line)) problems.push(line);
        break;
      }
      throw error;
    }
  }
  if (problems.length > 0 || !report.success) throw new ConfigError(problems.join('; '));
  return { ...report.data, extract, configFile };
}
