/**
 * The few zip operations the workbook needs, on node:zlib alone: read the entries of the zip
 * exceljs writes in memory, and write the final file with every entry dated the same pinned time
 * (exceljs's zip libraries stamp the current time, which would make every render differ) while
 * streaming the large sheets through deflate with backpressure.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { crc32, createDeflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  crc: number;
  size: number;
  compressed: Buffer;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const DATA_DESCRIPTOR = 0x08074b50;
const UTF8_NAMES = 0x0800;
const SIZES_AFTER_DATA = 0x0008;
const MAX_32 = 0xffff_ffff;

/** The file entries (not folders) of a zip held in memory, in their order in the file. */
export function readZip(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip file: no end-of-central-directory record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error(`bad central directory entry at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({ name, method, crc, size, compressed: zip.subarray(dataAt, dataAt + compressedSize) });
  }
  return entries;
}

/** An entry's content. */
export function entryData(entry: ZipEntry): Buffer {
  return entry.method === 8 ? inflateRawSync(entry.compressed) : entry.compressed;
}

/** A deflated entry of `data`. */
export function deflateEntry(name: string, data: Buffer, level: number): ZipEntry {
  return {
    name,
    method: 8,
    crc: crc32(data),
    size: data.length,
    compressed: deflateRawSync(data, { level }),
  };
}

/** Receives an entry's content while it is written; `write` waits when the file falls behind. */
export interface EntrySink {
  write(chunk: string): Promise<void>;
}

interface Central {
  name: Buffer;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/** Writes a zip to a stream; every entry carries `modified`'s UTC fields as its DOS time. */
export class ZipWriter {
  readonly #out: Writable;
  readonly #time: number;
  readonly #date: number;
  readonly #central: Central[] = [];
  #offset = 0;

  constructor(out: Writable, modified: Date) {
    this.#out = out;
    this.#time =
      (modified.getUTCHours() << 11) | (modified.getUTCMinutes() << 5) | (modified.getUTCSeconds() >> 1);
    this.#date =
      ((Math.max(1980, modified.getUTCFullYear()) - 1980) << 9) |
      ((modified.getUTCMonth() + 1) << 5) |
      modified.getUTCDate();
  }

  get bytesWritten(): number {
    return this.#offset;
  }

  async #write(chunk: Buffer): Promise<void> {
    this.#offset += chunk.length;
    if (!this.#out.write(chunk)) await once(this.#out, 'drain');
  }

  #localHeader(name: Buffer, flags: number, method: number, crc: number, compressed: number, size: number) {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(LOCAL_HEADER, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(flags, 6);
    header.writeUInt16LE(method, 8);
    header.writeUInt16LE(this.#time, 10);
    header.writeUInt16LE(this.#date, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(compressed, 18);
    header.writeUInt32LE(size, 22);
    header.writeUInt16LE(name.length, 26);
    return Buffer.concat([header, name]);
  }

  /** Adds an entry whose compressed bytes are already known (copied as they are). */
  async addEntry(entry: ZipEntry): Promise<void> {
    const name = Buffer.from(entry.name, 'utf8');
    const offset = this.#offset;
    const { method, crc, size } = entry;
    const compressedSize = entry.compressed.length;
    await this.#write(this.#localHeader(name, UTF8_NAMES, method, crc, compressedSize, size));
    await this.#write(entry.compressed);
    this.#central.push({ name, flags: UTF8_NAMES, method, crc, compressedSize, size, offset });
  }

  /**
   * Adds an entry whose content `fill` produces, deflated as it comes; its sizes and CRC follow
   * the data (a data descriptor), so nothing is buffered.
   */
  async addStream(entryName: string, level: number, fill: (sink: EntrySink) => Promise<void>): Promise<void> {
    const name = Buffer.from(entryName, 'utf8');
    const offset = this.#offset;
    const flags = UTF8_NAMES | SIZES_AFTER_DATA;
    await this.#write(this.#localHeader(name, flags, 8, 0, 0, 0));
    const deflate = createDeflateRaw({ level });
    let crc = 0;
    let size = 0;
    let compressedSize = 0;
    const drained = (async () => {
      for await (const chunk of deflate) {
        compressedSize += (chunk as Buffer).length;
        await this.#write(chunk as Buffer);
      }
    })();
    try {
      await fill({
        write: async (text) => {
          const chunk = Buffer.from(text, 'utf8');
          crc = crc32(chunk, crc);
          size += chunk.length;
          if (!deflate.write(chunk)) await once(deflate, 'drain');
        },
      });
      deflate.end();
      await drained;
    } catch (error) {
      deflate.destroy();
      await drained.catch(() => undefined);
      throw error;
    }
    if (size >= MAX_32 || compressedSize >= MAX_32) {
      throw new Error(`${entryName} is over 4 GB, more than a zip without Zip64 can hold`);
    }
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(compressedSize, 8);
    descriptor.writeUInt32LE(size, 12);
    await this.#write(descriptor);
    this.#central.push({ name, flags, method: 8, crc, compressedSize, size, offset });
  }

  /** Writes the central directory; the caller ends the stream. */
  async finish(): Promise<void> {
    const start = this.#offset;
    if (start >= MAX_32) throw new Error('the workbook is over 4 GB, more than a zip without Zip64 can hold');
    for (const c of this.#central) {
      const header = Buffer.alloc(46);
      header.writeUInt32LE(CENTRAL_HEADER, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt16LE(20, 6);
      header.writeUInt16LE(c.flags, 8);
      header.writeUInt16LE(c.method, 10);
      header.writeUInt16LE(this.#time, 12);
      header.writeUInt16LE(this.#date, 14);
      header.writeUInt32LE(c.crc, 16);
      header.writeUInt32LE(c.compressedSize, 20);
      header.writeUInt32LE(c.size, 24);
      header.writeUInt16LE(c.name.length, 28);
      header.writeUInt32LE(c.offset, 42);
      await this.#write(Buffer.concat([header, c.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL, 0);
    end.writeUInt16LE(this.#central.length, 8);
    end.writeUInt16LE(this.#central.length, 10);
    end.writeUInt32LE(this.#offset - start, 12);
    end.writeUInt32LE(start, 16);
    await this.#write(end);
  }
}
