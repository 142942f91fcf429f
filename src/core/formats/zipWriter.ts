import * as fs from 'node:fs/promises';
import { EmbdiagError } from '../errors';
import { crc32 } from './zip';

/**
 * Writes a zip archive of stored (uncompressed) entries, as np.savez does, so that numpy, any
 * zip tool and our own zip reader open it. Entries are dated 1980-01-01 so that the same
 * content always gives the same bytes. No ZIP64: the archive must stay below 4 GiB.
 */
export interface ZipWriteEntry { name: string; data: Uint8Array }

const ZIP32_LIMIT = 0xffffffff;

export async function writeStoredZip(filePath: string, entries: readonly ZipWriteEntry[]): Promise<void> {
  const total = entries.reduce((s, e) => s + e.data.byteLength + 76 + 2 * e.name.length, 22);
  if (total >= ZIP32_LIMIT) {
    throw new EmbdiagError('too-large', `${filePath}: ${total} bytes would be needed, more than this writer's 4 GiB zip limit.`);
  }
  const central: Uint8Array[] = [];
  const handle = await fs.open(filePath, 'w');
  try {
    let offset = 0;
    for (const e of entries) {
      const name = new TextEncoder().encode(e.name);
      const crc = crc32(e.data);
      const local = new Uint8Array(30 + name.length);
      const lv = new DataView(local.buffer);
      lv.setUint32(0, 0x04034b50, true);
      lv.setUint16(4, 20, true); // version needed: 2.0
      lv.setUint16(8, 0, true); // stored
      lv.setUint16(12, 0x21, true); // date 1980-01-01
      lv.setUint32(14, crc, true);
      lv.setUint32(18, e.data.byteLength, true);
      lv.setUint32(22, e.data.byteLength, true);
      lv.setUint16(26, name.length, true);
      local.set(name, 30);
      await handle.write(local);
      await handle.write(e.data);
      const c = new Uint8Array(46 + name.length);
      const cv = new DataView(c.buffer);
      cv.setUint32(0, 0x02014b50, true);
      cv.setUint16(4, 20, true);
      cv.setUint16(6, 20, true);
      cv.setUint16(14, 0x21, true);
      cv.setUint32(16, crc, true);
      cv.setUint32(20, e.data.byteLength, true);
      cv.setUint32(24, e.data.byteLength, true);
      cv.setUint16(28, name.length, true);
      cv.setUint32(42, offset, true);
      c.set(name, 46);
      central.push(c);
      offset += local.length + e.data.byteLength;
    }
    const cdSize = central.reduce((s, c) => s + c.length, 0);
    for (const c of central) await handle.write(c);
    const end = new Uint8Array(22);
    const ev = new DataView(end.buffer);
    ev.setUint32(0, 0x06054b50, true);
    ev.setUint16(8, entries.length, true);
    ev.setUint16(10, entries.length, true);
    ev.setUint32(12, cdSize, true);
    ev.setUint32(16, offset, true);
    await handle.write(end);
  } finally {
    await handle.close();
  }
}
