/**
 * How an analysis gets the eigenvalues of its sample covariance from N rows of dimension d.
 *
 *   'covariance'  accumulate the d × d covariance while reading (O(N·d²) time, O(d²) memory)
 *                 and solve it (O(d³));
 *   'gram'        keep the finite rows and solve the N × N Gram matrix of the centred rows
 *                 (O(N·d) memory, O(N²·d + N³) time). YᵀY/(N−1) and YYᵀ/(N−1) have the same
 *                 nonzero eigenvalues; the other d − N are exactly 0 (and the Gram matrix of
 *                 centred rows has rank ≤ N − 1, so one more is 0 up to rounding). The spectrum,
 *                 and every metric taken from it, is that of the d × d covariance.
 *
 * The Gram route is taken when fewer rows than dimensions are read: it is then smaller, and
 * faster (2 × 8,000: a 2 × 2 matrix instead of 512 MB and an 8,000³ solve); with fewer than 2
 * finite rows nothing of size d × d is allocated at all. One exception: when the covariance would
 * be accumulated by the WebAssembly kernels (about 12 times the multiply-adds per second of the
 * Gram matrix's plain JS product) and N > d/2, the covariance route stays faster (measured:
 * 3,000 × 4,000 takes 13 s by the covariance, 19 s by the Gram matrix; 1,000 × 2,000 takes 1.9 s
 * and 1.0 s), so it is kept there.
 */
import { gramEigenvalues } from '../linalg/gramEigenvalues';
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import type { StatisticsResult } from '../stats/streamingStatistics';

export type SpectrumRoute = 'covariance' | 'gram';

/**
 * The route for `rows` rows (the rows that will be read: after sampling, before dropping
 * non-finite ones); `wasmCovariance`: the covariance route would use the WebAssembly kernels.
 */
export function spectrumRoute(rows: number, dim: number, wasmCovariance = false): SpectrumRoute {
  if (rows >= dim) return 'covariance';
  return wasmCovariance && 2 * rows > dim ? 'covariance' : 'gram';
}

/**
 * The finite rows of the blocks given to `add` (a row with NaN or ±Inf is left out, as the
 * statistics leave it out), up to `capacity` rows.
 */
export class FiniteRows {
  readonly rows: Float64Array;
  count = 0;

  constructor(private readonly dim: number, private readonly capacity: number) {
    this.rows = new Float64Array(capacity * dim);
  }

  add(block: Float64Array, n: number): void {
    const dim = this.dim;
    for (let r = 0; r < n && this.count < this.capacity; r++) {
      const row = block.subarray(r * dim, (r + 1) * dim);
      let finite = true;
      for (let j = 0; j < dim; j++) if (!Number.isFinite(row[j])) { finite = false; break; }
      if (finite) this.rows.set(row, (this.count++) * dim);
    }
  }
}

export interface RouteSpectrum {
  /** Descending, d values; empty when there is no spectrum (fewer than 2 finite rows, or overflow). */
  eigenvalues: Float64Array;
  /** True when values are so large that the covariance overflows float64. */
  overflow: boolean;
}

/**
 * The covariance spectrum by the Gram route from the kept finite rows and the statistics of the
 * same rows (their mean centres them). `kept.rows` is centred in place (it is not needed after).
 * `forceJs`: solve the Gram matrix in plain JS (small matrices, see symmetricEigenvalues).
 */
export function gramRouteSpectrum(kept: FiniteRows, st: StatisticsResult, forceJs = false): RouteSpectrum {
  const none = new Float64Array(0);
  if (st.count < 2) return { eigenvalues: none, overflow: false };
  if (kept.count !== st.count) throw new RangeError(`gramRouteSpectrum: ${kept.count} rows kept, ${st.count} in the statistics`);
  if (st.variance && !st.variance.every(Number.isFinite)) return { eigenvalues: none, overflow: true };
  return finiteSpectrum(gramEigenvalues(kept.rows, kept.count, st.dim, st.mean, { forceJs, centreInPlace: true }));
}

/**
 * The spectrum as computed, or none with overflow when an eigenvalue is not finite: a finite
 * covariance can still have an eigenvalue beyond float64 (a 2 × 2 of entries 1.28e308 has 2.56e308).
 */
export function finiteSpectrum(eigenvalues: Float64Array): RouteSpectrum {
  return eigenvalues.every(Number.isFinite) ? { eigenvalues, overflow: false } : { eigenvalues: new Float64Array(0), overflow: true };
}

/**
 * The covariance route's spectrum, for a single file's pass, its quick pass and a dataset's merged
 * partial alike: none without a covariance (fewer than 2 finite rows), none with overflow when an
 * entry is not finite, else the eigenvalues by `solve` (default: symmetricEigenvalues of it).
 */
export function covarianceSpectrum(covariance: Float64Array | null, dim: number,
  solve: (covariance: Float64Array) => Float64Array = c => symmetricEigenvalues(c, dim)): RouteSpectrum {
  if (!covariance) return { eigenvalues: new Float64Array(0), overflow: false };
  if (!covariance.every(Number.isFinite)) return { eigenvalues: new Float64Array(0), overflow: true };
  return finiteSpectrum(solve(covariance));
}
