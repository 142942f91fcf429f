import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { analyzeDataset } from '../../src/core/dataset/analyzeDataset';
import { projectionSample } from '../../src/core/analysis/projection';
import { lanczosEigenvectors } from '../../src/core/linalg/lanczosEigenvectors';
import { PROJECTION_FLAG, type Projection } from '../../src/core/report/projection';
import { FIXTURES, assertAllClose, assertClose } from './support';

/**
 * The report's projection (issue #15) against numpy: coordinates (row − mean)·v_k with v_k from
 * numpy.linalg.eigh(np.cov(X_finite, rowvar=False)), signed by the largest-magnitude entry
 * (test/fixtures/projection/make_projection_fixtures.py), for the rows the report samples.
 */
const DIR = path.join(FIXTURES, 'projection');
interface Expected {
  rowsTotal: number; dim: number; finiteRows: number[]; explained: number[]; eigenvalues: number[];
  coordinates?: number[][]; norms?: number[]; flags?: number[]; leftOut: { nan: number; inf: number; null: number };
}
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')).files as Record<string, Expected>;
const options = { maxRows: 100_000, seed: 0 };

/** Expected values of a per-finite-row list at the report's sampled rows. */
function at<T>(e: Expected, values: readonly T[], rows: readonly number[]): T[] {
  const position = new Map(e.finiteRows.map((r, i) => [r, i]));
  return rows.map(r => {
    const i = position.get(r);
    assert.ok(i !== undefined, `row ${r} is not a finite row`);
    return values[i];
  });
}

function assertMatchesNumpy(p: Projection, e: Expected, what: string): void {
  const m = Math.min(8, e.dim);
  assert.deepEqual(p.components, [1, 2]);
  assert.deepEqual(p.available?.components, Array.from({ length: m }, (_, i) => i + 1));
  assertAllClose(p.available!.explained, e.explained, 1e-6, `${what} explained`);
  assertAllClose(p.explained, e.explained.slice(0, 2), 1e-6, `${what} explained x/y`);
  for (let c = 0; c < m; c++) assertAllClose(p.available!.coordinates[c], at(e, e.coordinates![c], p.rows), 1e-6, `${what} component ${c + 1}`);
  assertAllClose(p.x, at(e, e.coordinates![0], p.rows), 1e-6, `${what} x`);
  assertAllClose(p.y, at(e, e.coordinates![1], p.rows), 1e-6, `${what} y`);
  assertAllClose(p.norms, at(e, e.norms!, p.rows), 1e-6, `${what} norms`);
  assert.deepEqual(p.flags, at(e, e.flags!, p.rows), `${what} flags`);
  assert.deepEqual(p.leftOut, e.leftOut);
  assert.equal(p.rowsEligible, e.finiteRows.length);
}

test('every finite row on the leading eigenvectors, as numpy: dense solver (d 6), Lanczos (d 80), Gram route (12 × 40)', async () => {
  for (const file of ['small.npy', 'medium.npy', 'gram.npy']) {
    const r = await analyzeFile(path.join(DIR, file), options);
    const e = expected[file];
    assert.ok(r.projection, `${file}: no projection`);
    assert.deepEqual(r.projection.rows, e.finiteRows, `${file}: fewer finite rows than the default sample: all of them`);
    assert.equal(r.projection.sampleMethod, `all ${e.finiteRows.length} finite rows`);
    assertMatchesNumpy(r.projection, e, file);
    assert.ok((r.timings.projectionMs ?? -1) >= 0);
  }
});

test('the WebAssembly statistics (covariance built in the eigenvalue solver\'s memory, which the solver overwrites): the same projection', async () => {
  const e = expected['medium.npy'];
  // float64 kernels: the covariance to rounding, numpy's coordinates to 1e-6
  const r64 = await analyzeFile(path.join(DIR, 'medium.npy'), { ...options, kernels: 'float64', workers: 0 });
  assertMatchesNumpy(r64.projection!, e, 'float64 kernels');
  // float32 kernels: products summed in float32, so the axes move by about float32 rounding over the eigenvalue gaps
  const r32 = await analyzeFile(path.join(DIR, 'medium.npy'), { ...options, kernels: 'float32', workers: 0 });
  const p = r32.projection!;
  const scale = Math.max(...e.coordinates![0].map(Math.abs));
  for (let c = 0; c < 8; c++) {
    const want = at(e, e.coordinates![c], p.rows);
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(p.available!.coordinates[c][i] - want[i]) <= 1e-3 * scale, `float32 kernels, component ${c + 1}, row ${p.rows[i]}`);
  }
});

test('NaN and ±Inf rows are left out of the sample and counted; the flags of known zero, duplicate and outlier rows', async () => {
  const r = await analyzeFile(path.join(DIR, 'small.npy'), options);
  const p = r.projection!;
  // the generator: row 7 NaN, row 11 has +Inf, row 19 all zeros, rows 33 and 71 copy row 4, row 90 = 40 × row 1
  assert.ok(!p.rows.includes(7) && !p.rows.includes(11));
  assert.deepEqual(p.leftOut, { nan: 1, inf: 1, null: 0 });
  const flag = (row: number) => p.flags[p.rows.indexOf(row)];
  assert.equal(flag(19), PROJECTION_FLAG.zero);
  assert.equal(flag(33), PROJECTION_FLAG.duplicate);
  assert.equal(flag(71), PROJECTION_FLAG.duplicate);
  assert.equal(flag(4), 0, 'the first of the copies is not a duplicate');
  assert.equal(flag(90), PROJECTION_FLAG.outlier);
  assert.equal(p.flags.filter(f => f !== 0).length, 4);
});

test('a projection of N rows is a uniform seeded sample of the finite rows, reproducible, on numpy\'s coordinates', async () => {
  const e = expected['large.npy'];
  const buf = fs.readFileSync(path.join(DIR, 'large_coordinates.npy'));
  const headerLength = buf.readUInt16LE(8);
  const coords = new Float64Array(buf.buffer.slice(buf.byteOffset + 10 + headerLength, buf.byteOffset + buf.length));
  const a = await analyzeFile(path.join(DIR, 'large.npy'), { ...options, projectionRows: 200 });
  const b = await analyzeFile(path.join(DIR, 'large.npy'), { ...options, projectionRows: 200 });
  const c = await analyzeFile(path.join(DIR, 'large.npy'), { ...options, projectionRows: 200, seed: 1 });
  const p = a.projection!;
  assert.equal(p.rows.length, 200);
  assert.deepEqual(p.rows, [...new Set(p.rows)].sort((x, y) => x - y), 'distinct, ascending');
  assert.deepEqual(p.rows, b.projection!.rows, 'the same seed draws the same rows');
  assert.notDeepEqual(p.rows, c.projection!.rows, 'another seed draws other rows');
  assert.equal(p.sampleMethod, `uniform random sample of 200 of the ${e.finiteRows.length} finite rows (seed 0)`);
  assert.deepEqual(p.leftOut, e.leftOut);
  const position = new Map(e.finiteRows.map((r, i) => [r, i]));
  for (let k = 0; k < 3; k++) {
    const want = p.rows.map(r => coords[position.get(r)! * 3 + k]);
    assertAllClose(p.available!.coordinates[k], want, 1e-6, `component ${k + 1}`);
  }
  assertAllClose(p.available!.explained, e.explained, 1e-6, 'explained');
});

test('the sample is uniform over the finite rows: 40 seeds × 100 of 1,960 rows fall evenly in the quarters', () => {
  const finite = expected['large.npy'].finiteRows;
  // finiteRuns: ascending runs of consecutive finite rows, flat (start, count)
  const runs: number[] = [];
  for (const r of finite) {
    const n = runs.length;
    if (n && runs[n - 2] + runs[n - 1] === r) runs[n - 1]++;
    else runs.push(r, 1);
  }
  const quarters = [0, 0, 0, 0];
  for (let seed = 0; seed < 40; seed++) {
    const { positions, rows } = projectionSample(runs, finite.length, 100, seed);
    assert.equal(rows.length, 100);
    for (let i = 0; i < rows.length; i++) {
      assert.equal(rows[i], finite[positions[i]], 'position i of the finite rows is finite row i');
      quarters[Math.floor((4 * positions[i]) / finite.length)]++;
    }
  }
  // 1,000 expected per quarter, standard deviation ≈ 27: a generous band
  for (const q of quarters) assert.ok(q > 850 && q < 1150, `quarters ${quarters.join(', ')}`);
});

test('no projection: fewer than 2 finite rows, dim 1, or projectionRows 0', async () => {
  assert.equal((await analyzeFile(path.join(DIR, 'one_finite_row.npy'), options)).projection, undefined);
  assert.equal((await analyzeFile(path.join(DIR, 'dim1.npy'), options)).projection, undefined);
  assert.equal((await analyzeFile(path.join(DIR, 'small.npy'), { ...options, projectionRows: 0 })).projection, undefined);
  await assert.rejects(analyzeFile(path.join(DIR, 'small.npy'), { ...options, projectionRows: -1 }), { code: 'bad-argument' });
});

test('a dataset of shards: the coordinates of the concatenated rows, from the shared row sample', async () => {
  const r = await analyzeDataset([path.join(DIR, 'shards')], { seed: 0 });
  const e = expected['small.npy'];
  assert.ok(r.projection);
  assert.deepEqual(r.projection.rows, e.finiteRows, 'the 148 finite rows fit in the shared sample of 1,024');
  assertMatchesNumpy(r.projection, e, 'shards');
  assert.match(r.projection.sampleMethod, /shared row sample of 148 rows, seed 0/);
  const fewer = await analyzeDataset([path.join(DIR, 'shards')], { seed: 0, projectionRows: 50 });
  assert.equal(fewer.projection!.rows.length, 50);
  assert.ok(fewer.projection!.rows.every(row => e.finiteRows.includes(row)));
});

test('Lanczos: the leading eigenpairs of Q·diag(λ)·Qᵀ (Q a Householder reflector), rank-deficient', () => {
  const n = 150;
  const lambda = Array.from({ length: n }, (_, i) => (i < 12 ? 20 - 1.5 * i : 0));
  const u = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const un = Math.hypot(...u);
  for (let i = 0; i < n; i++) u[i] /= un;
  // Q = I − 2uuᵀ: column k is e_k − 2u·u_k, the eigenvector of λ_k
  const column = (k: number) => Float64Array.from({ length: n }, (_, i) => (i === k ? 1 : 0) - 2 * u[i] * u[k]);
  const a = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    if (lambda[k] === 0) continue;
    const q = column(k);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += lambda[k] * q[i] * q[j];
  }
  const apply = (x: Float64Array, y: Float64Array) => {
    for (let i = 0; i < n; i++) { let s = 0; for (let j = 0; j < n; j++) s += a[i * n + j] * x[j]; y[i] = s; }
  };
  const pairs = lanczosEigenvectors(apply, n, 8);
  assert.ok(pairs.converged);
  for (let k = 0; k < 8; k++) {
    assertClose(pairs.values[k], lambda[k], 1e-10, 1e-12, `λ${k + 1}`);
    const q = column(k);
    let d = 0;
    for (let i = 0; i < n; i++) d += pairs.vectors[i * 8 + k] * q[i];
    assertClose(Math.abs(d), 1, 1e-10, 1, `|v${k + 1}·q${k + 1}|`);
  }
  // more pairs than nonzero eigenvalues: the zero ones come from restarts in the null space
  const all = lanczosEigenvectors(apply, n, 14);
  assert.ok(all.converged);
  assertClose(all.values[12], 0, 1e-10, 20, 'λ13');
});
