/**
 * SMTP_URL: parsing it without ever echoing it, masking it for messages (`smtp://user:***@host:587`),
 * and turning nodemailer's failures into EmailErrors that say what to check.
 */
import { ConfigError, PipelineError } from '../errors.js';
import { EmailError } from './email-error.js';
import { formatBytes } from './format.js';

/** The environment variable the server is read from. */
export const SMTP_URL_ENV = 'SMTP_URL';

/** What SMTP_URL names, safe to print. */
export interface SmtpServer {
  /** `smtp://user:***@host:port` */
  masked: string;
  host: string;
  port: number;
  /** smtps:// (TLS from the start) rather than smtp:// (STARTTLS when offered) */
  secure: boolean;
  user: string;
}

/** The parsed URL with its secret parts: never returned to callers, so never printed by them. */
export interface SmtpTarget extends SmtpServer {
  /** the value as given: nodemailer also reads its query options (tls.*, requireTLS, …) */
  url: string;
  /** the decoded password ('' without one), to scrub it from any text */
  password: string;
}

const URL_EXAMPLE =
  'smtp://user:password@smtp.example.com:587 (STARTTLS) or smtps://user:password@smtp.example.com:465 (TLS)';

/** Checks SMTP_URL; a ConfigError that never echoes the value when it is missing or malformed. */
export function parseSmtpUrl(value: string | undefined): SmtpServer {
  const { url: _url, password: _password, ...server } = readSmtpUrl(value);
  return server;
}

export function readSmtpUrl(value: string | undefined): SmtpTarget {
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(`${SMTP_URL_ENV} is not set: to send e-mail, set it to ${URL_EXAMPLE}`);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // No cause: the URL parser's error carries the whole input, password included.
    throw new ConfigError(
      `${SMTP_URL_ENV} is not a valid URL (${value.length} characters, not shown): use ${URL_EXAMPLE}; percent-encode @ : / in the password`,
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    // Name the scheme only when it is a familiar one: an odd "scheme" may be the password itself.
    const known = /^(https?|ftp|file|mailto|imaps?|pop3s?|ssh|tcp|tls|ssl|submission|mail):$/i.test(
      url.protocol,
    );
    throw new ConfigError(
      `${SMTP_URL_ENV} must start with smtp:// or smtps://${known ? `, not ${url.protocol}//` : ''}: use ${URL_EXAMPLE}`,
    );
  }
  if (url.hostname === '') throw new ConfigError(`${SMTP_URL_ENV} names no host: use ${URL_EXAMPLE}`);
  const secure = url.protocol === 'smtps:';
  let password = url.password;
  try {
    password = decodeURIComponent(url.password);
  } catch {
    // A lone % in the password: keep it as written.
  }
  let user = url.username;
  try {
    user = decodeURIComponent(url.username);
  } catch {
    // As written.
  }
  return {
    url: value.trim(),
    masked: maskSmtpUrl(value),
    // smtp: is not a WHATWG special scheme, so the host is not lower-cased for us.
    host: url.hostname.toLowerCase(),
    port: Number(url.port) || (secure ? 465 : 587),
    secure,
    user,
    password,
  };
}

/**
 * SMTP_URL fit to print: `smtp://user:***@host:port`, without path or query (which can hold
 * options with secrets). A value that is not a URL is not shown at all.
 */
export function maskSmtpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return '(unparseable SMTP_URL, not shown)';
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return '(not an smtp:// URL, not shown)';
  const secure = url.protocol === 'smtps:';
  const user = url.username === '' ? '' : `${url.username}${url.password === '' ? '' : ':***'}@`;
  const port = Number(url.port) || (secure ? 465 : 587);
  return `${url.protocol}//${user}${url.hostname.toLowerCase()}:${port}`;
}

/** Replaces the password (as written and decoded) wherever a server or library echoed it. */
export function scrub(text: string, server: SmtpTarget): string {
  let out = text;
  // Very short passwords would mask innocent letters; a server does not echo them anyway.
  for (const secret of new Set([server.password, encodeURIComponent(server.password)])) {
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

interface SmtpFailure extends Error {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  permanent?: boolean;
  response?: string;
  rejected?: string[];
  timeoutType?: string;
}

/** What the message was, for the words of an error. */
export interface SentMessage {
  from: string;
  to: readonly string[];
  attachmentBytes: number;
}

/** Maps a nodemailer error to an EmailError whose message says what to do (codes, never message text). */
export function smtpError(error: unknown, server: SmtpTarget, mail: SentMessage): PipelineError {
  const e = (error ?? {}) as SmtpFailure;
  const at = server.masked;
  const message = e.message ?? String(error);
  const detail = scrub(message, server);
  // The CLI prints the cause chain: replace the cause when its message held the password.
  const cause = detail === message ? error : new Error(detail);
  const low = e.originalCode ?? e.code ?? '';
  if (e.code === 'EABORT' || e.name === 'AbortError') {
    return new PipelineError('ABORTED', `Sending the report to ${at} was aborted`, { cause });
  }
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    return new EmailError(
      'auth',
      `${at} refused the login (${detail}): check the user name and password in ${SMTP_URL_ENV}`,
      { server: at, retryable: e.permanent === false },
      { cause },
    );
  }
  if (e.code === 'ETLS' || /^ERR_SSL|^ERR_TLS|CERT|SELF_SIGNED/.test(low)) {
    return new EmailError(
      'tls',
      `TLS with ${at} failed (${detail}): use smtps:// for port 465 and smtp:// for 587/25 (STARTTLS); for a private CA set NODE_EXTRA_CA_CERTS`,
      { server: at, retryable: false },
      { cause },
    );
  }
  if (e.code === 'ETIMEDOUT') {
    return new EmailError(
      'timeout',
      `${at} did not answer in time (${e.timeoutType ?? 'timeout'}): check the host and port in ${SMTP_URL_ENV} and that a firewall lets this machine reach it`,
      { server: at, retryable: true },
      { cause },
    );
  }
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'EDNS' || e.code === 'EPROXY') {
    const what =
      low === 'ECONNREFUSED'
        ? 'refused the connection'
        : low === 'ENOTFOUND'
          ? 'has an unknown host name'
          : `could not be reached (${low})`;
    return new EmailError(
      'connect',
      `Cannot send the report: ${at} ${what}: check the host and port in ${SMTP_URL_ENV} and that the server is running`,
      { server: at, retryable: true },
      { cause },
    );
  }
  if (e.code === 'EENVELOPE') {
    const rejected = e.rejected ?? [];
    const sender = e.responseCode !== undefined && rejected.length === 0;
    return new EmailError(
      'recipients',
      sender
        ? `${at} refused the sender ${mail.from} (${detail}): set an address the server lets you send from (--email-from)`
        : `${at} refused every recipient (${rejected.join(', ') || mail.to.join(', ')}: ${detail}); nothing was sent: check the addresses`,
      { server: at, rejected, retryable: e.permanent === false },
      { cause },
    );
  }
  if (e.code === 'EMESSAGE' || e.code === 'EPROTOCOL') {
    const bytes = mail.attachmentBytes;
    const size =
      e.responseCode === 552 ? ` (attachments ${formatBytes(bytes, 'en')}: the server's size limit?)` : '';
    return new EmailError(
      'message',
      `${at} refused the message${size}: ${detail}`,
      { server: at, retryable: e.permanent === false },
      { cause },
    );
  }
  return new EmailError(
    'other',
    `Sending the report to ${at} failed: ${detail}`,
    { server: at, retryable: false },
    { cause },
  );
}
