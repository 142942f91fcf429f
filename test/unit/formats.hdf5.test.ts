import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { h5call } from '../../src/core/formats/hdf5Library';
import { hdf5ElementType } from '../../src/core/formats/hdf5Types';
import { FIXTURES } from './support';
import { FORMAT_FIXTURES, testFixtureFolder, assertExactly, decodeNumbers, loadExpected, withDump } from './formats.helpers';

/** Fixtures written by test/fixtures/make_format_fixtures_ml.py with h5py. */
testFixtureFolder('h5', 'hdf5', 'h5py');

test('datasets in nested groups are selected by path, with or without the leading slash', async () => {
  const expected = loadExpected('h5/nested.h5');
  const want = expected.arrays!.find(a => a.name === 'model/layer_last')!;
  await withDump('h5/nested.h5', async dump => {
    assert.equal(dump.format, 'hdf5');
    for (const name of ['/model/layer_last', 'model/layer_last']) {
      const m = await dump.open(name);
      assert.equal(m.name, 'model/layer_last');
      assertExactly(await m.readRows(0, m.rows), decodeNumbers(want.data!), name);
      assert.ok(m.notes.some(n => /Chunked \(8 x 16\), filters shuffle \+ deflate/.test(n)), m.notes.join(' | '));
    }
    await assert.rejects(dump.open('/model/nope'), (e: unknown) => e instanceof EmbdiagError && e.code === 'array-not-found' && e.message.includes('model/layer_0'));
    assert.ok((await dump.open('model/f64_be')).notes.some(n => /big-endian/.test(n)));
  });
});

test('a string dataset is listed but refused, naming what it holds', async () => {
  await withDump('h5/refusals/strings_only.h5', async dump => {
    assert.deepEqual(dump.arrays.map(a => [a.name, a.dtype, a.analysable]), [['names', 'str', false]]);
    await assert.rejects(dump.open('names'), (e: unknown) => e instanceof EmbdiagError && e.code === 'unsupported-dtype' && /strings/.test(e.message));
    await assert.rejects(dump.open(), (e: unknown) => e instanceof EmbdiagError && e.code === 'no-array');
  });
});

test('rows of a chunked, compressed dataset read in any block size match one full read', async () => {
  await withDump('h5/chunked_gzip.hdf5', async dump => {
    const m = await dump.open('bigger');
    const all = await m.readRows(0, m.rows);
    const parts: number[] = [];
    for (let r = 0; r < m.rows; r += 13) parts.push(...await m.readRows(r, Math.min(13, m.rows - r)));
    assertExactly(parts, all, 'bigger in 13-row blocks');
  });
  await withDump('h5/nested.h5', async dump => {
    const cube = await dump.open('model/blocks/0/cube');
    const whole = await cube.readRows(0, cube.rows);
    assertExactly(await cube.readRows(3, 6), whole.slice(3 * cube.dim, 9 * cube.dim), 'cube rows 3..9 (across the first dim)');
  });
});

test('an HDF5 source that is not a file on disk is refused clearly', async () => {
  const bytes = new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  await assert.rejects(openDump(new MemoryByteSource(bytes, 'in-memory.h5'), { fileName: 'in-memory.h5' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'unreadable' && /on disk/.test(e.message));
});

// ---- links, empty datasets, datatypes, filter plugins, killed writers (test/fixtures/make_hdf5_fixtures.py) ----

const refusedWith = (code: string, ...words: (string | RegExp)[]) => (e: unknown) => {
  assert.ok(e instanceof EmbdiagError, String(e));
  assert.equal(e.code, code, e.message);
  for (const w of words) assert.ok(typeof w === 'string' ? e.message.includes(w) : w.test(e.message), `${w} in: ${e.message}`);
  return true;
};

/** JavaScript's own error text, which no message of ours may carry. */
const JS_ERROR_TEXT = /\b(TypeError|RangeError|ReferenceError|RuntimeError)\b|Cannot read propert|is not a function|undefined|Aborted\(/;

test('external and dangling links are listed as not analysable, never followed, and the rest of the file reads', async () => {
  await withDump('h5/links.h5', async dump => {
    const reasons = Object.fromEntries(dump.arrays.filter(a => !a.analysable).map(a => [a.name, a.reason]));
    assert.deepEqual(reasons, {
      'links/external': 'an external link to other_file.h5:/embeddings (only the file being analysed is read)',
      'links/dangling': "a soft link to '/nowhere', which points to nothing in this file",
      'links/via_soft': reasons['links/via_soft'],
    });
    assert.match(reasons['links/via_soft']!, /^a soft link to '\/links\/external', which leads to another file \(.*other_file\.h5\) \(only the file being analysed is read\)$/);
    // The default choice and --array on a dataset work although the links come first.
    assert.equal((await dump.open()).name, 'vectors');
    const single = await dump.open('single');
    assert.equal(single.rows, 1);
    assert.equal(single.dim, 5);
    for (const link of ['links/external', '/links/external']) {
      await assert.rejects(dump.open(link), refusedWith('unreadable', "'/links/external' is not a dataset of this file: it is an external link to other_file.h5:/embeddings"));
    }
    await assert.rejects(dump.open('links/external'), (e: unknown) => e instanceof Error && !/raw data of an external dataset|virtual dataset/.test(e.message));
    await assert.rejects(dump.open('links/dangling'), refusedWith('unreadable', 'points to nothing'));
  });
});

test('an empty dataset is listed as empty and is not the default choice', async () => {
  await withDump('h5/empty_dataset.h5', async dump => {
    const empty = dump.arrays.filter(a => !a.analysable);
    assert.deepEqual(empty.map(a => [a.name, a.reason]), [['bounds', 'it is empty (it holds no values)'], ['nothing', 'it is empty (it holds no values)']]);
    assert.equal((await dump.open()).name, 'sorted');
    await assert.rejects(dump.open('bounds'), refusedWith('bad-shape', 'empty'));
  });
});

test('datatypes that are not numbers are named in plain words, not by HDF5 type class numbers', async () => {
  await withDump('h5/datatypes.h5', async dump => {
    const refused = dump.arrays.filter(a => !a.analysable);
    assert.deepEqual(refused.map(a => a.dtype), ['float128', 'enum', 'opaque', 'reference']);
    for (const a of refused) assert.doesNotMatch(`${a.dtype} ${a.reason}`, /class|hdf5-/i, a.name);
    await assert.rejects(dump.open('long_double'), refusedWith('unsupported-dtype', 'float128 (long double), which has no exact float64 conversion'));
    await assert.rejects(dump.open('blobs'), refusedWith('unsupported-dtype', 'opaque'));
    await assert.rejects(dump.open('refs'), refusedWith('unsupported-dtype', 'reference'));
    await assert.rejects(dump.open('labels'), refusedWith('unsupported-dtype', 'enum'));
  });
  // h5py cannot write HDF5's time class; its metadata is what h5wasm reports for one.
  const time = hdf5ElementType({ type: 2, size: 8 });
  assert.ok(!time.ok && time.refused.name === 'time' && /time values/.test(time.refused.reason));
});

test('bitfields read as unsigned integers as h5py reads them, noting PyTables booleans', async () => {
  const expected = loadExpected('h5/datatypes.h5');
  await withDump('h5/datatypes.h5', async dump => {
    for (const name of ['bits', 'bits16_be']) {
      const m = await dump.open(name);
      const want = expected.arrays!.find(a => a.name === name)!;
      assert.equal(m.dtype, want.dtype);
      assertExactly(await m.readRows(0, m.rows), decodeNumbers(want.data!), name);
      assert.ok(m.notes.some(n => n.includes('bitfield (PyTables stores booleans this way)')), m.notes.join(' | '));
    }
  });
});

test('an HDF5 array datatype reads as extra trailing dimensions, in any row range', async () => {
  const expected = loadExpected('h5/datatypes.h5');
  await withDump('h5/datatypes.h5', async dump => {
    const grid = await dump.open('grid');
    assert.deepEqual([grid.rows, grid.dim], [8, 3]);
    const want = decodeNumbers(expected.arrays!.find(a => a.name === 'grid')!.data!);
    // Rows 1..6 start and end inside a dataset element (each holds 2 rows).
    assertExactly(await grid.readRows(1, 5), want.slice(3, 18), 'grid rows 1..6');
    // The analysis reads float32 datasets through readRowsFloat32 when a reader has it.
    const float32Rows = grid as typeof grid & { readRowsFloat32(start: number, count: number): Promise<Float32Array> };
    assertExactly(Array.from(await float32Rows.readRowsFloat32(3, 4)), want.slice(9, 21), 'grid rows 3..7 as float32');
    assert.ok(grid.notes.some(n => /array datatype/.test(n)), grid.notes.join(' | '));
  });
});

test('a dataset compressed with a filter plugin that is not included is refused as unsupported compression', async () => {
  await withDump('h5/lzf_and_plain.h5', async dump => {
    await assert.rejects(dump.open('emb'), refusedWith('unsupported-compression', "filter 'lzf' (id 32000)"));
    assert.equal((await dump.open()).name, 'plain');
  });
});

test('a file its killed writer left marked open is not called damaged, and h5clear -s is suggested', async () => {
  const file = path.join(FORMAT_FIXTURES, 'h5/refusals/writer_killed.h5');
  const source = await FileByteSource.open(file);
  try {
    await assert.rejects(openDump(source, { fileName: file }), refusedWith('unreadable', `h5clear -s ${file}`, 'not damaged'));
    await assert.rejects(openDump(source, { fileName: file }), (e: unknown) => e instanceof Error && !/damaged or not an HDF5 file/.test(e.message));
  } finally {
    await source.close();
  }
  // The suggested command can be pasted as it is: a path with a space is quoted.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-h5-'));
  const spaced = path.join(dir, "killed writer's file.h5");
  fs.copyFileSync(file, spaced);
  const copy = await FileByteSource.open(spaced);
  try {
    await assert.rejects(openDump(copy, { fileName: spaced }), refusedWith('unreadable', `h5clear -s '${dir}/killed writer'\\''s file.h5'`));
  } finally {
    await copy.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('HDF5 failures never quote JavaScript exception text', () => {
  for (const thrown of [new TypeError("Cannot read properties of undefined (reading 'shape')"), new RangeError('Invalid typed array length: 40'), new Error('undefined is not a function')]) {
    assert.throws(() => h5call('some.h5', 'read it', () => { throw thrown; }), (e: unknown) => {
      assert.ok(e instanceof EmbdiagError && e.code === 'bad-header', String(e));
      assert.doesNotMatch(e.message, JS_ERROR_TEXT);
      assert.ok(e.message.startsWith('some.h5: cannot read it: '), e.message);
      return true;
    });
  }
});

test('the wasm runtime does not print JavaScript errors to stderr when HDF5 is refused memory', async () => {
  const printed: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: unknown) => { printed.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    const file = path.join(FIXTURES, 'hostile', 'hdf5', 'allocation_bomb.h5');
    const source = await FileByteSource.open(file);
    try {
      await assert.rejects(openDump(source, { fileName: file }), refusedWith('too-large'));
    } finally {
      await source.close();
    }
  } finally {
    process.stderr.write = write;
  }
  assert.doesNotMatch(printed.join(''), JS_ERROR_TEXT);
});
