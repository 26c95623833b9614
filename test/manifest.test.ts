// manifest.json (issue 6): what it records, secrets kept out of it, and `verify` finding a changed
// byte, a changed size, a missing or an unlisted artifact while ignoring working and temporary files.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../pipeline/errors.js';
import { redactUrl } from '../pipeline/render/redact.js';
import { temporaryPathOf } from '../pipeline/store/artifacts.js';
import {
  type BuildManifestInput,
  buildManifest,
  MANIFEST_FILE,
  type ManifestWindowInput,
  readManifest,
  redactArguments,
  removeManifest,
  writeManifest,
} from '../pipeline/store/manifest.js';
import type { StoredWindow } from '../pipeline/store/staging.js';
import { describeVerifyResult, verifyFolder } from '../pipeline/store/verify.js';
import { TOOL_VERSION } from '../pipeline/version.js';
import { sha256, tempDir } from './deliver-helpers.js';

const XLSX = 'push-logs-7122600-2026-04.xlsx';
const PDF = 'push-logs-7122600-2026-04.pdf';

const WINDOWS: StoredWindow[] = [
  window('2026-04-01', 'done', 700, 1),
  window('2026-04-02', 'split', 0, 0),
  { ...window('2026-04-02T00', 'done', 534, 1), kind: 'hour', parentId: '2026-04-02' },
];

function window(id: string, state: StoredWindow['state'], rows: number, quarantined: number): StoredWindow {
  return {
    id,
    parentId: null,
    kind: 'day',
    start: `${id.slice(0, 10)} 00:00:00`,
    end: `${id.slice(0, 10)} 23:59:59`,
    startMs: 0,
    endMs: 0,
    state,
    pages: 3,
    rows,
    quarantined,
    requests: 4,
    error: state === 'failed' ? 'Throttling.User at https://x.example/?token=abc' : null,
  };
}

/** A month folder with four artifacts and the working files a run leaves beside them. */
async function monthFolder(): Promise<{ dir: string; files: Record<string, Buffer> }> {
  const dir = await tempDir('pushlog-manifest-');
  const files: Record<string, Buffer> = {
    'summary.json': Buffer.from('{"schemaVersion":1}\n'),
    'raw.parquet': Buffer.from('PAR1 pretend parquet PAR1'),
    [XLSX]: Buffer.from('PK\u0003\u0004 pretend workbook'),
    [PDF]: Buffer.from('%PDF-1.7 pretend pdf'),
  };
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  await writeFile(join(dir, 'staging.duckdb'), 'db');
  await writeFile(join(dir, 'staging.duckdb.wal'), 'wal');
  await mkdir(join(dir, 'landing', '2026-04-01'), { recursive: true });
  await writeFile(join(dir, 'landing', '2026-04-01', 'page-1.json'), '{}');
  return { dir, files };
}

function input(dir: string, overrides: Partial<BuildManifestInput> = {}): BuildManifestInput {
  return {
    dir,
    enterpriseId: '7122600',
    month: '2026-04',
    arguments: { enterprise: ['7122600'], month: '2026-04', format: ['xlsx', 'pdf'] },
    windows: WINDOWS,
    counts: { fetched: 1240, duplicates: 6, quarantined: 2, inReport: 1234 },
    artifacts: ['summary.json', 'raw.parquet', join(dir, XLSX), { path: join(dir, PDF) }],
    startedAt: new Date('2026-05-01T01:00:00Z'),
    finishedAt: '2026-05-01T01:02:03Z',
    ...overrides,
  };
}

async function writtenFolder() {
  const folder = await monthFolder();
  const manifest = await buildManifest(input(folder.dir));
  await writeManifest(folder.dir, manifest);
  return { ...folder, manifest };
}

describe('buildManifest and writeManifest', () => {
  it('records the tool, arguments, windows, counts, artifacts and raw.parquet sha256', async () => {
    const { dir, files, manifest } = await writtenFolder();
    expect(manifest).toMatchObject({
      manifestVersion: 1,
      tool: { name: 'pushlog-report', version: TOOL_VERSION },
      enterpriseId: '7122600',
      month: '2026-04',
      arguments: { enterprise: ['7122600'], month: '2026-04', format: ['xlsx', 'pdf'] },
      startedAt: '2026-05-01T01:00:00.000Z',
      finishedAt: '2026-05-01T01:02:03.000Z',
      complete: true,
      windowStates: { done: 2, split: 1, pending: 0, failed: 0 },
      counts: { fetched: 1240, duplicates: 6, quarantined: 2, inReport: 1234 },
      rawSha256: sha256(files['raw.parquet'] as Buffer),
    });
    expect(manifest.windows[2]).toEqual({
      id: '2026-04-02T00',
      parentId: '2026-04-02',
      kind: 'hour',
      start: '2026-04-02 00:00:00',
      end: '2026-04-02 23:59:59',
      state: 'done',
      rows: 534,
      quarantined: 1,
    });
    // Sorted by path, relative, with the bytes' own sha256 and size.
    expect(manifest.artifacts).toEqual(
      Object.keys(files)
        .sort()
        .map((path) => ({
          path,
          sha256: sha256(files[path] as Buffer),
          bytes: (files[path] as Buffer).length,
        })),
    );
    expect(await readManifest(dir)).toEqual(manifest);
    expect(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'))).toEqual(manifest);
    // Written under a temporary name and renamed: nothing of it is left behind.
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('is incomplete when a window is pending or failed, or there are none', async () => {
    const { dir } = await monthFolder();
    const failed: ManifestWindowInput[] = [...WINDOWS, window('2026-04-03', 'failed', 0, 0)];
    const m = await buildManifest(input(dir, { windows: failed }));
    expect(m.complete).toBe(false);
    expect(m.windowStates.failed).toBe(1);
    // The manifest carries no error texts (they can quote URLs with tokens).
    expect(JSON.stringify(m)).not.toContain('token');
    expect((await buildManifest(input(dir, { windows: [] }))).complete).toBe(false);
  });

  it('keeps secrets out of the arguments', () => {
    const args = redactArguments({
      endpoint: 'https://user:hunter2@dyvmsapi.example.com/?AccessKeyId=LTAIabc&Action=x',
      accessKeyId: 'LTAIabc',
      accessKeySecret: 'hunter2',
      credentials: { id: 'a', secret: 'b' },
      smtpUrl: 'smtp://u:pw@mail.example.com',
      email: { to: ['ops@example.com'], from: 'r@example.com' },
      note: 'see smtp://bob:s3cret@mail.example.com:587 for mail',
      qps: 40,
      when: new Date('2026-05-01T00:00:00Z'),
      skip: undefined,
      fn: () => 1,
    });
    expect(args).toEqual({
      endpoint: 'https://user:[REDACTED]@dyvmsapi.example.com/?AccessKeyId=[REDACTED]&Action=x',
      accessKeyId: '[REDACTED]',
      accessKeySecret: '[REDACTED]',
      credentials: '[REDACTED]',
      smtpUrl: '[REDACTED]',
      email: { to: ['ops@example.com'], from: 'r@example.com' },
      note: 'see smtp://bob:[REDACTED]@mail.example.com:587 for mail',
      qps: 40,
      when: '2026-05-01T00:00:00.000Z',
    });
    expect(JSON.stringify(args)).not.toMatch(/hunter2|s3cret|LTAIabc|:pw@/);
  });

  it('redacts the arguments by the rules of every other artifact (redact.ts), with one mask', () => {
    // --url as the PDF and the workbook show it: all four values are secrets there.
    const url = 'https://h/cb?sign=abc&pwd=p1&session=s1&jwt=j1';
    const args = redactArguments({
      url,
      filters: { url: 'bob:hunter2@hook.example.com/cb' },
      note: 'x; Authorization: Bearer eyJSECRET',
      sid: 's-1',
      apiKey: 'k-1',
      passphrase: 'pp',
      'X-Api-Key': 'k-2',
      keyword: 'kept',
      signature: 'v3',
    });
    expect(args.url).toBe(redactUrl(url));
    expect(args).toEqual({
      url: 'https://h/cb?sign=[REDACTED]&pwd=[REDACTED]&session=[REDACTED]&jwt=[REDACTED]',
      filters: { url: 'bob:[REDACTED]@hook.example.com/cb' },
      note: 'x; Authorization: [REDACTED]',
      sid: '[REDACTED]',
      apiKey: '[REDACTED]',
      passphrase: '[REDACTED]',
      'X-Api-Key': '[REDACTED]',
      keyword: 'kept',
      signature: '[REDACTED]',
    });
    expect(JSON.stringify(args)).not.toMatch(/abc|p1|s1|j1|hunter2|eyJ|s-1|k-1|k-2|"pp"|\*\*\*/);
  });

  it('refuses an artifact outside the folder, and names a missing one', async () => {
    const { dir } = await monthFolder();
    await expect(buildManifest(input(dir, { artifacts: ['../elsewhere.pdf'] }))).rejects.toThrow(
      /not inside the report folder/,
    );
    const missing = buildManifest(input(dir, { artifacts: ['gone.pdf'] }));
    await expect(missing).rejects.toBeInstanceOf(PipelineError);
    await expect(missing).rejects.toMatchObject({
      code: 'STORE_FAILED',
      message: expect.stringContaining('gone.pdf'),
    });
  });

  it('removeManifest leaves a folder verify refuses as unverified', async () => {
    const { dir } = await writtenFolder();
    await removeManifest(dir);
    await removeManifest(dir);
    expect(existsSync(join(dir, MANIFEST_FILE))).toBe(false);
    await expect(verifyFolder(dir)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringContaining('No manifest.json'),
    });
  });
});

describe('verifyFolder', () => {
  it('passes a folder as written, ignoring the store, landing, hidden and temporary files', async () => {
    const { dir } = await writtenFolder();
    await writeFile(temporaryPathOf(join(dir, XLSX)), 'half-written');
    await writeFile(join(dir, '.DS_Store'), 'x');
    await mkdir(join(dir, 'staging.duckdb.tmp'));
    await writeFile(join(dir, 'staging.duckdb.tmp', 'spill.bin'), 'x');
    const result = await verifyFolder(dir);
    expect(result).toMatchObject({ ok: true, missing: [], changed: [], extra: [], problems: [] });
    expect(result.matched.map((a) => a.path)).toEqual([
      'push-logs-7122600-2026-04.pdf',
      XLSX,
      'raw.parquet',
      'summary.json',
    ]);
    expect(describeVerifyResult(result)).toEqual([`OK: 4 artifacts in ${dir} match manifest.json`]);
  });

  it('reports one changed byte with both sha256s', async () => {
    const { dir, files } = await writtenFolder();
    const tampered = Buffer.from(files[PDF] as Buffer);
    tampered[5] = (tampered[5] as number) ^ 0x01;
    await writeFile(join(dir, PDF), tampered);
    const result = await verifyFolder(dir);
    expect(result.ok).toBe(false);
    expect(result.changed).toEqual([
      {
        path: PDF,
        expected: { sha256: sha256(files[PDF] as Buffer), bytes: tampered.length },
        actual: { sha256: sha256(tampered), bytes: tampered.length },
      },
    ]);
    expect(result.matched).toHaveLength(3);
    const lines = describeVerifyResult(result);
    expect(lines[0]).toMatch(
      new RegExp(
        `^CHANGED  ${PDF.replaceAll('.', '\\.')}: manifest has sha256 ${sha256(files[PDF] as Buffer)}`,
      ),
    );
    expect(lines.at(-1)).toBe(`FAILED: ${dir} does not match manifest.json (1 changed; 3 of 4 match)`);
  });

  it('reports a changed size without reading the file, a missing and an extra artifact', async () => {
    const { dir, files } = await writtenFolder();
    await writeFile(join(dir, 'summary.json'), '{"schemaVersion":1,"forged":true}\n');
    await rm(join(dir, XLSX));
    await writeFile(join(dir, 'push-logs-7122600-2026-04-v2.pdf'), 'slipped in');
    await mkdir(join(dir, 'extra'));
    await writeFile(join(dir, 'extra', 'notes.txt'), 'hi');
    const result = await verifyFolder(dir);
    expect(result.ok).toBe(false);
    expect(result.changed).toEqual([
      {
        path: 'summary.json',
        expected: {
          sha256: sha256(files['summary.json'] as Buffer),
          bytes: (files['summary.json'] as Buffer).length,
        },
        actual: { sha256: null, bytes: 34 },
      },
    ]);
    expect(result.missing.map((a) => a.path)).toEqual([XLSX]);
    expect(result.extra).toEqual([
      { path: 'extra/notes.txt', bytes: 2 },
      { path: 'push-logs-7122600-2026-04-v2.pdf', bytes: 10 },
    ]);
    const lines = describeVerifyResult(result);
    expect(lines).toContain(
      `MISSING  ${XLSX} (sha256 ${sha256(files[XLSX] as Buffer)}, ${(files[XLSX] as Buffer).length} bytes)`,
    );
    expect(lines).toContain('EXTRA    extra/notes.txt (2 bytes, not in manifest.json)');
    expect(lines.at(-1)).toMatch(/\(1 changed, 1 missing, 2 extra; 2 of 4 match\)$/);
  });

  it('never follows a path out of the folder, and checks rawSha256 against its entry', async () => {
    const { dir, manifest } = await writtenFolder();
    const outside = join(dir, '..', `outside-${Date.now()}.txt`);
    await writeFile(outside, 'secret');
    try {
      const forged = {
        ...manifest,
        rawSha256: 'f'.repeat(64),
        artifacts: [
          ...manifest.artifacts,
          { path: `../${outside.split('/').at(-1)}`, sha256: sha256('secret'), bytes: 6 },
        ],
      };
      await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(forged));
      const result = await verifyFolder(dir);
      expect(result.ok).toBe(false);
      expect(result.matched).toHaveLength(4);
      expect(result.problems).toEqual([
        expect.stringMatching(/^manifest\.json lists an unsafe path "\.\.\/outside-/),
        'manifest.json: rawSha256 does not match the raw.parquet entry of artifacts',
      ]);
    } finally {
      await rm(outside, { force: true });
    }
  });

  it('refuses a manifest that is not JSON, not ours, or from a newer tool', async () => {
    const { dir } = await writtenFolder();
    await writeFile(join(dir, MANIFEST_FILE), '{"manifestVersion":1,');
    await expect(verifyFolder(dir)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringContaining('not valid JSON'),
    });
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify({ manifestVersion: 2, artifacts: [] }));
    await expect(verifyFolder(dir)).rejects.toThrow(/manifestVersion 2 is newer .*upgrade pushlog-report/);
    await writeFile(
      join(dir, MANIFEST_FILE),
      JSON.stringify({ manifestVersion: 1, artifacts: [{ path: 'a', sha256: 'xyz', bytes: 1 }] }),
    );
    await expect(verifyFolder(dir)).rejects.toThrow(/artifacts\[0\]\.sha256 must be 64 hex digits/);
  });
});
