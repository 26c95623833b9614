/**
 * The local calendar day of an instant, as SQL that DuckDB evaluates per record without a time
 * zone conversion: local ms = epoch ms + the zone's UTC offset at that instant, and the offset is
 * constant between the (at most two) DST changes of a month, so a CASE over those segments gives
 * the same day as ICU (`timezone(zone, ts)::DATE`) at a fraction of the cost.
 */
import { tzOffset } from '@date-fns/tz';

const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface OffsetSegment {
  /** first epoch ms with this offset (the first segment starts at the window start) */
  fromMs: number;
  offsetMs: number;
}

const offsetMsAt = (timeZone: string, ms: number) => tzOffset(timeZone, new Date(ms)) * 60_000;

/** The zone's UTC offsets over startMs..endMs, each from the exact millisecond it starts. */
export function offsetSegments(startMs: number, endMs: number, timeZone: string): OffsetSegment[] {
  const segments: OffsetSegment[] = [{ fromMs: startMs, offsetMs: offsetMsAt(timeZone, startMs) }];
  // Offsets change at most once in any hour: step by hours, then bisect each change to the ms.
  for (let at = startMs; at < endMs; at += HOUR_MS) {
    const next = Math.min(at + HOUR_MS, endMs);
    const current = segments.at(-1)?.offsetMs;
    const after = offsetMsAt(timeZone, next);
    if (after === current) continue;
    let lo = at;
    let hi = next;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetMsAt(timeZone, mid) === current) lo = mid;
      else hi = mid;
    }
    segments.push({ fromMs: hi, offsetMs: after });
  }
  return segments;
}

/** SQL for the local day number (days since 1970-01-01, local) of the epoch-ms expression `ms`. */
export function localDaySql(ms: string, segments: readonly OffsetSegment[]): string {
  const [first, ...rest] = segments;
  if (!first) throw new Error('localDaySql needs at least one offset segment');
  const offset =
    rest.length === 0
      ? String(first.offsetMs)
      : `CASE ${[...rest]
          .reverse()
          .map((s) => `WHEN ${ms} >= ${s.fromMs} THEN ${s.offsetMs}`)
          .join(' ')} ELSE ${first.offsetMs} END`;
  return `(${ms} + ${offset}) // ${DAY_MS}`;
}
