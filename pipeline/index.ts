/**
 * pushlog-report as a library. The stages can be used alone: extract a month into its staging
 * store, or run the local CloudListCurlLog simulator.
 */
export { ApiError, ConfigError, PipelineError, type PipelineErrorCode, TransientError } from './errors.js';
export type { EventSink, ExtractSummary, PipelineEvent } from './events.js';
export {
  type Credentials,
  DEFAULT_ENDPOINT,
  DEFAULT_RETRY_POLICY,
  type ExtractFilters,
  type ExtractOptions,
  extractMonth,
  type MonthPlan,
  monthDir,
  parseMonth,
  planMonth,
  type RetryPolicy,
  type SignatureVersion,
  type Window,
} from './extract/index.js';
export {
  DEFAULT_KEY_PAIR,
  type Simulator,
  type SimulatorOptions,
  startSimulator,
} from './simulator/index.js';
export { StagingStore } from './store/staging.js';
export * from './transform/index.js';
