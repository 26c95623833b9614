/**
 * The commands and their options. Every action imports its command's module when it runs, so
 * `--help`, `--version` and usage errors load commander and little else, and each command loads
 * only what it uses (`render` never loads the HTTP client).
 */
import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import type { CommandContext } from './context.js';
import {
  addOptions,
  COMMON_OPTIONS,
  type CommonFlags,
  EXTRACT_OPTIONS,
  type Flags,
  FORMAT_OPTION,
  LOCALE_OPTION,
  MONTH_OPTIONS,
  OUT_OPTION,
  RENDER_OPTIONS,
  TRANSFORM_OPTIONS,
} from './options.js';

export function buildProgram(context: CommandContext): Command {
  const program = new Command('pushlog-report')
    .description('Monthly delivery reports from Alibaba Cloud VMS CloudListCurlLog push logs')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  addOptions(
    program
      .command('run')
      .description('extract, transform, render (xlsx, pdf) and deliver a month, per enterprise'),
    MONTH_OPTIONS,
    EXTRACT_OPTIONS,
    COMMON_OPTIONS,
    TRANSFORM_OPTIONS,
    RENDER_OPTIONS,
    [
      ['--email-to <list>', 'e-mail the report to these addresses (SMTP server from SMTP_URL)'],
      ['--email-from <address>', 'sender address (default pushlog-report@<hostname>)'],
      ['--parallel <n>', 'enterprises run at once (default 1)'],
      ['--ci', 'CI mode: plain progress lines (also when CI=true)'],
      ['--json', 'print one JSON line per month (summary path, artifacts, headline figures)'],
      ['--dry-run', 'print the resolved configuration (secrets masked) and stop'],
    ],
  ).action(async (o: Flags) => (await import('./commands/run.js')).execute(o, context));

  addOptions(
    program
      .command('extract')
      .description('fetch a month of push logs into <out>/<id>/<month>/staging.duckdb'),
    MONTH_OPTIONS,
    EXTRACT_OPTIONS,
    COMMON_OPTIONS,
  ).action(async (o: Flags) => (await import('./commands/extract.js')).execute(o, context));

  addOptions(
    program
      .command('transform')
      .description("compute summary.json and raw.parquet from the month's staging.duckdb"),
    MONTH_OPTIONS,
    TRANSFORM_OPTIONS,
    COMMON_OPTIONS,
  ).action(async (o: Flags) => (await import('./commands/transform.js')).execute(o, context));

  addOptions(
    program.command('render').description("write the workbook and the PDF from the month's summary.json"),
    MONTH_OPTIONS,
    RENDER_OPTIONS,
    COMMON_OPTIONS,
  ).action(async (o: Flags) => (await import('./commands/render.js')).execute(o, context));

  addOptions(
    program
      .command('verify')
      .description("recompute every artifact's sha256 against manifest.json (tamper evidence)")
      .argument('<dir>', 'a month folder, e.g. reports/7122600/2026-04'),
    COMMON_OPTIONS,
  ).action(async (dir: string) => (await import('./commands/verify.js')).execute(dir));

  const templates = program.command('templates').description('work with the report templates');
  addOptions(templates.command('export'), COMMON_OPTIONS, [['--force', 'overwrite files that exist']])
    .description('copy the built-in templates into DIR, as a starting point for --templates')
    .argument('<dir>', 'destination folder (created; existing files are not overwritten)')
    .action(async (dir: string, o: { force?: boolean }) =>
      (await import('./commands/templates.js')).execute(dir, o),
    );

  addOptions(
    program.command('simulate').description('run the local CloudListCurlLog simulator until interrupted'),
    [
      ['--port <n>', 'port on 127.0.0.1 (default 0 = a free port)'],
      ['--seed <n>', 'data seed (default 1)'],
      ['--volume <n>', 'records in each generated month (default 20000)'],
      ['--data <file.ndjson>', 'serve these wire records instead of generated ones'],
      ['--tz <zone>', 'zone of the StartTime/EndTime strings (default Asia/Shanghai)'],
      ['--latency-ms <n>', 'added to every answer'],
      ['--qps-cap <n>', 'answer Throttling.User above this rate'],
      ['--throttle-rate <f>', 'fraction of requests answered Throttling.User'],
      ['--error-rate <f>', 'fraction answered with a 5xx error body'],
      ['--drop-rate <f>', 'fraction whose connection is dropped'],
      ['--malformed-rate <f>', 'fraction answered with a truncated body'],
    ],
    COMMON_OPTIONS,
  ).action(async (o: Record<string, string | undefined> & CommonFlags) =>
    (await import('./commands/simulate.js')).execute(o, context),
  );

  addOptions(
    program
      .command('demo')
      .description('the whole pipeline against an in-process simulator (no account needed)'),
    [
      OUT_OPTION,
      ['--volume <n>', 'records in the demo month (default 200000)'],
      FORMAT_OPTION,
      LOCALE_OPTION,
    ],
    COMMON_OPTIONS,
  ).action(async (o: Flags) => (await import('./commands/demo.js')).execute(o, context));
  return program;
}
