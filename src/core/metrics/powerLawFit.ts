/**
 * Least-squares fit of log λ_k = log C − α log k over a window of the spectrum:
 * the "α" of a power-law eigenspectrum (α ≈ 1 is often reported for well-trained
 * representations; α near 0 is a flat, isotropic spectrum; large α a collapsing one).
 */
export interface PowerLawFit {
  /** Decay exponent α in λ_k ≈ C·k^(−α). */
  alpha: number;
  /** log10 C. */
  log10Intercept: number;
  /** 1-based index window used (inclusive). */
  kMin: number;
  kMax: number;
  /** Coefficient of determination of the fit in log–log space. */
  r2: number;
  formula: string;
}

/**
 * Fits over k ∈ [kMin, kMax] of the positive eigenvalues (above `relativeFloor`·λmax).
 * Default window: from 1 to the number of positive eigenvalues, trimmed to the first 90%
 * so the rounding-noise tail of a rank-deficient spectrum does not bend the fit.
 * Returns null when fewer than 3 eigenvalues are usable.
 */
export function fitPowerLaw(eigenvaluesDescending: ArrayLike<number>, window?: { kMin?: number; kMax?: number }, relativeFloor = 1e-12): PowerLawFit | null {
  const max = eigenvaluesDescending.length > 0 ? eigenvaluesDescending[0] : 0;
  if (!(max > 0)) return null;
  let positive = 0;
  while (positive < eigenvaluesDescending.length && eigenvaluesDescending[positive] > relativeFloor * max) positive++;
  const kMin = Math.max(1, window?.kMin ?? 1);
  const kMax = Math.min(positive, window?.kMax ?? Math.max(3, Math.floor(0.9 * positive)));
  const n = kMax - kMin + 1;
  if (n < 3) return null;
  let sx = 0, sy = 0;
  for (let k = kMin; k <= kMax; k++) { sx += Math.log10(k); sy += Math.log10(eigenvaluesDescending[k - 1]); }
  const mx = sx / n, my = sy / n;
  let sxx = 0, sxy = 0, syy = 0;
  for (let k = kMin; k <= kMax; k++) {
    const dx = Math.log10(k) - mx, dy = Math.log10(eigenvaluesDescending[k - 1]) - my;
    sxx += dx * dx; sxy += dx * dy; syy += dy * dy;
  }
  const slope = sxy / sxx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return {
    alpha: -slope,
    log10Intercept: my - slope * mx,
    kMin, kMax, r2,
    formula: 'least squares of log₁₀ λₖ = log₁₀ C − α·log₁₀ k over k ∈ [kMin, kMax]',
  };
}
