// The PDF's engine without a browser: templates → HTML (escaping, redaction, helpers), template
// overrides and export, and the repair of Chromium's CJK text layer. Model:
// test/fixtures/pdf-summary.json (a generated April written once by the pipeline).
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatDateTime,
  formatDelta,
  formatMs,
  formatNumber,
  formatPercent,
} from '../pipeline/render/format.js';
import { visibleText } from '../pipeline/render/handlebars-helpers.js';
import { loadCheckedTemplates, renderHtml } from '../pipeline/render/html.js';
import { ideographOf, repairToUnicodeCMap } from '../pipeline/render/pdf/to-unicode.js';
import { BUILTIN_TEMPLATES_DIR } from '../pipeline/render/strings.js';
import { exportTemplates, loadTemplates } from '../pipeline/render/templates.js';
import type { ReportModel } from '../pipeline/transform/index.js';
import { makeTempDir, removeTempDir } from './helpers/extract.js';

const MODEL = JSON.parse(
  readFileSync(new URL('./fixtures/pdf-summary.json', import.meta.url), 'utf8'),
) as ReportModel;

let root: string;
beforeAll(async () => {
  root = await makeTempDir('pushlog-pdf-templates-');
});
afterAll(() => removeTempDir(root));

const HOSTILE = {
  endpoint: 'https://evil.example.com/"><script>alert(1)</script><img src="http://127.0.0.1:9/x">',
  signature: '<a href="javascript:alert(1)">x</a><div style="background:url(http://127.0.0.1:9/c)">',
  exampleId: '<img src=x onerror=alert(1)>',
  typeStr: '<style>body{background:url(http://127.0.0.1:9/s)}</style>',
  note: '{{constructor.constructor "alert(1)"}} <iframe src="http://127.0.0.1:9/f">',
};

function hostileModel(): ReportModel {
  const model = structuredClone(MODEL);
  (model.byEndpoint[0] as { endpoint: string }).endpoint = HOSTILE.endpoint;
  (model.topFailures[0] as { signature: string }).signature = `${HOSTILE.signature} token=SECRETVALUE`;
  (model.topFailures[0] as { exampleId: string }).exampleId = HOSTILE.exampleId;
  model.dataQuality.typeStrPairs.push({ type: 9, typeStr: HOSTILE.typeStr, count: 1, expected: false });
  model.notes = [HOSTILE.note];
  model.filters = { url: 'https://crm.example.com/cb?access_token=SECRETVALUE' };
  return model;
}

const htmlEscape = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#x27;')
    .replaceAll('`', '&#x60;')
    .replaceAll('=', '&#x3D;');

describe('the built-in templates', () => {
  it('never print data unescaped (no triple braces, no {{& …}})', async () => {
    const set = await loadTemplates();
    for (const file of [set.main, set.header, set.footer, ...set.partials.values()]) {
      expect(file.source, file.name).not.toMatch(/\{\{\{|\{\{~?\s*&/);
    }
  });

  it('render a self-contained page: inline CSS and SVG, a CSP that allows nothing external', async () => {
    const { html, headerTemplate, footerTemplate, title } = await renderHtml(MODEL, { locale: 'zh-CN' });
    expect(title).toBe('推送投递报告 · 7122600 · 2026-04');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
    expect(html).not.toMatch(/<script|<link|<img|src="http|href="http|url\(http/i);
    expect(html.match(/<svg /g)?.length).toBe(4);
    expect(footerTemplate).toContain('<span class="pageNumber"></span>');
    expect(footerTemplate).toContain('<span class="totalPages"></span>');
    expect(headerTemplate).toContain('7122600');
    // the CSS arrives intact in <style> (which does not decode entities)
    expect(html).toMatch(/font-family:\s+"Noto Sans CJK SC"/);
  });
});

describe('log-derived text', () => {
  it('is escaped wherever it appears, and secrets are redacted', async () => {
    const { html, data } = await renderHtml(hostileModel(), { locale: 'en' });
    for (const text of [HOSTILE.endpoint, HOSTILE.signature, HOSTILE.exampleId, HOSTILE.typeStr]) {
      expect(html).not.toContain(text);
      expect(html).toContain(htmlEscape(text));
    }
    expect(html).toContain(htmlEscape(HOSTILE.note)); // not evaluated as a template
    expect(html).not.toMatch(/<script|<img|<iframe|<a href|<style>body/i);
    expect(html).not.toContain('SECRETVALUE');
    expect(html).toContain('[REDACTED]');
    expect(data.redacted).toBe(true);
  });

  it('is shown as received with redaction off', async () => {
    const { html } = await renderHtml(hostileModel(), { locale: 'en', redact: false });
    expect(html).toContain('SECRETVALUE');
    expect(html).not.toMatch(/<script|<img/i);
  });

  it('shows control characters as escapes', () => {
    expect(visibleText('a\r\nb\tc\u0007d\u2028')).toBe('a\\r\\nb\\tc\\x07d\\u2028');
    expect(visibleText(null)).toBe('—');
  });
});

describe('helpers', () => {
  it('format numbers, rates, latencies, instants and deltas per locale', () => {
    expect(formatNumber(28798, 'en')).toBe('28,798');
    expect(formatNumber(null, 'en')).toBe('—');
    expect(formatPercent(0.9599333, 'zh-CN')).toBe('95.99%');
    expect(formatPercent(1, 'en')).toBe('100.00%');
    expect(formatMs(4264.08, 'en')).toBe('4,264 ms');
    expect(formatMs(4.5154, 'zh-CN', '毫秒')).toBe('4.5 毫秒');
    expect(formatMs(163, 'en')).toBe('163 ms');
    expect(formatDateTime(1777564799999, 'Asia/Shanghai')).toBe('2026-04-30 23:59:59');
    expect(formatDateTime('2026-06-02T03:04:05.000Z', 'Asia/Shanghai')).toBe('2026-06-02 11:04:05');
    expect(formatDelta(-0.0033, 'rate', 'up-good', 'en')).toEqual({
      text: '−0.33 pp',
      arrow: '▼',
      tone: 'bad',
    });
    expect(formatDelta(0.0898, 'relative', 'up-bad', 'en')).toEqual({
      text: '+8.98%',
      arrow: '▲',
      tone: 'bad',
    });
    expect(formatDelta(-0.1, 'relative', 'up-bad', 'en')?.tone).toBe('good');
    expect(formatDelta(0, 'relative', 'neutral', 'en')).toEqual({ text: '±0.00%', arrow: '=', tone: 'flat' });
    expect(formatDelta(null, 'rate', 'up-good', 'en')).toBeNull();
  });
});

describe('--templates DIR', () => {
  it('overrides templates and partials by file name, at the top level or in partials/', async () => {
    const dir = join(root, 'override');
    await mkdir(join(dir, 'partials'), { recursive: true });
    await writeFile(join(dir, 'daily.hbs'), '<h1>My daily {{report.month}}</h1>');
    await writeFile(join(dir, 'partials', 'about.hbs'), '<h1>My about</h1>{{> signature}}');
    await writeFile(join(dir, 'signature.hbs'), '<p>Signed: {{t "complete"}}</p>');
    await writeFile(join(dir, 'report.css'), 'body { color: rebeccapurple; }');
    const set = await loadTemplates(dir);
    expect(set.partials.get('daily')?.overridden).toBe(true);
    expect(set.partials.get('cover')?.overridden).toBe(false);
    expect(set.css.overridden).toBe(true);
    const { html } = await renderHtml(MODEL, { locale: 'en', templatesDir: dir });
    expect(html).toContain('<h1>My daily 2026-04</h1>');
    expect(html).toContain('<h1>My about</h1><p>Signed: Complete</p>');
    expect(html).toContain('rebeccapurple');
    expect(html).toContain('By push type'); // built-in partials still there
  });

  it('reports a broken or missing template by its file, and a missing folder as a config error', async () => {
    const dir = join(root, 'broken');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'cover.hbs'), '{{#each report.byType}}');
    await expect(renderHtml(MODEL, { locale: 'en', templatesDir: dir })).rejects.toMatchObject({
      code: 'RENDER_TEMPLATE',
      message: expect.stringContaining(join(dir, 'cover.hbs')),
    });
    await writeFile(join(dir, 'cover.hbs'), '{{#each report.byType}}{{> no-such-partial}}{{/each}}');
    // refused when the templates are loaded, before any chart or browser work
    await expect(loadCheckedTemplates(dir)).rejects.toMatchObject({
      code: 'RENDER_TEMPLATE',
      message: expect.stringMatching(
        /cover\.hbs failed: it calls the partial "no-such-partial", which is not in partials\//,
      ),
    });
    await expect(renderHtml(MODEL, { locale: 'en', templatesDir: dir })).rejects.toMatchObject({
      code: 'RENDER_TEMPLATE',
      message: expect.stringContaining('no-such-partial'),
    });
    // a partial block prints its fallback and an inline partial is defined where it is used
    await writeFile(
      join(dir, 'cover.hbs'),
      '{{#> optional-note}}no note{{/optional-note}}{{#*inline "mine"}}x{{/inline}}{{> mine}}{{> kpi-tile}}',
    );
    await expect(loadCheckedTemplates(dir)).resolves.toBeDefined();
    await expect(loadTemplates(join(root, 'nowhere'))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('templates export', () => {
  it('copies every built-in template, which then render exactly like the built-ins', async () => {
    const dir = join(root, 'exported');
    const written = await exportTemplates(dir);
    expect(written.map((p) => p.slice(dir.length + 1)).sort()).toEqual(
      expect.arrayContaining(['footer.hbs', 'header.hbs', 'partials/cover.hbs', 'report.css', 'report.hbs']),
    );
    const builtinPartials = await readdir(join(BUILTIN_TEMPLATES_DIR, 'partials'));
    expect((await readdir(join(dir, 'partials'))).sort()).toEqual(builtinPartials.sort());
    expect(await readFile(join(dir, 'report.css'), 'utf8')).toBe(
      await readFile(join(BUILTIN_TEMPLATES_DIR, 'report.css'), 'utf8'),
    );
    const builtin = await renderHtml(MODEL, { locale: 'zh-CN' });
    const fromExport = await renderHtml(MODEL, { locale: 'zh-CN', templatesDir: dir });
    expect(fromExport.html).toBe(builtin.html);
    expect(fromExport.footerTemplate).toBe(builtin.footerTemplate);
  });

  it('refuses to overwrite an earlier export unless forced', async () => {
    const dir = join(root, 'exported-twice');
    await exportTemplates(dir);
    await writeFile(join(dir, 'report.css'), '/* mine */');
    await expect(exportTemplates(dir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('report.css'),
    });
    expect(await readFile(join(dir, 'report.css'), 'utf8')).toBe('/* mine */');
    await exportTemplates(dir, { force: true });
    expect(await readFile(join(dir, 'report.css'), 'utf8')).not.toBe('/* mine */');
  });
});

describe("Chromium's CJK text layer (chromium-cjk-radicals-in-tounicode)", () => {
  it('maps radicals to the ideographs they draw', () => {
    expect(String.fromCodePoint(ideographOf(0x2f00))).toBe('一');
    expect(String.fromCodePoint(ideographOf(0x2eda))).toBe('页');
    expect(String.fromCodePoint(ideographOf(0x2f42))).toBe('文');
    expect(String.fromCodePoint(ideographOf(0x2f3e))).toBe('户'); // the SC glyph, not NFKC's 戶
    expect(String.fromCodePoint(ideographOf(0x2012))).toBe('–');
    expect(ideographOf(0x41)).toBe(0x41);
  });

  it('rewrites bfchar and bfrange destinations and leaves clean CMaps alone', () => {
    const head =
      '/CIDInit /ProcSet findresource begin\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n';
    const tail = 'endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n';
    const cmap = `${head}2 beginbfchar\n<2E> <2F00>\n<2F> <0041>\nendbfchar\n1 beginbfrange\n<30> <31> <2ED9>\nendbfrange\n${tail}`;
    const fixed = repairToUnicodeCMap(cmap);
    expect(fixed).toBe(
      `${head}4 beginbfchar\n<2E> <4E00>\n<2F> <0041>\n<30> <97E6>\n<31> <9875>\nendbfchar\n${tail}`,
    );
    expect(repairToUnicodeCMap(`${head}1 beginbfchar\n<2E> <4E00>\nendbfchar\n${tail}`)).toBeNull();
  });
});
