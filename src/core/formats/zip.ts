import * as zlib from 'node:zlib';
import { ByteSource, MemoryByteSource, SliceByteSource, checkRange } from '../io/byteSource';
import { EmbdiagError } from '../errors';

/** One file in a zip archive, as the central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Record signatures (APPNOTE 4.3): also those zipWriter.ts writes. */
export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** Central directories beyond this are not plausible for an array archive. */
const MAX_CENTRAL_DIRECTORY = 64 << 20;

export function hasZipMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function corrupt(source: ByteSource, problem: string): EmbdiagError {
  return new EmbdiagError('bad-archive', `${source.name}: ${problem}.`,
    'The zip archive is damaged or truncated; re-save it (np.savez / np.savez_compressed) or re-copy it.');
}

function dv(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(view: DataView, at: number): number {
  // Sizes past 2^53 cannot describe a real file; they fail the range checks that follow.
  return view.getUint32(at + 4, true) * 4294967296 + view.getUint32(at, true);
}

/** Reads the central directory: end record search in the last 64 KiB + 22 bytes, ZIP64 aware. */
export async function readZipDirectory(source: ByteSource): Promise<ZipEntry[]> {
  if (source.size < EOCD_SIZE) throw corrupt(source, `only ${source.size} bytes, too short for a zip archive`);
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  const tv = dv(tail);
  let eocd = -1;
  for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + tv.getUint16(i + 20, true) <= tailLength) { eocd = i; break; }
  }
  if (eocd < 0) throw corrupt(source, 'has no zip end-of-central-directory record (not a zip file, or cut short)');

  const diskNumber = tv.getUint16(eocd + 4, true);
  const cdDisk = tv.getUint16(eocd + 6, true);
  let entryCount = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  const eocdOffset = tailStart + eocd;
  let cdLimit = eocdOffset;

  const locatorAt = eocdOffset - 20;
  if (locatorAt >= 0) {
    const locator = locatorAt >= tailStart ? tail.subarray(locatorAt - tailStart, locatorAt - tailStart + 20) : await source.read(locatorAt, 20);
    const lv = dv(locator);
    if (lv.getUint32(0, true) === SIG_ZIP64_LOCATOR) {
      const z64At = u64(lv, 8);
      if (z64At + 56 > locatorAt) throw corrupt(source, 'has a ZIP64 locator pointing outside the file');
      const z64 = await source.read(z64At, 56);
      const zv = dv(z64);
      if (zv.getUint32(0, true) !== SIG_ZIP64_EOCD) throw corrupt(source, 'has a ZIP64 locator that does not point at a ZIP64 end record');
      entryCount = u64(zv, 32);
      cdSize = u64(zv, 40);
      cdOffset = u64(zv, 48);
      cdLimit = z64At;
    }
  }
  if (diskNumber !== 0 || cdDisk !== 0) throw corrupt(source, 'is a multi-volume (split) zip archive, which is not supported');
  if (cdOffset + cdSize > cdLimit) throw corrupt(source, `declares a central directory at bytes ${cdOffset}..${cdOffset + cdSize}, past its end record at ${cdLimit}`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw corrupt(source, `declares a ${cdSize}-byte central directory, implausibly large`);
  if (entryCount * 46 > cdSize) throw corrupt(source, `declares ${entryCount} entries, more than its ${cdSize}-byte central directory can hold`);

  const cd = await source.read(cdOffset, cdSize);
  const cv = dv(cd);
  const entries: ZipEntry[] = [];
  const utf8 = new TextDecoder('utf-8');
  const latin1 = new TextDecoder('latin1');
  let p = 0;
  for (let i = 0; i < entryCount; i++) {
    if (p + 46 > cdSize || cv.getUint32(p, true) !== SIG_CENTRAL) throw corrupt(source, `has a damaged central directory (entry ${i + 1} of ${entryCount})`);
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    const crc32 = cv.getUint32(p + 16, true);
    let compressedSize = cv.getUint32(p + 20, true);
    let uncompressedSize = cv.getUint32(p + 24, true);
    const nameLength = cv.getUint16(p + 28, true);
    const extraLength = cv.getUint16(p + 30, true);
    const commentLength = cv.getUint16(p + 32, true);
    let localHeaderOffset = cv.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > cdSize) throw corrupt(source, `has a damaged central directory (entry ${i + 1} runs past its end)`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLength);
    const name = (flags & 0x800 ? utf8 : latin1).decode(nameBytes);

    // ZIP64 extra field: 64-bit values for exactly the fields saturated at 0xFFFFFFFF, in this order.
    let q = p + 46 + nameLength;
    const extraEnd = q + extraLength;
    while (q + 4 <= extraEnd) {
      const id = cv.getUint16(q, true);
      const size = cv.getUint16(q + 2, true);
      if (q + 4 + size > extraEnd) break;
      if (id === 0x0001) {
        let f = q + 4;
        const take = (): number => {
          if (f + 8 > q + 4 + size) throw corrupt(source, `has a short ZIP64 extra field for '${name}'`);
          const v = u64(cv, f);
          f += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      q += 4 + size;
    }
    if (localHeaderOffset + 30 + compressedSize > cdOffset) {
      throw corrupt(source, `has an entry '${name}' whose data (${compressedSize} bytes at ${localHeaderOffset}) overlaps the central directory or lies past the end`);
    }
    entries.push({ name, method, flags, crc32, compressedSize, uncompressedSize, localHeaderOffset });
    p = end;
  }
  // Entries sharing bytes (many central records pointing at one local header and its data) are how
  // "overlapping" zip bombs multiply a small file: every entry's header and data must be its own.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const [a, b] = [byOffset[i - 1], byOffset[i]];
    if (a.localHeaderOffset + 30 + a.compressedSize > b.localHeaderOffset) {
      throw corrupt(source, `has entries '${a.name}' and '${b.name}' whose data overlap (bytes ${a.localHeaderOffset}.. and ${b.localHeaderOffset}..)`);
    }
  }
  return entries;
}

/**
 * A ByteSource over an entry's uncompressed bytes: a slice for stored entries,
 * a forward-streaming inflater for deflated ones.
 */
export async function openZipEntry(source: ByteSource, entry: ZipEntry): Promise<ByteSource> {
  const label = `${source.name} (entry ${entry.name})`;
  if (entry.flags & 1) throw new EmbdiagError('bad-archive', `${label}: the entry is encrypted.`, 'Save the archive without encryption.');
  const local = await source.read(entry.localHeaderOffset, 30);
  const lv = dv(local);
  if (lv.getUint32(0, true) !== SIG_LOCAL) throw corrupt(source, `has no local header for entry '${entry.name}' at byte ${entry.localHeaderOffset}`);
  const dataStart = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
  if (dataStart + entry.compressedSize > source.size) {
    throw corrupt(source, `has entry '${entry.name}' with ${entry.compressedSize} bytes of data at byte ${dataStart}, past the end of the file (${source.size} bytes)`);
  }
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) throw corrupt(source, `has stored entry '${entry.name}' whose sizes disagree (${entry.compressedSize} vs ${entry.uncompressedSize})`);
    return new SliceByteSource(source, dataStart, entry.uncompressedSize, label);
  }
  if (entry.method === 8) {
    if (entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw corrupt(source, `has entry '${entry.name}' declaring ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed bytes, more than deflate can produce (at most ${MAX_DEFLATE_RATIO}:1)`);
    }
    return new InflatedEntrySource(source, dataStart, entry.compressedSize, entry.uncompressedSize, label, entry.crc32);
  }
  throw new EmbdiagError('bad-archive', `${label}: compression method ${entry.method} is not supported (only stored and deflated).`,
    'Re-save with np.savez or np.savez_compressed.');
}

/** Deflate's largest expansion: a 258-byte match per 2 bits, about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * An entry that will be read out of order (a Fortran-order array read by rows, a strided tensor):
 * stored entries are sliced as usual; deflated ones are decoded once into memory, because the
 * forward-only inflater would restart from the beginning for every backward step (hours for a
 * large entry). Entries larger than `maxBytes` are refused with `tooLarge`.
 */
export async function openZipEntryForRandomAccess(source: ByteSource, entry: ZipEntry, maxBytes: number, tooLarge: () => EmbdiagError): Promise<ByteSource> {
  const opened = await openZipEntry(source, entry);
  if (entry.method === 0) return opened;
  if (opened.size > maxBytes) {
    await opened.close();
    throw tooLarge();
  }
  try {
    return new MemoryByteSource((await opened.read(0, opened.size)).slice(), opened.name);
  } finally {
    await opened.close();
  }
}

/** Compressed bytes fed to the inflater per ranged read. */
const INPUT_CHUNK = 1 << 20;
/** Decoded bytes kept behind the last read, so re-reading a header or a nearby row needs no restart. */
const KEEP_BEHIND = 1 << 20;

/**
 * Uncompressed view of a deflated entry. Decoding only goes forward; a read before the
 * retained window restarts from the beginning. Output is checked against the declared size
 * as it arrives, so a deflate bomb stops as soon as it overshoots.
 */
export class InflatedEntrySource implements ByteSource {
  /** How many times decoding restarted from the beginning (tests and diagnostics). */
  restarts = 0;
  private inflater: zlib.InflateRaw | undefined;
  private fed = 0;
  private produced = 0;
  private chunks: Buffer[] = [];
  private chunksStart = 0;
  private inputBusy = false;
  private ended = false;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private crc = 0;

  constructor(private readonly archive: ByteSource, private readonly dataStart: number, private readonly compressedSize: number,
    readonly size: number, readonly name: string, private readonly expectedCrc?: number) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    // Reads share one decoder: run them one at a time.
    const run = this.queue.then(() => this.readNow(offset, length));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.inflater?.destroy();
    this.inflater = undefined;
    this.chunks = [];
  }

  private async readNow(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.chunksStart) this.restart();
    await this.fill(offset + length, offset);
    return this.copyOut(offset, length);
  }

  private restart(): void {
    this.inflater?.destroy();
    this.inflater = undefined;
    this.fed = 0;
    this.produced = 0;
    this.chunks = [];
    this.chunksStart = 0;
    this.inputBusy = false;
    this.ended = false;
    this.failure = undefined;
    this.crc = 0;
    this.restarts++;
  }

  private wake = (): void => {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  };

  private startInflater(): zlib.InflateRaw {
    const inf = zlib.createInflateRaw({ chunkSize: 64 * 1024 });
    inf.on('readable', () => { if (inf === this.inflater) this.wake(); });
    inf.on('end', () => { if (inf === this.inflater) { this.ended = true; this.wake(); } });
    inf.on('error', (e: Error) => { if (inf === this.inflater) { this.failure = e; this.wake(); } });
    this.inflater = inf;
    return inf;
  }

  private broken(problem: string): EmbdiagError {
    return new EmbdiagError('bad-archive', `${this.name}: ${problem}.`, 'The archive is damaged; re-save it with np.savez_compressed or re-copy it.');
  }

  /** Decodes until `target` bytes exist, discarding output older than KEEP_BEHIND before `keepFrom`. */
  private async fill(target: number, keepFrom: number): Promise<void> {
    while (this.produced < target) {
      if (this.failure) throw this.broken(`the compressed data is corrupt (${this.failure.message})`);
      const inf = this.inflater ?? this.startInflater();
      const chunk = inf.read() as Buffer | null;
      if (chunk !== null) { this.accept(chunk, keepFrom); continue; }
      if (this.ended) throw this.broken(`decompresses to ${this.produced} bytes, but the archive declares ${this.size}`);
      if (!this.inputBusy) {
        if (this.fed < this.compressedSize) {
          const n = Math.min(INPUT_CHUNK, this.compressedSize - this.fed);
          const input = await this.archive.read(this.dataStart + this.fed, n);
          this.fed += n;
          this.inputBusy = true;
          inf.write(input, () => { if (inf === this.inflater) { this.inputBusy = false; this.wake(); } });
          continue;
        }
        if (!inf.writableEnded) inf.end();
      }
      await new Promise<void>(resolve => { this.waiter = resolve; });
    }
  }

  private accept(chunk: Buffer, keepFrom: number): void {
    if (this.produced + chunk.length > this.size) {
      this.inflater?.destroy();
      this.inflater = undefined;
      this.failure = new Error('output exceeds the declared size');
      throw this.broken(`decompresses to more than the ${this.size} bytes the archive declares (stopped there)`);
    }
    this.chunks.push(chunk);
    this.produced += chunk.length;
    if (this.expectedCrc !== undefined) {
      this.crc = crc32(chunk, this.crc);
      if (this.produced === this.size && this.crc !== this.expectedCrc) {
        this.failure = new Error('CRC-32 mismatch');
        throw this.broken('decompresses to data whose CRC-32 does not match the archive (the entry is corrupt)');
      }
    }
    const dropBefore = keepFrom - KEEP_BEHIND;
    let drop = 0;
    while (drop < this.chunks.length - 1 && this.chunksStart + this.chunks[drop].length <= dropBefore) {
      this.chunksStart += this.chunks[drop].length;
      drop++;
    }
    if (drop > 0) this.chunks.splice(0, drop);
  }

  private copyOut(offset: number, length: number): Uint8Array {
    let pos = this.chunksStart;
    let i = 0;
    while (i < this.chunks.length && pos + this.chunks[i].length <= offset) { pos += this.chunks[i].length; i++; }
    if (i < this.chunks.length && offset + length <= pos + this.chunks[i].length) {
      return this.chunks[i].subarray(offset - pos, offset - pos + length);
    }
    const out = new Uint8Array(length);
    let written = 0;
    for (; i < this.chunks.length && written < length; i++) {
      const c = this.chunks[i];
      const from = Math.max(0, offset + written - pos);
      const n = Math.min(c.length - from, length - written);
      out.set(c.subarray(from, from + n), written);
      written += n;
      pos += c.length;
    }
    return out;
  }
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (zip's checksum), continuing from `crc`; node's native one when this Node has it. */
export function crc32(data: Uint8Array, crc = 0): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (native) return native(data, crc);
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
