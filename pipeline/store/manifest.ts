/**
 * `manifest.json`: what a run was asked to do (arguments without secrets), what the extraction
 * achieved (every window's state and row count, record counts), and the sha256 and size of every
 * artifact it wrote, so `verify` (verify.ts) can show later that none was changed, lost or
 * slipped in.
 *
 * The manifest is written last and atomically: a folder whose manifest matches its artifacts holds
 * a finished run. Window states and counts are plain input, so this module never opens DuckDB.
 */
import { readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PipelineError } from '../errors.js';
import { isSecretField, REDACTED, redactText } from '../render/redact.js';
import { TOOL_VERSION } from '../version.js';
import { digestFile, writeFileAtomic } from './artifacts.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1 as const;
/** The evidence archive; its sha256 is repeated at the top of the manifest. */
export const RAW_ARTIFACT = 'raw.parquet';

export type ManifestWindowState = 'pending' | 'done' | 'split' | 'failed';
const WINDOW_STATES: readonly ManifestWindowState[] = ['done', 'split', 'pending', 'failed'];

/** A window as the staging store reports it (`StagingStore.windows()` returns a superset). */
export interface ManifestWindowInput {
  id: string;
  parentId: string | null;
  kind: 'day' | 'hour';
  start: string;
  end: string;
  state: ManifestWindowState;
  rows: number;
  quarantined: number;
}

export type ManifestWindow = ManifestWindowInput;

/**
 * Record counts, as the staging store defines them (`StagingStore.finalize()`): `fetched` is every
 * valid copy loaded (= inReport + duplicates); `quarantined` records were invalid and set aside.
 */
export interface ManifestCounts {
  fetched: number;
  duplicates: number;
  quarantined: number;
  inReport: number;
}

export interface ManifestArtifact {
  /** relative to the month's folder, `/`-separated */
  path: string;
  sha256: string;
  bytes: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The contents of `manifest.json` (version 1). */
export interface Manifest {
  manifestVersion: typeof MANIFEST_VERSION;
  tool: { name: 'pushlog-report'; version: string };
  enterpriseId: string;
  month: string;
  /** the run's arguments, secrets replaced by `[REDACTED]` (see redactArguments) */
  arguments: { [key: string]: JsonValue };
  startedAt: string;
  finishedAt: string;
  /** true when there is at least one window and none is pending or failed */
  complete: boolean;
  windowStates: Record<ManifestWindowState, number>;
  windows: ManifestWindow[];
  counts: ManifestCounts;
  /** sha256 of raw.parquet; null when the run wrote none */
  rawSha256: string | null;
  /** sorted by path */
  artifacts: ManifestArtifact[];
}

export interface BuildManifestInput {
  /** the month's folder (`reports/<id>/<month>`) */
  dir: string;
  enterpriseId: string;
  month: string;
  /** resolved options of the run; redacted here, so the whole config may be passed */
  arguments: Record<string, unknown>;
  windows: readonly ManifestWindowInput[];
  counts: ManifestCounts;
  /** the files the run wrote, absolute or relative to `dir` (a RenderedArtifact fits too) */
  artifacts: readonly (string | { path: string })[];
  startedAt: Date | string;
  /** default: now */
  finishedAt?: Date | string;
  /** default: this package's version */
  toolVersion?: string;
}

/** Hashes the artifacts and assembles the manifest (nothing written). */
export async function buildManifest(input: BuildManifestInput): Promise<Manifest> {
  const artifacts: ManifestArtifact[] = [];
  const seen = new Set<string>();
  for (const entry of input.artifacts) {
    const given = typeof entry === 'string' ? entry : entry.path;
    const path = relativeArtifactPath(input.dir, given);
    if (seen.has(path)) continue;
    seen.add(path);
    let digest: { sha256: string; bytes: number };
    try {
      digest = await digestFile(join(input.dir, path));
    } catch (error) {
      throw new PipelineError(
        'STORE_FAILED',
        `Cannot hash artifact ${join(input.dir, path)} for ${MANIFEST_FILE}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    artifacts.push({ path, ...digest });
  }
  artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const windowStates = Object.fromEntries(WINDOW_STATES.map((s) => [s, 0])) as Record<
    ManifestWindowState,
    number
  >;
  const windows = input.windows.map((w): ManifestWindow => {
    windowStates[w.state] += 1;
    // Pick the fields: StoredWindow carries more (error texts, request counts) than the manifest vouches for.
    return {
      id: w.id,
      parentId: w.parentId,
      kind: w.kind,
      start: w.start,
      end: w.end,
      state: w.state,
      rows: w.rows,
      quarantined: w.quarantined,
    };
  });
  for (const [name, value] of Object.entries(input.counts)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new PipelineError('INTERNAL', `Manifest count ${name} must be a whole number ≥ 0, got ${value}`);
    }
  }
  return {
    manifestVersion: MANIFEST_VERSION,
    tool: { name: 'pushlog-report', version: input.toolVersion ?? TOOL_VERSION },
    enterpriseId: input.enterpriseId,
    month: input.month,
    arguments: redactArguments(input.arguments),
    startedAt: isoOf(input.startedAt),
    finishedAt: isoOf(input.finishedAt ?? new Date()),
    complete: windows.length > 0 && windowStates.pending === 0 && windowStates.failed === 0,
    windowStates,
    windows,
    counts: {
      fetched: input.counts.fetched,
      duplicates: input.counts.duplicates,
      quarantined: input.counts.quarantined,
      inReport: input.counts.inReport,
    },
    rawSha256: artifacts.find((a) => a.path === RAW_ARTIFACT)?.sha256 ?? null,
    artifacts,
  };
}

/** Writes `<dir>/manifest.json` atomically; returns its path. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<string> {
  const path = join(dir, MANIFEST_FILE);
  try {
    await writeFileAtomic(path, `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    throw new PipelineError('STORE_FAILED', `Cannot write ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return path;
}

/**
 * Removes `<dir>/manifest.json`. A run calls this before it replaces any artifact, so a run killed
 * half-way leaves a folder that `verify` reports as unverified rather than one an old manifest
 * seems to vouch for.
 */
export async function removeManifest(dir: string): Promise<void> {
  await rm(join(dir, MANIFEST_FILE), { force: true });
}

/** Reads and checks `<dir>/manifest.json`; MANIFEST_INVALID when it is missing or malformed. */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PipelineError(
      'MANIFEST_INVALID',
      missing
        ? `No ${MANIFEST_FILE} in ${dir}: pass a report folder (reports/<id>/<YYYY-MM>) written by pushlog-report run`
        : `Cannot read ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PipelineError('MANIFEST_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const problem = manifestProblem(value);
  if (problem)
    throw new PipelineError('MANIFEST_INVALID', `${path} is not a pushlog-report manifest: ${problem}`);
  return value as Manifest;
}

function manifestProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const m = value as Record<string, unknown>;
  if (m.manifestVersion !== MANIFEST_VERSION) {
    return typeof m.manifestVersion === 'number' && m.manifestVersion > MANIFEST_VERSION
      ? `manifestVersion ${m.manifestVersion} is newer than this tool reads (${MANIFEST_VERSION}): upgrade pushlog-report`
      : `manifestVersion must be ${MANIFEST_VERSION}`;
  }
  if (!Array.isArray(m.artifacts)) return 'artifacts must be a list';
  for (const [i, a] of m.artifacts.entries()) {
    const item = a as Partial<ManifestArtifact> | null;
    if (typeof item?.path !== 'string') return `artifacts[${i}].path must be a string`;
    if (typeof item.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(item.sha256))
      return `artifacts[${i}].sha256 must be 64 hex digits`;
    if (!Number.isSafeInteger(item.bytes) || (item.bytes as number) < 0)
      return `artifacts[${i}].bytes must be a whole number ≥ 0`;
  }
  if (m.rawSha256 !== null && typeof m.rawSha256 !== 'string') return 'rawSha256 must be a string or null';
  return null;
}

/**
 * A JSON-safe copy of `args` with secrets replaced by `[REDACTED]`, by the same rules as every
 * other artifact (pipeline/render/redact.ts): the whole value under a secret-looking key, and in
 * any string the password of a URL (with or without a scheme), secret query parameters, secret
 * `name=value` pairs and credentials. Functions and undefined are dropped.
 */
export function redactArguments(args: Record<string, unknown>): { [key: string]: JsonValue } {
  return redactValue(args, 0) as { [key: string]: JsonValue };
}

function redactValue(value: unknown, depth: number): JsonValue | undefined {
  if (depth > 20) return REDACTED;
  if (value === null) return null;
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof URL) return redactText(value.href);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1) ?? null);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, v] of Object.entries(value)) {
      if (isSecretField(key)) {
        if (v !== undefined) out[key] = REDACTED;
        continue;
      }
      const redacted = redactValue(v, depth + 1);
      if (redacted !== undefined) out[key] = redacted;
    }
    return out;
  }
  return undefined;
}

function relativeArtifactPath(dir: string, path: string): string {
  const absolute = isAbsolute(path) ? path : resolve(dir, path);
  const rel = relative(resolve(dir), absolute).split(sep).join('/');
  if (!isSafeRelativePath(rel)) {
    throw new PipelineError('INTERNAL', `Artifact ${path} is not inside the report folder ${dir}`);
  }
  if (rel === MANIFEST_FILE) throw new PipelineError('INTERNAL', `${MANIFEST_FILE} cannot list itself`);
  return rel;
}

/** A relative path that stays inside the folder: no absolute, drive, backslash, empty, `.` or `..` part. */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[a-z]:/i.test(path)) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function isoOf(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new PipelineError('INTERNAL', `Not a time: ${String(value)}`);
  return date.toISOString();
}
