/** `pushlog-report demo`: the whole pipeline against an in-process simulator. */
import { runDemo } from '../../demo.js';
import { type CommandContext, err, out } from '../context.js';
import type { Flags } from '../options.js';
import { progressMode, renderPrinter } from '../output.js';
import { configFlags } from '../settings.js';

export async function execute(o: Flags, { signal }: CommandContext): Promise<void> {
  await runDemo({
    flags: configFlags(o),
    quiet: o.quiet ?? false,
    signal,
    print: out,
    onEvent: renderPrinter(o.quiet === true),
    progressMode: progressMode(o.quiet ?? false),
    warn: err,
  });
}
