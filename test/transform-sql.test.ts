// The figures' SQL on staged records written by hand or drawn at random, against plain
// TypeScript: the delivery count when key hashes collide, the failure streaks on months built to
// hit every case of their minute-by-minute shortcut, and the means rolled up from avg's states.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StagingStore } from '../pipeline/store/staging.js';
import { readDeliveries } from '../pipeline/transform/deliveries.js';
import { readGroups } from '../pipeline/transform/groups.js';
import { localDaySql, offsetSegments } from '../pipeline/transform/local-day.js';
import { defineViews, sqlString } from '../pipeline/transform/queries.js';
import { readStreaks } from '../pipeline/transform/streaks.js';
import { tempOut } from './transform-helpers.js';

const START = Date.UTC(2026, 3, 1);
const END = Date.UTC(2026, 4, 1) - 1;

interface Staged {
  id: string;
  type: number;
  url: string | null;
  method?: string | null;
  params?: string | null;
  result: 0 | 1;
  createTime: number;
  startTime?: number | null;
  endTime?: number | null;
  /** the delivery key's hash; by default a hash of the key, as extract computes it */
  keyHash?: number;
}

let store: StagingStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

/** A staging store holding `records` (and nothing else), with the transform's views defined. */
async function stage(records: Staged[]): Promise<StagingStore> {
  store = await StagingStore.open(join(await tempOut(), 'staging.duckdb'), { memoryLimit: '256MB' });
  const text = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : sqlString(v));
  for (let i = 0; i < records.length; i += 500) {
    const values = records.slice(i, i + 500).map((r, j) => {
      const key = `hash(${r.type}::INTEGER, ${text(r.url)}, ${text(r.method)}, ${text(r.params)})`;
      return `(${sqlString(r.id)}, ${r.type}, ${text(r.url)}, ${text(r.method)}, ${text(r.params)}, ${r.result},
        ${r.createTime}, ${r.startTime ?? 'NULL'}, ${r.endTime ?? 'NULL'}, 'w', ${i + j},
        ${r.keyHash === undefined ? key : `${r.keyHash}::UBIGINT`})`;
    });
    await store.query(`INSERT INTO staged (id, type, url, method, params, result, create_time, start_time,
      end_time, window_id, fetch_seq, key_hash, content_hash, has_control_characters, is_overlong)
      SELECT *, 0, false, false FROM (VALUES ${values.join(', ')})`);
  }
  const segments = offsetSegments(START, END, 'UTC');
  await defineViews(store, (ms) => localDaySql(ms, segments));
  return store;
}

/** A small deterministic PRNG (mulberry32), so a failing month can be drawn again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('delivery-key-hash-collision', () => {
  it('counts deliveries by their keys when different keys share a hash', async () => {
    const A = 'https://a.example/push';
    const B = 'https://b.example/push?token=1';
    const collide = 42;
    const records: Staged[] = [
      // Three keys on one hash: two attempts of key 1 (delivered), one of key 2, two of key 3 (both failed).
      {
        id: '1',
        type: 1,
        url: A,
        method: 'POST',
        params: 'p1',
        result: 0,
        createTime: START + 1,
        keyHash: collide,
      },
      {
        id: '2',
        type: 1,
        url: A,
        method: 'POST',
        params: 'p1',
        result: 1,
        createTime: START + 2,
        keyHash: collide,
      },
      {
        id: '3',
        type: 1,
        url: A,
        method: 'POST',
        params: 'p2',
        result: 1,
        createTime: START + 3,
        keyHash: collide,
      },
      {
        id: '4',
        type: 2,
        url: B,
        method: 'GET',
        params: 'p1',
        result: 0,
        createTime: START + 4,
        keyHash: collide,
      },
      {
        id: '5',
        type: 2,
        url: B,
        method: 'GET',
        params: 'p1',
        result: 0,
        createTime: START + 5,
        keyHash: collide,
      },
      // Keys that differ only by a missing field, on one hash.
      {
        id: '6',
        type: 1,
        url: null,
        method: 'POST',
        params: null,
        result: 1,
        createTime: START + 6,
        keyHash: 7,
      },
      {
        id: '7',
        type: 1,
        url: null,
        method: 'POST',
        params: '',
        result: 0,
        createTime: START + 7,
        keyHash: 7,
      },
      {
        id: '8',
        type: 1,
        url: null,
        method: 'POST',
        params: null,
        result: 0,
        createTime: START + 8,
        keyHash: 7,
      },
      // A hash of its own, and an ordinary retry chain hashed as extract does.
      { id: '9', type: 2, url: A, method: 'POST', params: 'p9', result: 0, createTime: START + 9 },
      { id: '10', type: 2, url: B, method: 'GET', params: 'p10', result: 0, createTime: START + 10 },
      { id: '11', type: 2, url: B, method: 'GET', params: 'p10', result: 1, createTime: START + 11 },
    ];
    const db = await stage(records);
    await readGroups(db);
    const deliveries = await readDeliveries(db);

    // Plainly: one delivery per distinct key, delivered when any attempt succeeded.
    const keys = new Map<string, { type: number; url: string | null; delivered: boolean }>();
    for (const r of records) {
      const key = JSON.stringify([r.type, r.url, r.method ?? null, r.params ?? null]);
      const known = keys.get(key);
      keys.set(key, { type: r.type, url: r.url, delivered: (known?.delivered ?? false) || r.result === 1 });
    }
    const expected = (list: { delivered: boolean }[]) => {
      const delivered = list.filter((k) => k.delivered).length;
      return {
        deliveries: list.length,
        delivered,
        exhausted: list.length - delivered,
        eventualSuccessRate: delivered / list.length,
      };
    };
    const all = [...keys.values()];
    expect(deliveries.month).toEqual(expected(all));
    expect(deliveries.month.deliveries).toBe(7);
    expect(deliveries.byType.get(1)).toEqual(expected(all.filter((k) => k.type === 1)));
    expect(deliveries.byType.get(2)).toEqual(expected(all.filter((k) => k.type === 2)));
    expect(deliveries.byEndpoint.get('https://b.example/push')).toEqual(
      expected(all.filter((k) => k.url === B)),
    );
    expect(deliveries.byEndpoint.get('(none)')).toEqual(expected(all.filter((k) => k.url === null)));
  });
});

/** The longest failure streak of each endpoint, walking its records in CreateTime order. */
function walkStreaks(records: (Staged & { endpoint: string })[]) {
  const best = new Map<string, { length: number; from: number | null; to: number | null }>();
  const byEndpoint = new Map<string, Staged[]>();
  for (const r of records) byEndpoint.set(r.endpoint, [...(byEndpoint.get(r.endpoint) ?? []), r]);
  for (const [endpoint, list] of byEndpoint) {
    // Successes first within a millisecond, as the report defines.
    const sorted = [...list].sort((a, b) => a.createTime - b.createTime || b.result - a.result);
    let top = { length: 0, from: null as number | null, to: null as number | null };
    let run = { length: 0, from: 0, to: 0 };
    for (const r of sorted) {
      if (r.result === 1) run = { length: 0, from: 0, to: 0 };
      else {
        run =
          run.length === 0
            ? { length: 1, from: r.createTime, to: r.createTime }
            : { ...run, length: run.length + 1, to: r.createTime };
        if (run.length > top.length) top = { ...run };
      }
    }
    if (top.length > 0) best.set(endpoint, top);
  }
  return best;
}

describe('longest failure streaks', () => {
  // Each month mixes endpoints of different kinds: mostly succeeding, flapping, with outages, or
  // failing throughout; records are drawn onto few milliseconds (ties), onto minute edges, and
  // across hours with gaps, so runs start, end and cross minutes every way the SQL distinguishes.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('match a plain walk through each endpoint (month %i)', async (seed) => {
    const next = random(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
    const endpoints = [
      { endpoint: 'https://a.example/x', urls: ['https://a.example/x', 'https://A.EXAMPLE/x?sign=1'] },
      { endpoint: 'https://b.example/y', urls: ['https://b.example/y'] },
      { endpoint: 'https://c.example/z', urls: ['https://c.example/z#f'] },
      { endpoint: 'https://d.example/w', urls: ['https://d.example/w'] },
    ];
    const failure = endpoints.map(() => pick([0.02, 0.3, 0.6, 0.9, 1]));
    const records: (Staged & { endpoint: string })[] = [];
    const count = 400 + Math.floor(next() * 1600);
    const hour = START + Math.floor(next() * 600) * 3_600_000;
    for (let i = 0; i < count; i++) {
      const e = Math.floor(next() * endpoints.length);
      const spot = next();
      const createTime =
        spot < 0.3
          ? hour + Math.floor(next() * 8) * 60_000 + pick([0, 1, 59_999, 30_000]) // minute edges, ties
          : spot < 0.6
            ? hour + Math.floor(next() * 40) * 1_000 // a few crowded minutes
            : hour + Math.floor(next() * 4 * 3_600_000); // hours, with empty minutes between
      const outage = createTime > hour + 20 * 60_000 && createTime < hour + 50 * 60_000 && e === 1;
      const fails = next() < (outage ? 0.97 : (failure[e] as number));
      const target = endpoints[e] as (typeof endpoints)[number];
      records.push({
        id: String(i),
        type: 1,
        url: pick(target.urls),
        params: String(i),
        result: fails ? 0 : 1,
        createTime,
        endpoint: target.endpoint,
      });
    }
    const db = await stage(records);
    expect(await readStreaks(db)).toEqual(walkStreaks(records));
  });

  it('report the earliest of equally long runs, also inside one minute', async () => {
    const t = START + 5 * 60_000;
    const records = [
      // Minute 5: S F F S F F S: two inner runs of 2; the first wins.
      [0, 1],
      [10, 0],
      [20, 0],
      [30, 1],
      [40, 0],
      [50, 0],
      [59_000, 1],
      // Minute 7: S then F F at the minute's end, continuing into minute 8 until its S: a run of 2, later.
      [120_000, 1],
      [179_998, 0],
      [179_999, 0],
      [180_000, 1],
      // The same millisecond: the success comes first, so the failure starts a run of 1.
      [240_000, 0],
      [240_000, 1],
    ].map(([offset, result], i) => ({
      id: String(i),
      type: 1,
      url: 'https://a.example/x',
      result: result as 0 | 1,
      createTime: t + (offset as number),
      endpoint: 'https://a.example/x',
    }));
    const db = await stage(records);
    const streaks = await readStreaks(db);
    expect(streaks).toEqual(walkStreaks(records));
    expect(streaks.get('https://a.example/x')).toEqual({ length: 2, from: t + 10, to: t + 20 });
  });
});

describe('the means of every group', () => {
  it('are avg() over the group to the last bit, though rolled up from its Type, Url and day', async () => {
    const next = random(99);
    const urls = ['https://a.example/x', 'https://A.example/x?q=1', 'https://b.example/y', null];
    const records: Staged[] = Array.from({ length: 3000 }, (_, i) => {
      const startTime = START + Math.floor(next() * 29 * 86_400_000);
      return {
        id: String(i),
        type: 1 + Math.floor(next() * 4),
        url: urls[Math.floor(next() * urls.length)] ?? null,
        result: next() < 0.8 ? 1 : 0,
        createTime: startTime + 5,
        startTime,
        // Latencies from 0 to about a billion ms, a few missing or reversed.
        endTime: next() < 0.02 ? null : startTime + Math.floor(next() ** 6 * 1e9) - (next() < 0.01 ? 2e6 : 0),
      };
    });
    const db = await stage(records);
    const groups = await readGroups(db);
    const direct = new Map(
      (
        await db.query(`SELECT GROUPING(type) AS by_type, GROUPING(endpoint) AS by_endpoint, type, endpoint,
          avg(latency_ms) AS mean FROM (SELECT p.*, endpoint_of(url) AS endpoint FROM pushes p)
          GROUP BY GROUPING SETS ((), (type), (endpoint))`)
      ).map((r) => [
        Number(r.by_type) === 0 ? `type ${r.type}` : Number(r.by_endpoint) === 0 ? `${r.endpoint}` : 'month',
        r.mean,
      ]),
    );
    expect(groups.month.latencyMs.mean).toBe(direct.get('month'));
    for (const [type, g] of groups.byType)
      expect(g.latencyMs.mean, `type ${type}`).toBe(direct.get(`type ${type}`));
    for (const [endpoint, g] of groups.byEndpoint)
      expect(g.latencyMs.mean, endpoint).toBe(direct.get(endpoint));
    expect(groups.byEndpoint.size).toBe(3);
  });
});
