/**
 * The regime analysis' eigen-decomposition (values and vectors) and the §6 generator.
 * Eigenpairs are checked by their defining identities (AV = VΛ, VᵀV = I) and against the
 * project's eigenvalue-only solver; mulberry32 and Box–Muller against the spec's printed values.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { symmetricEigen } from '../../src/core/regime/symmetricEigen';
import { mulberry32, mulberry32Normals } from '../../src/core/regime/mulberry32';
import { assertAllClose, assertClose } from './support';

function checkDecomposition(a: Float64Array, n: number, what: string): void {
  const { values, vectors } = symmetricEigen(a, n);
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  scale = Math.max(scale, 1e-300);
  for (let k = 0; k < n; k++) {
    if (k > 0) assert.ok(values[k] <= values[k - 1], `${what}: descending`);
    const v = vectors.subarray(k * n, k * n + n);
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * v[j];
      assert.ok(Math.abs(av - values[k] * v[i]) <= 1e-11 * scale * Math.sqrt(n), `${what}: residual of pair ${k}`);
    }
    for (let l = 0; l <= k; l++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += v[i] * vectors[l * n + i];
      assert.ok(Math.abs(dot - (l === k ? 1 : 0)) < 1e-12 * Math.max(n, 10), `${what}: orthonormality (${k}, ${l}) = ${dot}`);
    }
  }
  if (n > 0) assertAllClose(values, symmetricEigenvalues(a, n), 1e-10, `${what}: eigenvalues`);
}

function randomSymmetric(n: number, seed: number): Float64Array {
  const z = mulberry32Normals(seed, n * n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = z[i * n + j];
  return a;
}

test('eigen-decomposition: random symmetric matrices', () => {
  for (const [n, seed] of [[1, 1], [2, 2], [3, 3], [7, 4], [40, 5], [120, 6]]) checkDecomposition(randomSymmetric(n, seed), n, `random ${n}`);
});

test('eigen-decomposition: covariance of few rows (rank-deficient), repeated and zero eigenvalues', () => {
  const p = 30, m = 5;
  const x = mulberry32Normals(9, m * p);
  const s = new Float64Array(p * p);
  for (let r = 0; r < m; r++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] += (x[r * p + i] * x[r * p + j]) / m;
  checkDecomposition(s, p, 'rank 5 covariance');
  const eye = new Float64Array(16);
  for (let i = 0; i < 4; i++) eye[i * 4 + i] = 1;
  checkDecomposition(eye, 4, 'identity');
  checkDecomposition(new Float64Array(9), 3, 'zero');
  checkDecomposition(Float64Array.from([2, 0, 0, 0, 5, 0, 0, 0, 2]), 3, 'diagonal with a repeat');
  checkDecomposition(new Float64Array(0), 0, 'empty');
});

test('mulberry32(12345) and Box–Muller reproduce the spec §6 values', () => {
  const g = mulberry32(12345);
  assertAllClose([g(), g(), g()], [0.979728267761, 0.30675226450, 0.484205421526], 1e-11, 'uniforms');
  const z = mulberry32Normals(12345, 5);
  assertAllClose(z.subarray(0, 4), [-0.974732451195, 2.616668182325, 0.47638729128, -1.047448586663], 1e-11, 'normals');
  assertClose(mulberry32Normals(12345, 4)[3], z[3], 0, 0, 'prefix-stable');
});
