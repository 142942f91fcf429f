import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { InflatedEntrySource, crc32, openZipEntry, readZipDirectory } from '../../src/core/formats/zip';
import { CountingSource, assertExactly, assertRefused, checkFixture, decodeNumbers, expectedFiles, loadExpected, withDump } from './formats.helpers';
import * as path from 'node:path';
import { FORMAT_FIXTURES } from './formats.helpers';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { npyBytes } from './npyFiles';

for (const rel of expectedFiles('npz')) {
  test(`npz fixture ${rel} reads as numpy wrote it`, () => checkFixture(rel));
}

interface TestEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Overrides of what the central directory declares. */
  declaredSize?: number;
  crc?: number;
  flags?: number;
  method?: number;
}

/** A minimal zip writer for tests (no ZIP64: the fixtures written by Python's zipfile cover that). */
function makeZip(entries: TestEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const body = e.deflate ? new Uint8Array(zlib.deflateRawSync(e.data)) : e.data;
    const method = e.method ?? (e.deflate ? 8 : 0);
    const crc = e.crc ?? crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, e.flags ?? 0, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, e.flags ?? 0, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, body);
    central.push(cd);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return Buffer.concat([...parts, ...central, eocd]);
}

function npy(rows: number, dim: number, fill: (i: number) => number): { bytes: Uint8Array; values: Float32Array } {
  const values = new Float32Array(rows * dim);
  for (let i = 0; i < values.length; i++) values[i] = fill(i);
  return { bytes: new Uint8Array(npyBytes([rows, dim], values)), values };
}

test('npz: opening a pickled object array is refused, naming the file and the array', async () => {
  const file = path.join(FORMAT_FIXTURES, 'npz/objects.npz');
  const error = await assertRefused(async () => openDump(await FileByteSource.open(file), { fileName: file }), 'pickle-refused', file, 'obj');
  assert.match(error.message, /'obj'/);
  assert.match(error.message, /pickled Python objects are never loaded/);
});

test('npz: asking for a missing array lists the arrays that exist', async () => {
  await withDump('npz/stored.npz', async dump => {
    await assert.rejects(dump.open('nope'), (e: unknown) => e instanceof EmbdiagError && e.code === 'array-not-found'
      && /embeddings/.test(e.message) && /labels/.test(e.message) && e.message.includes('stored.npz'));
  });
});

test('npz: rows of a deflated entry come out right in ascending and then descending order', async () => {
  const want = loadExpected('npz/compressed.npz').arrays!.find(a => a.name === 'big_b')!;
  const data = decodeNumbers(want.data!);
  await withDump('npz/compressed.npz', async dump => {
    const m = await dump.open('big_b');
    const order = [...Array(m.rows).keys()];
    for (const r of [...order, ...order.reverse()]) {
      assertExactly(await m.readRows(r, 1), data.slice(r * m.dim, (r + 1) * m.dim), `row ${r}`);
    }
  });
});

test('npz: a multi-megabyte deflated entry restarts decoding only when asked to go backwards', async () => {
  const rows = 3000;
  const dim = 256;
  const { bytes, values } = npy(rows, dim, i => (i * 7919) % 1000 / 8);
  const zip = makeZip([{ name: 'embeddings.npy', data: bytes, deflate: true }]);
  const source = new CountingSource(new MemoryByteSource(zip, 'big.npz'));
  const dump = await openDump(source, { fileName: 'big.npz' });
  assert.deepEqual(dump.arrays[0].shape, [rows, dim]);
  const m = await dump.open();
  const row = (r: number) => values.subarray(r * dim, (r + 1) * dim);
  for (let r = 0; r < rows; r += 250) assertExactly(await m.readRows(r, 250), values.subarray(r * dim, (r + 250) * dim), `block ${r}`);
  for (const r of [2999, 2000, 1500, 3, 0]) assertExactly(await m.readRows(r, 1), row(r), `row ${r}`);

  // The entry source itself: forward reads never restart, a step back past the retained window does.
  const [entry] = await readZipDirectory(source);
  const inflated = await openZipEntry(source, entry) as InflatedEntrySource;
  assert.ok(inflated instanceof InflatedEntrySource);
  await inflated.read(0, 128);
  await inflated.read(1_000_000, 4096);
  await inflated.read(2_900_000, 4096);
  assert.equal(inflated.restarts, 0);
  await inflated.read(100, 16);
  assert.equal(inflated.restarts, 1);
  // Concurrent reads are serialised and each gets its own bytes.
  const [a, b] = await Promise.all([inflated.read(10, 4), inflated.read(3_000_000, 4)]);
  assert.deepEqual([...a], [...bytes.subarray(10, 14)]);
  assert.deepEqual([...b], [...bytes.subarray(3_000_000, 3_000_004)]);
  await inflated.close();
});

test('npz: a deflate bomb (output larger than declared) stops with bad-archive', async () => {
  const zeros = new Uint8Array(20 << 20);
  const zip = makeZip([{ name: 'bomb.npy', data: zeros, deflate: true, declaredSize: 1000 }]);
  const source = new MemoryByteSource(zip, 'bomb.npz');
  const [entry] = await readZipDirectory(source);
  assert.equal(entry.uncompressedSize, 1000);
  const inflated = await openZipEntry(source, entry);
  await assert.rejects(inflated.read(0, 1000), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-archive'
    && /more than the 1000 bytes/.test(e.message) && e.message.includes('bomb.npz'));
  await inflated.close();
});

test('npz: damaged entries are bad-archive errors naming the file', async () => {
  const { bytes } = npy(50, 8, i => i);
  const cases: [string, TestEntry[]][] = [
    ['wrong crc', [{ name: 'embeddings.npy', data: bytes, deflate: true, crc: 12345 }]],
    ['shorter than declared', [{ name: 'embeddings.npy', data: bytes.subarray(0, bytes.length - 64), deflate: true, declaredSize: bytes.length }]],
    ['encrypted', [{ name: 'embeddings.npy', data: bytes, flags: 1 }]],
    ['unknown method', [{ name: 'embeddings.npy', data: bytes, method: 12 }]],
  ];
  for (const [what, entries] of cases) {
    const zip = makeZip(entries);
    await assert.rejects(async () => {
      const dump = await openDump(new MemoryByteSource(zip, 'damaged.npz'), { fileName: 'damaged.npz' });
      const m = await dump.open();
      await m.readRows(0, m.rows);
    }, (e: unknown) => e instanceof EmbdiagError && (e.code === 'bad-archive' || e.code === 'truncated') && e.message.includes('damaged.npz'), what);
  }
  // A central directory that points past the end of the file.
  const zip = makeZip([{ name: 'embeddings.npy', data: bytes }]);
  new DataView(zip.buffer, zip.byteOffset).setUint32(zip.length - 6, zip.length + 100, true);
  await assert.rejects(openDump(new MemoryByteSource(zip, 'moved.npz'), { fileName: 'moved.npz' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-archive' && e.message.includes('moved.npz'));
});

test('npz: entries that are not .npy arrays are ignored with a note', async () => {
  const { bytes, values } = npy(3, 2, i => i + 0.5);
  const zip = makeZip([{ name: 'readme.txt', data: new TextEncoder().encode('hello') }, { name: 'x.npy', data: bytes }]);
  const dump = await openDump(new MemoryByteSource(zip, 'mixed.npz'), { fileName: 'mixed.npz' });
  assert.deepEqual(dump.arrays.map(a => a.name), ['x']);
  assert.ok(dump.notes.some(n => n.includes('readme.txt')));
  assertExactly(await (await dump.open()).readRows(0, 3), values, 'x');
});

test('npz: listing a stored archive reads only headers', async () => {
  const { bytes } = npy(4000, 128, i => i % 13);
  const zip = makeZip([{ name: 'embeddings.npy', data: bytes }, { name: 'other.npy', data: bytes }]);
  const source = new CountingSource(new MemoryByteSource(zip, 'stored-big.npz'));
  const dump = await openDump(source, { fileName: 'stored-big.npz' });
  await (await dump.open()).readRows(17, 1);
  assert.ok(source.bytesRead < 70_000 + 1024, `read ${source.bytesRead} of ${zip.length}`); // the 64 KiB end-record search dominates
});

test('npz: a deflate stream that ends early (or has trailing bytes) errors or succeeds, never hangs', async () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);
  const compressed = zlib.deflateRawSync(data);
  const cases: [number, number, boolean][] = [[100, 200, false], [0, 200, false], [5000, 100, true], [3, 50, false], [0, 0, true]];
  for (const [junk, declared, ok] of cases) {
    const bytes = Buffer.concat([compressed, Buffer.alloc(junk, 7)]);
    const entry = new InflatedEntrySource(new MemoryByteSource(bytes, 'early.npz'), 0, bytes.length, declared, 'early.npz (entry x.npy)');
    const read = entry.read(0, declared);
    if (ok) assert.deepEqual([...await read], [...data.subarray(0, declared)]);
    else await assert.rejects(read, (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-archive' && e.message.includes('early.npz'));
    await entry.close();
  }
});
