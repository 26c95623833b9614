// E-mail delivery against a real SMTP server (smtp-server on 127.0.0.1:0): what arrives (envelope,
// subject with the KPIs, text and HTML bodies, attachments whose sha256 equal manifest.json's), and
// the failures (refused connection, bad login, refused recipients, bad SMTP_URL, abort), each a
// typed error whose text never holds the password.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as deliverFormat from '../pipeline/deliver/format.js';
import {
  composeReportEmail,
  EmailError,
  type EmailOptions,
  maskSmtpUrl,
  parseSmtpUrl,
  sendReport,
} from '../pipeline/deliver/index.js';
import { ConfigError, PipelineError } from '../pipeline/errors.js';
import * as renderFormat from '../pipeline/render/format.js';
import { buildManifest, writeManifest } from '../pipeline/store/manifest.js';
import { SUMMARY_SCHEMA } from '../pipeline/transform/index.js';
import {
  attachments,
  closedPort,
  parseMime,
  partialAsOfModel,
  reportModel,
  sha256,
  startSmtpServer,
  type TestSmtpServer,
  tempDir,
  textPart,
} from './deliver-helpers.js';
import { checkSchema } from './transform-helpers.js';

const XLSX = 'push-logs-7122600-2026-04.xlsx';
const PDF = 'push-logs-7122600-2026-04.pdf';
const USER = 'reports@example.com';
const PASSWORD = 'p@ss:w/rd%hunter2';

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer({ user: USER, password: PASSWORD });
});
afterAll(() => smtp.close());

/** A month folder with the four artifacts (xlsx and pdf as random bytes) and its manifest. */
async function reportFolder() {
  const dir = join(await tempDir(), '7122600', '2026-04');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'summary.json'), JSON.stringify(reportModel()));
  await writeFile(join(dir, 'raw.parquet'), randomBytes(1000));
  // Big enough for base64 to wrap over many lines, with bytes of every value.
  await writeFile(join(dir, XLSX), randomBytes(70_000));
  await writeFile(join(dir, PDF), randomBytes(20_000));
  const manifest = await buildManifest({
    dir,
    enterpriseId: '7122600',
    month: '2026-04',
    arguments: {},
    windows: [],
    counts: { fetched: 1240, duplicates: 6, quarantined: 2, inReport: 1234 },
    artifacts: ['summary.json', 'raw.parquet', XLSX, PDF],
    startedAt: new Date(),
  });
  await writeManifest(dir, manifest);
  return { dir, manifest, files: [join(dir, XLSX), join(dir, PDF)] };
}

const options = (overrides: Partial<EmailOptions> = {}): EmailOptions => ({
  model: reportModel(),
  smtpUrl: smtp.url(USER, PASSWORD),
  to: ['ops@example.com', 'Manager <boss@example.com>'],
  locale: 'en',
  attachments: [],
  hostname: 'ci-runner-7',
  ...overrides,
});

/** Everything a caller might print of an error: messages down the cause chain and its properties. */
function printed(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: 6 })];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(String(e), e.message);
  return parts.join('\n');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

it('the test model is a valid summary.json', () => {
  expect(checkSchema(SUMMARY_SCHEMA, reportModel())).toEqual([]);
  expect(checkSchema(SUMMARY_SCHEMA, partialAsOfModel())).toEqual([]);
});

describe('sending over SMTP', () => {
  it('delivers the KPIs, the SLA verdict and the attachments manifest.json vouches for', async () => {
    const { manifest, files } = await reportFolder();
    const before = smtp.messages.length;
    // SMTP_URL from the environment: the CLI does not have to copy the secret anywhere.
    const receipt = await sendReport(
      options({ smtpUrl: undefined, env: { SMTP_URL: smtp.url(USER, PASSWORD) }, attachments: files }),
    );

    expect(smtp.messages).toHaveLength(before + 1);
    const received = smtp.messages.at(-1);
    expect(received?.from).toBe('pushlog-report@ci-runner-7');
    expect(received?.to).toEqual(['ops@example.com', 'boss@example.com']);

    const message = parseMime(received?.raw ?? '');
    const subject =
      'Push delivery report: 7122600, 2026-04 | Pushes 1,234 | Success rate 97.57% | Latency p95 840 ms | SLA FAIL';
    expect(message.headers.subject).toBe(subject);
    expect(message.headers.to).toBe('ops@example.com, Manager <boss@example.com>');
    expect(receipt).toMatchObject({
      server: `smtp://reports%40example.com:***@127.0.0.1:${smtp.port}`,
      accepted: ['ops@example.com', 'boss@example.com'],
      subject,
      attachments: [
        { filename: XLSX, path: files[0], bytes: 70_000 },
        { filename: PDF, path: files[1], bytes: 20_000 },
      ],
    });
    expect(receipt.messageId).toBe(message.headers['message-id']);

    const text = textPart(message, 'text/plain');
    for (const line of [
      '  Pushes: 1,234  (2026-03: 1,000, +23.40%)',
      '  Success rate: 97.57%  (2026-03: 99.00%, −1.43 pp)',
      '  Eventual success rate: 99.10%  (2026-03: 99.50%, −0.40 pp)',
      '  Latency p95: 840 ms  (2026-03: 700 ms, +20.00%)',
      '  Latency p99: 1,260 ms  (2026-03: 1,000 ms, +26.00%)',
      '  Retried share: 4.05%  (2026-03: 3.00%, +1.05 pp)',
      'SLA breached: 1 of 2 rules did not pass (sla.yaml).',
      '  - overall success: 97.57% (Target ≥ 99.00%, FAIL)',
      '  - [500] Internal Server Error: 30',
      `  - ${XLSX} (68.4 KiB)`,
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('PARTIAL');
    const html = textPart(message, 'text/html');
    expect(html).toContain('<td align="right"><strong>1,260 ms</strong></td>');
    expect(html).toContain('SLA breached: 1 of 2 rules did not pass (sla.yaml).');

    // The attachments as received are byte for byte the artifacts manifest.json lists.
    const got = attachments(message);
    expect(got.map((a) => [a.filename, a.contentType])).toEqual([
      [XLSX, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      [PDF, 'application/pdf'],
    ]);
    for (const a of got) {
      const listed = manifest.artifacts.find((m) => m.path === a.filename);
      expect(listed).toBeDefined();
      expect(sha256(a.content)).toBe(listed?.sha256);
      expect(a.content.length).toBe(listed?.bytes);
    }
  });

  it('sends a PARTIAL, as-of month in Chinese with its stamps in the subject', async () => {
    await sendReport(
      options({ model: partialAsOfModel(), locale: 'zh-CN', from: 'VMS 报告 <vms@example.com>' }),
    );
    const message = parseMime(smtp.messages.at(-1)?.raw ?? '');
    expect(message.headers.subject).toBe(
      '[不完整] 推送投递报告：7122600，2026-05 (截至 2026-05-12 10:00 Asia/Shanghai) | 推送数 1,234 | 成功率 97.57% | 延迟 P95 840 ms | 无 SLA 规则',
    );
    expect(message.headers.from).toBe('VMS 报告 <vms@example.com>');
    const text = textPart(message, 'text/plain');
    expect(text).toContain('*** 本月有 2 个时间窗口未能拉取');
    expect(text).toContain('截至 2026-05-12 10:00 Asia/Shanghai：本月尚未结束');
    expect(text).toContain('未评估 SLA 规则。');
    expect(textPart(message, 'text/html')).toContain('<strong>不完整</strong>');
  });

  it('names who got it and who was refused when the server refuses some recipients', async () => {
    const before = smtp.messages.length;
    const error = await failure(sendReport(options({ to: ['ops@example.com', 'nobody@example.com'] })));
    expect(error).toBeInstanceOf(EmailError);
    expect(error).toMatchObject({
      code: 'DELIVER_EMAIL',
      reason: 'recipients',
      retryable: false,
      accepted: ['ops@example.com'],
      rejected: ['nobody@example.com'],
    });
    expect((error as Error).message).toMatch(
      /refused 1 of 2 recipients \(nobody@example\.com: .*550.*\); the report was sent to ops@example\.com: check the refused addresses$/,
    );
    expect(smtp.messages).toHaveLength(before + 1);
    expect(smtp.messages.at(-1)?.to).toEqual(['ops@example.com']);
  });

  it('sends nothing when every recipient is refused', async () => {
    const before = smtp.messages.length;
    const error = await failure(sendReport(options({ to: ['nobody@example.com', 'nobody2@example.com'] })));
    expect(error).toMatchObject({ code: 'DELIVER_EMAIL', reason: 'recipients', accepted: [] });
    expect((error as Error).message).toContain('refused every recipient');
    expect((error as Error).message).toContain('nothing was sent');
    expect(smtp.messages).toHaveLength(before);
  });

  it('a refused login says what to check and never shows the password', async () => {
    const wrong = 'not-the-Secret-42';
    const error = await failure(sendReport(options({ smtpUrl: smtp.url(USER, wrong) })));
    expect(error).toMatchObject({ code: 'DELIVER_EMAIL', reason: 'auth' });
    expect((error as Error).message).toBe(
      `smtp://reports%40example.com:***@127.0.0.1:${smtp.port} refused the login (Invalid login: 535 Invalid username or password): check the user name and password in SMTP_URL`,
    );
    expect(printed(error)).not.toContain(wrong);
  });

  it('a refused connection is retryable, names the server, and masks the password', async () => {
    const port = await closedPort();
    const error = await failure(
      sendReport(options({ smtpUrl: `smtp://bob:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}` })),
    );
    expect(error).toBeInstanceOf(EmailError);
    expect(error).toMatchObject({
      code: 'DELIVER_EMAIL',
      reason: 'connect',
      retryable: true,
      server: `smtp://bob:***@127.0.0.1:${port}`,
    });
    expect((error as Error).message).toBe(
      `Cannot send the report: smtp://bob:***@127.0.0.1:${port} refused the connection: check the host and port in SMTP_URL and that the server is running`,
    );
    expect(printed(error)).not.toContain('hunter2');
  });

  it('an abort stops the send', async () => {
    const error = await failure(sendReport(options({ signal: AbortSignal.abort() })));
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ code: 'ABORTED' });
  });
});

describe('SMTP_URL', () => {
  it.each([
    [undefined, /^SMTP_URL is not set: to send e-mail, set it to smtp:\/\/user:password@/],
    ['', /^SMTP_URL is not set/],
    ['http://u:hunter2@mail.example.com', /^SMTP_URL must start with smtp:\/\/ or smtps:\/\/, not http:\/\//],
    ['mail.example.com:hunter2', /^SMTP_URL must start with smtp:\/\/ or smtps:\/\/: use /],
    ['smtp//u:hunter2@mail.example.com', /^SMTP_URL is not a valid URL \(32 characters, not shown\)/],
    ['smtp://u:hunter2@mail.example.com:99999', /^SMTP_URL is not a valid URL/],
    ['smtp://u:hunter2@/', /^SMTP_URL (is not a valid URL|names no host)/],
  ])('refuses %j with a ConfigError that does not echo it', async (value, message) => {
    const error = await failure(sendReport(options({ smtpUrl: value, env: {} })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).toMatch(message);
    expect(printed(error)).not.toContain('hunter2');
  });

  it('is parsed and masked for printing, defaults ports by scheme', () => {
    expect(parseSmtpUrl('smtps://me%40x.com:hunter2@Mail.Example.com')).toEqual({
      masked: 'smtps://me%40x.com:***@mail.example.com:465',
      host: 'mail.example.com',
      port: 465,
      secure: true,
      user: 'me@x.com',
    });
    expect(parseSmtpUrl('smtp://relay.internal:25').masked).toBe('smtp://relay.internal:25');
    expect(maskSmtpUrl('smtp://u:hunter2@mail.example.com/?tls.servername=x&pass=hunter2')).toBe(
      'smtp://u:***@mail.example.com:587',
    );
    expect(maskSmtpUrl('smtp://u:hunter2@bad host')).toBe('(unparseable SMTP_URL, not shown)');
    expect(maskSmtpUrl('hunter2:x')).toBe('(not an smtp:// URL, not shown)');
  });
});

describe('composing', () => {
  it('escapes log-derived text in the HTML body and keeps the subject on one line', async () => {
    const nasty = '<script>alert("x")</script> & {{x}} <img src=x onerror=alert(1)>';
    const model = reportModel({
      enterpriseId: '7122600\r\nBcc: evil@example.com',
      topFailures: [{ statusCode: '<b>500</b>', signature: nasty, count: 30, exampleId: 'id-1' }],
    });
    const sla = model.sla;
    if (!sla) throw new Error('the test model has SLA rules');
    model.sla = {
      ...sla,
      rules: sla.rules.map((r) => ({ ...r, scope: 'endpoint:https://x.example/"><svg onload=alert(1)>' })),
    };
    const mail = await composeReportEmail(options({ model }));
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain('7122600 Bcc: evil@example.com');
    expect(mail.html).not.toMatch(/<script|<img|<svg|<b>500/);
    expect(mail.html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; {{x}} &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;',
    );
    expect(mail.html).toContain('&lt;b&gt;500&lt;/b&gt;');
    // The text part is not HTML: the same text as it is.
    expect(mail.text).toContain(`  - [<b>500</b>] ${nasty}: 30`);
  });

  it('shows control characters of log-derived text as escapes, so no record fakes a line', async () => {
    const forged = 'timeout\n  - [200] all good: 99,999\r\n\u0007bell\ttab\u2028end';
    const model = reportModel({
      topFailures: [{ statusCode: '50\n0', signature: forged, count: 30, exampleId: 'id-1' }],
    });
    const mail = await composeReportEmail(options({ model }));
    const shown = '  - [50\\n0] timeout\\n  - [200] all good: 99,999\\r\\n\\x07bell\\ttab\\u2028end: 30';
    expect(mail.text).toContain(shown);
    expect(mail.text.split('\n').filter((line) => line.includes('all good'))).toEqual([shown]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no raw control character may remain
    expect(mail.text).not.toMatch(/[\u0007\u2028]|\t/);
    expect(mail.html).toContain('timeout\\n  - [200] all good: 99,999\\r\\n\\x07bell\\ttab\\u2028end');
  });

  it("formats figures with the PDF's own formatters", () => {
    expect(deliverFormat.formatMs).toBe(renderFormat.formatMs);
    expect(deliverFormat.NO_DATA).toBe(renderFormat.NO_DATA);
    for (const locale of ['en', 'zh-CN'] as const) {
      for (const value of [0.012345, -0.0049, 0, 1.5, null]) {
        for (const kind of ['rate', 'relative'] as const) {
          expect(deliverFormat.formatDelta(value, kind, locale)).toBe(
            renderFormat.formatDelta(value, kind, 'neutral', locale)?.text ?? renderFormat.NO_DATA,
          );
        }
      }
      expect(deliverFormat.formatRate(0.99575, locale)).toBe(renderFormat.formatPercent(0.99575, locale));
      expect(deliverFormat.formatCount(1234567, locale)).toBe(renderFormat.formatNumber(1234567, locale));
    }
  });

  it('checks recipients and the sender, and defaults the sender to this host', async () => {
    await expect(composeReportEmail(options({ to: [] }))).rejects.toThrow(
      /No e-mail recipients: pass --email-to/,
    );
    await expect(composeReportEmail(options({ to: ['bob'] }))).rejects.toThrow(
      'Invalid e-mail address "bob" in --email-to: use name@example.com or "Name <name@example.com>"',
    );
    await expect(
      composeReportEmail(options({ to: ['a@example.com, b@example.com'] })),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(composeReportEmail(options({ from: 'reports' }))).rejects.toThrow(/in --email-from/);
    expect((await composeReportEmail(options())).from).toBe('pushlog-report@ci-runner-7');
  });

  it('refuses to send without an attachment it was given', async () => {
    const error = await failure(composeReportEmail(options({ attachments: ['/nonexistent/push-logs.pdf'] })));
    expect(error).toMatchObject({ code: 'DELIVER_EMAIL', reason: 'attachment' });
    expect((error as Error).message).toBe(
      'Cannot attach /nonexistent/push-logs.pdf: no such file; render the report before delivering it',
    );
  });

  it('takes templates from templatesDir by name, and a misspelt field fails loudly', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'email'));
    await writeFile(join(dir, 'email', 'subject.hbs'), '{{month}} {{kpi.successRate.value}} {{sla.short}}');
    const mail = await composeReportEmail(options({ templatesDir: dir }));
    expect(mail.subject).toBe('2026-04 97.57% SLA FAIL');
    expect(mail.text).toContain('Headline figures');

    await writeFile(join(dir, 'email', 'body.hbs'), '{{kpi.sucessRate.value}}');
    const error = await failure(composeReportEmail(options({ templatesDir: dir })));
    expect(error).toMatchObject({ code: 'DELIVER_EMAIL', reason: 'template' });
    expect((error as Error).message).toMatch(/email\/body\.hbs failed: .*not defined.*: fix the template$/);
  });
});
