/**
 * Alibaba Cloud OpenAPI request signing: V3 (`ACS3-HMAC-SHA256`, the SDK default) and V1 (`HMAC-SHA1`,
 * RPC style). Pure functions over node:crypto, shared by the client and the simulator's verifier.
 * The rules and test vectors are in shared/reference/alibaba-openapi.md (§1–§4).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string | undefined;
}

/** lowerhex(SHA-256("")): the payload hash of a request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const V3_ALGORITHM = 'ACS3-HMAC-SHA256';

/**
 * RFC 3986 encoding of the UTF-8 bytes: only `A-Z a-z 0-9 - _ . ~` stay literal. encodeURIComponent
 * already leaves exactly that set plus `!'()*`, so those five are patched (as the official SDKs do).
 */
export function percentEncode(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch (cause) {
    // A lone surrogate has no UTF-8 form; signing a lossy substitute would fail far from the cause.
    throw new Error('Cannot percent-encode a string with a lone UTF-16 surrogate (not valid Unicode)', {
      cause,
    });
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Sorted by name (code-unit order), names and values percent-encoded, joined with '&'. */
export function canonicalQueryString(params: Readonly<Record<string, string>>): string {
  // Default sort compares UTF-16 code units: upper case before lower case, 'Start' before 'StartTime'.
  return Object.keys(params)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256Hex(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

export interface V3Input {
  method: string;
  /** host as sent, with :port when the URL has a non-default port */
  host: string;
  action: string;
  version: string;
  query: Readonly<Record<string, string>>;
  body?: string | Uint8Array | undefined;
  contentType?: string | undefined;
  /** x-acs-date, yyyy-MM-ddTHH:mm:ssZ */
  date: string;
  nonce: string;
}

export interface V3Output {
  /** every header to send: host, x-acs-*, content-type when given, authorization */
  headers: Record<string, string>;
  /** the canonical query string, to be sent as the URL query verbatim */
  queryString: string;
  canonicalRequest: string;
  hashedCanonicalRequest: string;
  signedHeaders: string;
  signature: string;
  authorization: string;
}

/** The V3 canonical request (§2.2) of already-canonical parts; the verifier rebuilds it the same way. */
export function buildV3CanonicalRequest(parts: {
  method: string;
  canonicalQuery: string;
  /** lower-case names; values are trimmed here */
  signedHeaders: Readonly<Record<string, string>>;
  hashedPayload: string;
}): { canonicalRequest: string; signedHeaders: string } {
  const names = Object.keys(parts.signedHeaders).sort();
  // Every entry ends in '\n' and the parts are joined by '\n' too: hence the blank line before SignedHeaders.
  const canonicalHeaders = names.map((n) => `${n}:${(parts.signedHeaders[n] ?? '').trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    parts.method.toUpperCase(),
    '/', // RPC style: the canonical URI is always '/'
    parts.canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    parts.hashedPayload,
  ].join('\n');
  return { canonicalRequest, signedHeaders };
}

export function signV3(input: V3Input, credentials: Credentials): V3Output {
  const hashedPayload = sha256Hex(input.body ?? '');
  const signed: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': input.date,
    'x-acs-signature-nonce': input.nonce,
    'x-acs-content-sha256': hashedPayload,
  };
  if (input.contentType !== undefined) signed['content-type'] = input.contentType;
  if (credentials.securityToken) {
    // Same pair the official Node SDK sends; both are x-acs-* and therefore signed.
    signed['x-acs-accesskey-id'] = credentials.accessKeyId;
    signed['x-acs-security-token'] = credentials.securityToken;
  }
  const queryString = canonicalQueryString(input.query);
  const { canonicalRequest, signedHeaders } = buildV3CanonicalRequest({
    method: input.method,
    canonicalQuery: queryString,
    signedHeaders: signed,
    hashedPayload,
  });
  const hashedCanonicalRequest = sha256Hex(canonicalRequest);
  // V3 keys the HMAC with the bare secret (V1 appends '&').
  const signature = hmacSha256Hex(credentials.accessKeySecret, `${V3_ALGORITHM}\n${hashedCanonicalRequest}`);
  const authorization = `${V3_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return {
    headers: { ...signed, authorization },
    queryString,
    canonicalRequest,
    hashedCanonicalRequest,
    signedHeaders,
    signature,
    authorization,
  };
}

export interface V1Input {
  method: string;
  /** every parameter, business and common, except Signature */
  params: Readonly<Record<string, string>>;
}

export interface V1Output {
  canonicalizedQueryString: string;
  stringToSign: string;
  signature: string;
  /** canonicalizedQueryString + '&Signature=' + percentEncode(signature) */
  queryString: string;
}

export function signV1(input: V1Input, accessKeySecret: string): V1Output {
  const { Signature: _excluded, ...params } = input.params;
  const canonicalizedQueryString = canonicalQueryString(params);
  // The canonical string is encoded a second time ('%3A' → '%253A', '&' → '%26'); '%2F' is the encoded '/'.
  const stringToSign = `${input.method.toUpperCase()}&%2F&${percentEncode(canonicalizedQueryString)}`;
  const signature = createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
  return {
    canonicalizedQueryString,
    stringToSign,
    signature,
    queryString: `${canonicalizedQueryString}&Signature=${percentEncode(signature)}`,
  };
}

export function v1CommonParams(o: {
  action: string;
  version: string;
  accessKeyId: string;
  nonce: string;
  timestamp: string;
  securityToken?: string | undefined;
}): Record<string, string> {
  const params: Record<string, string> = {
    Action: o.action,
    Version: o.version,
    // The API default is XML; this project only parses JSON.
    Format: 'JSON',
    AccessKeyId: o.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: o.nonce,
    Timestamp: o.timestamp,
  };
  if (o.securityToken) params.SecurityToken = o.securityToken;
  return params;
}

/** UTC yyyy-MM-ddTHH:mm:ssZ, the form of x-acs-date and V1 Timestamp. */
export function acsDate(epochMs: number): string {
  // The gateway rejects fractional seconds.
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/** A fresh random nonce (32 lower-case hex characters). */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}
