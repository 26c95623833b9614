// The manifest of a real month: test/fixtures/transform-hand.ndjson extracted from the simulator and
// transformed, its windows read from the staging store, its counts from the model (as run.ts takes
// them) agreeing with the store's own; then verify passes beside the real DuckDB working files.
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { monthDir } from '../pipeline/extract/index.js';
import { sha256File } from '../pipeline/store/artifacts.js';
import { buildManifest, writeManifest } from '../pipeline/store/manifest.js';
import { listArtifactFiles, verifyFolder } from '../pipeline/store/verify.js';
import { RAW_FILE, type ReportModel, SUMMARY_FILE, transformMonth } from '../pipeline/transform/index.js';
import { ENTERPRISE, MONTH, makeTempDir, removeTempDir, withStore } from './helpers/extract.js';
import { extractMonths, HAND_FIXTURE } from './transform-helpers.js';

let out: string;
let model: ReportModel;
beforeAll(async () => {
  out = await makeTempDir('pushlog-manifest-pipeline-');
  await extractMonths(out, { data: HAND_FIXTURE }, [MONTH]);
  model = await transformMonth({ outDir: out, enterpriseId: ENTERPRISE, month: MONTH });
  return () => removeTempDir(out);
});

it('records the store’s windows and counts and verifies beside staging.duckdb', async () => {
  const dir = monthDir(out, ENTERPRISE, MONTH);
  const windows = await withStore(out, (store) => store.windows());
  const stored = await withStore(out, (store) => store.finalize());
  const counts = {
    fetched: model.totals.pushes + model.dataQuality.duplicatesRemoved,
    duplicates: model.dataQuality.duplicatesRemoved,
    quarantined: model.dataQuality.quarantined,
    inReport: model.totals.pushes,
  };
  // The fixture: 14 records, 1005 and 1012 fetched twice, 1099 quarantined.
  expect(counts).toEqual({ fetched: 16, duplicates: 2, quarantined: 1, inReport: 14 });
  expect(counts).toEqual({
    fetched: stored.fetched,
    duplicates: stored.duplicates,
    quarantined: stored.quarantined,
    inReport: stored.rows,
  });

  const manifest = await buildManifest({
    dir,
    enterpriseId: ENTERPRISE,
    month: MONTH,
    arguments: { enterprise: [ENTERPRISE], month: MONTH },
    windows,
    counts,
    artifacts: [SUMMARY_FILE, RAW_FILE],
    startedAt: new Date(),
  });
  await writeManifest(dir, manifest);

  expect(manifest.complete).toBe(true);
  expect(manifest.windows).toHaveLength(windows.length);
  expect(manifest.windows.reduce((sum, w) => sum + (w.state === 'done' ? w.rows : 0), 0)).toBe(16);
  expect(manifest.rawSha256).toBe(await sha256File(join(dir, RAW_FILE)));
  // DuckDB's own files sit beside the artifacts and are not reported as extra.
  expect((await listArtifactFiles(dir)).map((f) => f.path)).toEqual([RAW_FILE, SUMMARY_FILE]);
  const result = await verifyFolder(dir);
  expect(result.ok).toBe(true);
  expect(result.matched.map((a) => a.path)).toEqual([RAW_FILE, SUMMARY_FILE]);
});
