/**
 * Eigenvalues of the sample covariance of few rows through the Gram matrix: for m centred rows
 * Y (m × dim) with m < dim, YᵀY/(m−1) (dim × dim) and YYᵀ/(m−1) (m × m) have the same nonzero
 * eigenvalues, and the rest are 0. The m × m route costs m²·dim/2 + (4/3)m³ instead of
 * m·dim²/2 + (4/3)dim³.
 */
import { symmetricEigenvalues, type SymmetricEigenvaluesOptions } from './symmetricEigenvalues';

export interface GramEigenvaluesOptions extends SymmetricEigenvaluesOptions {
  /** Centre `rows` in place (the caller's copy) instead of in a new m × dim array. */
  centreInPlace?: boolean;
}

/**
 * All `dim` eigenvalues (descending; the dim − m smallest exactly 0) of the covariance, with
 * divisor m − 1, of the m rows of `rows` (row-major m × dim, finite), centred on `mean`.
 * All NaN when an entry of the Gram matrix overflows float64: there is no spectrum to give.
 */
export function gramEigenvalues(rows: Float64Array, m: number, dim: number, mean: ArrayLike<number>,
  options: GramEigenvaluesOptions = {}): Float64Array {
  if (!(Number.isSafeInteger(m) && m >= 2 && Number.isSafeInteger(dim) && dim >= 1) || rows.length < m * dim || mean.length < dim) {
    throw new RangeError(`gramEigenvalues: need at least 2 rows of ${dim} values and a mean of ${dim}`);
  }
  const y = options.centreInPlace ? rows : new Float64Array(m * dim);
  for (let r = 0; r < m; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) y[o + j] = rows[o + j] - mean[j];
  }
  const g = new Float64Array(m * m);
  const scale = 1 / (m - 1);
  // Lower triangle, four rows of G at a time (each load of row b serves four products).
  let a = 0;
  for (; a + 3 < m; a += 4) {
    const o0 = a * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
    for (let b = 0; b <= a + 3; b++) {
      const ob = b * dim;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim; j++) {
        const v = y[ob + j];
        s0 += y[o0 + j] * v;
        s1 += y[o1 + j] * v;
        s2 += y[o2 + j] * v;
        s3 += y[o3 + j] * v;
      }
      if (b <= a) g[a * m + b] = s0 * scale;
      if (b <= a + 1) g[(a + 1) * m + b] = s1 * scale;
      if (b <= a + 2) g[(a + 2) * m + b] = s2 * scale;
      g[(a + 3) * m + b] = s3 * scale;
    }
  }
  for (; a < m; a++) {
    const oa = a * dim;
    for (let b = 0; b <= a; b++) {
      const ob = b * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += y[oa + j] * y[ob + j];
      g[a * m + b] = s * scale;
    }
  }
  if (!g.every(Number.isFinite)) return new Float64Array(dim).fill(NaN);
  const small = symmetricEigenvalues(g, m, { forceJs: options.forceJs, reduction: options.reduction });
  const out = new Float64Array(Math.max(dim, m));
  // A Gram matrix is positive semidefinite: a negative eigenvalue is rounding noise around 0,
  // given as the 0 it stands for (so the spectrum stays descending with the dim − m exact zeros).
  for (let i = 0; i < m; i++) out[i] = small[i] > 0 ? small[i] : 0;
  // The Gram matrix of centred rows is singular (rank ≤ m − 1): its smallest eigenvalue is
  // rounding noise around 0, like the dim − m that are exactly 0; keep only dim values.
  return out.subarray(0, dim).slice();
}
