/**
 * The artifact folder: every artifact is written under a temporary name beside its final one and
 * renamed into place, so the folder never holds a half-written file that looks complete, and a
 * re-run replaces an artifact atomically (rename(2) within one directory).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temporary name an artifact is written under; `isTemporaryArtifact` recognises it. */
export function temporaryPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export function isTemporaryArtifact(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/.test(name);
}

/**
 * Runs `write` against a temporary path, then renames it to `path`. When `write` throws (or the
 * process dies), the temporary file is removed (or left with a dot-name no reader mistakes for
 * the artifact).
 */
export async function writeArtifact<T>(
  path: string,
  write: (temporaryPath: string) => Promise<T>,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPathOf(path);
  try {
    const result = await write(temporary);
    await rename(temporary, path);
    return result;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes bytes or text to `path` atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeArtifact(path, (temporary) => writeFile(temporary, data));
}

/** The sha256 of a file, hex, streamed (artifacts can be hundreds of MB). */
export async function sha256File(path: string): Promise<string> {
  return (await digestFile(path)).sha256;
}

/** The sha256 (hex) and size of a file in one streamed read, so both describe the same bytes. */
export async function digestFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
