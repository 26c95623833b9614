// A window's load within the memory limit the extractor gives DuckDB (STORE_OPTIONS): the pages'
// text is parsed outside that limit, so a window far larger than it still loads.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { STORE_OPTIONS } from '../pipeline/extract/extractor.js';
import { monthBounds } from '../pipeline/simulator/index.js';
import { type LandedPage, type PlannedWindow, StagingStore } from '../pipeline/store/staging.js';
import { ENTERPRISE, MONTH, makeTempDir, removeTempDir, scalar, ZONE } from './helpers/extract.js';

const PAGES = 100;
const PAGE_SIZE = 500;

/** A page body as the API sends it: records of about 1 KB, each with a backspace in ResultText. */
function pageBody(page: number, startMs: number): string {
  const list = Array.from({ length: PAGE_SIZE }, (_, i) => {
    const n = page * PAGE_SIZE + i;
    return {
      Id: String(n + 1),
      EnterpriseId: ENTERPRISE,
      Type: 9,
      Url: 'https://crm.example.com/api/vms/callback',
      Method: 'POST',
      Params: JSON.stringify({ enterpriseId: ENTERPRISE, note: 'p'.repeat(800) }),
      Result: '1',
      StatusCode: '200',
      ResultText: 'ok\b',
      CreateTime: String(startMs + n),
    };
  });
  return JSON.stringify({ RequestId: `req-${page}`, Code: 'OK', Data: { List: list } });
}

// Bug: the pages that may hold a control character were picked out with `filename IN (…)`, which
// DuckDB plans as a join that buffers every page's text, so such a window (here 48 MB of pages, all
// flagged) ran out of memory in 64 MB.
it('flagged-pages-buffered-by-in-join: a window of pages all flagged loads in the extractor’s memory limit', async () => {
  const dir = await makeTempDir('pushlog-load-');
  onTestFinished(() => removeTempDir(dir));
  const bounds = monthBounds(MONTH, ZONE);
  const pages: LandedPage[] = [];
  for (let page = 0; page < PAGES; page++) {
    const path = join(dir, `${String(page + 1).padStart(10, '0')}-${page * PAGE_SIZE}.json`);
    await writeFile(path, pageBody(page, bounds.startMs));
    pages.push({ path, mayHoldControlCharacters: true });
  }
  const store = await StagingStore.open(join(dir, 'staging.duckdb'), STORE_OPTIONS);
  try {
    const window: PlannedWindow = {
      id: '2026-04-01',
      kind: 'day',
      start: '2026-04-01 00:00:00',
      end: '2026-04-01 23:59:59',
      startMs: bounds.startMs,
      endMs: bounds.startMs + 86_399_999,
    };
    await store.plan([window]);

    const result = await store.commitWindow(
      window.id,
      pages,
      { monthStartMs: bounds.startMs, monthEndMs: bounds.endMs },
      { pages: PAGES, requests: PAGES, records: PAGES * PAGE_SIZE },
    );

    expect(result).toEqual({ rows: PAGES * PAGE_SIZE, quarantined: 0 });
    expect(await scalar(store, 'SELECT count(*) FROM staged WHERE has_control_characters')).toBe(
      PAGES * PAGE_SIZE,
    );
  } finally {
    await store.close();
  }
});
