/**
 * The fast path of finishing (finish.ts): a byte-level rewrite of the PDF as Chromium writes it,
 * without parsing objects into a tree. pdf-lib's full parse and rewrite of a 12-page report took
 * about a second in a fresh process; this takes a few tens of milliseconds and gives the same
 * compact file (objects packed into compressed object streams, a cross-reference stream).
 *
 * Chromium (Skia) writes one classic cross-reference table, every object at generation 0, no
 * object streams and no incremental updates. Objects are cut at the offsets that table gives,
 * never by scanning for keywords, so text inside strings cannot mislead the cut. Stream objects
 * are copied verbatim (except the repaired ToUnicode maps); every other object is packed.
 * Anything of another shape yields null, and the caller falls back to pdf-lib.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { repairToUnicodeCMap } from './to-unicode.js';

/** What the rewrite sets: Info entries, the catalog's language and the trailer's ID. */
export interface RepackOptions {
  title: string;
  subject: string;
  language: string;
  date: Date;
  creator: string;
  producer: string;
  /** 32 hex digits, both halves of the trailer's ID */
  id: string;
}

/** Objects per object stream (pdf-lib's default is 50; more compresses better). */
const OBJECTS_PER_STREAM = 100;

interface Trailer {
  size: number;
  root: number;
  info: number;
}

const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');

/** The table's in-use objects (number → offset) and the trailer, or null when not a single classic table. */
function readXref(
  pdf: Uint8Array,
): { offsets: Map<number, number>; trailer: Trailer; xrefAt: number } | null {
  const tail = latin1(pdf, Math.max(0, pdf.length - 64), pdf.length);
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!startxref) return null;
  const xrefAt = Number(startxref[1]);
  const section = latin1(pdf, xrefAt, pdf.length);
  if (!section.startsWith('xref')) return null;
  const trailerAt = section.indexOf('trailer');
  if (trailerAt < 0) return null;
  const offsets = new Map<number, number>();
  const lines = section
    .slice(4, trailerAt)
    .trim()
    .split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; ) {
    const head = /^(\d+) (\d+)\s*$/.exec(lines[i++] as string);
    if (!head) return null;
    const first = Number(head[1]);
    const count = Number(head[2]);
    for (let k = 0; k < count; k++, i++) {
      const entry = /^(\d{10}) (\d{5}) ([nf])\s*$/.exec(lines[i] ?? '');
      if (!entry) return null;
      if (entry[3] === 'f') continue;
      if (entry[2] !== '00000') return null;
      offsets.set(first + k, Number(entry[1]));
    }
  }
  const dict = section.slice(trailerAt + 7, section.indexOf('startxref', trailerAt));
  // An update (/Prev), a second table (/XRefStm) or encryption: not Chromium's plain output.
  if (/\/(Prev|XRefStm|Encrypt)\b/.test(dict)) return null;
  const size = /\/Size (\d+)/.exec(dict);
  const root = /\/Root (\d+) 0 R/.exec(dict);
  const info = /\/Info (\d+) 0 R/.exec(dict);
  if (!size || !root || !info) return null;
  return {
    offsets,
    trailer: { size: Number(size[1]), root: Number(root[1]), info: Number(info[1]) },
    xrefAt,
  };
}

/** Each object's body (between `N 0 obj` and its last `endobj`), cut at the table's offsets. */
function cutObjects(
  pdf: Uint8Array,
  offsets: Map<number, number>,
  xrefAt: number,
): Map<number, string> | null {
  const starts = [...offsets].sort((a, b) => a[1] - b[1]);
  const bodies = new Map<number, string>();
  for (const [i, [number, offset]] of starts.entries()) {
    const end = starts[i + 1]?.[1] ?? xrefAt;
    const text = latin1(pdf, offset, end);
    const head = /^(\d+) 0 obj\s*/.exec(text);
    const close = text.lastIndexOf('endobj');
    if (!head || Number(head[1]) !== number || close < 0) return null;
    bodies.set(number, text.slice(head[0].length, close).trimEnd());
  }
  return bodies;
}

const isStream = (body: string): boolean => body.endsWith('endstream');

/** The decoded data of a stream object that is unfiltered or FlateDecode, else null. */
function streamData(body: string): Buffer | null {
  const head = /^<<([^<>]*)>>\s*stream(\r\n|\n)/.exec(body);
  if (!head) return null;
  const dict = head[1] as string;
  const length = /\/Length (\d+)(?!\s+\d+\s+R)/.exec(dict);
  if (!length) return null;
  const raw = Buffer.from(body.slice(head[0].length, head[0].length + Number(length[1])), 'latin1');
  const filter = /\/Filter\s*(\/\w+|\[[^\]]*\])/.exec(dict)?.[1];
  if (filter === undefined) return raw;
  return filter === '/FlateDecode' ? inflateSync(raw) : null;
}

function streamObject(data: Buffer, dict = ''): string {
  const compressed = deflateSync(data);
  return `<<${dict}/Filter /FlateDecode /Length ${compressed.length}>>\nstream\n${compressed.toString('latin1')}\nendstream`;
}

/** A PDF text string: UTF-16BE with a byte-order mark, as hex (any text, no escaping). */
function textString(text: string): string {
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `<${hex}>`;
}

/** `D:20260430155959Z`, the form pdf-lib writes (UTC, seconds). */
export function pdfDate(date: Date): string {
  return `(D:${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z)`;
}

/** A structure element's id as Chromium writes it, `/ID (node00000017)`: a DOM node id. */
const STRUCTURE_ID = /\/ID\s*\(node(\d+)\)/g;
/** The arrays that name structure ids: table cells' `/Headers`, the ID tree's `/Names` and `/Limits`. */
const ID_ARRAY = /\/(Headers|Names|Limits)\s*\[[^\]]*\]/g;
const ID_STRING = /(?<!\\)\(node(\d+)\)/g;

/**
 * The tagged PDF's structure ids (`/ID`, table cells' `/Headers`, the `/IDTree`) are DOM node
 * ids, which count on per renderer process: the same page printed after another one in the same
 * process gets other numbers. They are replaced by their rank among the document's ids, in the
 * same order (the ID tree stays sorted), so the output depends on the page alone. Only those
 * places change: other strings (alternate text, outline titles, links) and streams (page content,
 * where printed text lives) are left as they are.
 */
function renumberStructureIds(bodies: Map<number, string>): void {
  const ids = new Set<number>();
  for (const body of bodies.values()) {
    if (isStream(body)) continue;
    for (const match of body.matchAll(STRUCTURE_ID)) ids.add(Number(match[1]));
  }
  if (ids.size === 0) return;
  const rank = new Map([...ids].sort((a, b) => a - b).map((id, i) => [id, i + 1]));
  const width = Math.max(8, String(ids.size).length);
  const renamed = (id: string): string => `(node${String(rank.get(Number(id))).padStart(width, '0')})`;
  const inArray = (array: string): string =>
    array.replace(ID_STRING, (whole, id: string) => (rank.has(Number(id)) ? renamed(id) : whole));
  for (const [number, body] of bodies) {
    if (isStream(body) || !body.includes('(node')) continue;
    bodies.set(
      number,
      body.replace(STRUCTURE_ID, (_, id: string) => `/ID ${renamed(id)}`).replace(ID_ARRAY, inArray),
    );
  }
}

/** The catalog with its language set and the title shown in the viewer's title bar; null if not a plain dictionary. */
function withLanguage(catalog: string, language: string): string | null {
  if (!catalog.startsWith('<<') || !catalog.endsWith('>>')) return null;
  const lang = /^[A-Za-z0-9-]+$/.test(language) ? `(${language})` : textString(language);
  let body = catalog.slice(2, -2);
  body = /\/Lang\s*(\([^()\\]*\)|<[0-9A-Fa-f]*>)/.test(body)
    ? body.replace(/\/Lang\s*(\([^()\\]*\)|<[0-9A-Fa-f]*>)/, `/Lang ${lang}`)
    : `${body}\n/Lang ${lang}`;
  if (!/\/DisplayDocTitle true/.test(body)) {
    if (body.includes('/ViewerPreferences')) return null;
    body += '\n/ViewerPreferences <</DisplayDocTitle true>>';
  }
  return `<<${body}>>`;
}

/**
 * Chromium's `printed` PDF rewritten with the options' Info, language and ID, its ToUnicode
 * maps repaired, its structure ids renumbered, objects packed into object streams; null when the
 * file is not laid out as Chromium writes it. Deterministic: same bytes and options, same output.
 */
export function repackChromiumPdf(printed: Uint8Array, options: RepackOptions): Uint8Array | null {
  const xref = readXref(printed);
  if (!xref) return null;
  const { trailer } = xref;
  const bodies = cutObjects(printed, xref.offsets, xref.xrefAt);
  if (!bodies) return null;

  for (const body of bodies.values()) {
    if (isStream(body) || !body.includes('/Type /Font')) continue;
    const ref = /\/ToUnicode (\d+) 0 R/.exec(body);
    const target = ref ? bodies.get(Number(ref[1])) : undefined;
    if (!ref || target === undefined || !isStream(target)) continue;
    const data = streamData(target);
    if (data === null) return null;
    const repaired = repairToUnicodeCMap(data.toString('latin1'));
    if (repaired !== null) bodies.set(Number(ref[1]), streamObject(Buffer.from(repaired, 'latin1')));
  }
  renumberStructureIds(bodies);
  const catalog = withLanguage(bodies.get(trailer.root) ?? '', options.language);
  if (catalog === null || !bodies.has(trailer.info)) return null;
  bodies.set(trailer.root, catalog);
  const date = pdfDate(options.date);
  bodies.set(
    trailer.info,
    `<<\n/Title ${textString(options.title)}\n/Subject ${textString(options.subject)}\n` +
      `/Creator ${textString(options.creator)}\n/Producer ${textString(options.producer)}\n` +
      `/CreationDate ${date}\n/ModDate ${date}>>`,
  );

  const chunks: Buffer[] = [Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  let position = chunks[0]?.length ?? 0;
  const write = (text: string): void => {
    const chunk = Buffer.from(text, 'latin1');
    chunks.push(chunk);
    position += chunk.length;
  };
  // Cross-reference entries: [type, field 2, field 3] per object number (type 0 = free).
  const entries: [number, number, number][] = [];
  const packed: number[] = [];
  const numbers = [...bodies.keys()].sort((a, b) => a - b);
  for (const number of numbers) {
    const body = bodies.get(number) as string;
    if (!isStream(body)) {
      packed.push(number);
      continue;
    }
    entries[number] = [1, position, 0];
    write(`${number} 0 obj\n${body}\nendobj\n`);
  }
  let next = trailer.size;
  for (let i = 0; i < packed.length; i += OBJECTS_PER_STREAM) {
    const group = packed.slice(i, i + OBJECTS_PER_STREAM);
    const streamNumber = next++;
    const index: string[] = [];
    let content = '';
    for (const [k, number] of group.entries()) {
      index.push(`${number} ${content.length}`);
      content += `${bodies.get(number)}\n`;
      entries[number] = [2, streamNumber, k];
    }
    const header = `${index.join(' ')}\n`;
    entries[streamNumber] = [1, position, 0];
    write(
      `${streamNumber} 0 obj\n${streamObject(Buffer.from(header + content, 'latin1'), `/Type /ObjStm /N ${group.length} /First ${header.length} `)}\nendobj\n`,
    );
  }
  const xrefNumber = next++;
  entries[xrefNumber] = [1, position, 0];
  const table = Buffer.alloc(next * 7);
  for (let number = 0; number < next; number++) {
    const [type, field2, field3] = entries[number] ?? [0, 0, number === 0 ? 0xffff : 0];
    table.writeUInt8(type, number * 7);
    table.writeUInt32BE(field2, number * 7 + 1);
    table.writeUInt16BE(field3, number * 7 + 5);
  }
  const id = `<${options.id}>`;
  write(
    `${xrefNumber} 0 obj\n${streamObject(table, `/Type /XRef /Size ${next} /W [1 4 2] /Root ${trailer.root} 0 R /Info ${trailer.info} 0 R /ID [${id} ${id}] `)}\nendobj\n` +
      `startxref\n${entries[xrefNumber]?.[1]}\n%%EOF\n`,
  );
  return new Uint8Array(Buffer.concat(chunks));
}
