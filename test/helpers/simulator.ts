/**
 * Test helpers: a simulator on 127.0.0.1:0, and a small signed client that calls it over real
 * HTTP with the project's own signer (pipeline/extract/sign.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { acsDate, newNonce, signV1, signV3, v1CommonParams } from '../../pipeline/extract/sign.js';
import {
  ACTION,
  DEFAULT_KEY_PAIR,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
  VERSION,
} from '../../pipeline/simulator/index.js';

/** A simulator on a free port; the caller closes it (afterAll / onTestFinished). */
export function startTestSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ ...options, port: 0 });
}

export interface CallOptions {
  keys?: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  method?: 'GET' | 'POST';
  scheme?: 'v3' | 'v1';
  /** false: send the parameters unsigned (for simulators started with verifySignatures: false) */
  sign?: boolean;
  action?: string;
  version?: string;
  /** the signing clock, default Date.now */
  now?: () => number;
}

export interface CallResult {
  status: number;
  /** parsed JSON, or the raw text when the body is not JSON */
  body: unknown;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One CloudListCurlLog call; rejects on a transport error (reset, closed mid-body). */
export async function callSimulator(
  sim: Pick<Simulator, 'url'>,
  params: Record<string, string | number>,
  options: CallOptions = {},
): Promise<CallResult> {
  const method = options.method ?? 'POST';
  const action = options.action ?? ACTION;
  const version = options.version ?? VERSION;
  const keys: NonNullable<CallOptions['keys']> = options.keys ?? DEFAULT_KEY_PAIR;
  const nowMs = (options.now ?? Date.now)();
  const business = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  let queryString: string;
  let headers: Record<string, string> = {};
  if (options.sign === false) {
    queryString = new URLSearchParams(business).toString().replaceAll('+', '%20');
    headers = { 'x-acs-action': action, 'x-acs-version': version };
  } else if (options.scheme === 'v1') {
    const common = v1CommonParams({
      action,
      version,
      accessKeyId: keys.accessKeyId,
      nonce: newNonce(),
      timestamp: acsDate(nowMs),
      securityToken: keys.securityToken,
    });
    queryString = signV1({ method, params: { ...business, ...common } }, keys.accessKeySecret).queryString;
  } else {
    const signed = signV3(
      {
        method,
        host: new URL(sim.url).host,
        action,
        version,
        query: business,
        date: acsDate(nowMs),
        nonce: newNonce(),
      },
      keys,
    );
    queryString = signed.queryString;
    headers = signed.headers;
  }
  const response = await request(`${sim.url}/?${queryString}`, { method, headers });
  const text = await response.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the raw text is the body
  }
  return { status: response.statusCode, body, headers: response.headers, text };
}
