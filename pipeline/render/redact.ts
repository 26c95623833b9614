/**
 * Secret redaction for untrusted log content (DESIGN.md, "Untrusted content"): the values of
 * secret-looking query parameters, URL passwords, and secret-looking headers or fields become
 * `[REDACTED]`; everything else is kept byte for byte, so a redacted text still reads as the
 * original. Over-redacting a harmless field is preferred to leaking a credential.
 */

import type { ReportModel } from '../transform/index.js';

export const REDACTED = '[REDACTED]';

/** Names that are secret wherever they appear inside a longer name (`x_access_token`, `dbPassword`). */
const SECRET_PARTS = [
  'token',
  'secret',
  'passw',
  'pwd',
  'signature',
  'credential',
  'session',
  'cookie',
  'apikey',
  'api_key',
  'api-key',
  'accesskey',
  'access_key',
  'privatekey',
  'private_key',
  'auth',
];

/** Names that are secret only as a whole word (`sign` yes, `design` no; `key` yes, `keyword` no). */
const SECRET_WORDS = new Set(['key', 'sign', 'sig', 'sid', 'pass', 'jwt', 'otp', 'ticket']);

function wordsOf(name: string): string[] {
  // camelCase boundaries count as word breaks: `apiKey` → api, key.
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a query parameter or JSON field named `name` holds a secret (case-insensitive). */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_PARTS.some((part) => lower.includes(part))) return true;
  return wordsOf(name).some((w) => SECRET_WORDS.has(w));
}

/**
 * Whether a header named `name` holds a secret: Authorization, Proxy-Authorization, Cookie,
 * Set-Cookie, X-Api-Key and any name containing token, secret, key, auth, password, signature,
 * session or credential.
 */
export function isSecretHeader(name: string): boolean {
  return isSecretName(name) || name.toLowerCase().includes('key');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/** Redacts `k=v` pairs of a query string or fragment (`&`- or `;`-separated). */
function redactPairs(query: string): string {
  return query.replace(/(^|[&;])([^&;=]*)=([^&;]*)/g, (whole, sep: string, name: string, value: string) =>
    value !== '' && isSecretName(decodeName(name)) ? `${sep}${name}=${REDACTED}` : whole,
  );
}

/**
 * A URL with the values of secret query (and fragment) parameters and any userinfo password
 * replaced by `[REDACTED]`. Not a URL parser's normal form: the rest of the text is unchanged.
 */
export function redactUrl(url: string): string {
  let out = url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*?):([^/?#@\s]*)@/i,
    (whole, scheme: string, user: string, password: string) =>
      password === '' ? whole : `${scheme}${user}:${REDACTED}@`,
  );
  const hash = out.indexOf('#');
  const fragment = hash >= 0 ? out.slice(hash + 1) : null;
  if (hash >= 0) out = out.slice(0, hash);
  const question = out.indexOf('?');
  if (question >= 0) out = `${out.slice(0, question + 1)}${redactPairs(out.slice(question + 1))}`;
  return fragment === null ? out : `${out}#${redactPairs(fragment)}`;
}

// `name: value` header lines (raw header text): the whole rest of the line is the secret.
const HEADER_LINE = /^([ \t]*)([A-Za-z0-9!#$%&'*+.^_`|~-]+)([ \t]*:[ \t]*)(\S[^\r\n]*)$/gm;

// A quoted or bare name followed by `:` or `=`: JSON fields at any escaping depth (`"k":`,
// `\"k\":`), form pairs (`k=`) and query pairs inside text. Only the name is matched, so a harmless
// field's value (which may hold escaped JSON with secrets of its own) is still scanned.
const PAIR_NAME = /(?<![\w.-])(\\*["']?)([A-Za-z0-9_.-]+)\1([ \t]*[:=][ \t]*)/g;
const QUOTE = /^\\*["']/;
const BARE_VALUE = /^[^\s,;&#{}[\]"'\\]+/;

/** The end of a quoted value starting at `from` with quote token `quote`: the next same quote not
 * preceded by a backslash (a value ending in an escaped backslash is over-redacted, never under). */
function quotedEnd(text: string, from: number, quote: string): number {
  let at = text.indexOf(quote, from);
  while (at > 0 && text[at - 1] === '\\') at = text.indexOf(quote, at + 1);
  return at;
}

function redactPairsInText(text: string): string {
  let out = '';
  let copied = 0;
  for (const m of text.matchAll(PAIR_NAME)) {
    const [whole, q = '', name = ''] = m;
    const valueAt = (m.index ?? 0) + whole.length;
    if (valueAt <= copied) continue;
    // Hyphenated names are header names (`X-Forward-Keyring`), held to the header rule.
    if (!(name.includes('-') ? isSecretHeader(name) : isSecretName(name))) continue;
    const rest = text.slice(valueAt);
    const quote = QUOTE.exec(rest)?.[0];
    if (quote !== undefined) {
      const end = quotedEnd(text, valueAt + quote.length, quote);
      if (end < 0 || end === valueAt + quote.length) continue;
      out += `${text.slice(copied, valueAt + quote.length)}${REDACTED}`;
      copied = end;
      continue;
    }
    const bare = BARE_VALUE.exec(rest)?.[0];
    if (bare === undefined || bare.startsWith('[REDACTED')) continue;
    // A bare JSON number or literal becomes a string, so the JSON stays valid.
    out += `${text.slice(copied, valueAt)}${q}${REDACTED}${q}`;
    copied = valueAt + bare.length;
  }
  return out + text.slice(copied);
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>\\`]+/gi;

const BEARER = /\b(Bearer|Basic|Digest|Token)([ \t]+)([A-Za-z0-9\-._~+/]+=*)/g;

/**
 * Redacts secrets in free text such as the Headers JSON text or Params: secret-named JSON fields
 * and `name=value` pairs, `Name: value` header lines with a secret name, bearer/basic
 * credentials, and every http(s) URL in it (as `redactUrl`).
 */
export function redactText(text: string): string {
  let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
  out = out.replace(HEADER_LINE, (whole, indent: string, name: string, sep: string, value: string) =>
    isSecretHeader(name) && value !== REDACTED && !value.startsWith('"') && !value.startsWith('\\')
      ? `${indent}${name}${sep}${REDACTED}`
      : whole,
  );
  out = redactPairsInText(out);
  return out.replace(BEARER, (_whole, scheme: string, space: string) => `${scheme}${space}${REDACTED}`);
}

/** Whether `text` is an absolute http(s) URL safe to use as a hyperlink target. */
export function isHttpUrl(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (!/^https?:\/\/[^\s\u0000-\u001f\u007f<>"\\^`{|}]+$/i.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * A copy of the model with the untrusted text it carries redacted: endpoints and SLA endpoint
 * scopes, the URL filter, failure signatures (cut from ResultText), TypeStr values and notes.
 */
export function redactModel(model: ReportModel): ReportModel {
  const copy = structuredClone(model);
  for (const row of copy.byEndpoint) row.endpoint = redactUrl(row.endpoint);
  if (copy.filters.url !== undefined) copy.filters.url = redactUrl(copy.filters.url);
  for (const failure of copy.topFailures) failure.signature = redactText(failure.signature);
  for (const pair of copy.dataQuality.typeStrPairs) {
    if (pair.typeStr !== null) pair.typeStr = redactText(pair.typeStr);
  }
  for (const rule of copy.sla?.rules ?? []) {
    if (rule.scope.startsWith('endpoint:')) rule.scope = `endpoint:${redactUrl(rule.scope.slice(9))}`;
  }
  copy.notes = copy.notes.map(redactText);
  return copy;
}
