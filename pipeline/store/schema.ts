/**
 * The staging store's tables. `staged` keeps every copy of every record as fetched (with the order
 * it was fetched in), `quarantine` the records excluded from the population and why, `windows` the
 * checkpoints, `records` the deduplicated population (rebuilt when an extraction finishes).
 * Column names are snake_case renderings of the API's field names; times are epoch ms.
 */
export const SCHEMA_VERSION = 1;

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
  window_id VARCHAR NOT NULL, fetch_seq BIGINT NOT NULL, content_hash UBIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS quarantine (
  reason VARCHAR NOT NULL, id VARCHAR, record VARCHAR NOT NULL, window_id VARCHAR NOT NULL, fetch_seq BIGINT NOT NULL);
`;

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

const listType = `STRUCT(${WIRE_FIELDS.map((f) => `"${f}" VARCHAR`).join(', ')})[]`;
const readColumns = `{'Code': 'VARCHAR', 'Data': 'STRUCT(List ${listType})'}`;

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

/**
 * Types, validates and normalises the records of the given landed page files (metrics.md, "The
 * population"). One row per record with `reason` NULL for a valid record, else the first
 * quarantine reason. `$files` is a list of paths, `$window` the window id, `$monthStart` and
 * `$monthEnd` the month's bounds in epoch ms.
 */
export function typedRecordsSql(files: string[], maxFileBytes: number): string {
  // read_json buffers whole objects and a page is one object: size the buffer to the largest page.
  const maxObject = Math.max(16 << 20, 2 ** Math.ceil(Math.log2(maxFileBytes + 1)));
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
  return `
WITH pages AS (
  SELECT CAST(regexp_extract(filename, '([0-9]+)-[0-9]+\\.json$', 1) AS BIGINT) AS page_seq, Data.List AS list
  FROM read_json([${list}], filename = true, format = 'auto', columns = ${readColumns}, maximum_object_size = ${maxObject})
), raw AS (
  SELECT page_seq * 1000 + generate_subscripts(list, 1) AS fetch_seq, unnest(list) AS r FROM pages
), typed AS (
  SELECT fetch_seq, r,
    trim(r.Id) AS id, ${integerOf('r.Type')} AS type, ${numberOf('r.Result')} AS result_num,
    floor(${numberOf('r.CreateTime')}) AS create_time
  FROM raw
)
SELECT *, CASE WHEN reason IS NOT NULL THEN to_json(r)::VARCHAR END AS record
FROM (SELECT
  CASE
    WHEN id IS NULL OR id = '' THEN 'missing Id'
    WHEN type IS NULL THEN 'Type is not an integer'
    WHEN result_num IS NULL OR result_num NOT IN (0, 1) THEN 'Result is not 0 or 1'
    WHEN create_time IS NULL THEN 'CreateTime is missing or not a number'
    WHEN create_time < $monthStart OR create_time > $monthEnd THEN 'CreateTime outside the month'
  END AS reason,
  id, CAST(r.EnterpriseId AS VARCHAR) AS enterprise_id, CAST(type AS INTEGER) AS type, r.TypeStr AS type_str,
  ${textOf('r.UniqueId')} AS unique_id, r.Url AS url, r.Method AS method, r.Headers AS headers, r.Params AS params,
  CAST(${integerOf('r.ContentType')} AS INTEGER) AS content_type, ${textOf('r.Position')} AS position,
  ${numberOf('r.Timeout')} AS timeout_s, CAST(${integerOf('r.Delay')} AS INTEGER) AS delay,
  CAST(${integerOf('r.Level')} AS INTEGER) AS level, CAST(${integerOf('r.Retry')} AS INTEGER) AS retry,
  CAST(result_num AS TINYINT) AS result, trim(${textOf('r.StatusCode')}) AS status_code, r.ResultText AS result_text,
  CAST(create_time AS BIGINT) AS create_time, CAST(floor(${numberOf('r.StartTime')}) AS BIGINT) AS start_time,
  CAST(floor(${numberOf('r.RequestTime')}) AS BIGINT) AS request_time,
  CAST(floor(${numberOf('r.EndTime')}) AS BIGINT) AS end_time, ${textOf('r.CurrentMonth')} AS current_month,
  $window AS window_id, fetch_seq, hash(r) AS content_hash, r
FROM typed) AS checked`;
}
