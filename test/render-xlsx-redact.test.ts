import { describe, expect, it } from 'vitest';
import {
  isHttpUrl,
  isSecretHeader,
  isSecretName,
  mayHoldSecret,
  redactModel,
  redactText,
  redactUrl,
  scanText,
} from '../pipeline/render/redact.js';
import type { ReportModel } from '../pipeline/transform/index.js';

describe('redactUrl', () => {
  it('redacts secret query parameters, case-insensitively, and keeps the rest byte for byte', () => {
    expect(redactUrl('https://h.example/cb?a=1&token=abc&Access_Token=x%2Fy&b=2')).toBe(
      'https://h.example/cb?a=1&token=[REDACTED]&Access_Token=[REDACTED]&b=2',
    );
    for (const key of [
      'key',
      'apikey',
      'API_KEY',
      'secret',
      'client_secret',
      'password',
      'pwd',
      'sign',
      'signature',
      'auth',
      'credential',
      'sessionid',
      'JSESSIONID',
      'X-Amz-Signature',
    ]) {
      expect(redactUrl(`http://h/p?${key}=s3cr3t&n=1`)).toBe(`http://h/p?${key}=[REDACTED]&n=1`);
    }
  });

  it('leaves harmless parameters, empty values and URLs without a query alone', () => {
    for (const url of [
      'https://h/p?keyword=a&design=b&monkey=c&statusCode=200',
      'https://h/p?token=&x=1',
      'https://h/p',
      'https://h/p?',
      'not a url ?token',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('redacts the fragment, percent-encoded names, and the userinfo password', () => {
    expect(redactUrl('https://h/cb#access_token=abc&state=1')).toBe(
      'https://h/cb#access_token=[REDACTED]&state=1',
    );
    expect(redactUrl('https://h/cb?access%5Ftoken=abc')).toBe('https://h/cb?access%5Ftoken=[REDACTED]');
    expect(redactUrl('https://bob:hunter2@h.example:8443/x?y=1')).toBe(
      'https://bob:[REDACTED]@h.example:8443/x?y=1',
    );
  });

  it('redacts the password of a URL without a scheme, and a password holding an @', () => {
    expect(redactUrl('bob:hunter2@hook.example.com/cb')).toBe('bob:[REDACTED]@hook.example.com/cb');
    expect(redactUrl(' bob:hunter2@hook.example.com')).toBe(' bob:[REDACTED]@hook.example.com');
    expect(redactUrl('//bob:hunter2@hook.example.com/cb?sign=s')).toBe(
      '//bob:[REDACTED]@hook.example.com/cb?sign=[REDACTED]',
    );
    // The userinfo ends at the last @ of the authority, as URL parsers read it.
    expect(redactUrl('https://bob:p@ss@h.example/x')).toBe('https://bob:[REDACTED]@h.example/x');
    expect(redactUrl('bob:p@ss@h.example/x')).toBe('bob:[REDACTED]@h.example/x');
    for (const url of [
      'hook.example.com:8080/cb',
      'https://h:8080/a@b',
      'bob@hook.example.com/cb',
      'h/p?x=a:b@c',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});

describe('credentials after a secret name', () => {
  it('redact the scheme and the token wherever the name stands, not only at the start of a line', () => {
    const cases: [string, string][] = [
      ['x; Authorization: Bearer eyJSECRET', 'x; Authorization: [REDACTED]'],
      ['["Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln"]', '["Authorization: [REDACTED]"]'],
      [
        'curl -H "Authorization: Bearer eyJ.a-b_c" https://h/x',
        'curl -H "Authorization: [REDACTED]" https://h/x',
      ],
      [
        "curl -H 'Proxy-Authorization: Basic dXNlcjpwYXNz==' -d x",
        "curl -H 'Proxy-Authorization: [REDACTED]' -d x",
      ],
      ['Authorization=Bearer eyJSECRET&x=1', 'Authorization=[REDACTED]&x=1'],
      ['a; authorization: token ghp_SECRET, b', 'a; authorization: [REDACTED], b'],
      ['auth=Token t0kSECRET', 'auth=[REDACTED]'],
      [
        'x; Authorization: Digest username="bob", realm="r", nonce="n1", response="6629fae4SECRET"; next',
        'x; Authorization: [REDACTED]; next',
      ],
      // Inside JSON text, the auth-params' quotes are escaped.
      [
        '{"h":"x; Authorization: Digest username=\\"bob\\", response=\\"abcSECRET\\"","n":1}',
        '{"h":"x; Authorization: [REDACTED]","n":1}',
      ],
    ];
    for (const [text, redacted] of cases) {
      expect(redactText(text), text).toBe(redacted);
      expect(redactText(text)).not.toMatch(/SECRET|eyJ|dXNl|bob/);
    }
    expect(JSON.parse(redactText(JSON.stringify(['Authorization: Bearer eyJSECRET'])))).toEqual([
      'Authorization: [REDACTED]',
    ]);
    // A scheme word with nothing after it is still the value.
    expect(redactText('x; Authorization: Basic')).toBe('x; Authorization: [REDACTED]');
  });
});

describe('passwords in text', () => {
  it('redacts userinfo in URLs of any scheme and without one', () => {
    expect(redactText('see smtp://bob:s3cret@mail.example.com:587 for mail')).toBe(
      'see smtp://bob:[REDACTED]@mail.example.com:587 for mail',
    );
    expect(redactText('redis://:pw@cache:6379/0 down')).toBe('redis://:[REDACTED]@cache:6379/0 down');
    expect(redactText('connect to bob:hunter2@hook.example.com/cb failed')).toBe(
      'connect to bob:[REDACTED]@hook.example.com/cb failed',
    );
    expect(JSON.parse(redactText('{"url":"bob:hunter2@hook.example.com/cb"}'))).toEqual({
      url: 'bob:[REDACTED]@hook.example.com/cb',
    });
    for (const text of ['mail ops@example.com', 'mailto:ops@example.com', 'at Stage.java:123) by: x@y']) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe('the pre-check', () => {
  it('lets through every secret-looking name and an @ or %, and skips plain text', () => {
    for (const name of [
      'Token',
      'PASSWORD',
      'pwd',
      'apiKey',
      'sig',
      'SID',
      'jwt',
      'otp',
      'ticket',
      'Cookie',
      'Bearer',
      'Digest',
      'smtpUrl',
      'passphrase',
    ]) {
      expect(mayHoldSecret(`{"${name}":"v"}`), name).toBe(true);
    }
    expect(mayHoldSecret('u:p@h')).toBe(true);
    expect(mayHoldSecret('%70wd=1')).toBe(true);
    expect(
      mayHoldSecret('{"timestamp":"2026-04-09T10:00:00Z","status":500,"error":"Internal Server Error"}'),
    ).toBe(false);
  });

  it('never skips a text the full scan would change', () => {
    // Random texts from fragments that make secrets, near-misses and the syntax around them.
    const fragments = [
      'token',
      'Token',
      'pass',
      'passwd',
      'pwd',
      'key',
      'keyword',
      'sign',
      'design',
      'sid',
      'side',
      'auth',
      'Bearer',
      'Basic',
      'session',
      'cookie',
      'jwt',
      'otp',
      'ticket',
      'secret',
      'status',
      'error',
      'x',
      'abc',
      '123',
      '%70wd',
      '%5F',
      'api',
      '_',
      '-',
      '.',
      '=',
      ':',
      ': ',
      '&',
      ';',
      '?',
      '#',
      '/',
      '//',
      'https://',
      'smtp://',
      '@',
      '"',
      "'",
      '\\"',
      '{',
      '}',
      '[',
      ']',
      ',',
      ' ',
      '\n',
      '\r\n',
      '\t',
      'h.example',
      'bob',
      '[REDACTED]',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let skipped = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const parts = 1 + Math.floor(random() * 12);
      for (let p = 0; p < parts; p++) text += fragments[Math.floor(random() * fragments.length)];
      const full = scanText(text);
      expect(redactText(text), JSON.stringify(text)).toBe(full);
      if (!mayHoldSecret(text)) skipped += 1;
    }
    expect(skipped).toBeGreaterThan(1_000);
  });
});

describe('redactText', () => {
  it('redacts secret headers in the Headers JSON text', () => {
    const headers = JSON.stringify({
      'Content-Type': 'application/json',
      Authorization: 'Bearer eyJhbGciOi.x.y',
      'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
      Cookie: 'a=1; b=2',
      'Set-Cookie': 'sid=9; Path=/',
      'X-Api-Key': 'k-123',
      'X-Custom-Token': 't',
      'X-Request-Id': 'r-1',
    });
    const out = JSON.parse(redactText(headers)) as Record<string, string>;
    expect(out).toEqual({
      'Content-Type': 'application/json',
      Authorization: '[REDACTED]',
      'Proxy-Authorization': '[REDACTED]',
      Cookie: '[REDACTED]',
      'Set-Cookie': '[REDACTED]',
      'X-Api-Key': '[REDACTED]',
      'X-Custom-Token': '[REDACTED]',
      'X-Request-Id': 'r-1',
    });
  });

  it('redacts numbers, escaped JSON inside JSON, raw header lines and URLs in text', () => {
    expect(redactText('{"pwd": 123456, "n": 1}')).toBe('{"pwd": "[REDACTED]", "n": 1}');
    const nested = JSON.stringify({ body: JSON.stringify({ token: 'abc"def', ok: true }) });
    const out = redactText(nested);
    expect(out).not.toContain('abc');
    expect(JSON.parse(JSON.parse(out).body)).toEqual({ token: '[REDACTED]', ok: true });
    expect(redactText('Host: h\r\nAuthorization: Bearer a b c\r\nAccept: */*')).toBe(
      'Host: h\r\nAuthorization: [REDACTED]\r\nAccept: */*',
    );
    expect(redactText('see https://h/p?sign=abc&x=1 and a=1&password=p')).toBe(
      'see https://h/p?sign=[REDACTED]&x=1 and a=1&password=[REDACTED]',
    );
    expect(redactText('send Bearer abc.def to it')).toBe('send Bearer [REDACTED] to it');
  });

  it('keeps text without secrets unchanged', () => {
    const text = '{"agentId":"1001","status":"idle","statusCode":200,"keyword":"a"}';
    expect(redactText(text)).toBe(text);
    expect(redactText('')).toBe('');
  });
});

describe('names and URLs', () => {
  it('classifies names', () => {
    expect(isSecretName('accessToken')).toBe(true);
    expect(isSecretName('publicKey')).toBe(true);
    expect(isSecretName('keyword')).toBe(false);
    expect(isSecretHeader('X-Forward-Keyring')).toBe(true);
    expect(isSecretHeader('Accept')).toBe(false);
  });

  it('accepts only absolute http(s) URLs as hyperlink targets', () => {
    expect(isHttpUrl('https://h.example/p?q=1')).toBe(true);
    expect(isHttpUrl('HTTP://h/p')).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'https://',
      'https://h/ p',
      'https://h/\u0001',
      '=HYPERLINK("x")',
      'ftp://h/',
    ]) {
      expect(isHttpUrl(bad)).toBe(false);
    }
  });
});

describe('redactText on nested values', () => {
  it('keeps a secret-named object and scans inside it', () => {
    const text = '{"auth": {"user": "bob", "password": "p"}, "n": 1}';
    expect(JSON.parse(redactText(text))).toEqual({ auth: { user: 'bob', password: '[REDACTED]' }, n: 1 });
  });
});

describe('redactModel', () => {
  it('redacts the untrusted text a model carries and leaves the original alone', () => {
    const model = {
      byEndpoint: [{ endpoint: 'https://u:pw@h/p?token=t' }],
      filters: { url: 'https://h/p?sign=s' },
      topFailures: [{ signature: 'denied: password=hunter2' }],
      dataQuality: { typeStrPairs: [{ typeStr: 'x?token=t' }, { typeStr: null }] },
      sla: { rules: [{ scope: 'endpoint:https://h/p?key=k' }, { scope: 'overall' }] },
      notes: ['see https://h/p?access_token=a'],
    } as unknown as ReportModel;
    const copy = redactModel(model);
    expect(JSON.stringify(copy)).not.toMatch(/pw@|=t\b|=s"|hunter2|key=k|=a"/);
    expect(copy.byEndpoint[0]?.endpoint).toBe('https://u:[REDACTED]@h/p?token=[REDACTED]');
    expect(copy.sla?.rules.map((r) => r.scope)).toEqual(['endpoint:https://h/p?key=[REDACTED]', 'overall']);
    expect(model.topFailures[0]?.signature).toBe('denied: password=hunter2');
  });
});
