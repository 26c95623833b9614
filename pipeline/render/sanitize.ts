/**
 * Cell-safe text for untrusted log content (Url, Params, Headers, ResultText): what XML 1.0
 * forbids is removed (a workbook holding it needs repair), Excel's `_xHHHH_` escape syntax is
 * itself escaped (Excel, exceljs and SheetJS all decode it, so a literal `_x0007_` would come back
 * as a BEL), and text over Excel's cell limit is cut with a marker that says how long it was.
 */

/** Excel's limit on the characters in one cell. */
export const EXCEL_CELL_LIMIT = 32_767;

// C0 controls except tab, LF and CR; DEL (exceljs drops it too); U+FFFE/U+FFFF; lone surrogates.
const FORBIDDEN =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these characters are the target
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const EXCEL_ESCAPE = /_(x[0-9a-f]{4}_)/gi;

/** `text` without the characters XML 1.0 forbids. */
export function removeForbidden(text: string): string {
  return text.replace(FORBIDDEN, '');
}

/** The marker that ends a truncated cell: `… [truncated: 100,000 characters]`. */
export function truncationMarker(originalLength: number): string {
  return `… [truncated: ${originalLength.toLocaleString('en-US')} characters]`;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Cuts `text` to at most `limit` UTF-16 units (as Excel counts), ending with a marker that gives
 * the original length in characters (code points), never splitting a surrogate pair. Pass
 * `originalLength` when the text was already cut upstream (SQL `left`), so the marker tells the
 * length the record really had.
 */
export function truncate(text: string, limit: number, originalLength?: number): string {
  if (originalLength === undefined && text.length <= limit) return text;
  const marker = truncationMarker(originalLength ?? codePoints(text));
  let keep = Math.max(0, limit - marker.length);
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + marker;
}

/**
 * Text a cell can hold and every reader shows as written: forbidden characters removed, `_xHHHH_`
 * escaped, at most `limit` UTF-16 units (default Excel's cell limit). `originalLength`: see
 * `truncate`.
 */
export function cellText(text: string, limit = EXCEL_CELL_LIMIT, originalLength?: number): string {
  return truncate(removeForbidden(text), limit, originalLength).replace(EXCEL_ESCAPE, '_x005F_$1');
}
