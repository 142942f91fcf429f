/**
 * Eigenvectors of real symmetric matrices, for the few places that need them (PCA projections
 * before k-NN estimators, pseudo-inverses of small between-class scatter matrices).
 *
 *   • jacobiEigen: all eigenpairs by the cyclic Jacobi method (Jacobi 1846; Golub & Van Loan,
 *     Matrix Computations, §8.5). Accurate to full precision; O(n³) per sweep, so meant for
 *     n up to a few hundred.
 *   • topEigenvectors: the k leading eigenpairs; Jacobi for small n, otherwise Householder
 *     reduction to tridiagonal form (Golub & Van Loan §8.3.1, ≈ n³ flops), Sturm-sequence
 *     bisection for the k largest eigenvalues of the tridiagonal matrix (§8.4.1), inverse
 *     iteration for their eigenvectors with reorthogonalisation inside clusters (§8.4.2, the
 *     scheme of LAPACK's dstebz/dstein), and back-transformation by the Householder reflectors.
 */
import { createRng } from '../stats/rowSampler';
import { bisectEigenvalue, bisectionSetup } from './tridiagonalEigenvalues';

export interface EigenPairs {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n×m row-major: column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
  /** Rows of `vectors` (the matrix order n). */
  n: number;
  /** Columns of `vectors` (number of pairs). */
  m: number;
  /** False when the iteration stopped at its sweep/step limit before meeting its tolerance. */
  converged: boolean;
}

const MAX_JACOBI_SWEEPS = 100;

/** All eigenpairs of the symmetric n×n matrix `a` (row-major, lower triangle mirrored), descending. */
export function jacobiEigen(a: Float64Array, n: number): EigenPairs {
  if (a.length < n * n) throw new RangeError(`jacobiEigen: need an n×n matrix (n = ${n}, length ${a.length})`);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = a[i * n + j];
      if (!Number.isFinite(v)) throw new RangeError(`jacobiEigen: entry (${i}, ${j}) is ${v}`);
      w[i * n + j] = v;
      w[j * n + i] = v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let frob = 0;
  for (let i = 0; i < n * n; i++) frob += w[i] * w[i];
  const tol = (Number.EPSILON * Math.sqrt(frob)) ** 2;
  let converged = n <= 1;
  for (let sweep = 0; sweep < MAX_JACOBI_SWEEPS && !converged; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * w[p * n + q] * w[p * n + q];
    if (off <= tol) {
      converged = true;
      break;
    }
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = w[p * n + q];
        if (apq === 0) continue;
        const app = w[p * n + p];
        const aqq = w[q * n + q];
        // Skip rotations that cannot change anything at working precision.
        if (Math.abs(apq) < Number.EPSILON * 1e-3 * Math.sqrt(Math.abs(app * aqq))) {
          w[p * n + q] = 0;
          w[q * n + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // W ← JᵀWJ with J the rotation in the (p, q) plane.
        for (let k = 0; k < n; k++) {
          const wkp = w[k * n + p];
          const wkq = w[k * n + q];
          w[k * n + p] = c * wkp - s * wkq;
          w[k * n + q] = s * wkp + c * wkq;
        }
        for (let k = 0; k < n; k++) {
          const wpk = w[p * n + k];
          const wqk = w[q * n + k];
          w[p * n + k] = c * wpk - s * wqk;
          w[q * n + k] = s * wpk + c * wqk;
        }
        w[p * n + q] = 0;
        w[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => w[j * n + j] - w[i * n + i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = w[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors, n, m: n, converged };
}

export interface TopEigenOptions {
  /** Use Jacobi on the whole matrix up to this order (default 64). */
  jacobiUpTo?: number;
  /** Seed of the random start vectors of inverse iteration (default 0). */
  seed?: number;
}

/**
 * The k leading eigenpairs (largest eigenvalues) of the symmetric n×n matrix `a` (row-major,
 * lower triangle read), eigenvalues descending, eigenvectors as the columns of an n×k matrix.
 */
export function topEigenvectors(a: Float64Array, n: number, k: number, options: TopEigenOptions = {}): EigenPairs {
  k = Math.max(0, Math.min(k, n));
  if (n <= (options.jacobiUpTo ?? 64)) {
    const all = jacobiEigen(a, n);
    const vectors = new Float64Array(n * k);
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) vectors[r * k + c] = all.vectors[r * n + c];
    return { values: all.values.slice(0, k), vectors, n, m: k, converged: all.converged };
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!Number.isFinite(a[i * n + j])) throw new RangeError(`topEigenvectors: entry (${i}, ${j}) is ${a[i * n + j]}`);
    }
  }
  const { diag, off, reflectors } = householderTridiagonal(a, n);
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(diag[i]) + (i > 0 ? Math.abs(off[i - 1]) : 0) + (i < n - 1 ? Math.abs(off[i]) : 0));
  const values = new Float64Array(k);
  if (!(norm > 0)) {
    // The zero matrix: every vector is an eigenvector.
    const vectors = new Float64Array(n * k);
    for (let c = 0; c < k; c++) vectors[c * k + c] = 1;
    return { values, vectors, n, m: k, converged: true };
  }
  const bisection = bisectionSetup(diag, off, 0, n - 1);
  // The (j+1)-th largest has n − 1 − j eigenvalues below it; to full relative precision (absTol 0).
  for (let j = 0; j < k; j++) values[j] = bisectEigenvalue(diag, bisection, 0, n - 1, n - 1 - j, 0);
  const rng = createRng(options.seed ?? 0);
  const tv = new Float64Array(n * k); // eigenvectors of T, column-major per pair: tv[c * n + i]
  let converged = true;
  const clusterGap = 1e-3 * Math.max(norm, Number.MIN_VALUE);
  for (let c = 0; c < k; c++) {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = rng() - 0.5;
    // Previous vectors in the same cluster: keep x orthogonal to them at every step.
    const cluster: number[] = [];
    for (let p = c - 1; p >= 0 && Math.abs(values[p] - values[c]) < clusterGap; p--) cluster.push(p);
    const lu = tridiagonalLu(diag, off, n, values[c], norm);
    let residual = Infinity;
    for (let it = 0; it < 5; it++) {
      for (const p of cluster) subtractProjection(x, tv, p, n);
      normalise(x);
      tridiagonalSolve(lu, x);
      for (const p of cluster) subtractProjection(x, tv, p, n);
      normalise(x);
      residual = tridiagonalResidual(diag, off, n, values[c], x);
      if (it >= 1 && residual <= 10 * n * Number.EPSILON * norm) break;
    }
    if (!(residual <= 1e-8 * Math.max(norm, Number.MIN_VALUE))) converged = false;
    for (let i = 0; i < n; i++) tv[c * n + i] = x[i];
  }
  // Back-transform: v = H_0 H_1 … H_{n−3} x (reflectors applied last-first).
  const vectors = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const x = tv.subarray(c * n, (c + 1) * n).slice();
    for (let r = reflectors.length - 1; r >= 0; r--) {
      const { start, v } = reflectors[r];
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i] * x[start + i];
      s *= 2;
      for (let i = 0; i < v.length; i++) x[start + i] -= s * v[i];
    }
    for (let i = 0; i < n; i++) vectors[i * k + c] = x[i];
  }
  return { values, vectors, n, m: k, converged };
}

interface Reflector {
  /** First index the unit vector v acts on (H = I − 2·v·vᵀ on indices start … n−1). */
  start: number;
  v: Float64Array;
}

/**
 * Householder reduction A = Q·T·Qᵀ with T tridiagonal (diagonal `diag`, off-diagonal `off`,
 * off[i] coupling i and i+1) and Q = H_0·H_1⋯ given by its reflectors.
 * Step j zeroes column j below the subdiagonal: the trailing block B (indices j+1 … n−1) becomes
 * H·B·H = B − 2(v·wᵀ + w·vᵀ) with p = B·v and w = p − (vᵀp)·v.
 */
function householderTridiagonal(a: Float64Array, n: number): { diag: Float64Array; off: Float64Array; reflectors: Reflector[] } {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      w[i * n + j] = a[i * n + j];
      w[j * n + i] = a[i * n + j];
    }
  }
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(0, n - 1));
  const reflectors: Reflector[] = [];
  for (let j = 0; j < n - 2; j++) {
    const start = j + 1;
    const m = n - start;
    const v = new Float64Array(m);
    let sigma = 0;
    for (let i = 0; i < m; i++) {
      v[i] = w[(start + i) * n + j];
      sigma += v[i] * v[i];
    }
    const alpha = Math.sqrt(sigma);
    diag[j] = w[j * n + j];
    if (alpha === 0 || sigma - v[0] * v[0] === 0) {
      off[j] = v[0];
      continue; // already tridiagonal in this column
    }
    const beta = v[0] >= 0 ? -alpha : alpha; // the new subdiagonal entry
    v[0] -= beta;
    let vn = 0;
    for (let i = 0; i < m; i++) vn += v[i] * v[i];
    vn = Math.sqrt(vn);
    for (let i = 0; i < m; i++) v[i] /= vn;
    off[j] = beta;
    // p = B v
    const p = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      const row = (start + r) * n + start;
      let s = 0;
      for (let c = 0; c < m; c++) s += w[row + c] * v[c];
      p[r] = s;
    }
    let vp = 0;
    for (let i = 0; i < m; i++) vp += v[i] * p[i];
    for (let i = 0; i < m; i++) p[i] -= vp * v[i]; // w = p − (vᵀp) v
    for (let r = 0; r < m; r++) {
      const row = (start + r) * n + start;
      const vr = 2 * v[r];
      const pr = 2 * p[r];
      for (let c = 0; c < m; c++) w[row + c] -= vr * p[c] + pr * v[c];
    }
    reflectors.push({ start, v });
  }
  if (n >= 2) {
    diag[n - 2] = w[(n - 2) * n + n - 2];
    off[n - 2] = w[(n - 1) * n + n - 2];
  }
  if (n >= 1) diag[n - 1] = w[(n - 1) * n + n - 1];
  return { diag, off, reflectors };
}

interface TridiagonalLu {
  n: number;
  dl: Float64Array;
  d: Float64Array;
  du: Float64Array;
  du2: Float64Array;
  swap: Uint8Array;
}

/** LU with partial pivoting of T − σI (the LAPACK dgttrf scheme); zero pivots are replaced by a tiny value. */
function tridiagonalLu(diag: Float64Array, off: Float64Array, n: number, sigma: number, norm: number): TridiagonalLu {
  const d = Float64Array.from(diag, x => x - sigma);
  const dl = Float64Array.from(off);
  const du = Float64Array.from(off);
  const du2 = new Float64Array(Math.max(0, n - 2));
  const swap = new Uint8Array(Math.max(0, n - 1));
  const tiny = Number.EPSILON * Math.max(norm, Number.MIN_VALUE);
  for (let i = 0; i < n - 1; i++) {
    if (Math.abs(d[i]) >= Math.abs(dl[i])) {
      if (d[i] === 0) d[i] = tiny;
      const fact = dl[i] / d[i];
      dl[i] = fact;
      d[i + 1] -= fact * du[i];
    } else {
      const fact = d[i] / dl[i];
      d[i] = dl[i];
      dl[i] = fact;
      const temp = du[i];
      du[i] = d[i + 1];
      d[i + 1] = temp - fact * d[i + 1];
      if (i < n - 2) {
        du2[i] = du[i + 1];
        du[i + 1] = -fact * du[i + 1];
      }
      swap[i] = 1;
    }
  }
  if (n > 0 && d[n - 1] === 0) d[n - 1] = tiny;
  return { n, dl, d, du, du2, swap };
}

/** Solves (T − σI)·x = b in place with the factorisation of tridiagonalLu. */
function tridiagonalSolve(f: TridiagonalLu, b: Float64Array): void {
  const { n, dl, d, du, du2, swap } = f;
  for (let i = 0; i < n - 1; i++) {
    if (swap[i]) {
      const t = b[i];
      b[i] = b[i + 1];
      b[i + 1] = t - dl[i] * b[i];
    } else {
      b[i + 1] -= dl[i] * b[i];
    }
  }
  b[n - 1] /= d[n - 1];
  if (n >= 2) b[n - 2] = (b[n - 2] - du[n - 2] * b[n - 1]) / d[n - 2];
  for (let i = n - 3; i >= 0; i--) b[i] = (b[i] - du[i] * b[i + 1] - du2[i] * b[i + 2]) / d[i];
}

/** ‖T·x − λ·x‖₂ for the tridiagonal T. */
function tridiagonalResidual(diag: Float64Array, off: Float64Array, n: number, lambda: number, x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let r = (diag[i] - lambda) * x[i];
    if (i > 0) r += off[i - 1] * x[i - 1];
    if (i < n - 1) r += off[i] * x[i + 1];
    s += r * r;
  }
  return Math.sqrt(s);
}

function dot(x: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

function normalise(x: Float64Array): void {
  const nn = Math.sqrt(dot(x, x, x.length));
  if (nn > 0) for (let i = 0; i < x.length; i++) x[i] /= nn;
}

/** x ← x − (x·t_p) t_p with t_p the p-th stored vector (unit). */
function subtractProjection(x: Float64Array, tv: Float64Array, p: number, n: number): void {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * tv[p * n + i];
  for (let i = 0; i < n; i++) x[i] -= s * tv[p * n + i];
}
