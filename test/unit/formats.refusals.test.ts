import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';
import { SUPPORTED_EXTENSIONS, isDumpPath, openDump } from '../../src/core/formats/openDump';
import { FORMAT_FIXTURES, assertRefused, expectedFiles, loadExpected } from './formats.helpers';

for (const rel of expectedFiles('refusals')) {
  const expected = loadExpected(rel);
  test(`refusal ${rel}: ${expected.error}`, async () => {
    const file = path.join(FORMAT_FIXTURES, rel);
    const source = await FileByteSource.open(file);
    try {
      const error = await assertRefused(() => openDump(source, { fileName: file }), expected.error!, file);
      if (expected.line) assert.match(error.message, new RegExp(`line ${expected.line}\\b`));
      assert.ok(error.message.length > file.length + 20, `the message says what is wrong: ${error.message}`);
    } finally {
      await source.close();
    }
  });
}

test('object arrays are refused without unpickling, and say so', async () => {
  const file = path.join(FORMAT_FIXTURES, 'refusals/object.npy');
  const source = await FileByteSource.open(file);
  try {
    const error = await assertRefused(() => openDump(source, { fileName: file }), 'pickle-refused', file);
    assert.match(error.message, /pickled Python objects are never loaded/);
  } finally {
    await source.close();
  }
});

test('the supported extensions, case-insensitive', () => {
  assert.deepEqual([...SUPPORTED_EXTENSIONS], ['.npy', '.npz', '.safetensors', '.fvecs', '.bvecs', '.tsv', '.csv',
    '.pt', '.pth', '.bin', '.h5', '.hdf5', '.parquet', '.arrow', '.feather', '.jsonl', '.ndjson', '.json', '.vec', '.txt',
    '.index', '.faiss', '.f32', '.f16', '.f64', '.bf16', '.i8', '.u8', '.raw', '.zarr', '.zip']);
  assert.ok(isDumpPath('runs/EMB.NPY'));
  assert.ok(isDumpPath('C:\\data\\model.SafeTensors'));
  assert.ok(!isDumpPath('train.py'));
  assert.ok(!isDumpPath('npy'));
  assert.ok(!isDumpPath('runs.npy/readme'));
});

test('unknown extensions fall back to the magic bytes', async () => {
  const npy = new Uint8Array(128);
  npy.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]);
  const dict = new TextEncoder().encode("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }");
  npy.fill(0x20, 10, 127);
  npy.set(dict, 10);
  npy[127] = 0x0a;
  const dump = await openDump(new MemoryByteSource(npy, 'weights.bin'), { fileName: 'weights.bin' });
  assert.equal(dump.format, 'npy');
  // A zip saved under a .npy name is read as npz, with a note.
  const zipped = await FileByteSource.open(path.join(FORMAT_FIXTURES, 'npz/stored.npz'));
  try {
    const misnamed = await openDump(zipped, { fileName: 'stored.npy' });
    assert.equal(misnamed.format, 'npz');
    assert.ok(misnamed.notes.some(n => /zip/.test(n)));
  } finally {
    await zipped.close();
  }
  await assert.rejects(openDump(new MemoryByteSource(new Uint8Array([1, 2, 3]), 'x.dat'), { fileName: 'x.dat' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'unknown-format' && e.message.includes('x.dat') && e.message.includes('.safetensors'));
});
