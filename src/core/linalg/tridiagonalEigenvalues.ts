/**
 * Eigenvalues of a real symmetric tridiagonal matrix, the second half of every symmetric
 * eigenvalue solve here (after the Householder reduction).
 *
 * Implicit QL with the shift of LAPACK's dsteqr (the eigenvalue of the leading 2×2 block nearer
 * to its corner), in the root-free form of Pal, Walker and Kahan that LAPACK's dsterf uses: the
 * sweep carries the squares of the off-diagonal entries and of the rotations' sines and cosines,
 * so a rotation costs three divisions and no square root, and the deflation tests none either
 * (they run inside the sweep, on each entry once it is final). Measured at n = 4,096: under half
 * the time of the form with square roots. What makes it converge on every finite input:
 *   • each unreduced block is scaled into a safe range first (as dsteqr), so that squares in
 *     the rotations neither overflow nor underflow;
 *   • a block whose last diagonal entry is smaller than its first is chased from the other end
 *     (dsteqr's choice between QL and QR; here by reversing the block, a permutation similarity);
 *   • an off-diagonal entry is negligible when it is small relative to its two diagonal
 *     neighbours (dsterf's test) OR below ε times the largest entry of the whole matrix. The
 *     relative test alone never passes next to (numerically) zero eigenvalues of a matrix whose
 *     norm is 1: rounding keeps the off-diagonal near ε·‖T‖, not near ε·|dₘ|. Setting an entry
 *     below ε·‖T‖ to zero moves each eigenvalue by at most that much, within the ε·‖A‖ backward
 *     error the Householder reduction already has;
 *   • every 10th sweep without a deflation uses the Rayleigh-quotient shift instead (an
 *     exceptional shift, to break a cycle);
 *   • after 30·n sweeps in all (LAPACK's budget), whatever is left is solved by bisection on
 *     Sturm counts, which always converges. No path throws.
 */

/** Unit roundoff of float64 (LAPACK's dlamch('E')). */
const EPS = 2 ** -53;
const EPS2 = EPS * EPS;
/** Smallest normal float64 (dlamch('S')). */
const SAFMIN = 2 ** -1022;
/** dsteqr's safe range for a block's largest entry: squares of sums of such numbers stay finite and normal. */
const SSFMAX = Math.sqrt(1 / SAFMIN) / 3;
const SSFMIN = Math.sqrt(SAFMIN) / (EPS * EPS);
/** Total QL sweeps per matrix order before the rest goes to bisection (LAPACK's MAXIT). */
const SWEEPS_PER_ORDER = 30;
/** Sweeps without a deflation after which one exceptional shift is taken. */
const EXCEPTIONAL_EVERY = 10;

export interface TridiagonalEigenvaluesOptions {
  /**
   * QL sweeps allowed in all before bisection takes over (default 30·n). 0 solves everything
   * by bisection (tests of that path).
   */
  sweepBudget?: number;
}

/**
 * Overwrites `d` (the diagonal, length n) with the eigenvalues, unsorted, of the symmetric
 * tridiagonal matrix with off-diagonal `e` (e[i] couples i and i+1, length ≥ n − 1; destroyed).
 * Entries must be finite.
 */
export function tridiagonalEigenvalues(d: Float64Array, e: Float64Array, options: TridiagonalEigenvaluesOptions = {}): void {
  const n = d.length;
  if (n <= 1) return;
  if (e.length < n - 1) throw new RangeError(`tridiagonalEigenvalues: need ${n - 1} off-diagonal entries, got ${e.length}`);
  const tnorm = maxAbs(d, e, 0, n - 1);
  if (tnorm === 0) return;
  const absTol = EPS * tnorm;
  let budget = options.sweepBudget ?? SWEEPS_PER_ORDER * n;

  let start = 0;
  while (start < n) {
    // The unreduced block start..end.
    let end = start;
    while (end < n - 1 && !negligible(e[end], d[end], d[end + 1], absTol)) end++;
    if (end < n - 1) e[end] = 0;
    const next = end + 1;
    if (end > start) {
      const blockNorm = maxAbs(d, e, start, end);
      const factor = blockNorm > SSFMAX ? SSFMAX / blockNorm : blockNorm < SSFMIN ? SSFMIN / blockNorm : 1;
      if (factor !== 1) scaleBlock(d, e, start, end, factor);
      // QL finds eigenvalues at the top first: put the smaller end there (dsteqr chooses QR otherwise).
      if (Math.abs(d[end]) < Math.abs(d[start])) reverseBlock(d, e, start, end);
      budget = qlBlock(d, e, start, end, absTol * factor, budget);
      if (factor !== 1) for (let i = start; i <= end; i++) d[i] /= factor;
    }
    start = next;
  }
}

/**
 * True when the off-diagonal entry `e` between diagonal entries `a` and `b` can be set to 0: it
 * is below ε·√|a|·√|b| (relative, LAPACK's dsterf) or below `absTol` (ε·‖T‖).
 */
export function negligible(e: number, a: number, b: number, absTol: number): boolean {
  const x = Math.abs(e);
  return x <= absTol || x <= EPS * Math.sqrt(Math.abs(a)) * Math.sqrt(Math.abs(b)) || x < SAFMIN;
}

/** Largest |entry| of the block lo..hi (its diagonal and the off-diagonals inside it). */
function maxAbs(d: Float64Array, e: Float64Array, lo: number, hi: number): number {
  let m = 0;
  for (let i = lo; i <= hi; i++) {
    const x = Math.abs(d[i]);
    if (x > m) m = x;
    if (i < hi) {
      const y = Math.abs(e[i]);
      if (y > m) m = y;
    }
  }
  return m;
}

function scaleBlock(d: Float64Array, e: Float64Array, lo: number, hi: number, factor: number): void {
  for (let i = lo; i <= hi; i++) {
    d[i] *= factor;
    if (i < hi) e[i] *= factor;
  }
}

function reverseBlock(d: Float64Array, e: Float64Array, lo: number, hi: number): void {
  for (let i = lo, j = hi; i < j; i++, j--) {
    const t = d[i]; d[i] = d[j]; d[j] = t;
  }
  for (let i = lo, j = hi - 1; i < j; i++, j--) {
    const t = e[i]; e[i] = e[j]; e[j] = t;
  }
}

/**
 * Implicit QL on the unreduced block lo..hi (entries in the safe range) until every eigenvalue
 * has deflated or `budget` sweeps are spent; then bisection for the rest. Returns the budget left.
 * Root-free: e[lo..hi−1] holds the squares of the off-diagonal entries while it runs (the safe
 * range keeps them finite, and every square it tests or divides by is at least absTol², normal).
 */
function qlBlock(d: Float64Array, e: Float64Array, lo: number, hi: number, absTol: number, budget: number): number {
  for (let i = lo; i < hi; i++) e[i] *= e[i];
  const absTol2 = absTol * absTol;
  let l = lo;
  let stalled = 0;
  // What the last sweep's deflation tests found: m (the first negligible e[k] with k ≥ l, else hi)
  // and the first one with k ≥ l + 1 (m once e[l] has deflated); −1 where a scan has to find it.
  let knownM = -1;
  let knownNextM = -1;
  while (l <= hi) {
    let m = knownM;
    const nextM = knownNextM;
    knownM = knownNextM = -1;
    if (m < 0) {
      m = l;
      while (m < hi && !negligibleSquared(e[m], d[m], d[m + 1], absTol2)) m++;
    }
    if (m < hi) e[m] = 0;
    if (m === l) {
      l++;
      knownM = nextM;
      stalled = 0;
      continue;
    }
    if (m === l + 1) {
      const [r1, r2] = eigenvalues2x2(d[l], Math.sqrt(e[l]), d[l + 1]);
      d[l] = r1;
      d[l + 1] = r2;
      e[l] = 0;
      l += 2;
      stalled = 0;
      continue;
    }
    if (budget <= 0) {
      for (let i = l; i < hi; i++) e[i] = Math.sqrt(e[i]);
      bisectBlock(d, e, l, hi, absTol);
      return 0;
    }
    budget--;
    stalled++;
    // Shift σ: the eigenvalue of [[d_l, e_l], [e_l, d_{l+1}]] nearer to d_l (dsteqr); every
    // EXCEPTIONAL_EVERY-th sweep without progress the Rayleigh quotient d_l instead.
    let sigma = d[l];
    if (stalled % EXCEPTIONAL_EVERY !== 0) {
      const el = Math.sqrt(e[l]);
      const t = (d[l + 1] - d[l]) / (2 * el);
      const r = hypot(t, 1);
      sigma -= el / (t + (t >= 0 ? r : -r));
    }
    // The bulge chased from the bottom of the block up to l, one rotation per step, all in
    // squares: c and s are the squared cosine and sine of the rotation, p = γ²/c the square of
    // the entry the next rotation pairs with e[i].
    let c = 1;
    let s = 0;
    let gamma = d[m] - sigma;
    let p = gamma * gamma;
    // The next pass's deflation tests run here, on each entry as soon as it and its two
    // neighbours are final (the same tests on the same values, without a second pass over the
    // block): `first` becomes the first negligible e[k] with l < k ≤ m.
    let first = m;
    for (let i = m - 1; i >= l; i--) {
      const bb = e[i];
      const r = p + bb;
      if (i !== m - 1) e[i + 1] = s * r;
      const oldc = c;
      // 1/c as r/p (not as a second division by c once c is known): the two divisions then run
      // side by side instead of one after the other on the sweep's chain of dependent steps.
      const cInverse = r / p;
      c = p / r;
      s = bb / r;
      const oldGamma = gamma;
      const alpha = d[i];
      gamma = c * (alpha - sigma) - s * oldGamma;
      d[i + 1] = oldGamma + (alpha - gamma);
      p = c !== 0 ? gamma * gamma * cInverse : oldc * bb;
      if (i !== m - 1 && negligibleSquared(e[i + 1], d[i + 1], d[i + 2], absTol2)) first = i + 1;
    }
    e[l] = s * p;
    d[l] = sigma + gamma;
    knownNextM = first;
    knownM = negligibleSquared(e[l], d[l], d[l + 1], absTol2) ? l : first;
  }
  return budget;
}

/** negligible() on the squares: e2 = e², absTol2 = absTol² (no square roots; the block is in the safe range). */
function negligibleSquared(e2: number, a: number, b: number, absTol2: number): boolean {
  return e2 <= absTol2 || e2 <= EPS2 * Math.abs(a * b);
}

/** The eigenvalues of [[a, b], [b, c]], larger magnitude first, accurately (LAPACK's dlae2). */
function eigenvalues2x2(a: number, b: number, c: number): [number, number] {
  const sm = a + c;
  const adf = Math.abs(a - c);
  const ab = Math.abs(b + b);
  const [acmx, acmn] = Math.abs(a) > Math.abs(c) ? [a, c] : [c, a];
  const rt = adf > ab ? adf * Math.sqrt(1 + (ab / adf) ** 2) : adf < ab ? ab * Math.sqrt(1 + (adf / ab) ** 2) : ab * Math.SQRT2;
  if (sm === 0) return [0.5 * rt, -0.5 * rt];
  const rt1 = sm < 0 ? 0.5 * (sm - rt) : 0.5 * (sm + rt);
  // The other from the determinant: no cancellation.
  return [rt1, (acmx / rt1) * acmn - (b / rt1) * b];
}

/** √(x² + y²): the plain formula where it is safe (the common case), else scaled. */
function hypot(x: number, y: number): number {
  const r = Math.sqrt(x * x + y * y);
  if (r > 1e-150 && r < 1e150) return r;
  return Math.hypot(x, y);
}

/**
 * Number of eigenvalues below x of the tridiagonal (d, e²) on lo..hi, by the signs of the LDLᵀ
 * pivots of T − xI (Sylvester's law of inertia); a pivot smaller than `pivmin` is replaced by
 * −pivmin, as in LAPACK's dlaebz.
 */
export function sturmCount(d: ArrayLike<number>, e2: ArrayLike<number>, lo: number, hi: number, x: number, pivmin: number): number {
  let count = 0;
  let q = d[lo] - x;
  if (Math.abs(q) < pivmin) q = -pivmin;
  if (q < 0) count++;
  for (let i = lo + 1; i <= hi; i++) {
    q = d[i] - x - e2[i - 1] / q;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}

/** Gershgorin interval, squared off-diagonals and pivot floor of the block lo..hi, for bisection. */
export interface BisectionSetup {
  lower: number;
  upper: number;
  e2: Float64Array;
  pivmin: number;
}

export function bisectionSetup(d: ArrayLike<number>, e: ArrayLike<number>, lo: number, hi: number): BisectionSetup {
  const e2 = new Float64Array(Math.max(hi, 0) + 1);
  let lower = Infinity;
  let upper = -Infinity;
  let e2max = 0;
  for (let i = lo; i <= hi; i++) {
    const left = i > lo ? Math.abs(e[i - 1]) : 0;
    const right = i < hi ? Math.abs(e[i]) : 0;
    lower = Math.min(lower, d[i] - left - right);
    upper = Math.max(upper, d[i] + left + right);
    if (i < hi) {
      e2[i] = e[i] * e[i];
      if (e2[i] > e2max) e2max = e2[i];
    }
  }
  // Widen a little so that neither end is an eigenvalue itself.
  const spread = Math.max(Math.abs(lower), Math.abs(upper));
  const pad = 2 * EPS * spread * (hi - lo + 1) + 4 * SAFMIN;
  return { lower: lower - pad, upper: upper + pad, e2, pivmin: SAFMIN * Math.max(1, e2max) };
}

/** Bisection steps at most: from a Gershgorin interval, far beyond float64 resolution. */
const MAX_BISECTION_STEPS = 200;

/**
 * The eigenvalue of the block lo..hi with exactly `below` eigenvalues under it (0 = the
 * smallest), by bisection of [lower, upper] until the interval is within absTol or 2ε relative.
 */
export function bisectEigenvalue(d: ArrayLike<number>, setup: BisectionSetup, lo: number, hi: number, below: number,
  absTol: number, lower = setup.lower, upper = setup.upper): number {
  const tol = Math.max(absTol, setup.pivmin);
  for (let step = 0; step < MAX_BISECTION_STEPS; step++) {
    const mid = 0.5 * (lower + upper);
    if (mid <= lower || mid >= upper) break;
    if (upper - lower <= Math.max(tol, 2 * EPS * Math.max(Math.abs(lower), Math.abs(upper)))) break;
    if (sturmCount(d, setup.e2, lo, hi, mid, setup.pivmin) > below) upper = mid;
    else lower = mid;
  }
  return 0.5 * (lower + upper);
}

/** All eigenvalues of the block lo..hi by bisection, written to d[lo..hi] (ascending). */
function bisectBlock(d: Float64Array, e: Float64Array, lo: number, hi: number, absTol: number): void {
  const setup = bisectionSetup(d, e, lo, hi);
  const out = new Float64Array(hi - lo + 1);
  let floor = setup.lower;
  for (let k = 0; k < out.length; k++) {
    // Eigenvalues ascend: the previous one bounds the next from below (when the count agrees).
    if (sturmCount(d, setup.e2, lo, hi, floor, setup.pivmin) > k) floor = setup.lower;
    out[k] = bisectEigenvalue(d, setup, lo, hi, k, absTol, floor, setup.upper);
    floor = Math.max(setup.lower, out[k] - Math.max(absTol, 2 * EPS * Math.abs(out[k])));
  }
  d.set(out, lo);
}
