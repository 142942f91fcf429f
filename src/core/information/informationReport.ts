/**
 * The information-theoretic analysis of an embedding dump, after arXiv 2601.11334 (Pereg, Wand):
 * representation-rate, entropy of the representation, source-entropy bounds, capacity under
 * perturbation, rate–distortion of the output, the unified verdict and collapse diagnostics.
 *
 * One JSON-serialisable InformationReport; every number is a Figure (figure.ts) that carries
 * its unit, its kind (estimate / upper bound / lower bound / exact), its estimator (E1–E10 of the
 * spec), the rows used, flags, and where the idea comes from (the paper or our estimator).
 *
 *   analyzeInformationFile(path, flags, options)   resolve inputs, read rows, compute, close;
 *   analyzeInformation(resolvedInputs, options)    read rows of resolved inputs, compute;
 *                                                  (both in analyzeInformation.ts)
 *   computeInformation(inMemoryData, options)      the pure core (tests, other hosts).
 */
import { EmbdiagError } from '../errors';
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { TOOL_VERSION } from '../version';
import { awgnCapacityFigure, perturbedCapacity, type PerturbedCapacity } from './capacity';
import { collapseSection, type CollapseSection } from './collapse';
import { covarianceBlock, differenceCovariance, differenceSecondMoment, meanSquare, type CompanionMoments } from './companionMoments';
import { covariance, diagonal, principalSubmatrix, selectColumns, selectRows, type RowMatrix } from './dense';
import { CONCEPT, figure, PAPER_REF, PER_SYMBOL_READING, proposed, unavailable, UNITS_NOTE, valueIn, type Figure } from './figure';
import { gaussianEntropyFigures, type GaussianEntropyFigures } from './gaussianEntropy';
import type { ArrayDescription, InformationProblem, InputSource, ResolvedScalar } from './informationInputs';
import { klEntropyFigure } from './knnEntropy';
import type { ArrayRole, ScalarKey } from './manifest';
import { countDuplicateRows, deadColumns, finiteRowIndices, numericalRank } from './preprocess';
import { rateDistortionSection, type RateDistortionSection } from './rateDistortion';
import {
  bitsPerCoordinateForDtype, collisionFigures, defaultCollisionSteps, nominalRateFigures, storageUlpForDtype, targetInjectivityLevel,
  type CollisionLevel, type NominalRateFigures, type TargetInjectivityLevel,
} from './representationRate';
import { representationRateMargin, sourceEntropyBounds, type SourceEntropyBounds } from './sourceEntropyBounds';
import { unifiedVerdict, type Verdict } from './verdict';

export type { Figure } from './figure';
export { listFigures } from './figure';
// The summary lines live in informationSummary.ts; re-exported for the CLI and older imports.
export { describeFigure, summarizeInformation } from './informationSummary';

export interface InformationOptions {
  /** Rows read at most (seeded uniform sample beyond; default 10,000). */
  maxRows: number;
  seed: number;
  /** k of the k-NN estimators (default 3). */
  k: number;
  /** Rows given to the brute-force k-NN estimators at most (seeded sample beyond; default 4,000). */
  knnMaxRows: number;
  /** Largest PCA projection dimension d′ for k-NN estimators (≤ 10; default 10). */
  projectionDim: number;
  /** E2 steps Δ (0 = storage precision); default: storage + s·2^j, j = −6…2. */
  collisionSteps?: number[];
  /** Refuse NaN/Inf rows instead of dropping them (P1 strict mode). */
  strictNonFinite?: boolean;
  /** Points of the R(D) curve (default 41). */
  curvePoints?: number;
  /** Classes when NC1 bins a 1-column Y (default 10). */
  nc1Bins?: number;
  /** Which capacity figure the verdict uses; default E7c, then E7b, E7d (KL), E7e, E7a. */
  verdictCapacity?: 'E7a' | 'E7b' | 'E7c' | 'E7d' | 'E7e' | 'E7f';
}

export const DEFAULT_INFORMATION_OPTIONS: InformationOptions = { maxRows: 10_000, seed: 0, k: 3, knnMaxRows: 4_000, projectionDim: 10 };

export interface InformationHooks {
  onProgress?: (fraction: number, message: string) => void;
  isCancelled?: () => boolean;
}

export type ScalarInputs = Partial<Record<ScalarKey, number>>;

/** In-memory inputs of computeInformation: row-matched matrices (labels: one value per row). */
export interface InformationData {
  embeddings: RowMatrix;
  /** Storage dtype of Z (for b and the storage step); default float64. */
  embeddingsDtype?: string;
  perturbed?: RowMatrix | null;
  targets?: RowMatrix | null;
  predictions?: RowMatrix | null;
  inputs?: RowMatrix | null;
  inputsDtype?: string;
  labels?: ArrayLike<number> | null;
  /**
   * Class labels from the row metadata's label column, used by NC1 when `labels` is not given: one
   * class number per row, NaN where a row has none (left out of NC1 only, not of the other figures).
   */
  metadataLabels?: ArrayLike<number> | null;
  /** Where the labels NC1 uses come from, in words (shown on the NC1 figure). */
  labelSource?: string;
  scalars?: ScalarInputs;
  scalarSources?: Partial<Record<ScalarKey, InputSource>>;
  /** Rows of the dump before sampling (default: embeddings.rows). */
  rowsTotal?: number;
  /** Roles left out before reading (row-count mismatch ...), with the reason. */
  excluded?: Partial<Record<ArrayRole, string>>;
  /**
   * The unbiased covariance of every finite row of Z (a dataset's merged second moments), when
   * `embeddings` is only a sample of them: the Gaussian figures (E3, E8 on Z, dead columns, rank,
   * PCA directions) then come from it, the k-NN and collision figures from the sample.
   */
  embeddingsMoments?: EmbeddingsMoments;
  /**
   * The moments of every row of Z and its companions (a dataset's merged joint moments), when the
   * matrices given are only a sample of them: the Gaussian figures (E7b–E7d, E7f, h(E), E8 on Y
   * and the model's error, P for E7a) then come from them, the k-NN figures from the sample.
   * Z's block stands for embeddingsMoments when that is not given.
   */
  companionMoments?: CompanionMoments;
}

/** Second moments of all the rows of Z: their count and unbiased covariance (d×d, row-major). */
export interface EmbeddingsMoments { count: number; covariance: Float64Array }

export interface InformationReport {
  schemaVersion: 1;
  kind: 'information';
  tool: { name: 'embdiag'; version: string };
  paper: { reference: string; read: string; note: string };
  /** File-level description (null for in-memory data). */
  inputs: {
    embeddings: ArrayDescription | null;
    companions: Partial<Record<Exclude<ArrayRole, 'embeddings'>, ArrayDescription>>;
    /** Which companions entered the analysis. */
    present: Record<Exclude<ArrayRole, 'embeddings'>, boolean>;
    scalars: Partial<Record<ScalarKey, ResolvedScalar>>;
    manifest: string | null;
  };
  rows: {
    /** Rows of the dump. */
    total: number;
    /** Rows read (sampled when total > maxRows). */
    read: number;
    sampled: boolean;
    seed: number;
    maxRows: number;
    /** P1: rows dropped because some array had NaN/±Inf in them. */
    droppedNonFinite: number;
    /** Rows that entered the estimators. */
    used: number;
  };
  preprocessing: {
    dim: number;
    /** P2 dead columns of Z (count and the first 100 indices). */
    deadColumns: number;
    deadColumnIndices: number[];
    /** Numerical rank of S_Z on the live columns (P4). */
    rank: number;
    /** P3 duplicates: rows of Z equal to an earlier row, and (Z, Z̃) pairs. */
    duplicateRows: number;
    duplicatePairs: number | null;
    /** Scaling of the data (entropies shift by d·log₂ a under Z → aZ; MI does not). */
    scaling: 'raw';
  };
  /** Units (spec §1.3): per model use is primary; per input symbol is reading (B) of n, labelled. */
  units: { primary: 'bits per model use'; perInputSymbol: { reading: typeof PER_SYMBOL_READING; note: string } };
  representationRate: {
    nominal: NominalRateFigures;
    collision: CollisionLevel[];
    /** The bijective-map precondition of Theorem 6 checked on the sample: collisions of Y among distinct X (null without targets). */
    targetInjectivity: TargetInjectivityLevel[] | null;
    targetInjectivityMissing?: string;
  };
  entropy: { gaussian: GaussianEntropyFigures; kozachenkoLeonenko: Figure; projectionDim: number | null };
  sourceEntropy: SourceEntropyBounds | null;
  capacity: {
    /** E7a (input noise model). */
    awgn: Figure;
    /** E7b–E7f (perturbed embeddings); null without Z̃. */
    perturbed: PerturbedCapacity | null;
    /** Why there is no perturbed section. */
    perturbedMissing?: string;
    /** The same, as a figure with its flag (needs_perturbed, or mismatched_rows when Z̃ was left out). */
    perturbedUnavailable?: Figure;
  };
  rateDistortion: RateDistortionSection;
  verdict: Verdict;
  collapse: CollapseSection;
  /** Problems for the Problems panel and the CLI (input resolution and data). */
  problems: InformationProblem[];
  notes: string[];
  timings: { totalMs: number; readMs: number };
}

const PAPER = {
  reference: PAPER_REF,
  read: 'abstract and introduction only',
  note: 'The paper defines representation-rate (Theorem 6), representation capacity under perturbation (Theorem 8) and representation rate–distortion, and combines them; its formal statements and estimators could not be read. Every number here comes from a standard, cited estimator chosen by us ([PROPOSED]); see each figure\'s provenance.',
};

function check(hooks: InformationHooks, fraction: number, message: string): void {
  if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
  hooks.onProgress?.(fraction, message);
}

/** The pure core: computes the report from in-memory, row-matched matrices. */
export function computeInformation(data: InformationData, options: Partial<InformationOptions> = {}, hooks: InformationHooks = {}): InformationReport {
  const started = Date.now();
  const opt: InformationOptions = { ...DEFAULT_INFORMATION_OPTIONS, ...options };
  validateOptions(opt);
  const scal = data.scalars ?? {};
  const n0 = data.embeddings.rows;
  const named: [Exclude<ArrayRole, 'embeddings'>, RowMatrix | null][] = [
    ['perturbed', data.perturbed ?? null], ['targets', data.targets ?? null], ['predictions', data.predictions ?? null], ['inputs', data.inputs ?? null],
    ['labels', data.labels ? { rows: data.labels.length, cols: 1, data: Float64Array.from(data.labels) } : null],
  ];
  for (const [role, m] of named) {
    if (m && m.rows !== n0) throw new RangeError(`computeInformation: ${role} has ${m.rows} rows, embeddings ${n0}`);
  }
  const problems: InformationProblem[] = [];
  const notes: string[] = [];
  const present = Object.fromEntries(named.map(([r, m]) => [r, m !== null])) as Record<Exclude<ArrayRole, 'embeddings'>, boolean>;
  if (data.targets && data.predictions && data.targets.cols !== data.predictions.cols) {
    throw new RangeError(`computeInformation: predictions have ${data.predictions.cols} columns, targets ${data.targets.cols}`);
  }

  // P1
  const used = [data.embeddings, ...named.map(([, m]) => m).filter((m): m is RowMatrix => m !== null)];
  const { kept, dropped } = finiteRowIndices(used);
  if (dropped > 0) {
    if (opt.strictNonFinite) throw new EmbdiagError('non-finite', `${dropped} row${dropped === 1 ? '' : 's'} hold NaN or ±Inf (strict mode).`, 'Drop them, or run without strict mode to have them dropped.');
    problems.push({ code: 'non-finite-rows', severity: 'warning', message: `${dropped} row${dropped === 1 ? '' : 's'} with NaN or ±Inf in some array were dropped from every array (n_dropped_nonfinite = ${dropped}).` });
  }
  const pick = (m: RowMatrix | null | undefined) => (m ? (dropped ? selectRows(m, kept) : m) : null);
  const z = pick(data.embeddings)!;
  const zt = pick(data.perturbed);
  const y = pick(data.targets);
  const yh = pick(data.predictions);
  const x = pick(data.inputs);
  const classLabels = data.labels ?? data.metadataLabels ?? null;
  if (classLabels && classLabels.length !== n0) throw new RangeError(`computeInformation: metadata labels have ${classLabels.length} rows, embeddings ${n0}`);
  const labels = classLabels ? (dropped ? Array.from(kept, i => classLabels[i]) : classLabels) : null;
  const n = z.rows;
  const d = z.cols;
  if (n < 2) throw new EmbdiagError('bad-shape', `Only ${n} finite row${n === 1 ? '' : 's'}: nothing can be estimated.`, 'The information analysis needs at least 2 rows (and more than the dimension for most figures).');

  // P2, P4 on Z
  check(hooks, 0.3, 'Covariance of the embeddings');
  const joint = data.companionMoments ?? null;
  const moments = data.embeddingsMoments ?? (joint ? { count: joint.count, covariance: covarianceBlock(joint, 'embeddings', 'embeddings') } : null);
  if (moments && moments.covariance.length !== d * d) throw new RangeError(`computeInformation: the moments' covariance has ${moments.covariance.length} values, not ${d}²`);
  const fullCov = moments ? moments.covariance : covariance(z);
  // rows behind the Gaussian figures: all of Z's when its moments are given
  const gaussianRows = moments ? moments.count : n;
  const dead = deadColumns(diagonal(fullCov, d));
  const deadSet = new Set(dead);
  const live = Array.from({ length: d }, (_, j) => j).filter(j => !deadSet.has(j));
  const zl = dead.length ? selectColumns(z, live) : z;
  const cov = dead.length ? (moments ? principalSubmatrix(fullCov, d, live) : covariance(zl)) : fullCov;
  const eig = symmetricEigenvalues(cov, live.length);
  const rank = numericalRank(eig);
  if (dead.length) problems.push({ code: 'dead-columns', severity: 'information', message: `${dead.length} dead (constant) column${dead.length === 1 ? '' : 's'} of Z removed for the entropy and MI estimators (d_dead = ${dead.length}).` });
  if (rank < live.length) problems.push({ code: 'rank-deficient', severity: 'warning', message: `The covariance of Z has rank ${rank} < ${live.length}${gaussianRows <= live.length ? ` (N = ${gaussianRows} ≤ d)` : ''}: full-dimensional Gaussian entropies and MI are not finite (rank_deficient); subspace values are given.` });
  const dupRows = countDuplicateRows([z]);
  const dupPairs = zt ? countDuplicateRows([z, zt]) : null;
  if (dupRows) problems.push({ code: 'duplicate-rows', severity: 'information', message: `${dupRows} row${dupRows === 1 ? '' : 's'} of Z repeat an earlier row: removed for the k-NN estimators (n_dup = ${dupRows}); counted as collisions by E2.` });

  const inputSymbols = scal.inputSymbols ?? (x ? x.cols : null);
  const dtype = data.embeddingsDtype ?? 'float64';

  // E1, E2
  check(hooks, 0.35, 'Representation rate');
  const b = scal.bitsPerCoordinate ?? bitsPerCoordinateForDtype(dtype);
  const bSource = scal.bitsPerCoordinate !== undefined ? data.scalarSources?.bitsPerCoordinate ?? 'given' : `dtype ${dtype}`;
  const nominal = nominalRateFigures({ dim: d, bitsPerCoordinate: b, inputSymbols, rows: n, bitsSource: bSource });
  const steps = opt.collisionSteps ?? defaultCollisionSteps(z, diagonal(fullCov, d));
  const collision = steps.map(s => collisionFigures(z, s, x ?? undefined));
  // Next to E2: does X → Y look injective on the sample (Theorem 6 assumes a bijective map)?
  const targetInjectivity = y ? defaultCollisionSteps(y, diagonal(covariance(y), y.cols)).map(s => targetInjectivityLevel(y, s, x ?? undefined)) : null;
  const targetInjectivityMissing = y ? undefined : data.excluded?.targets
    ? `The targets were left out: ${data.excluded.targets}`
    : 'No regression targets Y (--targets FILE, container key "targets", or manifest "targets"): the target-injectivity check of Theorem 6\'s bijective-map precondition needs them.';

  // E3, E4
  check(hooks, 0.45, 'Entropy of the representation');
  const gaussian = gaussianEntropyFigures(eig, gaussianRows, { deadColumns: dead.length });
  const kl = klEntropyFigure(zl, cov, eig, { k: opt.k, maxRows: opt.knnMaxRows, seed: opt.seed, projectionDim: opt.projectionDim, deadColumns: dead.length });

  // E6
  check(hooks, 0.55, 'Source entropy bounds');
  const source = x ? sourceEntropyBounds(x, data.inputsDtype ?? 'float64', scal.inputStep ?? null) : null;
  if (source && x) source.rateMargin = representationRateMargin(nominal.perModelUse, source.best, x.cols, inputSymbols);

  // E7
  check(hooks, 0.6, 'Capacity');
  let power: number | null = scal.inputPower ?? null;
  let powerSource = power !== null ? data.scalarSources?.inputPower ?? 'given' : 'none';
  if (power === null && x) {
    if (joint?.columns.inputs) power = meanSquare(joint, 'inputs');
    else {
      let s = 0;
      for (let i = 0; i < x.data.length; i++) s += x.data[i] * x.data[i];
      power = s / x.data.length;
    }
    powerSource = 'inputs';
  }
  const awgn = awgnCapacityFigure({ power, powerSource, noiseStd: scal.noiseStd ?? null, inputSymbols, rows: powerSource === 'inputs' ? (joint?.columns.inputs ? joint.count : n) : 0 });
  let perturbed: PerturbedCapacity | null = null;
  let perturbedMissing: string | undefined;
  if (zt) {
    const ulp = storageUlpForDtype(dtype);
    let ms = 0;
    for (let i = 0; i < z.data.length; i++) ms += z.data[i] * z.data[i];
    const rms = Math.sqrt(ms / Math.max(1, z.data.length));
    const storageStep = ulp ? (ulp.relative ? ulp.step * (rms || 1) : ulp.step) : 0;
    perturbed = perturbedCapacity(z, zt, {
      inputSymbols, k: opt.k, knnMaxRows: opt.knnMaxRows, seed: opt.seed, projectionDim: opt.projectionDim, storageStep, embeddingsCovariance: fullCov,
      klEntropy: { value: kl.figure.value, basis: kl.basis, rows: kl.rows, columns: live },
      ...(joint?.columns.perturbed ? { moments: {
        count: joint.count, perturbedCovariance: covarianceBlock(joint, 'perturbed', 'perturbed'), crossCovariance: covarianceBlock(joint, 'embeddings', 'perturbed'),
        perturbationCovariance: zt.cols === d ? differenceCovariance(joint, 'perturbed', 'embeddings') : new Float64Array(0),
      } } : {}),
    });
  } else {
    perturbedMissing = data.excluded?.perturbed
      ? `The perturbed embeddings were left out: ${data.excluded.perturbed}`
      : 'No perturbed-input embeddings Z̃ (--perturbed FILE, container key "embeddings_perturbed", or manifest "perturbed"): E7b–E7f need them.';
  }
  const perturbedUnavailable = perturbed ? undefined : unavailable({
    unit: 'bits per model use', kind: 'lower-bound', quantity: 'C via I(Z;Z̃)', estimator: 'E7b–E7f (perturbed embeddings)', formula: 'see E7b–E7f', rows: 0,
    provenance: proposed(CONCEPT.capacity, 'Embedding-level capacity estimators need perturbed-input embeddings.'),
    flags: [data.excluded?.perturbed ? 'mismatched_rows' : 'needs_perturbed'], explanation: perturbedMissing!,
  });

  // E8
  check(hooks, 0.8, 'Rate–distortion');
  const distortionSource = scal.distortion !== undefined ? ((data.scalarSources?.distortion === 'manifest' ? 'manifest' : 'flag') as 'flag' | 'manifest') : 'none';
  const rd = rateDistortionSection({
    source: y ?? zl, sourceKind: y ? 'targets' : 'embeddings', predictions: y && yh ? yh : null,
    sourceMoments: !y && moments ? { count: gaussianRows, covariance: cov }
      : y && joint?.columns.targets ? { count: joint.count, covariance: covarianceBlock(joint, 'targets', 'targets') } : undefined,
    errorSecondMoment: y && yh && joint?.columns.targets && joint.columns.predictions ? differenceSecondMoment(joint, 'targets', 'predictions') : undefined,
    distortion: scal.distortion ?? null, distortionSource, inputSymbols, curvePoints: opt.curvePoints,
  });
  const leftOut = (['targets', 'predictions'] as const).filter(r => data.excluded?.[r]);
  if (leftOut.length) {
    // Say on every E8 figure that an input given by the user was not used.
    const text = leftOut.map(r => ` The ${r} were left out: ${data.excluded![r]}`).join('');
    const op = rd.operatingPoint;
    for (const f of [rd.rateGaussian, rd.shannonLowerBound, ...(op ? [op.mse, op.rateGaussian, op.shannonLowerBound, op.determinantBound] : [])]) {
      if (!f.flags.includes('mismatched_rows')) f.flags.push('mismatched_rows');
      f.explanation = (f.explanation ?? '') + text;
    }
  }

  // E9
  const chosen = chooseCapacity(opt.verdictCapacity, perturbed, awgn);
  const capacityFigure = chosen && chosen.value === null && perturbedUnavailable ? perturbedUnavailable : chosen;
  const allCapacity = [awgn, perturbed?.snr, perturbed?.cca, perturbed?.lmmseGaussian, perturbed?.lmmseKnn, perturbed?.ksg, perturbed?.waterFilling]
    .filter((f): f is Figure => !!f && valueIn(f, 'bits per model use') !== null);
  const generous = allCapacity.length ? allCapacity.reduce((a, c) => (valueIn(c, 'bits per model use')! > valueIn(a, 'bits per model use')! ? c : a)) : null;
  let verdict: Verdict;
  if (rd.rateGaussian.value !== null) {
    verdict = unifiedVerdict({ mode: 'lossy', capacity: capacityFigure, requirement: rd.rateGaussian, generousCapacity: generous, requirementLower: rd.shannonLowerBound.value !== null ? rd.shannonLowerBound : null, inputSymbols, rows: n });
  } else if (source && source.best.value !== null && x) {
    const perUse = figure({
      ...source.best, value: source.best.value * x.cols, unit: 'bits per model use', quantity: 'H(X)',
      explanation: `${source.best.estimator} × n (n = ${x.cols} input symbols).`,
    });
    verdict = unifiedVerdict({ mode: 'lossless', capacity: capacityFigure, requirement: perUse, generousCapacity: generous, inputSymbols, rows: n });
  } else {
    verdict = unifiedVerdict({ mode: 'none', capacity: capacityFigure, requirement: null, inputSymbols, rows: n,
      missing: capacityFigure?.value == null
        ? `Neither side of the comparison is available: ${perturbedMissing ?? awgn.explanation} And no target distortion D, predictions, or inputs X for R(D) or H(X).`
        : 'No requirement to compare with: give a target distortion D (--distortion), model predictions with targets (operating point), or inputs X (lossless: C vs H(X)).' });
  }

  // E10
  check(hooks, 0.9, 'Collapse');
  const collapse = collapseSection({ z: zl, eigenvalues: eig, labels, labelSource: data.labelSource, targets: y, bins: opt.nc1Bins });

  if (d > 10) notes.push(`d = ${d} > 10: the k-NN estimators (E4, E7e) run on a PCA projection; its dimension is stated on each figure.`);
  notes.push(`Units: bits. ${UNITS_NOTE} D is the TOTAL squared error over output coordinates.`);
  hooks.onProgress?.(1, 'Done');
  return {
    schemaVersion: 1, kind: 'information', tool: { name: 'embdiag', version: TOOL_VERSION }, paper: PAPER,
    inputs: { embeddings: null, companions: {}, present, scalars: Object.fromEntries(Object.entries(scal).map(([k, v]) => [k, { value: v!, source: data.scalarSources?.[k as ScalarKey] ?? 'flag' }])), manifest: null },
    rows: { total: data.rowsTotal ?? n0, read: n0, sampled: (data.rowsTotal ?? n0) > n0, seed: opt.seed, maxRows: opt.maxRows, droppedNonFinite: dropped, used: n },
    preprocessing: { dim: d, deadColumns: dead.length, deadColumnIndices: dead.slice(0, 100), rank, duplicateRows: dupRows, duplicatePairs: dupPairs, scaling: 'raw' },
    units: { primary: 'bits per model use', perInputSymbol: { reading: PER_SYMBOL_READING, note: UNITS_NOTE } },
    representationRate: { nominal, collision, targetInjectivity, ...(targetInjectivityMissing ? { targetInjectivityMissing } : {}) },
    entropy: { gaussian, kozachenkoLeonenko: kl.figure, projectionDim: kl.basis ? kl.basis.projectedDim : null },
    sourceEntropy: source,
    capacity: { awgn, perturbed, ...(perturbedMissing ? { perturbedMissing, perturbedUnavailable } : {}) },
    rateDistortion: rd, verdict, collapse, problems, notes,
    timings: { totalMs: Date.now() - started, readMs: 0 },
  };
}

function chooseCapacity(which: InformationOptions['verdictCapacity'], p: PerturbedCapacity | null, awgn: Figure): Figure | null {
  const byId: Record<string, Figure | null | undefined> = {
    E7a: awgn, E7b: p?.snr, E7c: p?.cca, E7d: p?.lmmseKnn, E7e: p?.ksg, E7f: p?.waterFilling,
  };
  if (which) return byId[which] ?? null;
  for (const id of ['E7c', 'E7b', 'E7d', 'E7e', 'E7a']) {
    const f = byId[id];
    if (f && valueIn(f, 'bits per model use') !== null) return f;
  }
  return p?.cca ?? awgn;
}

export function validateOptions(o: InformationOptions): void {
  const bad = (name: string, v: unknown, what: string) => {
    throw new EmbdiagError('bad-argument', `${name} must be ${what} (got ${v}).`);
  };
  if (!(Number.isSafeInteger(o.maxRows) && o.maxRows >= 2)) bad('maxRows', o.maxRows, 'an integer ≥ 2');
  if (!Number.isSafeInteger(o.seed)) bad('seed', o.seed, 'an integer');
  if (!(Number.isSafeInteger(o.k) && o.k >= 1)) bad('k', o.k, 'an integer ≥ 1');
  if (!(Number.isSafeInteger(o.knnMaxRows) && o.knnMaxRows > o.k)) bad('knnMaxRows', o.knnMaxRows, 'an integer > k');
  if (!(Number.isSafeInteger(o.projectionDim) && o.projectionDim >= 1 && o.projectionDim <= 10)) bad('projectionDim', o.projectionDim, 'an integer in 1…10');
  if (o.collisionSteps && !o.collisionSteps.every(s => s === 0 || (s > 0 && Number.isFinite(s)))) bad('collisionSteps', o.collisionSteps, '0 or positive numbers');
}
