/**
 * The transform stage: the month's staging store → the ReportModel (`summary.json`) and the
 * evidence archive (`raw.parquet`). Renderers import the model type and the type table from here.
 */
export { ENDPOINT_MACROS } from './endpoint-sql.js';
export { IncompleteExtractionError } from './errors.js';
export * from './model.js';
export { previousMonthOf, summaryPathOf } from './previous.js';
export { SUMMARY_SCHEMA } from './schema.js';
export { evaluateSla, parseSlaRules, readSlaFile, type SlaRule, type SlaRules } from './sla.js';
export {
  buildReport,
  exportRawParquet,
  openStaging,
  RAW_FILE,
  SUMMARY_FILE,
  type TransformOptions,
  transformMonth,
} from './transform.js';
export { isKnownType, PUSH_TYPE_NAMES, type PushTypeName, typeNameOf } from './types.js';
