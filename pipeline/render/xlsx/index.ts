/**
 * The Excel renderer (issue 4): `summary.json` and `raw.parquet` → `push-logs-<id>-<month>.xlsx`.
 * The small sheets are built in memory with exceljs; the record sheets (Failures, the optional
 * raw sheet) are streamed from raw.parquet through DuckDB into the same package; the file is
 * byte-stable: document and zip dates are the report's as-of time (`asOf`, or the window's end
 * for a final month), and nothing else depends on the clock.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConfigError, PipelineError } from '../../errors.js';
import { sha256File, writeArtifact } from '../../store/artifacts.js';
import { ENDPOINT_MACROS, RAW_FILE, type ReportModel } from '../../transform/index.js';
import { redactModel } from '../redact.js';
import { EXCEL_CELL_LIMIT } from '../sanitize.js';
import { stringsFor } from '../strings.js';
import { artifactName, type RenderContext, type RenderedArtifact, type Renderer } from '../types.js';
import { sheetContext } from './context.js';
import { writePackage } from './package.js';
import { failuresPlan, rawPlan, sqlString } from './record-plans.js';
import { DEFAULT_ROW_LIMIT } from './record-sheets.js';
import { localParts } from './time.js';
import { buildWorkbook } from './workbook.js';

export { DEFAULT_ROW_LIMIT, EXCEL_MAX_ROWS } from './record-sheets.js';

export interface XlsxOptions {
  /** records per sheet before the list continues on "Failures (2)"; default Excel's limit (1,048,574 below the title and header) */
  rowLimit?: number;
  /** characters of ResultText shown on Failures, default 1,000 (the raw sheet keeps up to Excel's 32,767) */
  resultTextChars?: number;
  /** embed the charts on Summary (default true; false skips ECharts and resvg) */
  charts?: boolean;
  /** deflate level of the streamed sheets, 1..9 (default 6) */
  compressionLevel?: number;
  /** DuckDB's memory limit while reading raw.parquet (default '512MB': sorting a million failures with their text needs about that; it spills beyond) */
  memoryLimit?: string;
}

export const DEFAULT_RESULT_TEXT_CHARS = 1_000;

/** The instant the workbook's dates are pinned to: the as-of time, or the window's last second. */
export function documentDateOf(model: Pick<ReportModel, 'asOf' | 'window'>): Date {
  const ms = model.asOf === null ? model.window.endMs : Date.parse(model.asOf);
  return new Date(Math.floor(ms / 1000) * 1000);
}

/**
 * Writes the month's workbook into `ctx.dir` atomically and returns it. Requires `raw.parquet`
 * beside `summary.json`, from the same transform run (its counts must match the model's).
 */
export async function renderWorkbook(
  model: ReportModel,
  ctx: RenderContext,
  options: XlsxOptions = {},
): Promise<RenderedArtifact> {
  const startedAt = performance.now();
  ctx.onEvent?.({ type: 'render-started', format: 'xlsx' });
  const rawPath = join(ctx.dir, RAW_FILE);
  if (!existsSync(rawPath)) {
    throw new ConfigError(
      `No ${RAW_FILE} in ${ctx.dir}: run pushlog-report transform --enterprise ${model.enterpriseId} --month ${model.month} first`,
    );
  }
  const rowLimit = options.rowLimit ?? DEFAULT_ROW_LIMIT;
  if (!Number.isInteger(rowLimit) || rowLimit < 1 || rowLimit > DEFAULT_ROW_LIMIT) {
    throw new ConfigError(`rowLimit must be an integer in 1..${DEFAULT_ROW_LIMIT}, not ${rowLimit}`);
  }
  const resultTextChars = options.resultTextChars ?? DEFAULT_RESULT_TEXT_CHARS;
  // Room for the truncation marker, and never past what a cell holds.
  if (!Number.isInteger(resultTextChars) || resultTextChars < 64 || resultTextChars > EXCEL_CELL_LIMIT) {
    throw new ConfigError(
      `resultTextChars must be an integer in 64..${EXCEL_CELL_LIMIT}, not ${resultTextChars}`,
    );
  }
  // The sheets show the model with its untrusted text redacted (as the PDF does); counts are checked on the original.
  const sctx = sheetContext(ctx.redact ? redactModel(model) : model, stringsFor(ctx.locale), ctx.redact);
  const documentDate = documentDateOf(model);
  const path = join(ctx.dir, artifactName(model, 'xlsx'));
  // The charts rasterise on the thread pool while DuckDB counts and hashes the month.
  const chartsPromise =
    options.charts === false
      ? Promise.resolve([])
      : import('./chart-images.js').then((m) => m.renderChartImages(sctx.model, ctx.locale));
  // Awaited on every path below; this keeps an early failure from reporting it as unhandled.
  chartsPromise.catch(() => {});

  const spill = await mkdtemp(join(tmpdir(), 'pushlog-xlsx-'));
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? '512MB',
    threads: '2',
    temp_directory: spill,
  });
  const connection = await instance.connect();
  try {
    await connection.run(ENDPOINT_MACROS);
    const failures = failuresPlan(sctx, rawPath, resultTextChars);
    const [counted] = await (
      await connection.run(
        `SELECT count(*) AS records, count(*) FILTER (result = 0) AS failed FROM read_parquet(${sqlString(rawPath)})`,
      )
    ).getRowObjects();
    const records = Number(counted?.records ?? 0);
    const failed = Number(counted?.failed ?? 0);
    checkCounts(model, records, failed);
    const raw = ctx.rawSheet ? { plan: rawPlan(sctx, rawPath), total: records } : null;
    const rawSha256 = await sha256File(rawPath);
    ctx.signal?.throwIfAborted();
    const charts = await chartsPromise;

    const built = await buildWorkbook({
      ctx: sctx,
      documentDate,
      charts,
      failures: { plan: failures, total: failed },
      raw,
      rowLimit,
      about: { rawSha256, rawRecords: records, documentDate: documentDate.toISOString(), resultTextChars },
    });
    const total = failed + (raw?.total ?? 0);
    let done = 0;
    let reported = 0;
    await writeArtifact(path, (temporary) =>
      writePackage(temporary, built, {
        connection,
        localSerial: sctx.localSerial,
        // DOS times carry no zone: the entries show the as-of time on the report's wall clock.
        zipDate: localParts(documentDate.getTime(), model.timeZone),
        level: options.compressionLevel ?? 6,
        signal: ctx.signal,
        onRows: (rows) => {
          done += rows;
          // About a hundred progress events for a large month, one per sheet for a small one.
          if (done - reported >= Math.max(10_000, total / 100) || done === total) {
            reported = done;
            ctx.onEvent?.({ type: 'render-progress', format: 'xlsx', done, total });
          }
        },
      }),
    );
  } catch (error) {
    if (error instanceof PipelineError || ctx.signal?.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new PipelineError('INTERNAL', `Writing ${path} failed: ${message.split('\n')[0]}`, {
      cause: error,
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(spill, { recursive: true, force: true });
  }
  const bytes = (await stat(path)).size;
  const sha256 = await sha256File(path);
  ctx.onEvent?.({
    type: 'render-finished',
    format: 'xlsx',
    path,
    bytes,
    elapsedMs: Math.round(performance.now() - startedAt),
  });
  return { format: 'xlsx', path, bytes, sha256 };
}

/** summary.json and raw.parquet must come from the same transform run. */
function checkCounts(model: ReportModel, records: number, failed: number): void {
  if (records !== model.totals.pushes || failed !== model.totals.failed) {
    throw new ConfigError(
      `raw.parquet holds ${records} records (${failed} failed) but summary.json counts ${model.totals.pushes} (${model.totals.failed} failed): they come from different runs; run pushlog-report transform --enterprise ${model.enterpriseId} --month ${model.month} again`,
    );
  }
}

/** The renderer the render stage registers for `--format xlsx`. */
export const xlsxRenderer: Renderer = {
  format: 'xlsx',
  render: (model, ctx) => renderWorkbook(model, ctx),
};
