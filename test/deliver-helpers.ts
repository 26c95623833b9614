/**
 * Helpers for the delivery and manifest suites: a hand-written ReportModel (valid against
 * summary.json's schema, checked in deliver-email.test.ts), a real SMTP server (smtp-server) on
 * 127.0.0.1:0 that keeps what it receives, a port nothing listens on, and a minimal MIME reader
 * (multipart, base64, quoted-printable, RFC 2047 headers, RFC 2231 file names) for the messages.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { onTestFinished } from 'vitest';
import type { ReportModel } from '../pipeline/transform/index.js';

/** A temp folder removed when the test ends. */
export async function tempDir(prefix = 'pushlog-deliver-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

const latency = (p95: number | null, count: number) => ({
  count,
  mean: p95 === null ? null : p95 / 2,
  min: p95 === null ? null : 12,
  max: p95 === null ? null : p95 * 2,
  p50: p95 === null ? null : p95 / 3,
  p90: p95 === null ? null : p95 * 0.9,
  p95,
  p99: p95 === null ? null : p95 * 1.5,
  overTimeout: 0,
  buckets: { '0-100': count, '100-300': 0, '300-1000': 0, '1000-5000': 0, '5000+': 0 },
});

/**
 * A final, complete April 2026 for enterprise 7122600: 1,234 pushes, 1,204 succeeded (97.57%),
 * p95 840 ms, p99 1,260 ms, eventual success 99.10%, retried share 4.05%; March as the previous
 * month; an SLA of two rules, one failing. `overrides` replace top-level keys.
 */
export function reportModel(overrides: Partial<ReportModel> = {}): ReportModel {
  const base: ReportModel = {
    schemaVersion: 1,
    enterpriseId: '7122600',
    month: '2026-04',
    timeZone: 'Asia/Shanghai',
    window: {
      start: '2026-04-01 00:00:00',
      end: '2026-04-30 23:59:59',
      startMs: Date.UTC(2026, 2, 31, 16),
      endMs: Date.UTC(2026, 3, 30, 15, 59, 59),
    },
    complete: true,
    incompleteWindows: [],
    final: true,
    asOf: null,
    filters: {},
    extractedAt: '2026-05-01T01:00:00.000Z',
    generatedAt: '2026-05-01T01:02:03.000Z',
    toolVersion: '0.1.0',
    totals: { pushes: 1234, succeeded: 1204, failed: 30, successRate: 1204 / 1234 },
    latencyMs: {
      ...latency(840, 1230),
      queueMs: { count: 1230, mean: 5, p95: 20 },
      roundTripMs: { count: 1230, mean: 300, p95: 820 },
    },
    retries: {
      histogram: { '0': 1184, '1': 40, '2': 10 },
      retriedShare: 50 / 1234,
      deliveries: 1190,
      firstAttemptSuccessRate: 0.97,
      eventualSuccessRate: 0.991,
      exhausted: 3,
    },
    byType: [
      {
        type: 12,
        name: '坐席状态',
        nameEn: 'Agent status',
        known: true,
        pushes: 1234,
        succeeded: 1204,
        failed: 30,
        successRate: 1204 / 1234,
        latencyMs: latency(840, 1230),
        retriedShare: 50 / 1234,
        deliveries: 1190,
        eventualSuccessRate: 0.991,
      },
    ],
    byEndpoint: [
      {
        endpoint: 'https://crm.example.com/api/vms/callback',
        pushes: 1234,
        succeeded: 1204,
        failed: 30,
        successRate: 1204 / 1234,
        latencyMs: latency(840, 1230),
        retriedShare: 50 / 1234,
        deliveries: 1190,
        eventualSuccessRate: 0.991,
        longestFailureStreak: { length: 3, from: Date.UTC(2026, 3, 3), to: Date.UTC(2026, 3, 3, 0, 5) },
      },
    ],
    byDay: [
      {
        date: '2026-04-01',
        pushes: 1234,
        succeeded: 1204,
        failed: 30,
        successRate: 1204 / 1234,
        latencyMs: latency(840, 1230),
      },
    ],
    statusCodes: {
      byCode: [
        { code: '200', count: 1204 },
        { code: '500', count: 30 },
      ],
      byClass: { '2xx': 1204, '3xx': 0, '4xx': 0, '5xx': 30, other: 0, none: 0 },
    },
    topFailures: [{ statusCode: '500', signature: 'Internal Server Error', count: 30, exampleId: 'id-1' }],
    dataQuality: {
      duplicatesRemoved: 6,
      duplicatesDiffering: 0,
      quarantined: 2,
      quarantineReasons: { 'missing Id': 2 },
      quarantinedRecords: [
        { reason: 'missing Id', id: null, windowId: '2026-04-01' },
        { reason: 'missing Id', id: null, windowId: '2026-04-02' },
      ],
      invalidLatency: 0,
      unknownTypes: {},
      typeStrPairs: [{ type: 12, typeStr: 'AgentStatus', count: 1234, expected: true }],
      succeededWithNon2xx: 0,
      failedWith2xx: 0,
      controlCharacters: 0,
      overlongText: 0,
    },
    sla: {
      file: 'sla.yaml',
      passed: false,
      rules: [
        {
          name: 'overall success',
          scope: 'overall',
          metric: 'successRate',
          op: '>=',
          value: 0.99,
          actual: 1204 / 1234,
          passed: false,
          verdict: 'fail',
        },
        {
          scope: 'endpoint:https://crm.example.com/api/vms/callback',
          metric: 'latencyMs.p95',
          op: '<=',
          value: 1000,
          actual: 840,
          passed: true,
          verdict: 'pass',
        },
      ],
    },
    previous: {
      month: '2026-03',
      complete: true,
      final: true,
      totals: { pushes: 1000, succeeded: 990, failed: 10, successRate: 0.99 },
      latencyMs: { mean: 400, p50: 280, p95: 700, p99: 1000 },
      retries: {
        retriedShare: 0.03,
        firstAttemptSuccessRate: 0.98,
        eventualSuccessRate: 0.995,
        deliveries: 980,
        exhausted: 1,
      },
      deltas: {
        totals: { pushes: 0.234, succeeded: 204 / 990, failed: 2, successRate: 1204 / 1234 - 0.99 },
        latencyMs: { mean: 0.05, p50: 0, p95: 0.2, p99: 0.26 },
        retries: {
          retriedShare: 50 / 1234 - 0.03,
          firstAttemptSuccessRate: -0.01,
          eventualSuccessRate: -0.004,
          deliveries: 210 / 980,
          exhausted: 2,
        },
      },
    },
    notes: [],
  };
  return { ...base, ...overrides };
}

/** The current month as of 12 May 2026 10:00 Shanghai, with two windows not fetched. */
export function partialAsOfModel(): ReportModel {
  return reportModel({
    month: '2026-05',
    complete: false,
    final: false,
    asOf: '2026-05-12T02:00:00.000Z',
    incompleteWindows: [
      { id: '2026-05-03', state: 'failed', start: '2026-05-03 00:00:00', end: '2026-05-03 23:59:59' },
      { id: '2026-05-04', state: 'pending', start: '2026-05-04 00:00:00', end: '2026-05-04 23:59:59' },
    ],
    previous: null,
    sla: null,
  });
}

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

export interface TestSmtpServer {
  port: number;
  /** smtp://user:password@127.0.0.1:port (password percent-encoded) */
  url(user?: string, password?: string): string;
  messages: ReceivedMessage[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1:0, plain text (no STARTTLS). With `password`, a login as
 * `user`/`password` is required; recipients whose local part starts with "nobody" are refused
 * with 550.
 */
export async function startSmtpServer(auth?: { user: string; password: string }): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const sockets = new Set<Socket>();
  const server = new SMTPServer({
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 100,
    onAuth(login, _session, callback) {
      if (auth && login.username === auth.user && login.password === auth.password) {
        callback(null, { user: login.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('nobody')) {
        const error = Object.assign(new Error(`No such user ${address.address}`), { responseCode: 550 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          from: mailFrom === false ? '' : mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    messages,
    url: (user?: string, password?: string) =>
      user === undefined
        ? `smtp://127.0.0.1:${port}`
        : `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One MIME entity: decoded headers (lower-case names), decoded body, and its parts. */
export interface MimePart {
  headers: Record<string, string>;
  contentType: string;
  params: Record<string, string>;
  disposition: { type: string; params: Record<string, string> } | null;
  body: Buffer;
  parts: MimePart[];
}

/** Parses a message as nodemailer writes it (enough for these tests, not a general parser). */
export function parseMime(raw: Buffer | string): MimePart {
  const text = Buffer.isBuffer(raw) ? raw.toString('latin1') : Buffer.from(raw, 'utf8').toString('latin1');
  const split = text.search(/\r?\n\r?\n/);
  const head = split < 0 ? text : text.slice(0, split);
  const rest = split < 0 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  const [contentType = 'text/plain', params] = headerValue(headers['content-type'] ?? 'text/plain');
  const disposition = headers['content-disposition'] ? headerValue(headers['content-disposition']) : null;
  const part: MimePart = {
    headers,
    contentType: contentType.toLowerCase(),
    params,
    disposition: disposition ? { type: disposition[0].toLowerCase(), params: disposition[1] } : null,
    body: Buffer.alloc(0),
    parts: [],
  };
  if (part.contentType.startsWith('multipart/') && params.boundary) {
    const delimiter = `--${params.boundary}`;
    const chunks = rest.split(delimiter).slice(1);
    for (const chunk of chunks) {
      if (chunk.startsWith('--')) break;
      part.parts.push(parseMime(Buffer.from(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''), 'latin1')));
    }
    return part;
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') part.body = Buffer.from(rest.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') part.body = decodeQuotedPrintable(rest);
  else part.body = Buffer.from(rest, 'latin1');
  return part;
}

/** Every leaf part, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.parts.length === 0 ? [part] : part.parts.flatMap(leaves);
}

export function textPart(message: MimePart, type: 'text/plain' | 'text/html'): string {
  const found = leaves(message).find((p) => p.contentType === type && p.disposition?.type !== 'attachment');
  if (!found) throw new Error(`no ${type} part`);
  return found.body.toString((found.params.charset ?? 'utf-8').toLowerCase() === 'utf-8' ? 'utf8' : 'latin1');
}

export function attachments(message: MimePart): { filename: string; contentType: string; content: Buffer }[] {
  return leaves(message)
    .filter((p) => p.disposition?.type === 'attachment')
    .map((p) => ({
      filename: p.disposition?.params.filename ?? p.params.name ?? '',
      contentType: p.contentType,
      content: p.body,
    }));
}

/** `type; a=b; c="d"` with RFC 2231 continuations (`name*0*=utf-8''…`) joined and decoded. */
function headerValue(value: string): [string, Record<string, string>] {
  const [first = '', ...pieces] = value.match(/(?:[^;"]+|"(?:[^"\\]|\\.)*")+/g) ?? [];
  const params: Record<string, string> = {};
  const continued: Record<string, { index: number; text: string; encoded: boolean }[]> = {};
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let val = piece.slice(eq + 1).trim();
    if (val.startsWith('"')) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    const m = /^([^*]+)\*(?:(\d+)\*?|)$/.exec(key);
    if (m?.[1]) {
      const list = continued[m[1]] ?? [];
      list.push({ index: Number(m[2] ?? 0), text: val, encoded: key.endsWith('*') });
      continued[m[1]] = list;
    } else params[key] = decodeWords(val);
  }
  for (const [key, list] of Object.entries(continued)) {
    list.sort((a, b) => a.index - b.index);
    const joined = list.map((p) => p.text).join('');
    const encoded = list[0]?.encoded ?? false;
    params[key] = encoded ? decodeURIComponent(joined.replace(/^[^']*'[^']*'/, '')) : joined;
  }
  return [first.trim(), params];
}

/** RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`); adjacent words join without the space. */
function decodeWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  let last = 0;
  for (const m of joined.matchAll(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g)) {
    if (m.index > last) {
      flush();
      out += Buffer.from(joined.slice(last, m.index), 'latin1').toString('utf8');
    }
    const [, , kind = 'b', data = ''] = m;
    if (kind.toLowerCase() === 'b') bytes.push(...Buffer.from(data, 'base64'));
    else bytes.push(...decodeQuotedPrintable(data.replace(/_/g, ' ')));
    last = m.index + m[0].length;
  }
  flush();
  out += Buffer.from(joined.slice(last), 'latin1').toString('utf8');
  return out;
}

function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i] as string;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(ch.charCodeAt(0));
  }
  return Buffer.from(bytes);
}
