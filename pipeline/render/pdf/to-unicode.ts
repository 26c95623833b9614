/**
 * Repairs the text layer Chromium writes for CJK fonts. Noto Sans CJK maps a radical code point
 * and its ideograph to one glyph (U+2F00 ⼀ and U+4E00 一 draw the same), and Chromium's PDF
 * backend (Skia) writes the lowest of them into the font's ToUnicode CMap, so copying, searching
 * or extracting "一页" from the PDF yields the radicals "⼀⻚": a screen reader or an auditor
 * searching for a Chinese type name finds nothing. This rewrites radical destinations to the
 * ideographs Unicode names as their equivalents (EquivalentUnifiedIdeograph.txt): the Kangxi
 * radicals by NFKC, the CJK Radicals Supplement (which has no decomposition) by the table below.
 */

/** CJK Radicals Supplement → equivalent ideograph, as pairs of characters (from the SC face of Noto Sans CJK). */
const SUPPLEMENT_PAIRS =
  '⺂乛⺃乚⺅亻⺇𠘨⺉刂⺋㔾⺍𭕄⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺘扌⺙攵⺛旡⺞歺⺟母⺠民⺡氵⺣灬⺤爫⺦丬⺨犭⺩𤣩⺭礻' +
  '⺮𥫗⺯糹⺰纟⺱罓⺳㓁⺹耂⺺肀⺽𦥑⺾艹⻂衤⻅见⻆角⻇𧢲⻈讠⻉贝⻊𧾷⻋车⻌辶⻐钅⻑長⻒镸⻓长⻔门⻕𨸏⻖阝⻘青⻙韦' +
  '⻚页⻛风⻜飞⻝食⻞𩙿⻟飠⻠饣⻡𩠐⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻮齿⻯竜⻰龙⻱龜⻲亀⻳龟';

const SUPPLEMENT = (() => {
  const map = new Map<number, number>();
  const chars = [...SUPPLEMENT_PAIRS];
  for (let i = 0; i + 1 < chars.length; i += 2) {
    map.set((chars[i] as string).codePointAt(0) as number, (chars[i + 1] as string).codePointAt(0) as number);
  }
  return map;
})();

/**
 * Where the SC face draws a code point with another character's glyph than Unicode's equivalent:
 * ⼾ (U+2F3E) is 戶 (U+6236) by NFKC but the SC glyph is 户 (U+6237), as in 客户; and the figure
 * dash U+2012 shares the en dash's glyph, so Chromium writes U+2012 for every "–".
 */
const FACE_EXCEPTIONS = new Map<number, number>([
  [0x2f3e, 0x6237],
  [0x2012, 0x2013],
]);

/** The ideograph a radical stands for (and the en dash for a figure dash); any other code point unchanged. */
export function ideographOf(codePoint: number): number {
  const exception = FACE_EXCEPTIONS.get(codePoint);
  if (exception !== undefined) return exception;
  if (codePoint >= 0x2f00 && codePoint <= 0x2fdf) {
    return String.fromCodePoint(codePoint).normalize('NFKC').codePointAt(0) ?? codePoint;
  }
  return SUPPLEMENT.get(codePoint) ?? codePoint;
}

function isRadical(codePoint: number): boolean {
  return (codePoint >= 0x2e80 && codePoint <= 0x2fdf) || FACE_EXCEPTIONS.has(codePoint);
}

function decodeUtf16Hex(hex: string): string {
  const units: number[] = [];
  for (let i = 0; i + 4 <= hex.length; i += 4) units.push(Number.parseInt(hex.slice(i, i + 4), 16));
  return String.fromCharCode(...units);
}

function encodeUtf16Hex(text: string): string {
  let hex = '';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return hex;
}

function fixText(text: string): string {
  return String.fromCodePoint(...[...text].map((c) => ideographOf(c.codePointAt(0) as number)));
}

function hasRadical(text: string): boolean {
  return [...text].some((c) => isRadical(c.codePointAt(0) as number));
}

const HEX = /<([0-9A-Fa-f]*)>/g;

/**
 * The CMap with radical destinations replaced, or null when it has none (left untouched).
 * Every mapping is re-emitted as bfchar (a range whose destinations cross a radical cannot stay
 * a range); the header (code space) and trailer are kept as written.
 */
export function repairToUnicodeCMap(cmap: string): string | null {
  const firstBlock = cmap.search(/\d+\s+begin(bfchar|bfrange)/);
  const trailer = cmap.lastIndexOf('endcmap');
  if (firstBlock < 0 || trailer < firstBlock) return null;
  const mappings: [string, string][] = [];
  let changed = false;
  const add = (source: string, destination: string): void => {
    if (hasRadical(destination)) {
      changed = true;
      mappings.push([source, fixText(destination)]);
    } else mappings.push([source, destination]);
  };
  const body = cmap.slice(firstBlock, trailer);
  for (const block of body.matchAll(/begin(bfchar|bfrange)([\s\S]*?)end\1/g)) {
    const hexes = [...(block[2] as string).matchAll(HEX)].map((m) => m[1] as string);
    if (block[1] === 'bfchar') {
      for (let i = 0; i + 1 < hexes.length; i += 2)
        add(hexes[i] as string, decodeUtf16Hex(hexes[i + 1] as string));
      continue;
    }
    // bfrange lines: <lo> <hi> <dst> (dst's last unit increments) or <lo> <hi> [<d0> <d1> …]
    for (const line of (block[2] as string).matchAll(
      /<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]*>)/g,
    )) {
      const [, loHex, hiHex, dst] = line as unknown as [string, string, string, string];
      const lo = Number.parseInt(loHex, 16);
      const hi = Number.parseInt(hiHex, 16);
      const width = loHex.length;
      const list = dst.startsWith('[')
        ? [...dst.matchAll(HEX)].map((m) => decodeUtf16Hex(m[1] as string))
        : null;
      const base = list ? '' : decodeUtf16Hex(dst.slice(1, -1));
      for (let code = lo; code <= hi; code++) {
        const source = code.toString(16).toUpperCase().padStart(width, '0');
        let destination: string;
        if (list) destination = list[code - lo] ?? '';
        else {
          const last = base.charCodeAt(base.length - 1) + (code - lo);
          destination = base.slice(0, -1) + String.fromCharCode(last);
        }
        add(source, destination);
      }
    }
  }
  if (!changed) return null;
  const blocks: string[] = [];
  for (let i = 0; i < mappings.length; i += 100) {
    const chunk = mappings.slice(i, i + 100);
    blocks.push(
      `${chunk.length} beginbfchar\n${chunk.map(([s, d]) => `<${s}> <${encodeUtf16Hex(d)}>`).join('\n')}\nendbfchar\n`,
    );
  }
  return cmap.slice(0, firstBlock) + blocks.join('') + cmap.slice(trailer);
}
