import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, assertAllClose } from './support';
import { partialOfDataset, analyzeDataset } from '../../src/core/dataset/analyzeDataset';
import { readEmbstats, readEmbstatsSource, writeEmbstats } from '../../src/core/dataset/embstatsFile';
import { reportOfPartial } from '../../src/core/dataset/datasetReport';
import { mergePartials } from '../../src/core/dataset/partial';
import { partialOfRows } from '../../src/core/dataset/shardPartial';
import { normSketchArrays } from '../../src/core/dataset/normSketch';
import { openNpz } from '../../src/core/formats/npz';
import { openZipEntry, readZipDirectory } from '../../src/core/formats/zip';
import { writeStoredZip } from '../../src/core/formats/zipWriter';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';

/** Issue #14: the .embstats file (docs/embstats.md). */
const DIR = path.join(FIXTURES, 'dataset');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(path.join(tmpdir(), 'embdiag-embstats-'));

test('a partial written as .embstats reads back identical, and reports what the shards report', async () => {
  const { partial } = await partialOfDataset([path.join(DIR, 'shards')], { seed: 5 });
  const file = path.join(tmp, 'all.embstats');
  await writeEmbstats(file, partial!);
  const back = await readEmbstats(file);
  assert.deepEqual(back, partial);
  const fromFile = reportOfPartial(back, { displayPath: 'x' });
  const fromShards = await analyzeDataset([path.join(DIR, 'shards')], { seed: 5, displayPath: 'x' });
  assert.deepEqual({ ...fromFile, timings: null }, { ...fromShards, timings: null });
});

test('a cache entry (row lists as arrays) reads back identical to the partial, and to the header-list layout users get', async () => {
  const { partial } = await partialOfDataset([path.join(DIR, 'shards')], { seed: 5 });
  assert.ok(partial!.normRows && partial!.keys.firstRows, 'the fixture keeps the norms\' rows and the keys\' first rows');
  const asArrays = path.join(tmp, 'arrays.embstats'), inHeader = path.join(tmp, 'header.embstats');
  await writeEmbstats(asArrays, partial!, { rowListsAsArrays: true });
  await writeEmbstats(inHeader, partial!);
  assert.deepEqual(await readEmbstats(asArrays), partial);
  assert.deepEqual(await readEmbstats(asArrays), await readEmbstats(inHeader));
  const source = await FileByteSource.open(asArrays);
  try {
    const names = (await openNpz(source)).arrays.map(a => a.name);
    assert.ok(names.includes('norm_rows') && names.includes('row_key_first_rows'), names.join(', '));
  } finally {
    await source.close();
  }
});

test('the generic npz reader finds every array as written, and header.json is plain JSON', async () => {
  const { partial: p } = await partialOfDataset([path.join(DIR, 'shards')], { seed: 0, sampleRows: 100 });
  const file = path.join(tmp, 'generic.embstats');
  await writeEmbstats(file, p!);
  const source = await FileByteSource.open(file);
  try {
    const npz = await openNpz(source);
    const sketch = normSketchArrays(p!.normSketch);
    const want: Record<string, [number[], Float64Array]> = {
      mean: [[12], p!.mean], comoment: [[12, 12], p!.comoment], norms: [[p!.count], p!.norms!],
      norm_sketch_index: [[sketch.index.length], sketch.index], norm_sketch_count: [[sketch.count.length], sketch.count],
      row_keys: [[p!.keys.keys.length], p!.keys.keys], sample_index: [[100], p!.sample.indices],
      sample_priority: [[100], p!.sample.priorities], sample_rows: [[100, 12], p!.sample.rows],
    };
    assert.deepEqual(npz.arrays.map(a => a.name).sort(), Object.keys(want).sort());
    for (const [name, [shape, values]] of Object.entries(want)) {
      const info = npz.arrays.find(a => a.name === name)!;
      assert.equal(info.dtype, 'float64', name);
      assert.deepEqual(info.shape, shape, name);
      const m = await npz.open(name);
      assert.deepEqual(await m.readRows(0, m.rows), values, name);
    }
    const entry = (await readZipDirectory(source)).find(e => e.name === 'header.json')!;
    assert.equal(entry.method, 0, 'stored, like np.savez');
    const h = JSON.parse(Buffer.from(await (await openZipEntry(source, entry)).read(0, entry.uncompressedSize)).toString('utf8'));
    assert.equal(h.format, 'embstats');
    assert.equal(h.version, 1);
    assert.equal(h.dim, 12);
    assert.equal(h.seed, 0);
    assert.equal(h.array, null);
    assert.deepEqual(h.dtypes, { float32: 207, float64: 150 });
    assert.deepEqual(h.shards.map((s: { file: string; rows: number; dtype: string }) => [path.basename(s.file), s.rows, s.dtype]),
      [['part-1.npy', 200, 'float32'], ['part-2.npy', 150, 'float64'], ['part-10.npy', 7, 'float32']]);
    for (const s of h.shards) assert.match(s.mtime, /^\d{4}-\d\d-\d\dT/);
  } finally {
    await source.close();
  }
});

test('the committed example (that numpy read: check_embstats_numpy.py) reports numpy\'s figures', async () => {
  const r = reportOfPartial(await readEmbstats(path.join(DIR, 'example.embstats')), { displayPath: 'example' });
  assertAllClose(r.eigenvalues, expected.eigenvalues, 1e-6, 'eigenvalues');
  for (const k of ['nanRows', 'infRows', 'zeroRows', 'duplicateRows']) assert.equal((r.health as never)[k], expected.health[k], k);
  assert.equal(r.rowsTotal, expected.rowsTotal);
});

test('truncated, altered or other-version .embstats files are refused in our words', async () => {
  const { partial: p } = await partialOfDataset([path.join(DIR, 'shards')], { seed: 0, sampleRows: 10 });
  const file = path.join(tmp, 'hostile.embstats');
  await writeEmbstats(file, p!);
  const bytes = readFileSync(file);
  const refused = async (b: Uint8Array, re: RegExp) => {
    await assert.rejects(readEmbstatsSource(new MemoryByteSource(b, 'x.embstats')), (e: unknown) => {
      assert.ok(e instanceof EmbdiagError && e.code !== 'internal', String(e));
      assert.match(e.message, re);
      return true;
    });
  };
  for (const cut of [0, 10, 100, 1000, bytes.length >> 1, bytes.length - 30, bytes.length - 1]) await refused(bytes.subarray(0, cut), /x\.embstats/);
  const text = bytes.toString('latin1');
  const swap = (from: string, to: string) => { assert.equal(from.length, to.length); assert.ok(text.includes(from), from); return Buffer.from(text.replace(from, to), 'latin1'); };
  // header.json is stored: same-length edits keep the zip valid but the CRC is not checked on
  // stored reads, so these reach the header checks
  await refused(swap('"version": 1', '"version": 7'), /format version 7; this embdiag reads version 1/);
  await refused(swap('"dim": 12', '"dim": 13'), /not a usable \.embstats/);
  await refused(swap('"finiteRows": 354', '"finiteRows": 355'), /row counts do not add up/);
  await refused(swap('"format": "embstats"', '"format": "embstat_"'), /format "embstats"/);
  await refused(swap('"rowsSeen"', '"rowsSeeX"'), /row counts/);
  await refused(swap('{\n "format"', '[\n "format"'), /not valid JSON|not a usable/);
});

test('merged partials of differing seeds are refused when read back too', async () => {
  const x = new Float64Array(40).map((_, i) => Math.cos(i));
  const a = path.join(tmp, 'a.embstats'), b = path.join(tmp, 'b.embstats');
  await writeEmbstats(a, partialOfRows(x, 10, 4, 0, { seed: 1 }));
  await writeEmbstats(b, partialOfRows(x, 10, 4, 10, { seed: 2 }));
  const [pa, pb] = [await readEmbstats(a), await readEmbstats(b)];
  assert.throws(() => mergePartials(pa, pb), /sample seed 1\b.*sample seed 2\b/);
});

test('fuzz: mutated .embstats files read back consistent or are refused with our error, never a crash', async () => {
  const fc = (await import('fast-check')).default;
  const { partial: p } = await partialOfDataset([path.join(DIR, 'shards')], { seed: 0, sampleRows: 20 });
  const file = path.join(tmp, 'fuzz.embstats');
  await writeEmbstats(file, p!);
  const seed = new Uint8Array(readFileSync(file));
  const headerAt = Buffer.from(seed).indexOf('{\n "format"');
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(seed.length - 1), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(seed.length - 1), value: fc.nat(255) }),
    // the header's numbers and punctuation: most mutations there reach the header checks
    fc.record({ kind: fc.constant('header' as const), at: fc.nat(1500), value: fc.constantFrom(...'0123456789-.e,"[]{}:n'.split('').map(c => c.charCodeAt(0))) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(seed.length - 1) }),
  );
  await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async muts => {
    let bytes = Uint8Array.from(seed);
    for (const m of muts) {
      if (m.kind === 'flip') bytes[m.at % bytes.length] ^= 1 << m.bit;
      else if (m.kind === 'byte') bytes[m.at % bytes.length] = m.value;
      else if (m.kind === 'header') bytes[Math.min(bytes.length - 1, headerAt + m.at)] = m.value;
      else bytes = bytes.slice(0, m.at);
    }
    try {
      const q = await readEmbstatsSource(new MemoryByteSource(bytes, 'fuzz.embstats'));
      // what is accepted is consistent enough to report on
      assert.equal(q.mean.length, q.dim);
      assert.equal(q.comoment.length, q.dim * q.dim);
      reportOfPartial(q, { displayPath: 'fuzz' });
    } catch (e) {
      assert.ok(e instanceof EmbdiagError, `not our error: ${String(e)}`);
      assert.notEqual(e.code, 'internal', e.message);
      assert.match(e.message, /fuzz\.embstats/);
    }
  }), { numRuns: 400, seed: 14 });
});

/** Python with numpy (the system interpreter: the one with numpy installed). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

test('ZIP64: a forced-ZIP64 .embstats reads back identical here, and numpy and Python\'s zipfile read it (check_embstats_numpy.py: numpy\'s figures)', async () => {
  const { partial } = await partialOfDataset([path.join(DIR, 'shards')], { seed: 5 });
  const plain = path.join(tmp, 'plain.embstats');
  const zip64 = path.join(tmp, 'zip64.embstats');
  await writeEmbstats(plain, partial!);
  await writeEmbstats(zip64, partial!, { forceZip64: true });
  const bytes = readFileSync(zip64);
  assert.ok(bytes.includes(Buffer.from('PK\x06\x06', 'latin1')) && bytes.includes(Buffer.from('PK\x06\x07', 'latin1')), 'the ZIP64 end record and its locator');
  assert.ok(!readFileSync(plain).includes(Buffer.from('PK\x06\x06', 'latin1')), 'no ZIP64 where it is not needed');
  assert.deepEqual(await readEmbstats(zip64), await readEmbstats(plain));
  const numpy = spawnSync(PYTHON, [path.join(DIR, 'check_embstats_numpy.py'), zip64], { encoding: 'utf8' });
  assert.equal(numpy.status, 0, numpy.stdout + numpy.stderr);
  assert.doesNotMatch(numpy.stdout, /FAILED/);
  // every central entry carries a ZIP64 extra field (id 1) with 64-bit sizes and offset, and every CRC checks
  const zipfile = spawnSync(PYTHON, ['-c', `
import struct, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    for i in z.infolist():
        tag, size = struct.unpack('<HH', i.extra[:4])
        assert tag == 1 and size == 24, (i.filename, tag, size)
        assert struct.unpack('<QQQ', i.extra[4:28]) == (i.file_size, i.compress_size, i.header_offset), i.filename
    print(len(z.infolist()))
`, zip64], { encoding: 'utf8' });
  assert.equal(zipfile.status, 0, zipfile.stderr);
  assert.equal(Number(zipfile.stdout.trim()), (await readZipDirectory(new MemoryByteSource(bytes, 'zip64.embstats'))).length);
});

test('ZIP64 when the entries do not fit in 16 bits: 70,000 entries written without forcing, read by us and by Python\'s zipfile', async () => {
  const file = path.join(tmp, 'many.zip');
  const entries = Array.from({ length: 70_000 }, (_, i) => ({ name: `e${i}`, data: Uint8Array.of(i & 255, i >> 8 & 255) }));
  await writeStoredZip(file, entries);
  const source = await FileByteSource.open(file);
  try {
    const read = await readZipDirectory(source);
    assert.equal(read.length, 70_000);
    const last = await openZipEntry(source, read[69_999]);
    assert.deepEqual([...await last.read(0, 2)], [69_999 & 255, 69_999 >> 8 & 255]);
  } finally {
    await source.close();
  }
  const py = spawnSync(PYTHON, ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.namelist()), list(z.read("e69999")))', file], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), `70000 [${69_999 & 255}, ${69_999 >> 8 & 255}]`);
});
