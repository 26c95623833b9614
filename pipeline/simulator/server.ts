/**
 * The HTTP side of the simulator. Each request goes through, in order: read body → verify the
 * signature → action and version → QPS cap → fault → added latency → parameters → data. Error
 * bodies follow alibaba-openapi.md §5; a fault may replace or mangle the answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FAULT_KINDS, type FaultKind, type FaultPlan, type TokenBucket } from './faults.js';
import { readBody, splitOnce, unverified } from './http-input.js';
import { parseParameters } from './params.js';
import { hash32 } from './random.js';
import type { RecordSource } from './sources.js';
import type { SignedRequestIn, Verification } from './verify-signature.js';

export const ACTION = 'CloudListCurlLog';
export const VERSION = '2017-05-25';
const JSON_TYPE = 'application/json;charset=utf-8';
const THROTTLED = [400, 'Throttling.User', 'Request was denied due to user flow control.'] as const;
const UNAVAILABLE = [
  503,
  'ServiceUnavailable',
  'The request has failed due to a temporary failure of the server.',
] as const;
const INTERNAL_ERROR = [
  500,
  'InternalError',
  'The request processing has failed due to some unknown error, exception or failure.',
] as const;

export interface SimulatorStats {
  /** every request received */
  requests: number;
  /** pages answered with Code OK */
  served: number;
  /** the fault stage's decisions ('ok' = no fault) */
  faults: Record<FaultKind, number>;
  /** refused before the fault stage: signature, method, path, action or version */
  rejected: number;
  /** answered Throttling.User by the QPS cap */
  capped: number;
  /** parameter errors: Missing<Name> and isv.INVALID_PARAMETERS */
  invalid: number;
  /** OK pages by their Start offset */
  pagesByStart: Map<number, number>;
}

export interface ServerConfig {
  source: RecordSource;
  timeZone: string;
  seed: number;
  verifier: { verify(request: SignedRequestIn): Verification } | undefined;
  bucket: TokenBucket | undefined;
  planFault: (requestNumber: number) => FaultPlan;
  latencyMs: number;
  /** the data clock: records created after now() are not visible yet */
  now: () => number;
}

interface Exchange {
  requestNumber: number;
  requestId: string;
  hostId: string;
  res: ServerResponse;
}

class Rejection {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

export class SimulatorServer {
  readonly #config: ServerConfig;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #sleepers = new Set<() => void>();
  readonly #stats: SimulatorStats = {
    requests: 0,
    served: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    rejected: 0,
    capped: 0,
    invalid: 0,
    pagesByStart: new Map(),
  };
  #closed = false;

  constructor(config: ServerConfig) {
    this.#config = config;
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1 and resolves the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Stops listening and ends every connection, idle or busy, and every pending latency wait. */
  close(): Promise<void> {
    this.#closed = true;
    for (const wake of this.#sleepers) wake();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
  }

  stats(): SimulatorStats {
    return {
      ...this.#stats,
      faults: { ...this.#stats.faults },
      pagesByStart: new Map(this.#stats.pagesByStart),
    };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestNumber = ++this.#stats.requests;
    const exchange: Exchange = {
      requestNumber,
      requestId: requestIdOf(this.#config.seed, requestNumber),
      hostId: req.headers.host ?? 'dyvmsapi.aliyuncs.com',
      res,
    };
    try {
      await this.#respond(req, exchange);
    } catch {
      // A simulator bug must look like a server error, not like an injected drop.
      if (res.headersSent) res.destroy();
      else this.#sendError(exchange, ...INTERNAL_ERROR);
    }
  }

  async #respond(req: IncomingMessage, exchange: Exchange): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return;

    let params: Record<string, string>;
    try {
      params = this.#admit(req, body);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      await this.#sleep(this.#config.latencyMs);
      return this.#sendError(exchange, error.httpStatus, error.code, error.message);
    }

    if (this.#config.bucket && !this.#config.bucket.take()) {
      this.#stats.capped++;
      await this.#sleep(this.#config.latencyMs);
      return this.#sendError(exchange, ...THROTTLED);
    }

    const fault = this.#config.planFault(exchange.requestNumber);
    const ordinal = ++this.#stats.faults[fault.kind];
    await this.#sleep(this.#config.latencyMs);
    if (this.#closed) return void exchange.res.destroy();

    switch (fault.kind) {
      case 'throttle':
        return this.#sendError(exchange, ...THROTTLED);
      case 'error': {
        // The two retryable server errors alternate, 503 first.
        const [status, code, message] = ordinal % 2 === 1 ? UNAVAILABLE : INTERNAL_ERROR;
        return this.#sendError(exchange, status, code, message);
      }
      case 'drop':
        if (fault.dropEarly) return void req.socket.destroy();
        break;
      default:
        break;
    }
    const answer = this.#answer(params, exchange);
    this.#send(exchange, answer.status, answer.body, fault);
  }

  /** Signature, method, path, action and version; the business parameters when all pass. */
  #admit(req: IncomingMessage, body: Buffer): Record<string, string> {
    const [path = '/', rawQuery = ''] = splitOnce(req.url ?? '/', '?');
    const method = req.method ?? 'GET';
    let verified: { action: string; version: string; params: Record<string, string> };
    if (method !== 'GET' && method !== 'POST') {
      verified = this.#reject(
        400,
        'UnsupportedHTTPMethod',
        `Specified HTTP method ${method} is not supported.`,
      );
    } else if (path !== '/') {
      verified = this.#reject(
        404,
        'InvalidApi.NotFound',
        'Specified api is not found, please check your url and method.',
      );
    } else if (this.#config.verifier) {
      const verification = this.#config.verifier.verify({ method, rawQuery, headers: req.headers, body });
      if (!verification.ok)
        verified = this.#reject(verification.httpStatus, verification.code, verification.message);
      else verified = verification;
    } else {
      verified = unverified(req, rawQuery, body);
    }
    if (verified.action !== ACTION) {
      this.#reject(
        404,
        'InvalidAction.NotFound',
        'Specified api is not found, please check your url and method.',
      );
    }
    if (verified.version !== VERSION) {
      this.#reject(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
    }
    return verified.params;
  }

  #reject(httpStatus: number, code: string, message: string): never {
    this.#stats.rejected++;
    throw new Rejection(httpStatus, code, message);
  }

  /** Parameters, then the page: the answer the request deserves when no fault interferes. */
  #answer(params: Record<string, string>, exchange: Exchange): { status: number; body: string } {
    const { requestId } = exchange;
    const parsed = parseParameters(params, this.#config.timeZone);
    if (!parsed.ok) {
      this.#stats.invalid++;
      // Missing<Name> comes from the gateway (error body, 4xx); a bad value is a business error (200).
      if (parsed.httpStatus !== 200) {
        return { status: parsed.httpStatus, body: errorBody(exchange, parsed.code, parsed.message) };
      }
      return {
        status: 200,
        body: JSON.stringify({ RequestId: requestId, Code: parsed.code, Message: parsed.message }),
      };
    }
    const { query, offset, limit } = parsed;
    // The month is still being written: rows created after "now" do not exist yet.
    const visible = { ...query, endMs: Math.min(query.endMs, this.#config.now()) };
    const list = this.#config.source.page(visible, offset, limit);
    this.#stats.served++;
    this.#stats.pagesByStart.set(offset, (this.#stats.pagesByStart.get(offset) ?? 0) + 1);
    return {
      status: 200,
      body: `{"RequestId":${JSON.stringify(requestId)},"Code":"OK","Message":"OK","Data":{"List":[${list.join(',')}]}}`,
    };
  }

  #sendError(exchange: Exchange, httpStatus: number, code: string, message: string): void {
    this.#send(exchange, httpStatus, errorBody(exchange, code, message));
  }

  /** Writes the answer, or the part of it a drop/malformed fault lets through. */
  #send(exchange: Exchange, status: number, body: string, fault?: FaultPlan): void {
    const { res } = exchange;
    if (res.destroyed || this.#closed) return void res.destroy();
    const bytes = Buffer.from(body, 'utf8');
    const cutAt = Math.max(1, Math.min(bytes.length - 1, Math.floor(bytes.length * (fault?.cut ?? 1))));
    const headers = { 'content-type': JSON_TYPE, 'x-acs-request-id': exchange.requestId };
    if (fault?.kind === 'malformed') {
      // A truncated body whose content-length matches what is sent: only the JSON is broken.
      const sent = bytes.subarray(0, cutAt);
      res.writeHead(200, { ...headers, 'content-length': sent.length });
      return void res.end(sent);
    }
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    if (fault?.kind === 'drop') {
      // Headers and part of the body, then the connection dies mid-body.
      return void res.write(bytes.subarray(0, cutAt), () => res.socket?.destroy());
    }
    res.end(bytes);
  }

  #sleep(ms: number): Promise<void> {
    if (!(ms > 0) || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }
}

/** The gateway's error body (alibaba-openapi.md §5.1). */
function errorBody(exchange: Exchange, code: string, message: string): string {
  return JSON.stringify({
    RequestId: exchange.requestId,
    HostId: exchange.hostId,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Dyvmsapi&requestId=${exchange.requestId}`,
  });
}

/** A RequestId shaped like Alibaba's (a UUID in upper case), derived from seed and request number. */
export function requestIdOf(seed: number, requestNumber: number): string {
  const hex = [0, 1, 2, 3]
    .map((k) =>
      hash32(seed, requestNumber, 0x1d00 + k)
        .toString(16)
        .padStart(8, '0'),
    )
    .join('')
    .toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
