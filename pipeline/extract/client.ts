import { Pool } from 'undici';
import { ApiError, PipelineError, TransientError } from '../errors.js';
import { classifyApiCode } from './api-errors.js';
import { DEFAULT_ENDPOINT } from './endpoint.js';
import { type RetryDeps, type RetryPolicy, withRetry } from './retry.js';
import { acsDate, type Credentials, newNonce, signV1, signV3, v1CommonParams } from './sign.js';

const ACTION = 'CloudListCurlLog';
const VERSION = '2017-05-25';

export type SignatureVersion = 'v3' | 'v1';

/** The business parameters of one CloudListCurlLog call, as the API names them. */
export interface PageQuery {
  enterpriseId: string;
  startTime: string;
  endTime: string;
  start: number;
  limit: number;
  type?: number | undefined;
  result?: 0 | 1 | undefined;
  url?: string | undefined;
  retry?: number | undefined;
}

/** One checked page: the body exactly as received, plus what the extractor needs to steer. */
export interface Page {
  body: Buffer;
  requestId: string;
  records: number;
  /** smallest numeric CreateTime on the page, null when none is numeric */
  minCreateTimeMs: number | null;
  /**
   * Whether a field value on the page may hold a control character. False is certain (no raw
   * control byte, no `\u00XX`, `\b` or `\f` escape anywhere in the body), so the loader checks
   * only the records of pages where this is true.
   */
  mayHoldControlCharacters: boolean;
  attempts: number;
}

export interface ClientOptions {
  endpoint: string;
  credentials: Credentials;
  signatureVersion: SignatureVersion;
  timeoutMs: number;
  connections: number;
  retryPolicy: RetryPolicy;
  retryDeps: RetryDeps;
  now?: () => number;
  /** awaited before every attempt: the QPS cap lives here so retries are paced too */
  beforeAttempt?: (signal: AbortSignal | undefined) => Promise<void>;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/**
 * A CloudListCurlLog client: keep-alive pool, a timeout per request, every attempt signed afresh
 * (new nonce and date), pages checked before they are handed on.
 */
export class CurlLogClient {
  readonly #options: ClientOptions;
  readonly #pool: Pool;
  readonly #url: URL;
  #requests = 0;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#url = parseEndpoint(options.endpoint);
    this.#pool = new Pool(this.#url.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
    });
  }

  get requests(): number {
    return this.#requests;
  }

  get host(): string {
    return this.#url.host;
  }

  async fetchPage(
    query: PageQuery,
    signal?: AbortSignal,
    onRetry?: (attempt: number, delayMs: number, error: unknown) => void,
  ): Promise<Page> {
    const retryHook = onRetry ?? this.#options.onRetry;
    return withRetry(
      async (attempt) => {
        await this.#options.beforeAttempt?.(signal);
        const page = await this.#attempt(query, signal);
        return { ...page, attempts: attempt };
      },
      this.#options.retryPolicy,
      this.#options.retryDeps,
      signal,
      retryHook ? { onRetry: retryHook } : {},
    );
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #attempt(query: PageQuery, signal: AbortSignal | undefined): Promise<Omit<Page, 'attempts'>> {
    const { path, headers } = this.#signedRequest(query);
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    this.#requests++;
    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let body: Buffer;
    try {
      const response = await this.#pool.request({
        path,
        method: 'POST',
        headers,
        signal: combined,
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
      status = response.statusCode;
      responseHeaders = response.headers;
      body = Buffer.from(await response.body.arrayBuffer());
    } catch (error) {
      if (signal?.aborted) throw new PipelineError('ABORTED', 'Aborted', { cause: signal.reason });
      const what = timeout.aborted
        ? `timed out after ${this.#options.timeoutMs} ms`
        : describeNetworkError(error);
      throw new TransientError(
        'EXTRACT_NETWORK',
        `${what} (check the network and --endpoint): POST ${this.#url.origin}/`,
        { cause: error },
      );
    }
    return checkPage(status, responseHeaders, body, query.limit, this.#url.host);
  }

  #signedRequest(query: PageQuery): { path: string; headers: Record<string, string> } {
    const params = businessParams(query);
    const { credentials } = this.#options;
    const nowMs = this.#options.now?.() ?? Date.now();
    if (this.#options.signatureVersion === 'v1') {
      const all = {
        ...params,
        ...v1CommonParams({
          action: ACTION,
          version: VERSION,
          accessKeyId: credentials.accessKeyId,
          nonce: newNonce(),
          timestamp: acsDate(nowMs),
          securityToken: credentials.securityToken,
        }),
      };
      const signed = signV1({ method: 'POST', params: all }, credentials.accessKeySecret);
      return {
        path: `/?${signed.queryString}`,
        headers: { host: this.#url.host, accept: 'application/json' },
      };
    }
    const signed = signV3(
      {
        method: 'POST',
        host: this.#url.host,
        action: ACTION,
        version: VERSION,
        query: params,
        date: acsDate(nowMs),
        nonce: newNonce(),
      },
      credentials,
    );
    return { path: `/?${signed.queryString}`, headers: { ...signed.headers, accept: 'application/json' } };
  }
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PipelineError(
      'CONFIG_INVALID',
      `--endpoint "${endpoint}" is not a URL: give e.g. ${DEFAULT_ENDPOINT}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new PipelineError('CONFIG_INVALID', `--endpoint must be an http(s) URL, got ${url.protocol}`);
  }
  return url;
}

/** The nine documented parameters, as decimal strings; optional filters only when set. */
export function businessParams(query: PageQuery): Record<string, string> {
  const params: Record<string, string> = {
    EnterpriseId: query.enterpriseId,
    StartTime: query.startTime,
    EndTime: query.endTime,
    Start: String(query.start),
    Limit: String(query.limit),
  };
  if (query.type !== undefined) params.Type = String(query.type);
  if (query.result !== undefined) params.Result = String(query.result);
  if (query.url !== undefined) params.Url = query.url;
  if (query.retry !== undefined) params.Retry = String(query.retry);
  return params;
}

function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const causeCode = (error as { cause?: { code?: unknown } })?.cause?.code;
  const name = typeof code === 'string' ? code : typeof causeCode === 'string' ? causeCode : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return name ? `${name} (${message})` : message;
}

interface ResponseBody {
  RequestId?: unknown;
  Code?: unknown;
  Message?: unknown;
  Data?: { List?: unknown } | null;
}

/**
 * Checks one answer: an Alibaba error body (4xx/5xx), a 200 whose Code is not OK, a body that is
 * not JSON, a List that is missing or longer than Limit. Returns the page or throws a typed error.
 */
export function checkPage(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  limit: number,
  host: string,
): Omit<Page, 'attempts'> {
  // A page is read as latin1, one byte per character: JSON's structure and the fields read here
  // (Code, RequestId, List, CreateTime) are ASCII, and UTF-8's other bytes are all >= 0x80, so the
  // JSON is as valid either way. Decoding half a megabyte of UTF-8 (Chinese text) into a two-byte
  // string and parsing that cost twice as much; only an error body is decoded as UTF-8, for its Message.
  const latin1 = body.toString('latin1');
  let parsed = parseJson(latin1);
  const okCode = typeof parsed?.Code === 'string' && parsed.Code === 'OK';
  if (parsed !== undefined && (status < 200 || status >= 300 || !okCode))
    parsed = parseJson(body.toString('utf8'));
  const headerId = headers['x-acs-request-id'];
  const requestId =
    typeof parsed?.RequestId === 'string'
      ? parsed.RequestId
      : typeof headerId === 'string'
        ? headerId
        : undefined;
  const code = typeof parsed?.Code === 'string' ? parsed.Code : undefined;
  if (status < 200 || status >= 300 || (code !== undefined && code !== 'OK')) {
    throw apiError(
      status,
      headers,
      code,
      typeof parsed?.Message === 'string' ? parsed.Message : '',
      requestId,
      host,
    );
  }
  if (parsed === undefined || parsed === null || typeof parsed !== 'object') {
    throw new TransientError(
      'EXTRACT_BAD_PAGE',
      `Unparsable response from ${host} (HTTP ${status}, ${body.length} bytes): the body is not JSON`,
    );
  }
  const list = parsed.Data?.List;
  if (!Array.isArray(list)) {
    throw new TransientError(
      'EXTRACT_BAD_PAGE',
      `Response from ${host} has no Data.List array (RequestId ${requestId ?? 'none'})`,
    );
  }
  if (list.length > limit) {
    throw new TransientError(
      'EXTRACT_BAD_PAGE',
      `Response from ${host} holds ${list.length} records for Limit ${limit} (RequestId ${requestId ?? 'none'})`,
    );
  }
  let min: number | null = null;
  for (const record of list) {
    const value = epochMs((record as { CreateTime?: unknown } | null)?.CreateTime);
    if (value !== null && (min === null || value < min)) min = value;
  }
  return {
    body,
    requestId: requestId ?? '',
    records: list.length,
    minCreateTimeMs: min,
    mayHoldControlCharacters: MAY_HOLD_CONTROL.test(latin1),
  };
}

/** A raw control byte or an escape that can stand for one (`\u00XX`, `\b`, `\f`) in a JSON body. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control bytes is the point
const MAY_HOLD_CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]|\\u00|\\[bf]/;

function parseJson(text: string): ResponseBody | undefined {
  try {
    return JSON.parse(text) as ResponseBody;
  } catch {
    return undefined;
  }
}

/** An epoch-ms value as the API sends it (a number or a numeric string); null for anything else. */
function epochMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*\d+(\.\d*)?\s*$/.test(value)) return Number(value);
  return null;
}

function apiError(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  code: string | undefined,
  message: string,
  requestId: string | undefined,
  host: string,
): ApiError | TransientError {
  if (code === undefined) {
    // Not an Alibaba body (a proxy, a load balancer): server-side trouble is worth retrying.
    const retryable = status >= 500 || status === 408 || status === 429;
    const text = `HTTP ${status} from ${host} without an Alibaba error body`;
    if (retryable) {
      return new ApiError(
        status === 429 ? 'EXTRACT_THROTTLED' : 'EXTRACT_SERVER',
        `${text}: run again later`,
        {
          apiCode: `HTTP${status}`,
          apiMessage: '',
          requestId,
          httpStatus: status,
          retryable: true,
          retryAfterMs: retryAfterMs(headers),
        },
      );
    }
    return new ApiError('EXTRACT_PARAMETER', `${text}: check --endpoint`, {
      apiCode: `HTTP${status}`,
      apiMessage: '',
      requestId,
      httpStatus: status,
      retryable: false,
    });
  }
  const kind = classifyApiCode(code, status);
  const ref = `${code}, RequestId ${requestId ?? 'none'}`;
  return new ApiError(kind.errorCode, `${kind.describe(host, ref, message)}`, {
    apiCode: code,
    // Auth error messages may echo the string-to-sign, STS token included: keep none of it.
    apiMessage: kind.errorCode === 'EXTRACT_AUTH' ? '' : message,
    requestId,
    httpStatus: status,
    retryable: kind.retryable,
    retryAfterMs: retryAfterMs(headers),
  });
}

/** Retry-After (seconds or an HTTP date) or Alibaba's x-acs-retry-after (milliseconds, undocumented unit). */
export function retryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  nowMs = Date.now(),
): number | undefined {
  const acs = headers['x-acs-retry-after'];
  if (typeof acs === 'string' && /^\d+$/.test(acs.trim())) return Number(acs.trim());
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}
