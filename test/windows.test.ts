import { describe, expect, it } from 'vitest';
import { ConfigError } from '../pipeline/errors.js';
import {
  assertTimeZone,
  formatLocal,
  parseLocal,
  parseMonth,
  planMonth,
  splitIntoHours,
  type Window,
} from '../pipeline/extract/windows.js';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Long after every month planned below, so they are all closed. */
const LATER = new Date(Date.UTC(2027, 1, 1));

function expectContiguous(windows: Window[], startMs: number, endMs: number): void {
  expect(windows[0]?.startMs).toBe(startMs);
  expect(windows.at(-1)?.endMs).toBe(endMs);
  for (let i = 1; i < windows.length; i++) {
    expect((windows[i] as Window).startMs).toBe((windows[i - 1] as Window).endMs + 1);
  }
  expect(windows.reduce((sum, w) => sum + (w.endMs - w.startMs + 1), 0)).toBe(endMs - startMs + 1);
  expect(new Set(windows.map((w) => w.id)).size).toBe(windows.length);
}

function dayWindow(plan: ReturnType<typeof planMonth>, id: string): Window {
  const found = plan.windows.find((w) => w.id === id);
  if (!found) throw new Error(`no window ${id}`);
  return found;
}

describe('planMonth: closed months in Asia/Shanghai', () => {
  it.each([
    ['2024-02', 29, Date.UTC(2024, 0, 31, 16), '2024-02-29'],
    ['2026-02', 28, Date.UTC(2026, 0, 31, 16), '2026-02-28'],
    ['2026-04', 30, Date.UTC(2026, 2, 31, 16), '2026-04-30'],
    ['2026-01', 31, Date.UTC(2025, 11, 31, 16), '2026-01-31'],
  ])('%s has %i day windows', (month, days, firstStartMs, lastDay) => {
    const plan = planMonth({ month, timeZone: SH, now: LATER });
    expect(plan.windows).toHaveLength(days);
    expect(plan.final).toBe(true);
    expect(plan.asOfMs).toBeNull();
    expect(plan.startMs).toBe(firstStartMs);
    expect(plan.endMs).toBe(firstStartMs + days * DAY - 1);
    expect(plan.start).toBe(`${month}-01 00:00:00`);
    expect(plan.end).toBe(`${lastDay} 23:59:59`);
    expect(plan.windows[0]).toEqual({
      id: `${month}-01`,
      kind: 'day',
      start: `${month}-01 00:00:00`,
      end: `${month}-01 23:59:59`,
      startMs: firstStartMs,
      endMs: firstStartMs + DAY - 1,
    });
    expect(plan.windows.at(-1)).toMatchObject({ id: lastDay, end: `${lastDay} 23:59:59` });
    expect(plan.windows.every((w) => w.endMs - w.startMs + 1 === DAY)).toBe(true);
    expectContiguous(plan.windows, plan.startMs, plan.endMs);
  });
});

describe('planMonth: America/New_York across DST', () => {
  it('March 2026 has a 23-hour day and covers the month exactly', () => {
    const plan = planMonth({ month: '2026-03', timeZone: NY, now: LATER });
    expect(plan.windows).toHaveLength(31);
    expect(plan.startMs).toBe(Date.UTC(2026, 2, 1, 5)); // EST, UTC-5
    expect(plan.endMs).toBe(Date.UTC(2026, 3, 1, 4) - 1); // EDT, UTC-4
    expect(plan.endMs - plan.startMs + 1).toBe(31 * DAY - HOUR);
    expectContiguous(plan.windows, plan.startMs, plan.endMs);
    expect(dayWindow(plan, '2026-03-08')).toEqual({
      id: '2026-03-08',
      kind: 'day',
      start: '2026-03-08 00:00:00',
      end: '2026-03-08 23:59:59',
      startMs: Date.UTC(2026, 2, 8, 5),
      endMs: Date.UTC(2026, 2, 9, 4) - 1,
    });
    expect(plan.windows.filter((w) => w.endMs - w.startMs + 1 !== DAY).map((w) => w.id)).toEqual([
      '2026-03-08',
    ]);
  });

  it('November 2026 has a 25-hour day', () => {
    const plan = planMonth({ month: '2026-11', timeZone: NY, now: LATER });
    const day = dayWindow(plan, '2026-11-01');
    expect(day.startMs).toBe(Date.UTC(2026, 10, 1, 4));
    expect(day.endMs).toBe(Date.UTC(2026, 10, 2, 5) - 1);
    expect(plan.endMs - plan.startMs + 1).toBe(30 * DAY + HOUR);
    expectContiguous(plan.windows, plan.startMs, plan.endMs);
  });
});

describe('planMonth: the current month', () => {
  // 2026-04-03 14:25:47.873 in Shanghai
  const now = new Date(Date.UTC(2026, 3, 3, 6, 25, 47, 873));

  it('ends at now minus the lag, truncated to the second', () => {
    const plan = planMonth({ month: '2026-04', timeZone: SH, now });
    const asOfMs = Date.UTC(2026, 3, 3, 6, 15, 47);
    expect(plan.final).toBe(false);
    expect(plan.asOfMs).toBe(asOfMs);
    expect(plan.end).toBe('2026-04-03 14:15:47');
    expect(plan.endMs).toBe(asOfMs + 999);
    expect(plan.windows.map((w) => w.id)).toEqual(['2026-04-01', '2026-04-02', '2026-04-03-to141547']);
    expect(plan.windows.at(-1)).toEqual({
      id: '2026-04-03-to141547',
      kind: 'day',
      start: '2026-04-03 00:00:00',
      end: '2026-04-03 14:15:47',
      startMs: Date.UTC(2026, 3, 2, 16),
      endMs: asOfMs + 999,
    });
    expectContiguous(plan.windows, plan.startMs, plan.endMs);
  });

  it('honours a custom lag', () => {
    const plan = planMonth({ month: '2026-04', timeZone: SH, now, lagMs: 0 });
    expect(plan.asOfMs).toBe(Date.UTC(2026, 3, 3, 6, 25, 47));
    expect(plan.windows.at(-1)?.id).toBe('2026-04-03-to142547');
  });

  it('has no windows in the first minutes of the month', () => {
    const firstMinutes = new Date(Date.UTC(2026, 2, 31, 16, 5)); // 2026-04-01 00:05 in Shanghai
    const plan = planMonth({ month: '2026-04', timeZone: SH, now: firstMinutes });
    expect(plan.windows).toEqual([]);
    expect(plan.final).toBe(false);
    expect(plan.startMs).toBe(Date.UTC(2026, 2, 31, 16));
    expect(plan.endMs).toBe(plan.startMs - 1);
    expect(plan.asOfMs).toBe(Date.UTC(2026, 2, 31, 15, 55));
  });

  it('keeps the previous month open until the lag has passed its end', () => {
    const firstMinutes = new Date(Date.UTC(2026, 2, 31, 16, 5));
    const march = planMonth({ month: '2026-03', timeZone: SH, now: firstMinutes });
    expect(march.final).toBe(false);
    expect(march.windows).toHaveLength(31);
    expect(march.windows.at(-1)?.id).toBe('2026-03-31-to235500');
    const closed = planMonth({
      month: '2026-03',
      timeZone: SH,
      now: new Date(Date.UTC(2026, 2, 31, 16, 10)),
    });
    expect(closed.final).toBe(true);
    expect(closed.asOfMs).toBeNull();
    expect(closed.windows.at(-1)?.id).toBe('2026-03-31');
  });

  it('gives a one-second window when the as-of second is the month start', () => {
    const plan = planMonth({
      month: '2026-04',
      timeZone: SH,
      now: new Date(Date.UTC(2026, 2, 31, 16, 10, 0, 500)),
    });
    expect(plan.windows).toEqual([
      {
        id: '2026-04-01-to000000',
        kind: 'day',
        start: '2026-04-01 00:00:00',
        end: '2026-04-01 00:00:00',
        startMs: Date.UTC(2026, 2, 31, 16),
        endMs: Date.UTC(2026, 2, 31, 16) + 999,
      },
    ]);
  });

  it('moves an as-of time inside the repeated DST hour back before it', () => {
    // 01:30 EST on 2026-11-01, the second pass of 01:00-01:59 in New York.
    const plan = planMonth({ month: '2026-11', timeZone: NY, now: new Date(Date.UTC(2026, 10, 1, 6, 40)) });
    expect(plan.asOfMs).toBe(Date.UTC(2026, 10, 1, 4, 59, 59)); // 00:59:59 EDT
    expect(plan.end).toBe('2026-11-01 00:59:59');
    expect(plan.windows.at(-1)?.id).toBe('2026-11-01-to005959');
    // The first pass (01:30 EDT) moves back to the same second.
    const firstPass = planMonth({
      month: '2026-11',
      timeZone: NY,
      now: new Date(Date.UTC(2026, 10, 1, 5, 40)),
    });
    expect(firstPass.asOfMs).toBe(Date.UTC(2026, 10, 1, 4, 59, 59));
  });

  it('rejects a future month and a bad lag', () => {
    expect(() => planMonth({ month: '2026-05', timeZone: SH, now })).toThrow(ConfigError);
    expect(() => planMonth({ month: '2026-04', timeZone: SH, now, lagMs: -1 })).toThrow(ConfigError);
    expect(() => planMonth({ month: 'last', timeZone: SH, now })).toThrow(ConfigError);
    expect(() => planMonth({ month: '2026-04', timeZone: 'Mars/Olympus', now })).toThrow(ConfigError);
  });
});

describe('parseMonth', () => {
  const jan3 = new Date(Date.UTC(2026, 0, 3, 4));

  it('accepts YYYY-MM, last and current', () => {
    expect(parseMonth('last', jan3, SH)).toBe('2025-12');
    expect(parseMonth('current', jan3, SH)).toBe('2026-01');
    expect(parseMonth('2025-02', jan3, SH)).toBe('2025-02');
    expect(parseMonth('2026-01', jan3, SH)).toBe('2026-01');
    expect(parseMonth('2000-01', jan3, SH)).toBe('2000-01');
  });

  it('reads the month in the given zone', () => {
    const now = new Date(Date.UTC(2026, 0, 31, 17)); // Feb 1 01:00 in Shanghai, Jan 31 12:00 in New York
    expect(parseMonth('current', now, SH)).toBe('2026-02');
    expect(parseMonth('current', now, NY)).toBe('2026-01');
    expect(parseMonth('last', now, NY)).toBe('2025-12');
  });

  it.each(['2026-13', '2026-4', 'April', '', ' 2026-01', '2026-00', '2026/01', 'LAST'])(
    'rejects %j and names the accepted forms',
    (input) => {
      expect(() => parseMonth(input, jan3, SH)).toThrow(ConfigError);
      expect(() => parseMonth(input, jan3, SH)).toThrow(/YYYY-MM.*"last".*"current"/);
    },
  );

  it('rejects a future month and months before 2000', () => {
    expect(() => parseMonth('2026-02', jan3, SH)).toThrow(/in the future.*choose 2026-01 or earlier/);
    expect(() => parseMonth('1999-12', jan3, SH)).toThrow(ConfigError);
  });

  it('rejects a bad zone or date', () => {
    expect(() => parseMonth('last', jan3, 'Asia/Shangai')).toThrow(ConfigError);
    expect(() => parseMonth('last', new Date(Number.NaN), SH)).toThrow(ConfigError);
  });
});

describe('assertTimeZone', () => {
  it.each(['Asia/Shanghai', 'America/New_York', 'UTC', 'Europe/London'])('accepts %s', (zone) => {
    expect(() => assertTimeZone(zone)).not.toThrow();
  });
  it.each(['Mars/Olympus', '+08:00', '', 'UTC+8'])('rejects %j', (zone) => {
    expect(() => assertTimeZone(zone)).toThrow(ConfigError);
    expect(() => assertTimeZone(zone)).toThrow(/IANA zone name/);
  });
});

describe('splitIntoHours', () => {
  const april = planMonth({ month: '2026-04', timeZone: SH, now: LATER });
  const day = dayWindow(april, '2026-04-03');

  it('splits a day into 24 contiguous clock hours', () => {
    const hours = splitIntoHours(day, SH);
    expect(hours).toHaveLength(24);
    expect(hours.map((h) => h.id)).toEqual(
      Array.from({ length: 24 }, (_, h) => `2026-04-03T${String(h).padStart(2, '0')}`),
    );
    expect(hours[14]).toEqual({
      id: '2026-04-03T14',
      kind: 'hour',
      start: '2026-04-03 14:00:00',
      end: '2026-04-03 14:59:59',
      startMs: Date.UTC(2026, 3, 3, 6),
      endMs: Date.UTC(2026, 3, 3, 7) - 1,
    });
    expect(hours.every((h) => h.endMs - h.startMs + 1 === HOUR)).toBe(true);
    expectContiguous(hours, day.startMs, day.endMs);
  });

  it('with untilMs stops at the second containing it', () => {
    const hours = splitIntoHours(day, SH, Date.UTC(2026, 3, 3, 6, 15, 47, 321));
    expect(hours).toHaveLength(15);
    expect(hours.at(-1)).toEqual({
      id: '2026-04-03T14-to141547',
      kind: 'hour',
      start: '2026-04-03 14:00:00',
      end: '2026-04-03 14:15:47',
      startMs: Date.UTC(2026, 3, 3, 6),
      endMs: Date.UTC(2026, 3, 3, 6, 15, 47, 999),
    });
    expectContiguous(hours, day.startMs, Date.UTC(2026, 3, 3, 6, 15, 47, 999));
    const full = new Set(splitIntoHours(day, SH).map((h) => h.id));
    expect(full.has(hours.at(-1)?.id ?? '')).toBe(false);
    expect(hours.slice(0, -1).every((h) => full.has(h.id))).toBe(true);
  });

  it('keeps the full-hour id when untilMs is the last second of an hour', () => {
    const hours = splitIntoHours(day, SH, Date.UTC(2026, 3, 3, 7) - 1);
    expect(hours.at(-1)?.id).toBe('2026-04-03T14');
  });

  it('covers the whole window when untilMs is past it, and nothing when before it', () => {
    expect(splitIntoHours(day, SH, day.endMs + DAY)).toEqual(splitIntoHours(day, SH));
    expect(splitIntoHours(day, SH, day.startMs - 1)).toEqual([]);
    expect(splitIntoHours(day, SH, day.startMs)).toHaveLength(1);
  });

  it('gives a suffix to the last hour of an as-of day', () => {
    const plan = planMonth({
      month: '2026-04',
      timeZone: SH,
      now: new Date(Date.UTC(2026, 3, 3, 6, 25, 47)),
    });
    const hours = splitIntoHours(plan.windows.at(-1) as Window, SH);
    expect(hours).toHaveLength(15);
    expect(hours.at(-1)?.id).toBe('2026-04-03T14-to141547');
    expect(hours.at(-1)?.endMs).toBe(plan.endMs);
  });

  it('skips the missing hour of a 23-hour day', () => {
    const march = planMonth({ month: '2026-03', timeZone: NY, now: LATER });
    const dstDay = dayWindow(march, '2026-03-08');
    const hours = splitIntoHours(dstDay, NY);
    expect(hours).toHaveLength(23);
    expect(hours.map((h) => h.id.slice(10))).toEqual([
      'T00',
      'T01',
      'T03',
      'T04',
      'T05',
      'T06',
      'T07',
      'T08',
      'T09',
      'T10',
      'T11',
      'T12',
      'T13',
      'T14',
      'T15',
      'T16',
      'T17',
      'T18',
      'T19',
      'T20',
      'T21',
      'T22',
      'T23',
    ]);
    expect(hours[1]).toMatchObject({ end: '2026-03-08 01:59:59', endMs: Date.UTC(2026, 2, 8, 7) - 1 });
    expect(hours[2]).toMatchObject({ start: '2026-03-08 03:00:00', startMs: Date.UTC(2026, 2, 8, 7) });
    expect(hours.every((h) => h.endMs - h.startMs + 1 === HOUR)).toBe(true);
    expectContiguous(hours, dstDay.startMs, dstDay.endMs);
  });

  describe('the repeated hour of a 25-hour day', () => {
    const november = planMonth({ month: '2026-11', timeZone: NY, now: LATER });
    const foldDay = dayWindow(november, '2026-11-01');

    it('merges it with its neighbours so that no bound is ambiguous', () => {
      const hours = splitIntoHours(foldDay, NY);
      expect(hours).toHaveLength(22);
      expect(hours[0]).toEqual({
        id: '2026-11-01T00',
        kind: 'hour',
        start: '2026-11-01 00:00:00',
        end: '2026-11-01 02:59:59',
        startMs: Date.UTC(2026, 10, 1, 4), // 00:00 EDT
        endMs: Date.UTC(2026, 10, 1, 8) - 1, // 02:59:59.999 EST
      });
      expect(hours[1]?.id).toBe('2026-11-01T03');
      expectContiguous(hours, foldDay.startMs, foldDay.endMs);
    });

    it('moves an untilMs inside it forward to the end of the merged window', () => {
      const secondPass = splitIntoHours(foldDay, NY, Date.UTC(2026, 10, 1, 6, 15)); // 01:15 EST
      expect(secondPass).toHaveLength(1);
      expect(secondPass[0]?.id).toBe('2026-11-01T00');
      const beforeFold = splitIntoHours(foldDay, NY, Date.UTC(2026, 10, 1, 4, 30)); // 00:30 EDT
      expect(beforeFold.map((h) => [h.id, h.end])).toEqual([
        ['2026-11-01T00-to003000', '2026-11-01 00:30:00'],
      ]);
      const afterFold = splitIntoHours(foldDay, NY, Date.UTC(2026, 10, 1, 7, 30)); // 02:30 EST
      expect(afterFold.map((h) => [h.id, h.endMs])).toEqual([
        ['2026-11-01T00-to023000', Date.UTC(2026, 10, 1, 7, 30, 0, 999)],
      ]);
    });
  });

  it('starts a day at the end of a DST gap that swallowed midnight (America/Santiago)', () => {
    const september = planMonth({ month: '2026-09', timeZone: 'America/Santiago', now: LATER });
    const gapDay = dayWindow(september, '2026-09-06');
    expect(gapDay.start).toBe('2026-09-06 01:00:00');
    expect(gapDay.startMs).toBe(Date.UTC(2026, 8, 6, 4)); // 00:00 -04 became 01:00 -03
    const hours = splitIntoHours(gapDay, 'America/Santiago');
    expect(hours[0]?.id).toBe('2026-09-06T01');
    expect(hours).toHaveLength(23);
  });

  it('rejects an inverted window and a bad untilMs', () => {
    expect(() => splitIntoHours({ ...day, endMs: day.startMs - 1 }, SH)).toThrow(ConfigError);
    expect(() => splitIntoHours(day, SH, Number.NaN)).toThrow(ConfigError);
  });
});

describe('every month of 2026 in awkward zones', () => {
  const zones = [
    SH,
    NY,
    'Europe/London',
    'Asia/Kolkata', // +05:30: clock hours start at :30 UTC
    'Australia/Lord_Howe', // 30-minute DST
    'America/St_Johns', // -03:30 with DST
    'Pacific/Chatham', // +12:45 with DST
  ];
  it.each(zones)('%s: months and hours are contiguous, exact and unambiguous', (zone) => {
    for (let m = 1; m <= 12; m++) {
      const plan = planMonth({
        month: `2026-${String(m).padStart(2, '0')}`,
        timeZone: zone,
        now: LATER,
      });
      expectContiguous(plan.windows, plan.startMs, plan.endMs);
      // Days with one offset take a shortcut; check those around each month start and every DST day.
      const checked = plan.windows.filter((w, i) => i < 2 || w.endMs - w.startMs + 1 !== DAY);
      for (const day of checked) {
        const hours = splitIntoHours(day, zone);
        expectContiguous(hours, day.startMs, day.endMs);
        for (const h of hours) {
          // Every bound reads back to its own instant, so the earlier-instant reading of
          // an ambiguous string (TZDate's, and possibly the server's) can never occur.
          expect(parseLocal(h.start, zone)).toBe(h.startMs);
          expect(parseLocal(h.end, zone)).toBe(h.endMs - 999);
          expect(formatLocal(parseLocal(h.start, zone), zone)).toBe(h.start);
        }
      }
    }
  });
});

describe('zones that change clocks at midnight', () => {
  // Their day bounds can be skipped or repeated wall times (see the module comment); the cover
  // must still be exact and the day must start at its first real instant.
  it.each(['America/Santiago', 'America/Havana', 'Asia/Beirut', 'Africa/Cairo'])('%s', (zone) => {
    for (let m = 1; m <= 12; m++) {
      const plan = planMonth({ month: `2026-${String(m).padStart(2, '0')}`, timeZone: zone, now: LATER });
      expectContiguous(plan.windows, plan.startMs, plan.endMs);
      for (const day of plan.windows.filter((w) => w.endMs - w.startMs + 1 !== DAY)) {
        expect(formatLocal(day.startMs - 1, zone) < `${day.id} 00:00:00`).toBe(true);
        const hours = splitIntoHours(day, zone);
        expectContiguous(hours, day.startMs, day.endMs);
        expect(hours.every((h) => h.endMs > h.startMs)).toBe(true);
      }
    }
  });
});

describe('host-time-zone-independence (TZDate wall-clock constructor drifts near DST)', () => {
  it('plans America/Havana correctly on a New York host', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      // Havana springs forward at 00:00 on 2026-03-08, the day New York does at 02:00.
      expect(parseLocal('2026-03-08 02:00:00', 'America/Havana')).toBe(Date.UTC(2026, 2, 8, 6));
      const march = planMonth({ month: '2026-03', timeZone: 'America/Havana', now: LATER });
      const gapDay = dayWindow(march, '2026-03-08');
      expect(gapDay).toMatchObject({ start: '2026-03-08 01:00:00', startMs: Date.UTC(2026, 2, 8, 5) });
      expect(splitIntoHours(gapDay, 'America/Havana')[1]).toMatchObject({
        id: '2026-03-08T02',
        startMs: Date.UTC(2026, 2, 8, 6),
      });
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('formatLocal and parseLocal', () => {
  it('round-trip at second precision', () => {
    const ms = Date.UTC(2026, 3, 3, 6, 15, 47, 123);
    expect(formatLocal(ms, SH)).toBe('2026-04-03 14:15:47');
    expect(parseLocal('2026-04-03 14:15:47', SH)).toBe(ms - 123);
    expect(formatLocal(parseLocal('2026-03-08 01:59:59', NY), NY)).toBe('2026-03-08 01:59:59');
    expect(parseLocal('2026-03-08 03:00:00', NY)).toBe(Date.UTC(2026, 2, 8, 7));
  });

  it('reads a repeated wall time as its earlier instant', () => {
    expect(parseLocal('2026-11-01 01:30:00', NY)).toBe(Date.UTC(2026, 10, 1, 5, 30));
    expect(formatLocal(Date.UTC(2026, 10, 1, 6, 30), NY)).toBe('2026-11-01 01:30:00');
  });

  it.each([
    '2026-04-03T14:15:47',
    '2026-4-3 14:15:47',
    '2026-02-30 00:00:00',
    '2026-04-03 24:00:00',
    '2026-04-03 14:15',
    '',
  ])('rejects %j', (s) => {
    expect(() => parseLocal(s, SH)).toThrow(ConfigError);
    expect(() => parseLocal(s, SH)).toThrow(/yyyy-MM-dd HH:mm:ss/);
  });

  it('rejects a bad zone and a non-finite time', () => {
    expect(() => formatLocal(0, 'Nowhere/Land')).toThrow(ConfigError);
    expect(() => formatLocal(Number.NaN, SH)).toThrow(ConfigError);
    expect(() => parseLocal('2026-04-03 14:15:47', 'Nowhere/Land')).toThrow(ConfigError);
  });
});
