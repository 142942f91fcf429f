import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { testFixtureFolder, assertExactly, decodeNumbers, loadExpected, withDump } from './formats.helpers';

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
