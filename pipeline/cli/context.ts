/**
 * What every command is handed, and the CLI's two ways to print. Light on purpose: the program's
 * declaration imports it, and `--help` should load nothing a command needs.
 */

export interface CommandContext {
  /** aborted by SIGINT or SIGTERM */
  signal: AbortSignal;
  /** an SLA failed under --fail-on-breach: the process ends with exit 3 once the command is done */
  reportBreach: () => void;
}

export const out = (line: string) => process.stdout.write(`${line}\n`);
export const err = (line: string) => process.stderr.write(`${line}\n`);
