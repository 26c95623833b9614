// Finishing without pdf-lib (pipeline/render/pdf/repack.ts): Chromium's classic-xref output is
// rewritten at the byte level; a file of any other shape is left to pdf-lib.
import { deflateSync, inflateSync } from 'node:zlib';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { finishPdf } from '../pipeline/render/pdf/finish.js';
import { repackChromiumPdf } from '../pipeline/render/pdf/repack.js';

/** A one-page PDF laid out as Skia writes it, with a ToUnicode map whose destination is a radical. */
function chromiumLike(trailerExtra = '', extraObjects: string[] = []): Uint8Array {
  const cmap = deflateSync(
    Buffer.from(
      '/CIDInit /ProcSet findresource begin\n1 begincodespacerange\n<00> <FF>\nendcodespacerange\n' +
        '1 beginbfchar\n<01> <2F00>\nendbfchar\nendcmap\nend\nend\n',
    ),
  );
  const content = Buffer.from('BT /F1 12 Tf 10 10 Td <01> Tj ET');
  const objects = [
    "<</Title (x)\n/Producer (Skia/PDF m156)\n/CreationDate (D:20261124042017+00'00')>>",
    '<</Type /Catalog\n/Pages 3 0 R\n/Lang (en)>>',
    '<</Type /Pages\n/Kids [4 0 R]\n/Count 1>>',
    '<</Type /Page\n/Parent 3 0 R\n/MediaBox [0 0 200 200]\n/Resources <</Font <</F1 5 0 R>>>>\n/Contents 6 0 R>>',
    '<</Type /Font\n/Subtype /Type1\n/BaseFont /Helvetica\n/ToUnicode 7 0 R>>',
    `<</Length ${content.length}>> stream\n${content.toString('latin1')}\nendstream`,
    `<</Filter /FlateDecode\n/Length ${cmap.length}>> stream\n${cmap.toString('latin1')}\nendstream`,
    ...extraObjects,
  ];
  let text = '%PDF-1.4\n%\xE2\xE3\xCF\xD3\n';
  const offsets: number[] = [];
  for (const [i, body] of objects.entries()) {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  }
  const xrefAt = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) text += `${String(offset).padStart(10, '0')} 00000 n \n`;
  text += `trailer\n<</Size ${objects.length + 1}\n/Root 2 0 R\n/Info 1 0 R${trailerExtra}>>\nstartxref\n${xrefAt}\n%%EOF`;
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

const OPTIONS = {
  title: '推送投递报告',
  subject: 's',
  language: 'zh-CN',
  date: new Date('2026-04-30T15:59:59.999Z'),
  identity: 'report',
  producer: 'pushlog-report 0',
};

describe('finishing a Chromium PDF without pdf-lib', () => {
  it('sets the Info, language and ID, repairs ToUnicode, and is deterministic', async () => {
    const once = await finishPdf(chromiumLike(), OPTIONS);
    expect(Buffer.from(await finishPdf(chromiumLike(), OPTIONS)).equals(Buffer.from(once))).toBe(true);
    expect(Buffer.from(once).toString('latin1')).toContain('/Type /XRef');
    const doc = await getDocument({ data: once.slice(), verbosity: 0 }).promise;
    const info = (await doc.getMetadata()).info as Record<string, unknown>;
    expect(info).toMatchObject({ Title: '推送投递报告', Producer: 'pushlog-report 0', Language: 'zh-CN' });
    expect(info.CreationDate).toBe('D:20260430155959Z');
    expect(info.ModDate).toBe('D:20260430155959Z');
    expect(doc.numPages).toBe(1);
    await doc.destroy();
    // the radical ⼀ (U+2F00) became the ideograph 一 (U+4E00)
    const streams = [
      ...Buffer.from(once)
        .toString('latin1')
        .matchAll(/FlateDecode \/Length \d+>>\nstream\n([\s\S]*?)\nendstream/g),
    ];
    const decoded = streams.map((m) => inflateSync(Buffer.from(m[1] as string, 'latin1')).toString('latin1'));
    expect(decoded.find((data) => data.includes('beginbfchar'))).toContain('<01> <4E00>');
  });

  it('renumbers the structure ids by rank, so the page alone decides them', () => {
    // A table header and a cell that names it, and an ID tree, as a tagged print writes them; the
    // same page printed later in the same renderer has higher DOM node ids.
    const tagged = (offset: number): Uint8Array => {
      const id = (n: number): string => `(node${String(n + offset).padStart(8, '0')})`;
      return chromiumLike('', [
        `<</Type /StructElem\n/S /TH\n/ID ${id(17)}>>`,
        `<</Type /StructElem\n/S /TD\n/A [<</O /Table\n/Headers [${id(17)}]>>]\n/ID ${id(21)}>>`,
        `<</Names [${id(17)} 8 0 R ${id(21)} 9 0 R]\n/Limits [${id(17)} ${id(21)}]>>`,
        // text that looks like an id (alternate text, an outline title) is not an id
        '<</Type /StructElem\n/S /P\n/Alt (see \\(node00000005\\))>>',
        '<</Title (node00000021)\n/Parent 1 0 R>>',
      ]);
    };
    const options = { ...OPTIONS, creator: 'c', id: '00' };
    const first = repackChromiumPdf(tagged(0), options);
    const later = repackChromiumPdf(tagged(4000), options);
    expect(first).not.toBeNull();
    expect(Buffer.from(later as Uint8Array).equals(Buffer.from(first as Uint8Array))).toBe(true);
    const packed = [
      ...Buffer.from(first as Uint8Array)
        .toString('latin1')
        .matchAll(/FlateDecode \/Length \d+>>\nstream\n([\s\S]*?)\nendstream/g),
    ]
      .map((m) => inflateSync(Buffer.from(m[1] as string, 'latin1')).toString('latin1'))
      .join('\n');
    expect(packed).toContain('/Headers [(node00000001)]');
    expect(packed).toContain('/Names [(node00000001) 8 0 R (node00000002) 9 0 R]');
    expect(packed).toContain('/Limits [(node00000001) (node00000002)]');
    expect(packed).toContain('(see \\(node00000005\\))');
    expect(packed).toContain('/Title (node00000021)');
    expect(packed).not.toContain('node00000017');
  });

  it('leaves a file of another shape (an incremental update) to pdf-lib', async () => {
    const updated = chromiumLike('\n/Prev 9');
    expect(repackChromiumPdf(updated, { ...OPTIONS, creator: 'c', id: '00' })).toBeNull();
  });
});
