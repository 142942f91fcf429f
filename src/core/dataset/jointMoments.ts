/**
 * Mergeable first and second moments of finite rows: count, mean and co-moment
 * Σ (x − mean)(x − mean)ᵀ, merged by the pairwise update of Chan, Golub & LeVeque (1979):
 * n = na + nb, δ = mean_b − mean_a, M = Ma + Mb + δδᵀ·na·nb/n, mean = (na·mean_a + nb·mean_b)/n,
 * which does not depend on the order of a and b.
 */
import type { StatisticsResult } from '../stats/streamingStatistics';

export interface Moments {
  count: number;
  /** (dim,), zeros when count is 0. */
  mean: Float64Array;
  /** (dim, dim), full, row-major. */
  comoment: Float64Array;
}

/**
 * `into`: where the co-moment goes, when the caller may overwrite it (a's or b's co-moment, owned
 * by a merge in progress): no new d × d array each merge; else a new one.
 */
export function mergeMoments(a: Moments, b: Moments, dim: number, into?: Float64Array): Moments {
  const na = a.count, nb = b.count, n = na + nb;
  if (na === 0 || nb === 0) {
    const s = na === 0 ? b : a;
    if (!into) return { count: n, mean: s.mean.slice(), comoment: s.comoment.slice() };
    if (into !== s.comoment) into.set(s.comoment);
    return { count: n, mean: s.mean.slice(), comoment: into };
  }
  const mean = new Float64Array(dim);
  const delta = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    mean[i] = (na * a.mean[i] + nb * b.mean[i]) / n;
    delta[i] = b.mean[i] - a.mean[i];
  }
  const w = (na * nb) / n;
  // each entry is read from a and b before it is written: `into` may be either of them
  const comoment = into ?? new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const di = delta[i] * w;
    const row = i * dim;
    for (let j = 0; j < dim; j++) comoment[row + j] = (a.comoment[row + j] + b.comoment[row + j]) + di * delta[j];
  }
  return { count: n, mean, comoment };
}

/**
 * The moments of the statistics of the single-file analysis: the co-moment is the covariance times
 * (count − 1), exact to rounding. `comoment`: 'copy' (default) in a new array; 'in-place' in the
 * statistics' covariance array itself (which then holds the co-moment); 'none', no co-moment (an
 * empty array: statistics taken without the covariance, a single file's Gram route; such moments
 * are reported, never merged).
 */
export function momentsOfStatistics(st: StatisticsResult, dim: number, comoment: 'copy' | 'in-place' | 'none' = 'copy'): Moments {
  const mean = st.count > 0 ? Float64Array.from(st.mean) : new Float64Array(dim);
  if (comoment === 'none') return { count: st.count, mean, comoment: new Float64Array(0) };
  const out = comoment === 'in-place' && st.covariance ? st.covariance : new Float64Array(dim * dim);
  if (st.covariance) for (let i = 0; i < out.length; i++) out[i] = st.covariance[i] * (st.count - 1);
  return { count: st.count, mean, comoment: out };
}
