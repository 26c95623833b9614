// The CloudListCurlLog simulator over real HTTP on 127.0.0.1:0: data, paging, filters, errors,
// faults, the QPS cap, signatures and the .ndjson data mode.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tz } from '@date-fns/tz';
import { addDays, format } from 'date-fns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultPlanner } from '../pipeline/simulator/faults.js';
import {
  DEFAULT_KEY_PAIR,
  ENDPOINTS,
  generateMonth,
  materialiseRecord,
  monthBounds,
  PUSH_TYPES,
  type Simulator,
  type SimulatorOptions,
  type WireRecord,
} from '../pipeline/simulator/index.js';
import { type CallOptions, callSimulator, startTestSimulator } from './helpers/simulator.js';

const ZONE = 'Asia/Shanghai';
const ENTERPRISE = '7122600';
const APRIL = monthBounds('2026-04', ZONE);
const VOLUME = 3000;
const UNSIGNED: CallOptions = { sign: false };
const FIXTURE = new URL('./fixtures/bad-records.ndjson', import.meta.url).pathname;

interface Page {
  RequestId: string;
  Code: string;
  Message: string;
  Data: { List: WireRecord[] };
}

const local = (ms: number) => format(ms, 'yyyy-MM-dd HH:mm:ss', { in: tz(ZONE) });
const window = (startMs: number, endMs: number) => ({ StartTime: local(startMs), EndTime: local(endMs) });
const MONTH_PARAMS = { EnterpriseId: ENTERPRISE, ...window(APRIL.startMs, APRIL.endMs) };

async function page(
  sim: Simulator,
  params: Record<string, string | number>,
  options = UNSIGNED,
): Promise<Page> {
  const { status, body } = await callSimulator(sim, params, options);
  expect(status).toBe(200);
  expect((body as Page).Code).toBe('OK');
  return body as Page;
}

/** Pages a window until a short page, as a client must (there is no total count). */
async function pageAll(
  sim: Simulator,
  params: Record<string, string | number>,
  limit = 500,
): Promise<WireRecord[]> {
  const out: WireRecord[] = [];
  for (let start = 0; ; start += limit) {
    const list = (await page(sim, { ...params, Start: start, Limit: limit })).Data.List;
    out.push(...list);
    if (list.length < limit) return out;
  }
}

async function started(options: SimulatorOptions, close: Simulator[]): Promise<Simulator> {
  const sim = await startTestSimulator(options);
  close.push(sim);
  return sim;
}

const open: Simulator[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

describe('generated month', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await started({ seed: 5, volume: VOLUME, verifySignatures: false }, open);
  });

  it('holds exactly `volume` records, whichever way the month is cut', async () => {
    expect(sim.countRecords({ enterpriseId: ENTERPRISE, ...APRIL })).toBe(VOLUME);
    let sum = 0;
    for (let day = APRIL.startMs; day <= APRIL.endMs; day = addDays(day, 1, { in: tz(ZONE) }).getTime()) {
      sum += sim.countRecords({ enterpriseId: ENTERPRISE, startMs: day, endMs: day + 86_400_000 - 1 });
    }
    expect(sum).toBe(VOLUME);
    expect(sim.listIds({ enterpriseId: ENTERPRISE, ...APRIL })).toHaveLength(VOLUME);
  });

  it('pages a window newest first, every record exactly once', async () => {
    const records = await pageAll(sim, MONTH_PARAMS);
    const ids = records.map((r) => BigInt(r.Id));
    expect(new Set(ids).size).toBe(VOLUME);
    expect(ids.every((id, k) => k === 0 || id < (ids[k - 1] as bigint))).toBe(true);
    expect(records.map((r) => r.Id)).toEqual(sim.listIds({ enterpriseId: ENTERPRISE, ...APRIL }));
    // A day window agrees with the oracle too.
    const day = { startMs: APRIL.startMs + 9 * 86_400_000, endMs: APRIL.startMs + 10 * 86_400_000 - 1 };
    const dayRecords = await pageAll(
      sim,
      { EnterpriseId: ENTERPRISE, ...window(day.startMs, day.endMs) },
      100,
    );
    expect(dayRecords).toHaveLength(sim.countRecords({ enterpriseId: ENTERPRISE, ...day }));
    for (const r of dayRecords) expect(Number(r.CreateTime)).toBeGreaterThanOrEqual(day.startMs);
  });

  it('takes both window bounds inclusive at second precision', async () => {
    const [sample] = (await page(sim, { ...MONTH_PARAMS, Start: 1234, Limit: 1 })).Data.List;
    const createMs = Number(sample?.CreateTime);
    const second = createMs - (createMs % 1000);
    const list = (await page(sim, { EnterpriseId: ENTERPRISE, ...window(second, second), Limit: 500 })).Data
      .List;
    expect(list.map((r) => r.Id)).toContain(sample?.Id);
    expect(list).toHaveLength(
      sim.countRecords({ enterpriseId: ENTERPRISE, startMs: second, endMs: second + 999 }),
    );
  });

  it('answers the same bytes for the same seed, and other data for another seed', async () => {
    const twin = await started({ seed: 5, volume: VOLUME, verifySignatures: false }, open);
    const other = await started({ seed: 6, volume: VOLUME, verifySignatures: false }, open);
    const params = { ...MONTH_PARAMS, Start: 700, Limit: 50 };
    const [a, b, c] = await Promise.all([sim, twin, other].map(async (s) => (await page(s, params)).Data));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('filters on Type, Result, Url and Retry, and never mixes enterprises', async () => {
    const cases: [Record<string, string | number>, (r: WireRecord) => boolean, object][] = [
      [{ Type: 9 }, (r) => r.Type === 9, { type: 9 }],
      [{ Result: 0 }, (r) => r.Result === '0', { result: 0 }],
      [{ Result: 1, Type: 3 }, (r) => r.Result === '1' && r.Type === 3, { result: 1, type: 3 }],
      [{ Url: ENDPOINTS[2]?.url ?? '' }, (r) => r.Url === ENDPOINTS[2]?.url, { url: ENDPOINTS[2]?.url }],
      [{ Url: ENDPOINTS[1]?.url ?? '' }, (r) => r.Url === ENDPOINTS[1]?.url, { url: ENDPOINTS[1]?.url }],
      [{ Retry: 1 }, (r) => r.Retry === 1, { retry: 1 }],
      [{ Retry: -2 }, () => true, {}],
    ];
    for (const [params, predicate, query] of cases) {
      const records = await pageAll(sim, { ...MONTH_PARAMS, ...params });
      expect(records.length, JSON.stringify(params)).toBeGreaterThan(0);
      expect(records.every(predicate), JSON.stringify(params)).toBe(true);
      expect(records).toHaveLength(sim.countRecords({ enterpriseId: ENTERPRISE, ...APRIL, ...query }));
    }
    const none = await page(sim, { ...MONTH_PARAMS, Url: 'https://crm.example.com/api/vms/callback/' });
    expect(none.Data.List).toEqual([]);
    const other = await page(sim, { ...MONTH_PARAMS, EnterpriseId: '7000002', Limit: 500 });
    expect(other.Data.List.every((r) => r.EnterpriseId === '7000002')).toBe(true);
  });

  it('writes records exactly as the reference table types them', async () => {
    const records = await pageAll(sim, MONTH_PARAMS);
    const strings = [
      'Id',
      'EnterpriseId',
      'TypeStr',
      'UniqueId',
      'Url',
      'Method',
      'Headers',
      'Params',
    ] as const;
    const more = ['Position', 'Timeout', 'Result', 'StatusCode', 'ResultText', 'CurrentMonth'] as const;
    const times = ['CreateTime', 'StartTime', 'RequestTime', 'EndTime'] as const;
    for (const r of records.slice(0, 300)) {
      expect(Object.keys(r)).toHaveLength(23);
      for (const key of [...strings, ...more, ...times]) expect(typeof r[key], key).toBe('string');
      for (const key of ['Type', 'ContentType', 'Delay', 'Level', 'Retry'] as const) {
        expect(Number.isInteger(r[key]), key).toBe(true);
      }
      for (const key of times) expect(r[key]).toMatch(/^\d{13}$/);
      expect(() => JSON.parse(r.Headers)).not.toThrow();
      expect(JSON.parse(r.Params)).toMatchObject({ enterpriseId: ENTERPRISE });
      expect(['0', '1']).toContain(r.Result);
    }
    expect(records.some((r) => r.UniqueId === '""')).toBe(true);
    expect(records.some((r) => r.CurrentMonth === '""')).toBe(true);
    expect(records.some((r) => r.CurrentMonth === '202604')).toBe(true);
  });

  it('hides records created after now() while the month is being written', async () => {
    const nowMs = APRIL.startMs + 12.5 * 86_400_000;
    const live = await started({ seed: 5, volume: VOLUME, verifySignatures: false, now: () => nowMs }, open);
    const visible = live.countRecords({ enterpriseId: ENTERPRISE, ...APRIL });
    expect(visible).toBeGreaterThan(0);
    expect(visible).toBeLessThan(VOLUME);
    const records = await pageAll(live, MONTH_PARAMS);
    expect(records).toHaveLength(visible);
    expect(records.every((r) => Number(r.CreateTime) <= nowMs)).toBe(true);
  });

  it('uses the defaults Start 0 and Limit 10', async () => {
    const first = await page(sim, MONTH_PARAMS);
    expect(first.Data.List).toHaveLength(10);
    expect(first.Data.List[0]?.Id).toBe(sim.listIds({ enterpriseId: ENTERPRISE, ...APRIL })[0]);
  });
});

describe('generateMonth', () => {
  const month = generateMonth({
    enterpriseId: ENTERPRISE,
    month: '2026-04',
    seed: 1,
    volume: 20_000,
    timeZone: ZONE,
  });
  const records = Array.from({ length: month.size }, (_, i) => materialiseRecord(month, i));

  it('is a pure function of its inputs', () => {
    const again = generateMonth({
      enterpriseId: ENTERPRISE,
      month: '2026-04',
      seed: 1,
      volume: 20_000,
      timeZone: ZONE,
    });
    expect(again.createOffsets).toEqual(month.createOffsets);
    expect(JSON.stringify(materialiseRecord(again, 4321))).toBe(JSON.stringify(records[4321]));
  });

  it('gives ascending unique Ids and CreateTimes inside the month', () => {
    for (let i = 1; i < records.length; i++) {
      expect(BigInt(records[i]?.Id ?? 0) > BigInt(records[i - 1]?.Id ?? 0)).toBe(true);
      expect(Number(records[i]?.CreateTime)).toBeGreaterThanOrEqual(Number(records[i - 1]?.CreateTime));
    }
    expect(Number(records[0]?.CreateTime)).toBeGreaterThanOrEqual(APRIL.startMs);
    expect(Number(records.at(-1)?.CreateTime)).toBeLessThanOrEqual(APRIL.endMs);
  });

  it('mixes all 29 types with their names, type 9 sometimes labelled as in the published example', () => {
    expect(new Set(records.map((r) => r.Type)).size).toBe(29);
    const names = new Map(PUSH_TYPES.map((t) => [t.code, t.name]));
    const odd = records.filter((r) => r.TypeStr !== names.get(r.Type));
    expect(odd.length).toBeGreaterThan(0);
    expect(odd.every((r) => r.Type === 9 && r.TypeStr === '主通话记录推送')).toBe(true);
  });

  it('has one flaky endpoint, reliable others, and 3-8% retries', () => {
    // Endpoints as metrics.md groups them: the URL without its query, host lower-cased.
    const endpointOf = (url: string) => {
      const u = new URL(url);
      return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}`;
    };
    const groups = new Map<string, WireRecord[]>();
    for (const r of records) {
      const key = endpointOf(r.Url);
      groups
        .set(key, groups.get(key) ?? [])
        .get(key)
        ?.push(r);
    }
    expect(groups.size).toBe(5);
    for (const endpoint of ENDPOINTS) {
      const to = groups.get(endpointOf(endpoint.url)) ?? [];
      const failed = to.filter((r) => r.Result === '0').length / to.length;
      if (endpoint.flaky) expect(failed).toBeGreaterThan(0.15);
      if (endpoint.flaky) expect(failed).toBeLessThan(0.25);
      else expect(failed).toBeLessThan(0.01);
    }
    const retried = records.filter((r) => r.Retry > 0).length / records.length;
    expect(retried).toBeGreaterThan(0.03);
    expect(retried).toBeLessThan(0.08);
  });

  it('retries a delivery with the same Type, Url, Method and Params, later each time', () => {
    const byChain = new Map<number, WireRecord[]>();
    records.forEach((r, i) => {
      const seed = month.chainSeeds[i] ?? 0;
      byChain.set(seed, [...(byChain.get(seed) ?? []), r]);
    });
    let chains = 0;
    for (const attempts of byChain.values()) {
      if (attempts.length < 2) continue;
      chains++;
      const first = attempts[0] as WireRecord;
      attempts.forEach((r, k) => {
        expect(r.Retry).toBe(k);
        expect([r.Type, r.Url, r.Method, r.Params]).toEqual([
          first.Type,
          first.Url,
          first.Method,
          first.Params,
        ]);
        if (k > 0) expect(Number(r.CreateTime)).toBeGreaterThan(Number(attempts[k - 1]?.CreateTime));
        if (k < attempts.length - 1) expect(r.Result).toBe('0');
      });
    }
    expect(chains).toBeGreaterThan(100);
  });

  it('contains the anomalies metrics.md counts', () => {
    const latency = (r: WireRecord) => Number(r.EndTime) - Number(r.StartTime);
    const is2xx = (r: WireRecord) => /^2\d\d$/.test(r.StatusCode);
    expect(records.some((r) => r.Result === '1' && !is2xx(r))).toBe(true);
    expect(records.some((r) => r.Result === '0' && is2xx(r))).toBe(true);
    const controlChar = (text: string) =>
      [...text].some((c) => c < ' ' && c !== '\r' && c !== '\n' && c !== '\t');
    expect(records.some((r) => controlChar(r.ResultText))).toBe(true);
    expect(records.some((r) => r.ResultText.length >= 40_000)).toBe(true);
    expect(records.some((r) => latency(r) < 0)).toBe(true);
    expect(records.some((r) => latency(r) > Number(r.Timeout) * 1000 && r.Result === '0')).toBe(true);
    expect(records.some((r) => r.StatusCode === '')).toBe(true);
    expect(records.some((r) => r.Headers.includes('Authorization'))).toBe(true);
    const sorted = records.map(latency).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThan(100);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(220);
  });

  it('is busier in working hours and on weekdays', () => {
    const hours = new Array<number>(24).fill(0);
    const weekdays = new Array<number>(7).fill(0);
    for (const r of records) {
      const at = new Date(Number(r.CreateTime) + 8 * 3_600_000);
      hours[at.getUTCHours()] = (hours[at.getUTCHours()] ?? 0) + 1;
      weekdays[at.getUTCDay()] = (weekdays[at.getUTCDay()] ?? 0) + 1;
    }
    expect((hours[10] ?? 0) / (hours[3] ?? 1)).toBeGreaterThan(5);
    // April 2026 has 22 weekdays and 8 weekend days.
    const perWeekday = weekdays.slice(1, 6).reduce((a, b) => a + b, 0) / 22;
    const perWeekendDay = ((weekdays[0] ?? 0) + (weekdays[6] ?? 0)) / 8;
    expect(perWeekday / perWeekendDay).toBeGreaterThan(1.5);
  });
});

describe('parameter errors', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await started({ volume: 200, verifySignatures: false }, open);
  });

  it.each(['EnterpriseId', 'StartTime', 'EndTime'])(
    'a missing %s is HTTP 400 Missing<Name>',
    async (name) => {
      const params: Record<string, string> = { ...MONTH_PARAMS };
      delete params[name];
      const { status, body, headers } = await callSimulator(sim, params, UNSIGNED);
      expect(status).toBe(400);
      expect(headers['content-type']).toBe('application/json;charset=utf-8');
      expect(body).toMatchObject({
        Code: `Missing${name}`,
        Message: `${name} is mandatory for this action.`,
        HostId: new URL(sim.url).host,
        RequestId: expect.stringMatching(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/),
        Recommend: expect.stringContaining(`Missing${name}`),
      });
    },
  );

  it.each([
    ['EnterpriseId', { EnterpriseId: 'abc' }],
    ['StartTime', { StartTime: '2026-4-1 00:00:00' }],
    ['StartTime', { StartTime: '2026-04-01T00:00:00' }],
    ['EndTime', { EndTime: '2026-04-31 00:00:00' }],
    ['StartTime', { StartTime: '2026-04-20 00:00:00', EndTime: '2026-04-19 23:59:59' }],
    ['EndTime', { StartTime: '2026-04-30 00:00:00', EndTime: '2026-05-01 00:00:00' }],
    ['Limit', { Limit: '0' }],
    ['Limit', { Limit: '501' }],
    ['Limit', { Limit: '1.5' }],
    ['Limit', { Limit: 'ten' }],
    ['Start', { Start: '-1' }],
    ['Start', { Start: '2.0' }],
    ['Type', { Type: 'x' }],
    ['Result', { Result: '1.0' }],
    ['Result', { Result: '2' }],
    ['Retry', { Retry: 'all' }],
    ['Retry', { Retry: '-1' }],
  ])('a malformed %s is HTTP 200 isv.INVALID_PARAMETERS (%o)', async (name, change) => {
    const { status, body } = await callSimulator(sim, { ...MONTH_PARAMS, ...change }, UNSIGNED);
    expect(status).toBe(200);
    expect(body).toMatchObject({ Code: 'isv.INVALID_PARAMETERS', Message: expect.stringContaining(name) });
    expect(body).not.toHaveProperty('Data');
  });

  it('accepts Limit 500, a one-second window and empty optional parameters', async () => {
    expect((await page(sim, { ...MONTH_PARAMS, Limit: 500 })).Data.List).toHaveLength(200);
    const second = { ...MONTH_PARAMS, EndTime: MONTH_PARAMS.StartTime, Type: '', Url: '' };
    expect((await page(sim, second)).Data.List.length).toBeLessThanOrEqual(10);
  });

  it('rejects another action (404) or version (400)', async () => {
    const action = await callSimulator(sim, MONTH_PARAMS, { ...UNSIGNED, action: 'CloudListCurlLogs' });
    expect([action.status, (action.body as Page).Code]).toEqual([404, 'InvalidAction.NotFound']);
    const version = await callSimulator(sim, MONTH_PARAMS, { ...UNSIGNED, version: '2017-05-26' });
    expect([version.status, (version.body as Page).Code]).toEqual([400, 'InvalidVersion']);
    expect(sim.stats().rejected).toBeGreaterThanOrEqual(2);
  });
});

describe('faults', () => {
  const requestsWhere = (dropEarly: boolean) =>
    Array.from({ length: 40 }, (_, k) => k + 1).find(
      (n) => createFaultPlanner({ seed: 1 })(n).dropEarly === dropEarly,
    ) ?? 0;

  it('answers each scripted fault at its request number', async () => {
    const early = requestsWhere(true);
    const late = requestsWhere(false);
    const script: Record<number, 'throttle' | 'error' | 'malformed' | 'drop'> = {
      41: 'throttle',
      42: 'error',
      43: 'error',
    };
    Object.assign(script, { 44: 'malformed', [early]: 'drop', [late]: 'drop' });
    const sim = await started({ volume: 500, verifySignatures: false, faultScript: script }, open);
    const outcomes: { n: number; status?: number; code?: string; error?: string; text?: string }[] = [];
    for (let n = 1; n <= 45; n++) {
      try {
        const r = await callSimulator(sim, { ...MONTH_PARAMS, Limit: 100 }, UNSIGNED);
        outcomes.push({ n, status: r.status, code: (r.body as Page).Code, text: r.text });
      } catch (error) {
        outcomes.push({ n, error: (error as { code?: string }).code ?? String(error) });
      }
    }
    const at = (n: number) => outcomes[n - 1];
    expect(at(41)).toMatchObject({ status: 400, code: 'Throttling.User' });
    expect(at(42)).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(at(43)).toMatchObject({ status: 500, code: 'InternalError' });
    expect(at(44)?.status).toBe(200);
    expect(() => JSON.parse(at(44)?.text ?? '')).toThrow();
    expect(at(early)?.error).toBe('UND_ERR_SOCKET');
    expect(at(late)?.error).toBe('UND_ERR_SOCKET');
    expect(at(45)).toMatchObject({ status: 200, code: 'OK' });
    const { faults, requests } = sim.stats();
    expect(requests).toBe(45);
    expect(faults).toMatchObject({ throttle: 1, error: 2, malformed: 1, drop: 2, ok: 39 });
  });

  it('draws faults from the rates the same way for the same seed', async () => {
    const options = { volume: 100, verifySignatures: false, seed: 9, throttleRate: 0.3, errorRate: 0.3 };
    const run = async () => {
      const sim = await started(options, open);
      const statuses: number[] = [];
      for (let n = 0; n < 30; n++) statuses.push((await callSimulator(sim, MONTH_PARAMS, UNSIGNED)).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(8);
  });

  it('answers Throttling.User above the QPS cap', async () => {
    const sim = await started({ volume: 100, verifySignatures: false, qpsCap: 3 }, open);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => callSimulator(sim, MONTH_PARAMS, UNSIGNED)),
    );
    const throttled = answers.filter((a) => (a.body as Page).Code === 'Throttling.User');
    expect(throttled.length).toBeGreaterThanOrEqual(6);
    expect(throttled.every((a) => a.status === 400)).toBe(true);
    expect(sim.stats().capped).toBe(throttled.length);
  });

  it('adds latency to every answer, and close() does not wait for it', async () => {
    const sim = await startTestSimulator({ volume: 100, verifySignatures: false, latencyMs: 300 });
    const began = performance.now();
    await callSimulator(sim, MONTH_PARAMS, UNSIGNED);
    expect(performance.now() - began).toBeGreaterThanOrEqual(290);
    const pending = callSimulator(sim, MONTH_PARAMS, UNSIGNED).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const closing = performance.now();
    await sim.close();
    expect(performance.now() - closing).toBeLessThan(250);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('signatures', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await started({ volume: 300 }, open);
  });

  it.each([
    { scheme: 'v3', method: 'POST' },
    { scheme: 'v3', method: 'GET' },
    { scheme: 'v1', method: 'GET' },
    { scheme: 'v1', method: 'POST' },
  ] as const)('accepts a request signed $scheme with $method', async (how) => {
    const body = await page(sim, { ...MONTH_PARAMS, Limit: 20 }, how);
    expect(body.Data.List).toHaveLength(20);
  });

  it('rejects a wrong secret, an unknown key and a missing signature', async () => {
    const wrong = await callSimulator(sim, MONTH_PARAMS, {
      keys: { ...DEFAULT_KEY_PAIR, accessKeySecret: 'not-the-secret' },
    });
    expect([wrong.status, (wrong.body as Page).Code]).toEqual([400, 'SignatureDoesNotMatch']);
    const v1 = await callSimulator(sim, MONTH_PARAMS, {
      scheme: 'v1',
      keys: { ...DEFAULT_KEY_PAIR, accessKeySecret: 'not-the-secret' },
    });
    expect((v1.body as Page).Code).toBe('SignatureDoesNotMatch');
    const unknown = await callSimulator(sim, MONTH_PARAMS, {
      keys: { accessKeyId: 'LTAIunknown', accessKeySecret: 'x' },
    });
    expect([unknown.status, (unknown.body as Page).Code]).toEqual([404, 'InvalidAccessKeyId.NotFound']);
    const unsigned = await callSimulator(sim, MONTH_PARAMS, UNSIGNED);
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(sim.stats().rejected).toBe(4);
  });
});

describe('data mode (.ndjson)', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await started({ data: FIXTURE, verifySignatures: false }, open);
  });

  it('serves every line of the enterprise and month, paged, newest first', async () => {
    expect(sim.countRecords({ enterpriseId: ENTERPRISE, ...APRIL })).toBe(20);
    const records = await pageAll(sim, MONTH_PARAMS, 3);
    expect(records).toHaveLength(20);
    expect(records[0]?.Id).toBe('12735');
    expect(records.at(-1)?.Id).toBe('12715');
    // the duplicate Id is served twice (later line first); lines without Id sit by their neighbours
    expect(records.filter((r) => r.Id === '12716').map((r) => r.StatusCode)).toEqual(['504', '200']);
    expect(records.findIndex((r) => r.Id === undefined)).toBe(records.findIndex((r) => r.Id === '') + 1);
    expect(sim.listIds({ enterpriseId: ENTERPRISE, ...APRIL })).toHaveLength(17);
  });

  it('serves lines verbatim, odd values included', async () => {
    const { text } = await callSimulator(sim, { ...MONTH_PARAMS, Limit: 500 }, UNSIGNED);
    expect(text).toContain('"UniqueId":"\\"\\""');
    expect(text).toContain('"Result":" 1 "');
    expect(text).toContain('"CreateTime":1775955600000');
    expect(text).toContain('"ResultText":"=HYPERLINK(');
    expect(text).toContain('"Type":"abc"');
  });

  it('places lines with a missing or bad CreateTime at the preceding line’s time', async () => {
    const fifthOfApril = APRIL.startMs + 4 * 86_400_000 + 10 * 3_600_000;
    const records = await pageAll(sim, { EnterpriseId: ENTERPRISE, ...window(fifthOfApril, fifthOfApril) });
    expect(records.map((r) => r.Id)).toEqual(['12725', '12724', '12723']);
  });

  it('filters like the generated data, numeric strings included', async () => {
    expect((await pageAll(sim, { ...MONTH_PARAMS, Type: 9 })).map((r) => r.Id)).toEqual(['12726', '12715']);
    const succeeded = await pageAll(sim, { ...MONTH_PARAMS, Result: 1 });
    expect(succeeded.map((r) => r.Id)).toContain('12723');
    expect(succeeded.map((r) => r.Id)).toContain('12733');
    expect((await pageAll(sim, { ...MONTH_PARAMS, Retry: 1 })).map((r) => r.Id)).toEqual(['12728']);
    const other = await pageAll(sim, { ...MONTH_PARAMS, EnterpriseId: '7000002' });
    expect(other.map((r) => r.Id)).toEqual(['12736']);
    const march = await pageAll(sim, {
      EnterpriseId: ENTERPRISE,
      StartTime: '2026-03-31 23:59:59',
      EndTime: '2026-03-31 23:59:59',
    });
    expect(march.map((r) => r.Id)).toEqual(['12600']);
  });

  it('refuses a file with an invalid JSON line, naming the line', async () => {
    const path = join(tmpdir(), `pushlog-bad-${process.pid}.ndjson`);
    await writeFile(path, '{"Id":"1","EnterpriseId":"7122600","CreateTime":"1775000000000"}\n\n{"Id":"2",\n');
    await expect(startTestSimulator({ data: path })).rejects.toThrow(/line 3/);
  });
});

describe('options', () => {
  it.each([
    { errorRate: 1.5 },
    { throttleRate: 0.6, dropRate: 0.6 },
    { qpsCap: 0 },
    { volume: -1 },
    { timeZone: 'Mars/Olympus' },
    { faultScript: { 0: 'drop' as const } },
  ])('rejects %o', async (options) => {
    await expect(startTestSimulator(options)).rejects.toThrow(/Invalid simulator options/);
  });
});
