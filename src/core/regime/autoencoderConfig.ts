/**
 * Inputs of the regime analysis: the planned weight-tied autoencoder (latent width H, init
 * scale, learning rate, steps) and how the data are prepared. Validation throws
 * EmbdiagError('bad-argument', …) with a message that says what to change.
 */
import { EmbdiagError } from '../errors';

/** Named initialisations of the encoder W (H×p, an nn.Linear(p, H) weight: fan_in = p, fan_out = H). */
export type InitScheme = 'torch-linear-default' | 'xavier-normal' | 'xavier-uniform' | 'kaiming-normal';

export const INIT_SCHEMES: readonly InitScheme[] = ['torch-linear-default', 'xavier-normal', 'xavier-uniform', 'kaiming-normal'];

/** Initialisation as σ (std of W_ij), σ², or a named scheme mapped to the same variance. */
export type InitSpec = { sigma: number } | { sigma2: number } | { scheme: InitScheme };

/**
 * 'gradient-flow': η of this spec's loss L = (1/2n)Σ‖WᵀWx − x‖² (GF time t = kη).
 * 'torch-mse-mean': η of PyTorch's MSELoss(reduction="mean") = (2/p)·L, so η_GF = 2η/p (spec §5).
 */
export type LearningRateConvention = 'gradient-flow' | 'torch-mse-mean';

export interface AutoencoderConfig {
  /** Latent width H (positive integer). */
  latentWidth: number;
  init: InitSpec;
  learningRate: number;
  /** Default 'gradient-flow'. */
  learningRateConvention?: LearningRateConvention;
  /** Number of full-batch GD steps (the horizon is t = steps·η in GF units). */
  steps: number;
}

export interface PreprocessingOptions {
  /** Subtract the column mean (default true; the model has no bias). */
  center?: boolean;
  /** Rescale so that tr(Σ̂_train)/p = 1 (default false). */
  rescale?: boolean;
  /** Fraction of rows held out for the population loss (default 0.2; 0 when a population covariance is given). */
  heldOutFraction?: number;
  /** Seed of the train/held-out split (default 0). */
  splitSeed?: number;
}

export interface SimulationOptions {
  /** Run the GD check (default true). */
  simulate?: boolean;
  /** Number of init seeds averaged (default 10). */
  seeds?: number;
  /** Seed of the first init; seed i uses firstSeed + i (default 1). */
  firstSeed?: number;
  /** Explicit initial weights (H×p row-major each), instead of seeds — e.g. the spec's §6 W0. */
  initialWeights?: Float64Array[];
  /** Number of recorded points along the curve (default 100): records every ⌈steps/recordPoints⌉ steps. */
  recordPoints?: number;
}

export interface RegimeConfig extends AutoencoderConfig, PreprocessingOptions, SimulationOptions {}

export interface ResolvedAutoencoder {
  latentWidth: number;
  sigma2: number;
  sigma: number;
  /** How σ² was obtained, in words (e.g. the scheme's formula). */
  initMapping: string;
  /** Step in gradient-flow units. */
  eta: number;
  /** The step as given, in its own convention. */
  etaInput: number;
  convention: LearningRateConvention;
  learningRateMapping: string;
  steps: number;
  /** GF horizon steps·η. */
  tMax: number;
}

const bad = (message: string, hint?: string): never => {
  throw new EmbdiagError('bad-argument', message, hint);
};

const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * σ² of a named initialisation of the H×p encoder (fan_in = p, fan_out = H), PyTorch defaults:
 * - torch-linear-default: nn.Linear's kaiming_uniform_(a=√5) = U(−1/√p, 1/√p), variance 1/(3p);
 * - xavier-normal: N(0, 2/(p+H)); xavier-uniform: U(±√(6/(p+H))), variance 2/(p+H);
 * - kaiming-normal: kaiming_normal_ defaults (fan_in, leaky_relu a=0, gain √2): N(0, 2/p).
 * Uniform schemes are matched by variance (the limits depend on σ² only at leading order).
 */
export function schemeVariance(scheme: InitScheme, inputDim: number, latentWidth: number): { sigma2: number; formula: string } {
  const p = inputDim, H = latentWidth;
  switch (scheme) {
    case 'torch-linear-default': return { sigma2: 1 / (3 * p), formula: 'PyTorch nn.Linear default U(−1/√p, 1/√p): σ² = 1/(3p)' };
    case 'xavier-normal': return { sigma2: 2 / (p + H), formula: 'Xavier/Glorot normal: σ² = 2/(p+H)' };
    case 'xavier-uniform': return { sigma2: 2 / (p + H), formula: 'Xavier/Glorot uniform U(±√(6/(p+H))): σ² = 2/(p+H)' };
    case 'kaiming-normal': return { sigma2: 2 / p, formula: 'Kaiming normal (fan_in, gain √2): σ² = 2/p' };
    default: return bad(`Unknown init scheme "${String(scheme)}".`, `Use one of: ${INIT_SCHEMES.join(', ')}.`);
  }
}

/** η in gradient-flow units from a step in the given convention (spec §5: η = 2η_torch/p). */
export function gradientFlowStep(learningRate: number, convention: LearningRateConvention, inputDim: number): number {
  return convention === 'torch-mse-mean' ? (2 * learningRate) / inputDim : learningRate;
}

/** A gradient-flow step expressed back in the given convention. */
export function stepInConvention(eta: number, convention: LearningRateConvention, inputDim: number): number {
  return convention === 'torch-mse-mean' ? (eta * inputDim) / 2 : eta;
}

/** Validates the autoencoder part of the configuration for input dimension p and resolves σ², η. */
export function resolveAutoencoderConfig(config: AutoencoderConfig, inputDim: number): ResolvedAutoencoder {
  if (!config || typeof config !== 'object') bad('Missing autoencoder configuration.');
  const H = config.latentWidth;
  if (!(Number.isSafeInteger(H) && H >= 1)) bad(`Latent width must be a positive integer (got ${String(H)}).`);
  if (!(Number.isSafeInteger(inputDim) && inputDim >= 1)) bad(`Input dimension must be a positive integer (got ${String(inputDim)}).`);
  const init = config.init as Partial<{ sigma: number; sigma2: number; scheme: InitScheme }> | undefined;
  if (!init || typeof init !== 'object') bad('Missing init: give { sigma }, { sigma2 } or { scheme }.');
  const given = ['sigma', 'sigma2', 'scheme'].filter(k => (init as Record<string, unknown>)[k] !== undefined);
  if (given.length !== 1) bad(`Give exactly one of init.sigma, init.sigma2, init.scheme (got ${given.length ? given.join(', ') : 'none'}).`);
  let sigma2: number, initMapping: string;
  if (init!.sigma !== undefined) {
    if (!isPositive(init!.sigma)) bad(`init.sigma must be a positive finite number (got ${String(init!.sigma)}).`);
    sigma2 = init!.sigma! ** 2;
    initMapping = `σ = ${init!.sigma} given: σ² = ${sigma2}`;
  } else if (init!.sigma2 !== undefined) {
    if (!isPositive(init!.sigma2)) bad(`init.sigma2 must be a positive finite number (got ${String(init!.sigma2)}).`);
    sigma2 = init!.sigma2!;
    initMapping = `σ² = ${sigma2} given`;
  } else {
    if (!INIT_SCHEMES.includes(init!.scheme as InitScheme)) bad(`Unknown init scheme "${String(init!.scheme)}".`, `Use one of: ${INIT_SCHEMES.join(', ')}.`);
    const r = schemeVariance(init!.scheme!, inputDim, H);
    sigma2 = r.sigma2;
    initMapping = `${r.formula} = ${sigma2.toPrecision(6)} (p = ${inputDim}, H = ${H})`;
  }
  const convention = config.learningRateConvention ?? 'gradient-flow';
  if (convention !== 'gradient-flow' && convention !== 'torch-mse-mean') {
    bad(`Unknown learning-rate convention "${String(convention)}".`, 'Use "gradient-flow" or "torch-mse-mean".');
  }
  if (!isPositive(config.learningRate)) bad(`Learning rate must be a positive finite number (got ${String(config.learningRate)}).`);
  const eta = gradientFlowStep(config.learningRate, convention, inputDim);
  const learningRateMapping = convention === 'torch-mse-mean'
    ? `MSELoss(reduction="mean") = (2/p)·L, so η = 2·${config.learningRate}/${inputDim} = ${eta.toPrecision(6)} in gradient-flow units (spec §5)`
    : `η = ${config.learningRate} in gradient-flow units (t = k·η)`;
  const steps = config.steps;
  if (!(Number.isSafeInteger(steps) && steps >= 1 && steps <= 10_000_000)) bad(`Steps must be an integer in [1, 10000000] (got ${String(steps)}).`);
  return {
    latentWidth: H, sigma2: sigma2!, sigma: Math.sqrt(sigma2!), initMapping: initMapping!, eta, etaInput: config.learningRate,
    convention, learningRateMapping, steps, tMax: steps * eta,
  };
}

export interface ResolvedPreprocessing {
  center: boolean;
  rescale: boolean;
  heldOutFraction: number;
  splitSeed: number;
}

/** Validates the preprocessing options for n rows (hasPopulation: a population covariance was given). */
export function resolvePreprocessing(options: PreprocessingOptions, rows: number, hasPopulation: boolean): ResolvedPreprocessing {
  const heldOutFraction = options.heldOutFraction ?? (hasPopulation ? 0 : 0.2);
  if (!(typeof heldOutFraction === 'number' && heldOutFraction >= 0 && heldOutFraction < 1)) {
    bad(`Held-out fraction must be in [0, 1) (got ${String(heldOutFraction)}).`);
  }
  const held = Math.round(heldOutFraction * rows);
  if (rows - held < 2) bad(`Need at least 2 training rows (have ${rows} rows, ${held} held out).`, 'Lower the held-out fraction or provide more rows.');
  if (heldOutFraction > 0 && held < 1) bad(`Held-out fraction ${heldOutFraction} of ${rows} rows holds out no row.`, 'Raise it, or set it to 0.');
  const splitSeed = options.splitSeed ?? 0;
  if (!Number.isSafeInteger(splitSeed)) bad(`Split seed must be an integer (got ${String(splitSeed)}).`);
  return { center: options.center ?? true, rescale: options.rescale ?? false, heldOutFraction, splitSeed };
}

export interface ResolvedSimulation {
  simulate: boolean;
  seeds: number[];
  initialWeights: Float64Array[] | null;
  recordEvery: number;
}

/** Validates the simulation options for the resolved autoencoder and input dimension p. */
export function resolveSimulation(options: SimulationOptions, ae: ResolvedAutoencoder, inputDim: number): ResolvedSimulation {
  const simulate = options.simulate ?? true;
  const recordPoints = options.recordPoints ?? 100;
  if (!(Number.isSafeInteger(recordPoints) && recordPoints >= 1)) bad(`recordPoints must be a positive integer (got ${String(recordPoints)}).`);
  const recordEvery = Math.max(1, Math.ceil(ae.steps / recordPoints));
  let initialWeights: Float64Array[] | null = null;
  let seeds: number[] = [];
  if (options.initialWeights) {
    if (!Array.isArray(options.initialWeights) || options.initialWeights.length === 0) bad('initialWeights must be a non-empty array.');
    for (const w of options.initialWeights) {
      if (!(w instanceof Float64Array) || w.length !== ae.latentWidth * inputDim) {
        bad(`Each initial weight matrix must be a Float64Array of H·p = ${ae.latentWidth * inputDim} entries.`);
      }
    }
    initialWeights = options.initialWeights;
  } else {
    const count = options.seeds ?? 10;
    if (!(Number.isSafeInteger(count) && count >= 1 && count <= 1000)) bad(`Seeds must be an integer in [1, 1000] (got ${String(count)}).`);
    const first = options.firstSeed ?? 1;
    if (!Number.isSafeInteger(first)) bad(`firstSeed must be an integer (got ${String(first)}).`);
    seeds = Array.from({ length: count }, (_, i) => first + i);
  }
  return { simulate, seeds, initialWeights, recordEvery };
}
