import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { assertExactly, checkFixture, expectedFiles } from './formats.helpers';

for (const rel of expectedFiles('vecs')) {
  test(`vecs fixture ${rel} reads as numpy wrote it`, () => checkFixture(rel));
}

function fvecs(rows: number[][]): Uint8Array {
  const parts = rows.map(r => {
    const b = new Uint8Array(4 + 4 * r.length);
    const v = new DataView(b.buffer);
    v.setInt32(0, r.length, true);
    r.forEach((x, i) => v.setFloat32(4 + 4 * i, x, true));
    return b;
  });
  return Buffer.concat(parts);
}

test('fvecs: a record with another dimension in the middle is found when its rows are read', async () => {
  const bytes = fvecs([[1, 2], [3, 4], [5, 6], [7, 8]]);
  new DataView(bytes.buffer, bytes.byteOffset).setInt32(12 * 2, 3, true); // record 2 claims dim 3
  const dump = await openDump(new MemoryByteSource(bytes, 'mid.fvecs'), { fileName: 'mid.fvecs' });
  const m = await dump.open();
  assertExactly(await m.readRows(0, 2), [1, 2, 3, 4], 'rows 0..1');
  await assert.rejects(m.readRows(0, 4), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && /index 2/.test(e.message) && e.message.includes('mid.fvecs'));
});

test('fvecs: impossible first dimension and empty files are refused', async () => {
  const neg = fvecs([[1, 2]]);
  new DataView(neg.buffer, neg.byteOffset).setInt32(0, -5, true);
  for (const [bytes, code] of [[neg, 'bad-header'], [new Uint8Array(0), 'truncated'], [fvecs([[1, 2]]).subarray(0, 10), 'truncated']] as [Uint8Array, string][]) {
    await assert.rejects(openDump(new MemoryByteSource(bytes, 'x.fvecs'), { fileName: 'x.fvecs' }),
      (e: unknown) => e instanceof EmbdiagError && e.code === code && e.message.includes('x.fvecs'), code);
  }
});

test('bvecs: bytes become 0..255', async () => {
  const b = new Uint8Array([3, 0, 0, 0, 0, 128, 255, 3, 0, 0, 0, 1, 2, 3]);
  const m = await (await openDump(new MemoryByteSource(b, 'x.bvecs'), { fileName: 'x.bvecs' })).open();
  assert.equal(m.dtype, 'uint8');
  assertExactly(await m.readRows(0, 2), [0, 128, 255, 1, 2, 3], 'bvecs');
});
