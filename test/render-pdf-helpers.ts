/**
 * Helpers for the PDF suites: months built the real way (simulator over HTTP → extractMonth →
 * transformMonth), the text and metadata of a PDF read back with pdfjs-dist, and the Chromium
 * processes this test process has started.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { extractMonth } from '../pipeline/extract/index.js';
import type { SimulatorOptions } from '../pipeline/simulator/index.js';
import { type ReportModel, transformMonth } from '../pipeline/transform/index.js';
import { AFTER_APRIL, ENTERPRISE, extractOptions, startProxy, UNAVAILABLE_BODY } from './helpers/extract.js';
import { startTestSimulator } from './helpers/simulator.js';
import { extractMonths, HAND_FIXTURE } from './transform-helpers.js';

export { ENTERPRISE };
export const MONTH = '2026-04';

/**
 * March and April of a generated enterprise (so April has month-over-month deltas); returns
 * April's model, whose folder is `<outDir>/7122600/2026-04`.
 */
export async function generatedApril(outDir: string, sim: SimulatorOptions): Promise<ReportModel> {
  await extractMonths(outDir, sim, ['2026-03', MONTH]);
  await transformMonth({ outDir, enterpriseId: ENTERPRISE, month: '2026-03' });
  return transformMonth({ outDir, enterpriseId: ENTERPRISE, month: MONTH });
}

/** April from an .ndjson of wire records (test/fixtures), served by the simulator. */
export async function aprilFromFile(outDir: string, data: string): Promise<ReportModel> {
  await extractMonths(outDir, { data }, [MONTH]);
  return transformMonth({ outDir, enterpriseId: ENTERPRISE, month: MONTH });
}

/** April of the hand fixture with the April 2 window failed: a PARTIAL report (--allow-partial). */
export async function partialApril(outDir: string): Promise<ReportModel> {
  const sim = await startTestSimulator({ data: HAND_FIXTURE, now: () => AFTER_APRIL.getTime() });
  const proxy = await startProxy(sim.url, (request) =>
    request.startTime.startsWith('2026-04-02') ? { status: 503, body: UNAVAILABLE_BODY } : 'forward',
  );
  try {
    await extractMonth(extractOptions(proxy.url, outDir)).catch((error: { code?: string }) => {
      if (error.code !== 'EXTRACT_INCOMPLETE') throw error;
    });
  } finally {
    await proxy.close();
    await sim.close();
  }
  return transformMonth({ outDir, enterpriseId: ENTERPRISE, month: MONTH, allowPartial: true });
}

export interface PdfContent {
  pages: string[];
  /** every page's text joined with newlines */
  text: string;
  info: Record<string, unknown>;
  outline: string[];
  marked: boolean;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjs: Promise<PdfJs> | undefined;

/** The text of each page (items joined, line ends kept), the info dictionary and the outline titles. */
export async function readPdf(pathOrBytes: string | Uint8Array): Promise<PdfContent> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  const { getDocument } = await pdfjs;
  const data = typeof pathOrBytes === 'string' ? new Uint8Array(await readFile(pathOrBytes)) : pathOrBytes;
  const doc = await getDocument({ data: new Uint8Array(data), verbosity: 0 }).promise;
  try {
    const pages: string[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      pages.push(
        content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''),
      );
    }
    const titles: string[] = [];
    const walk = (items: { title: string; items: unknown[] }[] | null): void => {
      for (const item of items ?? []) {
        titles.push(item.title);
        walk(item.items as { title: string; items: unknown[] }[]);
      }
    };
    walk(await doc.getOutline());
    const { info } = await doc.getMetadata();
    const marked = Boolean((await doc.getMarkInfo())?.Marked);
    return { pages, text: pages.join('\n'), info: info as Record<string, unknown>, outline: titles, marked };
  } finally {
    await doc.destroy();
  }
}

/** Text without any white space: wrapped lines in a PDF break strings at arbitrary points. */
export function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Pids of this process's children whose command is Chromium. */
export async function chromiumChildren(): Promise<number[]> {
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)]);
    return stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, comm]) => comm !== undefined && /chrom/i.test(comm))
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when there is no child at all
  }
}

/** Whether a process with this pid still exists (a zombie counts as gone). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}
