import { describe, expect, it } from 'vitest';
import {
  isHttpUrl,
  isSecretHeader,
  isSecretName,
  redactModel,
  redactText,
  redactUrl,
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
