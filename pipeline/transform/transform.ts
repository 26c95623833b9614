import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, PipelineError } from '../errors.js';
import { monthDir } from '../extract/index.js';
import { SCHEMA_VERSION as STORE_SCHEMA_VERSION } from '../store/schema.js';
import { StagingStore } from '../store/staging.js';
import { TOOL_VERSION } from '../version.js';
import { readDeliveries } from './deliveries.js';
import { IncompleteExtractionError } from './errors.js';
import { emptyGroup, readGroups } from './groups.js';
import { localDaySql, offsetSegments } from './local-day.js';
import { type IncompleteWindow, type ReportModel, SCHEMA_VERSION } from './model.js';
import { readPrevious } from './previous.js';
import {
  compareText,
  type Db,
  defineViews,
  endpointOf,
  exportRecords,
  readDuplicates,
  readMetaTable,
  readQuarantine,
  readRetryHistogram,
  readStatusCodes,
  readTopFailures,
  readTypeStrPairs,
  readWindowDays,
} from './queries.js';
import { evaluateSla, readSlaFile, type SlaRules } from './sla.js';
import { readStreaks } from './streaks.js';
import { isKnownType, typeNameOf } from './types.js';

export interface TransformOptions {
  /** output root: the month lives in `<outDir>/<enterpriseId>/<month>/` */
  outDir: string;
  enterpriseId: string;
  /** `YYYY-MM` */
  month: string;
  /** SLA rules file (JSON or YAML); none: `sla` is null */
  slaFile?: string | undefined;
  /** report an incomplete extraction (complete: false) instead of refusing it */
  allowPartial?: boolean | undefined;
  /** the clock for generatedAt */
  now?: () => Date;
  /** stops the transform (the running query is interrupted); it then fails with ABORTED */
  signal?: AbortSignal | undefined;
  /** DuckDB memory limit while transforming, default '512MB' (DuckDB spills to disk beyond it) */
  memoryLimit?: string;
}

export const SUMMARY_FILE = 'summary.json';
export const RAW_FILE = 'raw.parquet';

/**
 * The transform stage: reads the month's staging store and writes, beside it, `summary.json` (the
 * ReportModel) and `raw.parquet` (the deduplicated month). Refuses an incomplete extraction unless
 * `allowPartial`. Returns the model.
 */
export async function transformMonth(options: TransformOptions): Promise<ReportModel> {
  const dir = monthDir(options.outDir, options.enterpriseId, options.month);
  const { signal } = options;
  const aborted = () => new PipelineError('ABORTED', 'Transform interrupted; run it again');
  if (signal?.aborted) throw aborted();
  const store = await openStaging(options);
  // An abort stops the running query at once: a month of SQL can take a while.
  const onAbort = () => store.interrupt();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Read the rules before the heavy work: a typo in them should not wait for a month of SQL.
    const rules = options.slaFile === undefined ? undefined : await readSlaFile(options.slaFile);
    const model = await buildReport(store, { ...options, rules });
    if (signal?.aborted) throw aborted();
    await exportRawParquet(store, dir);
    if (signal?.aborted) throw aborted();
    await writeAtomically(join(dir, SUMMARY_FILE), `${JSON.stringify(model, null, 2)}\n`);
    return model;
  } catch (error) {
    if (signal?.aborted && !(error instanceof PipelineError && error.code === 'ABORTED')) {
      throw new PipelineError('ABORTED', 'Transform interrupted; run it again', {
        cause: error,
      });
    }
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await store.close();
  }
}

/** Opens `<outDir>/<id>/<month>/staging.duckdb`, which must exist (open would create it). */
export async function openStaging(
  options: Pick<TransformOptions, 'outDir' | 'enterpriseId' | 'month' | 'memoryLimit'>,
): Promise<StagingStore> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(options.month)) {
    throw new ConfigError(`Invalid month ${JSON.stringify(options.month)}: use YYYY-MM, e.g. 2026-04`);
  }
  const path = join(monthDir(options.outDir, options.enterpriseId, options.month), 'staging.duckdb');
  if (!existsSync(path)) {
    throw new ConfigError(
      `No staging store for ${options.enterpriseId} ${options.month} at ${path}: run pushlog-report extract --enterprise ${options.enterpriseId} --month ${options.month} first`,
    );
  }
  return StagingStore.open(path, { memoryLimit: options.memoryLimit ?? '512MB', threads: 2 });
}

/** Computes the ReportModel from an open staging store (no files written). */
export async function buildReport(
  store: StagingStore,
  options: Pick<TransformOptions, 'outDir' | 'enterpriseId' | 'month' | 'allowPartial' | 'now'> & {
    rules?: SlaRules | undefined;
  },
): Promise<ReportModel> {
  const meta = await readMeta(store, options);
  const incompleteWindows: IncompleteWindow[] = (await store.windows())
    .filter((w) => w.state === 'pending' || w.state === 'failed')
    .map((w) => ({ id: w.id, state: w.state as IncompleteWindow['state'], start: w.start, end: w.end }));
  const complete = meta.complete && incompleteWindows.length === 0;
  if (!complete && !options.allowPartial) {
    const ids = incompleteWindows.map((w) => w.id);
    const which = ids.length > 0 ? ` (${ids.length} windows not done: ${listSome(ids)})` : '';
    throw new IncompleteExtractionError(
      `The extraction of ${options.enterpriseId} ${options.month} is incomplete${which}: run pushlog-report extract --enterprise ${options.enterpriseId} --month ${options.month} again (it resumes), or transform with --allow-partial for a report marked PARTIAL`,
      ids,
    );
  }
  // An interrupted extraction may not have settled the population from what it staged: a partial
  // report covers everything staged so far, deduplicated exactly as extract does.
  if (!complete) await store.finalize();
  else if (!meta.settled) {
    throw new IncompleteExtractionError(
      `${store.path} has no deduplicated population: run pushlog-report extract --enterprise ${options.enterpriseId} --month ${options.month} again`,
      [],
    );
  }

  const db: Db = store;
  const segments = offsetSegments(
    meta.windowStartMs,
    Math.max(meta.windowStartMs, meta.windowEndMs),
    meta.timeZone,
  );
  await defineViews(db, (ms) => localDaySql(ms, segments));
  // Ordered so that a column, once read, is mostly read again while DuckDB still holds it: the
  // time columns first, the delivery keys last (their Params fill DuckDB's memory).
  const groups = await readGroups(db);
  const streaks = await readStreaks(db);
  const topFailures = await readTopFailures(db);
  const histogram = await readRetryHistogram(db);
  const status = await readStatusCodes(db);
  const typeStrPairs = await readTypeStrPairs(db);
  const deliveries = await readDeliveries(db);
  const duplicates = await readDuplicates(db);
  const quarantine = await readQuarantine(db);
  const windowDays = await readWindowDays(db, meta.windowStartMs, meta.windowEndMs);
  const { scan } = groups;

  const noDeliveries = { deliveries: 0, delivered: 0, exhausted: 0, eventualSuccessRate: null };
  const byType = [...groups.byType.entries()]
    .sort(([a], [b]) => a - b)
    .map(([code, g]) => {
      const names = typeNameOf(code);
      const d = deliveries.byType.get(code) ?? noDeliveries;
      return {
        type: code,
        name: names.name,
        nameEn: names.nameEn,
        known: isKnownType(code),
        ...outcomes(g),
        latencyMs: g.latencyMs,
        retriedShare: g.retriedShare,
        deliveries: d.deliveries,
        eventualSuccessRate: d.eventualSuccessRate,
      };
    });
  const byEndpoint = [...groups.byEndpoint.entries()]
    .sort(([a, x], [b, y]) => y.pushes - x.pushes || compareText(a, b))
    .map(([endpoint, g]) => {
      const d = deliveries.byEndpoint.get(endpoint) ?? noDeliveries;
      return {
        endpoint,
        ...outcomes(g),
        latencyMs: g.latencyMs,
        retriedShare: g.retriedShare,
        deliveries: d.deliveries,
        eventualSuccessRate: d.eventualSuccessRate,
        longestFailureStreak: streaks.get(endpoint) ?? { length: 0, from: null, to: null },
      };
    });
  // Every day of the window, and (defensively) any day that has records outside it.
  const dates = [...new Set([...windowDays, ...groups.byDay.keys()])].sort(compareText);
  const byDay = dates.map((date) => {
    const g = groups.byDay.get(date) ?? emptyGroup();
    return { date, ...outcomes(g), latencyMs: g.latencyMs };
  });

  const notes: string[] = [];
  const outside = dates.filter((d) => !windowDays.includes(d));
  if (outside.length > 0) notes.push(`records created outside the window, on ${outside.join(', ')}`);

  const filters = await filtersOf(db, meta.filters);
  const partial: Omit<ReportModel, 'sla' | 'previous' | 'notes'> = {
    schemaVersion: SCHEMA_VERSION,
    enterpriseId: meta.enterpriseId,
    month: meta.month,
    timeZone: meta.timeZone,
    window: {
      start: meta.windowStart,
      end: meta.windowEnd,
      startMs: meta.windowStartMs,
      endMs: meta.windowEndMs,
    },
    complete,
    incompleteWindows,
    final: meta.final,
    asOf: meta.final || meta.asOfMs === null ? null : new Date(meta.asOfMs).toISOString(),
    filters,
    extractedAt: meta.extractedAt,
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    toolVersion: TOOL_VERSION,
    totals: outcomes(groups.month),
    latencyMs: { ...groups.month.latencyMs, queueMs: scan.queueMs, roundTripMs: scan.roundTripMs },
    retries: {
      histogram,
      retriedShare: groups.month.retriedShare,
      deliveries: deliveries.month.deliveries,
      firstAttemptSuccessRate: scan.firstAttemptSuccessRate,
      eventualSuccessRate: deliveries.month.eventualSuccessRate,
      exhausted: deliveries.month.exhausted,
    },
    byType,
    byEndpoint,
    byDay,
    statusCodes: { byCode: status.byCode, byClass: status.byClass },
    topFailures,
    dataQuality: {
      ...duplicates,
      ...quarantine,
      invalidLatency: scan.invalidLatency,
      unknownTypes: Object.fromEntries(byType.filter((t) => !t.known).map((t) => [String(t.type), t.pushes])),
      typeStrPairs: typeStrPairs.map((p) => ({
        ...p,
        expected: isKnownType(p.type) && p.typeStr === typeNameOf(p.type).name,
      })),
      succeededWithNon2xx: status.succeededWithNon2xx,
      failedWith2xx: status.failedWith2xx,
      controlCharacters: scan.controlCharacters,
      overlongText: scan.overlongText,
    },
  };

  const sla =
    options.rules === undefined ? null : evaluateSla(await resolveScopes(db, options.rules), partial);
  const { previous, note } = await readPrevious(options.outDir, options.enterpriseId, options.month, partial);
  if (note) notes.push(note);
  return { ...partial, sla, previous, notes };
}

/** Writes `raw.parquet` (zstd) beside the store: to a temporary name, then renamed into place. */
export async function exportRawParquet(store: StagingStore, dir: string): Promise<string> {
  const path = join(dir, RAW_FILE);
  const temporary = join(dir, `.${RAW_FILE}.${process.pid}.tmp`);
  try {
    await exportRecords(store, temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new PipelineError('STORE_FAILED', `Writing ${path} failed: ${firstLine(error)}`, { cause: error });
  }
  return path;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new PipelineError('STORE_FAILED', `Writing ${path} failed: ${firstLine(error)}`, { cause: error });
  }
}

function outcomes(g: { pushes: number; succeeded: number; failed: number; successRate: number | null }) {
  return { pushes: g.pushes, succeeded: g.succeeded, failed: g.failed, successRate: g.successRate };
}

interface Meta {
  enterpriseId: string;
  month: string;
  timeZone: string;
  filters: string;
  final: boolean;
  complete: boolean;
  asOfMs: number | null;
  windowStart: string;
  windowEnd: string;
  windowStartMs: number;
  windowEndMs: number;
  extractedAt: string | null;
  /** whether extract settled the population (StagingStore.finalize) */
  settled: boolean;
}

async function readMeta(
  store: StagingStore,
  options: Pick<TransformOptions, 'enterpriseId' | 'month'>,
): Promise<Meta> {
  const meta = await readMetaTable(store);
  const required = [
    'enterpriseId',
    'month',
    'timeZone',
    'windowStart',
    'windowEnd',
    'windowStartMs',
    'windowEndMs',
  ];
  const missing = required.filter((k) => !meta.get(k));
  if (missing.length > 0) {
    throw new IncompleteExtractionError(
      `${store.path} lacks ${missing.join(', ')}: it was not made by a complete extract run; run pushlog-report extract --enterprise ${options.enterpriseId} --month ${options.month} again`,
      [],
    );
  }
  const get = (key: string) => meta.get(key) ?? '';
  if (get('schemaVersion') !== String(STORE_SCHEMA_VERSION)) {
    throw new ConfigError(
      `${store.path} was made by another version of pushlog-report (store schema ${get('schemaVersion') || 'unknown'}, this one reads ${STORE_SCHEMA_VERSION}): run pushlog-report extract --enterprise ${options.enterpriseId} --month ${options.month} --fresh`,
    );
  }
  if (get('enterpriseId') !== options.enterpriseId || get('month') !== options.month) {
    throw new ConfigError(
      `${store.path} holds enterprise ${get('enterpriseId')} month ${get('month')}, not ${options.enterpriseId} ${options.month}`,
    );
  }
  const asOf = get('asOfMs');
  return {
    enterpriseId: get('enterpriseId'),
    month: get('month'),
    timeZone: get('timeZone'),
    filters: get('filters') || '{}',
    final: get('final') === 'true',
    complete: get('complete') === 'true',
    asOfMs: asOf === '' ? null : Number(asOf),
    windowStart: get('windowStart'),
    windowEnd: get('windowEnd'),
    windowStartMs: Number(get('windowStartMs')),
    windowEndMs: Number(get('windowEndMs')),
    extractedAt: meta.get('extractedAt') ?? null,
    settled: meta.has('duplicatesDiffering'),
  };
}

/** The extraction's API filters; a url filter is shown as its endpoint (never its query string). */
async function filtersOf(db: Db, json: string): Promise<ReportModel['filters']> {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const filters: ReportModel['filters'] = {};
  if (typeof raw.type === 'number') filters.type = raw.type;
  if (typeof raw.result === 'number') filters.result = raw.result;
  if (typeof raw.url === 'string') filters.url = await endpointOf(db, raw.url);
  if (typeof raw.retry === 'number') filters.retry = raw.retry;
  return filters;
}

/** Scopes in the report's own forms: `type:09` → `type:9`, an endpoint Url → its endpoint. */
async function resolveScopes(db: Db, rules: SlaRules): Promise<SlaRules> {
  const resolved = [];
  for (const rule of rules.rules) {
    let scope = rule.scope;
    if (scope.startsWith('type:')) scope = `type:${Number(scope.slice('type:'.length))}`;
    else if (scope.startsWith('endpoint:'))
      scope = `endpoint:${await endpointOf(db, scope.slice('endpoint:'.length))}`;
    resolved.push({ ...rule, scope });
  }
  return { file: rules.file, rules: resolved };
}

function listSome(ids: string[]): string {
  return ids.length > 5 ? `${ids.slice(0, 5).join(', ')}, …` : ids.join(', ');
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
