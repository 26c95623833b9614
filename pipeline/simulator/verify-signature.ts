/**
 * The simulator's gatekeeper: checks a request's V3 (`ACS3-HMAC-SHA256`) or V1 (`HMAC-SHA1`) signature the
 * way the Alibaba POP gateway does, following the verifying-server checklist of
 * shared/reference/alibaba-openapi.md §2.7, with the error codes and statuses of §5.2.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  acsDate,
  buildV3CanonicalRequest,
  canonicalQueryString,
  hmacSha256Hex,
  sha256Hex,
  signV1,
  V3_ALGORITHM,
} from '../extract/sign.js';

export interface VerifierKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** when set, STS requests must carry exactly this token */
  securityToken?: string | undefined;
}

export interface SignedRequestIn {
  method: string;
  /** the part of the URL after '?', undecoded ('' when none) */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Verification =
  | {
      ok: true;
      scheme: 'v3' | 'v1';
      action: string;
      version: string;
      /** decoded business parameters (V1: with the common parameters removed) */
      params: Record<string, string>;
    }
  | { ok: false; httpStatus: number; code: string; message: string };

export interface VerifierOptions {
  keys: VerifierKey[];
  now?: () => number;
  /** allowed clock skew, default 15 minutes */
  maxSkewMs?: number;
}

type Failure = Extract<Verification, { ok: false }>;

/** Thrown inside the verifier only, so each check can stop verification in one line. */
class Rejection extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

function reject(httpStatus: number, code: string, message: string): never {
  throw new Rejection({ ok: false, httpStatus, code, message });
}

const V1_COMMON_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'SecurityToken',
  'Signature',
  'RegionId',
]);
const V3_REQUIRED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];
const ACS_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes `%XX` escapes only. A '+' stays a '+': the gateway never reads it as a space, and the
 * SDKs send spaces as %20 (Node's querystring leaves `!'()*` literal, re-encoding restores them).
 */
function decodePercent(text: string, where: string): string {
  if (!text.includes('%')) return text;
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) reject(400, 'InvalidParameter', `Malformed %-escape in the ${where}`);
  const raw = Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25) {
      bytes.push(Number.parseInt(raw.subarray(i + 1, i + 3).toString('latin1'), 16));
      i += 2;
    } else {
      bytes.push(raw[i] as number);
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return reject(400, 'InvalidParameter', `A %-escaped value in the ${where} is not valid UTF-8`);
  }
}

/** `a=1&b=2` as sent (query or form body): split on '&' and '=', then decode each side. */
function parseParams(raw: string, where: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodePercent(eq < 0 ? pair : pair.slice(0, eq), where);
    const value = eq < 0 ? '' : decodePercent(pair.slice(eq + 1), where);
    // A second value could not be signed unambiguously: the canonical form has one entry per name.
    if (params.has(name)) reject(400, 'InvalidParameter', `Parameter ${name} appears twice in the ${where}`);
    params.set(name, value);
  }
  return params;
}

function mergeParams(query: Map<string, string>, form: Map<string, string>): Map<string, string> {
  const all = new Map(query);
  for (const [name, value] of form) {
    if (all.has(name)) reject(400, 'InvalidParameter', `Parameter ${name} is in both the query and the body`);
    all.set(name, value);
  }
  return all;
}

function normalizeHeaders(headers: IncomingHttpHeaders): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out.set(name.toLowerCase(), (Array.isArray(value) ? value.join(',') : value).trim());
  }
  return out;
}

function isFormBody(headers: Map<string, string>): boolean {
  const type = headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded';
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A mismatch message may echo what the server signed, but never a token (and the secret never gets there). */
function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('<redacted>') : text;
}

/** Remembers nonces for as long as a request carrying them could still pass the date check. */
class NonceStore {
  readonly #expiresAt = new Map<string, number>();
  readonly #retainMs: number;

  constructor(retainMs: number) {
    this.#retainMs = retainMs;
  }

  /** false when the nonce was already used inside the window */
  use(nonce: string, nowMs: number): boolean {
    // Insertion order is expiry order (now + a constant), so pruning stops at the first live entry.
    for (const [seen, expiresAt] of this.#expiresAt) {
      if (expiresAt > nowMs) break;
      this.#expiresAt.delete(seen);
    }
    if (this.#expiresAt.has(nonce)) return false;
    this.#expiresAt.set(nonce, nowMs + this.#retainMs);
    return true;
  }
}

export function createVerifier(options: VerifierOptions): { verify(request: SignedRequestIn): Verification } {
  const keys = new Map(options.keys.map((k) => [k.accessKeyId, k]));
  const now = options.now ?? Date.now;
  const maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
  // A request dated up to maxSkew ahead stays acceptable until maxSkew after its date.
  const nonces = new NonceStore(2 * maxSkewMs);

  function lookUpKey(accessKeyId: string): VerifierKey {
    const key = keys.get(accessKeyId);
    if (!key) reject(404, 'InvalidAccessKeyId.NotFound', `Specified access key is not found: ${accessKeyId}`);
    return key;
  }

  function checkToken(key: VerifierKey, token: string | undefined, tokenKeyId: string | undefined): void {
    if (key.securityToken !== undefined && token === undefined) {
      reject(
        400,
        'MissingSecurityToken',
        `Access key ${key.accessKeyId} is an STS key: send its SecurityToken`,
      );
    }
    const matches =
      token === undefined ||
      (key.securityToken !== undefined && safeEqual(Buffer.from(token), Buffer.from(key.securityToken)));
    if (!matches || (tokenKeyId !== undefined && tokenKeyId !== key.accessKeyId)) {
      reject(
        400,
        'InvalidSecurityToken.MismatchWithAccessKey',
        `The security token does not belong to access key ${key.accessKeyId}`,
      );
    }
  }

  function checkDate(value: string, name: string): void {
    const ms = Date.parse(value);
    // The round trip rejects impossible dates such as 2026-02-30 that Date.parse quietly rolls over.
    if (!ACS_DATE.test(value) || Number.isNaN(ms) || acsDate(ms) !== value) {
      reject(400, 'InvalidTimeStamp.Format', `${name} must be UTC yyyy-MM-ddTHH:mm:ssZ, got "${value}"`);
    }
    const nowMs = now();
    if (Math.abs(nowMs - ms) > maxSkewMs) {
      reject(
        400,
        'InvalidTimeStamp.Expired',
        `${name} ${value} is more than ${maxSkewMs / 60_000} minutes from server time ${acsDate(nowMs)}`,
      );
    }
  }

  function useNonce(accessKeyId: string, nonce: string): void {
    if (!nonces.use(`${accessKeyId}\n${nonce}`, now())) {
      reject(400, 'SignatureNonceUsed', `Specified signature nonce was used already: ${nonce}`);
    }
  }

  function verifyV3(
    request: SignedRequestIn,
    headers: Map<string, string>,
    authorization: string,
    query: Map<string, string>,
    form: Map<string, string>,
  ): Verification {
    // ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>
    const space = authorization.indexOf(' ');
    const algorithm = space < 0 ? authorization : authorization.slice(0, space);
    const fields = new Map(
      authorization
        .slice(space + 1)
        .split(',')
        .map((part) => {
          const eq = part.indexOf('=');
          return eq < 0
            ? ([part.trim(), ''] as const)
            : ([part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const);
        }),
    );
    const credential = fields.get('Credential');
    const signedList = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (algorithm !== V3_ALGORITHM || space < 0 || !credential || !signedList || !signature) {
      reject(
        400,
        'IncompleteSignature',
        `Authorization must be "${V3_ALGORITHM} Credential=…,SignedHeaders=…,Signature=…"`,
      );
    }
    if (!/^[0-9a-fA-F]{64}$/.test(signature)) {
      reject(400, 'IncompleteSignature', 'The Authorization Signature must be 64 hex characters');
    }

    const key = lookUpKey(credential);
    const token = headers.get('x-acs-security-token');
    checkToken(key, token, headers.get('x-acs-accesskey-id'));

    const signedNames = new Set(signedList.split(';').map((n) => n.trim().toLowerCase()));
    for (const name of V3_REQUIRED_HEADERS) {
      if (!headers.has(name)) reject(400, 'IncompleteSignature', `Header ${name} is required`);
    }
    for (const name of headers.keys()) {
      // Every host, content-type and x-acs-* header must be signed, or it could be altered in transit.
      if (
        (name === 'host' || name === 'content-type' || name.startsWith('x-acs-')) &&
        !signedNames.has(name)
      ) {
        reject(400, 'IncompleteSignature', `Header ${name} must be listed in SignedHeaders`);
      }
    }
    const signedHeaders: Record<string, string> = {};
    for (const name of signedNames) {
      const value = headers.get(name);
      if (value === undefined) reject(400, 'IncompleteSignature', `Signed header ${name} is missing`);
      signedHeaders[name] = value;
    }

    checkDate(signedHeaders['x-acs-date'] ?? '', 'x-acs-date');

    // Sign what arrived, not what the client claims it sent.
    const hashedPayload = sha256Hex(request.body);
    if (signedHeaders['x-acs-content-sha256'] !== hashedPayload) {
      reject(400, 'SignatureDoesNotMatch', 'x-acs-content-sha256 is not the SHA-256 of the received body');
    }

    const { canonicalRequest } = buildV3CanonicalRequest({
      method: request.method,
      canonicalQuery: canonicalQueryString(Object.fromEntries(query)),
      signedHeaders,
      hashedPayload,
    });
    const expected = hmacSha256Hex(key.accessKeySecret, `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`);
    if (!safeEqual(Buffer.from(expected, 'hex'), Buffer.from(signature, 'hex'))) {
      reject(
        400,
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. Server canonical request: ${JSON.stringify(redact(canonicalRequest, token))}`,
      );
    }
    useNonce(key.accessKeyId, signedHeaders['x-acs-signature-nonce'] ?? '');

    return {
      ok: true,
      scheme: 'v3',
      action: signedHeaders['x-acs-action'] ?? '',
      version: signedHeaders['x-acs-version'] ?? '',
      params: Object.fromEntries(mergeParams(query, form)),
    };
  }

  function verifyV1(request: SignedRequestIn, all: Map<string, string>): Verification {
    const required = (name: string): string => {
      const value = all.get(name);
      if (value === undefined || value === '')
        reject(400, 'IncompleteSignature', `Parameter ${name} is required`);
      return value;
    };
    const signature = required('Signature');
    if (required('SignatureMethod') !== 'HMAC-SHA1' || required('SignatureVersion') !== '1.0') {
      reject(
        400,
        'IncompleteSignature',
        'V1 signatures need SignatureMethod=HMAC-SHA1 and SignatureVersion=1.0',
      );
    }
    const key = lookUpKey(required('AccessKeyId'));
    const token = all.get('SecurityToken');
    checkToken(key, token, undefined);
    const action = required('Action');
    const version = required('Version');
    const nonce = required('SignatureNonce');
    checkDate(required('Timestamp'), 'Timestamp');

    const signed = Object.fromEntries([...all].filter(([name]) => name !== 'Signature'));
    const expected = signV1({ method: request.method, params: signed }, key.accessKeySecret);
    // Base64 is compared as bytes, so padding or alphabet quirks cannot make a good signature fail.
    if (!safeEqual(Buffer.from(expected.signature, 'base64'), Buffer.from(signature, 'base64'))) {
      reject(
        400,
        'SignatureDoesNotMatch',
        `Specified signature does not match our calculation. Server string to sign: ${redact(expected.stringToSign, token)}`,
      );
    }
    useNonce(key.accessKeyId, nonce);

    const params = Object.fromEntries([...all].filter(([name]) => !V1_COMMON_PARAMS.has(name)));
    return { ok: true, scheme: 'v1', action, version, params };
  }

  function verify(request: SignedRequestIn): Verification {
    try {
      const headers = normalizeHeaders(request.headers);
      const query = parseParams(request.rawQuery, 'query');
      const form = isFormBody(headers)
        ? parseParams(request.body.toString('utf8'), 'body')
        : new Map<string, string>();
      const authorization = headers.get('authorization');
      if (authorization !== undefined) return verifyV3(request, headers, authorization, query, form);
      const all = mergeParams(query, form);
      if (all.has('Signature') || all.has('SignatureMethod')) return verifyV1(request, all);
      return reject(
        400,
        'IncompleteSignature',
        'The request carries neither an Authorization header nor a Signature',
      );
    } catch (error) {
      if (error instanceof Rejection) return error.failure;
      throw error;
    }
  }

  return { verify };
}
