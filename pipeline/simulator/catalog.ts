import { hash32 } from './random.js';

/**
 * The simulated customer: which push types it receives, how often, at which endpoints, and how
 * each endpoint behaves. Names follow the type table of reference/cloudlistcurllog.md.
 */

export interface PushType {
  code: number;
  name: string;
  /** relative share of deliveries */
  weight: number;
  /** endpoint indexes this type is pushed to, with their relative shares */
  endpoints: readonly (readonly [endpoint: number, weight: number])[];
}

const CALLS: PushType['endpoints'] = [
  [0, 98],
  [5, 2],
];
const HANGUPS: PushType['endpoints'] = [
  [0, 49],
  [5, 1],
  [3, 50],
];
const AGENT: PushType['endpoints'] = [[1, 1]];
const ANALYTICS: PushType['endpoints'] = [[2, 1]];
const IVR: PushType['endpoints'] = [[4, 1]];

export const PUSH_TYPES: readonly PushType[] = [
  { code: 1, name: '来电推送', weight: 8, endpoints: CALLS },
  { code: 2, name: '来电响铃推送', weight: 8, endpoints: CALLS },
  { code: 3, name: '外呼响铃推送', weight: 9, endpoints: CALLS },
  { code: 4, name: 'webcall 转座席响铃推送', weight: 1, endpoints: CALLS },
  { code: 5, name: '来电接通推送', weight: 6, endpoints: CALLS },
  { code: 6, name: '外呼接通推送', weight: 6, endpoints: CALLS },
  { code: 7, name: '来电挂机推送', weight: 8, endpoints: HANGUPS },
  { code: 8, name: '外呼挂机推送', weight: 9, endpoints: HANGUPS },
  { code: 9, name: '座席状态推送', weight: 14, endpoints: AGENT },
  { code: 10, name: '按键推送', weight: 2, endpoints: IVR },
  { code: 11, name: '号码状态识别推送', weight: 1.5, endpoints: ANALYTICS },
  { code: 12, name: '录音状态推送', weight: 4, endpoints: ANALYTICS },
  { code: 13, name: 'HTTP 交互推送', weight: 1, endpoints: IVR },
  { code: 14, name: '预测式外呼任务推送', weight: 1, endpoints: ANALYTICS },
  { code: 15, name: 'ASR 语音转换结果推送', weight: 3, endpoints: ANALYTICS },
  { code: 16, name: 'webcall 客户侧响铃推送', weight: 0.8, endpoints: CALLS },
  { code: 17, name: '满意度调查推送', weight: 1.5, endpoints: ANALYTICS },
  { code: 18, name: '预测外呼客户接听状态推送', weight: 1.2, endpoints: ANALYTICS },
  { code: 19, name: 'NLU 推送', weight: 0.6, endpoints: IVR },
  { code: 20, name: '预测外呼双方接听推送', weight: 1, endpoints: ANALYTICS },
  { code: 21, name: 'IVR 交互结束推送', weight: 2, endpoints: IVR },
  { code: 22, name: '外呼客户响铃推送', weight: 5, endpoints: CALLS },
  { code: 23, name: 'webcall 客户接听推送', weight: 0.6, endpoints: CALLS },
  { code: 24, name: 'webcall 转接响铃推送', weight: 0.4, endpoints: CALLS },
  { code: 25, name: 'webcall 转接接通推送', weight: 0.4, endpoints: CALLS },
  { code: 26, name: '主叫外呼分机响铃推送', weight: 1.2, endpoints: CALLS },
  { code: 27, name: '主叫外呼分机接听推送', weight: 1.1, endpoints: CALLS },
  { code: 28, name: '主叫外呼客户响铃推送', weight: 1.1, endpoints: CALLS },
  { code: 29, name: '主叫外呼双方接通推送', weight: 1, endpoints: CALLS },
];

/** The label the published example puts on a Type 9 record (see the reference). */
export const LEGACY_TYPE9_LABEL = '主通话记录推送';

export interface Endpoint {
  url: string;
  method: 'GET' | 'POST';
  headers: string;
  contentType: number;
  /** push timeout in seconds, as the wire's Timeout string */
  timeout: string;
  /** median of the customer's answer time, ms */
  medianLatencyMs: number;
  /** chance that one attempt fails, outside outages */
  failure: number;
  /** true for the one endpoint that has outage streaks */
  flaky: boolean;
  /** body the customer answers on success */
  okText: string;
}

/**
 * About five customer endpoints. Index 5 is endpoint 0 configured with an upper-case host on a few
 * old push rules: a different Url string, the same endpoint once the host is lower-cased.
 */
export const ENDPOINTS: readonly Endpoint[] = [
  {
    url: 'https://crm.example.com/api/vms/callback',
    method: 'POST',
    headers: '{"Content-Type":"application/json"}',
    contentType: 1,
    timeout: '5',
    medianLatencyMs: 150,
    failure: 0.004,
    flaky: false,
    okText: '{"code":0,"message":"success"}',
  },
  {
    url: 'https://hooks.example.com/cc/agent-status?token=7c1e9a04b2f84d3e9f6a5b0c8d2e1f37',
    method: 'GET',
    headers: '{}',
    contentType: 0,
    timeout: '3',
    medianLatencyMs: 90,
    failure: 0.003,
    flaky: false,
    okText: 'ok',
  },
  {
    url: 'https://bi.example.net/ingest/vms-push',
    method: 'POST',
    headers: '{"Content-Type":"application/x-www-form-urlencoded"}',
    contentType: 2,
    timeout: '10',
    medianLatencyMs: 320,
    failure: 0.2,
    flaky: true,
    okText: '{"success":true}',
  },
  {
    url: 'https://tickets.example.org/v2/call-events',
    method: 'POST',
    headers:
      '{"Content-Type":"application/json","Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2bXMtcHVzaCJ9.q2Fv8cX1mH0sT9bK4nW7yE3rD6uJ5pL0aZ8gC2vN1oM"}',
    contentType: 1,
    timeout: '5',
    medianLatencyMs: 180,
    failure: 0.006,
    flaky: false,
    okText: '{"errcode":0,"errmsg":"ok"}',
  },
  {
    url: 'https://ivr.example.com:8443/notify',
    method: 'GET',
    headers: '{}',
    contentType: 0,
    timeout: '3',
    medianLatencyMs: 70,
    failure: 0.002,
    flaky: false,
    okText: 'SUCCESS',
  },
  {
    url: 'https://CRM.Example.com/api/vms/callback',
    method: 'POST',
    headers: '{"Content-Type":"application/json"}',
    contentType: 1,
    timeout: '5',
    medianLatencyMs: 150,
    failure: 0.004,
    flaky: false,
    okText: '{"code":0,"message":"success"}',
  },
];

/**
 * What happened to one attempt. Stored per record (one byte); the materialiser turns it into
 * Result, StatusCode, ResultText and times. Codes below FIRST_FAILURE have Result "1".
 */
export const Outcome = {
  ok: 0,
  /** Result "1" although StatusCode is not 2xx (a metrics.md anomaly) */
  okNon2xx: 1,
  /** success whose ResultText holds control characters */
  okControlChars: 2,
  /** success whose EndTime is before its StartTime (invalid latency) */
  okClockSkew: 3,
  failHttp5xx: 4,
  failHttp4xx: 5,
  /** the customer did not answer within Timeout */
  failTimeout: 6,
  failConnect: 7,
  /** Result "0" although StatusCode is 200 (a metrics.md anomaly) */
  failWith2xx: 8,
  /** a 500 with a ~40 kB stack-trace page */
  failLongText: 9,
  failControlChars: 10,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
export const FIRST_FAILURE = Outcome.failHttp5xx;

/** Highest Retry value: a delivery is attempted with Retry 0..MAX_RETRY. */
export const MAX_RETRY = 3;

/**
 * Time from a delivery's first attempt to its attempt `retry`: the backoffs add up to seconds,
 * then a minute or two, then minutes. A pure function of the delivery's seed, so the materialiser
 * can find the first attempt's time (which the delivery's Params carry) from any attempt.
 */
export function retryOffsetMs(chainSeed: number, retry: number): number {
  let total = 0;
  for (let r = 1; r <= retry; r++) {
    const unit = hash32(chainSeed, r);
    if (r === 1) total += 10_000 + (unit % 20_000);
    else if (r === 2) total += 60_000 + (unit % 120_000);
    else total += 300_000 + (unit % 300_000);
  }
  return total;
}
