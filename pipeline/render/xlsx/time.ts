/**
 * Instants as Excel date serials of the enterprise's local wall clock. Excel dates carry no time
 * zone, so a cell shows the local time the report is written in, and its header names the zone.
 */
import { tzOffset } from '@date-fns/tz';

const MS_PER_DAY = 86_400_000;
/** 1970-01-01 as an Excel serial (the 1900 date system). */
const UNIX_EPOCH_SERIAL = 25_569;
const MS_PER_MINUTE = 60_000;

/**
 * A converter from epoch ms to the local serial in `timeZone`. Zone offsets change on whole
 * minutes, so the offset is looked up once per minute of the month, not once per record.
 */
export function localSerialOf(timeZone: string): (ms: number) => number {
  const offsets = new Map<number, number>();
  return (ms) => {
    const minute = Math.floor(ms / MS_PER_MINUTE);
    let offsetMs = offsets.get(minute);
    if (offsetMs === undefined) {
      offsetMs = tzOffset(timeZone, new Date(minute * MS_PER_MINUTE)) * MS_PER_MINUTE;
      offsets.set(minute, offsetMs);
    }
    return (ms + offsetMs) / MS_PER_DAY + UNIX_EPOCH_SERIAL;
  };
}

/** The local wall-clock parts of `ms` in `timeZone` (for zip entry times). */
export function localParts(ms: number, timeZone: string): Date {
  const offsetMs = tzOffset(timeZone, new Date(ms)) * MS_PER_MINUTE;
  // A Date whose UTC fields are the local wall clock.
  return new Date(ms + offsetMs);
}

/** A `yyyy-MM-dd` date as an Excel serial. */
export function dateSerial(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY + UNIX_EPOCH_SERIAL;
}
