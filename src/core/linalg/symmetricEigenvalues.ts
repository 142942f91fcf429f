/**
 * Eigenvalues (only) of a real symmetric matrix: Householder reduction to tridiagonal form,
 * then the eigenvalues of the tridiagonal matrix (tridiagonalEigenvalues: implicit QL, bisection
 * where QL does not converge). No eigenvectors are accumulated, so the cost is about (4/3)n³
 * flops for the reduction plus O(n²) for the iteration.
 * The reduction runs in WebAssembly SIMD (wasm/kernels.c, the same algorithm; blocked from
 * BLOCKED_REDUCTION_MIN on, and there on two threads where shared WebAssembly memory is
 * available: twoThreadReduction.ts; from TWO_STAGE_REDUCTION_MIN on in two stages, dense → band
 * → tridiagonal: wasm/twoStage.h) when the runtime has it, else in the plain JS below.
 * A matrix whose largest entry lies outside [RMIN, RMAX] is first scaled by a power of two into
 * that range (as LAPACK's dsyev), so that no square in the reduction overflows or underflows.
 */
import { allocOrThrow, instantiateKernels, type ReductionExports } from './wasmKernels';
import { allocTeam, reduceOnTwoThreads, twoThreadInstance, type TwoThreadInstance } from './twoThreadReduction';
import { tridiagonalEigenvalues } from './tridiagonalEigenvalues';

export interface SymmetricEigenvaluesOptions {
  /** Use the plain-JS reduction even when WebAssembly SIMD is available (tests, comparisons). */
  forceJs?: boolean;
  /**
   * Which WebAssembly reduction: 'auto' (default) the two-stage one from TWO_STAGE_REDUCTION_MIN
   * on, the blocked one on two threads from BLOCKED_REDUCTION_MIN on (both on one thread where
   * shared memory is unavailable), else the fused one;
   * 'fused', 'blocked' (one thread), 'two-threads' or 'two-stage' (on two threads where
   * available) force one (tests, comparisons).
   */
  reduction?: Reduction;
  /** The two-stage reduction's band width (tests, comparisons): a multiple of 4 in [8, 64]; default TWO_STAGE_BANDWIDTH. */
  bandwidth?: number;
  /** 'two-threads': wait until the worker thread is ready before reducing (tests: so that even a small matrix is shared). */
  awaitWorker?: boolean;
  /** Filled in by the call: how many halves of products and updates the worker thread took (tests). */
  sharing?: { workerHalves: number };
}

type Reduction = 'auto' | 'fused' | 'blocked' | 'two-threads' | 'two-stage';

/** dsyev's safe range for the largest entry: √(safmin/ε) and its reciprocal (≈ 1.5e-146, 6.7e145). */
const RMIN = Math.sqrt(2 ** -1022 / 2 ** -53);
const RMAX = 1 / RMIN;

/**
 * All eigenvalues of the symmetric n×n matrix `a` (row-major), sorted descending.
 * Only the lower triangle is read (so a slightly asymmetric covariance is fine); `a` is not modified.
 * Throws RangeError on a wrong length or a non-finite entry; never fails on a finite matrix.
 */
export function symmetricEigenvalues(a: Float64Array, n: number, options: SymmetricEigenvaluesOptions = {}): Float64Array {
  if (!(Number.isSafeInteger(n) && n >= 0) || a.length < n * n) {
    throw new RangeError(`symmetricEigenvalues: need an n×n matrix (n = ${n}, length ${a.length})`);
  }
  const scale = safeRangeScale(checkFiniteLower(a, n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (options.forceJs || n < 3 || !tridiagonalizeWasm(a, n, d, e, options, scale)) {
    const w = Float64Array.from(a.subarray(0, n * n));
    if (scale !== 1) scaleLower(w, n, scale);
    tridiagonalize(w, n, d, e);
  }
  return eigenvaluesOfReduced(d, e, scale);
}

/**
 * An n×n matrix buffer inside a WebAssembly instance of the kernels: a caller that builds its
 * matrix (say, a covariance) directly in `matrix` gets its eigenvalues without the copy that
 * symmetricEigenvalues makes, so the peak memory is one n×n float64 array instead of two.
 */
export class EigenWorkspace {
  private constructor(
    private readonly r: WasmReduction,
    readonly n: number,
    /** Row-major n×n; only the lower triangle is read. Destroyed by eigenvalues(). */
    readonly matrix: Float64Array,
  ) {}

  /** A workspace, or null when WebAssembly SIMD is unavailable (use symmetricEigenvalues then). */
  static create(n: number): EigenWorkspace | null {
    if (!(Number.isSafeInteger(n) && n >= 3)) return null;
    const r = wasmReduction(n, 'auto');
    return r && new EigenWorkspace(r, n, new Float64Array(r.k.memory.buffer, r.ptrs.w, n * n));
  }

  /** All eigenvalues of `matrix` (as symmetricEigenvalues), which it overwrites. */
  eigenvalues(): Float64Array {
    const { n, matrix, r } = this;
    const scale = safeRangeScale(checkFiniteLower(matrix, n));
    if (scale !== 1) scaleLower(matrix, n, scale);
    reduceWasm(r, n);
    const d = new Float64Array(r.k.memory.buffer, r.ptrs.d, n).slice();
    const e = new Float64Array(r.k.memory.buffer, r.ptrs.e, n).slice();
    return eigenvaluesOfReduced(d, e, scale);
  }
}

/** The largest |entry| of the lower triangle; throws RangeError on a non-finite entry. */
function checkFiniteLower(a: Float64Array, n: number): number {
  let max = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0, p = r * n; c <= r; c++, p++) {
      const x = Math.abs(a[p]);
      if (!(x <= Number.MAX_VALUE)) throw new RangeError(`symmetricEigenvalues: entry (${r}, ${c}) is ${a[p]}`);
      if (x > max) max = x;
    }
  }
  return max;
}

/**
 * The power of two that brings the largest |entry| of a matrix into [RMIN, RMAX] (exact, undone
 * exactly by dividing the eigenvalues); 1 when it is there already.
 */
export function safeRangeScale(largest: number): number {
  if (largest === 0 || (largest >= RMIN && largest <= RMAX)) return 1;
  return 2 ** Math.round(Math.log2((largest < RMIN ? RMIN : RMAX) / largest));
}

function scaleLower(w: Float64Array, n: number, scale: number): void {
  for (let r = 0; r < n; r++) for (let c = 0, p = r * n; c <= r; c++, p++) w[p] *= scale;
}

/** Eigenvalues, descending, from the reduction's d and e (e[i] couples i−1 and i), unscaled. */
function eigenvaluesOfReduced(d: Float64Array, e: Float64Array, scale: number): Float64Array {
  // tridiagonalEigenvalues wants e[i] coupling i and i+1.
  e.copyWithin(0, 1);
  tridiagonalEigenvalues(d, e.subarray(0, Math.max(0, d.length - 1)));
  if (scale !== 1) for (let i = 0; i < d.length; i++) d[i] /= scale;
  return d.sort().reverse();
}

/**
 * The reduction of `tridiagonalize` in WebAssembly (fused, blocked, or blocked on two threads), on a copy of `a` in the
 * instance's own memory (released with the instance). False when WebAssembly SIMD is unavailable.
 */
function tridiagonalizeWasm(a: Float64Array, n: number, d: Float64Array, e: Float64Array, options: SymmetricEigenvaluesOptions, scale: number): boolean {
  const r = wasmReduction(n, options.reduction ?? 'auto', options.bandwidth);
  if (!r) return false;
  const { k, ptrs } = r;
  const w = new Float64Array(k.memory.buffer, ptrs.w, n * n);
  w.set(a.subarray(0, n * n));
  if (scale !== 1) scaleLower(w, n, scale);
  const workerHalves = reduceWasm(r, n, options.awaitWorker);
  if (options.sharing) options.sharing.workerHalves = workerHalves;
  d.set(new Float64Array(k.memory.buffer, ptrs.d, n));
  e.set(new Float64Array(k.memory.buffer, ptrs.e, n));
  return true;
}

/**
 * From this size on the WebAssembly reduction is the blocked one (tridiagonalize_blocked: the
 * rank-2 updates of 32 steps applied at once), which moves half the bytes per step. Below it the
 * matrix is in cache and the fused one-step reduction is faster (measured: fused 0.17 s against
 * blocked 0.22 s at 1,024; blocked 1.4 s against fused 1.8 s at 2,048).
 */
export const BLOCKED_REDUCTION_MIN = 1536;

/**
 * From this size on the reduction is the two-stage one (wasm/twoStage.h), not the blocked one:
 * dense → band of TWO_STAGE_BANDWIDTH in panels, each streaming the trailing matrix twice (where
 * the one-stage reduction streams it once per column), then band → tridiagonal by bulge chasing in
 * cache. Measured (2-core EPYC, loaded): CPU 0.30–0.32 s against 0.37–0.38 s for the blocked one
 * at 1,536, 4.1–4.2 s against 7.5–7.9 s at 4,096; the fused one is faster at 1,024 (0.09 s
 * against 0.12 s).
 */
export const TWO_STAGE_REDUCTION_MIN = 1536;
/**
 * The band's width in the two-stage reduction: 16 and 32 reduce to the band equally fast at
 * 4,096 (3.7 s of CPU), but the bulge chasing costs ∝ the width (0.25 s against 0.43 s).
 */
export const TWO_STAGE_BANDWIDTH = 16;

interface ReductionBuffers { w: number; d: number; e: number; q: number; next: number; scratch: number; team: number; stackTop: number; bandwidth: number }

/** A WebAssembly instance with the buffers of one reduction; `twoThreads` when it is the shared-memory one. */
interface WasmReduction { k: ReductionExports; ptrs: ReductionBuffers; twoThreads: TwoThreadInstance | null }

/**
 * The instance and buffers for the reduction asked for ('auto': see SymmetricEigenvaluesOptions),
 * everything allocated before any view is made (growing the memory would detach views). The
 * two-thread reduction falls back to the one-thread blocked one where shared memory is
 * unavailable. Null without WebAssembly SIMD.
 */
function wasmReduction(n: number, reduction: Reduction, bandwidth = TWO_STAGE_BANDWIDTH): WasmReduction | null {
  if (!(Number.isInteger(bandwidth) && bandwidth % 4 === 0 && bandwidth >= 8 && bandwidth <= 64)) {
    throw new RangeError(`symmetricEigenvalues: the band width must be a multiple of 4 in [8, 64] (got ${bandwidth})`);
  }
  const twoStage = reduction === 'auto' ? n >= TWO_STAGE_REDUCTION_MIN : reduction === 'two-stage';
  const blocked = !twoStage && (reduction === 'auto' ? n >= BLOCKED_REDUCTION_MIN : reduction !== 'fused');
  const twoThreads = twoStage || (blocked && reduction !== 'blocked') ? twoThreadInstance() : null;
  const k = twoThreads ? twoThreads.k : instantiateKernels();
  if (!k) return null;
  const w = allocOrThrow(k, n * n * 8);
  const d = allocOrThrow(k, n * 8), e = allocOrThrow(k, n * 8), q = allocOrThrow(k, n * 8), next = allocOrThrow(k, n * 8);
  const scratch = twoStage ? allocOrThrow(k, k.two_stage_scratch(n, bandwidth) * 8)
    : blocked ? allocOrThrow(k, k.tridiagonalize_blocked_scratch(n) * 8) : 0;
  const { team, stackTop } = twoThreads ? allocTeam(twoThreads, n) : { team: 0, stackTop: 0 };
  return { k, ptrs: { w, d, e, q, next, scratch, team, stackTop, bandwidth: twoStage ? bandwidth : 0 }, twoThreads };
}

/** Runs the reduction; the number of halves a second thread took (0 on one thread). */
function reduceWasm({ k, ptrs: p, twoThreads }: WasmReduction, n: number, awaitWorker = false): number {
  if (twoThreads) return reduceOnTwoThreads(twoThreads, n, p, { awaitWorker });
  if (p.bandwidth) k.tridiagonalize_two_stage(p.w, n, p.bandwidth, p.d, p.e, p.scratch);
  else if (p.scratch) k.tridiagonalize_blocked(p.w, n, p.d, p.e, p.scratch);
  else k.tridiagonalize(p.w, n, p.d, p.e, p.q, p.next);
  return 0;
}

/**
 * Householder reduction of the symmetric matrix `w` (lower triangle, overwritten) to a
 * tridiagonal matrix with diagonal d and subdiagonal e (e[i] couples i−1 and i; e[0] = 0).
 *
 * Rows are eliminated from the last upwards: step i turns the row prefix w[i][0..i−1] into
 * a Householder vector u (P = I − uuᵀ/h zeroes w[i][0..i−2]) and applies A ← PAP to the
 * leading i×i block as the rank-2 update A − uqᵀ − quᵀ. That update is fused with the
 * matrix–vector product A·u′ of the next step (u′ being the freshly updated row i−1), so the
 * trailing triangle is streamed once per step instead of twice; rows go in pairs to share loads.
 */
function tridiagonalize(w: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  let q = new Float64Array(n); // p = A·u/h, then q = p − K·u, of the current step
  let next = new Float64Array(n); // A′·u′ of the next step, built during the fused update
  let h = n > 1 ? householderFromRow(w, n, n - 1, e) : 0;
  if (h > 0) symmetricTimesRow(w, n, n - 1, q);
  for (let i = n - 1; i >= 1; i--) {
    const l = i - 1;
    const ri = i * n;
    const rl = l * n;
    if (h > 0) {
      // q = p − K·u, p = A·u/h, K = uᵀp/2h.
      let up = 0;
      for (let r = 0; r <= l; r++) {
        q[r] /= h;
        up += w[ri + r] * q[r];
      }
      const k = up / (2 * h);
      for (let r = 0; r <= l; r++) q[r] -= k * w[ri + r];
      // Row l first: it becomes the next step's Householder vector.
      const ul = w[ri + l];
      const ql = q[l];
      for (let c = 0; c <= l; c++) w[rl + c] -= ul * q[c] + ql * w[ri + c];
    }
    d[i] = w[ri + i];
    const hNext = l >= 1 ? householderFromRow(w, n, l, e) : 0;
    if (h > 0) {
      if (hNext > 0) updateAndMultiply(w, n, ri, rl, l, q, next);
      else updateOnly(w, n, ri, l, q);
    } else if (hNext > 0) {
      symmetricTimesRow(w, n, l, next);
    }
    h = hNext;
    const t = q;
    q = next;
    next = t;
  }
  if (n > 0) d[0] = w[0];
  e[0] = 0;
}

/**
 * Turns the prefix w[i][0..i−1] into a Householder vector u in place and sets e[i], the
 * subdiagonal entry that remains. Returns h = |u|²/2, or 0 when there is nothing to eliminate.
 */
function householderFromRow(w: Float64Array, n: number, i: number, e: Float64Array): number {
  const l = i - 1;
  const ri = i * n;
  let scale = 0;
  if (l > 0) {
    for (let k = 0; k <= l; k++) {
      const x = Math.abs(w[ri + k]);
      if (x > scale) scale = x;
    }
  }
  if (scale === 0) {
    e[i] = w[ri + l];
    return 0;
  }
  // Scaling by max|x| keeps the squared norm clear of overflow and underflow.
  let h = 0;
  for (let k = 0; k <= l; k++) {
    const v = w[ri + k] / scale;
    w[ri + k] = v;
    h += v * v;
  }
  const f = w[ri + l];
  const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h); // sign opposite to f: no cancellation
  e[i] = scale * g;
  w[ri + l] = f - g;
  return h - f * g;
}

/** out[0..i−1] = A·u for u = w[i][0..i−1] and A the leading i×i block (lower triangle). */
function symmetricTimesRow(w: Float64Array, n: number, i: number, out: Float64Array): void {
  const ri = i * n;
  out.fill(0, 0, i);
  for (let r = 0; r < i; r++) {
    const rr = r * n;
    const ur = w[ri + r];
    let s = 0;
    for (let c = 0; c < r; c++) {
      const x = w[rr + c];
      s += x * w[ri + c];
      out[c] += x * ur;
    }
    out[r] += s + w[rr + r] * ur;
  }
}

/** A ← A − uqᵀ − quᵀ on rows 0..l−1 of the leading block (u = w[i][·], row offset ri). */
function updateOnly(w: Float64Array, n: number, ri: number, l: number, q: Float64Array): void {
  for (let r = 0; r < l; r++) {
    const rr = r * n;
    const ur = w[ri + r];
    const qr = q[r];
    for (let c = 0; c <= r; c++) w[rr + c] -= ur * q[c] + qr * w[ri + c];
  }
}

/**
 * The fused step: A ← A − uqᵀ − quᵀ on rows 0..l−1 (u = w[i][·] at offset ri), and at the
 * same time out[0..l−1] = A′·v for the updated block A′ and v = w[l][·] (offset rl).
 */
function updateAndMultiply(w: Float64Array, n: number, ri: number, rl: number, l: number, q: Float64Array, out: Float64Array): void {
  out.fill(0, 0, l);
  let r = 0;
  for (; r + 1 < l; r += 2) {
    const r0 = r * n;
    const r1 = r0 + n;
    const u0 = w[ri + r], u1 = w[ri + r + 1];
    const q0 = q[r], q1 = q[r + 1];
    const v0 = w[rl + r], v1 = w[rl + r + 1];
    let s0 = 0, s1 = 0;
    for (let c = 0; c < r; c++) {
      const uc = w[ri + c], qc = q[c], vc = w[rl + c];
      const x0 = w[r0 + c] - u0 * qc - q0 * uc;
      const x1 = w[r1 + c] - u1 * qc - q1 * uc;
      w[r0 + c] = x0;
      w[r1 + c] = x1;
      s0 += x0 * vc;
      s1 += x1 * vc;
      out[c] += x0 * v0 + x1 * v1;
    }
    // The 2×2 corner: (r, r), (r+1, r), (r+1, r+1).
    const x00 = w[r0 + r] - 2 * u0 * q0;
    const x10 = w[r1 + r] - u1 * q0 - q1 * u0;
    const x11 = w[r1 + r + 1] - 2 * u1 * q1;
    w[r0 + r] = x00;
    w[r1 + r] = x10;
    w[r1 + r + 1] = x11;
    out[r] += s0 + x00 * v0 + x10 * v1;
    out[r + 1] += s1 + x10 * v0 + x11 * v1;
  }
  if (r < l) {
    const r0 = r * n;
    const u0 = w[ri + r], q0 = q[r], v0 = w[rl + r];
    let s0 = 0;
    for (let c = 0; c < r; c++) {
      const x0 = w[r0 + c] - u0 * q[c] - q0 * w[ri + c];
      w[r0 + c] = x0;
      s0 += x0 * w[rl + c];
      out[c] += x0 * v0;
    }
    const x00 = w[r0 + r] - 2 * u0 * q0;
    w[r0 + r] = x00;
    out[r] += s0 + x00 * v0;
  }
}
