// The report's charts (pipeline/render/charts.ts): four SVGs drawn by ECharts on the server, the
// same for the PDF and the workbook. Model: test/fixtures/pdf-summary.json, the summary.json of a
// generated April 2026 (30,000 records, seed 3, with March) written once by the pipeline.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderChartSvgs } from '../pipeline/render/charts.js';
import type { ReportModel } from '../pipeline/transform/index.js';

const MODEL = JSON.parse(
  readFileSync(new URL('./fixtures/pdf-summary.json', import.meta.url), 'utf8'),
) as ReportModel;

const IDS = ['success-by-type', 'daily-volume', 'latency-by-type', 'status-classes'];

/** The model of a month without a single record. */
function emptyModel(): ReportModel {
  const empty = structuredClone(MODEL);
  empty.byType = [];
  empty.byEndpoint = [];
  empty.byDay = [];
  empty.statusCodes = { byCode: [], byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0, none: 0 } };
  return empty;
}

describe('renderChartSvgs', () => {
  it('draws the four charts as standalone SVG documents of the declared size', async () => {
    const charts = await renderChartSvgs(MODEL, 'zh-CN');
    expect(charts.map((c) => c.id)).toEqual(IDS);
    for (const chart of charts) {
      expect(chart.svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(chart.svg).toContain(`width="${chart.width}" height="${chart.height}"`);
      expect(chart.svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(chart.title).not.toBe('');
    }
  });

  it('is deterministic: same model, same strings, however many charts were drawn before', async () => {
    const first = await renderChartSvgs(MODEL, 'zh-CN');
    await renderChartSvgs(emptyModel(), 'en');
    const again = await renderChartSvgs(MODEL, 'zh-CN');
    expect(again).toEqual(first);
  });

  it('has nothing that moves, runs or varies: no script, style, animation or per-process ids', async () => {
    for (const chart of await renderChartSvgs(MODEL, 'zh-CN')) {
      expect(chart.svg).not.toMatch(/<script|<style|<animate|@keyframes|onload=|href="http/i);
      expect(chart.svg).not.toMatch(/\bzr\d+-/);
      // Ids (clip paths) are prefixed by the chart id, so several SVGs can share one page.
      for (const [, id] of chart.svg.matchAll(/\bid="([^"]+)"/g))
        expect(id?.startsWith(`${chart.id}-`)).toBe(true);
    }
  });

  it('names fonts by family with the CJK stack first, and writes Chinese type names in zh-CN', async () => {
    const [byType] = await renderChartSvgs(MODEL, 'zh-CN');
    expect(byType?.title).toBe('各类型成功率');
    expect(byType?.svg).toContain('Noto Sans CJK SC');
    for (const row of MODEL.byType) expect(byType?.svg).toContain(`${row.type} ${row.name}`);
  });

  it('writes English names and titles in en', async () => {
    const charts = await renderChartSvgs(MODEL, 'en');
    expect(charts.map((c) => c.title)).toEqual([
      'Success rate by type',
      'Daily volume and success rate',
      'Latency percentiles by type (ms)',
      'Status-code classes',
    ]);
    for (const row of MODEL.byType) expect(charts[0]?.svg).toContain(row.nameEn);
    expect(charts[3]?.svg).toContain('2xx');
  });

  it('draws a month without records as four "No data" charts', async () => {
    const charts = await renderChartSvgs(emptyModel(), 'en');
    expect(charts.map((c) => c.id)).toEqual(IDS);
    for (const chart of charts) expect(chart.svg).toContain('No data');
  });
});
