/**
 * Reading a request: its body, and (when signatures are not checked) its action, version and
 * parameters, decoded the way the signature rules decode them.
 */
import type { IncomingMessage } from 'node:http';

const MAX_BODY_BYTES = 1 << 20;
/** Parameters of the V1 envelope, not of the action (used when signatures are not checked). */
const V1_COMMON = new Set([
  'Action',
  'Version',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'Format',
  'SecurityToken',
]);

export function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.socket.destroy();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

export function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

/** Percent-decoding only: '+' stays '+', as the signature rules require. */
function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseForm(text: string, into: Record<string, string>): void {
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const [name = '', value = ''] = splitOnce(pair, '=');
    into[decodeComponent(name)] = decodeComponent(value);
  }
}

/** Action, version and parameters read without checking the signature (verifySignatures: false). */
export function unverified(
  req: IncomingMessage,
  rawQuery: string,
  body: Buffer,
): { action: string; version: string; params: Record<string, string> } {
  const all: Record<string, string> = {};
  parseForm(rawQuery, all);
  if (String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    parseForm(body.toString('utf8'), all);
  }
  const action = headerText(req.headers['x-acs-action']) ?? all.Action ?? '';
  const version = headerText(req.headers['x-acs-version']) ?? all.Version ?? '';
  const params = Object.fromEntries(Object.entries(all).filter(([name]) => !V1_COMMON.has(name)));
  return { action, version, params };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
