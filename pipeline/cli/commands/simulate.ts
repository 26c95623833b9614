/** `pushlog-report simulate`: the local CloudListCurlLog simulator, until interrupted. */
import { readConfigFile } from '../../config.js';
import { simulatorOptions } from '../../simulate.js';
import { DEFAULT_KEY_PAIR, startSimulator } from '../../simulator/index.js';
import { type CommandContext, out } from '../context.js';
import type { CommonFlags } from '../options.js';

export async function execute(
  o: Record<string, string | undefined> & CommonFlags,
  { signal }: CommandContext,
): Promise<void> {
  const file = readConfigFile(o.config);
  const options = simulatorOptions({ ...(file.simulator as Record<string, unknown> | undefined), ...o });
  const fromEnv = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID && process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const keys = fromEnv
    ? {
        accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID as string,
        accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET as string,
      }
    : DEFAULT_KEY_PAIR;
  const sim = await startSimulator({ ...options, keys });
  out(`simulator listening on ${sim.url}`);
  out(
    fromEnv
      ? `accepting the key pair from ALIBABA_CLOUD_ACCESS_KEY_ID (${keys.accessKeyId}) and its secret`
      : `accepting the demo key pair ${DEFAULT_KEY_PAIR.accessKeyId} / ${DEFAULT_KEY_PAIR.accessKeySecret} (not a secret)`,
  );
  out(`try: pushlog-report run --endpoint ${sim.url} --enterprise 7122600 --month last`);
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await sim.close();
}
