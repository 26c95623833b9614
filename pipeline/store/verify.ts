/**
 * `pushlog-report verify`: a month's folder checked against its `manifest.json`: every listed
 * artifact re-hashed, and what is missing, changed, or present but unlisted reported.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestFile, isTemporaryArtifact } from './artifacts.js';
import {
  isSafeRelativePath,
  MANIFEST_FILE,
  type Manifest,
  type ManifestArtifact,
  RAW_ARTIFACT,
  readManifest,
} from './manifest.js';

export interface ChangedArtifact {
  path: string;
  expected: { sha256: string; bytes: number };
  /** sha256 is null when the size already differs (no need to read the file) or it is not a file */
  actual: { sha256: string | null; bytes: number };
}

/** What `verifyFolder` found. `ok` only when every listed artifact matches and nothing is extra. */
export interface VerifyResult {
  dir: string;
  ok: boolean;
  manifest: Manifest;
  /** artifacts whose sha256 and size match */
  matched: ManifestArtifact[];
  missing: ManifestArtifact[];
  changed: ChangedArtifact[];
  /** artifact-looking files the manifest does not list */
  extra: { path: string; bytes: number }[];
  /** inconsistencies of the manifest itself (an unsafe path, rawSha256 disagreeing) */
  problems: string[];
}

/**
 * Recomputes the sha256 and size of every artifact `manifest.json` lists and reports what is
 * missing, changed, or present but unlisted. Ignores the working files (staging.duckdb*,
 * landing/), hidden and temporary files. Throws MANIFEST_INVALID without a readable manifest.
 */
export async function verifyFolder(dir: string): Promise<VerifyResult> {
  const manifest = await readManifest(dir);
  const result: VerifyResult = {
    dir,
    ok: false,
    manifest,
    matched: [],
    missing: [],
    changed: [],
    extra: [],
    problems: [],
  };
  const listed = new Set<string>();
  for (const artifact of manifest.artifacts) {
    // A manifest is data from the folder, so it could be edited: never follow it outside the folder.
    if (!isSafeRelativePath(artifact.path)) {
      result.problems.push(`${MANIFEST_FILE} lists an unsafe path ${JSON.stringify(artifact.path)}`);
      continue;
    }
    listed.add(artifact.path);
    const path = join(dir, artifact.path);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (info === null) {
      result.missing.push(artifact);
      continue;
    }
    const expected = { sha256: artifact.sha256, bytes: artifact.bytes };
    if (!info.isFile() || info.size !== artifact.bytes) {
      result.changed.push({ path: artifact.path, expected, actual: { sha256: null, bytes: info.size } });
      continue;
    }
    const actual = await digestFile(path);
    if (actual.sha256 === artifact.sha256 && actual.bytes === artifact.bytes) result.matched.push(artifact);
    else result.changed.push({ path: artifact.path, expected, actual });
  }
  const raw = manifest.artifacts.find((a) => a.path === RAW_ARTIFACT);
  if ((raw?.sha256 ?? null) !== manifest.rawSha256) {
    result.problems.push(`${MANIFEST_FILE}: rawSha256 does not match the ${RAW_ARTIFACT} entry of artifacts`);
  }
  for (const file of await listArtifactFiles(dir)) {
    if (!listed.has(file.path)) result.extra.push(file);
  }
  result.ok =
    result.missing.length === 0 &&
    result.changed.length === 0 &&
    result.extra.length === 0 &&
    result.problems.length === 0;
  return result;
}

/** One line per finding, then a verdict line: what the `verify` command prints. */
export function describeVerifyResult(result: VerifyResult): string[] {
  const lines: string[] = [];
  for (const a of result.changed) {
    const now = a.actual.sha256 === null ? 'a different size' : `sha256 ${a.actual.sha256}`;
    lines.push(
      `CHANGED  ${a.path}: manifest has sha256 ${a.expected.sha256} (${a.expected.bytes} bytes), file has ${now} (${a.actual.bytes} bytes)`,
    );
  }
  for (const a of result.missing) lines.push(`MISSING  ${a.path} (sha256 ${a.sha256}, ${a.bytes} bytes)`);
  for (const a of result.extra) lines.push(`EXTRA    ${a.path} (${a.bytes} bytes, not in ${MANIFEST_FILE})`);
  for (const p of result.problems) lines.push(`INVALID  ${p}`);
  const total = result.manifest.artifacts.length;
  if (result.ok) {
    lines.push(`OK: ${total} artifacts in ${result.dir} match ${MANIFEST_FILE}`);
  } else {
    const counts = [
      [result.changed.length, 'changed'],
      [result.missing.length, 'missing'],
      [result.extra.length, 'extra'],
      [result.problems.length, 'manifest problems'],
    ]
      .filter(([n]) => (n as number) > 0)
      .map(([n, what]) => `${n} ${what}`)
      .join(', ');
    lines.push(
      `FAILED: ${result.dir} does not match ${MANIFEST_FILE} (${counts}; ${result.matched.length} of ${total} match)`,
    );
  }
  return lines;
}

/** Working files of a month's folder that are never artifacts: the store, its WAL and spill, landing. */
export function isWorkingFile(relativePath: string): boolean {
  const [top = '', ...rest] = relativePath.split('/');
  if (rest.length === 0 && top === MANIFEST_FILE) return true;
  if (top.startsWith('staging.duckdb') || top === 'landing') return true;
  // Hidden names cover the temporary names artifacts are written under.
  return relativePath.split('/').some((part) => part.startsWith('.') || isTemporaryArtifact(part));
}

/** The artifact-looking files of a folder (recursively), working files excluded, sorted by path. */
export async function listArtifactFiles(dir: string): Promise<{ path: string; bytes: number }[]> {
  const found: { path: string; bytes: number }[] = [];
  const walk = async (sub: string): Promise<void> => {
    const entries = await readdir(join(dir, sub), { withFileTypes: true });
    for (const entry of entries) {
      const path = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (isWorkingFile(path)) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push({ path, bytes: (await stat(join(dir, path))).size });
    }
  };
  await walk('');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
