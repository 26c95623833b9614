// STUB: interface agreed between the client and the simulator; helper A implements it.
export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string | undefined;
}

/** lowerhex(SHA-256("")): the payload hash of a request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function percentEncode(_value: string): string {
  throw new Error('not implemented');
}

/** Sorted by name (code-unit order), names and values percent-encoded, joined with '&'. */
export function canonicalQueryString(_params: Readonly<Record<string, string>>): string {
  throw new Error('not implemented');
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

export function signV3(_input: V3Input, _credentials: Credentials): V3Output {
  throw new Error('not implemented');
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

export function signV1(_input: V1Input, _accessKeySecret: string): V1Output {
  throw new Error('not implemented');
}

export function v1CommonParams(_o: {
  action: string;
  version: string;
  accessKeyId: string;
  nonce: string;
  timestamp: string;
  securityToken?: string | undefined;
}): Record<string, string> {
  throw new Error('not implemented');
}

/** UTC yyyy-MM-ddTHH:mm:ssZ, the form of x-acs-date and V1 Timestamp. */
export function acsDate(_epochMs: number): string {
  throw new Error('not implemented');
}

/** A fresh random nonce (32 lower-case hex characters). */
export function newNonce(): string {
  throw new Error('not implemented');
}
