/**
 * The regime analysis of an embedding dump for a planned weight-tied linear autoencoder
 * f(x) = WᵀWx: placement in the prism of learning regimes, predicted loss curves from the nearest
 * face(s), exact long-time limits, the learning-rate finding, and the check by full-batch GD.
 *
 * The paper (arXiv 2606.05335) could not be read: the face formulas are this project's spec's own
 * derivations from the gradient flow, validated by simulation. Every figure says where it comes
 * from (`provenance`: spec section and tag [DER]/[REC]/[PROP]/[PRE]) and what it is (`kind`).
 */
import { EmbdiagError } from '../errors';
import { TIME_CONVENTION } from './faceCurves';
import { sampleRowIndices } from '../stats/rowSampler';
import {
  resolveAutoencoderConfig, resolvePreprocessing, resolveSimulation, stepInConvention,
  type LearningRateConvention, type RegimeConfig,
} from './autoencoderConfig';
import { LOSS_CEILING_FACTOR, predictFace, type EmpiricalSetting, type FacePrediction } from './facePredictions';
import { runGdEnsemble, type GdProblem } from './gradientDescent';
import { longTimeLimits } from './longTimeLimits';
import { faceFormulaApplies, FACE_NAMES, placeInPrism, type FaceId, type FaceParameter } from './prismPlacement';
import { stepSizeFinding, type StepVerdict } from './stability';
import { symmetricEigen } from './symmetricEigen';

export const REGIME_REPORT_SCHEMA = 'embdiag.regime/1';

export const PROVENANCE_NOTE = 'The body of arXiv 2606.05335 (Golikov, Gusev, Yarotsky) could not be read. The limiting loss curves used here '
  + 'are derived from the gradient flow of the weight-tied autoencoder and validated by full-batch GD simulation (spec tag [DER]), except the free face\'s '
  + 'infinite-data shrinkage law, which is the precursor paper\'s (arXiv 2602.04548, Yarotsky, Golikov, Gusev; tag [PRE]); the prism '
  + 'geometry is reconstructed [REC]; distances, thresholds and recipes are this software\'s proposals [PROP]. They may differ from the paper\'s.';

/** What a figure is: given, measured on the data, a closed form, an ODE solution, a simulation, a heuristic estimate, or a unit convention. */
export type FigureKind = 'input' | 'measured' | 'closed-form' | 'ode' | 'simulation' | 'estimate' | 'convention';

export interface Figure {
  /** Null when not defined (JSON has no NaN). */
  value: number | null;
  kind: FigureKind;
  provenance: string;
}

export interface RegimeData {
  /** n×d row-major. */
  X: Float64Array;
  n: number;
  d: number;
  /** Optional known population covariance (d×d) in the units of X; replaces the held-out estimate. */
  populationCovariance?: Float64Array;
}

export interface RegimeProgress {
  stage: 'prepare' | 'spectrum' | 'predict' | 'simulate' | 'done';
  /** Overall fraction in [0, 1]. */
  fraction: number;
  message: string;
}

export interface RegimeHooks {
  onProgress?(progress: RegimeProgress): void;
  /** Polled between stages and between GD chunks; true stops with EmbdiagError('cancelled'). */
  isCancelled?(): boolean;
}

export interface PredictionReport extends FacePrediction {
  /** 'nearest' or 'second' (near a shared edge). */
  role: 'nearest' | 'second';
}

export interface SimulationReport {
  kind: 'simulation';
  provenance: string;
  seeds: (number | null)[];
  runs: number;
  divergedRuns: number;
  t: number[];
  trainMean: number[];
  trainSd: number[];
  popMean: number[] | null;
  popSd: number[] | null;
}

export interface AgreementReport {
  face: FaceId;
  /** Comparison horizon: the prediction's trusted time (null: untrusted, nothing compared). */
  horizon: number | null;
  /** max over recorded t ≤ horizon of |prediction − GD mean| / max(|GD mean(t)|, 0.01·|GD mean(0)|) (the floor keeps curves that decay to 0 comparable). */
  maxRelativeGapTrain: number | null;
  atTrain: number | null;
  maxRelativeGapPop: number | null;
  atPop: number | null;
  provenance: string;
}

export interface RegimeReport {
  schema: typeof REGIME_REPORT_SCHEMA;
  provenanceNote: string;
  /** How time is counted in every curve: T = 1, t = kη; the small-data clock τ = (p/n)t (spec §1.2, §3.4). */
  timeConvention: string;
  input: {
    rows: number;
    inputDim: number;
    trainRows: number;
    heldOutRows: number;
    populationSource: 'held-out' | 'given' | 'none';
    centered: boolean;
    /** ‖column mean‖ removed by centering (in input units; null when not centered). */
    meanNorm: Figure;
    rescaled: boolean;
    /** Factor applied to X (1 when not rescaled); tr(Σ̂_train)/p = 1 after it. */
    scaleFactor: Figure;
    traceTrain: Figure;
    lambdaMax: Figure;
    lambdaMin: Figure;
    tracePop: Figure;
  };
  autoencoder: {
    latentWidth: number;
    sigma2: Figure;
    sigma: number;
    initMapping: string;
    /** Step in gradient-flow units. */
    eta: Figure;
    etaInput: number;
    convention: LearningRateConvention;
    learningRateMapping: string;
    steps: number;
    tMax: number;
    recordEvery: number;
  };
  placement: {
    distances: Record<FaceId, Figure>;
    anisotropy: Figure;
    finiteSize: Figure;
    coordinates: { latent: Figure; data: Figure; init: Figure };
    ranking: FaceId[];
    nearest: FaceId;
    nearestName: string;
    parameters: Record<FaceId, FaceParameter[]>;
    nearEdge: FaceId | null;
    interior: boolean;
    closedFormApplies: boolean;
    label: string;
    provenance: string;
  };
  stepSize: {
    verdict: StepVerdict;
    message: string;
    largestSafeStep: Figure;
    /** The same in the convention the step was given in. */
    largestSafeStepInput: number;
    convergenceLimit: Figure;
    /** 1/(λ_max(a_max(0) − 1)); null value when a_max(0) ≤ 1. */
    earlyLimit: Figure;
    /** 1/λ_max: bounded oscillation below it, divergence above. */
    oscillationLimit: Figure;
    accurateStep: Figure;
    initialAMax: Figure;
  };
  limits: { applies: boolean; train: Figure; pop: Figure; note: string };
  predictions: PredictionReport[];
  simulation: SimulationReport | null;
  agreement: AgreementReport[];
  findings: string[];
}

const fig = (value: number | null | undefined, kind: FigureKind, provenance: string): Figure =>
  ({ value: value === undefined || value === null || !Number.isFinite(value) ? null : value, kind, provenance });

function checkCancel(hooks: RegimeHooks): void {
  if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'The regime analysis was cancelled.');
}

/** Cov = YᵀY/m for the rows `idx` of X (p×p, row-major, symmetric). */
function covarianceOfRows(X: Float64Array, p: number, rows: ArrayLike<number>, mean: Float64Array | null, scale: number): Float64Array {
  const cov = new Float64Array(p * p);
  const y = new Float64Array(p);
  for (let r = 0; r < rows.length; r++) {
    const off = rows[r] * p;
    for (let j = 0; j < p; j++) y[j] = (X[off + j] - (mean ? mean[j] : 0)) * scale;
    for (let i = 0; i < p; i++) {
      const yi = y[i];
      if (yi === 0) continue;
      const ri = i * p;
      for (let j = 0; j <= i; j++) cov[ri + j] += yi * y[j];
    }
  }
  const m = rows.length;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov[i * p + j] / m;
      cov[i * p + j] = v;
      cov[j * p + i] = v;
    }
  }
  return cov;
}

function maxRelativeGap(t: number[], pred: number[], sim: number[], horizon: number): { gap: number | null; at: number | null } {
  const floor = 0.01 * Math.abs(sim[0]);
  let gap: number | null = null, at: number | null = null;
  for (let i = 0; i < t.length && i < pred.length && i < sim.length; i++) {
    if (t[i] > horizon + 1e-12) break;
    if (!Number.isFinite(sim[i]) || !Number.isFinite(pred[i])) continue;
    const g = Math.abs(pred[i] - sim[i]) / Math.max(Math.abs(sim[i]), floor, Number.MIN_VALUE);
    if (gap === null || g > gap) { gap = g; at = t[i]; }
  }
  return { gap, at };
}

const pct = (v: number) => `${(100 * v).toPrecision(2)}%`;

/**
 * Analyses data X (n×d) for the planned autoencoder in `config`. Pure computation (no I/O, no
 * 'vscode'); the GD check runs in chunks that yield to the event loop, report progress and
 * honour cancel. Throws EmbdiagError('bad-argument') on bad input, ('cancelled') on cancel.
 */
export async function analyzeRegime(data: RegimeData, config: RegimeConfig, hooks: RegimeHooks = {}): Promise<RegimeReport> {
  const { X, n: rows, d: p } = data;
  if (!(Number.isSafeInteger(rows) && rows >= 2 && Number.isSafeInteger(p) && p >= 1)) {
    throw new EmbdiagError('bad-argument', `Need at least 2 rows and 1 column (got ${rows}×${p}).`);
  }
  if (!(X instanceof Float64Array) || X.length !== rows * p) {
    throw new EmbdiagError('bad-argument', `X must be a Float64Array of n·d = ${rows * p} values (got ${X?.length}).`);
  }
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) {
      throw new EmbdiagError('bad-argument', `X has a non-finite value in row ${Math.floor(i / p)}.`, 'Drop rows with NaN or Inf before the regime analysis.');
    }
  }
  const given = data.populationCovariance;
  if (given !== undefined && (!(given instanceof Float64Array) || given.length !== p * p || given.some(v => !Number.isFinite(v)))) {
    throw new EmbdiagError('bad-argument', `populationCovariance must be a finite d×d Float64Array (d = ${p}).`);
  }
  const ae = resolveAutoencoderConfig(config, p);
  const pre = resolvePreprocessing(config, rows, given !== undefined);
  const sim = resolveSimulation(config, ae, p);
  const H = ae.latentWidth;
  const progress = (stage: RegimeProgress['stage'], fraction: number, message: string) => hooks.onProgress?.({ stage, fraction, message });
  checkCancel(hooks);
  progress('prepare', 0, 'Centering, splitting and covariances');

  // Centering (mean over all rows), split, covariances, optional rescaling.
  let mean: Float64Array | null = null;
  let meanNorm: number | null = null;
  if (pre.center) {
    mean = new Float64Array(p);
    for (let r = 0; r < rows; r++) for (let j = 0; j < p; j++) mean[j] += X[r * p + j];
    let s = 0;
    for (let j = 0; j < p; j++) { mean[j] /= rows; s += mean[j] * mean[j]; }
    meanNorm = Math.sqrt(s);
  }
  const heldCount = Math.round(pre.heldOutFraction * rows);
  const heldIdx = heldCount > 0 ? sampleRowIndices(rows, heldCount, pre.splitSeed) : new Float64Array(0);
  const trainIdx: number[] = [];
  for (let r = 0, h = 0; r < rows; r++) {
    if (h < heldIdx.length && heldIdx[h] === r) { h++; continue; }
    trainIdx.push(r);
  }
  const n = trainIdx.length;
  let S = covarianceOfRows(X, p, trainIdx, mean, 1);
  let traceS = 0;
  for (let i = 0; i < p; i++) traceS += S[i * p + i];
  if (!(traceS > 0)) throw new EmbdiagError('bad-argument', 'The training rows have zero variance after centering: nothing to learn.');
  let scale = 1;
  if (pre.rescale) {
    scale = 1 / Math.sqrt(traceS / p);
    const f2 = scale * scale;
    S = S.map(v => v * f2);
    traceS = p;
  }
  let popCov: Float64Array | null = null;
  let populationSource: 'held-out' | 'given' | 'none' = 'none';
  if (given) {
    popCov = given.map(v => v * scale * scale);
    populationSource = 'given';
  } else if (heldCount > 0) {
    popCov = covarianceOfRows(X, p, heldIdx, mean, scale);
    populationSource = 'held-out';
  }
  let tracePop: number | null = null;
  if (popCov) { tracePop = 0; for (let i = 0; i < p; i++) tracePop += popCov[i * p + i]; }
  let traceS2 = 0;
  for (let i = 0; i < p * p; i++) traceS2 += S[i] * S[i];
  checkCancel(hooks);

  // Spectrum of the train covariance and the population overlaps s_k = v_kᵀΣv_k.
  progress('spectrum', 0.05, 'Eigen-decomposition of the train covariance');
  const eig = symmetricEigen(S, p);
  const lambda = eig.values;
  let sPop: Float64Array | null = null;
  if (popCov) {
    sPop = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      const v = eig.vectors.subarray(k * p, k * p + p);
      let s = 0;
      for (let i = 0; i < p; i++) {
        let row = 0;
        const ri = i * p;
        for (let j = 0; j < p; j++) row += popCov[ri + j] * v[j];
        s += v[i] * row;
      }
      sPop[k] = s;
    }
  }
  checkCancel(hooks);

  // Placement, step size, limits.
  progress('predict', 0.15, 'Placement and face formulas');
  const place = placeInPrism({ inputDim: p, latentWidth: H, trainRows: n, sigma2: ae.sigma2, traceS, traceS2 });
  const describeStep = (etaGf: number) => ae.convention === 'torch-mse-mean'
    ? `${stepInConvention(etaGf, ae.convention, p).toPrecision(3)} (torch MSELoss units; ${etaGf.toPrecision(3)} in gradient-flow units)`
    : etaGf.toPrecision(3);
  const step = stepSizeFinding(ae.eta, lambda[0], ae.sigma2, p, H, describeStep);
  const limits = longTimeLimits(lambda, sPop, traceS, tracePop, H);

  // Record grid t_k = kη at every recordEvery steps and at the last step.
  const ts: number[] = [];
  for (let k = 0; k <= ae.steps; k++) if (k % sim.recordEvery === 0 || k === ae.steps) ts.push(k * ae.eta);

  const setting: EmpiricalSetting = {
    inputDim: p, latentWidth: H, trainRows: n, sigma2: ae.sigma2, lambda, sPop, traceS, tracePop,
    anisotropy: place.anisotropy ?? 0,
  };
  const predictions: PredictionReport[] = [];
  if (place.closedFormApplies) {
    const first = predictFace(place.nearest, setting, ts);
    if (first) predictions.push({ ...first, role: 'nearest' });
  }
  // A second face when the configuration is near a shared edge (the free face only with n ≫ p).
  if (place.closedFormApplies && place.nearEdge && faceFormulaApplies(place.nearEdge, place.distances)) {
    const second = predictFace(place.nearEdge, setting, ts);
    if (second) predictions.push({ ...second, role: 'second' });
  }
  checkCancel(hooks);

  // The check: full-batch GD averaged over seeds.
  let simulation: SimulationReport | null = null;
  if (sim.simulate) {
    progress('simulate', 0.2, 'Full-batch GD of the weight-tied autoencoder');
    let trainRows: GdProblem['trainRows'] = null;
    if (n < p) {
      const Xt = new Float64Array(n * p);
      for (let r = 0; r < n; r++) {
        const off = trainIdx[r] * p;
        for (let j = 0; j < p; j++) Xt[r * p + j] = (X[off + j] - (mean ? mean[j] : 0)) * scale;
      }
      trainRows = { X: Xt, n };
    }
    const problem: GdProblem = { inputDim: p, latentWidth: H, trainCovariance: S, trainRows, populationCovariance: popCov };
    const result = await runGdEnsemble(problem, {
      eta: ae.eta, steps: ae.steps, recordEvery: sim.recordEvery, sigma: ae.sigma,
      seeds: sim.seeds, initialWeights: sim.initialWeights ?? undefined,
    }, {
      isCancelled: hooks.isCancelled,
      onProgress: g => progress('simulate', 0.2 + 0.8 * g.fraction, `GD run ${g.run + 1}/${g.runs}: step ${Math.min(g.stepsDone, g.steps)}/${g.steps}`),
    });
    simulation = {
      kind: 'simulation',
      provenance: 'spec §5c [PROP] (the paper\'s own validation method [SUM]); W0 = σ·mulberry32 Box–Muller normals (§6)',
      seeds: result.runs.map(r => r.seed), runs: result.runs.length, divergedRuns: result.divergedRuns,
      t: result.t, trainMean: result.trainMean, trainSd: result.trainSd, popMean: result.popMean, popSd: result.popSd,
    };
  }

  // Agreement between prediction and simulation over the trusted horizon.
  const agreement: AgreementReport[] = [];
  if (simulation) {
    for (const pr of predictions) {
      const a: AgreementReport = {
        face: pr.face, horizon: pr.trustedUntil, maxRelativeGapTrain: null, atTrain: null, maxRelativeGapPop: null, atPop: null,
        provenance: 'spec §5c [PROP]: max relative gap at matched t = kη over the trusted horizon',
      };
      if (pr.trustedUntil !== null) {
        const tr = maxRelativeGap(simulation.t, pr.train, simulation.trainMean, pr.trustedUntil);
        a.maxRelativeGapTrain = tr.gap;
        a.atTrain = tr.at;
        if (pr.pop && simulation.popMean) {
          const po = maxRelativeGap(simulation.t, pr.pop, simulation.popMean, pr.trustedUntil);
          a.maxRelativeGapPop = po.gap;
          a.atPop = po.at;
        }
      }
      agreement.push(a);
    }
  }

  // Plain-words findings.
  const findings: string[] = [`Regime: ${place.label}.`];
  if (!place.closedFormApplies) {
    findings.push(place.interior
      ? 'All distances to the faces are large (prism interior): no closed form applies; the simulation alone describes training.'
      : 'The nearest face is the free regime, which has no closed form with finite data (n not ≫ p): the simulation alone describes training.');
  }
  findings.push(step.message);
  for (const pr of predictions) {
    if (pr.trustedUntil === null) findings.push(`The ${pr.faceName} prediction is not trusted here (${pr.diagnostic.name} = ${pr.diagnostic.value?.toPrecision(3)} > ${pr.diagnostic.threshold}).`);
    else if (pr.trustedUntil < ae.tMax && pr.endedAt === null) findings.push(`The ${pr.faceName} prediction is trusted up to t = ${pr.trustedUntil.toPrecision(3)} (of ${ae.tMax.toPrecision(3)}).`);
  }
  for (const pr of predictions) {
    if (pr.endedAt !== null) findings.push(`The ${pr.faceName} formula leaves its domain at t = ${pr.endedAt.toPrecision(3)} (a predicted loss below 0, above ${LOSS_CEILING_FACTOR}·E L(0), or not finite): its curve ends there${pr.trustedUntil !== null ? `, trusted up to t = ${pr.trustedUntil.toPrecision(3)}` : ''}.`);
  }
  for (const a of agreement) {
    if (a.maxRelativeGapTrain !== null) {
      findings.push(`${FACE_NAMES[a.face]} prediction vs GD over t ≤ ${a.horizon!.toPrecision(3)}: max relative gap ${pct(a.maxRelativeGapTrain)} (train)`
        + (a.maxRelativeGapPop !== null ? `, ${pct(a.maxRelativeGapPop)} (population).` : '.'));
    }
  }
  if (simulation && simulation.divergedRuns > 0) findings.push(`${simulation.divergedRuns} of ${simulation.runs} GD runs diverged.`);
  if (pre.center && meanNorm !== null) findings.push(`Centered: removed a mean of norm ${meanNorm.toPrecision(3)}.`);
  progress('done', 1, 'Done');

  const lt = (v: number | null) => fig(v, 'closed-form', limits.provenance);
  return {
    schema: REGIME_REPORT_SCHEMA,
    provenanceNote: PROVENANCE_NOTE,
    timeConvention: TIME_CONVENTION,
    input: {
      rows, inputDim: p, trainRows: n, heldOutRows: heldCount, populationSource,
      centered: pre.center, meanNorm: fig(meanNorm, 'measured', 'spec §5 preprocessing [PROP]'),
      rescaled: pre.rescale, scaleFactor: fig(scale, 'measured', 'spec §5 preprocessing [PROP]: tr Σ̂/p = 1 after rescaling'),
      traceTrain: fig(traceS, 'measured', 'tr Σ̂, Σ̂ = XᵀX/n on the train rows (spec §1.2)'),
      lambdaMax: fig(lambda[0], 'measured', 'top eigenvalue of Σ̂'),
      lambdaMin: fig(lambda[p - 1], 'measured', 'bottom eigenvalue of Σ̂'),
      tracePop: fig(tracePop, populationSource === 'given' ? 'input' : 'measured', 'population covariance: held-out rows or given (spec §5)'),
    },
    autoencoder: {
      latentWidth: H, sigma2: fig(ae.sigma2, 'convention', `init: ${ae.initMapping}`), sigma: ae.sigma, initMapping: ae.initMapping,
      eta: fig(ae.eta, 'convention', `spec §1.2/§5: ${ae.learningRateMapping}`), etaInput: ae.etaInput, convention: ae.convention,
      learningRateMapping: ae.learningRateMapping, steps: ae.steps, tMax: ae.tMax, recordEvery: sim.recordEvery,
    },
    placement: {
      distances: Object.fromEntries(Object.entries(place.distances).map(([k, v]) => [k, fig(v, 'estimate', 'spec §5a [PROP]')])) as Record<FaceId, Figure>,
      anisotropy: fig(place.anisotropy, 'estimate', 'spec §5a [PROP]'),
      finiteSize: fig(place.finiteSize, 'estimate', 'spec §5a [PROP]: 1/√p'),
      coordinates: {
        latent: fig(place.coordinates.latent, 'estimate', 'spec §5a [PROP]: log(H/p)'),
        data: fig(place.coordinates.data, 'estimate', 'spec §5a [PROP]: log(p/n)'),
        init: fig(place.coordinates.init, 'estimate', 'spec §5a [PROP]: log(σ² max(p,H))'),
      },
      ranking: place.ranking, nearest: place.nearest, nearestName: FACE_NAMES[place.nearest], parameters: place.parameters,
      nearEdge: place.nearEdge, interior: place.interior, closedFormApplies: place.closedFormApplies, label: place.label,
      provenance: place.provenance,
    },
    stepSize: {
      verdict: step.verdict, message: step.message,
      largestSafeStep: fig(step.largestSafeStep, 'estimate', step.provenance),
      largestSafeStepInput: stepInConvention(step.largestSafeStep, ae.convention, p),
      convergenceLimit: fig(step.convergenceLimit, 'estimate', step.provenance),
      earlyLimit: fig(step.earlyLimit, 'estimate', step.provenance),
      oscillationLimit: fig(step.oscillationLimit, 'estimate', step.provenance),
      accurateStep: fig(step.accurateStep, 'estimate', step.provenance),
      initialAMax: fig(step.initialAMax, 'estimate', 'MP edge σ²(√p+√H)² of WᵀW at init (spec §5c)'),
    },
    limits: { applies: limits.applies, train: lt(limits.train), pop: lt(limits.pop), note: limits.note },
    predictions, simulation, agreement, findings,
  };
}
