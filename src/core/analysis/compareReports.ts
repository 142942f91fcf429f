import type { AnalysisReport } from '../report/analysisReport';

/**
 * How two dumps differ (e.g. the same inputs through two checkpoints): metric deltas,
 * the shift of the mean, and distances between their covariances. Each figure carries
 * its formula; all are plug-in estimates from the rows each analysis used.
 */
export interface DumpComparison {
  left: AnalysisReport;
  right: AnalysisReport;
  sameDim: boolean;
  /** right − left for each spectrum metric both reports have. */
  metricDeltas: { key: string; left: number | null; right: number | null; delta: number | null }[];
  /** ‖μ_R − μ_L‖₂, and that divided by √((tr Σ_L + tr Σ_R)/2), the typical spread. Null when dims differ. */
  meanShift: { l2: number; relative: number; formula: string } | null;
  /** Relative distance of the eigenvalue spectra: ‖λ_R − λ_L‖₂ / ‖(λ_L + λ_R)/2‖₂ (sorted, so rotation-invariant). */
  spectrumDistance: { value: number; formula: string } | null;
  /** Relative Frobenius distance of the covariances, 2‖Σ_R − Σ_L‖_F / (‖Σ_L‖_F + ‖Σ_R‖_F): sees rotations too. */
  covarianceDistance: { value: number; formula: string } | null;
  notes: string[];
}

export const COVARIANCE_DISTANCE_FORMULA = '2‖Σ_R − Σ_L‖_F / (‖Σ_L‖_F + ‖Σ_R‖_F)';

/** 2‖B − A‖_F / (‖A‖_F + ‖B‖_F) of two equal-length arrays; null when both are zero. */
export function relativeFrobeniusDistance(a: ArrayLike<number>, b: ArrayLike<number>): { value: number | null; normA: number; normB: number } {
  if (a.length !== b.length) throw new RangeError(`matrices of different sizes (${a.length} and ${b.length} entries)`);
  // scaled sums of squares (as in LAPACK's dnrm2), so entries near float64's limits neither overflow nor underflow
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  if (scale === 0 || !Number.isFinite(scale)) return { value: scale === 0 ? null : NaN, normA: scale === 0 ? 0 : NaN, normB: scale === 0 ? 0 : NaN };
  let diff = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] / scale, y = b[i] / scale;
    diff += (y - x) * (y - x); na += x * x; nb += y * y;
  }
  const normA = Math.sqrt(na), normB = Math.sqrt(nb);
  return { value: (2 * Math.sqrt(diff)) / (normA + normB), normA: normA * scale, normB: normB * scale };
}

const METRIC_KEYS = ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'conditionNumber', 'totalVariance'] as const;

function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function compareReports(
  left: AnalysisReport,
  right: AnalysisReport,
  covariances?: { left: Float64Array; right: Float64Array },
): DumpComparison {
  const notes: string[] = [];
  const sameDim = left.dim === right.dim;
  if (!sameDim) notes.push(`The dumps have different dimensions (${left.dim} and ${right.dim}): only the metrics can be compared, not the mean or the covariance.`);
  if (left.sampling.sampled || right.sampling.sampled) notes.push('At least one side was analysed on a row sample: differences of the size of sampling noise are not meaningful.');
  if (left.rowsTotal !== right.rowsTotal) notes.push(`The dumps have different row counts (${left.rowsTotal} and ${right.rowsTotal}); if they should hold the same inputs, they do not.`);

  const metricDeltas = METRIC_KEYS.map(key => {
    const l = left.metrics ? left.metrics[key] : null;
    const r = right.metrics ? right.metrics[key] : null;
    return { key, left: l, right: r, delta: l !== null && r !== null ? r - l : null };
  });

  let meanShift: DumpComparison['meanShift'] = null;
  let spectrumDistance: DumpComparison['spectrumDistance'] = null;
  let covarianceDistance: DumpComparison['covarianceDistance'] = null;
  if (sameDim && left.mean.length === right.mean.length && left.mean.length > 0) {
    const diff = left.mean.map((m, i) => right.mean[i] - m);
    const l2 = norm2(diff);
    const spread = Math.sqrt(((left.metrics?.totalVariance ?? 0) + (right.metrics?.totalVariance ?? 0)) / 2);
    meanShift = { l2, relative: spread > 0 ? l2 / spread : NaN, formula: '‖μ_R − μ_L‖₂ / √((tr Σ_L + tr Σ_R)/2)' };
  }
  if (sameDim && left.eigenvalues.length === right.eigenvalues.length && left.eigenvalues.length > 0) {
    const d = left.eigenvalues.map((v, i) => right.eigenvalues[i] - v);
    const avg = left.eigenvalues.map((v, i) => (right.eigenvalues[i] + v) / 2);
    const denom = norm2(avg);
    if (denom > 0) spectrumDistance = { value: norm2(d) / denom, formula: '‖λ_R − λ_L‖₂ / ‖(λ_L + λ_R)/2‖₂' };
  }
  if (sameDim && covariances && covariances.left.length === covariances.right.length) {
    const { value } = relativeFrobeniusDistance(covariances.left, covariances.right);
    if (value !== null && Number.isFinite(value)) covarianceDistance = { value, formula: COVARIANCE_DISTANCE_FORMULA };
  }
  return { left, right, sameDim, metricDeltas, meanShift, spectrumDistance, covarianceDistance, notes };
}
