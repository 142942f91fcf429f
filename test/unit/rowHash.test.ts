import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { FINITE_ROW_KEYS_SOURCE, finiteRowKeys, hashRow } from '../../src/core/stats/rowHash';
import { idleStatisticsWorkers, WasmStatistics } from '../../src/core/stats/wasmStatistics';

/** rows × dim float32 values in [-0.5, 0.5), with row 1 = row 0 but −0 for +0, row 3 a NaN row, row 5 a ±Inf row, row 6 a copy of row 2. */
function rowsWithSpecials(rows: number, dim: number): Float32Array {
  let s = 12345;
  const x = new Float32Array(rows * dim).map(() => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; });
  x[0] = 0;
  x.copyWithin(dim, 0, dim);
  x[dim] = -0;
  x[3 * dim + 2] = NaN;
  x[5 * dim + 1] = -Infinity;
  x.copyWithin(6 * dim, 2 * dim, 3 * dim);
  return x;
}

/** The keys of the finite rows, one hashRow per row over its float64 values. */
function keysOneByOne(x: Float32Array, rows: number, dim: number): number[] {
  const keys: number[] = [];
  for (let r = 0; r < rows; r++) {
    const wide = Float64Array.from(x.subarray(r * dim, (r + 1) * dim));
    if (!wide.every(Number.isFinite)) continue;
    keys.push(hashRow(wide, new Uint32Array(wide.buffer), 0, dim));
  }
  return keys;
}

test('finiteRowKeys: the hashRow keys of the finite rows, float32 or float64, −0 as +0; its worker source computes the same', () => {
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
  const inWorker = new Function(`return ${FINITE_ROW_KEYS_SOURCE};`)() as typeof finiteRowKeys;
  assert.deepEqual([...inWorker(x, rows, dim)], expected);
});

test('WasmStatistics onRowKeys: the finite rows\' keys in row order from two workers and from the calling thread; finished workers are reused', async () => {
  const rows = 301, dim = 24, blockRows = 16;
  const x = rowsWithSpecials(rows, dim);
  const expected = keysOneByOne(x, rows, dim);
  for (const workers of [2, 0, 2]) {
    const idleBefore = idleStatisticsWorkers();
    let idleWhileRunning = 0;
    const got: number[] = [];
    const stats = new WasmStatistics(dim, { workers, maxBlockRows: blockRows, onRowKeys: k => got.push(...k) });
    if (workers > 0) {
      idleWhileRunning = idleStatisticsWorkers();
      assert.equal(idleWhileRunning, Math.max(0, idleBefore - workers), 'idle workers are taken first');
    }
    for (let r = 0; r < rows; r += blockRows) {
      const n = Math.min(blockRows, rows - r);
      await stats.add(x.slice(r * dim, (r + n) * dim), n);
    }
    const st = await stats.finish();
    assert.deepEqual(got, expected, `workers: ${workers}`);
    assert.equal(st.nanRows, 1);
    assert.equal(st.infRows, 1);
    assert.equal(st.duplicateRows, 2);
    assert.deepEqual(st.rows.nan.first, [3]);
    assert.deepEqual(st.rows.inf.first, [5]);
    if (workers > 0) assert.equal(idleStatisticsWorkers(), Math.min(os.availableParallelism(), idleWhileRunning + workers), 'finished workers wait for the next (one per core at most)');
  }
});
