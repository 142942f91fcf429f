import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import { WasmStatistics } from '../../src/core/stats/wasmStatistics';
import { idleStatisticsWorkers } from '../../src/core/stats/statisticsWorkerPool';
import { keysOneByOne, rowsWithSpecials } from './specialRows';

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

test('a worker whose kernels held a large covariance (more than 2,048 dimensions) is ended, not kept idle', async () => {
  const dim = 2100, rows = 40;
  const x = rowsWithSpecials(rows, dim);
  const stats = new WasmStatistics(dim, { workers: 2, maxBlockRows: 8 });
  const idleWhileRunning = idleStatisticsWorkers();
  for (let r = 0; r < rows; r += 8) await stats.add(x.slice(r * dim, (r + 8) * dim), 8);
  const st = await stats.finish();
  assert.equal(st.count, rows - 2);
  assert.equal(idleStatisticsWorkers(), idleWhileRunning);
});
