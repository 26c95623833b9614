/**
 * The staging store's tables. `staged` keeps every copy of every record as fetched (with the order
 * it was fetched in and a few per-record checks the report needs), `quarantine` the records
 * excluded from the population and why, `windows` the checkpoints. The deduplicated population is
 * the view `records`: every staged copy but those marked `superseded` by a copy of the same Id
 * fetched later (metrics.md, "The population"), marks set when an extraction finishes. A view, not
 * a copy, because copying a month of rows costs the extraction seconds and the disk its size again;
 * a column, not a list of copies to leave out, because a filter on a column that is almost always
 * false costs a scan nothing, where a join costs every query over ten million rows.
 * Column names are snake_case renderings of the API's field names; times are epoch ms.
 */
export const SCHEMA_VERSION = 2;

/** The per-copy columns of `staged` that are not part of a record (and not in `records`). */
export const STAGED_EXTRA_COLUMNS = [
  'window_id',
  'fetch_seq',
  'content_hash',
  'key_hash',
  'has_control_characters',
  'is_overlong',
  'superseded',
] as const;

export const CREATE_TABLES = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS windows (
  id VARCHAR PRIMARY KEY, parent_id VARCHAR, kind VARCHAR NOT NULL,
  start_local VARCHAR NOT NULL, end_local VARCHAR NOT NULL, start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL,
  state VARCHAR NOT NULL, pages INTEGER NOT NULL DEFAULT 0, rows BIGINT NOT NULL DEFAULT 0,
  quarantined BIGINT NOT NULL DEFAULT 0, requests INTEGER NOT NULL DEFAULT 0, error VARCHAR,
  updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS staged (
  id VARCHAR NOT NULL, enterprise_id VARCHAR, type INTEGER NOT NULL, type_str VARCHAR, unique_id VARCHAR,
  url VARCHAR, method VARCHAR, headers VARCHAR, params VARCHAR, content_type INTEGER, position VARCHAR,
  timeout_s DOUBLE, delay INTEGER, level INTEGER, retry INTEGER, result TINYINT NOT NULL,
  status_code VARCHAR, result_text VARCHAR, create_time BIGINT NOT NULL, start_time BIGINT,
  request_time BIGINT, end_time BIGINT, current_month VARCHAR,
  window_id VARCHAR NOT NULL, fetch_seq BIGINT NOT NULL, content_hash UBIGINT NOT NULL,
  key_hash UBIGINT NOT NULL, has_control_characters BOOLEAN NOT NULL, is_overlong BOOLEAN NOT NULL,
  superseded BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS quarantine (
  reason VARCHAR NOT NULL, id VARCHAR, record VARCHAR NOT NULL, window_id VARCHAR NOT NULL, fetch_seq BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS quarantined (
  reason VARCHAR NOT NULL, id VARCHAR, record VARCHAR NOT NULL, window_id VARCHAR NOT NULL, fetch_seq BIGINT NOT NULL);
CREATE VIEW IF NOT EXISTS records AS
  SELECT * EXCLUDE (${STAGED_EXTRA_COLUMNS.join(', ')}) FROM staged WHERE NOT superseded;
`;

/** Everything the store holds, for starting afresh (a store of an older schema included). */
export const DROP_TABLES = `
DROP VIEW IF EXISTS records; DROP TABLE IF EXISTS records; DROP TABLE IF EXISTS quarantined;
DROP TABLE IF EXISTS staged; DROP TABLE IF EXISTS quarantine;
DROP TABLE IF EXISTS windows; DROP TABLE IF EXISTS meta;
`;

/** C0 control characters other than tab, line feed and carriage return, and DEL (RE2 class). */
export const CONTROL_CHARACTER_CLASS = '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]';
/** The most characters a spreadsheet cell holds: longer text cannot be shown whole. */
export const OVERLONG_CHARACTERS = 32_767;

/** SQL: whether text holds a control character (metrics.md, data quality). */
export function hasControlCharactersSql(text: string): string {
  return `regexp_matches(${text}, '${CONTROL_CHARACTER_CLASS}')`;
}

/**
 * The same for JSON text (Params, Headers), faster: valid JSON cannot hold a raw C0 control
 * character (RFC 8259, which DuckDB's parser enforces: see test/transform-hand.test.ts), so text
 * that parses needs only the DEL check.
 */
function jsonHasControlCharactersSql(text: string): string {
  return `CASE WHEN json_valid(${text}) THEN contains(${text}, chr(127)) ELSE ${hasControlCharactersSql(text)} END`;
}

/** SQL: longer than a spreadsheet cell; strlen() counts bytes, is free and never below length(). */
function isOverlongSql(text: string): string {
  return `strlen(${text}) > ${OVERLONG_CHARACTERS} AND length(${text}) > ${OVERLONG_CHARACTERS}`;
}

/**
 * The per-record columns the report needs from the long text columns, computed once as records
 * are loaded (a month's Params alone can be gigabytes, and the report reads them no other way):
 * the 64-bit hash of the delivery key (metrics.md "Retries": Type, Url, Method, Params), and the
 * text checks of metrics.md "The population" over Url, Params, Headers and ResultText. `mayHold`
 * is SQL that is false only when no field can hold a control character (a page prefilter).
 */
export function recordChecksSql(
  c: { type: string; url: string; method: string; params: string; headers: string; resultText: string },
  mayHold = 'true',
): string {
  const control = `coalesce(${hasControlCharactersSql(c.url)} OR ${jsonHasControlCharactersSql(c.params)} OR ${jsonHasControlCharactersSql(c.headers)} OR ${hasControlCharactersSql(c.resultText)}, false)`;
  const overlong = `coalesce(${[c.url, c.params, c.headers, c.resultText].map(isOverlongSql).join(' OR ')}, false)`;
  return `hash(${c.type}, ${c.url}, ${c.method}, ${c.params}) AS key_hash,
  CASE WHEN ${mayHold} THEN ${control} ELSE false END AS has_control_characters,
  ${overlong} AS is_overlong`;
}

/** Every field of a wire record, read as text so that numbers and numeric strings type alike. */
export const WIRE_FIELDS = [
  'Id',
  'EnterpriseId',
  'Type',
  'TypeStr',
  'UniqueId',
  'Url',
  'Method',
  'Headers',
  'Params',
  'ContentType',
  'Position',
  'Timeout',
  'Delay',
  'Level',
  'Retry',
  'Result',
  'StatusCode',
  'ResultText',
  'CreateTime',
  'StartTime',
  'RequestTime',
  'EndTime',
  'CurrentMonth',
] as const;

/**
 * What a landed page is parsed into: Data.List as records of text fields (from_json: names matched
 * exactly, numbers and nested values kept as their JSON text, absent fields NULL).
 */
const PAGE_STRUCTURE = JSON.stringify({
  Data: { List: [Object.fromEntries(WIRE_FIELDS.map((f) => [f, 'VARCHAR']))] },
});

/** SQL for an integer-valued number given as text ("9", " 9 ", "9.0"); NULL otherwise. */
function integerOf(expr: string): string {
  return `CASE WHEN regexp_full_match(trim(${expr}), '[+-]?[0-9]+(\\.0*)?') THEN CAST(CAST(trim(${expr}) AS DOUBLE) AS BIGINT) END`;
}

/** SQL for any finite number given as text; NULL otherwise. */
function numberOf(expr: string): string {
  return `CASE WHEN isfinite(TRY_CAST(trim(${expr}) AS DOUBLE)) THEN TRY_CAST(trim(${expr}) AS DOUBLE) END`;
}

/** The API sends some empty strings as the literal two characters `""`: both mean empty. */
function textOf(expr: string): string {
  return `CASE WHEN ${expr} IS NULL OR ${expr} = '""' THEN '' ELSE ${expr} END`;
}

/** A landed page to load: its file and whether its bytes may hold a control character. */
export interface LandedPage {
  path: string;
  mayHoldControlCharacters: boolean;
}

/**
 * Types, validates and normalises the records of the given landed pages (metrics.md, "The
 * population"): one row per record with `reason` NULL for a valid record, else the first
 * quarantine reason. `$window` is the window id, `$monthStart` and `$monthEnd` the month's bounds
 * in epoch ms. The caller selects from it (see stagedInsertSql and quarantineInsertSql).
 */
function typedRecordsSql(pages: LandedPage[]): string {
  const quote = (f: string) => `'${f.replaceAll("'", "''")}'`;
  const list = pages.map((p) => quote(p.path)).join(', ');
  const flagged = pages.filter((p) => p.mayHoldControlCharacters).map((p) => quote(p.path));
  // list_contains, not IN: DuckDB plans a long IN list as a join, which buffers whole page texts.
  const mayHold = flagged.length === 0 ? 'false' : `list_contains([${flagged.join(', ')}], filename)`;
  // A page is read whole as text and parsed by from_json, not scanned by read_json: read_json holds
  // two buffers of maximum_object_size, which cannot go below 16 MB, for half-megabyte pages. That
  // was most of the extraction's DuckDB memory, and read_json took half as much CPU again (measured
  // on a month of a million records). Records come out the same, except that a List element that
  // is not an object becomes a record of NULLs (quarantined, missing Id) where read_json failed the
  // whole load, and a repeated key keeps its first value where read_json failed.
  return `
WITH pages AS (
  SELECT CAST(regexp_extract(filename, '([0-9]+)-[0-9]+\\.json$', 1) AS BIGINT) AS page_seq,
    ${mayHold} AS may_hold, from_json(content, '${PAGE_STRUCTURE}').Data.List AS list
  FROM read_text([${list}])
), raw AS (
  SELECT page_seq * 1000 + generate_subscripts(list, 1) AS fetch_seq, may_hold, unnest(list) AS r FROM pages
), typed AS (
  SELECT fetch_seq, may_hold, r,
    trim(r.Id) AS id, ${integerOf('r.Type')} AS type, ${numberOf('r.Result')} AS result_num,
    floor(${numberOf('r.CreateTime')}) AS create_time
  FROM raw
)
SELECT
  CASE
    WHEN id IS NULL OR id = '' THEN 'missing Id'
    WHEN type IS NULL THEN 'Type is not an integer'
    WHEN result_num IS NULL OR result_num NOT IN (0, 1) THEN 'Result is not 0 or 1'
    WHEN create_time IS NULL THEN 'CreateTime is missing or not a number'
    WHEN create_time < $monthStart OR create_time > $monthEnd THEN 'CreateTime outside the month'
  END AS reason,
  id, type, result_num, create_time, fetch_seq, may_hold, r
FROM typed`;
}

/** The typed columns of `staged`, in its order, from a row of typedRecordsSql. */
const STAGED_SELECT = `
  id, CAST(r.EnterpriseId AS VARCHAR) AS enterprise_id, CAST(type AS INTEGER) AS type, r.TypeStr AS type_str,
  ${textOf('r.UniqueId')} AS unique_id, r.Url AS url, r.Method AS method, r.Headers AS headers, r.Params AS params,
  CAST(${integerOf('r.ContentType')} AS INTEGER) AS content_type, ${textOf('r.Position')} AS position,
  ${numberOf('r.Timeout')} AS timeout_s, CAST(${integerOf('r.Delay')} AS INTEGER) AS delay,
  CAST(${integerOf('r.Level')} AS INTEGER) AS level, CAST(${integerOf('r.Retry')} AS INTEGER) AS retry,
  CAST(result_num AS TINYINT) AS result, trim(${textOf('r.StatusCode')}) AS status_code, r.ResultText AS result_text,
  CAST(create_time AS BIGINT) AS create_time, CAST(floor(${numberOf('r.StartTime')}) AS BIGINT) AS start_time,
  CAST(floor(${numberOf('r.RequestTime')}) AS BIGINT) AS request_time,
  CAST(floor(${numberOf('r.EndTime')}) AS BIGINT) AS end_time, ${textOf('r.CurrentMonth')} AS current_month,
  $window AS window_id, fetch_seq, hash(r) AS content_hash,
  ${recordChecksSql(
    {
      type: 'CAST(type AS INTEGER)',
      url: 'r.Url',
      method: 'r.Method',
      params: 'r.Params',
      headers: 'r.Headers',
      resultText: 'r.ResultText',
    },
    'may_hold',
  )},
  false AS superseded`;

/**
 * Inserts the valid records of the given landed pages into `staged`, straight from the pages: no
 * intermediate table, since a window's rows are written once.
 */
export function stagedInsertSql(pages: LandedPage[]): string {
  return `INSERT INTO staged SELECT ${STAGED_SELECT} FROM (${typedRecordsSql(pages)}) WHERE reason IS NULL`;
}

/** Inserts the invalid records of the given landed pages into `quarantine`, with their reason. */
export function quarantineInsertSql(pages: LandedPage[]): string {
  return `INSERT INTO quarantine SELECT reason, id, coalesce(to_json(r)::VARCHAR, 'null'), $window, fetch_seq
FROM (${typedRecordsSql(pages)}) WHERE reason IS NOT NULL`;
}
