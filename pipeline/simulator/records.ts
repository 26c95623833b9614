/**
 * Turns one generated record (a row of the month's typed arrays) into its wire form, exactly as
 * the reference table types it: most numbers as strings, Type/ContentType/Delay/Level/Retry as
 * integers, Headers and Params as JSON text.
 */
import {
  ENDPOINTS,
  type Endpoint,
  LEGACY_TYPE9_LABEL,
  Outcome,
  PUSH_TYPES,
  retryOffsetMs,
} from './catalog.js';
import { createTimeAt, type GeneratedMonth, recordIdAt } from './dataset.js';
import { buildDeliveryContent } from './push-params.js';
import { hash32, Rng } from './random.js';

/** One record of Data.List, in the field order of the reference table. */
export interface WireRecord {
  Id: string;
  EnterpriseId: string;
  Type: number;
  TypeStr: string;
  UniqueId: string;
  Url: string;
  Method: string;
  Headers: string;
  Params: string;
  ContentType: number;
  Position: string;
  Timeout: string;
  Delay: number;
  Level: number;
  Retry: number;
  Result: string;
  StatusCode: string;
  ResultText: string;
  CreateTime: string;
  StartTime: string;
  RequestTime: string;
  EndTime: string;
  CurrentMonth: string;
}

const TYPE_NAMES = new Map(PUSH_TYPES.map((t) => [t.code, t.name]));

export function materialiseRecord(month: GeneratedMonth, i: number): WireRecord {
  const type = month.types[i] ?? 0;
  const endpoint = ENDPOINTS[month.endpoints[i] ?? 0] as Endpoint;
  const retry = month.retries[i] ?? 0;
  const outcome = (month.outcomes[i] ?? Outcome.ok) as Outcome;
  const chainSeed = month.chainSeeds[i] ?? 0;
  const createMs = createTimeAt(month, i);
  const content = buildDeliveryContent(
    type,
    month.enterpriseId,
    chainSeed,
    createMs - retryOffsetMs(chainSeed, retry),
  );
  const rng = new Rng(hash32(month.recordSeed, i));

  // The push starts a few hundred ms before its log row is written; the request leaves a few ms later.
  const startMs = createMs - rng.between(5, 400);
  const requestMs = startMs + 1 + Math.min(60, Math.floor(-Math.log(1 - rng.next()) * 4));
  const timeoutMs = Number(endpoint.timeout) * 1000;
  const reply = replyOf(outcome, endpoint, rng, timeoutMs, requestMs);
  const endMs =
    outcome === Outcome.okClockSkew ? startMs - rng.between(1, 900) : requestMs + reply.roundTripMs;

  return {
    Id: recordIdAt(month, i),
    EnterpriseId: month.enterpriseId,
    Type: type,
    TypeStr: type === 9 && rng.chance(0.03) ? LEGACY_TYPE9_LABEL : (TYPE_NAMES.get(type) ?? ''),
    UniqueId: content.uniqueId,
    Url: endpoint.url,
    Method: endpoint.method,
    Headers: endpoint.headers,
    Params: content.params,
    ContentType: endpoint.contentType,
    Position: '0',
    Timeout: endpoint.timeout,
    Delay: 0,
    Level: type === 9 ? 1 : 0,
    Retry: retry,
    Result: outcome < Outcome.failHttp5xx ? '1' : '0',
    StatusCode: reply.statusCode,
    ResultText: reply.text,
    CreateTime: String(createMs),
    StartTime: String(startMs),
    RequestTime: String(requestMs),
    EndTime: String(endMs),
    CurrentMonth: rng.chance(0.35) ? '""' : month.month.replace('-', ''),
  };
}

interface Reply {
  statusCode: string;
  text: string;
  /** EndTime − RequestTime */
  roundTripMs: number;
}

/** The customer's answer: a lognormal round trip (median per endpoint, heavy tail) below Timeout. */
function answerTimeMs(endpoint: Endpoint, rng: Rng, timeoutMs: number): number {
  const tail = rng.chance(0.03);
  const median = tail ? endpoint.medianLatencyMs * 8 : endpoint.medianLatencyMs;
  const ms = Math.round(median * Math.exp((tail ? 0.9 : 0.75) * rng.normal()));
  // Answers slower than Timeout are timeouts, a separate outcome, so cap the rest below it.
  return ms >= timeoutMs ? timeoutMs - rng.between(1, 400) : Math.max(2, ms);
}

function replyOf(outcome: Outcome, endpoint: Endpoint, rng: Rng, timeoutMs: number, atMs: number): Reply {
  const roundTripMs = answerTimeMs(endpoint, rng, timeoutMs);
  switch (outcome) {
    case Outcome.ok:
    case Outcome.okClockSkew:
      return { statusCode: '200', text: endpoint.okText, roundTripMs };
    case Outcome.okNon2xx:
      return {
        statusCode: rng.pick(['302', '404', '500']),
        text: rng.pick(['', 'Found', endpoint.okText]),
        roundTripMs,
      };
    case Outcome.okControlChars:
      return {
        statusCode: '200',
        text: rng.pick(['ok\u0000\u0000', 'SUCCESS\u001b[0m', '\u0007success\b']),
        roundTripMs,
      };
    case Outcome.failHttp5xx:
      return { ...serverError(rng, endpoint, atMs), roundTripMs };
    case Outcome.failHttp4xx:
      return rng.chance(0.5)
        ? { statusCode: '404', text: notFoundText(rng, endpoint), roundTripMs }
        : { statusCode: '401', text: '{"code":401,"msg":"token invalid or expired"}', roundTripMs };
    case Outcome.failTimeout:
      // The push gives up at Timeout, so these are the records whose latency exceeds it.
      return {
        statusCode: rng.pick(['', '0']),
        text: 'Read timed out',
        roundTripMs: timeoutMs + rng.between(1, 250),
      };
    case Outcome.failConnect:
      return rng.chance(0.5)
        ? {
            statusCode: rng.pick(['', '0']),
            text: 'connect timed out',
            roundTripMs: Math.min(3000, timeoutMs) + rng.between(0, 30),
          }
        : {
            statusCode: '0',
            text: 'Connection refused (Connection refused)',
            roundTripMs: rng.between(1, 25),
          };
    case Outcome.failWith2xx:
      return { statusCode: '200', text: '{"code":1001,"msg":"参数校验失败：uniqueId不能为空"}', roundTripMs };
    case Outcome.failLongText:
      return { statusCode: '500', text: stackTracePage(rng, endpoint), roundTripMs };
    case Outcome.failControlChars:
      return { statusCode: '502', text: `upstream error\u0000\u0001\u001f${rng.hex(8)}`, roundTripMs };
  }
}

function serverError(rng: Rng, endpoint: Endpoint, atMs: number): { statusCode: string; text: string } {
  const path = new URL(endpoint.url).pathname;
  const pick = rng.next();
  if (pick < 0.45) {
    return {
      statusCode: '500',
      text: `{"timestamp":"${new Date(atMs).toISOString()}","status":500,"error":"Internal Server Error","path":"${path}","traceId":"${rng.hex(16)}"}`,
    };
  }
  const code = pick < 0.65 ? '502' : pick < 0.85 ? '503' : '504';
  const title = {
    '502': '502 Bad Gateway',
    '503': '503 Service Temporarily Unavailable',
    '504': '504 Gateway Time-out',
  }[code];
  return {
    statusCode: code,
    text: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  };
}

function notFoundText(rng: Rng, endpoint: Endpoint): string {
  return rng.chance(0.5)
    ? `{"code":404,"message":"No route for ${endpoint.method} ${new URL(endpoint.url).pathname}"}`
    : '<!doctype html><html lang="en"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1></body></html>';
}

/** An error page with a long Java stack trace, about 40 kB: the metrics' "very long text". */
function stackTracePage(rng: Rng, endpoint: Endpoint): string {
  const frames: string[] = [];
  let size = 0;
  for (let depth = 0; size < 40_000; depth++) {
    const frame = `\tat com.example.push.handler.Stage${depth % 37}.invoke(Stage${depth % 37}.java:${rng.between(20, 400)})\n`;
    frames.push(frame);
    size += frame.length;
  }
  return `<html><body><h1>HTTP Status 500 – Internal Server Error</h1><pre>java.lang.IllegalStateException: push handler failed for ${new URL(endpoint.url).host}\n${frames.join('')}</pre></body></html>`;
}
