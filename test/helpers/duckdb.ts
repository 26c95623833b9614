/**
 * Reading DuckDB in tests: a query's rows or one column or value from an open staging store, and
 * queries over files (raw.parquet) in a throwaway in-memory database, always closed afterwards.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { StagingStore } from '../../pipeline/store/staging.js';

/** One column of a query as strings. */
export async function column(store: StagingStore, sql: string): Promise<string[]> {
  const rows = await store.query(sql);
  return rows.map((r) => String(Object.values(r)[0]));
}

/** A single count(*)-like value as a number. */
export async function scalar(store: StagingStore, sql: string): Promise<number> {
  const rows = await store.query(sql);
  return Number(Object.values(rows[0] ?? {})[0]);
}

/** Runs `use` on a connection to a fresh in-memory database, closed afterwards. */
export async function withMemoryDb<T>(use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** The rows of one query (typically over read_parquet) as plain JavaScript values. */
export async function queryRows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return withMemoryDb(async (connection) => {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as unknown as T[];
  });
}
