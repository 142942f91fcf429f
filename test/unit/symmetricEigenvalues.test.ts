import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { BLOCKED_REDUCTION_MIN, symmetricEigenvalues, TWO_STAGE_REDUCTION_MIN } from '../../src/core/linalg/symmetricEigenvalues';
import { assertAllClose, assertClose, FIXTURES } from './support';

const STATS_DIR = path.join(FIXTURES, 'stats');
const readJson = (name: string) => JSON.parse(fs.readFileSync(path.join(STATS_DIR, name), 'utf8'));

interface Reference { name: string; n: number; matrix: Float64Array; eigenvalues: number[] }

/** Full symmetric matrix from the base64 little-endian float64 packed upper triangle. */
function unpackUpper(b64: string, n: number): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(bytes.byteLength, 8 * (n * (n + 1)) / 2);
  const m = new Float64Array(n * n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++, k++) {
      const v = view.getFloat64(8 * k, true);
      m[i * n + j] = v;
      m[j * n + i] = v;
    }
  }
  return m;
}

function loadPacked(file: string): Reference {
  const j = readJson(file);
  return { name: j.name, n: j.n, matrix: unpackUpper(j.packedUpperF64LE, j.n), eigenvalues: j.eigenvalues };
}

const small: Reference[] = readJson('eigen_small.json').matrices.map((m: { name: string; n: number; matrix: number[]; eigenvalues: number[] }) =>
  ({ ...m, matrix: Float64Array.from(m.matrix) }));

function mlMatrixEigenvalues(a: Float64Array, n: number): number[] {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  return new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true }).realEigenvalues.sort((x, y) => y - x);
}

function assertTrace(eig: ArrayLike<number>, a: Float64Array, n: number): void {
  let trace = 0;
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    trace += a[i * n + i];
    sum += eig[i];
    scale += Math.abs(eig[i]);
  }
  assert.ok(Math.abs(sum - trace) <= 1e-11 * Math.max(scale, Number.MIN_VALUE), `Σλ = ${sum}, trace = ${trace}`);
}

function assertDescending(eig: ArrayLike<number>): void {
  for (let i = 1; i < eig.length; i++) assert.ok(eig[i] <= eig[i - 1], `not descending at ${i}`);
}

for (const ref of small) {
  test(`eigenvalues match numpy: ${ref.name} (n = ${ref.n})`, () => {
    const eig = symmetricEigenvalues(ref.matrix, ref.n);
    assert.equal(eig.length, ref.n);
    assertDescending(eig);
    assertAllClose(eig, ref.eigenvalues, 1e-6, ref.name);
    assertTrace(eig, ref.matrix, ref.n);
    if (ref.name.startsWith('random_')) assertAllClose(eig, mlMatrixEigenvalues(ref.matrix, ref.n), 1e-6, `${ref.name} vs ml-matrix`);
  });
}

test('random 300×300: numpy, ml-matrix and trace', () => {
  const ref = loadPacked('eigen_random_300.json');
  const eig = symmetricEigenvalues(ref.matrix, ref.n);
  assertDescending(eig);
  assertAllClose(eig, ref.eigenvalues, 1e-6, 'vs numpy');
  assertAllClose(eig, mlMatrixEigenvalues(ref.matrix, ref.n), 1e-6, 'vs ml-matrix');
  assertTrace(eig, ref.matrix, ref.n);
});

test('Wishart 500×500: scipy.linalg.eigvalsh', () => {
  const ref = loadPacked('eigen_wishart_500.json');
  const eig = symmetricEigenvalues(ref.matrix, ref.n);
  assertAllClose(eig, ref.eigenvalues, 1e-6, 'vs scipy');
  assertTrace(eig, ref.matrix, ref.n);
  assert.ok(eig[ref.n - 1] > 0, 'a Wishart matrix with N > d is positive definite');
});

test('random matrices from our own generator agree with ml-matrix', () => {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (const n of [2, 6, 17, 50, 97]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = next();
    const eig = symmetricEigenvalues(a, n);
    assertAllClose(eig, mlMatrixEigenvalues(a, n), 1e-6, `n = ${n}`);
    assertTrace(eig, a, n);
  }
});

test('edge cases: n = 0, n = 1, zero and diagonal matrices', () => {
  assert.equal(symmetricEigenvalues(new Float64Array(0), 0).length, 0);
  assert.deepEqual(Array.from(symmetricEigenvalues(Float64Array.of(-2.5), 1)), [-2.5]);
  assert.deepEqual(Array.from(symmetricEigenvalues(new Float64Array(16), 4)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(symmetricEigenvalues(Float64Array.of(1, 0, 0, 0, 3, 0, 0, 0, 2), 3)), [3, 2, 1]);
  const rank1 = Float64Array.of(1, 2, 3, 2, 4, 6, 3, 6, 9); // v vᵀ, v = (1, 2, 3)
  const eig = symmetricEigenvalues(rank1, 3);
  assertClose(eig[0], 14, 1e-12);
  assert.ok(Math.abs(eig[1]) < 1e-13 && Math.abs(eig[2]) < 1e-13);
});

test('reads only the lower triangle and leaves the input untouched', () => {
  const ref = small.find(m => m.name === 'random_13')!;
  const before = Float64Array.from(ref.matrix);
  const eig = symmetricEigenvalues(ref.matrix, ref.n);
  assert.deepEqual(ref.matrix, before);
  const garbled = Float64Array.from(ref.matrix);
  for (let i = 0; i < ref.n; i++) for (let j = i + 1; j < ref.n; j++) garbled[i * ref.n + j] = 1e9;
  assert.deepEqual(symmetricEigenvalues(garbled, ref.n), eig);
});

test('scale invariance near the ends of the float64 range', () => {
  const ref = small.find(m => m.name === 'random_21')!;
  const eig = symmetricEigenvalues(ref.matrix, ref.n);
  for (const factor of [2 ** 1000, 2 ** -1000]) {
    const scaled = symmetricEigenvalues(ref.matrix.map(v => v * factor), ref.n);
    assertAllClose(scaled, eig.map(v => v * factor), 1e-12, `× ${factor}`);
  }
});

test('argument checks', () => {
  assert.throws(() => symmetricEigenvalues(new Float64Array(3), 2), RangeError);
  assert.throws(() => symmetricEigenvalues(Float64Array.of(1, 0, NaN, 1), 2), RangeError);
  assert.throws(() => symmetricEigenvalues(new Float64Array(4), 1.5), RangeError);
});

test('blocked WebAssembly reduction: numpy, scipy and ml-matrix references, sizes across block and tile edges', () => {
  for (const file of ['eigen_random_300.json', 'eigen_wishart_500.json']) {
    const ref = loadPacked(file);
    const eig = symmetricEigenvalues(ref.matrix, ref.n, { reduction: 'blocked' });
    assertAllClose(eig, ref.eigenvalues, 1e-6, `${ref.name}, blocked`);
    assertTrace(eig, ref.matrix, ref.n);
  }
  for (const ref of small) {
    if (ref.n >= 3) assertAllClose(symmetricEigenvalues(ref.matrix, ref.n, { reduction: 'blocked' }), ref.eigenvalues, 1e-6, `${ref.name}, blocked`);
  }
  let s = 777;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  // 3..7: fewer rows than a tile; 33, 65, 66, 67: one block plus a remainder; 130: several blocks
  for (const n of [3, 4, 5, 7, 33, 65, 66, 67, 130]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = next();
    const eig = symmetricEigenvalues(a, n, { reduction: 'blocked' });
    assertDescending(eig);
    assertAllClose(eig, mlMatrixEigenvalues(a, n), 1e-6, `n = ${n}, blocked`);
    assertTrace(eig, a, n);
  }
});

test('blocked and two-stage reductions above their size thresholds: a matrix with a known spectrum (Q·diag(λ)·Qᵀ, Q a product of Householder reflections)', () => {
  const n = 1540; // ≥ BLOCKED_REDUCTION_MIN and TWO_STAGE_REDUCTION_MIN: the default path is the two-stage one
  assert.ok(n >= BLOCKED_REDUCTION_MIN && n >= TWO_STAGE_REDUCTION_MIN);
  const lambda = Array.from({ length: n }, (_, k) => 1 / (k + 1) + (k % 3 === 0 ? 0.25 : 0)); // distinct, positive
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = lambda[i];
  // A ← H A H with H = I − 2vvᵀ/vᵀv, three times: orthogonal similarity, so the spectrum is λ exactly.
  let s = 99;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  const av = new Float64Array(n);
  for (let rep = 0; rep < 3; rep++) {
    const v = Float64Array.from({ length: n }, next);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    // A·v, then A ← A − 2(A v)vᵀ/vv − 2v(vᵀA)/vv + 4 v (vᵀAv) vᵀ/vv²
    let vav = 0;
    for (let i = 0; i < n; i++) { let t = 0; for (let j = 0; j < n; j++) t += a[i * n + j] * v[j]; av[i] = t; vav += v[i] * t; }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      a[i * n + j] += (-2 * av[i] * v[j] - 2 * v[i] * av[j]) / vv + (4 * vav * v[i] * v[j]) / (vv * vv);
    }
  }
  const expected = lambda.slice().sort((x, y) => y - x);
  assertAllClose(symmetricEigenvalues(a, n), expected, 1e-9, 'two-stage (default above the threshold)');
  assertAllClose(symmetricEigenvalues(a, n, { reduction: 'blocked' }), expected, 1e-9, 'blocked');
  assertAllClose(symmetricEigenvalues(a, n, { reduction: 'fused' }), expected, 1e-9, 'fused');
});
