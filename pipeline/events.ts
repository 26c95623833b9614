/**
 * What the stages report while they work. Stages never print: they emit these through `onEvent`,
 * and the CLI decides how to show them (progress bar, plain lines, nothing).
 */
export type PipelineEvent =
  | { type: 'extract-planned'; windows: number; resumedDone: number; final: boolean; asOfMs: number | null }
  | { type: 'window-started'; windowId: string }
  | { type: 'page-fetched'; windowId: string; start: number; records: number; bytes: number }
  | {
      type: 'retry-scheduled';
      windowId: string | undefined;
      attempt: number;
      delayMs: number;
      reason: string;
    }
  | { type: 'window-split'; windowId: string; children: number }
  | { type: 'window-done'; windowId: string; pages: number; rows: number; quarantined: number }
  | { type: 'window-failed'; windowId: string; message: string }
  | { type: 'extract-finished'; summary: ExtractSummary };

export interface ExtractSummary {
  enterpriseId: string;
  month: string;
  windows: number;
  windowsDone: number;
  windowsFailed: number;
  pages: number;
  /** records landed by this run and earlier runs of the same month (before dedupe) */
  fetched: number;
  rows: number;
  duplicates: number;
  quarantined: number;
  retries: number;
  requests: number;
  elapsedMs: number;
  final: boolean;
  asOfMs: number | null;
  database: string;
}

export type EventSink = (event: PipelineEvent) => void;

export const ignoreEvents: EventSink = () => {};
