import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EigenWorkspace, symmetricEigenvalues, type SymmetricEigenvaluesOptions } from '../../src/core/linalg/symmetricEigenvalues';
import { tridiagonalEigenvalues } from '../../src/core/linalg/tridiagonalEigenvalues';
import { topEigenvectors } from '../../src/core/linalg/symmetricEigenvectors';
import { symmetricEigen } from '../../src/core/regime/symmetricEigen';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { FIXTURES, assertAllClose, assertClose } from './support';

/**
 * Symmetric matrices on which a QL iteration with only a relative deflation test gives up
 * (problem 5 of the bug reports: "no convergence for eigenvalue 0"), against numpy's eigvalsh
 * (test/fixtures/eigen/make_eigen_fixtures.py). Tolerance as LAPACK's: |λ − λ_ref| ≤ c·n·ε·‖A‖.
 */
const DIR = path.join(FIXTURES, 'eigen');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const EPS = 2 ** -52;
const C = 2;

function readNpyFloat64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  const headerLength = b.readUInt16LE(8);
  assert.match(b.toString('latin1', 10, 10 + headerLength), /'descr': '<f8'/);
  const body = b.subarray(10 + headerLength);
  return new Float64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
}

interface Constructed { recipe: string; n: number; m?: number; blocks?: number; glue?: number; k?: number; eigenvalues: number[] }

/** The matrices make_eigen_fixtures.py describes by recipe, built here the same way. */
function build(c: Constructed): Float64Array {
  const n = c.n;
  const a = new Float64Array(n * n);
  if (c.recipe === 'glued-wilkinson') {
    const size = 2 * c.m! + 1;
    for (let i = 0; i < n; i++) a[i * n + i] = Math.abs(c.m! - (i % size));
    for (let i = 0; i + 1 < n; i++) a[i * n + i + 1] = a[(i + 1) * n + i] = (i + 1) % size === 0 ? c.glue! : 1;
  } else if (c.recipe === 'bug-report' || c.recipe === 'bug-report-covariance') {
    // S[0,0] = 1; S[i,i] = 1e-20, S[i,i+k] = S[i+k,i] = 1e-10, S[i+k,i+k] = 1 (i = 1..k)
    const k = c.k!;
    const entries: [number, number, number][] = [[0, 0, 1]];
    for (let i = 1; i <= k; i++) entries.push([i, i, 1e-20], [i, i + k, 1e-10], [i + k, i, 1e-10], [i + k, i + k, 1]);
    if (c.recipe === 'bug-report') {
      for (const [i, j, v] of entries) a[i * n + j] = v;
    } else {
      // np.cov(S, rowvar=False) = (SᵀS − n·μμᵀ)/(n − 1); S has at most two entries per row.
      const rows: [number, number][][] = Array.from({ length: n }, () => []);
      for (const [i, j, v] of entries) rows[i].push([j, v]);
      const mu = new Float64Array(n);
      for (const row of rows) for (const [j, v] of row) mu[j] += v / n;
      for (const row of rows) for (const [i, u] of row) for (const [j, v] of row) a[i * n + j] += u * v;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (a[i * n + j] - n * mu[i] * mu[j]) / (n - 1);
    }
  } else if (c.recipe !== 'zero') {
    throw new Error(`unknown recipe ${c.recipe}`);
  }
  return a;
}

const cases: { name: string; n: number; matrix: Float64Array; eigenvalues: number[] }[] = [
  ...expected.matrices.map((m: { file: string; n: number; eigenvalues: number[] }) =>
    ({ name: m.file, n: m.n, matrix: readNpyFloat64(path.join(DIR, m.file)), eigenvalues: m.eigenvalues })),
  ...expected.constructed.map((c: Constructed) =>
    ({ name: `${c.recipe} ${JSON.stringify({ m: c.m, blocks: c.blocks, glue: c.glue, k: c.k })} n = ${c.n}`, n: c.n, matrix: build(c), eigenvalues: c.eigenvalues })),
];

/** `ref` holds some or all eigenvalues of an `order` × `order` matrix, the largest first. */
function assertLapackClose(got: ArrayLike<number>, ref: number[], what: string, order = ref.length): void {
  assert.equal(got.length, ref.length, `${what}: count`);
  let norm = 0;
  for (const x of ref) norm = Math.max(norm, Math.abs(x));
  const tol = C * order * EPS * norm;
  for (let i = 0; i < ref.length; i++) {
    assert.ok(Math.abs(got[i] - ref[i]) <= tol, `${what}: λ[${i}] = ${got[i]}, numpy ${ref[i]} (|diff| ${Math.abs(got[i] - ref[i])} > ${tol})`);
    if (i > 0) assert.ok(got[i] <= got[i - 1], `${what}: not descending at ${i}`);
  }
}

const PATHS: [string, SymmetricEigenvaluesOptions][] = [
  ['JS', { forceJs: true }], ['WebAssembly fused', { reduction: 'fused' }], ['WebAssembly blocked', { reduction: 'blocked' }], ['default', {}],
  ['WebAssembly two-stage', { reduction: 'two-stage' }], ['WebAssembly two-stage, band width 8', { reduction: 'two-stage', bandwidth: 8 }],
];

test('the fixtures include the bug report\'s construction and a matrix at the blocked reduction\'s size', () => {
  assert.ok(cases.some(c => c.name.startsWith('bug-report-covariance') && c.n === 411));
  assert.ok(cases.some(c => c.n >= 1536));
});

for (const c of cases) {
  test(`symmetricEigenvalues matches numpy within ${C}·n·ε·‖A‖ on every path: ${c.name}`, () => {
    for (const [label, options] of PATHS) {
      if (label === 'JS' && c.n > 600) continue; // the JS reduction of 1,537: seconds, same QL as the others
      assertLapackClose(symmetricEigenvalues(c.matrix, c.n, options), c.eigenvalues, `${c.name}, ${label}`);
    }
    if (c.n >= 3) {
      const ws = EigenWorkspace.create(c.n);
      assert.ok(ws, 'WebAssembly SIMD is available in the test runtime');
      ws.matrix.set(c.matrix);
      assertLapackClose(ws.eigenvalues(), c.eigenvalues, `${c.name}, EigenWorkspace`);
    }
  });
}

/** The tridiagonal (diagonal, off-diagonal) of a tridiagonal matrix given dense. */
function tridiagonalOf(a: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  for (let i = 0; i + 1 < n; i++) e[i] = a[(i + 1) * n + i];
  return { d, e };
}

test('tridiagonalEigenvalues: QL, bisection only (sweep budget 0) and a budget that runs out midway agree with numpy', () => {
  for (const c of cases.filter(x => x.name.startsWith('glued-wilkinson'))) {
    for (const sweepBudget of [undefined, 0, 7]) {
      const { d, e } = tridiagonalOf(c.matrix, c.n);
      tridiagonalEigenvalues(d, e, { sweepBudget });
      assertLapackClose(d.sort().reverse(), c.eigenvalues, `${c.name}, budget ${sweepBudget ?? 'default'}`);
    }
  }
});

test('tridiagonalEigenvalues: tiny, huge and zero entries, 1×1 and 2×2', () => {
  const one = Float64Array.of(-3);
  tridiagonalEigenvalues(one, new Float64Array(0));
  assert.deepEqual(Array.from(one), [-3]);
  // [[1e-300, 1e-300], [1e-300, 0]] and the same × 1e600: eigenvalues (1 ± √5)/2 · scale
  for (const scale of [1e-300, 1e300]) {
    for (const sweepBudget of [undefined, 0]) {
      const d = Float64Array.of(scale, 0);
      tridiagonalEigenvalues(d, Float64Array.of(scale), { sweepBudget });
      d.sort();
      assertClose(d[1], scale * (1 + Math.sqrt(5)) / 2, 1e-14);
      assertClose(d[0], scale * (1 - Math.sqrt(5)) / 2, 1e-14);
    }
  }
  const zeros = new Float64Array(5);
  tridiagonalEigenvalues(zeros, new Float64Array(4));
  assert.deepEqual(Array.from(zeros), [0, 0, 0, 0, 0]);
});

test('regime symmetricEigen (eigenvectors): numpy\'s eigenvalues and orthonormal eigenvectors on the hard matrices', () => {
  for (const c of cases.filter(x => x.n <= 421)) {
    const { values, vectors } = symmetricEigen(c.matrix, c.n);
    assertLapackClose(values, c.eigenvalues, `${c.name}, symmetricEigen`);
    const n = c.n;
    let norm = 0;
    for (const x of c.eigenvalues) norm = Math.max(norm, Math.abs(x));
    // ‖A·v − λ·v‖ ≤ c·n·ε·‖A‖ and vᵀv = 1 for a few eigenpairs spread over the spectrum
    for (const k of [0, Math.floor(n / 3), Math.floor(n / 2), n - 1]) {
      const v = vectors.subarray(k * n, (k + 1) * n);
      let residual = 0, length = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += c.matrix[i * n + j] * v[j];
        residual = Math.max(residual, Math.abs(s - values[k] * v[i]));
        length += v[i] * v[i];
      }
      assert.ok(residual <= 10 * n * EPS * Math.max(norm, Number.MIN_VALUE), `${c.name}: residual ${residual} of pair ${k}`);
      assertClose(length, 1, 1e-10, 1e-12, `${c.name}: |v${k}|²`);
    }
  }
});

test('regime symmetricEigen: its Jacobi fallback (no QR sweeps allowed) gives numpy\'s eigenvalues and eigenpairs', () => {
  for (const c of cases.filter(x => x.n <= 60)) {
    const { values, vectors } = symmetricEigen(c.matrix, c.n, { sweepBudget: 0 });
    assertLapackClose(values, c.eigenvalues, `${c.name}, Jacobi fallback`);
    const n = c.n;
    let norm = 0;
    for (const x of c.eigenvalues) norm = Math.max(norm, Math.abs(x));
    for (let k = 0; k < n; k++) {
      const v = vectors.subarray(k * n, (k + 1) * n);
      let residual = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += c.matrix[i * n + j] * v[j];
        residual = Math.max(residual, Math.abs(s - values[k] * v[i]));
      }
      assert.ok(residual <= 10 * n * EPS * Math.max(norm, Number.MIN_VALUE), `${c.name}: residual ${residual} of pair ${k}`);
    }
  }
});

test('topEigenvectors (Sturm bisection): numpy\'s leading eigenvalues on the hard matrices', () => {
  for (const c of cases.filter(x => x.n > 64 && x.n <= 421)) {
    const top = topEigenvectors(c.matrix, c.n, 5);
    // its own Householder reduction; ‖A‖ is the largest |λ|, which is among the leading ones here
    assertLapackClose(top.values, c.eigenvalues.slice(0, 5), `${c.name}, topEigenvectors`, c.n);
  }
});

test('end to end: a numpy-written npz shaped like SciPy\'s carex_20 Q gives numpy\'s spectrum and metrics', async () => {
  const e = expected.carexLike;
  const r = await analyzeFile(path.join(DIR, e.file), { maxRows: 100_000, seed: 0, arrayName: e.array });
  assert.equal(r.rowsUsed, e.rows);
  assert.equal(r.dim, e.dim);
  assertAllClose(r.mean, e.mean, 1e-9, 'mean');
  assertLapackClose(r.eigenvalues, e.eigenvalues, 'carex-like covariance');
  const m = r.metrics!;
  for (const key of ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'conditionNumber', 'totalVariance'] as const) {
    assertClose(m[key] as number, e.metrics[key], 1e-6, 1e-12, key);
  }
  assertAllClose(m.explainedVariance.map(x => x.fraction), e.metrics.explainedVariance.map((x: { fraction: number }) => x.fraction), 1e-6, 'explained variance');
  // …with each engine of the statistics
  for (const kernels of ['js', 'float64'] as const) {
    const k = await analyzeFile(path.join(DIR, e.file), { maxRows: 100_000, seed: 0, arrayName: e.array, kernels, workers: 0 });
    assertLapackClose(k.eigenvalues, e.eigenvalues, `carex-like covariance, kernels ${kernels}`);
  }
});

test('a finite covariance whose largest eigenvalue overflows float64: the numeric-overflow finding, no spectrum, no internal error', async () => {
  const e = expected.eigenvalueOverflow;
  assert.ok(e.covarianceFinite && e.numpyLargestIsInfinite, 'numpy: finite covariance, infinite eigenvalue');
  const r = await analyzeFile(path.join(DIR, e.file), { maxRows: 100_000, seed: 0 });
  assert.deepEqual(r.eigenvalues, []);
  assert.equal(r.metrics, null);
  assert.ok(r.findings.some(f => f.code === 'numeric-overflow' && f.severity === 'error'), JSON.stringify(r.findings));
});
