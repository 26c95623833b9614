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
  'passphrase',
  // A mail-server URL carries its login (SMTP_URL): the whole value is the secret.
  'smtpurl',
  'smtp_url',
  'smtp-url',
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

const fieldCache = new Map<string, boolean>();

/** Whether a field named `name` holds a secret: hyphenated names are header names
 * (`X-Forward-Keyring`) and held to the header rule, other names to `isSecretName`. */
export function isSecretField(name: string): boolean {
  let secret = fieldCache.get(name);
  if (secret === undefined) {
    secret = name.includes('-') ? isSecretHeader(name) : isSecretName(name);
    // Field names repeat from record to record (JSON keys, header names): remember a few thousand.
    if (fieldCache.size >= 4096) fieldCache.clear();
    fieldCache.set(name, secret);
  }
  return secret;
}

/** Scheme words after which the rest of a credential follows (`Authorization: Bearer …`). */
const AUTH_SCHEMES = ['Bearer', 'Basic', 'Digest', 'Token'];

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** An alternation of `words` as a trie (`t(?:oken|icket)`), which a regex engine tests faster. */
function trieOf(words: readonly string[]): string {
  const byFirst = new Map<string, string[]>();
  for (const word of words) {
    const first = word[0] as string;
    byFirst.set(first, [...(byFirst.get(first) ?? []), word.slice(1)]);
  }
  return [...byFirst]
    .map(([first, rests]) =>
      rests.includes('') ? escapeRegExp(first) : `${escapeRegExp(first)}(?:${trieOf(rests)})`,
    )
    .join('|');
}

// Every name `isSecretHeader` accepts contains one of these (case-insensitively), or else a
// percent escape hides it (`%70wd`); a userinfo password needs an `@`. A text holding none of them
// has nothing `redactText` would change, so it is returned as it is without the full scan. Words
// holding a shorter one (`passw`, `pass`) are left to the shorter.
const TRIGGERS = [
  ...new Set([...SECRET_PARTS, ...SECRET_WORDS, 'key', ...AUTH_SCHEMES].map((w) => w.toLowerCase())),
];
const MAY_HOLD_SECRET = new RegExp(
  `[@%]|${trieOf(TRIGGERS.filter((w) => !TRIGGERS.some((other) => other !== w && w.includes(other))))}`,
  'i',
);

/** False only when `redactText(text)` is certainly `text` (a fast pre-check, no false negatives). */
export function mayHoldSecret(text: string): boolean {
  return MAY_HOLD_SECRET.test(text);
}

/** Redacts `k=v` pairs of a query string or fragment (`&`- or `;`-separated). */
function redactPairs(query: string): string {
  return query.replace(/(^|[&;])([^&;=]*)=([^&;]*)/g, (whole, sep: string, name: string, value: string) =>
    value !== '' && isSecretName(decodeName(name)) ? `${sep}${name}=${REDACTED}` : whole,
  );
}

// `user:password@` at the start of a URL, after `scheme://`, `//` or nothing (a Url without a
// scheme, `bob:hunter2@hook.example.com/cb`). The userinfo ends at the authority's last `@`, as
// WHATWG parsers read it, so a password holding an `@` goes whole.
const USERINFO = /^(\s*(?:(?:[a-z][a-z0-9+.-]*:)?\/\/)?)([^/?#:\s]*):([^/?#\s]*)@/i;

/**
 * A URL with the values of secret query (and fragment) parameters and any userinfo password
 * replaced by `[REDACTED]`, with or without a scheme. Not a URL parser's normal form: the rest of
 * the text is unchanged.
 */
export function redactUrl(url: string): string {
  let out = url.replace(USERINFO, (whole, scheme: string, user: string, password: string) =>
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

// A credential after its scheme word: `Bearer <token68>` or `Digest k="v", k=v` (RFC 9110
// auth-params, their quotes possibly escaped as in JSON text). Sticky: matched at a position.
const AUTH_SCHEME = new RegExp(`(?:${AUTH_SCHEMES.join('|')})[ \\t]+`, 'iy');
const AUTH_PARAM = /[\w.-]+[ \t]*=[ \t]*(?:(\\*)"[^\r\n]*?\1"|[^\s,;"'\\]*)(?:[ \t]*,[ \t]*)?/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

/** The end of the credential `Scheme credentials` starting at `at`, or -1 when none is there. */
function credentialEnd(text: string, at: number): number {
  AUTH_SCHEME.lastIndex = at;
  if (!AUTH_SCHEME.test(text)) return -1;
  const from = AUTH_SCHEME.lastIndex;
  let params = from;
  AUTH_PARAM.lastIndex = from;
  while (AUTH_PARAM.test(text) && AUTH_PARAM.lastIndex > params) params = AUTH_PARAM.lastIndex;
  while (params > from && /[ \t,]/.test(text[params - 1] as string)) params -= 1;
  TOKEN68.lastIndex = from;
  const token = TOKEN68.test(text) ? TOKEN68.lastIndex : from;
  const end = Math.max(params, token);
  return end > from ? end : -1;
}

function redactPairsInText(text: string): string {
  let out = '';
  let copied = 0;
  for (const m of text.matchAll(PAIR_NAME)) {
    const [whole, q = '', name = ''] = m;
    const valueAt = (m.index ?? 0) + whole.length;
    if (valueAt <= copied) continue;
    if (!isSecretField(name)) continue;
    // `Authorization: Bearer eyJ…` mid-line: the scheme and the token are one secret value.
    const credential = credentialEnd(text, valueAt);
    if (credential > 0) {
      out += `${text.slice(copied, valueAt)}${REDACTED}`;
      copied = credential;
      continue;
    }
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

// Any scheme: a redis://, amqp:// or smtp:// URL carries its password the same way.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>\\`]+/gi;

// `user:password@host` without a scheme, starting a token (`connect bob:pw@h failed`, `"bob:pw@h"`).
const USERINFO_IN_TEXT =
  /(?<![^\s"'(<[{,;=|])([^\s"'<>\\`/?#:@()[\]{},;=|]+):([^\s"'<>\\`/?#]*)@(?=[^\s"'<>\\`@/?#])/g;

const BEARER = new RegExp(`\\b(${AUTH_SCHEMES.join('|')})([ \\t]+)([A-Za-z0-9\\-._~+/]+=*)`, 'g');

/**
 * Redacts secrets in free text such as the Headers JSON text, Params or ResultText: secret-named
 * JSON fields and `name=value` pairs (a `Scheme token` credential as their value goes whole),
 * `Name: value` header lines with a secret name, bearer/basic credentials, every URL in it (as
 * `redactUrl`) and `user:password@host` without a scheme. Text that cannot hold a secret (see
 * `mayHoldSecret`) is returned at once, so this is cheap on the typical record.
 */
export function redactText(text: string): string {
  return mayHoldSecret(text) ? scanText(text) : text;
}

/** `redactText` without the pre-check (exported for the test that pins the pre-check as sound). */
export function scanText(text: string): string {
  let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
  out = out.replace(USERINFO_IN_TEXT, (whole, user: string, password: string) =>
    password === '' || user.toLowerCase() === 'mailto' ? whole : `${user}:${REDACTED}@`,
  );
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
