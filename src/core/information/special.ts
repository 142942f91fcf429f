/**
 * Special functions for the entropy estimators: digamma ψ and ln Γ on the positive reals.
 * Both shift the argument up by the recurrences ψ(x) = ψ(x+1) − 1/x and
 * ln Γ(x) = ln Γ(x+1) − ln x, then use the asymptotic (Stirling / Bernoulli) series, whose
 * truncation error at x ≥ 14 (ψ) / x ≥ 15 (ln Γ) is below 1e-16 (Abramowitz & Stegun 6.1.41, 6.3.18).
 */

export const LN2 = Math.LN2;
/** log₂(2πe) = 4.094191…: the per-dimension constant of the Gaussian entropy in bits. */
export const LOG2_2PIE = Math.log2(2 * Math.PI * Math.E);

/** Digamma ψ(x) for x > 0 (NaN otherwise). */
export function digamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return NaN;
  let acc = 0;
  while (x < 14) {
    acc -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  // ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ)
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760))))));
  return acc + Math.log(x) - 0.5 * inv - series;
}

/** ln Γ(x) for x > 0 (NaN otherwise). */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return NaN;
  let acc = 0;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
  }
  acc -= Math.log(prod);
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188)))));
  return acc + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
}

/** ln of the volume of the unit Euclidean ball in d dimensions: (d/2)·ln π − ln Γ(1 + d/2). */
export function lnUnitBallVolume(d: number): number {
  return (d / 2) * Math.log(Math.PI) - lnGamma(1 + d / 2);
}

/** Binary entropy h_b(p) in bits (0 at p ∈ {0, 1}). */
export function binaryEntropyBits(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}
