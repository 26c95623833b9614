/**
 * The options several commands share, each declared once. A group lists options in help order; a
 * command adds its groups, and options of its own, through `addOptions`.
 */
import { type Command, Option } from 'commander';

/** `[flags, help]`, or for the few that need more, a function making the Option (anew per command). */
type OptionSpec = readonly [flags: string, description: string] | (() => Option);
export type OptionGroup = readonly OptionSpec[];

export interface CommonFlags {
  config?: string;
  quiet?: boolean;
}

/** A command's options as commander parsed them (camelCase keys). */
export type Flags = Record<string, unknown> & CommonFlags;

/** Adds the groups' options to the command, in order. */
export function addOptions(command: Command, ...groups: OptionGroup[]): Command {
  for (const spec of groups.flat()) {
    if (typeof spec === 'function') command.addOption(spec());
    else command.option(spec[0], spec[1]);
  }
  return command;
}

export const OUT_OPTION: OptionSpec = ['--out <dir>', 'output folder (default reports)'];
export const FORMAT_OPTION: OptionSpec = ['--format <list>', 'xlsx, pdf or xlsx,pdf (default both)'];
export const LOCALE_OPTION: OptionSpec = ['--locale <locale>', 'zh-CN (default) or en'];

export const COMMON_OPTIONS: OptionGroup = [
  ['--config <file>', 'settings file (JSON or YAML); default ./pushlog-report.config.{json,yaml}'],
  ['--quiet', 'no progress output'],
];

export const MONTH_OPTIONS: OptionGroup = [
  ['--enterprise <ids>', 'call-center (enterprise) id; several separated by commas'],
  ['--month <month>', 'YYYY-MM, last (previous full month, default) or current (as of now)'],
  ['--tz <zone>', 'enterprise time zone (default Asia/Shanghai)'],
  OUT_OPTION,
];

export const EXTRACT_OPTIONS: OptionGroup = [
  ['--endpoint <url>', 'API endpoint (default https://dyvmsapi.aliyuncs.com)'],
  ['--concurrency <n>', 'requests in flight (default 4)'],
  ['--qps <n>', 'requests per second, retries included (default 10)'],
  ['--type <n>', 'only this push type'],
  ['--result <0|1>', 'only failures (0) or successes (1)'],
  ['--url <url>', 'only pushes to this URL'],
  ['--retry <n>', 'only attempts with this retry number (-2 = all)'],
  ['--page-size <n>', 'rows per page, 1..500 (default 500)'],
  ['--split-pages <n>', 'split a day into hours when it pages deeper than this (default 100)'],
  ['--max-retries <n>', 'retries per request before a window fails (default 8)'],
  ['--timeout-ms <n>', 'timeout per request (default 30000)'],
  ['--lag-minutes <n>', 'the current month ends this long before now (default 10)'],
  () => new Option('--signature <version>', 'request signature (default v3)').choices(['v3', 'v1']),
  ['--keep-landing', 'keep the landed page bodies after loading'],
  ['--fresh', 'discard what an earlier run stored for this month'],
];

export const TRANSFORM_OPTIONS: OptionGroup = [
  ['--sla <file>', 'SLA rules (JSON or YAML) to evaluate'],
  ['--allow-partial', 'report an incomplete extraction, stamped PARTIAL'],
  ['--fail-on-breach', 'exit 3 when an SLA rule fails or has no data'],
];

export const RENDER_OPTIONS: OptionGroup = [
  FORMAT_OPTION,
  LOCALE_OPTION,
  ['--templates <dir>', 'templates overriding the built-in ones by file name'],
  // With both spellings defined, commander sets no default, so `redact: false` in a config file holds.
  () => new Option('--redact', 'redact secrets in URL query strings and headers (default)').hideHelp(),
  ['--no-redact', 'keep secrets in URL query strings and headers (redacted by default)'],
  ['--raw-sheet', 'xlsx: add every record, split across sheets at the row limit'],
];
