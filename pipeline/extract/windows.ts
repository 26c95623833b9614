/**
 * Window planning: which `StartTime`/`EndTime` ranges the extractor sends to CloudListCurlLog
 * for one month. Pure logic, no I/O.
 *
 * The API speaks wall-clock strings in the enterprise's zone, both bounds inclusive at second
 * precision, and rejects a range that crosses a calendar month (see cloudlistcurllog.md).
 * Every window therefore carries both forms: the wall-clock strings sent on the wire and the
 * true instants (`startMs`/`endMs`) that CreateTime filtering and checkpoints use.
 *
 * Wall-clock hazard: when DST ends, an hour of wall-clock time happens twice, and the contract
 * does not say how the server reads such an ambiguous string (as wall-clock, or as one of the
 * two instants). So the planner never puts an ambiguous string on a window bound it controls:
 * hour boundaries inside a repeated hour are dropped, which merges the repeated hour with its
 * neighbours into one longer 'hour' window whose bounds are unambiguous (America/New_York:
 * '01:00'..'01:59' happens twice, so that day's 00:00:00..02:59:59 is one 4-hour window), and an
 * as-of bound that falls in a repeated hour moves back to the last second before it. Such a
 * window is then exact under any reading. Day and month bounds are calendar-fixed; only in zones
 * that change clocks at midnight (e.g. America/Santiago) can they be ambiguous, and there the
 * planner relies on the server reading them as wall-clock. Skipped (spring-forward) wall times
 * never appear: a 23-hour day simply has 23 hour windows.
 */
import { TZDate, tzOffset } from '@date-fns/tz';
import { format } from 'date-fns/format';
import { getDaysInMonth } from 'date-fns/getDaysInMonth';
import { ConfigError } from '../errors.js';

/** One time range of a month, as sent to the API and as used to filter records. */
export interface Window {
  /**
   * Stable, sortable, filesystem-safe, unique for the range it names: `2026-04-03` (a whole day),
   * `2026-04-03T14` (a clock hour, or a DST-merged run of hours, named by its first hour).
   * A window cut short of its natural end (as-of, or `untilMs`) adds `-to` + the local `HHmmss`
   * of its last second: `2026-04-03-to141547`, `2026-04-03T14-to141547`.
   */
  id: string;
  kind: 'day' | 'hour';
  /** `yyyy-MM-dd HH:mm:ss` local, inclusive. */
  start: string;
  /** `yyyy-MM-dd HH:mm:ss` local, inclusive. */
  end: string;
  /** Epoch ms of the first millisecond included. */
  startMs: number;
  /** Epoch ms of the last millisecond included (the `end` second + 999). */
  endMs: number;
}

/**
 * The windows of one month. Windows are contiguous (`next.startMs === prev.endMs + 1`) and cover
 * `startMs..endMs` exactly. A current month that has not started yet once the lag is applied
 * (the first minutes of a month) has no windows and `endMs === startMs - 1`.
 */
export interface MonthPlan {
  /** `YYYY-MM`. */
  month: string;
  timeZone: string;
  /** Local bounds; `end` is the as-of second when the month is not final. */
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  /** True once the whole month is at least `lagMs` old; false for an as-of (current) month. */
  final: boolean;
  /**
   * The as-of second (epoch ms of its first millisecond; `endMs === asOfMs + 999` unless the plan
   * is empty): records created up to the end of that second are in scope. Null when final.
   */
  asOfMs: number | null;
  /** Day windows in time order. */
  windows: Window[];
}

const LOCAL_FORMAT = 'yyyy-MM-dd HH:mm:ss';
const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const DEFAULT_LAG_MS = 10 * 60_000;
const MIN_YEAR = 2000;

const knownZones = new Set<string>();

/** Throws ConfigError unless `timeZone` is an IANA zone name the runtime knows. */
export function assertTimeZone(timeZone: string): void {
  if (knownZones.has(timeZone)) return;
  const hint = 'use an IANA zone name such as Asia/Shanghai or America/New_York';
  // TZDate also accepts '+08:00'-style offsets; a fixed offset would silently ignore DST, so refuse it.
  if (typeof timeZone !== 'string' || !/^[A-Za-z]/.test(timeZone)) {
    throw new ConfigError(`Invalid time zone ${JSON.stringify(timeZone)}: ${hint}`);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch (error) {
    throw new ConfigError(`Unknown time zone "${timeZone}": ${hint}`, { cause: error });
  }
  knownZones.add(timeZone);
}

/** Epoch ms → `yyyy-MM-dd HH:mm:ss` wall-clock time in `timeZone` (milliseconds dropped). */
export function formatLocal(epochMs: number, timeZone: string): string {
  assertTimeZone(timeZone);
  if (!Number.isFinite(epochMs)) throw new ConfigError(`Invalid epoch ms ${epochMs}: pass a finite number`);
  return format(new TZDate(epochMs, timeZone), LOCAL_FORMAT);
}

/**
 * `yyyy-MM-dd HH:mm:ss` wall-clock time in `timeZone` → epoch ms, the inverse of formatLocal.
 * A repeated (DST-end) wall time gives its earlier instant; a skipped (DST-start) one is moved
 * forward by the length of the gap (02:30 in a 02:00 -> 03:00 jump reads as 03:30), as TZDate does.
 */
export function parseLocal(s: string, timeZone: string): number {
  assertTimeZone(timeZone);
  const fields = LOCAL_PATTERN.exec(s)?.slice(1).map(Number);
  const wallMs = fields
    ? wallMsOf(...(fields as [number, number, number, number, number, number]))
    : Number.NaN;
  // A field out of range (2026-02-30, 24:00:00) rolls over, so the string would not read back.
  if (
    !fields ||
    Number.isNaN(wallMs) ||
    new Date(wallMs).toISOString().slice(0, 19) !== s.replace(' ', 'T')
  ) {
    throw new ConfigError(
      `Invalid local time ${JSON.stringify(s)}: use yyyy-MM-dd HH:mm:ss, e.g. 2026-04-03 14:15:47`,
    );
  }
  const [earliest] = instantsOfWall(wallMs, timeZone);
  // A skipped time moves forward by the gap: read it with the offset from before the jump.
  return earliest ?? wallMs - Math.min(...offsetsNear(wallMs, timeZone)) * 60_000;
}

/**
 * `YYYY-MM`, `last` (the previous month in `timeZone`) or `current` → `YYYY-MM`.
 * ConfigError for any other form, for a month after the current one, and for months before 2000.
 */
export function parseMonth(input: string, now: Date, timeZone: string): string {
  assertTimeZone(timeZone);
  const current = monthOf(checkNow(now), timeZone);
  if (input === 'current') return current;
  if (input === 'last') {
    const [year, month] = splitMonth(current);
    return checkMonth(month === 1 ? monthKey(year - 1, 12) : monthKey(year, month - 1), current, timeZone);
  }
  if (!MONTH_PATTERN.test(input)) {
    throw new ConfigError(
      `Invalid month ${JSON.stringify(input)}: use YYYY-MM (e.g. ${current}), "last" or "current"`,
    );
  }
  return checkMonth(input, current, timeZone);
}

/**
 * Plans a month as one day window per calendar day in `timeZone`. A month is final once its end
 * is at least `lagMs` (default 10 minutes) before `now`; otherwise it is planned as of
 * `now - lagMs`, truncated to the second, and days after that second do not appear.
 */
export function planMonth(o: { month: string; timeZone: string; now: Date; lagMs?: number }): MonthPlan {
  const { month, timeZone } = o;
  const lagMs = o.lagMs ?? DEFAULT_LAG_MS;
  assertTimeZone(timeZone);
  const nowMs = checkNow(o.now);
  if (!Number.isFinite(lagMs) || lagMs < 0) {
    throw new ConfigError(`Invalid lag ${lagMs} ms: pass a finite number of milliseconds >= 0`);
  }
  if (!MONTH_PATTERN.test(month)) {
    throw new ConfigError(`Invalid month ${JSON.stringify(month)} for planMonth: use YYYY-MM`);
  }
  checkMonth(month, monthOf(nowMs, timeZone), timeZone);
  const [year, monthNumber] = splitMonth(month);
  const startMs = dayStartMs(year, monthNumber, 1, timeZone);
  const monthEndMs = dayStartMs(year, monthNumber + 1, 1, timeZone) - 1;
  const asOfMs = retreatFromRepeatedTime(floorToSecond(nowMs - lagMs), timeZone);
  const final = monthEndMs <= asOfMs + 999;
  const endMs = final ? monthEndMs : Math.max(startMs - 1, asOfMs + 999);

  const windows: Window[] = [];
  const daysInMonth = getDaysInMonth(new TZDate(wallMsOf(year, monthNumber, 1), 'UTC'));
  for (let day = 1; day <= daysInMonth; day++) {
    const dayStart = dayStartMs(year, monthNumber, day, timeZone);
    if (dayStart > endMs) break;
    const dayEnd = dayStartMs(year, monthNumber, day + 1, timeZone) - 1;
    const windowEnd = Math.min(dayEnd, endMs);
    const id = `${monthKey(year, monthNumber)}-${pad2(day)}${windowEnd < dayEnd ? `-to${clockId(windowEnd, timeZone)}` : ''}`;
    windows.push(makeWindow(id, 'day', dayStart, windowEnd, timeZone));
  }
  return {
    month,
    timeZone,
    start: formatLocal(startMs, timeZone),
    end: formatLocal(endMs, timeZone),
    startMs,
    endMs,
    final,
    asOfMs: final ? null : asOfMs,
    windows,
  };
}

/**
 * Hour windows covering `w`, aligned to local clock hours and clipped to `w` (DST-merged hours:
 * see the module comment). With `untilMs`, covers only `w.start` .. the second containing
 * `untilMs`: the older remainder of a window whose newest records are already fetched. If that
 * second is a repeated (DST-end) wall time, the cut moves forward to the end of its hour window,
 * since fetching a record twice is harmless and missing one is not. `untilMs` before `w` gives [].
 */
export function splitIntoHours(w: Window, timeZone: string, untilMs?: number): Window[] {
  assertTimeZone(timeZone);
  if (!Number.isFinite(w.startMs) || !Number.isFinite(w.endMs) || w.endMs < w.startMs) {
    throw new ConfigError(`Invalid window ${w.id} (${w.startMs}..${w.endMs}): startMs must be <= endMs`);
  }
  if (untilMs !== undefined && !Number.isFinite(untilMs)) {
    throw new ConfigError(`Invalid untilMs ${untilMs} for window ${w.id}: pass a finite epoch ms`);
  }
  const limitMs = untilMs === undefined ? w.endMs : Math.min(w.endMs, floorToSecond(untilMs) + 999);
  const hours: Window[] = [];
  for (const hour of clockHours(w.startMs, w.endMs, timeZone)) {
    if (hour.endMs < w.startMs) continue;
    if (hour.startMs > limitMs) break;
    const startMs = Math.max(hour.startMs, w.startMs);
    let endMs = Math.min(hour.endMs, limitMs);
    if (endMs < Math.min(hour.endMs, w.endMs) && isRepeatedWallTime(endMs - 999, timeZone)) {
      endMs = Math.min(hour.endMs, w.endMs);
    }
    let id = hour.id;
    if (startMs !== hour.startMs) id += `-from${clockId(startMs, timeZone)}`;
    if (endMs !== hour.endMs) id += `-to${clockId(endMs, timeZone)}`;
    hours.push(makeWindow(id, 'hour', startMs, endMs, timeZone));
    if (endMs >= limitMs) break;
  }
  return hours;
}

/**
 * The canonical hour windows of every calendar day touched by startMs..endMs. Boundaries are local
 * day starts, plus local clock hours whose own wall time and the second before it are unambiguous.
 */
function clockHours(startMs: number, endMs: number, timeZone: string): Window[] {
  const first = new TZDate(startMs, timeZone);
  let [year, month, day] = [first.getFullYear(), first.getMonth() + 1, first.getDate()];
  let dayMs = dayStartMs(year, month, day, timeZone);
  const boundaries: number[] = [];
  while (dayMs <= endMs) {
    const nextDayMs = dayStartMs(year, month, day + 1, timeZone);
    boundaries.push(dayMs);
    const plainDay =
      nextDayMs - dayMs === DAY_MS &&
      wallOf(dayMs, timeZone) === wallMsOf(year, month, day) &&
      tzOffset(timeZone, new Date(dayMs)) === tzOffset(timeZone, new Date(nextDayMs - 1));
    if (plainDay) {
      // 24 hours from midnight on one offset (every day but DST-change days): no gap, no fold.
      for (let hour = 1; hour < 24; hour++) boundaries.push(dayMs + hour * HOUR_MS);
    } else {
      for (let hour = 1; hour < 24; hour++) {
        // A skipped wall hour has no instant; a repeated one has two, both unsafe.
        for (const hourMs of instantsOfWall(wallMsOf(year, month, day, hour), timeZone)) {
          if (hourMs > dayMs && hourMs < nextDayMs && isSafeBoundary(hourMs, timeZone))
            boundaries.push(hourMs);
        }
      }
    }
    const next = new TZDate(nextDayMs, timeZone);
    [year, month, day, dayMs] = [next.getFullYear(), next.getMonth() + 1, next.getDate(), nextDayMs];
  }
  boundaries.push(dayMs);
  const hours: Window[] = [];
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const hourStart = boundaries[i] as number;
    const id = format(new TZDate(hourStart, timeZone), "yyyy-MM-dd'T'HH");
    hours.push(makeWindow(id, 'hour', hourStart, (boundaries[i + 1] as number) - 1, timeZone));
  }
  return hours;
}

/** A boundary is safe when both strings that touch it (its start, the second before) are unambiguous. */
function isSafeBoundary(ms: number, timeZone: string): boolean {
  return !isRepeatedWallTime(ms, timeZone) && !isRepeatedWallTime(ms - 1000, timeZone);
}

function isRepeatedWallTime(ms: number, timeZone: string): boolean {
  return instantsOfWall(wallOf(ms, timeZone), timeZone).length > 1;
}

/** An as-of second in a repeated wall-clock time moves back to the last second before the fold. */
function retreatFromRepeatedTime(secondMs: number, timeZone: string): number {
  const twins = instantsOfWall(wallOf(secondMs, timeZone), timeZone);
  const [firstPass, secondPass] = twins;
  if (firstPass === undefined || secondPass === undefined) return secondMs;
  // hi is in the fold's first pass; a whole fold length earlier is before the fold.
  let hi = firstPass;
  let lo = firstPass - (secondPass - firstPass);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (isRepeatedWallTime(mid, timeZone)) hi = mid;
    else lo = mid;
  }
  return lo;
}

/*
 * Wall clock -> instant. TZDate's own wall-clock constructor and setters go through the host's
 * time zone and can land an hour off near DST changes (seen: America/Havana on 2026-03-08 with
 * TZ=America/New_York), so this direction is derived from the zone's offsets (tzOffset) and every
 * candidate is checked with TZDate's instant -> wall direction, which is exact.
 * A wall time is represented as "wall ms": the epoch ms it would have if the zone were UTC.
 */

/** The instants showing `wallMs`, ascending: none in a DST gap, two in a DST fold. */
function instantsOfWall(wallMs: number, timeZone: string): number[] {
  const found: number[] = [];
  for (const offsetMin of offsetsNear(wallMs, timeZone)) {
    const ms = wallMs - offsetMin * 60_000;
    if (!found.includes(ms) && wallOf(ms, timeZone) === wallMs) found.push(ms);
  }
  return found.sort((a, b) => a - b);
}

/** The zone's UTC offsets (minutes) within a day either side; at most one change happens there. */
function offsetsNear(wallMs: number, timeZone: string): number[] {
  return [wallMs - DAY_MS, wallMs, wallMs + DAY_MS].map((ms) => tzOffset(timeZone, new Date(ms)));
}

/** The local wall clock of an instant, as wall ms. */
function wallOf(ms: number, timeZone: string): number {
  const d = new TZDate(ms, timeZone);
  return wallMsOf(
    d.getFullYear(),
    d.getMonth() + 1,
    d.getDate(),
    d.getHours(),
    d.getMinutes(),
    d.getSeconds(),
  );
}

function wallMsOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const wall = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0..99 as 1900..1999.
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, 0);
  return wall.getTime();
}

function makeWindow(
  id: string,
  kind: Window['kind'],
  startMs: number,
  endMs: number,
  timeZone: string,
): Window {
  return {
    id,
    kind,
    start: formatLocal(startMs, timeZone),
    end: formatLocal(endMs, timeZone),
    startMs,
    endMs,
  };
}

/** First instant of a local calendar day: midnight, or the moment a DST gap that swallowed it ends. */
function dayStartMs(year: number, month: number, day: number, timeZone: string): number {
  const midnight = wallMsOf(year, month, day);
  const [first] = instantsOfWall(midnight, timeZone);
  if (first !== undefined) return first;
  // Midnight was skipped: the day starts at the gap's end, the first instant whose wall clock is
  // past midnight. Reading midnight with each nearby offset brackets that instant.
  const readings = offsetsNear(midnight, timeZone).map((offsetMin) => midnight - offsetMin * 60_000);
  let lo = Math.min(...readings);
  let hi = Math.max(...readings);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallOf(mid, timeZone) >= midnight) hi = mid;
    else lo = mid;
  }
  return hi;
}

function checkMonth(month: string, current: string, timeZone: string): string {
  const [year] = splitMonth(month);
  if (year < MIN_YEAR) {
    throw new ConfigError(`Month ${month} is before ${MIN_YEAR}-01: choose a month from ${MIN_YEAR}-01 on`);
  }
  if (month > current) {
    throw new ConfigError(
      `Month ${month} is in the future (it is ${current} in ${timeZone}): choose ${current} or earlier`,
    );
  }
  return month;
}

function checkNow(now: Date): number {
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) throw new ConfigError('Invalid "now": pass a valid Date');
  return nowMs;
}

function monthOf(epochMs: number, timeZone: string): string {
  return format(new TZDate(epochMs, timeZone), 'yyyy-MM');
}

function splitMonth(month: string): [number, number] {
  return [Number(month.slice(0, 4)), Number(month.slice(5, 7))];
}

function monthKey(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}`;
}

function clockId(epochMs: number, timeZone: string): string {
  return format(new TZDate(epochMs, timeZone), 'HHmmss');
}

function floorToSecond(epochMs: number): number {
  return Math.floor(epochMs / 1000) * 1000;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
