// `export type`, not `export { type … }`: under verbatimModuleSyntax the latter still loads client.js,
// and undici with it. The client loads when an extraction starts.
export type { CurlLogClient, PageQuery, SignatureVersion } from './client.js';
export { DEFAULT_ENDPOINT } from './endpoint.js';
export { type ExtractFilters, type ExtractOptions, extractMonth, monthDir } from './extractor.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export type { Credentials } from './sign.js';
export {
  assertTimeZone,
  formatLocal,
  type MonthPlan,
  parseMonth,
  planMonth,
  type Window,
} from './windows.js';
