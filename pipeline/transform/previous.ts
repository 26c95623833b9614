/**
 * Month over month (metrics.md): when the previous month's summary.json sits in the output folder,
 * each headline figure carries its previous value and the change. Rates change by absolute
 * difference (a fraction: 0.005 is half a percentage point), counts and latencies relatively.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  HeadlineLatency,
  HeadlineRetries,
  HeadlineTotals,
  PreviousMonth,
  ReportModel,
} from './model.js';

/** `YYYY-MM` → the month before it. */
export function previousMonthOf(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return number === 1 ? `${year - 1}-12` : `${year}-${String(number - 1).padStart(2, '0')}`;
}

export function summaryPathOf(outDir: string, enterpriseId: string, month: string): string {
  return join(outDir, enterpriseId, month, 'summary.json');
}

type Current = Pick<ReportModel, 'totals' | 'latencyMs' | 'retries'>;

/** Which figures are headline figures, and how each one's delta is taken. */
const HEADLINES = {
  totals: { pushes: 'relative', succeeded: 'relative', failed: 'relative', successRate: 'absolute' },
  latencyMs: { mean: 'relative', p50: 'relative', p95: 'relative', p99: 'relative' },
  retries: {
    retriedShare: 'absolute',
    firstAttemptSuccessRate: 'absolute',
    eventualSuccessRate: 'absolute',
    deliveries: 'relative',
    exhausted: 'relative',
  },
} as const;

type Section = keyof typeof HEADLINES;

/**
 * The previous month's block, or a note saying why there is none. A missing summary is the
 * normal first month (no note); an unreadable one is reported, never fatal.
 */
export async function readPrevious(
  outDir: string,
  enterpriseId: string,
  month: string,
  current: Current,
): Promise<{ previous: PreviousMonth | null; note?: string }> {
  const previousMonth = previousMonthOf(month);
  const path = summaryPathOf(outDir, enterpriseId, previousMonth);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { previous: null };
    return {
      previous: null,
      note: `previous month ${previousMonth}: cannot read ${path} (${String(error)})`,
    };
  }
  try {
    return { previous: comparePrevious(JSON.parse(text) as unknown, previousMonth, current) };
  } catch (error) {
    return {
      previous: null,
      note: `previous month ${previousMonth}: ${path} is not a usable summary (${(error as Error).message})`,
    };
  }
}

/** Builds the block from a parsed summary.json; throws when a headline figure is missing or mistyped. */
export function comparePrevious(summary: unknown, month: string, current: Current): PreviousMonth {
  if (summary === null || typeof summary !== 'object') throw new Error('not a JSON object');
  const s = summary as Record<string, unknown>;
  if (s.schemaVersion !== 1) throw new Error('schemaVersion is not 1');
  const values = (section: Section) => {
    const from = s[section] as Record<string, unknown> | undefined;
    const out: Record<string, number | null> = {};
    for (const key of Object.keys(HEADLINES[section])) {
      const v = from?.[key];
      if (v !== null && typeof v !== 'number') throw new Error(`${section}.${key} is missing`);
      out[key] = v;
    }
    return out;
  };
  const deltas = (section: Section, before: Record<string, number | null>) => {
    const now = current[section] as unknown as Record<string, number | null>;
    const out: Record<string, number | null> = {};
    for (const [key, kind] of Object.entries(HEADLINES[section])) {
      out[key] = deltaOf(now[key] ?? null, before[key] ?? null, kind);
    }
    return out;
  };
  const totals = values('totals');
  const latencyMs = values('latencyMs');
  const retries = values('retries');
  return {
    month,
    complete: s.complete === true,
    final: s.final === true,
    totals: totals as unknown as HeadlineTotals,
    latencyMs: latencyMs as unknown as HeadlineLatency,
    retries: retries as unknown as HeadlineRetries,
    deltas: {
      totals: deltas('totals', totals) as PreviousMonth['deltas']['totals'],
      latencyMs: deltas('latencyMs', latencyMs) as PreviousMonth['deltas']['latencyMs'],
      retries: deltas('retries', retries) as PreviousMonth['deltas']['retries'],
    },
  };
}

function deltaOf(now: number | null, before: number | null, kind: 'absolute' | 'relative'): number | null {
  if (now === null || before === null) return null;
  if (kind === 'absolute') return now - before;
  return before === 0 ? null : (now - before) / before;
}
