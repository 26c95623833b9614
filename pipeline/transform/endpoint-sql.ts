/**
 * metrics.md "byEndpoint": scheme://host[:port]/path, host lower-cased. User info, query and
 * fragment are dropped (they carry secrets); a Url that is not absolute keeps what precedes its
 * first '?' or '#', without any user info. The one SQL definition: the transform groups by it and
 * the workbook's Failures sheet labels records with it, so filtering Failures by an endpoint
 * counts exactly its By endpoint row.
 *
 * User info ends at the LAST '@' before the path, as URL parsers read it, so a password holding
 * an '@' is dropped whole.
 */
export const ENDPOINT_MACROS = `
CREATE OR REPLACE TEMP MACRO url_parts(url) AS regexp_extract(trim(url),
  '^([A-Za-z][A-Za-z0-9+.\\-]*)://(?:[^/?#]*@)?(\\[[^\\]/?#]*\\]|[^:/?#]*)(:[0-9]*)?([^?#]*)',
  ['scheme', 'host', 'port', 'path']);
CREATE OR REPLACE TEMP MACRO endpoint_of(url) AS CASE
  WHEN nullif(trim(url), '') IS NULL THEN '(none)'
  WHEN url_parts(url).scheme = '' THEN regexp_replace(split_part(split_part(trim(url), '#', 1), '?', 1), '^[^/]*@', '')
  ELSE lower(url_parts(url).scheme) || '://' || lower(url_parts(url).host) || url_parts(url).port
    || CASE WHEN url_parts(url).path = '' THEN '/' ELSE url_parts(url).path END
  END;`;
