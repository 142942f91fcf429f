/**
 * Step-size checks for full-batch GD of the weight-tied autoencoder (spec §5c, corrected).
 *
 * Derivation [DER]: with Σ̂ = λI, GD keeps the eigenvectors of A = WᵀW and maps each eigenvalue by
 *   a ← f(a) = a·(1 − 2ηλ(a − 1))²     (W ← W(I − 2ηλ(A − I))).
 * Write k = ηλ.
 * - Near the minimum a = 1 the multiplier is f'(1) = 1 − 4k: GD converges iff k < ½.
 * - Past ½ the fixed point flips into a period-2 cycle (multiplier −1), then period doubling.
 *   The interval [0, 1 + 1/k] is invariant iff max f = 2(1+2k)³/(27k) ≤ 1 + 1/k, i.e. iff k ≤ 1:
 *   for ½ < k ≤ 1 GD oscillates, bounded, above the limit; it does not diverge.
 * - Early, for large a, the factor (1 − 2k(a−1))² exceeds 1 once k(a − 1) > 1: a grows without
 *   bound. So the early bound is η·λ·(a_max − 1) < 1 — about ηλ_max·a_max < 1 for a_max ≫ 1, not
 *   the ½ that the convergence bound ηλ_max < ½ suggests.
 * For anisotropic Σ̂ the bounds use λ_max (the fastest direction); a_max(0) ≈ σ²(√p+√H)² is the MP
 * edge of the init. Confirmed by GD at 0.9× and 1.1× each bound (test/unit/regime.stepSize.test.ts).
 */

export type StepVerdict = 'ok' | 'lags-flow' | 'oscillates' | 'unstable-early' | 'diverges';

export interface StepSizeFinding {
  /** The step checked, in gradient-flow units. */
  eta: number;
  lambdaMax: number;
  /** σ²(√p+√H)²: the largest eigenvalue of WᵀW at init (MP edge). */
  initialAMax: number;
  /** min(convergenceLimit, earlyLimit): the largest step with which GD converges. */
  largestSafeStep: number;
  /** 1/(2λ_max): beyond it GD cannot settle at the minimum (multiplier 1 − 4ηλ_max). */
  convergenceLimit: number;
  /** 1/(λ_max·(a_max(0) − 1)) when a_max(0) > 1 (else null): beyond it the large init eigenvalues grow. */
  earlyLimit: number | null;
  /** 1/λ_max: beyond it the oscillation around the minimum is unbounded. */
  oscillationLimit: number;
  /** 0.02/(λ_max·max(1, a_max(0))): GD tracks the gradient flow to about 0.1%. */
  accurateStep: number;
  verdict: StepVerdict;
  message: string;
  provenance: string;
}

/** Convergence bound at the minimum: η < 1/(2λ) (spec §5c [DER], [CHK] on the §6 fixture). */
export function convergenceStepBound(lambdaMax: number): number {
  return 1 / (2 * lambdaMax);
}

/** Early bound η·λ·(a_max − 1) < 1 (spec §5c [DER]); null when a_max ≤ 1 (no early phase). */
export function earlyStepBound(lambdaMax: number, aMax: number): number | null {
  return aMax > 1 ? 1 / (lambdaMax * (aMax - 1)) : null;
}

/** The learning-rate finding for step η (GF units) on data with top eigenvalue λ_max. */
export function stepSizeFinding(eta: number, lambdaMax: number, sigma2: number, inputDim: number, latentWidth: number,
  describeStep: (etaGf: number) => string = v => v.toPrecision(3)): StepSizeFinding {
  const initialAMax = sigma2 * (Math.sqrt(inputDim) + Math.sqrt(latentWidth)) ** 2;
  const lm = Math.max(lambdaMax, Number.MIN_VALUE);
  const convergenceLimit = convergenceStepBound(lm);
  const earlyLimit = earlyStepBound(lm, initialAMax);
  const oscillationLimit = 1 / lm;
  const largestSafeStep = Math.min(convergenceLimit, earlyLimit ?? Infinity);
  const accurateStep = 0.02 / (lm * Math.max(1, initialAMax));
  const safe = `The largest safe step (with which GD converges) for this data and init is ${describeStep(largestSafeStep)}.`;
  let verdict: StepVerdict, message: string;
  if (eta > oscillationLimit) {
    verdict = 'diverges';
    message = `Step ${describeStep(eta)} exceeds 1/λ_max = ${describeStep(oscillationLimit)} (λ_max = ${lambdaMax.toPrecision(4)}): `
      + `the oscillation around the minimum is unbounded, and training will diverge. ${safe}`;
  } else if (earlyLimit !== null && eta >= earlyLimit) {
    verdict = 'unstable-early';
    message = `Step ${describeStep(eta)} exceeds the early-time bound η·λ_max·(a_max − 1) < 1 with the init's a_max ≈ σ²(√p+√H)² = ${initialAMax.toPrecision(3)} `
      + `(λ_max = ${lambdaMax.toPrecision(4)}): the largest eigenvalues of WᵀW grow instead of shrinking, and training will diverge in the early large-weight phase. ${safe}`;
  } else if (eta >= convergenceLimit) {
    verdict = 'oscillates';
    message = `Step ${describeStep(eta)} exceeds the convergence bound η·λ_max < ½ at the minimum (λ_max = ${lambdaMax.toPrecision(4)}; Euler multiplier 1 − 4ηλ_max): `
      + `GD does not converge. It does not diverge either: just past the bound (up to about 1.1×) it settles into a bounded period-2 oscillation above the limit, `
      + `further out the oscillation becomes irregular, still bounded up to 1/λ_max. ${safe}`;
  } else if (eta > accurateStep) {
    verdict = 'lags-flow';
    message = `Step ${describeStep(eta)} converges (largest safe step ${describeStep(largestSafeStep)}) but is above ${describeStep(accurateStep)}, `
      + 'so GD lags the gradient flow by more than about 0.1%; compare at matched t = kη.';
  } else {
    verdict = 'ok';
    message = `Step ${describeStep(eta)} converges and tracks the gradient flow (largest safe step ${describeStep(largestSafeStep)}).`;
  }
  return {
    eta, lambdaMax, initialAMax, largestSafeStep, convergenceLimit, earlyLimit, oscillationLimit, accurateStep, verdict, message,
    provenance: 'spec §5c: bounds [DER] from the per-eigenvalue Euler map, confirmed by GD runs; verdict wording [PROP]',
  };
}

/** Verdicts under which GD blows up (the CLI exits 1, the Problems panel warns). */
export function stepDiverges(verdict: StepVerdict): boolean {
  return verdict === 'diverges' || verdict === 'unstable-early';
}
