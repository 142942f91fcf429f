import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertExactly, withDump } from './formats.helpers';
import { referenceColumns, referenceList, type ReferenceColumn } from './arrowReference';

/**
 * Big-endian Arrow IPC files (schema `endianness: Big`): values, list offsets and string offsets
 * are stored most significant byte first. The file has a FixedSizeList<float32>, a List<float64>, a
 * LargeList<float32> (64-bit offsets, as polars writes lists) and int32 / float64 columns per
 * dimension, with null rows, null elements and null values, in two record batches. nested.big.arrow is the byte-swapped twin of
 * nested.little.arrow (test/fixtures/make_arrow_fixtures.mjs: apache-arrow writes the little-endian
 * file, the generator flips the schema flag and reverses each buffer's elements); the expected
 * values are apache-arrow's reading of the little-endian original.
 */

const LITTLE = 'arrow/endianness/nested.little.arrow';
const BIG = 'arrow/endianness/nested.big.arrow';

const CASES: [string, () => ReferenceColumn, string][] = [
  ['fixed', () => referenceList(LITTLE, 'fixed'), 'float32'],
  ['list', () => referenceList(LITTLE, 'list'), 'float64'],
  ['large', () => referenceList(LITTLE, 'large'), 'float32'], // LargeList: 64-bit offsets
  ['dim_*', () => referenceColumns(LITTLE, ['dim_0', 'dim_1']), 'float64'],
];

for (const rel of [BIG, LITTLE]) {
  for (const [name, reference, dtype] of CASES) {
    test(`${rel} '${name}': the values apache-arrow reads from the little-endian original, in any row range`, async () => {
      const want = reference();
      await withDump(rel, async dump => {
        const m = await dump.open(name);
        assert.deepEqual([m.rows, m.dim, m.dtype], [want.rows, want.dim, dtype]);
        assertExactly(await m.readRows(0, m.rows), want.values, 'all rows');
        for (const [start, count] of [[0, 7], [5, 4], [7, 5], [11, 1]]) {
          assertExactly(await m.readRows(start, count), want.values.slice(start * m.dim, (start + count) * m.dim), `rows ${start}+${count}`);
        }
        if (name !== 'dim_*') assert.deepEqual(await m.nullRowsIn!(0, m.rows), want.nullRows, 'null rows');
        if (rel === BIG) assert.ok(m.notes.some(n => /big-endian/.test(n)), m.notes.join(' | '));
      });
    });
  }
}
