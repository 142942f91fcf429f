import type { SpectrumMetrics } from '../report/analysisReport';

/**
 * Scalar summaries of a covariance spectrum. All are plug-in estimates: they are computed
 * from the eigenvalues of the sample covariance (1/(N−1)), not of the population.
 *
 * "Numerically zero": eigenvalues λ ≤ ZERO_EIGENVALUE_TOLERANCE · λmax (and all λ ≤ 0) are
 * treated as exactly 0. A float64 symmetric eigen solve has backward error about n·ε·λmax
 * (≈ 10⁻¹² at n = 4,096), so smaller values, including negative ones, are rounding noise;
 * clipping them keeps every metric finite and stops noise from inflating RankMe (whose √λ
 * weights would otherwise give 10⁻⁸-sized noise a visible share).
 *
 * All-zero (or empty) spectrum: effectiveRank, rankMe, participationRatio, stableRank,
 * totalVariance and every explained-variance fraction are 0, conditionNumber is null.
 * Never NaN.
 */
export const ZERO_EIGENVALUE_TOLERANCE = 1e-12;

/** The k of the explained-variance figures (those with k ≤ number of eigenvalues are reported). */
export const EXPLAINED_VARIANCE_KS: readonly number[] = [1, 10, 100];

export type MetricKey = keyof SpectrumMetrics;

export interface MetricDefinition {
  label: string;
  /** Plain text with Unicode, suitable for a table cell or tooltip. */
  formula: string;
  /** Every figure is a plug-in estimate from the sample covariance. */
  kind: 'estimate';
  reference: string;
}

/** What produced each figure, so every surface can state its formula. */
export const METRIC_DEFINITIONS: Record<MetricKey, MetricDefinition> = {
  effectiveRank: {
    label: 'Effective rank',
    formula: 'exp(−Σ pᵢ log pᵢ), pᵢ = λᵢ/Σλ',
    kind: 'estimate',
    reference: 'Roy & Vetterli (2007), "The effective rank: a measure of effective dimensionality", EUSIPCO',
  },
  rankMe: {
    label: 'RankMe',
    formula: 'exp(−Σ qᵢ log qᵢ), qᵢ = σᵢ/Σσ, σᵢ = √λᵢ (no ε term)',
    kind: 'estimate',
    reference: 'Garrido, Balestriero, Najman & LeCun (2023), "RankMe: assessing the downstream performance of pretrained self-supervised representations by their rank", ICML',
  },
  participationRatio: {
    label: 'Participation ratio',
    formula: '(Σλᵢ)² / Σλᵢ²',
    kind: 'estimate',
    reference: 'Gao et al. (2017), "A theory of multineuronal dimensionality, dynamics and measurement", bioRxiv',
  },
  stableRank: {
    label: 'Stable rank',
    formula: 'Σλᵢ / λmax = ‖X_c‖F² / ‖X_c‖₂²',
    kind: 'estimate',
    reference: 'Rudelson & Vershynin (2007), "Sampling from large matrices: an approach through geometric functional analysis", J. ACM',
  },
  conditionNumber: {
    label: 'Condition number',
    formula: `λmax / λmin over λᵢ > ${ZERO_EIGENVALUE_TOLERANCE}·λmax`,
    kind: 'estimate',
    reference: 'Golub & Van Loan, "Matrix Computations" (condition number of a symmetric positive definite matrix)',
  },
  totalVariance: {
    label: 'Total variance',
    formula: 'Σλᵢ = trace of the covariance',
    kind: 'estimate',
    reference: 'Jolliffe, "Principal Component Analysis" (total variance)',
  },
  explainedVariance: {
    label: 'Explained variance',
    formula: 'Σᵢ₌₁ᵏ λᵢ / Σλᵢ (top-k eigenvalues)',
    kind: 'estimate',
    reference: 'Jolliffe, "Principal Component Analysis" (proportion of variance explained)',
  },
};

/**
 * Spectrum metrics from covariance eigenvalues sorted descending (unsorted input is sorted
 * on a copy). See the module comment for the zero tolerance and the all-zero conventions.
 * Throws RangeError on a non-finite eigenvalue.
 */
export function spectrumMetrics(eigenvaluesDescending: ArrayLike<number>): SpectrumMetrics {
  const n = eigenvaluesDescending.length;
  const lambda = Float64Array.from(eigenvaluesDescending);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(lambda[i])) throw new RangeError(`spectrumMetrics: eigenvalue ${i} is ${lambda[i]}`);
  }
  for (let i = 1; i < n; i++) {
    if (lambda[i] > lambda[i - 1]) {
      lambda.sort().reverse();
      break;
    }
  }

  const lambdaMax = n > 0 ? Math.max(lambda[0], 0) : 0;
  const tol = ZERO_EIGENVALUE_TOLERANCE * lambdaMax;
  let positive = 0;
  let sum = 0;
  let sumSq = 0;
  let sumSqrt = 0;
  for (let i = 0; i < n; i++) {
    if (!(lambda[i] > tol)) { // also catches λ ≤ 0 when tol underflows to 0
      lambda[i] = 0;
      continue;
    }
    positive++;
    sum += lambda[i];
    sumSq += lambda[i] * lambda[i];
    sumSqrt += Math.sqrt(lambda[i]);
  }
  const explainedVariance = EXPLAINED_VARIANCE_KS.filter(k => k <= n).map(k => ({ k, fraction: 0 }));
  if (positive === 0) {
    return { effectiveRank: 0, rankMe: 0, participationRatio: 0, stableRank: 0, conditionNumber: null, totalVariance: 0, explainedVariance };
  }

  let entropyP = 0;
  let entropyQ = 0;
  let lambdaMin = lambdaMax;
  for (let i = 0; i < positive; i++) {
    const p = lambda[i] / sum;
    const q = Math.sqrt(lambda[i]) / sumSqrt;
    entropyP -= p * Math.log(p);
    entropyQ -= q * Math.log(q);
    lambdaMin = lambda[i];
  }
  let cumulative = 0;
  let next = 0;
  for (const e of explainedVariance) {
    for (; next < e.k; next++) cumulative += lambda[next];
    e.fraction = Math.min(1, cumulative / sum);
  }
  return {
    effectiveRank: Math.exp(entropyP),
    rankMe: Math.exp(entropyQ),
    participationRatio: (sum * sum) / sumSq,
    stableRank: sum / lambdaMax,
    conditionNumber: lambdaMax / lambdaMin,
    totalVariance: sum,
    explainedVariance,
  };
}
