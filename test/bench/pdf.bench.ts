/**
 * PDF benchmark: `npm run bench:pdf [-- --runs 3] [--locale zh-CN]` (not a test).
 *
 * The report is a full month: test/fixtures/pdf-summary.json (a generated April 2026, 30,000
 * records, every section filled: 29 types, 5 endpoints, 30 days, 20 top failures, deltas).
 *
 *   cold      a fresh Node process per run (nothing loaded): renderPdf with its own browser, from
 *             the call to the PDF on disk, and the part from browser launch to the PDF on disk;
 *             each child also reports its phases (templates + charts + HTML, launch, print, finish)
 *   warm      in this process, one browser kept open: renderPdf again and again (median)
 *   baseline  the same browser printing a one-line page (median): the floor of any print
 *
 * Prints pages, size, the times, the ratios warm ÷ baseline and cold ÷ (launch + baseline), and
 * exits 1 when the cold median misses its target (3.5 s on the 2-core machine).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Locale } from '../../pipeline/render/strings.js';
import type { ReportModel } from '../../pipeline/transform/index.js';

const TARGET_COLD_MS = 3500;
const SELF = fileURLToPath(import.meta.url);
const FIXTURE = fileURLToPath(new URL('../fixtures/pdf-summary.json', import.meta.url));

const line = (text = '') => process.stdout.write(`${text}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

interface ColdResult {
  totalMs: number;
  /** browser launch (started concurrently with the HTML) to the PDF on disk */
  launchToDiskMs: number;
  phases: {
    importMs: number;
    templatesMs: number;
    htmlMs: number;
    launchMs: number;
    printMs: number;
    finishMs: number;
  };
  pages: number;
  bytes: number;
}

/** One cold render in this (fresh) process, and its phases measured with the same building blocks. */
async function child(locale: Locale): Promise<void> {
  const t0 = performance.now();
  const [{ renderPdf, launchBrowser, openInertPage, pdfOptionsFor }, { renderHtml, loadCheckedTemplates }] =
    await Promise.all([
      import('../../pipeline/render/pdf/index.js'),
      import('../../pipeline/render/html.js'),
    ]);
  const importMs = performance.now() - t0;
  const model = JSON.parse(await readFile(FIXTURE, 'utf8')) as ReportModel;
  const dir = await mkdtemp(join(tmpdir(), 'pushlog-bench-pdf-'));
  try {
    await writeFile(join(dir, 'summary.json'), JSON.stringify(model));
    // The render as the stage runs it: its own browser, closed at the end.
    const start = performance.now();
    const artifact = await renderPdf(model, { dir, locale, redact: true });
    const totalMs = performance.now() - start;
    // The phases, once more in the same process (modules loaded, ECharts warm), measured apart.
    let t = performance.now();
    const templates = await loadCheckedTemplates();
    const templatesMs = performance.now() - t;
    t = performance.now();
    const report = await renderHtml(model, { locale, templates });
    const htmlMs = performance.now() - t;
    t = performance.now();
    const session = await launchBrowser();
    const launchMs = performance.now() - t;
    let printMs = 0;
    try {
      const page = await openInertPage(session.browser);
      t = performance.now();
      await page.setContent(report.html, { waitUntil: 'load' });
      await page.pdf(pdfOptionsFor(report));
      printMs = performance.now() - t;
      await page.close();
    } finally {
      await session.close();
    }
    const { finishPdf } = await import('../../pipeline/render/pdf/finish.js');
    const bytes = await readFile(artifact.path);
    t = performance.now();
    await finishPdf(bytes, {
      title: 't',
      subject: 's',
      language: locale,
      date: new Date(0),
      identity: 'x',
      producer: 'p',
    });
    const finishMs = performance.now() - t;
    const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
    const result: ColdResult = {
      totalMs,
      // launch runs alongside the HTML; from launch to disk is the total less what precedes launch
      launchToDiskMs: totalMs - templatesMs,
      phases: { importMs, templatesMs, htmlMs, launchMs, printMs, finishMs },
      pages: doc.numPages,
      bytes: artifact.bytes,
    };
    await doc.destroy();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild(locale: Locale): Promise<ColdResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', '--locale', locale], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ColdResult);
      else reject(new Error(`cold run exited ${code}: ${out}`));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      runs: { type: 'string', default: '3' },
      locale: { type: 'string', default: 'zh-CN' },
    },
  });
  const locale = values.locale as Locale;
  if (values.child) return child(locale);
  const runs = Math.max(1, Number(values.runs));

  line(`PDF benchmark: ${FIXTURE.replace(process.cwd(), '.')}, locale ${locale}, ${runs} runs each`);
  const cold: ColdResult[] = [];
  for (let i = 0; i < runs; i++) cold.push(await runChild(locale));

  // Warm: one browser, the report printed again and again; the baseline on the same browser.
  const { renderPdf, launchBrowser, openInertPage } = await import('../../pipeline/render/pdf/index.js');
  const model = JSON.parse(await readFile(FIXTURE, 'utf8')) as ReportModel;
  const dir = await mkdtemp(join(tmpdir(), 'pushlog-bench-pdf-'));
  const session = await launchBrowser();
  const warm: number[] = [];
  const baseline: number[] = [];
  try {
    await renderPdf(model, { dir, locale, redact: true }, { browser: session.browser }); // warms modules
    for (let i = 0; i < Math.max(runs, 5); i++) {
      let t = performance.now();
      await renderPdf(model, { dir, locale, redact: true }, { browser: session.browser });
      warm.push(performance.now() - t);
      const page = await openInertPage(session.browser);
      t = performance.now();
      await page.setContent('<p>One line.</p>', { waitUntil: 'load' });
      await page.pdf({ format: 'A4' });
      baseline.push(performance.now() - t);
      await page.close();
    }
  } finally {
    await session.close();
    await rm(dir, { recursive: true, force: true });
  }

  const phase = (key: keyof ColdResult['phases']) => median(cold.map((c) => c.phases[key]));
  const coldMs = median(cold.map((c) => c.totalMs));
  const launchToDisk = median(cold.map((c) => c.launchToDiskMs));
  const warmMs = median(warm);
  const baseMs = median(baseline);
  line();
  line(`pages            ${cold[0]?.pages}`);
  line(`size             ${((cold[0]?.bytes ?? 0) / 1024).toFixed(0)} KiB`);
  line(`cold (call→disk) ${seconds(coldMs)}   runs: ${cold.map((c) => seconds(c.totalMs)).join(', ')}`);
  line(`cold launch→disk ${seconds(launchToDisk)}`);
  line(
    `  phases (median, measured apart): import ${seconds(phase('importMs'))}, templates ${seconds(phase('templatesMs'))}, ` +
      `charts+HTML ${seconds(phase('htmlMs'))}, launch ${seconds(phase('launchMs'))}, ` +
      `setContent+page.pdf ${seconds(phase('printMs'))}, finish (pdf-lib) ${seconds(phase('finishMs'))}`,
  );
  line(`warm             ${seconds(warmMs)}   runs: ${warm.map(seconds).join(', ')}`);
  line(`baseline         ${seconds(baseMs)}   (one-line page, same browser)`);
  line(`ratio warm ÷ baseline                ${(warmMs / baseMs).toFixed(1)}×`);
  line(`ratio cold ÷ (launch + baseline)     ${(coldMs / (phase('launchMs') + baseMs)).toFixed(1)}×`);
  const { loadavg } = await import('node:os');
  line(
    `load average     ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (machine shared: times vary)`,
  );
  if (coldMs > TARGET_COLD_MS) {
    line(`cold ${seconds(coldMs)} misses the ${seconds(TARGET_COLD_MS)} target`);
    process.exitCode = 1;
  }
}

await main();
