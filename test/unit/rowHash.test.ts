import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { finiteRowKeys } from '../../src/core/stats/rowHash';
import { keysOneByOne, rowsWithSpecials } from './specialRows';

test('finiteRowKeys: the hashRow keys of the finite rows, float32 or float64, −0 as +0', () => {
  const rows = 40, dim = 13;
  const x = rowsWithSpecials(rows, dim);
  const expected = keysOneByOne(x, rows, dim);
  assert.equal(expected.length, rows - 2);
  assert.equal(expected[0], expected[1], 'a row equal to another but for −0 has its key');
  assert.equal(expected[4], expected[2], 'a copied row has the key of its original (finite rows 0, 1, 2, 4, 6: row 6 is the fifth)');
  assert.deepEqual([...finiteRowKeys(x, rows, dim)], expected);
  assert.deepEqual([...finiteRowKeys(Float64Array.from(x), rows, dim)], expected);
  const known = new Map<number, 'nan' | 'inf'>([[3, 'nan'], [5, 'inf']]);
  assert.deepEqual([...finiteRowKeys(x, rows, dim, known)], expected);
});
