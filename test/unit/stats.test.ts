import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StreamingStatistics, type StatisticsResult } from '../../src/core/stats/streamingStatistics';
import { assertAllClose, FIXTURES } from './support';

interface DatasetExpectation {
  rowsSeen: number; nanRows: number; infRows: number; count: number; zeroRows: number; duplicateRows: number;
  mean: number[]; rowNorms: number[];
  variance: number[] | null; covariance: number[] | null;
}
interface Dataset { name: string; rows: number; dim: number; data: (number | string)[][]; expected: DatasetExpectation }

const STATS_DIR = path.join(FIXTURES, 'stats');
const decode = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

function loadDatasets(): (Dataset & { matrix: Float64Array })[] {
  return fs.readdirSync(STATS_DIR).filter(f => f.startsWith('dataset_')).sort().map(f => {
    const d = JSON.parse(fs.readFileSync(path.join(STATS_DIR, f), 'utf8')) as Dataset;
    return { ...d, matrix: Float64Array.from(d.data.flat().map(decode)) };
  });
}

/** Feeds `matrix` in blocks of `blockRows` rows, each block a fresh copy (as a reader would hand it over). */
function run(matrix: Float64Array, dim: number, blockRows: number, hashDuplicates = true): StatisticsResult {
  const st = new StreamingStatistics(dim, { hashDuplicates });
  const rows = matrix.length / dim;
  for (let r = 0; r < rows; r += blockRows) {
    const n = Math.min(blockRows, rows - r);
    st.add(matrix.slice(r * dim, (r + n) * dim), n);
  }
  return st.finish();
}

const datasets = loadDatasets();

test('fixtures are present', () => {
  assert.ok(datasets.length >= 8, `expected the stats fixtures in ${STATS_DIR}; run python3 test/fixtures/make_stats_expectations.py`);
});

for (const ds of datasets) {
  test(`statistics match numpy: ${ds.name}`, () => {
    const e = ds.expected;
    const r = run(ds.matrix, ds.dim, ds.rows);
    assert.equal(r.dim, ds.dim);
    assert.deepEqual(
      { rowsSeen: r.rowsSeen, nanRows: r.nanRows, infRows: r.infRows, count: r.count, zeroRows: r.zeroRows, duplicateRows: r.duplicateRows },
      { rowsSeen: e.rowsSeen, nanRows: e.nanRows, infRows: e.infRows, count: e.count, zeroRows: e.zeroRows, duplicateRows: e.duplicateRows },
    );
    assertAllClose(r.mean, e.mean, 1e-6, 'mean');
    assertAllClose(r.rowNorms, e.rowNorms, 1e-6, 'rowNorms');
    if (e.covariance === null) {
      assert.equal(r.covariance, null);
      assert.equal(r.variance, null);
    } else {
      assert.ok(r.covariance && r.variance);
      assertAllClose(r.covariance, e.covariance, 1e-6, 'covariance');
      assertAllClose(r.variance, e.variance!, 1e-6, 'variance');
      for (let i = 0; i < ds.dim; i++) {
        for (let j = 0; j < i; j++) assert.equal(r.covariance[i * ds.dim + j], r.covariance[j * ds.dim + i], 'symmetric');
      }
    }
  });

  test(`statistics do not depend on the block size: ${ds.name}`, () => {
    const whole = run(ds.matrix, ds.dim, ds.rows);
    for (const blockRows of [1, 7]) {
      const r = run(ds.matrix, ds.dim, blockRows);
      // Chunking follows the finite rows, not the caller's blocks: results are identical, not merely close.
      assert.deepEqual(r, whole, `block size ${blockRows}`);
    }
  });
}

test('the 1e6-offset dataset keeps full precision in the covariance', () => {
  const ds = datasets.find(d => d.name.startsWith('offset_1e6'))!;
  for (const blockRows of [1, 7, ds.rows]) {
    const r = run(ds.matrix, ds.dim, blockRows);
    assertAllClose(r.covariance!, ds.expected.covariance!, 1e-6, `covariance, blocks of ${blockRows}`);
  }
});

test('more finite rows than one internal chunk: merge across chunks matches numpy', () => {
  const ds = datasets.find(d => d.name.startsWith('power_law'))!;
  assert.ok(ds.rows > 512);
  const r = run(ds.matrix, ds.dim, 100);
  assertAllClose(r.covariance!, ds.expected.covariance!, 1e-6, 'covariance');
});

test('count < 2: no covariance, no variance; count 0: empty mean', () => {
  const one = new StreamingStatistics(3);
  one.add(Float64Array.of(1, 2, 3), 1);
  const r1 = one.finish();
  assert.equal(r1.count, 1);
  assert.deepEqual(Array.from(r1.mean), [1, 2, 3]);
  assert.equal(r1.covariance, null);
  assert.equal(r1.variance, null);

  const none = new StreamingStatistics(2).finish();
  assert.equal(none.count, 0);
  assert.equal(none.mean.length, 0);
  assert.equal(none.rowNorms.length, 0);
  assert.equal(none.covariance, null);
});

test('duplicates: −0 equals +0, a subnormal does not equal 0, hashing can be disabled', () => {
  const rows = Float64Array.of(
    1, -0, 2,
    1, 0, 2, // duplicate of row 0
    Number.MIN_VALUE, 0, 0, // not zero, not a duplicate
    0, 0, 0, // zero row
    -0, -0, 0, // zero row and duplicate
    0, 0, Number.MIN_VALUE,
  );
  const r = run(rows, 3, 6);
  assert.equal(r.duplicateRows, 2);
  assert.equal(r.zeroRows, 2);
  assert.equal(r.duplicatesHashed, true);
  const off = run(rows, 3, 6, false);
  assert.equal(off.duplicateRows, 0);
  assert.equal(off.duplicatesHashed, false);
  assert.equal(off.zeroRows, 2);
});

test('non-finite rows are excluded and classified (NaN wins over Inf)', () => {
  const r = run(Float64Array.of(NaN, Infinity, 1, -Infinity, Infinity, 1, 3, 4), 2, 4);
  assert.equal(r.nanRows, 1);
  assert.equal(r.infRows, 2);
  assert.equal(r.count, 1);
  assert.deepEqual(Array.from(r.mean), [3, 4]);
  assert.deepEqual(Array.from(r.rowNorms), [5]);
});

test('blocks given as subarrays with an offset, and rows < block length', () => {
  const buf = new Float64Array(3 + 2 * 4 + 5);
  buf.set([1, 2, 3, 4, 1, 2, 3, 4], 3);
  const st = new StreamingStatistics(4);
  st.add(buf.subarray(3), 2); // more values than rows × dim: only the first rows are used
  const r = st.finish();
  assert.equal(r.count, 2);
  assert.equal(r.duplicateRows, 1);
  assert.deepEqual(Array.from(r.covariance!), new Array(16).fill(0));
});

test('row norms do not overflow or underflow', () => {
  const r = run(Float64Array.of(3e200, 4e200, 3e-200, 4e-200), 2, 2);
  assertAllClose(r.rowNorms, [5e200, 5e-200], 1e-14, 'rowNorms');
});

test('argument checks', () => {
  assert.throws(() => new StreamingStatistics(0), RangeError);
  const st = new StreamingStatistics(3);
  assert.throws(() => st.add(new Float64Array(5), 2), RangeError);
  st.finish();
  assert.throws(() => st.add(new Float64Array(3), 1));
});
