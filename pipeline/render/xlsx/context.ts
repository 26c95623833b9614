/** What every sheet builder reads: the model, the locale's strings, and a few derived facts. */
import type { ReportModel } from '../../transform/index.js';
import { formatDateTime } from '../format.js';
import { lookup, type Strings } from '../strings.js';
import { localSerialOf } from './time.js';

export interface SheetContext {
  model: ReportModel;
  strings: Strings;
  /** an `xlsx` string with `{name}` placeholders filled */
  t: (key: string, vars?: Record<string, string | number>) => string;
  /** a `common` string */
  c: (key: string) => string;
  /** the PARTIAL stamp, or null for a complete month */
  partialStamp: string | null;
  /** the overall success-rate SLA target (rates below it show red), when the rules have one */
  successTarget: number | null;
  localSerial: (ms: number) => number;
  /** an instant as local text in the report's zone */
  localText: (value: number | string | null) => string;
  redact: boolean;
}

function fill(text: string, vars: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function sheetContext(model: ReportModel, strings: Strings, redact: boolean): SheetContext {
  const target = model.sla?.rules.find(
    (r) => r.scope === 'overall' && r.metric === 'successRate' && r.op === '>=',
  );
  return {
    model,
    strings,
    t: (key, vars) => fill(lookup(strings.xlsx, key), vars),
    c: (key) => lookup(strings.common, key),
    partialStamp: model.complete ? null : lookup(strings.common, 'partial'),
    successTarget: target?.value ?? null,
    localSerial: localSerialOf(model.timeZone),
    localText: (value) => formatDateTime(value, model.timeZone),
    redact,
  };
}
