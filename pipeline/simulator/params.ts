/**
 * CloudListCurlLog's business parameters: a missing required one is a gateway error (HTTP 400
 * `Missing<Name>`); a malformed value is a business error (HTTP 200, `isv.INVALID_PARAMETERS`),
 * the two error styles the reference says a client must handle.
 */
import { tz } from '@date-fns/tz';
import { isValid } from 'date-fns/isValid';
import { parse } from 'date-fns/parse';
import type { RecordQuery } from './sources.js';

export type ParsedParameters =
  | { ok: true; query: RecordQuery; offset: number; limit: number }
  | { ok: false; httpStatus: number; code: string; message: string };

const TIME_SHAPE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const INTEGER = /^-?\d+$/;
export const MAX_LIMIT = 500;

class ParameterProblem extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function missing(name: string): ParameterProblem {
  return new ParameterProblem(400, `Missing${name}`, `${name} is mandatory for this action.`);
}

function invalid(name: string, value: string, why: string): ParameterProblem {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return new ParameterProblem(200, 'isv.INVALID_PARAMETERS', `Invalid parameter ${name} '${shown}': ${why}.`);
}

/** An optional parameter sent empty counts as not sent, as SDKs omit unset fields. */
function optional(params: Readonly<Record<string, string>>, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(params: Readonly<Record<string, string>>, name: string): number | undefined {
  const value = optional(params, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!INTEGER.test(value) || !Number.isSafeInteger(n)) throw invalid(name, value, 'must be an integer');
  return n;
}

/** `yyyy-MM-dd HH:mm:ss` in the zone → the epoch ms of that second's first millisecond. */
function localTime(name: string, value: string, timeZone: string): number {
  // date-fns alone would also take "2026-4-1 0:0:0"; the API's format is strict.
  const date = TIME_SHAPE.test(value)
    ? parse(value, 'yyyy-MM-dd HH:mm:ss', new Date(0), { in: tz(timeZone) })
    : null;
  if (!date || !isValid(date)) throw invalid(name, value, "must be a date-time 'yyyy-MM-dd HH:mm:ss'");
  // Record times are epoch ms; nothing was logged before 1970 (and Ids are numbered from it).
  if (date.getTime() < 0) throw invalid(name, value, 'must not be before 1970');
  return date.getTime();
}

export function parseParameters(
  params: Readonly<Record<string, string>>,
  timeZone: string,
): ParsedParameters {
  try {
    return { ok: true, ...readParameters(params, timeZone) };
  } catch (error) {
    if (!(error instanceof ParameterProblem)) throw error;
    return { ok: false, httpStatus: error.httpStatus, code: error.code, message: error.message };
  }
}

function readParameters(params: Readonly<Record<string, string>>, timeZone: string) {
  for (const name of ['EnterpriseId', 'StartTime', 'EndTime']) if (!params[name]) throw missing(name);
  const enterpriseId = params.EnterpriseId ?? '';
  const startText = params.StartTime ?? '';
  const endText = params.EndTime ?? '';
  if (!/^\d+$/.test(enterpriseId)) throw invalid('EnterpriseId', enterpriseId, 'must be a positive integer');
  const startMs = localTime('StartTime', startText, timeZone);
  // EndTime is inclusive to the second: its whole second is in the window.
  const endMs = localTime('EndTime', endText, timeZone) + 999;
  if (startMs > endMs) throw invalid('StartTime', startText, `is after EndTime '${endText}'`);
  if (startText.slice(0, 7) !== endText.slice(0, 7)) {
    throw invalid('EndTime', endText, `must be in the same calendar month as StartTime '${startText}'`);
  }

  const offset = integer(params, 'Start') ?? 0;
  if (offset < 0) throw invalid('Start', String(offset), 'must be 0 or more');
  const limit = integer(params, 'Limit') ?? 10;
  if (limit < 1 || limit > MAX_LIMIT) throw invalid('Limit', String(limit), `must be in 1..${MAX_LIMIT}`);
  const type = integer(params, 'Type');
  const result = integer(params, 'Result');
  if (result !== undefined && result !== 0 && result !== 1) {
    throw invalid('Result', String(result), 'must be 1 (success) or 0 (failure)');
  }
  const retry = integer(params, 'Retry') ?? -2;
  if (retry < -2 || retry === -1)
    throw invalid('Retry', String(retry), 'must be -2 (all attempts) or 0 or more');
  const query: RecordQuery = {
    enterpriseId,
    startMs,
    endMs,
    type,
    result,
    url: optional(params, 'Url'),
    retry,
  };
  return { query, offset, limit };
}
