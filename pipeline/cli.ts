#!/usr/bin/env node
/**
 * The command line: argv → a command → an exit status. The commands are declared in cli/program.ts
 * and carried out by cli/commands/, each imported only when it runs.
 */
import { CommanderError } from 'commander';
import { err } from './cli/context.js';
import { buildProgram } from './cli/program.js';
import { PipelineError } from './errors.js';

/** Exit statuses other tools and CI jobs rely on (README, "Exit codes"). */
const EXIT = { ok: 0, failure: 1, usage: 2, breach: 3, incomplete: 4, auth: 5, interrupted: 130 } as const;

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return EXIT.usage;
  if (!(error instanceof PipelineError)) return EXIT.failure;
  switch (error.code) {
    case 'CONFIG_INVALID':
    case 'EXTRACT_PARAMETER':
    case 'RENDER_TEMPLATE':
      return EXIT.usage;
    case 'EXTRACT_AUTH':
      return EXIT.auth;
    case 'DELIVER_EMAIL':
      // A template the user wrote that does not render is a usage problem like any other.
      return (error as PipelineError & { reason?: string }).reason === 'template' ? EXIT.usage : EXIT.failure;
    case 'EXTRACT_INCOMPLETE':
    case 'EXTRACT_RETRIES_EXHAUSTED':
      return EXIT.incomplete;
    case 'ABORTED':
      return EXIT.interrupted;
    default:
      return EXIT.failure;
  }
}

/** Ties SIGINT/SIGTERM to an AbortSignal: the first stops the run cleanly, a second exits at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    err(`pushlog-report: ${name} received, stopping (what is checkpointed is kept; run again to resume)`);
    controller.abort(new PipelineError('ABORTED', `interrupted by ${name}`));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  return controller.signal;
}

async function main(argv: string[]): Promise<number> {
  let breached = false;
  const program = buildProgram({
    signal: interruptSignal(),
    reportBreach: () => {
      breached = true;
    },
  });
  try {
    await program.parseAsync(argv);
    return breached ? EXIT.breach : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully; commander already printed its message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    err(`pushlog-report: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.PUSHLOG_DEBUG && error instanceof Error) err(String(error.stack));
    return exitCodeOf(error);
  }
}

process.exitCode = await main(process.argv);
