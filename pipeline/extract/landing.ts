import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Landed pages: each page body exactly as the API answered it, one file per page, until DuckDB
 * has loaded it. Written under a temporary name and renamed, so a killed run never leaves a
 * half-written page that looks whole.
 */
export class Landing {
  readonly root: string;
  /** window folders made by this run: made once, not once per page */
  readonly #made = new Set<string>();

  constructor(root: string) {
    this.root = root;
  }

  windowDir(windowId: string): string {
    return join(this.root, windowId);
  }

  /** `<pageSeq>-<start>.json`: the page sequence number orders copies by fetch time. */
  async write(windowId: string, pageSeq: number, start: number, body: Buffer): Promise<string> {
    const dir = this.windowDir(windowId);
    if (!this.#made.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.#made.add(dir);
    }
    const file = join(dir, `${String(pageSeq).padStart(10, '0')}-${start}.json`);
    await writeFile(`${file}.tmp`, body);
    await rename(`${file}.tmp`, file);
    return file;
  }

  async removeWindow(windowId: string): Promise<void> {
    this.#made.delete(this.windowDir(windowId));
    await rm(this.windowDir(windowId), { recursive: true, force: true });
  }

  async removeAll(): Promise<void> {
    this.#made.clear();
    await rm(this.root, { recursive: true, force: true });
  }
}
