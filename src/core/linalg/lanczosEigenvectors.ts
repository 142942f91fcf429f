/**
 * The few leading eigenpairs of a large symmetric matrix known only through its product with a
 * vector: the Lanczos iteration with full reorthogonalisation (Golub & Van Loan, Matrix
 * Computations, §10.1 and §10.3.1). Each step costs one product and O(j·n) for the
 * reorthogonalisation, so the 8 leading eigenvectors of a 1,024 × 1,024 covariance take some
 * tens of products instead of the ≈ n³ of a full decomposition.
 *
 * Convergence is read from the Ritz pairs of the small tridiagonal matrix T_j: the residual of
 * the Ritz vector y_i is |β_j · s_{j,i}| (s_i the eigenvector of T_j), with no extra product.
 * When the Krylov space becomes invariant (β ≈ 0: few distinct eigenvalues, a rank-deficient
 * covariance), the iteration goes on from a fresh random vector orthogonal to the basis.
 */
import { createRng } from '../stats/rowSampler';
import { topEigenvectors, type EigenPairs } from './symmetricEigenvectors';

/** y ← A·x for the symmetric n × n matrix A (y is overwritten). */
export type SymmetricOperator = (x: Float64Array, y: Float64Array) => void;

export interface LanczosOptions {
  /** Seed of the start vector (default 0). */
  seed?: number;
  /** Residual tolerance relative to the largest |Ritz value| (default 1e-11). */
  tolerance?: number;
  /** Most Lanczos vectors kept (default max(300, 8k)); n always suffices in exact arithmetic. */
  maxIterations?: number;
}

/** How often (in steps) the Ritz pairs are checked. */
const CHECK_EVERY = 5;

/** The k leading (largest) eigenpairs of the operator, eigenvalues descending, unit eigenvectors as the columns of an n × k matrix. */
export function lanczosEigenvectors(apply: SymmetricOperator, n: number, k: number, options: LanczosOptions = {}): EigenPairs {
  k = Math.max(0, Math.min(k, n));
  if (k === 0) return { values: new Float64Array(0), vectors: new Float64Array(0), n, m: 0, converged: true };
  const maxSteps = Math.min(n, options.maxIterations ?? Math.max(300, 8 * k));
  const tolerance = options.tolerance ?? 1e-11;
  const rng = createRng(options.seed ?? 0);
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = []; // beta[j] couples basis[j] and basis[j + 1]
  let q = randomUnitOrthogonal(rng, n, basis);
  const w = new Float64Array(n);
  let scale = 0; // running estimate of ‖A‖
  let ritz: EigenPairs | null = null;
  for (let j = 0; j < maxSteps; j++) {
    basis.push(q);
    apply(q, w);
    const a = dot(q, w);
    alpha.push(a);
    // twice is enough (Kahan's "twice is enough"): full reorthogonalisation against the whole basis
    for (let pass = 0; pass < 2; pass++) for (const v of basis) axpy(-dot(v, w), v, w);
    const b = Math.sqrt(dot(w, w));
    scale = Math.max(scale, Math.abs(a) + b + (j > 0 ? beta[j - 1] : 0));
    const steps = j + 1;
    const invariant = b <= 1e-12 * Math.max(scale, Number.MIN_VALUE);
    if (steps >= k && (steps % CHECK_EVERY === 0 || invariant || steps === maxSteps)) {
      ritz = ritzPairs(alpha, beta, k);
      const largest = Math.max(Math.abs(ritz.values[0]), scale * Number.EPSILON);
      let worst = 0;
      for (let i = 0; i < k; i++) worst = Math.max(worst, Math.abs((invariant ? 0 : b) * ritz.vectors[(steps - 1) * k + i]));
      if (worst <= tolerance * largest) return ritzVectors(basis, ritz, n, k, true);
    }
    if (steps === maxSteps) break;
    if (invariant) {
      beta.push(0);
      q = randomUnitOrthogonal(rng, n, basis);
    } else {
      beta.push(b);
      q = Float64Array.from(w, x => x / b);
    }
  }
  ritz ??= ritzPairs(alpha, beta, k);
  return ritzVectors(basis, ritz, n, k, false);
}

/** The k leading eigenpairs of the j × j tridiagonal T (diagonal alpha, off-diagonal beta). */
function ritzPairs(alpha: readonly number[], beta: readonly number[], k: number): EigenPairs {
  const j = alpha.length;
  const t = new Float64Array(j * j);
  for (let i = 0; i < j; i++) {
    t[i * j + i] = alpha[i];
    if (i + 1 < j) { t[(i + 1) * j + i] = beta[i]; t[i * j + i + 1] = beta[i]; }
  }
  return topEigenvectors(t, j, Math.min(k, j));
}

/** The Ritz vectors Q·s_i (n × k, column i for Ritz value i). */
function ritzVectors(basis: readonly Float64Array[], ritz: EigenPairs, n: number, k: number, converged: boolean): EigenPairs {
  const m = Math.min(k, ritz.m);
  const vectors = new Float64Array(n * m);
  for (let j = 0; j < basis.length; j++) {
    const v = basis[j];
    for (let c = 0; c < m; c++) {
      const s = ritz.vectors[j * ritz.m + c];
      if (s === 0) continue;
      for (let r = 0; r < n; r++) vectors[r * m + c] += s * v[r];
    }
  }
  for (let c = 0; c < m; c++) {
    let norm = 0;
    for (let r = 0; r < n; r++) norm += vectors[r * m + c] ** 2;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let r = 0; r < n; r++) vectors[r * m + c] /= norm;
  }
  return { values: ritz.values.slice(0, m), vectors, n, m, converged: converged && ritz.converged && m === k };
}

/** A random unit vector orthogonal to `basis` (zero when the basis spans everything). */
function randomUnitOrthogonal(rng: () => number, n: number, basis: readonly Float64Array[]): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng() - 0.5;
  for (let pass = 0; pass < 2; pass++) for (const v of basis) axpy(-dot(v, x), v, x);
  const norm = Math.sqrt(dot(x, x));
  if (norm > 0) for (let i = 0; i < n; i++) x[i] /= norm;
  return x;
}

/** x·y with four partial sums (independent additions pipeline: about twice the speed of one). */
export function dot(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i] * y[i];
    s1 += x[i + 1] * y[i + 1];
    s2 += x[i + 2] * y[i + 2];
    s3 += x[i + 3] * y[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * y[i];
  return (s0 + s1) + (s2 + s3);
}


/** y ← y + a·x */
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}
