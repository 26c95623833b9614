/**
 * E-mail delivery: the report's headline figures, PARTIAL/as-of stamp and SLA verdict in a subject
 * and a text + HTML body (email-content.ts), the workbook and the PDF attached, sent over SMTP with
 * nodemailer to the server named by SMTP_URL (smtp.ts).
 *
 * SMTP_URL holds a password: it appears in messages only masked (`smtp://user:***@host:587`).
 */
import { readFile, stat } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { basename } from 'node:path';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { ConfigError, PipelineError } from '../errors.js';
import { DEFAULT_LOCALE, type Locale } from '../render/strings.js';
import type { ReportModel } from '../transform/index.js';
import { renderEmail } from './email-content.js';
import { EmailError } from './email-error.js';
import { readSmtpUrl, SMTP_URL_ENV, scrub, smtpError } from './smtp.js';

export interface EmailOptions {
  model: ReportModel;
  /**
   * smtp://user:password@host:587 (STARTTLS) or smtps://…@host:465 (TLS). Default: `env.SMTP_URL`;
   * the CLI need not copy the secret into a config object (those get printed and recorded).
   */
  smtpUrl?: string | undefined;
  /** where SMTP_URL is read when `smtpUrl` is not given; default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  to: readonly string[];
  cc?: readonly string[];
  /** default `pushlog-report@<hostname>` */
  from?: string;
  replyTo?: string;
  /** default zh-CN, like the reports */
  locale?: Locale;
  /** a folder whose `email/*.hbs` override the built-in templates, by file name */
  templatesDir?: string;
  /** files to attach: the xlsx and the pdf */
  attachments: readonly string[];
  signal?: AbortSignal;
  /** TCP connect and greeting timeout, default 30 s */
  connectionTimeoutMs?: number;
  /** idle socket timeout while sending, default 5 min (attachments can be large) */
  socketTimeoutMs?: number;
  /** the host name of the default sender (tests) */
  hostname?: string;
}

export interface ComposedEmail {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; path: string; bytes: number; contentType: string }[];
}

export interface EmailReceipt {
  /** the masked server URL */
  server: string;
  messageId: string;
  /** the server's final reply */
  response: string;
  accepted: string[];
  subject: string;
  attachments: { filename: string; path: string; bytes: number }[];
}

/** Renders the subject and bodies and checks recipients and attachments (nothing is sent). */
export async function composeReportEmail(options: EmailOptions): Promise<ComposedEmail> {
  const to = checkAddresses(options.to, '--email-to');
  if (to.length === 0) throw new ConfigError('No e-mail recipients: pass --email-to a@example.com[,b@…]');
  const cc = checkAddresses(options.cc ?? [], '--email-cc');
  const from = options.from ?? `pushlog-report@${options.hostname ?? osHostname()}`;
  checkAddresses([from], '--email-from');

  const attachments: ComposedEmail['attachments'] = [];
  for (const path of options.attachments) {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) {
      throw new EmailError(
        'attachment',
        `Cannot attach ${path}: no such file; render the report before delivering it`,
      );
    }
    attachments.push({ filename: basename(path), path, bytes: info.size, contentType: contentTypeOf(path) });
  }

  const locale = options.locale ?? DEFAULT_LOCALE;
  const content = await renderEmail(options.model, locale, attachments, options.templatesDir);
  return { from, to, cc, ...content, attachments };
}

/**
 * Sends the report by e-mail. Throws ConfigError for a missing or malformed SMTP_URL or address,
 * EmailError (DELIVER_EMAIL) when the server cannot be reached, refuses the login, the message or
 * any recipient (`accepted` then says who did get it), and ABORTED when `signal` fires.
 */
export async function sendReport(options: EmailOptions): Promise<EmailReceipt> {
  const server = readSmtpUrl(options.smtpUrl ?? (options.env ?? process.env)[SMTP_URL_ENV]);
  const mail = await composeReportEmail(options);
  const transport = nodemailer.createTransport({
    url: server.url,
    connectionTimeout: options.connectionTimeoutMs ?? 30_000,
    greetingTimeout: options.connectionTimeoutMs ?? 30_000,
    socketTimeout: options.socketTimeoutMs ?? 300_000,
    // The message is built from our own data: never let it make nodemailer read files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to,
      ...(mail.cc.length > 0 ? { cc: mail.cc } : {}),
      ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      // Read here rather than by path: file access is disabled on the transport (above).
      attachments: await Promise.all(
        mail.attachments.map(async (a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: await readFile(a.path),
        })),
      ),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    });
    const accepted = info.accepted.map(String);
    const rejected = info.rejected.map(String);
    if (rejected.length > 0) {
      const why = (info.rejectedErrors ?? []).map((e) => scrub(e.message, server)).join('; ');
      throw new EmailError(
        'recipients',
        `${server.masked} refused ${rejected.length} of ${rejected.length + accepted.length} recipients (${rejected.join(', ')}${why ? `: ${why}` : ''}); the report was sent to ${accepted.join(', ')}: check the refused addresses`,
        { server: server.masked, accepted, rejected, retryable: false },
      );
    }
    return {
      server: server.masked,
      messageId: info.messageId,
      response: info.response,
      accepted,
      subject: mail.subject,
      attachments: mail.attachments.map(({ filename, path, bytes }) => ({ filename, path, bytes })),
    };
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    const attachmentBytes = mail.attachments.reduce((sum, a) => sum + a.bytes, 0);
    throw smtpError(error, server, { from: mail.from, to: mail.to, attachmentBytes });
  } finally {
    transport.close();
  }
}

function checkAddresses(values: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (const raw of values) {
    const value = raw.trim();
    if (value === '') continue;
    const parsed = addressparser(value, { flatten: true });
    // One mailbox per entry, with a domain (a bare host name is allowed: the default sender uses
    // this machine's), and no line breaks that could smuggle in headers.
    const ok = parsed.length === 1 && /^[^\s@<>]+@[^\s@<>.][^\s@<>]*$/.test(parsed[0]?.address ?? '');
    if (!ok || /[\r\n]/.test(value)) {
      throw new ConfigError(
        `Invalid e-mail address ${JSON.stringify(value)} in ${flag}: use name@example.com or "Name <name@example.com>"`,
      );
    }
    out.push(value);
  }
  return out;
}

const CONTENT_TYPES: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
};
function contentTypeOf(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}
