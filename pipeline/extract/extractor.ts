import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { isRetryable, PipelineError } from '../errors.js';
import { type EventSink, type ExtractSummary, ignoreEvents } from '../events.js';
import { type LandedPage, type PlannedWindow, StagingStore, type StoredWindow } from '../store/staging.js';
import type { PageQuery, SignatureVersion } from './client.js';
import { Landing } from './landing.js';
import { createRateLimiter } from './rate-limit.js';
import { abortableSleep, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import type { Credentials } from './sign.js';
import { type MonthPlan, planMonth, splitIntoHours } from './windows.js';

export interface ExtractFilters {
  type?: number | undefined;
  result?: 0 | 1 | undefined;
  url?: string | undefined;
  retry?: number | undefined;
}

export interface ExtractOptions {
  enterpriseId: string;
  /** `YYYY-MM` */
  month: string;
  timeZone: string;
  /** output root: the month lives in `<outDir>/<enterpriseId>/<month>/` */
  outDir: string;
  endpoint: string;
  credentials: Credentials;
  signatureVersion?: SignatureVersion;
  /** windows (and pages) in flight at once, default 4 */
  concurrency?: number;
  /** requests per second, retries included, default 10 */
  qps?: number;
  /** rows per page, 1..500, default 500 */
  pageSize?: number;
  /** a day window that pages this deep is split into hour windows, default 100 pages */
  splitPages?: number;
  /** the current month ends this long before now, default 10 minutes */
  lagMs?: number;
  filters?: ExtractFilters;
  timeoutMs?: number;
  retryPolicy?: RetryPolicy;
  keepLanding?: boolean;
  /** discard what an earlier run stored for this month */
  fresh?: boolean;
  now?: () => Date;
  signal?: AbortSignal;
  onEvent?: EventSink;
}

export function monthDir(outDir: string, enterpriseId: string, month: string): string {
  return join(outDir, enterpriseId, month);
}

/**
 * DuckDB while extracting: one thread, since a window's load is one statement over a few dozen
 * pages and a second thread costs more in coordination than it wins (about a third more CPU for the
 * same load, measured), and the fetching needs the other core; a small memory limit, since DuckDB's
 * buffers fill up to it and stay resident, while rows not yet checkpointed can spill to disk (a
 * window's load itself needs about 32 MB); checkpoints rarer than every 16 MB of WAL, each of which
 * rewrites row groups; and memory DuckDB frees handed back to the system as it decays, not only
 * when DuckDB next allocates. On a month of a million records (test/bench/extract.bench.ts), 64 MB
 * instead of 128 MB lowered the extraction's peak RSS by about 90 MiB and the background purge by
 * about 40 MiB more, at the same CPU.
 */
export const STORE_OPTIONS = {
  memoryLimit: '64MB',
  threads: 1,
  checkpointThreshold: '256MB',
  allocatorBackgroundThreads: true,
} as const;

/** Extra overlap (ms) kept above the split point: rows of the same second may sit on both sides. */
const SPLIT_OVERLAP_MS = 60_000;

interface Active {
  window: StoredWindow;
  nextStart: number;
  inFlight: number;
  /** the offset of the first short page: nothing is needed at or past it */
  endAt: number;
  files: LandedPage[];
  /** records on the landed pages */
  records: number;
  pages: number;
  requests: number;
  minCreateTimeMs: number | null;
  failed: boolean;
  /** stops the window's other pages in flight once one of them has failed */
  abort: AbortController;
}

/**
 * Extracts one enterprise-month into its staging store: plans windows, fetches their pages
 * concurrently under the QPS cap, lands each page, loads each finished window into DuckDB with
 * its checkpoint, and finally settles the deduplicated population (`records`). A run killed at any point
 * resumes from the windows already checkpointed.
 */
export async function extractMonth(options: ExtractOptions): Promise<ExtractSummary> {
  const started = Date.now();
  const emit = options.onEvent ?? ignoreEvents;
  const pageSize = options.pageSize ?? 500;
  const concurrency = options.concurrency ?? 4;
  const splitPages = options.splitPages ?? 100;
  const now = options.now ?? (() => new Date());
  const plan = planMonth({
    month: options.month,
    timeZone: options.timeZone,
    now: now(),
    ...(options.lagMs === undefined ? {} : { lagMs: options.lagMs }),
  });
  const dir = monthDir(options.outDir, options.enterpriseId, options.month);
  const landing = new Landing(join(dir, 'landing'));
  // Imported here: undici takes ~0.1 s to load, which commands that never extract should not pay.
  const { CurlLogClient } = await import('./client.js');
  const store = await StagingStore.open(join(dir, 'staging.duckdb'), STORE_OPTIONS);
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  // Every request in flight listens on this signal (through its own timeout signal).
  setMaxListeners(0, signal);
  let retries = 0;
  const client = new CurlLogClient({
    endpoint: options.endpoint,
    credentials: options.credentials,
    signatureVersion: options.signatureVersion ?? 'v3',
    timeoutMs: options.timeoutMs ?? 30_000,
    connections: concurrency + 2,
    retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
    retryDeps: { sleep: abortableSleep, random: Math.random },
    beforeAttempt: createRateLimiter(options.qps ?? 10),
  });
  try {
    await store.bind(identityOf(options, plan), options.fresh ?? false);
    await store.setMeta('final', String(plan.final));
    await store.setMeta('asOfMs', plan.asOfMs === null ? '' : String(plan.asOfMs));
    await store.setMeta('windowStart', plan.start);
    await store.setMeta('windowEnd', plan.end);
    await store.setMeta('windowStartMs', String(plan.startMs));
    await store.setMeta('windowEndMs', String(plan.endMs));
    const forgotten = await store.forgetWindowsNotIn(plan.windows.map((w) => w.id));
    if (options.keepLanding) for (const id of forgotten) await landing.removeWindow(id);
    await store.plan(plan.windows);
    await store.retryFailed();
    const known = await store.windows();
    const pending = known.filter((w) => w.state === 'pending');
    // Pages of an unfinished window are fetched again from its first page: whole windows resume.
    // Without --keep-landing, pages left by a run killed between a checkpoint and its cleanup go too.
    if (options.keepLanding) for (const w of pending) await landing.removeWindow(w.id);
    else await landing.removeAll();
    // Until this run finishes, the month is not complete, whatever an earlier run recorded.
    await store.setMeta('complete', 'false');
    emit({
      type: 'extract-planned',
      windows: known.filter((w) => w.state !== 'split').length,
      resumedDone: known.filter((w) => w.state === 'done').length,
      final: plan.final,
      asOfMs: plan.asOfMs,
    });

    const queue = [...pending];
    const active = new Set<Active>();
    let inFlight = 0;
    let pageSeq = await store.nextPageSeq();
    let pagesThisRun = 0;
    let anyPageOk = false;
    let fatal: unknown;
    const commits: Promise<void>[] = [];
    const failedWindows: string[] = [];

    const baseQuery = (w: StoredWindow, start: number): PageQuery => ({
      enterpriseId: options.enterpriseId,
      startTime: w.start,
      endTime: w.end,
      start,
      limit: pageSize,
      ...options.filters,
    });
    const canIssue = (a: Active) =>
      !a.failed &&
      a.nextStart < a.endAt &&
      !(a.window.kind === 'day' && a.nextStart >= splitPages * pageSize);

    await new Promise<void>((resolveAll) => {
      const finishIfIdle = () => {
        if (inFlight === 0 && (fatal !== undefined || (queue.length === 0 && active.size === 0)))
          resolveAll();
      };
      const pick = (): Active | undefined => {
        for (const a of active) if (a.inFlight === 0 && canIssue(a)) return a;
        const next = queue.shift();
        if (next) {
          const a: Active = {
            window: next,
            nextStart: 0,
            inFlight: 0,
            endAt: Number.POSITIVE_INFINITY,
            files: [],
            records: 0,
            pages: 0,
            requests: 0,
            minCreateTimeMs: null,
            failed: false,
            abort: new AbortController(),
          };
          active.add(a);
          emit({ type: 'window-started', windowId: next.id });
          return a;
        }
        // No window left to start: let the slowest windows fetch ahead instead of idling.
        let best: Active | undefined;
        for (const a of active) {
          if (canIssue(a) && a.inFlight < 4 && (!best || a.inFlight < best.inFlight)) best = a;
        }
        return best;
      };
      const pump = () => {
        while (fatal === undefined && inFlight < concurrency) {
          const a = pick();
          if (!a) break;
          const start = a.nextStart;
          a.nextStart += pageSize;
          a.inFlight++;
          inFlight++;
          void fetchOne(a, start).finally(() => {
            a.inFlight--;
            inFlight--;
            settle(a);
            pump();
            finishIfIdle();
          });
        }
        finishIfIdle();
      };
      const fetchOne = async (a: Active, start: number) => {
        try {
          const page = await client.fetchPage(
            baseQuery(a.window, start),
            AbortSignal.any([signal, a.abort.signal]),
            (attempt, delayMs, error) => {
              retries++;
              emit({
                type: 'retry-scheduled',
                windowId: a.window.id,
                attempt,
                delayMs,
                reason: error instanceof Error ? error.message : String(error),
              });
            },
          );
          a.requests += page.attempts;
          anyPageOk = true;
          if (a.failed) return;
          a.pages++;
          pagesThisRun++;
          if (page.records < pageSize) a.endAt = Math.min(a.endAt, start);
          if (page.minCreateTimeMs !== null) {
            a.minCreateTimeMs = Math.min(a.minCreateTimeMs ?? Number.POSITIVE_INFINITY, page.minCreateTimeMs);
          }
          if (page.records > 0) {
            const path = await landing.write(a.window.id, pageSeq++, start, page.body);
            a.files.push({ path, mayHoldControlCharacters: page.mayHoldControlCharacters });
            a.records += page.records;
          }
          emit({
            type: 'page-fetched',
            windowId: a.window.id,
            start,
            records: page.records,
            bytes: page.body.length,
          });
        } catch (error) {
          // Whatever stops a page stops its window: a window is never checkpointed with a page missing.
          const alreadyFailed = a.failed;
          a.failed = true;
          a.abort.abort();
          if (fatal !== undefined || alreadyFailed) return;
          if (
            !isRetryable(error) &&
            !(error instanceof PipelineError && error.code === 'EXTRACT_RETRIES_EXHAUSTED')
          ) {
            fatal = error;
            controller.abort(error);
            return;
          }
          a.failed = true;
          const message = error instanceof Error ? error.message : String(error);
          if (!anyPageOk) {
            // Nothing has worked yet: the endpoint is unreachable or broken, and every other window would
            // only spend its own retries finding that out.
            fatal = new PipelineError(
              'EXTRACT_INCOMPLETE',
              `Cannot fetch from ${options.endpoint}: ${message}. Check --endpoint and the network; the next run resumes`,
              { cause: error },
            );
            controller.abort(fatal);
            return;
          }
          failedWindows.push(a.window.id);
          emit({ type: 'window-failed', windowId: a.window.id, message });
          commits.push(
            store.markFailed(a.window.id, message, a.requests).then(() => landing.removeWindow(a.window.id)),
          );
        }
      };
      const settle = (a: Active) => {
        if (a.inFlight > 0 || !active.has(a)) return;
        if (a.failed) {
          active.delete(a);
          return;
        }
        if (canIssue(a)) return;
        active.delete(a);
        const children =
          a.endAt === Number.POSITIVE_INFINITY ? remainderWindows(a, plan.timeZone) : ([] as PlannedWindow[]);
        if (children.length > 0) {
          emit({ type: 'window-split', windowId: a.window.id, children: children.length });
          queue.unshift(...children.map((c) => asStored(c, a.window.id)));
        }
        commits.push(
          store
            .commitWindow(
              a.window.id,
              a.files,
              { monthStartMs: plan.startMs, monthEndMs: plan.endMs },
              { pages: a.pages, requests: a.requests, records: a.records },
              children,
            )
            .then(async ({ rows, quarantined }) => {
              if (!options.keepLanding) await landing.removeWindow(a.window.id);
              emit({ type: 'window-done', windowId: a.window.id, pages: a.pages, rows, quarantined });
            })
            .catch((error: unknown) => {
              fatal ??= error;
              controller.abort(error);
            }),
        );
      };
      pump();
    });
    await Promise.all(commits);
    if (fatal !== undefined) throw fatal;
    if (options.signal?.aborted)
      throw new PipelineError('ABORTED', 'Extraction interrupted; the next run resumes');

    const counts = await store.finalize();
    await store.setMeta('extractedAt', new Date().toISOString());
    const windows = await store.windows();
    const leaves = windows.filter((w) => w.state !== 'split');
    const summary: ExtractSummary = {
      enterpriseId: options.enterpriseId,
      month: options.month,
      windows: leaves.length,
      windowsDone: leaves.filter((w) => w.state === 'done').length,
      windowsFailed: leaves.filter((w) => w.state === 'failed').length,
      pages: pagesThisRun,
      fetched: counts.fetched,
      rows: counts.rows,
      duplicates: counts.duplicates,
      quarantined: counts.quarantined,
      retries,
      requests: client.requests,
      elapsedMs: Date.now() - started,
      final: plan.final,
      asOfMs: plan.asOfMs,
      database: store.path,
    };
    await store.setMeta('complete', String(summary.windowsFailed === 0));
    emit({ type: 'extract-finished', summary });
    if (failedWindows.length > 0 || summary.windowsFailed > 0) {
      throw new PipelineError(
        'EXTRACT_INCOMPLETE',
        `Extraction incomplete: ${summary.windowsFailed} of ${summary.windows} windows failed (${failedWindows.slice(0, 3).join(', ')}${failedWindows.length > 3 ? ', …' : ''}); what was fetched is kept, run again to resume`,
      );
    }
    return summary;
  } finally {
    controller.abort();
    await client.close().catch(() => {});
    await store.close();
  }
}

/**
 * A day window that paged `splitPages` deep has fetched its newest records (rows come newest
 * first); the older remainder, from the window start to just above the oldest record seen, is
 * fetched as hour windows so offsets stay moderate.
 */
function remainderWindows(a: Active, timeZone: string): PlannedWindow[] {
  const w = a.window;
  if (w.kind !== 'day') return [];
  const until = Math.min(w.endMs, (a.minCreateTimeMs ?? w.endMs) + SPLIT_OVERLAP_MS);
  return splitIntoHours(w, timeZone, until);
}

function asStored(w: PlannedWindow, parentId: string): StoredWindow {
  return { ...w, parentId, state: 'pending', pages: 0, rows: 0, quarantined: 0, requests: 0, error: null };
}

function identityOf(options: ExtractOptions, plan: MonthPlan): Record<string, string> {
  const f = options.filters ?? {};
  return {
    enterpriseId: options.enterpriseId,
    month: plan.month,
    timeZone: plan.timeZone,
    filters: JSON.stringify({ type: f.type, result: f.result, url: f.url, retry: f.retry }),
  };
}
