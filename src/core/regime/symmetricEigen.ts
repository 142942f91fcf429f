/**
 * Eigenvalues AND eigenvectors of a real symmetric matrix, for the regime analysis (the
 * mean-field and narrow-latent faces need the eigenbasis of the train covariance, the
 * long-time limits need the projector onto its top-H eigenvectors).
 *
 * Method: Householder reduction to tridiagonal form T = QᵀAQ with Q accumulated explicitly,
 * then implicit symmetric QR sweeps with the Wilkinson shift on T (Golub & Van Loan,
 * Matrix Computations, §8.3), every Givens rotation also applied to the accumulated basis.
 * Cost ≈ 9n³ flops; n = 768 takes a few seconds.
 * Robust as tridiagonalEigenvalues: the matrix is scaled into a safe range first, off-diagonals
 * are negligible against ε·‖T‖ as well as against their neighbours, every 10th sweep without a
 * deflation takes an exceptional shift, and should 30·n sweeps not suffice, the cyclic Jacobi
 * method (which always converges) solves the matrix instead of an error.
 */
import { negligible } from '../linalg/tridiagonalEigenvalues';
import { safeRangeScale } from '../linalg/symmetricEigenvalues';
import { jacobiEigen } from '../linalg/symmetricEigenvectors';

const EPS = 2 ** -53;
/** Total QR sweeps per matrix order before Jacobi takes over (LAPACK's MAXIT). */
const SWEEPS_PER_ORDER = 30;
/** Sweeps without a deflation after which one exceptional shift is taken. */
const EXCEPTIONAL_EVERY = 10;

export interface SymmetricEigenDecomposition {
  n: number;
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** Eigenvectors, one per row: vectors[k*n + i] is component i of the eigenvector of values[k]. */
  vectors: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric n×n matrix `a` (row-major; only the lower triangle is
 * read; `a` is not modified). Throws RangeError on a bad length or a non-finite entry.
 * `sweepBudget`: QR sweeps before the Jacobi fallback (default 30·n; 0 tests the fallback).
 */
export function symmetricEigen(a: Float64Array, n: number, options: { sweepBudget?: number } = {}): SymmetricEigenDecomposition {
  if (!(Number.isSafeInteger(n) && n >= 0) || a.length < n * n) {
    throw new RangeError(`symmetricEigen: need an n×n matrix (n = ${n}, length ${a.length})`);
  }
  // Full symmetric working copy from the lower triangle.
  const w = new Float64Array(n * n);
  let largest = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c <= r; c++) {
      const v = a[r * n + c];
      if (!Number.isFinite(v)) throw new RangeError(`symmetricEigen: entry (${r}, ${c}) is ${v}`);
      w[r * n + c] = v;
      w[c * n + r] = v;
      largest = Math.max(largest, Math.abs(v));
    }
  }
  const scale = safeRangeScale(largest);
  if (scale !== 1) for (let i = 0; i < n * n; i++) w[i] *= scale;
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(n - 1, 0));
  // qt holds Qᵀ: row k is column k of Q. Rotations of columns of Q are then row operations.
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) qt[i * n + i] = 1;
  const scaled = scale !== 1 ? w.slice() : null; // householderTridiagonal overwrites w
  householderTridiagonal(w, n, d, e, qt);
  if (!implicitQr(d, e, qt, n, options.sweepBudget ?? SWEEPS_PER_ORDER * n)) return fromJacobi(scaled ?? symmetricCopy(a, n), n, scale);

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    values[k] = d[order[k]] / scale;
    vectors.set(qt.subarray(order[k] * n, order[k] * n + n), k * n);
  }
  return { n, values, vectors };
}

function symmetricCopy(a: Float64Array, n: number): Float64Array {
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) w[r * n + c] = w[c * n + r] = a[r * n + c];
  return w;
}

/** The decomposition by the cyclic Jacobi method (the fallback), in this module's layout. */
function fromJacobi(w: Float64Array, n: number, scale: number): SymmetricEigenDecomposition {
  const j = jacobiEigen(w, n);
  const values = j.values.map(v => v / scale);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) vectors[k * n + i] = j.vectors[i * n + k];
  return { n, values, vectors };
}

/**
 * Reduces the full symmetric matrix w to tridiagonal (d, e) by Householder reflections
 * P_k = I − β v vᵀ acting on rows/columns k+1..n−1, and applies them to qt (Qᵀ ← P_k Qᵀ is
 * the same as Q ← Q P_k; P_k is symmetric).
 */
function householderTridiagonal(w: Float64Array, n: number, d: Float64Array, e: Float64Array, qt: Float64Array): void {
  const v = new Float64Array(n);
  const pv = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const s0 = k + 1; // first row of the trailing block
    let scale = 0;
    for (let i = s0; i < n; i++) scale = Math.max(scale, Math.abs(w[i * n + k]));
    if (scale === 0) continue; // column already reduced
    let norm2 = 0;
    for (let i = s0; i < n; i++) {
      v[i] = w[i * n + k] / scale;
      norm2 += v[i] * v[i];
    }
    const alpha = Math.sqrt(norm2);
    const x0 = v[s0];
    const sub = x0 >= 0 ? -alpha : alpha; // new subdiagonal (scaled); opposite sign avoids cancellation
    v[s0] = x0 - sub;
    const vtv = norm2 - x0 * x0 + v[s0] * v[s0];
    if (vtv === 0) continue;
    const beta = 2 / vtv;
    // Column k / row k become (…, scale·sub, 0, …).
    w[s0 * n + k] = scale * sub;
    w[k * n + s0] = scale * sub;
    for (let i = s0 + 1; i < n; i++) {
      w[i * n + k] = 0;
      w[k * n + i] = 0;
    }
    // Trailing block B ← P B P: p = β B v, K = β vᵀp / 2, q = p − K v, B ← B − v qᵀ − q vᵀ.
    let vp = 0;
    for (let i = s0; i < n; i++) {
      let s = 0;
      const ri = i * n;
      for (let j = s0; j < n; j++) s += w[ri + j] * v[j];
      pv[i] = beta * s;
      vp += v[i] * pv[i];
    }
    const K = (beta * vp) / 2;
    for (let i = s0; i < n; i++) pv[i] -= K * v[i];
    for (let i = s0; i < n; i++) {
      const ri = i * n;
      const vi = v[i], qi = pv[i];
      for (let j = s0; j < n; j++) w[ri + j] -= vi * pv[j] + qi * v[j];
    }
    // Qᵀ ← P Qᵀ: rows s0..n−1 of qt change: qt_rows −= β v (vᵀ qt_rows).
    for (let c = 0; c < n; c++) pv[c] = 0;
    for (let i = s0; i < n; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      const ri = i * n;
      for (let c = 0; c < n; c++) pv[c] += vi * qt[ri + c];
    }
    for (let i = s0; i < n; i++) {
      const f = beta * v[i];
      if (f === 0) continue;
      const ri = i * n;
      for (let c = 0; c < n; c++) qt[ri + c] -= f * pv[c];
    }
  }
  for (let i = 0; i < n; i++) d[i] = w[i * n + i];
  for (let i = 0; i + 1 < n; i++) e[i] = w[(i + 1) * n + i];
}

/** Rotation of rows i and i+1 of qt: (r_i, r_{i+1}) ← (c r_i − s r_{i+1}, s r_i + c r_{i+1}). */
function rotateRows(qt: Float64Array, n: number, i: number, c: number, s: number): void {
  const a = i * n, b = a + n;
  for (let j = 0; j < n; j++) {
    const x = qt[a + j], y = qt[b + j];
    qt[a + j] = c * x - s * y;
    qt[b + j] = s * x + c * y;
  }
}

/**
 * Implicit symmetric QR with the Wilkinson shift on the tridiagonal (d, e) (e[i] couples i and
 * i+1). Each sweep over an unreduced block lo..hi chases the bulge down with rotations
 * R = [[c, s], [−s, c]] in planes (k, k+1), T ← RᵀTR; the same rotations update Qᵀ.
 * False when the sweep budget ran out first.
 */
function implicitQr(d: Float64Array, e: Float64Array, qt: Float64Array, n: number, budget: number): boolean {
  let tnorm = 0;
  for (let i = 0; i < n; i++) tnorm = Math.max(tnorm, Math.abs(d[i]), i < n - 1 ? Math.abs(e[i]) : 0);
  const absTol = EPS * tnorm;
  let hi = n - 1;
  let stalled = 0;
  while (hi > 0) {
    if (negligible(e[hi - 1], d[hi - 1], d[hi], absTol)) {
      e[hi - 1] = 0;
      hi--;
      stalled = 0;
      continue;
    }
    let lo = hi - 1;
    while (lo > 0 && !negligible(e[lo - 1], d[lo - 1], d[lo], absTol)) lo--;
    if (lo > 0) e[lo - 1] = 0;
    if (--budget < 0) return false;

    // Wilkinson shift: eigenvalue of the trailing 2×2 block nearer to d[hi]; every
    // EXCEPTIONAL_EVERY-th sweep without a deflation the Rayleigh quotient d[hi] instead.
    const t = (d[hi - 1] - d[hi]) / 2;
    const eh = e[hi - 1];
    const denom = t + (t >= 0 ? 1 : -1) * Math.hypot(t, eh);
    const mu = ++stalled % EXCEPTIONAL_EVERY === 0 ? d[hi]
      : denom === 0 ? d[hi] - Math.abs(eh) : d[hi] - (eh / denom) * eh;

    let x = d[lo] - mu;
    let z = e[lo];
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r;
      const s = r === 0 ? 0 : -z / r;
      if (k > lo) e[k - 1] = r; // the bulge at (k+1, k−1) is annihilated
      const a = d[k], b = e[k], cc = d[k + 1];
      d[k] = a * c * c - 2 * b * c * s + cc * s * s;
      d[k + 1] = a * s * s + 2 * b * c * s + cc * c * c;
      e[k] = (a - cc) * c * s + b * (c * c - s * s);
      rotateRows(qt, n, k, c, s);
      if (k + 1 < hi) {
        const next = e[k + 1];
        z = -s * next; // new bulge at (k+2, k)
        e[k + 1] = c * next;
        x = e[k];
      }
    }
  }
  return true;
}
