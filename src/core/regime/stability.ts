/**
 * Step-size checks for full-batch GD of the weight-tied autoencoder (spec §5c [PROP]):
 * Euler stability η·4λ_max·max(1, a_max) < 2, where a_max is the largest eigenvalue of A = WᵀW
 * along the path (≈ σ²(√p+√H)² early on, the MP edge of the init; ≈ 1 late, at the minimum),
 * and the accuracy rule η ≤ 0.02/(λ_max·max(1, σ²(√p+√H)²)) for tracking the flow to < 0.1%.
 */

export type StepVerdict = 'ok' | 'lags-flow' | 'unstable-early' | 'diverges';

export interface StepSizeFinding {
  /** The step checked, in gradient-flow units. */
  eta: number;
  lambdaMax: number;
  /** σ²(√p+√H)²: the largest eigenvalue of WᵀW at init (MP edge). */
  initialAMax: number;
  /** 1/(2λ_max·max(1, a_max(0))): the largest step that is stable along the whole path. */
  largestSafeStep: number;
  /** 1/(2λ_max): beyond it GD cannot settle at the minimum (a_max ≈ 1 there). */
  convergenceLimit: number;
  /** 0.02/(λ_max·max(1, a_max(0))): GD tracks the gradient flow to about 0.1%. */
  accurateStep: number;
  verdict: StepVerdict;
  message: string;
  provenance: string;
}

/** The learning-rate finding for step η (GF units) on data with top eigenvalue λ_max. */
export function stepSizeFinding(eta: number, lambdaMax: number, sigma2: number, inputDim: number, latentWidth: number,
  describeStep: (etaGf: number) => string = v => v.toPrecision(3)): StepSizeFinding {
  const initialAMax = sigma2 * (Math.sqrt(inputDim) + Math.sqrt(latentWidth)) ** 2;
  const lm = Math.max(lambdaMax, Number.MIN_VALUE);
  const largestSafeStep = 1 / (2 * lm * Math.max(1, initialAMax));
  const convergenceLimit = 1 / (2 * lm);
  const accurateStep = 0.02 / (lm * Math.max(1, initialAMax));
  let verdict: StepVerdict, message: string;
  if (eta >= convergenceLimit) {
    verdict = 'diverges';
    message = `Step ${describeStep(eta)} exceeds the Euler stability bound 4ηλ_max < 2 at the minimum (λ_max = ${lambdaMax.toPrecision(4)}): `
      + `training will diverge or oscillate instead of converging. The largest safe step for this data and init is ${describeStep(largestSafeStep)}.`;
  } else if (eta >= largestSafeStep) {
    verdict = 'unstable-early';
    message = `Step ${describeStep(eta)} exceeds the Euler stability bound 4ηλ_max·max(1, a_max) < 2 with the init's a_max ≈ σ²(√p+√H)² = ${initialAMax.toPrecision(3)}: `
      + `training is expected to diverge during the early large-weight phase. The largest safe step for this data and init is ${describeStep(largestSafeStep)}.`;
  } else if (eta > accurateStep) {
    verdict = 'lags-flow';
    message = `Step ${describeStep(eta)} is stable (largest safe step ${describeStep(largestSafeStep)}) but above ${describeStep(accurateStep)}, `
      + 'so GD lags the gradient flow by more than about 0.1%; compare at matched t = kη.';
  } else {
    verdict = 'ok';
    message = `Step ${describeStep(eta)} is stable and tracks the gradient flow (largest safe step ${describeStep(largestSafeStep)}).`;
  }
  return { eta, lambdaMax, initialAMax, largestSafeStep, convergenceLimit, accurateStep, verdict, message, provenance: 'spec §5c [PROP]' };
}
