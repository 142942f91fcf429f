/**
 * E3 Gaussian (log-det) differential entropy of the representation: plug-in with the unbiased
 * and with the maximum-likelihood covariance, the UMVU estimator for Gaussian data (Ahmed &
 * Gokhale 1989), and the rank-r subspace value when the covariance is rank-deficient.
 */
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { CONCEPT, figure, proposed, unavailable, withNormalizations, type Figure } from './figure';
import { numericalRank } from './preprocess';
import { digamma, LN2, LOG2_2PIE } from './special';

/** ½ Σ log₂(2πe λᵢ) over the given eigenvalues (NaN if one is ≤ 0). */
export function gaussianEntropyFromEigenvaluesBits(eigenvalues: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    if (!(eigenvalues[i] > 0)) return NaN;
    s += LOG2_2PIE + Math.log2(eigenvalues[i]);
  }
  return 0.5 * s;
}

/**
 * ĥ_G = ½[d·log₂(2πe) + log₂ det S] bits for a d×d covariance; NaN when S is rank-deficient by
 * the P4 rule (λᵢ ≤ 1e-10·λ_max), where the full-dimensional value is −∞.
 */
export function gaussianEntropyBits(cov: Float64Array, d: number): number {
  if (d === 0) return 0;
  const eig = symmetricEigenvalues(cov, d);
  return numericalRank(eig) < d ? NaN : gaussianEntropyFromEigenvaluesBits(eig);
}

/** log₂ det S from eigenvalues (NaN if rank-deficient by the P4 rule). */
export function log2DetFromEigenvalues(eigenvalues: ArrayLike<number>): number {
  if (numericalRank(eigenvalues) < eigenvalues.length) return NaN;
  let s = 0;
  for (let i = 0; i < eigenvalues.length; i++) s += Math.log2(eigenvalues[i]);
  return s;
}

/**
 * UMVU entropy of a Gaussian from N samples (Ahmed & Gokhale 1989; Misra, Singh & Demchuk 2005),
 * in bits, from the eigenvalues of the unbiased covariance S (A = (N−1)·S):
 *   ĥ = (d/2)·ln(2πe) + ½[ln det A − d·ln 2 − Σ_{i=1..d} ψ((N−i)/2)]   (nats, ÷ ln 2).
 * NaN unless N ≥ d + 1 and S has full rank.
 */
export function umvuGaussianEntropyBits(eigenvaluesOfS: ArrayLike<number>, n: number): number {
  const d = eigenvaluesOfS.length;
  if (n < d + 1 || numericalRank(eigenvaluesOfS) < d) return NaN;
  let lnDetA = 0;
  for (let i = 0; i < d; i++) lnDetA += Math.log((n - 1) * eigenvaluesOfS[i]);
  let psi = 0;
  for (let i = 1; i <= d; i++) psi += digamma((n - i) / 2);
  const nats = (d / 2) * Math.log(2 * Math.PI * Math.E) + 0.5 * (lnDetA - d * Math.log(2) - psi);
  return nats / LN2;
}

/** ĥ_r = ½ Σ_{i≤r} log₂(2πe λᵢ) over the top-r eigenvalues (any order in; sorted here). */
export function subspaceEntropyBits(eigenvalues: ArrayLike<number>, r: number): number {
  const sorted = Float64Array.from(eigenvalues).sort().reverse();
  return gaussianEntropyFromEigenvaluesBits(sorted.subarray(0, r));
}

export interface GaussianEntropyFigures {
  /** Numerical rank r of S (P4). */
  rank: number;
  dim: number;
  /** ĥ_G with S = 1/(N−1). */
  plugin: Figure;
  /** ĥ_G with S_ML = 1/N. */
  pluginMl: Figure;
  umvu: Figure;
  /** ĥ_r on the top-r eigen-directions (equals the full value when r = d). */
  subspace: Figure;
}

const E3_PROVENANCE = proposed(CONCEPT.entropy,
  'Gaussian log-det entropy: exact for Gaussian data; for any data with this covariance it is the maximum-entropy value, so in population it upper-bounds h(Z). UMVU form: Ahmed & Gokhale (1989), Misra, Singh & Demchuk (2005).');

/**
 * E3 as figures from the eigenvalues of the unbiased covariance S of Z (dead columns already
 * removed), N rows. `deadColumns` is reported in the flags/explanations.
 */
export function gaussianEntropyFigures(eigenvaluesOfS: ArrayLike<number>, n: number, opts: { deadColumns?: number } = {}): GaussianEntropyFigures {
  const d = eigenvaluesOfS.length;
  const eig = Float64Array.from(eigenvaluesOfS).sort().reverse();
  const r = numericalRank(eig);
  const dead = opts.deadColumns ?? 0;
  const deadFlags = dead > 0 ? (['dead_columns_removed'] as const) : [];
  const deadText = dead > 0 ? ` ${dead} dead (constant) column${dead === 1 ? '' : 's'} removed first (P2): the value is the entropy of the remaining ${d} coordinates; with them the full-dimensional h is −∞.` : '';
  const common = { unit: 'bits per model use' as const, quantity: 'h(Z)', rows: n, provenance: E3_PROVENANCE };
  const details = { d, rank: r, deadColumns: dead, log2Det: r === d ? log2DetFromEigenvalues(eig) : null };
  const gaussianText = 'Gaussian value: exact for Gaussian Z, otherwise an upper bound on h(Z) for the population covariance (maximum entropy); estimated from samples.';
  const rankText = `Rank-deficient: S has numerical rank r = ${r} < d = ${d} (eigenvalues ≤ 1e-10·λ_max), so the full-dimensional log-det entropy is −∞ and no number is given${n <= d ? ` (N = ${n} ≤ d = ${d} always gives r ≤ N − 1 < d)` : ''}. The rank-r subspace value is reported separately.`;
  const flagsIfDeficient = r < d ? (['rank_deficient', ...(n <= d ? (['n_le_d'] as const) : [])] as const) : [];

  const pluginValue = r < d ? NaN : gaussianEntropyFromEigenvaluesBits(eig);
  const mlEig = eig.map(x => (x * (n - 1)) / n);
  const plugin = r < d
    ? unavailable({ ...common, kind: 'upper-bound', estimator: 'E3 Gaussian log-det (plug-in, 1/(N−1))', formula: '½[d·log₂(2πe) + log₂ det S]', flags: [...flagsIfDeficient, 'gaussian_bound', ...deadFlags], explanation: rankText + deadText, details })
    : figure({ ...common, value: pluginValue, kind: 'upper-bound', estimator: 'E3 Gaussian log-det (plug-in, 1/(N−1))', formula: '½[d·log₂(2πe) + log₂ det S]', flags: ['gaussian_bound', ...deadFlags], explanation: gaussianText + deadText, details });
  const pluginMl = r < d
    ? unavailable({ ...common, kind: 'upper-bound', estimator: 'E3 Gaussian log-det (plug-in, ML 1/N)', formula: '½[d·log₂(2πe) + log₂ det S_ML]', flags: [...flagsIfDeficient, 'gaussian_bound', ...deadFlags], explanation: rankText + deadText, details })
    : figure({ ...common, value: gaussianEntropyFromEigenvaluesBits(mlEig), kind: 'upper-bound', estimator: 'E3 Gaussian log-det (plug-in, ML 1/N)', formula: '½[d·log₂(2πe) + log₂ det S_ML]', flags: ['gaussian_bound', ...deadFlags], explanation: gaussianText + deadText, details });
  let umvu: Figure;
  const umvuFormula = '(d/2)·ln(2πe) + ½[ln det((N−1)S) − d·ln 2 − Σᵢ ψ((N−i)/2)], ÷ ln 2';
  if (n < d + 1) {
    umvu = unavailable({ ...common, kind: 'upper-bound', estimator: 'E3 Gaussian log-det (UMVU)', formula: umvuFormula, flags: ['n_le_d', 'rank_deficient', 'gaussian_bound', ...deadFlags],
      explanation: `The UMVU estimator needs N ≥ d + 1 rows (N = ${n}, d = ${d}), and N ≥ d + 2 for a finite variance.` + deadText, details });
  } else if (r < d) {
    umvu = unavailable({ ...common, kind: 'upper-bound', estimator: 'E3 Gaussian log-det (UMVU)', formula: umvuFormula, flags: ['rank_deficient', 'gaussian_bound', ...deadFlags], explanation: rankText + deadText, details });
  } else {
    umvu = figure({ ...common, value: umvuGaussianEntropyBits(eig, n), kind: 'upper-bound', estimator: 'E3 Gaussian log-det (UMVU)', formula: umvuFormula,
      flags: ['gaussian_bound', ...deadFlags], explanation: 'Unbiased for the Gaussian entropy of the sampling covariance when Z is Gaussian; otherwise a (population) upper bound on h(Z).' + (n < d + 2 ? ' N = d + 1: its variance is infinite.' : '') + deadText, details });
  }
  const subspace = figure({
    ...common, value: r > 0 ? subspaceEntropyBits(eig, r) : NaN, kind: 'upper-bound', quantity: `h(Z projected on its top-${r} principal directions)`,
    estimator: 'E3 Gaussian log-det on the rank-r subspace', formula: '½ Σ_{i≤r} log₂(2πe λᵢ)',
    flags: ['gaussian_bound', ...deadFlags], explanation: r < d ? `Entropy of the ${r}-dimensional subspace where S has mass (a different quantity from h(Z), which is −∞).` + deadText : 'Full rank: equals the plug-in value.' + deadText,
    details: { ...details, r },
  });
  withNormalizations(plugin, { dim: d });
  withNormalizations(pluginMl, { dim: d });
  withNormalizations(umvu, { dim: d });
  withNormalizations(subspace, { dim: r });
  return { rank: r, dim: d, plugin, pluginMl, umvu, subspace };
}
