import { isIP } from 'node:net';
import { PipelineError } from '../errors.js';
import type { Credentials } from '../extract/index.js';

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * Credentials come from the environment only. Against a local simulator without them, the
 * simulator's documented demo pair is used, so `simulate` and `extract` work in one shell.
 */
export async function credentialsFor(endpoint: string): Promise<Credentials> {
  const accessKeyId = process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const securityToken = process.env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined;
  if (accessKeyId && accessKeySecret) return { accessKeyId, accessKeySecret, securityToken };
  if (isLoopback(endpoint)) {
    const { DEFAULT_KEY_PAIR } = await import('../simulator/index.js');
    return DEFAULT_KEY_PAIR;
  }
  throw new PipelineError(
    'CONFIG_INVALID',
    'No credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS)',
  );
}
