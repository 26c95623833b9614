/** `pushlog-report verify`: every artifact's sha256 against the folder's manifest.json. */
import { PipelineError } from '../../errors.js';
import { describeVerifyResult, verifyFolder } from '../../store/verify.js';
import { out } from '../context.js';

export async function execute(dir: string): Promise<void> {
  const result = await verifyFolder(dir);
  for (const line of describeVerifyResult(result)) out(line);
  if (!result.ok) throw new PipelineError('VERIFY_FAILED', `${dir} does not match its manifest.json`);
}
