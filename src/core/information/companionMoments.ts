/**
 * The second moments of every row of Z and its companions (a dataset's merged moments of the
 * joint rows [Z | Z̃ | Y | Ŷ | X | labels]), when the rows handed to computeInformation are only
 * a sample of them: the Gaussian figures take their blocks, the k-NN ones the sample.
 */
import { block } from './dense';
import type { ArrayRole } from './manifest';

export interface CompanionMoments {
  /** Rows behind the moments (every value finite). */
  count: number;
  /** Columns of the joint rows. */
  dim: number;
  mean: Float64Array;
  /** Unbiased covariance, dim × dim, row-major. */
  covariance: Float64Array;
  /** Where each array's columns are in the joint rows (Z at offset 0). */
  columns: Partial<Record<ArrayRole, { offset: number; dim: number }>>;
}

function columnsOf(m: CompanionMoments, role: ArrayRole): { offset: number; dim: number } {
  const c = m.columns[role];
  if (!c) throw new RangeError(`companion moments: no ${role}`);
  return c;
}

/** S_ab: the covariance block of roles a (rows) and b (columns). */
export function covarianceBlock(m: CompanionMoments, a: ArrayRole, b: ArrayRole): Float64Array {
  const ca = columnsOf(m, a), cb = columnsOf(m, b);
  return block(m.covariance, m.dim, ca.offset, ca.dim, cb.offset, cb.dim);
}

/** Unbiased covariance of a − b (same width): S_a + S_b − S_ab − S_ba. */
export function differenceCovariance(m: CompanionMoments, a: ArrayRole, b: ArrayRole): Float64Array {
  const d = columnsOf(m, a).dim;
  const saa = covarianceBlock(m, a, a), sbb = covarianceBlock(m, b, b), sab = covarianceBlock(m, a, b);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = saa[i * d + j] + sbb[i * d + j] - sab[i * d + j] - sab[j * d + i];
  return out;
}

/** (1/N) Σ (aᵢ − bᵢ)(aᵢ − bᵢ)ᵀ = S_{a−b}·(N − 1)/N + δδᵀ, δ = mean_a − mean_b. */
export function differenceSecondMoment(m: CompanionMoments, a: ArrayRole, b: ArrayRole): Float64Array {
  const ca = columnsOf(m, a), cb = columnsOf(m, b);
  const d = ca.dim;
  const s = differenceCovariance(m, a, b);
  const f = (m.count - 1) / m.count;
  for (let i = 0; i < d; i++) {
    const di = m.mean[ca.offset + i] - m.mean[cb.offset + i];
    for (let j = 0; j < d; j++) s[i * d + j] = s[i * d + j] * f + di * (m.mean[ca.offset + j] - m.mean[cb.offset + j]);
  }
  return s;
}

/** Mean of x² over every value of role a: (Σⱼ S_jj·(N − 1)/N + μⱼ²) / width. */
export function meanSquare(m: CompanionMoments, a: ArrayRole): number {
  const c = columnsOf(m, a);
  let s = 0;
  for (let j = c.offset; j < c.offset + c.dim; j++) s += m.covariance[j * m.dim + j] * ((m.count - 1) / m.count) + m.mean[j] * m.mean[j];
  return s / c.dim;
}
