/** `pushlog-report extract`: a month of push logs into each enterprise's staging store. */
import type { ExtractConfig } from '../../config.js';
import type { ExtractSummary } from '../../events.js';
import { extractMonth } from '../../extract/index.js';
import { createProgress } from '../../progress.js';
import { extractOptionsOf } from '../../run.js';
import { type CommandContext, err, out } from '../context.js';
import { credentialsFor } from '../credentials.js';
import type { Flags } from '../options.js';
import { extractLine, progressMode } from '../output.js';
import { loadRunConfig } from '../settings.js';

export async function execute(o: Flags, { signal }: CommandContext): Promise<void> {
  const config = loadRunConfig(o);
  for (const extract of config.extract) {
    out(extractLine(await runExtract(extract, o.quiet ?? false, signal), extract.timeZone));
  }
}

/** Runs the extract stage with progress on stderr; returns its summary. */
async function runExtract(
  config: ExtractConfig,
  quiet: boolean,
  signal: AbortSignal,
): Promise<ExtractSummary> {
  const credentials = await credentialsFor(config.endpoint);
  const progress = createProgress(progressMode(quiet), err);
  try {
    return await extractMonth({ ...extractOptionsOf(config, credentials), signal, onEvent: progress.sink });
  } finally {
    progress.stop();
  }
}
