/**
 * After Chromium prints: makes the PDF byte-stable and its text layer right (pdf-lib).
 *
 * Chromium stamps the print time as CreationDate and ModDate, so two prints of one report
 * differ; the manifest's sha256 can only be re-verified by re-rendering when they do not. The
 * dates become the report's as-of time, the trailer ID a hash of the printed HTML (same content,
 * same ID; PDF 32000 §14.4 only asks that it identify the content), and Producer/Creator name
 * this tool instead of the browser's user agent. The fonts' ToUnicode maps are repaired
 * (to-unicode.ts). The rewrite is deterministic: same input bytes, same output.
 *
 * Chromium's own output is rewritten at the byte level (repack.ts, tens of milliseconds); pdf-lib,
 * which parses every object and took about a second in a fresh process, is only the fallback
 * for a file of another shape (another Chromium, another printer).
 */
import { createHash } from 'node:crypto';
import { repackChromiumPdf } from './repack.js';
import { repairToUnicodeCMap } from './to-unicode.js';

export interface FinishOptions {
  title: string;
  subject: string;
  /** BCP 47 tag of the document's language */
  language: string;
  /** CreationDate and ModDate */
  date: Date;
  /** what the document ID is derived from (the printed HTML) */
  identity: string;
  producer: string;
}

/** The finished bytes of a Chromium-printed PDF. */
export async function finishPdf(printed: Uint8Array, options: FinishOptions): Promise<Uint8Array> {
  const id = createHash('sha256').update(options.identity).digest('hex').slice(0, 32).toUpperCase();
  const repacked = repackChromiumPdf(printed, {
    title: options.title,
    subject: options.subject,
    language: options.language,
    date: options.date,
    creator: options.producer,
    producer: options.producer,
    id,
  });
  return repacked ?? finishWithPdfLib(printed, options, id);
}

/** The general path: pdf-lib parses the whole file and writes it anew. */
export async function finishWithPdfLib(
  printed: Uint8Array,
  options: FinishOptions,
  id: string,
): Promise<Uint8Array> {
  const { PDFDocument, PDFDict, PDFHexString, PDFName, PDFRawStream, PDFRef, decodePDFRawStream } =
    await import('@cantoo/pdf-lib');
  // Parsing and saving at full speed: pdf-lib otherwise yields to the event loop every 100 objects.
  const doc = await PDFDocument.load(printed, {
    updateMetadata: false,
    parseSpeed: Number.POSITIVE_INFINITY,
  });
  const { context } = doc;

  const seen = new Set<string>();
  for (const [, object] of context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFDict) || object.get(PDFName.of('Type')) !== PDFName.of('Font')) continue;
    const ref = object.get(PDFName.of('ToUnicode'));
    if (!(ref instanceof PDFRef) || seen.has(ref.toString())) continue;
    seen.add(ref.toString());
    const stream = context.lookup(ref);
    if (!(stream instanceof PDFRawStream)) continue;
    const text = Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
    const repaired = repairToUnicodeCMap(text);
    if (repaired !== null) context.assign(ref, context.flateStream(repaired));
  }

  doc.setTitle(options.title, { showInWindowTitleBar: true });
  doc.setSubject(options.subject);
  doc.setLanguage(options.language);
  doc.setCreator(options.producer);
  doc.setProducer(options.producer);
  doc.setCreationDate(options.date);
  doc.setModificationDate(options.date);
  context.trailerInfo.ID = context.obj([PDFHexString.of(id), PDFHexString.of(id)]);
  return doc.save({ useObjectStreams: true, objectsPerTick: Number.POSITIVE_INFINITY });
}
