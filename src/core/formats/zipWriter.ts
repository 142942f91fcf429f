import * as fs from 'node:fs/promises';
import { crc32, SIG_CENTRAL, SIG_EOCD, SIG_LOCAL, SIG_ZIP64_EOCD, SIG_ZIP64_LOCATOR } from './zip';

/**
 * Writes a zip archive of stored (uncompressed) entries, as np.savez does, so that numpy, any
 * zip tool and our own zip reader open it. Entries are dated 1980-01-01 so that the same
 * content always gives the same bytes. ZIP64 (APPNOTE 4.5.3, 4.3.14) where a size or offset
 * does not fit in 32 bits or the entries do not fit in 16: an entry's sizes and offset in its
 * ZIP64 extra field, the directory's in the ZIP64 end record and its locator.
 */
export interface ZipWriteEntry { name: string; data: Uint8Array }

export interface ZipWriteOptions {
  /** ZIP64 records for every entry and for the directory, needed or not (tests of small files). */
  forceZip64?: boolean;
}

/** A 32-bit field holding this (or more) says "see the ZIP64 record". */
const ZIP32_SATURATED = 0xffffffff;
const ZIP16_SATURATED = 0xffff;
/** Version needed to extract: 2.0 (stored), 4.5 (ZIP64). */
const VERSION_ZIP32 = 20;
const VERSION_ZIP64 = 45;
const ZIP64_EXTRA_ID = 0x0001;
/** Bytes handed to one write call (a single write of more than 2 GiB fails). */
const WRITE_CHUNK = 1 << 28;
/** Pieces smaller than this are gathered into writes of about this size. */
const GATHERED_BYTES = 1 << 20;

export async function writeStoredZip(filePath: string, entries: readonly ZipWriteEntry[], options: ZipWriteOptions = {}): Promise<void> {
  const force = options.forceZip64 ?? false;
  const central: Uint8Array[] = [];
  const handle = await fs.open(filePath, 'w');
  // small pieces (headers, small entries) are gathered into one write; large ones written in chunks
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes) await handle.write(Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  const write = async (bytes: Uint8Array) => {
    if (bytes.byteLength < GATHERED_BYTES) {
      pending.push(bytes);
      pendingBytes += bytes.byteLength;
      if (pendingBytes >= GATHERED_BYTES) await flush();
      return;
    }
    await flush();
    for (let at = 0; at < bytes.byteLength; at += WRITE_CHUNK) await handle.write(bytes.subarray(at, Math.min(bytes.byteLength, at + WRITE_CHUNK)));
  };
  try {
    let offset = 0;
    for (const e of entries) {
      const name = new TextEncoder().encode(e.name);
      const crc = crc32(e.data);
      const size = e.data.byteLength;
      const sizes64 = force || size >= ZIP32_SATURATED;
      const offset64 = force || offset >= ZIP32_SATURATED;
      // the local header's ZIP64 extra holds both sizes; the central one the saturated fields, in order
      const localExtra = sizes64 ? zip64Extra([size, size]) : new Uint8Array(0);
      const local = new Uint8Array(30 + name.length + localExtra.length);
      const lv = new DataView(local.buffer);
      lv.setUint32(0, SIG_LOCAL, true);
      lv.setUint16(4, sizes64 ? VERSION_ZIP64 : VERSION_ZIP32, true);
      lv.setUint16(8, 0, true); // stored
      lv.setUint16(12, 0x21, true); // date 1980-01-01
      lv.setUint32(14, crc, true);
      lv.setUint32(18, sizes64 ? ZIP32_SATURATED : size, true);
      lv.setUint32(22, sizes64 ? ZIP32_SATURATED : size, true);
      lv.setUint16(26, name.length, true);
      lv.setUint16(28, localExtra.length, true);
      local.set(name, 30);
      local.set(localExtra, 30 + name.length);
      await write(local);
      await write(e.data);
      const centralExtra = sizes64 || offset64 ? zip64Extra([...(sizes64 ? [size, size] : []), ...(offset64 ? [offset] : [])]) : new Uint8Array(0);
      const version = sizes64 || offset64 ? VERSION_ZIP64 : VERSION_ZIP32;
      const c = new Uint8Array(46 + name.length + centralExtra.length);
      const cv = new DataView(c.buffer);
      cv.setUint32(0, SIG_CENTRAL, true);
      cv.setUint16(4, version, true);
      cv.setUint16(6, version, true);
      cv.setUint16(14, 0x21, true);
      cv.setUint32(16, crc, true);
      cv.setUint32(20, sizes64 ? ZIP32_SATURATED : size, true);
      cv.setUint32(24, sizes64 ? ZIP32_SATURATED : size, true);
      cv.setUint16(28, name.length, true);
      cv.setUint16(30, centralExtra.length, true);
      cv.setUint32(42, offset64 ? ZIP32_SATURATED : offset, true);
      c.set(name, 46);
      c.set(centralExtra, 46 + name.length);
      central.push(c);
      offset += local.length + size;
    }
    const cdOffset = offset;
    const cdSize = central.reduce((s, c) => s + c.length, 0);
    for (const c of central) await write(c);
    const end64 = force || entries.length >= ZIP16_SATURATED || cdSize >= ZIP32_SATURATED || cdOffset >= ZIP32_SATURATED;
    if (end64) {
      const record = new Uint8Array(56 + 20);
      const rv = new DataView(record.buffer);
      rv.setUint32(0, SIG_ZIP64_EOCD, true);
      setUint64(rv, 4, 44); // size of the rest of the record
      rv.setUint16(12, VERSION_ZIP64, true);
      rv.setUint16(14, VERSION_ZIP64, true);
      setUint64(rv, 24, entries.length); // on this disk
      setUint64(rv, 32, entries.length); // in all
      setUint64(rv, 40, cdSize);
      setUint64(rv, 48, cdOffset);
      // the locator: where the ZIP64 end record is, on disk 0 of 1
      rv.setUint32(56, SIG_ZIP64_LOCATOR, true);
      setUint64(rv, 64, cdOffset + cdSize);
      rv.setUint32(72, 1, true);
      await write(record);
    }
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, SIG_EOCD, true);
    ev.setUint16(8, end64 ? ZIP16_SATURATED : entries.length, true);
    ev.setUint16(10, end64 ? ZIP16_SATURATED : entries.length, true);
    ev.setUint32(12, end64 ? ZIP32_SATURATED : cdSize, true);
    ev.setUint32(16, end64 ? ZIP32_SATURATED : cdOffset, true);
    await write(end);
    await flush();
  } finally {
    await handle.close();
  }
}

/** A ZIP64 extended-information extra field holding `values` (64-bit each). */
function zip64Extra(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 + 8 * values.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, ZIP64_EXTRA_ID, true);
  v.setUint16(2, 8 * values.length, true);
  values.forEach((x, i) => setUint64(v, 4 + 8 * i, x));
  return out;
}

function setUint64(view: DataView, at: number, value: number): void {
  view.setBigUint64(at, BigInt(value), true);
}
