/** `pushlog-report render`: the workbook and the PDF again from each month's summary.json. */
import { monthDir } from '../../extract/index.js';
import { shareBrowser } from '../../render/index.js';
import { renderMonth } from '../../render-month.js';
import { type CommandContext, out } from '../context.js';
import type { Flags } from '../options.js';
import { renderPrinter } from '../output.js';
import { configFlags, loadRunConfig } from '../settings.js';

export async function execute(o: Flags, { signal }: CommandContext): Promise<void> {
  const config = loadRunConfig(o);
  // One browser for every month's PDF, launched by the first; closed on every path.
  const browser = shareBrowser({ signal });
  try {
    for (const extract of config.extract) {
      const artifacts = await renderMonth({
        dir: monthDir(extract.out, extract.enterprise, extract.resolvedMonth),
        report: config,
        arguments: configFlags(o),
        signal,
        onEvent: renderPrinter(o.quiet === true),
        browser,
      });
      for (const artifact of artifacts) out(`${artifact.path} ${artifact.sha256}`);
    }
  } finally {
    await browser.close();
  }
}
