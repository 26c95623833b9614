import type { PipelineErrorCode } from '../errors.js';

export interface ApiErrorKind {
  errorCode: PipelineErrorCode;
  retryable: boolean;
  /** one line: what failed, where, and what to do; never the server's Message for auth errors */
  describe: (host: string, ref: string, message: string) => string;
}

const credentials = 'check ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET';

/**
 * Sorts an Alibaba error `Code` by what the caller should do next (reference: alibaba-openapi.md §5).
 * Branches on the code, never on the HTTP status, which differs between Alibaba's own tables.
 */
export function classifyApiCode(code: string, status: number): ApiErrorKind {
  // V1 SignatureDoesNotMatch messages echo the string-to-sign: keep server messages out of auth errors.
  if (code === 'SignatureDoesNotMatch' || code === 'IncompleteSignature') {
    return fatal(
      'EXTRACT_AUTH',
      (host, ref) => `Signature rejected by ${host} (${ref}): check ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
    );
  }
  if (code.startsWith('InvalidAccessKeyId')) {
    return fatal('EXTRACT_AUTH', (host, ref) => `AccessKey rejected by ${host} (${ref}): ${credentials}`);
  }
  if (code.startsWith('InvalidSecurityToken') || code === 'MissingSecurityToken') {
    return fatal(
      'EXTRACT_AUTH',
      (host, ref) => `STS token rejected by ${host} (${ref}): refresh ALIBABA_CLOUD_SECURITY_TOKEN`,
    );
  }
  if (code === 'InvalidTimeStamp.Expired') {
    return fatal(
      'EXTRACT_AUTH',
      (host, ref) =>
        `Request time rejected by ${host} (${ref}): the system clock is more than 15 minutes off`,
    );
  }
  if (
    code === 'Forbidden.RAM' ||
    code === 'NoPermission' ||
    code === 'isp.RAM_PERMISSION_DENY' ||
    code.startsWith('isv.ACCOUNT_') ||
    code === 'isv.OUT_OF_SERVICE' ||
    code.startsWith('isv.PRODUCT_UN')
  ) {
    return fatal(
      'EXTRACT_AUTH',
      (host, ref) =>
        `Access denied by ${host} (${ref}): grant the RAM user dyvms:* or check the account's subscription`,
    );
  }
  if (code === 'SignatureNonceUsed') return retry('EXTRACT_SERVER', 'nonce replayed', 'run again');
  if (code.startsWith('Throttling') || code === 'isv.BUSINESS_LIMIT_CONTROL') {
    return retry('EXTRACT_THROTTLED', 'throttled', 'lower --qps or --concurrency, or run again later');
  }
  if (
    code === 'InternalError' ||
    code === 'ServiceUnavailable' ||
    code === 'isp.SYSTEM_ERROR' ||
    status >= 500
  ) {
    return retry('EXTRACT_SERVER', 'server error', 'run again later');
  }
  return fatal(
    'EXTRACT_PARAMETER',
    (host, ref, message) => `Request rejected by ${host} (${ref}): ${oneLine(message)}; check the parameters`,
  );
}

function fatal(errorCode: PipelineErrorCode, describe: ApiErrorKind['describe']): ApiErrorKind {
  return { errorCode, retryable: false, describe };
}

function retry(errorCode: PipelineErrorCode, what: string, todo: string): ApiErrorKind {
  return {
    errorCode,
    retryable: true,
    describe: (host, ref) => `${host} answered ${what} (${ref}): ${todo}`,
  };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
