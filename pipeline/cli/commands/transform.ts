/** `pushlog-report transform`: summary.json and raw.parquet from each month's staging store. */
import { monthDir } from '../../extract/index.js';
import { transformMonth } from '../../transform/index.js';
import { type CommandContext, out } from '../context.js';
import type { Flags } from '../options.js';
import { transformLine } from '../output.js';
import { loadRunConfig } from '../settings.js';

export async function execute(o: Flags, { signal, reportBreach }: CommandContext): Promise<void> {
  const config = loadRunConfig(o);
  for (const extract of config.extract) {
    const model = await transformMonth({
      outDir: extract.out,
      enterpriseId: extract.enterprise,
      month: extract.resolvedMonth,
      slaFile: config.sla,
      allowPartial: config.allowPartial,
      signal,
    });
    out(transformLine(model, monthDir(extract.out, extract.enterprise, extract.resolvedMonth)));
    if (config.failOnBreach && model.sla !== null && !model.sla.passed) reportBreach();
  }
}
