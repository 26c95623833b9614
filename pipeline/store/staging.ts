import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { PipelineError } from '../errors.js';
import {
  CREATE_TABLES,
  DROP_TABLES,
  type LandedPage,
  quarantineInsertSql,
  SCHEMA_VERSION,
  stagedInsertSql,
} from './schema.js';

export type { LandedPage } from './schema.js';

export type WindowState = 'pending' | 'done' | 'split' | 'failed';

/** A time range of the month as the extractor plans it (the shape of extract's Window). */
export interface PlannedWindow {
  id: string;
  kind: 'day' | 'hour';
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

/** A window with its checkpoint. */
export interface StoredWindow extends PlannedWindow {
  parentId: string | null;
  state: WindowState;
  pages: number;
  rows: number;
  quarantined: number;
  requests: number;
  error: string | null;
}

export interface StagingOptions {
  /** DuckDB memory limit, e.g. '256MB': DuckDB spills to disk beyond it */
  memoryLimit?: string;
  threads?: number;
  /** WAL size that triggers a checkpoint, e.g. '256MB' (DuckDB's default is 16MB) */
  checkpointThreshold?: string;
  /**
   * Return memory DuckDB has freed to the system from a background thread. DuckDB's allocator
   * (jemalloc) keeps freed pages for seconds and, with `threads: 1`, only purges them while it is
   * allocating, so a store loading every few seconds keeps the high-water mark of its loads resident.
   */
  allocatorBackgroundThreads?: boolean;
}

export interface FinalCounts {
  /** every copy loaded, before dedupe */
  fetched: number;
  /** the deduplicated population */
  rows: number;
  duplicates: number;
  duplicatesDiffering: number;
  quarantined: number;
}

const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;
const sqlInt = (value: number) => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};

/**
 * The staging store: one DuckDB file per enterprise and month. Every call runs through one
 * connection, one at a time, so a window's rows and its checkpoint commit together.
 */
export class StagingStore {
  readonly path: string;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.path = path;
    this.#instance = instance;
    this.#connection = connection;
  }

  static async open(path: string, options: StagingOptions = {}): Promise<StagingStore> {
    await mkdir(dirname(path), { recursive: true });
    // Loaded on the first open, not with this module: DuckDB takes ~0.2 s to load, which a command
    // that never opens a store (render of a report copied without its staging.duckdb) should not pay.
    const duckdb = await import('@duckdb/node-api');
    let instance: DuckDBInstance;
    try {
      instance = await duckdb.DuckDBInstance.create(path, {
        memory_limit: options.memoryLimit ?? '256MB',
        threads: String(options.threads ?? 2),
        preserve_insertion_order: 'false',
        ...(options.checkpointThreshold ? { checkpoint_threshold: options.checkpointThreshold } : {}),
        ...(options.allocatorBackgroundThreads ? { allocator_background_threads: 'true' } : {}),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const hint = /lock/i.test(message)
        ? 'another pushlog-report run is using it; wait for it or stop it'
        : 'delete it to start this month afresh';
      throw new PipelineError('STORE_FAILED', `Cannot open ${path}: ${hint} (${firstLine(message)})`, {
        cause: error,
      });
    }
    const connection = await instance.connect();
    const store = new StagingStore(path, instance, connection);
    await store.#run(CREATE_TABLES);
    return store;
  }

  /**
   * Ties the store to one extraction's identity (enterprise, month, zone, filters). A store made
   * with other arguments is refused unless `fresh`, which empties it.
   */
  async bind(identity: Record<string, string>, fresh: boolean): Promise<void> {
    const wanted: Record<string, string> = { schemaVersion: String(SCHEMA_VERSION), ...identity };
    const rows = await this.#rows('SELECT key, value FROM meta');
    const stored = Object.fromEntries(rows.map((r) => [String(r.key), String(r.value)]));
    const differing = Object.keys(wanted).filter((k) => stored[k] !== undefined && stored[k] !== wanted[k]);
    if (fresh || differing.length > 0) {
      if (!fresh && rows.length > 0) {
        const what = differing.map((k) => `${k} ${stored[k]} → ${wanted[k]}`).join(', ');
        throw new PipelineError(
          'CONFIG_INVALID',
          `${this.path} holds an extraction with other arguments (${what}): pass --fresh to start over`,
        );
      }
      // Dropped and made again, not emptied: a store of an older schema gets today's tables.
      await this.#run(`BEGIN; ${DROP_TABLES} ${CREATE_TABLES} COMMIT;`);
    }
    const values = Object.entries(wanted)
      .map(([k, v]) => `(${sqlString(k)}, ${sqlString(v)})`)
      .join(', ');
    await this.#run(`INSERT OR REPLACE INTO meta VALUES ${values}`);
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#run(`INSERT OR REPLACE INTO meta VALUES (${sqlString(key)}, ${sqlString(value)})`);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const rows = await this.#rows(`SELECT value FROM meta WHERE key = ${sqlString(key)}`);
    return rows[0] ? String(rows[0].value) : undefined;
  }

  /** Adds windows not yet known as pending; known windows keep their state. */
  async plan(windows: PlannedWindow[], parentId: string | null = null): Promise<void> {
    if (windows.length === 0) return;
    await this.#run(
      `INSERT OR IGNORE INTO windows (id, parent_id, kind, start_local, end_local, start_ms, end_ms, state, updated_at) VALUES ${windows
        .map(
          (w) =>
            `(${sqlString(w.id)}, ${parentId === null ? 'NULL' : sqlString(parentId)}, ${sqlString(w.kind)}, ${sqlString(w.start)}, ${sqlString(w.end)}, ${sqlInt(w.startMs)}, ${sqlInt(w.endMs)}, 'pending', now())`,
        )
        .join(', ')}`,
    );
  }

  /**
   * Forgets the windows of an earlier plan that the current plan no longer has (with the windows
   * they were split into) and the copies they staged. The current month's last day is planned up
   * to "now": a run made later plans it anew, longer and under another id, and fetches all of it.
   */
  async forgetWindowsNotIn(ids: string[]): Promise<string[]> {
    const keep = ids.length === 0 ? "''" : ids.map(sqlString).join(', ');
    return this.#exclusive(async () => {
      const reader = await this.#connection.runAndReadAll(
        `WITH RECURSIVE gone(id) AS (
           SELECT id FROM windows WHERE parent_id IS NULL AND id NOT IN (${keep})
           UNION SELECT w.id FROM windows w JOIN gone g ON w.parent_id = g.id)
         SELECT id FROM gone ORDER BY id`,
      );
      const gone = reader.getRowObjects().map((r) => String(r.id));
      if (gone.length === 0) return gone;
      const list = gone.map(sqlString).join(', ');
      await this.#connection.run('BEGIN TRANSACTION');
      try {
        await this.#connection.run(`DELETE FROM staged WHERE window_id IN (${list})`);
        await this.#connection.run(`DELETE FROM quarantine WHERE window_id IN (${list})`);
        await this.#connection.run(`DELETE FROM windows WHERE id IN (${list})`);
        await this.#connection.run('COMMIT');
      } catch (error) {
        await this.#connection.run('ROLLBACK').catch(() => {});
        throw error;
      }
      return gone;
    });
  }

  async windows(): Promise<StoredWindow[]> {
    const rows = await this.#rows('SELECT * FROM windows ORDER BY start_ms, id');
    return rows.map((r) => ({
      id: String(r.id),
      parentId: r.parent_id === null ? null : String(r.parent_id),
      kind: r.kind === 'hour' ? 'hour' : 'day',
      start: String(r.start_local),
      end: String(r.end_local),
      startMs: Number(r.start_ms),
      endMs: Number(r.end_ms),
      state: String(r.state) as WindowState,
      pages: Number(r.pages),
      rows: Number(r.rows),
      quarantined: Number(r.quarantined),
      requests: Number(r.requests),
      error: r.error === null ? null : String(r.error),
    }));
  }

  /** The next page sequence number: fetch order survives restarts, so "fetched last wins" holds. */
  async nextPageSeq(): Promise<number> {
    const rows = await this.#rows('SELECT coalesce(max(fetch_seq) // 1000, 0) AS s FROM staged');
    const fromQuarantine = await this.#rows(
      'SELECT coalesce(max(fetch_seq) // 1000, 0) AS s FROM quarantine',
    );
    return Math.max(Number(rows[0]?.s ?? 0), Number(fromQuarantine[0]?.s ?? 0)) + 1;
  }

  /**
   * Loads a window's landed pages and records its checkpoint in one transaction: a window is either
   * wholly stored and marked, or not at all. With `children`, the window is marked split and its
   * children are planned in the same transaction. `progress.records` is how many records the pages
   * hold: when every one of them is valid, the quarantine pass is skipped.
   */
  async commitWindow(
    windowId: string,
    pages: LandedPage[],
    bounds: { monthStartMs: number; monthEndMs: number },
    progress: { pages: number; requests: number; records?: number },
    children: PlannedWindow[] = [],
  ): Promise<{ rows: number; quarantined: number }> {
    return this.#exclusive(async () => {
      await this.#connection.run('BEGIN TRANSACTION');
      try {
        let rows = 0;
        let quarantined = 0;
        if (pages.length > 0) {
          const fill = (sql: string) =>
            sql
              .replaceAll('$monthStart', sqlInt(bounds.monthStartMs))
              .replaceAll('$monthEnd', sqlInt(bounds.monthEndMs))
              .replaceAll('$window', sqlString(windowId));
          // Straight from the pages into the tables: a window's rows are written once, not
          // materialised first (that doubled the load's CPU and memory).
          rows = (await this.#connection.run(fill(stagedInsertSql(pages)))).rowsChanged;
          if (progress.records === undefined || rows < progress.records) {
            const result = await this.#connection.run(fill(quarantineInsertSql(pages)));
            quarantined = result.rowsChanged;
          }
        }
        const state = children.length > 0 ? 'split' : 'done';
        await this.#connection.run(
          `UPDATE windows SET state = '${state}', pages = ${sqlInt(progress.pages)}, rows = ${sqlInt(rows)},
           quarantined = ${sqlInt(quarantined)}, requests = requests + ${sqlInt(progress.requests)}, error = NULL,
           updated_at = now() WHERE id = ${sqlString(windowId)}`,
        );
        if (children.length > 0) {
          await this.#connection.run(
            `INSERT OR IGNORE INTO windows (id, parent_id, kind, start_local, end_local, start_ms, end_ms, state, updated_at) VALUES ${children
              .map(
                (w) =>
                  `(${sqlString(w.id)}, ${sqlString(windowId)}, ${sqlString(w.kind)}, ${sqlString(w.start)}, ${sqlString(w.end)}, ${sqlInt(w.startMs)}, ${sqlInt(w.endMs)}, 'pending', now())`,
              )
              .join(', ')}`,
          );
        }
        await this.#connection.run('COMMIT');
        return { rows, quarantined };
      } catch (error) {
        await this.#connection.run('ROLLBACK').catch(() => {});
        throw new PipelineError(
          'STORE_FAILED',
          `Loading window ${windowId} into ${this.path} failed: ${firstLine(String(error))}`,
          {
            cause: error,
          },
        );
      }
    });
  }

  async markFailed(windowId: string, message: string, requests: number): Promise<void> {
    await this.#run(
      `UPDATE windows SET state = 'failed', error = ${sqlString(message)}, requests = requests + ${sqlInt(requests)}, updated_at = now() WHERE id = ${sqlString(windowId)}`,
    );
  }

  /** Resets failed windows to pending so a new run fetches them again. */
  async retryFailed(): Promise<void> {
    await this.#run(`UPDATE windows SET state = 'pending', error = NULL WHERE state = 'failed'`);
  }

  /**
   * Settles the deduplicated population and returns the counts: marks every copy but the one
   * fetched last of each Id `superseded` (metrics.md: the copy fetched last wins), which the
   * `records` view leaves out, and keeps how many Ids had copies that differ.
   */
  async finalize(): Promise<FinalCounts> {
    return this.#exclusive(async () => {
      const c = this.#connection;
      await c.run('BEGIN TRANSACTION');
      try {
        // Only an Id fetched twice has a superseded copy: a 64-bit hash of the Id finds those
        // candidates cheaply and the Id itself decides, so a hash collision changes nothing.
        await c.run(`CREATE OR REPLACE TEMP TABLE copies AS
          SELECT id, fetch_seq, content_hash FROM staged
          WHERE hash(id) IN (SELECT hash(id) AS h FROM staged GROUP BY h HAVING count(*) > 1)`);
        await c.run('UPDATE staged SET superseded = false WHERE superseded');
        await c.run(`UPDATE staged SET superseded = true WHERE fetch_seq IN (
          SELECT fetch_seq FROM copies
          QUALIFY row_number() OVER (PARTITION BY id ORDER BY fetch_seq DESC) > 1)`);
        const differing = await c.runAndReadAll(`SELECT count(*) AS n
          FROM (SELECT id FROM copies GROUP BY id HAVING count(DISTINCT content_hash) > 1)`);
        await c.run(
          `INSERT OR REPLACE INTO meta VALUES ('duplicatesDiffering', '${Number(differing.getRowObjects()[0]?.n ?? 0)}')`,
        );
        await c.run('DROP TABLE copies');
        // A bad record fetched twice (adjacent windows overlap) is one bad record: keyed by Id, or
        // by its whole content when it has no Id.
        await c.run(`CREATE OR REPLACE TABLE quarantined AS
          SELECT * FROM quarantine
          QUALIFY row_number() OVER (
            PARTITION BY CASE WHEN id IS NULL OR id = '' THEN 'record:' || record ELSE 'id:' || id END
            ORDER BY fetch_seq DESC) = 1`);
        await c.run('COMMIT');
      } catch (error) {
        await c.run('ROLLBACK').catch(() => {});
        throw new PipelineError(
          'STORE_FAILED',
          `Deduplicating ${this.path} failed: ${firstLine(String(error))}`,
          {
            cause: error,
          },
        );
      }
      const reader = await c.runAndReadAll(`SELECT
        (SELECT count(*) FROM staged) AS fetched,
        (SELECT count(*) FROM staged WHERE superseded) AS duplicates,
        (SELECT value FROM meta WHERE key = 'duplicatesDiffering') AS differing,
        (SELECT count(*) FROM quarantined) AS quarantined`);
      const r = reader.getRowObjects()[0] ?? {};
      const fetched = Number(r.fetched ?? 0);
      const duplicates = Number(r.duplicates ?? 0);
      return {
        fetched,
        rows: fetched - duplicates,
        duplicates,
        duplicatesDiffering: Number(r.differing ?? 0),
        quarantined: Number(r.quarantined ?? 0),
      };
    });
  }

  /** Runs a read-only query (tests, ad-hoc checks). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    return this.#rows(sql);
  }

  /** Stops the statement that is running (it fails with an interrupt error); for aborts. */
  interrupt(): void {
    this.#connection.interrupt();
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => {});
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => {});
    return result;
  }

  #run(sql: string): Promise<void> {
    return this.#exclusive(async () => {
      await this.#connection.run(sql);
    });
  }

  #rows(sql: string): Promise<Record<string, unknown>[]> {
    return this.#exclusive(async () => {
      const reader = await this.#connection.runAndReadAll(sql);
      return reader.getRowObjects() as Record<string, unknown>[];
    });
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
