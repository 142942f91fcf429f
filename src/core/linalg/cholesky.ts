/**
 * Cholesky factorisation of a symmetric positive-definite matrix and the triangular solves
 * built on it. Matrices are row-major Float64Arrays; only the lower triangle of the input
 * is read.
 */

/**
 * Lower-triangular L with A = L·Lᵀ (row-major n×n, upper triangle zero), or null when A is
 * not numerically positive definite (a pivot ≤ 0 or non-finite). No pivoting, no jitter:
 * a null result is the caller's signal to fall back to an eigenvalue-based rank check.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  if (a.length < n * n) throw new RangeError(`cholesky: need an n×n matrix (n = ${n}, length ${a.length})`);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let diag = a[rj + j];
    for (let k = 0; k < j; k++) diag -= l[rj + k] * l[rj + k];
    if (!(diag > 0) || !Number.isFinite(diag)) return null;
    const ljj = Math.sqrt(diag);
    l[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / ljj;
    }
  }
  return l;
}

/** ln det A = 2 Σ ln Lᵢᵢ from a Cholesky factor. */
export function choleskyLogDet(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/** ln det A of a symmetric positive-definite A (natural log), or NaN when A is not positive definite. */
export function logDetSpd(a: Float64Array, n: number): number {
  if (n === 0) return 0;
  const l = cholesky(a, n);
  return l ? choleskyLogDet(l, n) : NaN;
}

/**
 * Solves L·X = B in place (B is n×m row-major, overwritten by X) for lower-triangular L.
 */
export function solveLowerInPlace(l: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const bi = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[ri + k];
      if (lik === 0) continue;
      const bk = k * m;
      for (let c = 0; c < m; c++) b[bi + c] -= lik * b[bk + c];
    }
    const inv = 1 / l[ri + i];
    for (let c = 0; c < m; c++) b[bi + c] *= inv;
  }
}

/**
 * L⁻¹·A·L⁻ᵀ for symmetric A (n×n) and lower-triangular L: the symmetric matrix whose eigenvalues
 * are the generalized eigenvalues of A·v = λ·(L·Lᵀ)·v. The result is symmetrised.
 */
export function congruenceByInverseFactor(l: Float64Array, a: Float64Array, n: number): Float64Array {
  const w = Float64Array.from(a.subarray(0, n * n));
  solveLowerInPlace(l, n, w, n); // W = L⁻¹A
  const wt = transpose(w, n, n); // Wᵀ = A L⁻ᵀ
  solveLowerInPlace(l, n, wt, n); // L⁻¹ A L⁻ᵀ
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (wt[i * n + j] + wt[j * n + i]);
      wt[i * n + j] = s;
      wt[j * n + i] = s;
    }
  }
  return wt;
}

/** Transpose of an r×c row-major matrix (c×r). */
export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = a[i * c + j];
  return t;
}

/** Product of an r×k and a k×c row-major matrix. */
export function matMul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const oi = i * c;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const bp = p * c;
      for (let j = 0; j < c; j++) out[oi + j] += aip * b[bp + j];
    }
  }
  return out;
}
