/**
 * E8 representation rate–distortion of the output, MSE with TOTAL distortion D = E‖Y − Ŷ‖²
 * (per coordinate: D/k):
 *   • Gaussian R_G(D) by reverse water-filling on the eigenvalues μ of S_Y (Cover & Thomas
 *     Thm 10.3.3): Σ min(θ, μⱼ) = D, R_G = Σ ½·log₂(μⱼ/min(θ, μⱼ)); 0 for D ≥ tr S_Y.
 *     An upper bound on R(D) for any source with covariance S_Y.
 *   • Shannon lower bound R_SLB(D) = h(Y) − (k/2)·log₂(2πe·D/k) (Shannon 1959; Berger 1971).
 *   • Operating point of a trained model: D_model = (1/N) Σ‖yᵢ − ŷᵢ‖², and the lower bounds
 *     I(Y;Z) ≥ I(Y;Ŷ) ≥ R(D_model) ≥ R_SLB(D_model), and the determinant variant
 *     I(Y;Ŷ) ≥ h(Y) − ½·log₂[(2πe)^k det M], M the uncentred error second moment.
 */
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { covariance, secondMoment, subtract, trace, type RowMatrix } from './dense';
import { CONCEPT, figure, proposed, unavailable, withNormalizations, type Figure, type FigureInit, type InformationFlag } from './figure';
import { gaussianEntropyFromEigenvaluesBits, log2DetFromEigenvalues } from './gaussianEntropy';
import { numericalRank, RANK_RELATIVE_TOLERANCE } from './preprocess';
import { LOG2_2PIE } from './special';

/**
 * Reverse water-filling: the level θ with Σ min(θ, μⱼ) = D (solved exactly, piecewise linear)
 * and R_G(D) in bits. D ≥ Σμ gives rate 0 and θ = max μ. Eigenvalues ≤ 1e-10·max are ignored
 * (they carry no variance to describe).
 */
export function reverseWaterFilling(eigenvalues: ArrayLike<number>, distortion: number): { rate: number; level: number } {
  let max = 0;
  for (let i = 0; i < eigenvalues.length; i++) max = Math.max(max, eigenvalues[i]);
  const mu = Array.from(eigenvalues).filter(v => v > RANK_RELATIVE_TOLERANCE * max).sort((a, b) => a - b);
  const total = mu.reduce((a, b) => a + b, 0);
  if (!(distortion > 0)) return { rate: distortion === 0 && mu.length ? Infinity : NaN, level: 0 };
  // D ≥ tr S (up to the rounding of the sum, which depends on its order) needs no bits.
  if (mu.length === 0 || distortion >= total * (1 - 4 * Number.EPSILON * mu.length)) return { rate: 0, level: max };
  // Components below θ are fully "reconstructed as their mean" (cost μⱼ); the others cost θ each.
  let below = 0;
  let level = NaN;
  for (let m = 0; m < mu.length; m++) {
    const theta = (distortion - below) / (mu.length - m);
    if (theta <= mu[m]) {
      level = theta;
      break;
    }
    below += mu[m];
  }
  let rate = 0;
  for (const v of mu) if (v > level) rate += 0.5 * Math.log2(v / level);
  return { rate, level };
}

/** R_SLB(D) = h − (k/2)·log₂(2πe·D/k) bits (total distortion D, k dimensions). */
export function shannonLowerBoundBits(entropyBits: number, k: number, distortion: number): number {
  return entropyBits - (k / 2) * Math.log2((2 * Math.PI * Math.E * distortion) / k);
}

/** ĥ(Y) − ½·log₂[(2πe)^k det M] bits, M (k×k) the uncentred second moment of Y − Ŷ. */
export function determinantBoundBits(entropyBits: number, m: Float64Array, k: number): number {
  return entropyBits - 0.5 * (k * LOG2_2PIE + log2DetFromEigenvalues(symmetricEigenvalues(m, k)));
}

/** D_model = (1/N) Σ‖yᵢ − ŷᵢ‖² (total MSE) and the error second moment M. */
export function modelDistortion(y: RowMatrix, yHat: RowMatrix): { mse: number; secondMoment: Float64Array } {
  const e = subtract(y, yHat);
  const m = secondMoment(e);
  return { mse: trace(m, e.cols), secondMoment: m };
}

export interface RdPoint {
  /** Total distortion D. */
  distortion: number;
  /** R_G(D), upper bound (bits per model use). */
  gaussian: number;
  /** R_SLB(D) with ĥ_G; null when ĥ_G is not finite or the bound is negative-irrelevant (kept as is when finite). */
  shannonLowerBound: number | null;
  /** Reverse water-filling level θ. */
  level: number;
}

/**
 * R(D) curve for plotting: `points` distortions spaced geometrically over [tr S·1e-3, tr S],
 * plus the extra distortions given (target D, D_model), sorted ascending, deduplicated.
 */
export function rateDistortionCurve(eigenvalues: ArrayLike<number>, entropyBits: number | null, k: number, points = 41, extra: number[] = []): RdPoint[] {
  const total = Array.from(eigenvalues).reduce((a, b) => a + Math.max(0, b), 0);
  if (!(total > 0)) return [];
  const ds = new Set<number>();
  for (let i = 0; i < points; i++) ds.add(total * 10 ** (-3 + (3 * i) / Math.max(1, points - 1)));
  for (const d of extra) if (d > 0 && Number.isFinite(d)) ds.add(d);
  return [...ds].sort((a, b) => a - b).map(d => {
    const rw = reverseWaterFilling(eigenvalues, d);
    const slb = entropyBits !== null && Number.isFinite(entropyBits) ? shannonLowerBoundBits(entropyBits, k, d) : null;
    return { distortion: d, gaussian: rw.rate, shannonLowerBound: slb, level: rw.level };
  });
}

export interface OperatingPoint {
  /** D_model, total MSE of the predictions. */
  mse: Figure;
  /** R_G(D_model): upper bound on R(D_model). */
  rateGaussian: Figure;
  /** R_SLB(D_model) with ĥ_G(Y): lower bound on I(Y;Ŷ) ≤ I(Y;Z) when h(Y) is known. */
  shannonLowerBound: Figure;
  /** ĥ_G(Y) − ½·log₂[(2πe)^k det M]: lower bound on I(Y;Ŷ), ≥ the SLB form (AM–GM). */
  determinantBound: Figure;
}

export interface RateDistortionSection {
  /** Which array is the source: the targets Y, or Z itself when no Y is given. */
  source: 'targets' | 'embeddings';
  /** Dimension k of the source. */
  dim: number;
  rows: number;
  eigenvalues: number[];
  totalVariance: number;
  /** The Gaussian entropy ĥ_G(Y) used by the lower bounds (null when rank-deficient). */
  entropy: number | null;
  /** The distortion the figures below are evaluated at, and where it came from. */
  distortion: { value: number | null; source: 'flag' | 'manifest' | 'predictions' | 'none' };
  /** R_G(D) at that distortion (upper bound on R(D)). */
  rateGaussian: Figure;
  /** R_SLB(D) with ĥ_G. */
  shannonLowerBound: Figure;
  /** Present when predictions are given. */
  operatingPoint: OperatingPoint | null;
  curve: RdPoint[];
}

const RD_PROVENANCE = proposed(CONCEPT.rateDistortion,
  'Gaussian rate–distortion by reverse water-filling (Cover & Thomas 2006, Thm 10.3.3) and the Shannon lower bound (Shannon 1959; Berger 1971), MSE with total distortion D.');

/** E8 from the source matrix (Y or Z; finite rows), optional predictions and distortion. */
export function rateDistortionSection(args: {
  source: RowMatrix; sourceKind: 'targets' | 'embeddings'; predictions?: RowMatrix | null;
  distortion: number | null; distortionSource: 'flag' | 'manifest' | 'none'; inputSymbols: number | null; curvePoints?: number;
  /** S of every row of the source when `source` is a sample of them (a dataset's merged moments). */
  sourceMoments?: { count: number; covariance: Float64Array };
  /** With sourceMoments and predictions: M = (1/N) Σ (yᵢ − ŷᵢ)(yᵢ − ŷᵢ)ᵀ over the same rows. */
  errorSecondMoment?: Float64Array;
}): RateDistortionSection {
  const y = args.source;
  const k = y.cols;
  const n = args.sourceMoments?.count ?? y.rows;
  const perSym = { inputSymbols: args.inputSymbols, perSymbol: true };
  const sy = args.sourceMoments?.covariance ?? covariance(y);
  const eig = n >= 2 ? symmetricEigenvalues(sy, k) : new Float64Array(k).fill(NaN);
  const rank = numericalRank(eig);
  const total = eig.reduce((a, b) => a + Math.max(0, b), 0);
  const h = rank === k && k > 0 ? gaussianEntropyFromEigenvaluesBits(eig) : NaN;
  const srcName = args.sourceKind === 'targets' ? 'Y' : 'Z';
  const srcFlags: InformationFlag[] = args.sourceKind === 'embeddings' ? ['source_is_embeddings'] : [];
  const srcText = args.sourceKind === 'embeddings' ? ' No targets Y given: the source is the representation Z itself.' : '';
  const rankText = rank < k ? ` S_${srcName} has rank ${rank} < k = ${k}: ĥ_G(${srcName}) is −∞, so the lower bounds are not computed.` : '';

  let distortion = args.distortion;
  let dSource: RateDistortionSection['distortion']['source'] = args.distortionSource;
  let op: OperatingPoint | null = null;
  if (args.predictions) {
    const pr = args.errorSecondMoment ? { mse: trace(args.errorSecondMoment, k), secondMoment: args.errorSecondMoment } : modelDistortion(y, args.predictions);
    const rg = reverseWaterFilling(eig, pr.mse);
    const opBase = { rows: n, provenance: RD_PROVENANCE };
    const mse = figure({ ...opBase, value: pr.mse, unit: 'total squared error (output units²)', kind: 'estimate', quantity: 'D_model = E‖Y − Ŷ‖²',
      estimator: 'E8 operating point (model MSE)', formula: '(1/N) Σ‖yᵢ − ŷᵢ‖²', details: { k, perCoordinate: pr.mse / k } });
    const rate = figure({ ...opBase, value: rg.rate, unit: 'bits per model use', kind: 'upper-bound', quantity: 'R(D_model)',
      estimator: 'E8 Gaussian R(D) at the model\'s MSE (reverse water-filling)', formula: 'Σ ½·log₂(μⱼ/min(θ, μⱼ)), Σ min(θ, μⱼ) = D_model',
      flags: ['gaussian_bound', ...srcFlags], explanation: `Upper bound on R(D) for any source with covariance S_${srcName}.` + srcText, details: { level: rg.level } });
    const slb = unavailableOr(h, () => shannonLowerBoundBits(h, k, pr.mse), {
      ...opBase, unit: 'bits per model use', kind: 'lower-bound', quantity: `I(${srcName};Ŷ) ≤ I(${srcName};Z)`,
      estimator: 'E8 Shannon lower bound at the model\'s MSE', formula: `ĥ_G(${srcName}) − (k/2)·log₂(2πe·D_model/k)`,
      flags: ['gaussian_bound', 'not_certified', ...srcFlags],
      explanation: `Since Ŷ is a function of Z: I(${srcName};Z) ≥ I(${srcName};Ŷ) ≥ R(D_model) ≥ R_SLB(D_model). Uses the Gaussian ĥ, which over-estimates h(${srcName}) unless ${srcName} is Gaussian, so the bound is not certified.` + srcText,
    }, rankText);
    const det = unavailableOr(h, () => determinantBoundBits(h, pr.secondMoment, k), {
      ...opBase, unit: 'bits per model use', kind: 'lower-bound', quantity: `I(${srcName};Ŷ) ≤ I(${srcName};Z)`,
      estimator: 'E8 determinant bound at the model\'s error', formula: `ĥ_G(${srcName}) − ½·log₂[(2πe)^k det M], M = (1/N) Σ (yᵢ − ŷᵢ)(yᵢ − ŷᵢ)ᵀ`,
      flags: ['gaussian_bound', 'not_certified', ...srcFlags],
      explanation: 'Uncentred error second moment M; by AM–GM this is ≥ the SLB form for the same ĥ. Not certified for the same reason as the SLB form.' + srcText,
      details: { detM: product(symmetricEigenvalues(pr.secondMoment, k)) },
    }, rankText);
    for (const f of [rate, slb, det]) withNormalizations(f, perSym);
    op = { mse, rateGaussian: rate, shannonLowerBound: slb, determinantBound: det };
    if (distortion === null) {
      distortion = pr.mse;
      dSource = 'predictions';
    }
  }

  const base = { rows: n, provenance: RD_PROVENANCE, unit: 'bits per model use' as const };
  let rateGaussian: Figure;
  let slb: Figure;
  if (distortion === null || !(distortion > 0)) {
    const why = distortion === null
      ? 'No target distortion D given (--distortion / manifest "distortion") and no predictions to take the model\'s MSE from; see the R(D) curve.'
      : 'The distortion D must be positive.';
    rateGaussian = unavailable({ ...base, kind: 'upper-bound', quantity: 'R(D)', estimator: 'E8 Gaussian R(D) (reverse water-filling)', formula: 'Σ ½·log₂(μⱼ/min(θ, μⱼ))', flags: [distortion === null ? 'needs_distortion' : 'invalid_argument'], explanation: why });
    slb = unavailable({ ...base, kind: 'lower-bound', quantity: 'R(D)', estimator: 'E8 Shannon lower bound', formula: 'ĥ_G − (k/2)·log₂(2πe·D/k)', flags: [distortion === null ? 'needs_distortion' : 'invalid_argument'], explanation: why });
  } else {
    const rg = reverseWaterFilling(eig, distortion);
    rateGaussian = figure({ ...base, value: rank === 0 ? NaN : rg.rate, kind: 'upper-bound', quantity: 'R(D)', estimator: 'E8 Gaussian R(D) (reverse water-filling)',
      formula: 'Σ ½·log₂(μⱼ/min(θ, μⱼ)), Σ min(θ, μⱼ) = D; 0 for D ≥ tr S', flags: ['gaussian_bound', ...srcFlags],
      explanation: `Upper bound on R(D) for any source with covariance S_${srcName} (total MSE D = ${distortion.toPrecision(6)}, ${(distortion / k).toPrecision(6)} per coordinate).` + srcText,
      details: { distortion, level: rg.level, totalVariance: total } });
    slb = unavailableOr(h, () => shannonLowerBoundBits(h, k, distortion!), {
      ...base, kind: 'lower-bound', quantity: 'R(D)', estimator: 'E8 Shannon lower bound', formula: `ĥ_G(${srcName}) − (k/2)·log₂(2πe·D/k)`,
      flags: ['gaussian_bound', 'not_certified', ...srcFlags],
      explanation: `A lower bound on R(D) given the true h(${srcName}); with the Gaussian ĥ it equals R_G(D) exactly when D/k ≤ μ_min and is not a certified lower bound otherwise (no sample-based lower bound on an entropy exists).` + srcText,
      details: { distortion },
    }, rankText);
  }
  withNormalizations(rateGaussian, perSym);
  withNormalizations(slb, perSym);
  const extra = [distortion ?? NaN, op?.mse.value ?? NaN];
  return {
    source: args.sourceKind, dim: k, rows: n, eigenvalues: Array.from(eig), totalVariance: total,
    entropy: Number.isFinite(h) ? h : null,
    distortion: { value: distortion, source: distortion === null ? 'none' : dSource },
    rateGaussian, shannonLowerBound: slb, operatingPoint: op,
    curve: rateDistortionCurve(eig, Number.isFinite(h) ? h : null, k, args.curvePoints ?? 41, extra),
  };
}

function unavailableOr(h: number, compute: () => number, init: Omit<FigureInit, 'value'>, rankText: string): Figure {
  if (!Number.isFinite(h)) {
    return unavailable({ ...init, flags: [...(init.flags ?? []), 'rank_deficient'], explanation: (rankText || 'The Gaussian entropy of the source is not finite.').trim() });
  }
  return figure({ ...init, value: compute() });
}

function product(a: ArrayLike<number>): number {
  let s = 1;
  for (let i = 0; i < a.length; i++) s *= a[i];
  return s;
}
