/**
 * The entropy of the perturbation at embedding level, h(E) with E = Z̃ − Z, in its Gaussian
 * (log-det) form: the noise term of the E7f channel. The spec's addendum exports it as the
 * nearest computable quantity to the "measurement-noise bits" that the second-hand reading log
 * of the paper mentions without defining.
 */
import { CONCEPT, figure, proposed, unavailable, withNormalizations, type Figure, type InformationFlag } from './figure';
import { gaussianEntropyFromEigenvaluesBits } from './gaussianEntropy';

const BASE = {
  unit: 'bits per model use' as const, kind: 'upper-bound' as const,
  quantity: 'h(E), E = Z̃ − Z: entropy of the perturbation ("measurement-noise bits", nearest computable)',
  estimator: 'E7f noise entropy (Gaussian log-det of S_E)', formula: '½ Σ_j log₂(2πe·N_j), N_j = eig S_E',
  provenance: proposed(CONCEPT.measurementNoise, 'Gaussian log-det entropy of the embedding-level perturbation E = Z̃ − Z, the noise term of the E7f channel; for any noise with covariance S_E it is the maximum-entropy value, so in population it upper-bounds h(E).'),
};

/**
 * h(E) from the eigenvalues of S_E (rank by the P4 rule), or no value with the reason: `why`
 * when E is undefined (Z and Z̃ of different widths), a singular S_E, or N ≤ d.
 */
export function perturbationEntropyFigure(args: {
  eigenvalues: ArrayLike<number> | null; rank: number; rows: number; inputSymbols: number | null;
  why?: string; deadFlags: InformationFlag[]; deadText: string;
}): Figure {
  const { eigenvalues: eig, rank, rows: n, deadFlags, deadText } = args;
  const d = eig?.length ?? 0;
  let f: Figure;
  if (!eig) {
    f = unavailable({ ...BASE, rows: n, flags: ['invalid_argument'], explanation: args.why ?? 'E = Z̃ − Z is undefined.' });
  } else if (rank === d && n > d) {
    f = figure({ ...BASE, rows: n, value: gaussianEntropyFromEigenvaluesBits(eig), flags: ['gaussian_bound', 'row_order_unverified', ...deadFlags],
      explanation: 'The entropy of the perturbation in embedding space, Gaussian form: exact for Gaussian E, otherwise the maximum entropy for its covariance. It is the nearest computable stand-in for the "measurement-noise bits" of the second-hand reading log, not a quantity the paper is known to define this way.' + deadText,
      details: { noiseEigenvalues: Array.from(eig).sort((a, b) => b - a), d } });
  } else {
    f = unavailable({ ...BASE, rows: n, flags: rank < d ? ['singular_noise_covariance', ...deadFlags] : ['n_le_d', 'rank_deficient', ...deadFlags],
      explanation: (rank < d ? `Singular noise covariance: S_E = cov(Z̃ − Z) has rank ${rank} < ${d}, so the Gaussian h(E) is −∞ and no number is given.` : `N = ${n} rows ≤ d = ${d}: the noise covariance cannot be full rank.`) + deadText });
  }
  return d ? withNormalizations(f, { dim: d, inputSymbols: args.inputSymbols, perSymbol: true }) : withNormalizations(f, { inputSymbols: args.inputSymbols, perSymbol: true });
}
