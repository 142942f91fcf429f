// The default array rule on listings as the readers produce them (no file needed: pickArray only
// sees names, dtypes and shapes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickArray } from '../../src/core/formats/npy';
import type { ArrayInfo } from '../../src/core/formats/dumpFile';

const info = (name: string, dtype: string, shape: number[]): ArrayInfo => ({ name, dtype, shape, analysable: true });

test('a float array beats a larger integer or boolean one (a PyTables index file: bitfield flags beside float bounds)', () => {
  const arrays = [info('var2/sortedLR', 'uint8', [8201]), info('var4/sortedLR', 'float64', [8201]), info('var1/indicesLR', 'int64', [8192])];
  assert.equal(pickArray('f.h5', arrays).name, 'var4/sortedLR');
});

test('2-D float arrays come first, then any float array, then the largest of the rest', () => {
  assert.equal(pickArray('f', [info('flat', 'float32', [10_000]), info('table', 'float32', [10, 8]), info('ids', 'int64', [20_000])]).name, 'table');
  assert.equal(pickArray('f', [info('ids', 'int64', [20_000]), info('codes', 'uint8', [30_000])]).name, 'codes');
});

test('an empty array is never the default while a non-empty one exists, even under a preferred name', () => {
  assert.equal(pickArray('f', [info('bounds', 'float64', [0, 7]), info('labels', 'int64', [50])]).name, 'labels');
  assert.equal(pickArray('f', [info('embeddings', 'float32', [0, 16]), info('other', 'float32', [5, 16])]).name, 'other');
  assert.equal(pickArray('f', [info('bounds', 'float64', [0, 7])]).name, 'bounds', 'only an empty one: it is analysed and found empty (no-rows)');
});
