/**
 * Every failure the pipeline reports is a PipelineError with a stable `code`.
 * Callers branch on `code` (never on messages); only the CLI maps codes to exit statuses.
 */
export type PipelineErrorCode =
  | 'CONFIG_INVALID'
  | 'EXTRACT_AUTH'
  | 'EXTRACT_PARAMETER'
  | 'EXTRACT_THROTTLED'
  | 'EXTRACT_SERVER'
  | 'EXTRACT_NETWORK'
  | 'EXTRACT_BAD_PAGE'
  | 'EXTRACT_RETRIES_EXHAUSTED'
  | 'EXTRACT_INCOMPLETE'
  | 'STORE_FAILED'
  | 'RENDER_TEMPLATE'
  | 'RENDER_PDF'
  | 'MANIFEST_INVALID'
  | 'VERIFY_FAILED'
  | 'DELIVER_EMAIL'
  | 'DELIVER_CI'
  | 'ABORTED'
  | 'INTERNAL';

export class PipelineError extends Error {
  override name = 'PipelineError';
  readonly code: PipelineErrorCode;
  constructor(code: PipelineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The input is wrong: a flag, a config value, a parameter the API rejected. Fix it and run again. */
export class ConfigError extends PipelineError {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}

/**
 * An error answer from the API (an Alibaba error body, or HTTP 200 whose `Code` is not OK).
 * `retryable` says whether the same request may succeed later.
 */
export class ApiError extends PipelineError {
  override name = 'ApiError';
  readonly apiCode: string;
  readonly apiMessage: string;
  readonly requestId: string | undefined;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    code: PipelineErrorCode,
    message: string,
    details: {
      apiCode: string;
      apiMessage: string;
      requestId: string | undefined;
      httpStatus: number;
      retryable: boolean;
      retryAfterMs?: number | undefined;
    },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.apiCode = details.apiCode;
    this.apiMessage = details.apiMessage;
    this.requestId = details.requestId;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** A transport failure (timeout, reset, refused) or an unusable body: always worth another try. */
export class TransientError extends PipelineError {
  override name = 'TransientError';
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError) return error.retryable;
  return error instanceof TransientError;
}
