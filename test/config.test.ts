import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConfigFile, readConfigFile, resolveRunConfig } from '../pipeline/config.js';
import { ConfigError } from '../pipeline/errors.js';

const NOW = new Date(Date.UTC(2026, 10, 24, 3));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pushlog-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problems(file: Record<string, unknown>, flags: Record<string, unknown>): string {
  try {
    resolveRunConfig(file, flags, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('run configuration: defaults < file < flags', () => {
  it('has sensible defaults', () => {
    const config = resolveRunConfig({}, { enterprise: '7122600' }, NOW);
    expect(config.enterprises).toEqual(['7122600']);
    expect(config.format).toEqual(['xlsx', 'pdf']);
    expect(config.locale).toBe('zh-CN');
    expect(config.redact).toBe(true);
    expect(config.parallel).toBe(1);
    expect(config.emailTo).toEqual([]);
    expect(config.extract).toHaveLength(1);
    expect(config.extract[0]?.resolvedMonth).toBe('2026-10');
    expect(config.extract[0]?.timeZone).toBe('Asia/Shanghai');
    expect(config.extract[0]?.qps).toBe(10);
  });

  it('takes a file, and flags win over it', () => {
    const config = resolveRunConfig(
      { enterprises: [7122600, '8000001'], qps: 20, locale: 'en', email: { to: ['a@x.io', 'b@y.io'] } },
      { qps: '5', format: 'xlsx' },
      NOW,
    );
    expect(config.enterprises).toEqual(['7122600', '8000001']);
    expect(config.extract.map((e) => e.enterprise)).toEqual(['7122600', '8000001']);
    expect(config.extract.every((e) => e.qps === 5)).toBe(true);
    expect(config.locale).toBe('en');
    expect(config.format).toEqual(['xlsx']);
    expect(config.emailTo).toEqual(['a@x.io', 'b@y.io']);
  });

  it('splits comma lists given as flags', () => {
    const config = resolveRunConfig(
      {},
      { enterprise: '1, 2,3', emailTo: 'a@x.io,b@y.io', format: 'pdf,xlsx' },
      NOW,
    );
    expect(config.enterprises).toEqual(['1', '2', '3']);
    expect(config.emailTo).toEqual(['a@x.io', 'b@y.io']);
    expect(config.format).toEqual(['pdf', 'xlsx']);
  });

  it('resolves paths in a file relative to the file', () => {
    const file = join(dir, 'sub', 'pushlog-report.config.yaml');
    const config = resolveRunConfig({ enterprise: '1', sla: 'sla.yaml', out: 'out' }, {}, NOW, file);
    expect(config.sla).toBe(join(dir, 'sub', 'sla.yaml'));
    expect(config.extract[0]?.out).toBe(join(dir, 'sub', 'out'));
  });

  it('finds the default config file in the working directory', async () => {
    expect(findConfigFile(undefined, dir)).toBeUndefined();
    await writeFile(join(dir, 'pushlog-report.config.yaml'), 'enterprise: 7122600\nlocale: en\n');
    const path = findConfigFile(undefined, dir);
    expect(path).toBe(join(dir, 'pushlog-report.config.yaml'));
    expect(readConfigFile(path)).toEqual({ enterprise: 7122600, locale: 'en' });
    expect(findConfigFile('other.json', dir)).toBe('other.json');
  });
});

describe('every problem reported together, naming the flag and the accepted form', () => {
  it('report and extract settings at once', () => {
    const message = problems(
      { colour: 'blue' },
      {
        enterprise: 'acme',
        format: 'docx',
        locale: 'fr',
        emailTo: 'not-mail',
        parallel: '0',
        qps: 'x',
        month: 'April',
      },
    );
    expect(message).toMatch(/--enterprise must be numeric enterprise ids/);
    expect(message).toMatch(/--format must be xlsx, pdf or xlsx,pdf/);
    expect(message).toMatch(/--locale must be zh-CN or en/);
    expect(message).toMatch(/--email-to must be e-mail addresses/);
    expect(message).toMatch(/--parallel must be an integer from 1 to 16/);
    expect(message).toMatch(/unknown setting "colour"/);
    expect(message).toMatch(/--month: .*YYYY-MM/);
  });

  it('a missing enterprise', () => {
    expect(problems({}, {})).toMatch(
      /^--enterprise is required: the call-center \(enterprise\) id, e.g. 7122600$/,
    );
  });
});
