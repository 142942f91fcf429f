import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { makeDType } from '../../src/core/formats/dtype';
import { StridedMatrix } from '../../src/core/formats/stridedMatrix';
import { testFixtureFolder, FORMAT_FIXTURES, CountingSource, assertExactly, assertRefused, withDump } from './formats.helpers';

/** Fixtures written by test/fixtures/make_format_fixtures_ml.py with torch.save itself. */
const { readable, refusals } = testFixtureFolder('pt', 'torch', 'torch');

test('there are torch fixtures of both formats and refusals', () => {
  assert.ok(readable.some(r => r.includes('legacy')) && readable.some(r => !r.includes('legacy')));
  assert.ok(refusals.length >= 6);
});

test('a pickle that calls os.system is refused naming it, and nothing runs', async () => {
  const file = path.join(FORMAT_FIXTURES, 'pt/refusals/os_system.pt');
  const source = await FileByteSource.open(file);
  try {
    const error = await assertRefused(() => openDump(source, { fileName: file }), 'pickle-refused', file);
    assert.match(error.message, /'os\.system'/);
    assert.match(error.message, /Nothing from the file was executed/);
  } finally {
    await source.close();
  }
});

test('zip and legacy formats of the same object read identically', async () => {
  for (const [zip, legacy] of [['pt/views.pt', 'pt/legacy_views.pt'], ['pt/state_dict.pt', 'pt/legacy_state_dict.pth']]) {
    await withDump(zip, async a => withDump(legacy, async b => {
      assert.deepEqual(a.arrays, b.arrays);
      assert.ok(b.notes.some(n => /legacy format/.test(n)), b.notes.join(' | '));
      for (const info of a.arrays.filter(x => x.analysable)) {
        const [ma, mb] = [await a.open(info.name), await b.open(info.name)];
        assertExactly(await mb.readRows(0, mb.rows), await ma.readRows(0, ma.rows), `${legacy}:${info.name}`);
      }
    }));
  }
});

test('a state dict lists every tensor, says what else it holds, and picks the embedding', async () => {
  await withDump('pt/dict_mixed.pt', async dump => {
    assert.equal(dump.format, 'pt');
    assert.equal((await dump.open()).name, 'embeddings');
    assert.ok(dump.notes.some(n => /non-tensor values: meta\.epoch=3/.test(n)), dump.notes.join(' | '));
    const complex = dump.arrays.find(a => a.name === 'complex')!;
    assert.equal(complex.analysable, false);
    await assert.rejects(dump.open('complex'), (e: unknown) => e instanceof EmbdiagError && e.code === 'unsupported-dtype' && /complex/.test(e.message));
    await assert.rejects(dump.open('nope'), (e: unknown) => e instanceof EmbdiagError && e.code === 'array-not-found' && e.message.includes('encoder.layers.0'));
  });
  await withDump('pt/state_dict.pt', async dump => {
    assert.ok(dump.notes.some(n => /state dict/.test(n)));
    assert.equal((await dump.open()).name, 'emb.weight');
  });
});

test('.bin files are read as torch when the content says so, and stay unknown otherwise', async () => {
  await withDump('pt/pytorch_model.bin', async dump => assert.equal(dump.format, 'pt'));
  const noise = new MemoryByteSource(Uint8Array.from({ length: 64 }, (_, i) => i), 'noise.bin');
  await assert.rejects(openDump(noise, { fileName: 'noise.bin' }), (e: unknown) => e instanceof EmbdiagError && e.code === 'unknown-format');
  // A torch zip under an unknown extension is recognised by its data.pkl.
  const file = path.join(FORMAT_FIXTURES, 'pt/list.pt');
  const source = await FileByteSource.open(file);
  try {
    assert.equal((await openDump(source, { fileName: 'checkpoint.ckpt' })).format, 'pt');
    const misnamed = await openDump(source, { fileName: 'checkpoint.npy' });
    assert.equal(misnamed.format, 'pt');
    assert.ok(misnamed.notes.some(n => /PyTorch/.test(n)));
  } finally {
    await source.close();
  }
});

test('a row block of a view reads only the bytes it needs', async () => {
  const file = path.join(FORMAT_FIXTURES, 'pt/views.pt');
  const inner = await FileByteSource.open(file);
  const counting = new CountingSource(inner);
  try {
    const dump = await openDump(counting, { fileName: file });
    const m = await dump.open('sliced');
    const before = counting.bytesRead;
    await m.readRows(1, 2);
    assert.ok(counting.bytesRead - before <= 20 * 10 * 4, `read ${counting.bytesRead - before} bytes`);
  } finally {
    await inner.close();
  }
});

/** Element (indices) of a strided view, computed the slow obvious way. */
function stridedReference(storage: Float32Array, shape: number[], stride: number[], offset: number): number[] {
  const out: number[] = [];
  const idx = shape.map(() => 0);
  const total = shape.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    out.push(storage[offset + idx.reduce((s, v, i) => s + v * stride[i], 0)]);
    for (let i = shape.length - 1; i >= 0; i--) { if (++idx[i] < shape[i]) break; idx[i] = 0; }
  }
  return out;
}

test('strided gathers: far-apart, permuted and expanded views, in blocks', async () => {
  const n = 3_000_000; // larger than one gather window, so windows split
  const storage = new Float32Array(n);
  for (let i = 0; i < n; i++) storage[i] = (i % 9973) - 4000.5;
  const source = new MemoryByteSource(new Uint8Array(storage.buffer), 'synthetic');
  const cases: [number[], number[], number][] = [
    [[7, 5], [400_001, 2], 11], // rows far apart
    [[5, 7], [2, 400_001], 3], // each row spans most of the storage
    [[3, 4, 5], [1, 15, 3], 100], // permuted
    [[6, 4], [0, 1], 17], // expanded
    [[4, 3, 2], [100_000, 7, 1_000_000], 5],
  ];
  for (const [shape, stride, offset] of cases) {
    const m = new StridedMatrix(source, 'v', makeDType('float32'), shape, stride, offset);
    const want = stridedReference(storage, shape, stride, offset);
    assertExactly(await m.readRows(0, m.rows), want, `${shape}/${stride}`);
    const cut = Math.max(1, Math.floor(m.rows / 2));
    const tail = await m.readRows(cut, m.rows - cut);
    assertExactly(tail, want.slice(cut * m.dim), `${shape}/${stride} tail`);
  }
});
