export { type CurlLogClient, DEFAULT_ENDPOINT, type PageQuery, type SignatureVersion } from './client.js';
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
