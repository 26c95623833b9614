// What the transform makes of months that are not whole: an extraction with a failed window
// (refused, or reported PARTIAL with --allow-partial), one interrupted before `records` was built,
// the current month as of a time, and a month never extracted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../pipeline/errors.js';
import { extractMonth, monthDir } from '../pipeline/extract/index.js';
import { StagingStore } from '../pipeline/store/staging.js';
import { IncompleteExtractionError, SUMMARY_SCHEMA, transformMonth } from '../pipeline/transform/index.js';
import { AFTER_APRIL, extractOptions, startProxy, UNAVAILABLE_BODY } from './helpers/extract.js';
import { startTestSimulator } from './helpers/simulator.js';
import { checkSchema, extractMonths, HAND_FIXTURE, tempOut } from './transform-helpers.js';

const ENTERPRISE = '7122600';
const MONTH = '2026-04';

describe('an incomplete extraction', () => {
  it('is refused, naming the windows and what to do; --allow-partial reports it PARTIAL', async () => {
    const out = await tempOut();
    const sim = await startTestSimulator({ data: HAND_FIXTURE, now: () => AFTER_APRIL.getTime() });
    // Every request for April 2 fails, so its window fails after its retries.
    const proxy = await startProxy(sim.url, (request) =>
      request.startTime.startsWith('2026-04-02') ? { status: 503, body: UNAVAILABLE_BODY } : 'forward',
    );
    try {
      await expect(extractMonth(extractOptions(proxy.url, out))).rejects.toMatchObject({
        code: 'EXTRACT_INCOMPLETE',
      });
    } finally {
      await proxy.close();
      await sim.close();
    }

    const refused = transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: MONTH });
    await expect(refused).rejects.toBeInstanceOf(IncompleteExtractionError);
    await expect(refused).rejects.toMatchObject({
      code: 'EXTRACT_INCOMPLETE',
      windows: ['2026-04-02'],
      message: expect.stringContaining(
        '(1 windows not done: 2026-04-02): run pushlog-report extract --enterprise 7122600 --month 2026-04 again (it resumes), or transform with --allow-partial',
      ),
    });
    expect(existsSync(join(monthDir(out, ENTERPRISE, MONTH), 'summary.json'))).toBe(false);

    const model = await transformMonth({
      outDir: out,
      enterpriseId: ENTERPRISE,
      month: MONTH,
      allowPartial: true,
    });
    expect(model.complete).toBe(false);
    expect(model.incompleteWindows).toEqual([
      { id: '2026-04-02', state: 'failed', start: '2026-04-02 00:00:00', end: '2026-04-02 23:59:59' },
    ]);
    // The five records of April 2 are missing; the other nine are there.
    expect(model.totals.pushes).toBe(9);
    expect(model.byDay.find((d) => d.date === '2026-04-02')?.pushes).toBe(0);
    expect(checkSchema(SUMMARY_SCHEMA, model)).toEqual([]);
  });

  it('interrupted before the population was built: --allow-partial builds it from what was staged', async () => {
    const out = await tempOut();
    await extractMonths(out, { data: HAND_FIXTURE }, [MONTH]);
    const store = await StagingStore.open(join(monthDir(out, ENTERPRISE, MONTH), 'staging.duckdb'));
    // What a run killed before its last step leaves: copies staged, the population never settled.
    await store.query(
      "UPDATE staged SET superseded = false; DELETE FROM meta WHERE key = 'duplicatesDiffering'",
    );
    await store.setMeta('complete', 'false');
    await store.close();

    await expect(
      transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: MONTH }),
    ).rejects.toMatchObject({
      code: 'EXTRACT_INCOMPLETE',
      message: expect.stringContaining('is incomplete: run pushlog-report extract'),
    });
    const model = await transformMonth({
      outDir: out,
      enterpriseId: ENTERPRISE,
      month: MONTH,
      allowPartial: true,
    });
    expect(model).toMatchObject({ complete: false, incompleteWindows: [], totals: { pushes: 14 } });
  });
});

it('reports the current month as of its as-of second, never final, with the days so far', async () => {
  const out = await tempOut();
  // 2026-04-05 12:00 in Shanghai; with the 10-minute lag the month is as of 11:50:00.
  const now = new Date('2026-04-05T04:00:00.000Z');
  await extractMonths(out, { data: HAND_FIXTURE }, [MONTH], now);
  const model = await transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: MONTH });
  expect(model).toMatchObject({
    final: false,
    complete: true,
    asOf: '2026-04-05T03:50:00.000Z',
    window: { start: '2026-04-01 00:00:00', end: '2026-04-05 11:50:00' },
    totals: { pushes: 13 }, // all but 1013, created on April 30
  });
  expect(model.byDay.map((d) => d.date)).toEqual([
    '2026-04-01',
    '2026-04-02',
    '2026-04-03',
    '2026-04-04',
    '2026-04-05',
  ]);
  expect(checkSchema(SUMMARY_SCHEMA, model)).toEqual([]);
});

it('names the extract command for a month never extracted, and creates nothing', async () => {
  const out = await tempOut();
  const attempt = transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: '2026-03' });
  await expect(attempt).rejects.toBeInstanceOf(PipelineError);
  await expect(attempt).rejects.toMatchObject({
    code: 'CONFIG_INVALID',
    message: expect.stringContaining('run pushlog-report extract --enterprise 7122600 --month 2026-03 first'),
  });
  expect(existsSync(monthDir(out, ENTERPRISE, '2026-03'))).toBe(false);
  await expect(transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: '2026-4' })).rejects.toThrow(
    'Invalid month "2026-4": use YYYY-MM',
  );
});

it('stops when aborted (the running query is interrupted), writing no summary', async () => {
  const out = await tempOut();
  await extractMonths(out, { volume: 20_000, seed: 5 }, [MONTH]);
  const dir = monthDir(out, ENTERPRISE, MONTH);
  const controller = new AbortController();
  const attempt = transformMonth({
    outDir: out,
    enterpriseId: ENTERPRISE,
    month: MONTH,
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 0);
  await expect(attempt).rejects.toMatchObject({ code: 'ABORTED' });
  expect(existsSync(join(dir, 'summary.json'))).toBe(false);
  // The store is left usable: the next transform completes.
  const model = await transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: MONTH });
  expect(model.totals.pushes).toBe(20_000);
});
