// The PDF renderer end to end: a generated April (with March for the deltas) built by the real
// pipeline, printed by Chromium, read back with pdfjs. One browser is shared by the file; the
// tests that need their own (lifecycle, errors) launch it through renderPdf and check it is gone.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNumber, formatPercent } from '../pipeline/render/format.js';
import {
  type BrowserSession,
  launchBrowser,
  pdfDateOf,
  renderPdf,
  shareBrowser,
} from '../pipeline/render/pdf/index.js';
import type { RenderContext, RenderEvent } from '../pipeline/render/types.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';
import {
  chromiumChildren,
  ENTERPRISE,
  generatedApril,
  isAlive,
  MONTH,
  partialApril,
  readPdf,
  squash,
} from './render-pdf-helpers.js';

let root: string;
let model: ReportModel;
let dir: string;
let session: BrowserSession;

beforeAll(async () => {
  root = await makeTempDir('pushlog-pdf-');
  [model, session] = await Promise.all([
    generatedApril(join(root, 'gen'), { seed: 5, volume: 4000 }),
    launchBrowser(),
  ]);
  dir = join(root, 'gen', ENTERPRISE, MONTH);
});

afterAll(async () => {
  await session?.close();
  await removeTempDir(root);
});

function context(overrides: Partial<RenderContext> = {}): RenderContext {
  return { dir, locale: 'zh-CN', redact: true, ...overrides };
}

/** A copy of the month's folder contents in a fresh folder, so renders do not overwrite each other. */
async function freshDir(name: string): Promise<string> {
  const target = join(root, name);
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'summary.json'), await readFile(join(dir, 'summary.json')));
  return target;
}

describe('a month rendered in Chinese', () => {
  it('shows the KPIs, the Chinese type names, the page X of Y footer, an outline and pinned dates', async () => {
    const events: RenderEvent[] = [];
    const target = await freshDir('zh');
    const artifact = await renderPdf(model, context({ dir: target, onEvent: (e) => events.push(e) }), {
      browser: session.browser,
    });
    expect(artifact.path).toBe(join(target, `push-logs-${ENTERPRISE}-${MONTH}.pdf`));
    const bytes = await readFile(artifact.path);
    expect(artifact.bytes).toBe(bytes.length);
    expect(artifact.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(events.map((e) => e.type)).toEqual([
      'render-started',
      'render-progress',
      'render-progress',
      'render-progress',
      'render-finished',
    ]);
    // No temporary file is left beside the artifact.
    expect((await readdir(target)).sort()).toEqual(['push-logs-7122600-2026-04.pdf', 'summary.json']);

    const pdf = await readPdf(artifact.path);
    const text = squash(pdf.text);
    expect(pdf.pages.length).toBeGreaterThan(5);
    // KPIs as the cover shows them, from the model
    expect(text).toContain(squash(formatNumber(model.totals.pushes, 'zh-CN')));
    expect(text).toContain(squash(formatPercent(model.totals.successRate, 'zh-CN')));
    expect(text).toContain(squash(formatPercent(model.retries.eventualSuccessRate, 'zh-CN')));
    expect(text).toContain('推送投递报告');
    // every type's Chinese name, as real ideographs (not the radicals Chromium's text layer has)
    for (const row of model.byType) expect(text).toContain(squash(row.name));
    expect(pdf.text).not.toMatch(/[\u2e80-\u2fdf]/u);
    expect(text).toContain(`${model.window.start.replace(' ', '')}–`); // an en dash, not U+2012
    // the footer of every page
    for (const [i, page] of pdf.pages.entries()) {
      expect(squash(page)).toContain(`第${i + 1}页，共${pdf.pages.length}页`);
      expect(squash(page)).toContain(`企业${ENTERPRISE}·${MONTH}`);
    }
    // bookmarks from the headings, a tagged PDF, the title, dates pinned to the end of April
    expect(pdf.outline).toEqual(
      expect.arrayContaining(['SLA 结论', '按推送类型', '按日', '主要失败原因', '关于本报告']),
    );
    expect(pdf.marked).toBe(true);
    expect(pdf.info.Title).toBe(`推送投递报告 · ${ENTERPRISE} · ${MONTH}`);
    expect(pdf.info.Producer).toMatch(/^pushlog-report /);
    expect(pdfDateOf(model).toISOString()).toBe('2026-04-30T15:59:59.999Z');
    expect(pdf.info.CreationDate).toBe('D:20260430155959Z');
    expect(pdf.info.ModDate).toBe(pdf.info.CreationDate);
  });

  it('is byte-identical when printed twice from the same summary.json', async () => {
    const a = await renderPdf(model, context({ dir: await freshDir('twice-a') }), {
      browser: session.browser,
    });
    const b = await renderPdf(model, context({ dir: await freshDir('twice-b') }), {
      browser: session.browser,
    });
    expect(b.sha256).toBe(a.sha256);
    expect(Buffer.compare(await readFile(a.path), await readFile(b.path))).toBe(0);
  });
});

describe('a month rendered in English', () => {
  it('has English labels, type names and footer', async () => {
    const artifact = await renderPdf(model, context({ dir: await freshDir('en'), locale: 'en' }), {
      browser: session.browser,
    });
    const pdf = await readPdf(artifact.path);
    const text = squash(pdf.text);
    expect(text).toContain('Pushdeliveryreport');
    expect(text).toContain(squash(formatNumber(model.totals.pushes, 'en')));
    for (const row of model.byType) expect(text).toContain(squash(row.nameEn));
    for (const [i, page] of pdf.pages.entries()) {
      expect(squash(page)).toContain(`Page${i + 1}of${pdf.pages.length}`);
    }
    expect(pdf.outline).toEqual(expect.arrayContaining(['By push type', 'Definitions', 'About this report']));
  });
});

describe('a PARTIAL month', () => {
  it('carries the PARTIAL mark on every page and lists the missing window', async () => {
    const out = join(root, 'partial');
    const partial = await partialApril(out);
    expect(partial.complete).toBe(false);
    const artifact = await renderPdf(partial, context({ dir: join(out, ENTERPRISE, MONTH), locale: 'en' }), {
      browser: session.browser,
    });
    const pdf = await readPdf(artifact.path);
    for (const page of pdf.pages) expect(page).toContain('PARTIAL');
    expect(squash(pdf.pages[0] ?? '')).toContain('extractionwindowsaremissing');
    expect(pdf.text).toContain('2026-04-02');
    // the window's state in the report's language
    expect(squash(pdf.pages[0] ?? '')).toContain('2026-04-02Failed2026-04-02');
  });
});

describe('template overrides', () => {
  it('replaces a partial by file name, adds a new one, and keeps the built-ins for the rest', async () => {
    const templates = join(root, 'custom-templates');
    await mkdir(join(templates, 'partials'), { recursive: true });
    await writeFile(
      join(templates, 'partials', 'cover.hbs'),
      '<h1>Custom cover for {{report.enterpriseId}}</h1>{{> extra-note}}',
    );
    await writeFile(join(templates, 'extra-note.hbs'), '<p>Prepared for the audit committee</p>');
    const artifact = await renderPdf(
      model,
      context({ dir: await freshDir('custom'), templatesDir: templates }),
      {
        browser: session.browser,
      },
    );
    const pdf = await readPdf(artifact.path);
    expect(pdf.pages[0]).toContain(`Custom cover for ${ENTERPRISE}`);
    expect(pdf.pages[0]).toContain('Prepared for the audit committee');
    expect(pdf.text).not.toContain('Webhook 推送投递情况');
    expect(pdf.outline).toEqual(expect.arrayContaining(['SLA 结论', '关于本报告']));
  });
});

describe('the browser', () => {
  const otherChromium = async () => (await chromiumChildren()).filter((pid) => pid !== session.pid);

  /** Polls this process's Chromium children (other than the shared one) until stopped. */
  function watchChromium(onFound?: (pid: number) => void): () => number[] {
    const seen = new Set<number>();
    let running = true;
    void (async () => {
      while (running) {
        for (const pid of await otherChromium()) {
          if (!seen.has(pid)) onFound?.(pid);
          seen.add(pid);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return () => {
      running = false;
      return [...seen];
    };
  }

  it('is launched for a render and gone after it succeeds', async () => {
    expect(await otherChromium()).toEqual([]);
    const profilesBefore = (await readdir(tmpdir())).filter((n) => n.startsWith('pushlog-chromium-'));
    const stop = watchChromium();
    const artifact = await renderPdf(model, context({ dir: await freshDir('own-browser') }));
    const seen = stop();
    expect(existsSync(artifact.path)).toBe(true);
    // Chromium's own helper processes are its children, not ours: one browser per render.
    expect(seen.length).toBe(1);
    expect(await isAlive(seen[0] as number)).toBe(false);
    expect(await otherChromium()).toEqual([]);
    const profilesAfter = (await readdir(tmpdir())).filter((n) => n.startsWith('pushlog-chromium-'));
    expect(profilesAfter.filter((n) => !profilesBefore.includes(n))).toEqual([]);
  });

  it('is one for a run of several months: launched by the first PDF, reused, replaced when it dies, gone after close', async () => {
    expect(await otherChromium()).toEqual([]);
    const stop = watchChromium();
    const shared = shareBrowser();
    expect(shared.launches).toBe(0);
    // two months at once (as `run --parallel 2`), then a third
    const [a, b] = await Promise.all([
      renderPdf(model, context({ dir: await freshDir('shared-a') }), { shared }),
      renderPdf(model, context({ dir: await freshDir('shared-b') }), { shared }),
    ]);
    const c = await renderPdf(model, context({ dir: await freshDir('shared-c') }), { shared });
    expect(shared.launches).toBe(1);
    const [first] = await otherChromium();
    expect(first).toBeDefined();
    // a browser that dies (as a renderer crash takes it down in one process) is replaced
    // (at once: the next render may start before the browser's disconnection is handled)
    process.kill(first as number, 'SIGKILL');
    const d = await renderPdf(model, context({ dir: await freshDir('shared-d') }), { shared });
    expect(shared.launches).toBe(2);
    await shared.close();
    await expect(
      renderPdf(model, context({ dir: await freshDir('shared-e') }), { shared }),
    ).rejects.toMatchObject({ code: 'RENDER_PDF', message: expect.stringContaining('closed') });
    const seen = stop();
    expect(seen).toHaveLength(2);
    for (const pid of seen) expect(await isAlive(pid)).toBe(false);
    expect(await otherChromium()).toEqual([]);
    // whichever tab each printed on, the same bytes as a render with a browser of its own
    const own = await renderPdf(model, context({ dir: await freshDir('shared-own') }));
    expect(new Set([a.sha256, b.sha256, c.sha256, d.sha256, own.sha256]).size).toBe(1);
  });

  it('is gone after a render that times out', async () => {
    const failed = renderPdf(model, context({ dir: await freshDir('timeout') }), { renderTimeoutMs: 1 });
    await expect(failed).rejects.toMatchObject({
      code: 'RENDER_PDF',
      message: expect.stringMatching(/within/),
    });
    expect(await otherChromium()).toEqual([]);
    expect(existsSync(join(root, 'timeout', `push-logs-${ENTERPRISE}-${MONTH}.pdf`))).toBe(false);
  });

  it('is gone after a render aborted while Chromium runs', async () => {
    const controller = new AbortController();
    // Abort (as the CLI does on SIGINT) as soon as the render's browser is up.
    const stop = watchChromium(() => controller.abort(new Error('SIGINT')));
    const failed = renderPdf(model, context({ dir: await freshDir('aborted'), signal: controller.signal }));
    await expect(failed).rejects.toMatchObject({ code: 'ABORTED' });
    const seen = stop();
    expect(seen.length).toBe(1);
    expect(await isAlive(seen[0] as number)).toBe(false);
    expect(await otherChromium()).toEqual([]);
    expect(await readdir(join(root, 'aborted'))).toEqual(['summary.json']);
  });

  it('is missing: a clear error that says how to install it', async () => {
    const failed = renderPdf(model, context({ dir: await freshDir('missing') }), {
      executablePath: '/nonexistent/chromium',
    });
    await expect(failed).rejects.toMatchObject({
      code: 'RENDER_PDF',
      message: expect.stringContaining('apt-get install chromium fonts-noto-cjk'),
    });
  });

  it('is not launched when a template is broken', async () => {
    const templates = join(root, 'broken-templates');
    await mkdir(templates, { recursive: true });
    await writeFile(join(templates, 'sla.hbs'), '{{#if report.sla}}unclosed');
    const failed = renderPdf(model, context({ dir: await freshDir('broken'), templatesDir: templates }));
    await expect(failed).rejects.toMatchObject({
      code: 'RENDER_TEMPLATE',
      message: expect.stringContaining(join(templates, 'sla.hbs')),
    });
    expect(await otherChromium()).toEqual([]);
  });
});
