/**
 * E7 representation capacity in the perturbed setting (the Theorem 8 analogue):
 *   E7a AWGN input-channel capacity ½·log₂(1 + P/σ²) per input symbol (Cover & Thomas Thm 9.1.1);
 *   E7b per-dimension SNR form Σ ½·log₂(1 + λᵢ), λ the generalized eigenvalues of S_Z·v = λ·S_E·v;
 *   E7c jointly-Gaussian (CCA) MI ½·log₂[det S_Z · det S_Z̃ / det S_J] (Gel'fand & Yaglom 1957);
 *   E7d LMMSE lower bound ĥ(Z) − ½·log₂[(2πe)^d det K], K the LMMSE error covariance;
 *   E7e KSG on a projection (see knnEntropy.ts);
 *   E7f water-filling capacity of the parallel Gaussian channels with noise eig(S_E), power tr S_Z.
 * By data processing I(Z;Z̃) ≤ I(X;Z̃) ≤ I(X;X̃) ≤ C, so the embedding-level values are lower-bound
 * targets for the representation capacity. The closed forms are in gaussianCapacity.ts; this file makes the figures.
 */
import { cholesky, choleskyLogDet, matMul, transpose } from '../linalg/cholesky';
import { generalizedSymmetricEigenvalues } from '../linalg/generalizedEigenvalues';
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { covariance, crossCovariance, selectColumns, subtract, columnMeans, trace, diagonal, type RowMatrix } from './dense';
import { CONCEPT, figure, perSymbolValue, proposed, unavailable, withNormalizations, type Figure, type InformationFlag } from './figure';
import { log2DetFromEigenvalues } from './gaussianEntropy';
import { perturbationEntropyFigure } from './perturbationEntropy';
import { KNN_MAX_DIM, ksgMutualInformationBits, pcaBasis, prepareKnnSample, type PcaBasis } from './knnEntropy';
import { deadColumns, numericalRank } from './preprocess';
import { awgnCapacityBits, canonicalCorrelations, ccaFromLogDets, lmmseErrorCovariance, waterFilling } from './gaussianCapacity';
import { LOG2_2PIE } from './special';

// ---- figures ----------------------------------------------------------------------------

const C_UNIT = 'bits per model use' as const;
/** Joint dimension p + q above which det S_J is taken through the Schur complement. */
const JOINT_CHOLESKY_MAX = 512;
const DP_TEXT = 'Embedding-level MI: by data processing I(Z;Z̃) ≤ I(X;Z̃) ≤ I(X;X̃) ≤ C (at the empirical input law), so this is a lower-bound target for the representation capacity C.';

function prov(note: string) {
  return proposed(CONCEPT.capacity, note);
}

/** E7a as a figure: per model use (n·C) with the per-symbol value as a normalisation. */
export function awgnCapacityFigure(args: { power: number | null; powerSource: string; noiseStd: number | null; inputSymbols: number | null; rows: number }): Figure {
  const { power, noiseStd, inputSymbols: n, rows } = args;
  const base = {
    unit: C_UNIT, quantity: 'C of the AWGN input channel X̃ = X + N(0, σ²I) under power P',
    estimator: 'E7a AWGN capacity', formula: 'n·½·log₂(1 + P/σ²); per input symbol ½·log₂(1 + P/σ²)', rows,
    provenance: prov('Shannon AWGN capacity (Cover & Thomas 2006, Thm 9.1.1). Whether the paper imposes a power constraint is unknown.'),
  };
  if (noiseStd === null || !(noiseStd > 0) || power === null || !(power >= 0)) {
    return unavailable({ ...base, kind: 'exact', flags: ['needs_noise_model'],
      explanation: noiseStd === null ? 'No input-noise level σ given (--noise-std / manifest "noiseStd").' : power === null ? 'No input power P: give the inputs X (P = mean of x² over all symbols) or "inputPower" in the manifest.' : 'σ must be positive and P non-negative.' });
  }
  const perSymbol = awgnCapacityBits(power, noiseStd * noiseStd);
  const kind = args.powerSource === 'inputs' ? 'estimate' : 'exact';
  const details = { P: power, powerSource: args.powerSource, sigma: noiseStd, perInputSymbol: perSymbol, n };
  const explanation = `Exact capacity per input symbol if the perturbation is additive white Gaussian noise of std σ = ${noiseStd} on inputs of power P = ${power.toPrecision(6)}${kind === 'estimate' ? ' (P estimated from the inputs X, so the value is an estimate)' : ''}.`;
  if (n === null || !(n > 0)) {
    const f = unavailable({ ...base, kind, flags: ['needs_input_symbols'], details,
      explanation: explanation + ` Per input symbol: ${perSymbol.toPrecision(6)} bits; the per-model-use value needs n (--input-symbols / manifest "inputSymbols").` });
    f.normalized = [perSymbolValue(perSymbol, 0)];
    return f;
  }
  const f = figure({ ...base, value: perSymbol * n, kind, details, explanation });
  f.normalized = [perSymbolValue(perSymbol, 1 / n)];
  return f;
}

export interface PerturbedCapacityOptions {
  inputSymbols: number | null;
  /** k of KSG (default 3). */
  k: number;
  knnMaxRows: number;
  seed: number;
  /** Largest d′ of the PCA projection before KSG (default 10). */
  projectionDim: number;
  /** Storage quantization step Δ_q of the embeddings, for the singular-noise floor δ. */
  storageStep: number;
  /** The unbiased covariance of all columns of Z, when the caller has it already. */
  embeddingsCovariance?: Float64Array;
  /** ĥ_KL of Z on its (possibly projected) live columns, for the nonparametric E7d. */
  klEntropy?: { value: number | null; basis: PcaBasis | null; rows: number; columns: number[] } | null;
  /**
   * The second moments of every row pair when z and zt are only a sample of them (a dataset): the
   * Gaussian figures (E7b, E7c, E7d-G, E7f, h(E)) come from them, KSG from the sample. With it,
   * embeddingsCovariance must be given too.
   */
  moments?: { count: number; perturbedCovariance: Float64Array; crossCovariance: Float64Array; perturbationCovariance: Float64Array };
}

export interface PerturbedCapacity {
  /** Columns of Z / Z̃ that entered: live in Z, live in Z̃, live in either (for E = Z̃ − Z). */
  columns: { embeddings: number[]; perturbed: number[]; shared: number[] };
  generalizedEigenvalues: number[] | null;
  canonicalCorrelations: number[] | null;
  /** E7b. */
  snr: Figure;
  /** E7b with the floor δ·I added to S_E (only when S_E is singular). */
  snrFloored: Figure | null;
  /** E7c. */
  cca: Figure;
  /** E7d with ĥ = ĥ_G (equals E7c on any sample). */
  lmmseGaussian: Figure;
  /** E7d with ĥ = ĥ_KL (nonparametric). */
  lmmseKnn: Figure;
  /** E7e. */
  ksg: Figure;
  /** E7f. */
  waterFilling: Figure;
  /** h(E), E = Z̃ − Z, Gaussian form (the noise entropy inside E7f): the "measurement-noise bits" of the addendum. */
  perturbationEntropy: Figure;
}

/** E7b–E7f from row-matched samples Z and Z̃ (P1 already applied; all rows finite). */
export function perturbedCapacity(z: RowMatrix, zt: RowMatrix, opts: PerturbedCapacityOptions): PerturbedCapacity {
  const moments = opts.moments ?? null;
  const n = moments ? moments.count : z.rows;
  const perSym = { inputSymbols: opts.inputSymbols, perSymbol: true };
  // Every second moment once, over all columns; the estimators take sub-blocks.
  const szFull = opts.embeddingsCovariance ?? covariance(z);
  const sztFull = moments ? moments.perturbedCovariance : covariance(zt);
  const sxFull = moments ? moments.crossCovariance : crossCovariance(z, zt);
  const varZ = diagonal(szFull, z.cols);
  const varZt = diagonal(sztFull, zt.cols);
  const deadZ = new Set(deadColumns(varZ));
  const deadZt = new Set(deadColumns(varZt));
  const liveZ = range(z.cols).filter(j => !deadZ.has(j));
  const liveZt = range(zt.cols).filter(j => !deadZt.has(j));
  const sameDim = z.cols === zt.cols;
  const shared = sameDim ? range(z.cols).filter(j => !(deadZ.has(j) && deadZt.has(j))) : [];
  const deadCount = z.cols - liveZ.length + (zt.cols - liveZt.length);
  const deadFlags: InformationFlag[] = deadCount > 0 ? ['dead_columns_removed'] : [];
  const deadText = deadCount > 0 ? ` Dead columns removed (P2): ${z.cols - liveZ.length} in Z, ${zt.cols - liveZt.length} in Z̃.` : '';
  const rowOrderText = ' Rows of Z and Z̃ are assumed to be in the same order (this cannot be checked without explicit ids).';

  // --- E7c and E7d (Gaussian) ---
  const p = liveZ.length;
  const q = liveZt.length;
  const sz = subMatrix(szFull, z.cols, liveZ, liveZ);
  const szt = subMatrix(sztFull, zt.cols, liveZt, liveZt);
  const szzt = subMatrix(sxFull, zt.cols, liveZ, liveZt);
  const eigSz = symmetricEigenvalues(sz, p);
  const eigSzt = symmetricEigenvalues(szt, q);
  const rankZ = numericalRank(eigSz);
  const rankZt = numericalRank(eigSzt);
  const rho = rankZ === p && rankZt === q ? canonicalCorrelations(sz, szt, szzt, p, q) : null;
  const kMat = rankZt === q ? lmmseErrorCovariance(sz, szt, szzt, p, q) : null;
  const cholK = kMat ? cholesky(kMat, p) : null;
  // det S_J = det S_Z̃ · det K (Schur complement): for large joints this avoids a (p+q)² Cholesky;
  // below the threshold the joint determinant is computed directly, as the spec's formula reads.
  const viaSchur = p + q > JOINT_CHOLESKY_MAX;
  const iCca = viaSchur
    ? (cholK && Number.isFinite(log2DetFromEigenvalues(eigSz)) && rankZt === q ? 0.5 * (log2DetFromEigenvalues(eigSz) - choleskyLogDet(cholK, p) / Math.LN2) : NaN)
    : ccaFromLogDets(log2DetFromEigenvalues(eigSz), log2DetFromEigenvalues(eigSzt), sz, szt, szzt, p, q);
  const ccaBase = {
    unit: C_UNIT, kind: 'lower-bound' as const, quantity: 'C via I(Z;Z̃)', rows: n,
    estimator: 'E7c jointly-Gaussian (CCA) MI', formula: '½·log₂[det S_Z · det S_Z̃ / det S_J] = −½ Σ log₂(1 − ρᵢ²)',
    provenance: prov('Gaussian MI from canonical correlations (Gel\'fand & Yaglom 1957); no independence assumption. If Z is Gaussian, the true I(Z;Z̃) ≥ this value (LMMSE argument).'),
  };
  let cca: Figure;
  if (n - 1 < p + q || rankZ < p || rankZt < q || !Number.isFinite(iCca)) {
    const which = rankZ < p ? `S_Z (rank ${rankZ} < ${p})` : rankZt < q ? `S_Z̃ (rank ${rankZt} < ${q})` : 'the joint covariance S_J of [Z, Z̃] (Z̃ is numerically an affine function of Z, or N is too small)';
    cca = unavailable({ ...ccaBase, flags: ['rank_deficient', ...(n <= p + q ? (['n_le_d'] as const) : []), 'gaussian_bound', ...deadFlags],
      explanation: `Rank-deficient: ${which} is singular, so the Gaussian log-det MI is not finite.${n <= p + q ? ` N = ${n} rows for ${p + q} joint dimensions.` : ''}` + deadText });
  } else {
    cca = figure({ ...ccaBase, value: iCca, flags: ['gaussian_bound', 'row_order_unverified', ...deadFlags],
      explanation: DP_TEXT + ' Gaussian value: a lower bound on I(Z;Z̃) when Z is Gaussian, an approximation otherwise.' + rowOrderText + deadText,
      details: { canonicalCorrelations: rho ? Array.from(rho) : null, dZ: p, dZt: q, jointDeterminant: viaSchur ? 'det S_Z̃ · det K (Schur complement)' : 'Cholesky of S_J' } });
  }
  withNormalizations(cca, perSym);

  const lgBase = {
    unit: C_UNIT, kind: 'lower-bound' as const, quantity: 'C via I(Z;Z̃)', rows: n,
    estimator: 'E7d LMMSE bound with ĥ_G', formula: 'ĥ_G(Z) − ½·log₂[(2πe)^d det K], K = S_Z − S_ZZ̃ S_Z̃⁻¹ S_Z̃Z',
    provenance: prov('h(Z|Z̃) ≤ h(Z − AZ̃) ≤ Gaussian bound with the LMMSE error covariance K; with ĥ = ĥ_G this equals the CCA value on any sample (identity 1).'),
  };
  const log2DetSz = rankZ === p ? log2DetFromEigenvalues(eigSz) : NaN;
  const log2DetK = cholK ? choleskyLogDet(cholK, p) / Math.LN2 : NaN;
  const detK = Number.isFinite(log2DetK) ? 2 ** log2DetK : null;
  const lmmseGaussian = Number.isFinite(log2DetSz) && Number.isFinite(log2DetK) && n > p
    ? figure({ ...lgBase, value: 0.5 * (log2DetSz - log2DetK), flags: ['gaussian_bound', 'row_order_unverified', ...deadFlags],
      explanation: DP_TEXT + ' With the Gaussian ĥ it is the same number as E7c.' + deadText, details: { detK, log2DetK } })
    : unavailable({ ...lgBase, flags: ['rank_deficient', 'gaussian_bound', ...deadFlags], explanation: 'Rank-deficient: S_Z, S_Z̃ or the LMMSE error covariance K is singular.' + deadText,
      details: { detK } });
  withNormalizations(lmmseGaussian, perSym);

  // --- E7d with ĥ_KL ---
  const lkBase = {
    unit: C_UNIT, kind: 'lower-bound' as const, quantity: 'C via I(Z;Z̃)', estimator: 'E7d LMMSE bound with ĥ_KL (nonparametric)',
    formula: 'ĥ_KL(PZ) − ½·log₂[(2πe)^{d′} det(Pᵀ K P)], P the projection used for ĥ_KL (identity when none)',
    provenance: prov('LMMSE bound valid for any distribution given a correct ĥ; ĥ from Kozachenko–Leonenko (consistent, biased at small N or large d).'),
  };
  let lmmseKnn: Figure;
  const kl = opts.klEntropy;
  if (!kl || kl.value === null || !kMat) {
    lmmseKnn = unavailable({ ...lkBase, rows: kl?.rows ?? n, flags: kMat ? ['zero_distance'] : ['rank_deficient'],
      explanation: !kMat ? 'The LMMSE error covariance K is not available (S_Z̃ singular).' : 'ĥ_KL of Z is not available (see the E4 figure).' });
  } else {
    // K over Z's live columns; project onto the KL basis (expressed in the same columns).
    const kp = kl.basis ? projectCovariance(kMat, p, kl.basis, liveZ, kl.columns) : kMat;
    const dp = kl.basis ? kl.basis.projectedDim : p;
    const ld = log2DetFromEigenvalues(symmetricEigenvalues(kp, dp));
    const v = kl.value - 0.5 * (dp * LOG2_2PIE + ld);
    lmmseKnn = figure({ ...lkBase, value: Number.isFinite(ld) ? v : NaN, rows: kl.rows,
      flags: [...(kl.basis ? (['projected'] as const) : []), 'small_n_bias', 'row_order_unverified', ...deadFlags],
      explanation: DP_TEXT + (kl.basis ? ` Computed on the top-${dp} principal directions of Z (a deterministic map: I(PZ;Z̃) ≤ I(Z;Z̃)).` : '') + ' ĥ_KL is an estimate, so the bound inherits its bias.',
      details: { projectedDim: dp, hKl: kl.value } });
  }
  withNormalizations(lmmseKnn, perSym);

  // --- E7b and E7f on the shared columns ---
  const snrBase = {
    unit: C_UNIT, kind: 'lower-bound' as const, quantity: 'C via I(Z;Z̃)', rows: n,
    estimator: 'E7b per-dimension Gaussian SNR (generalized eigenvalues)', formula: 'Σᵢ ½·log₂(1 + λᵢ), S_Z v = λ S_E v, E = Z̃ − Z',
    provenance: prov('Parallel Gaussian channels in the eigenbasis of the pencil (S_Z, S_E); assumes additive noise E independent of Z. On samples this differs from ½·log₂[det S_Z̃/det S_E] because the sample cross-covariance of Z and E is not zero.'),
  };
  const wfBase = {
    unit: C_UNIT, kind: 'lower-bound' as const, quantity: 'Capacity of the additive-noise embedding channel (noise covariance S_E, power tr S_Z)', rows: n,
    estimator: 'E7f water-filling capacity', formula: 'Σ_j ½·log₂(max(ν, N_j)/N_j), Σ_j max(ν − N_j, 0) = tr S_Z, N_j = eig S_E',
    provenance: prov('Parallel Gaussian channels with water-filling (Cover & Thomas 2006, §9.4–9.5); Gaussian noise is the worst additive noise of a given covariance (Diggavi & Cover 2001), so this lower-bounds the capacity of such a channel. Always ≥ E7b (identity 3).'),
  };
  let perturbationEntropy: Figure;
  let snr: Figure;
  let snrFloored: Figure | null = null;
  let wf: Figure;
  let lambdas: Float64Array | null = null;
  if (!sameDim) {
    const why = `Z̃ has ${zt.cols} columns and Z has ${z.cols}: the perturbation E = Z̃ − Z is undefined.`;
    snr = unavailable({ ...snrBase, flags: ['invalid_argument'], explanation: why });
    wf = unavailable({ ...wfBase, flags: ['invalid_argument'], explanation: why });
    perturbationEntropy = perturbationEntropyFigure({ eigenvalues: null, rank: 0, rows: n, why, inputSymbols: opts.inputSymbols, deadFlags, deadText });
  } else {
    const d = shared.length;
    const szs = subMatrix(szFull, z.cols, shared, shared);
    // S_E = S_Z̃ + S_Z − S_ZZ̃ − S_Z̃Z from the moments, else from the rows of E = Z̃ − Z
    const se = moments ? subMatrix(moments.perturbationCovariance, z.cols, shared, shared)
      : covariance(subtract(selectColumns(zt, shared), selectColumns(z, shared)));
    const eigSe = symmetricEigenvalues(se, d);
    const rankE = numericalRank(eigSe);
    const power = trace(szs, d);
    const lambdasSnr = rankE === d && n > d ? generalizedSymmetricEigenvalues(szs, se, d) : null;
    const res = lambdasSnr ? { bits: lambdasSnr.reduce((acc, l) => acc + 0.5 * Math.log2(1 + Math.max(l, 0)), 0), lambdas: lambdasSnr } : null;
    const sameCols = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    const eigSztShared = sameCols(shared, liveZt) ? eigSzt : symmetricEigenvalues(subMatrix(sztFull, zt.cols, shared, shared), d);
    const naive = 0.5 * (log2DetFromEigenvalues(eigSztShared) - log2DetFromEigenvalues(eigSe));
    perturbationEntropy = perturbationEntropyFigure({ eigenvalues: eigSe, rank: rankE, rows: n, inputSymbols: opts.inputSymbols, deadFlags, deadText });
    if (res) {
      lambdas = res.lambdas;
      snr = figure({ ...snrBase, value: res.bits, flags: ['gaussian_bound', 'row_order_unverified', ...deadFlags],
        explanation: DP_TEXT + ' Exact I(Z;Z̃) if E is Gaussian and independent of Z; SNRᵢ = λᵢ.' + rowOrderText + deadText,
        details: { generalizedEigenvalues: Array.from(res.lambdas), halfLog2DetRatio: naive } });
      const w = waterFilling(power, eigSe);
      wf = figure({ ...wfBase, value: w.capacity, flags: ['gaussian_bound', ...deadFlags],
        explanation: 'Capacity of a different channel (the embedding channel with an optimised Gaussian input of power tr S_Z), not of the paper\'s input channel; the spec accepts it as a lower bound on C only under Gaussian-noise assumptions.' + deadText,
        details: { waterLevel: w.level, activeChannels: w.active, power, noiseEigenvalues: Array.from(eigSe).reverse() } });
    } else {
      const delta = Math.max((opts.storageStep * opts.storageStep) / 12, (1e-12 * power) / Math.max(1, d));
      const singular = rankE < d;
      const why = singular
        ? `Singular noise covariance: S_E = cov(Z̃ − Z) has rank ${rankE} < ${d}; on the noise-free subspace the Gaussian MI and the capacity are infinite, so no number is given. A floored value with δ = ${delta.toPrecision(3)} added to S_E is reported separately.`
        : `N = ${n} rows ≤ d = ${d}: the noise covariance cannot be full rank.`;
      const flags: InformationFlag[] = singular ? ['singular_noise_covariance', ...(n <= d ? (['n_le_d'] as const) : [])] : ['n_le_d', 'rank_deficient'];
      snr = unavailable({ ...snrBase, flags: [...flags, ...deadFlags], explanation: why + deadText });
      wf = unavailable({ ...wfBase, flags: [...flags, ...deadFlags], explanation: why + deadText });
      if (singular && n > d) {
        const floored = Float64Array.from(se);
        for (let i = 0; i < d; i++) floored[i * d + i] += delta;
        const fr = generalizedSymmetricEigenvalues(szs, floored, d);
        if (fr) {
          let bits = 0;
          for (let i = 0; i < d; i++) bits += 0.5 * Math.log2(1 + Math.max(0, fr[i]));
          snrFloored = figure({ ...snrBase, estimator: 'E7b per-dimension Gaussian SNR with noise floor δ·I', value: bits,
            formula: 'Σᵢ ½·log₂(1 + λᵢ), S_Z v = λ (S_E + δI) v, δ = max(Δ_q²/12, 1e-12·tr S_Z/d)',
            flags: ['singular_noise_covariance', 'noise_floor_added', 'gaussian_bound', ...deadFlags],
            explanation: `S_E is singular; δ = ${delta.toPrecision(3)} (storage step Δ_q = ${opts.storageStep.toPrecision(3)}) was added to its diagonal. The value depends on δ: read it as "very large", not as a measurement.`,
            details: { delta, storageStep: opts.storageStep, generalizedEigenvalues: Array.from(fr) } });
          withNormalizations(snrFloored, perSym);
        }
      }
    }
  }
  withNormalizations(snr, perSym);
  withNormalizations(wf, perSym);

  // --- E7e KSG ---
  const ksg = ksgFigure(z, zt, shared, liveZ, liveZt, sameDim, opts, deadFlags, deadText, { szFull, sztFull, liveZ, eigSz, liveZt, eigSzt });
  withNormalizations(ksg, perSym);

  return {
    columns: { embeddings: liveZ, perturbed: liveZt, shared },
    generalizedEigenvalues: lambdas ? Array.from(lambdas) : null,
    canonicalCorrelations: rho ? Array.from(rho) : null,
    snr, snrFloored, cca, lmmseGaussian, lmmseKnn, ksg, waterFilling: wf, perturbationEntropy,
  };
}

function ksgFigure(z: RowMatrix, zt: RowMatrix, shared: number[], liveZ: number[], liveZt: number[], sameDim: boolean, opts: PerturbedCapacityOptions, deadFlags: InformationFlag[], deadText: string,
  moments: { szFull: Float64Array; sztFull: Float64Array; liveZ: number[]; eigSz: Float64Array; liveZt: number[]; eigSzt: Float64Array }): Figure {
  const base = {
    unit: C_UNIT, kind: 'lower-bound' as const, quantity: 'C via I(Z;Z̃)',
    estimator: `E7e KSG (algorithm 1, Chebyshev norm, k = ${opts.k})`,
    formula: '[ψ(k) + ψ(N) − ⟨ψ(n_z + 1) + ψ(n_z̃ + 1)⟩] / ln 2',
    provenance: prov('Kraskov, Stögbauer & Grassberger (2004), algorithm 1. Strongly biased downward at small N or high MI (Gao, Oh & Viswanath 2015).'),
  };
  // Same columns and the same projection for Z and Z̃ when they have the same width.
  const colsZ = sameDim ? shared : liveZ;
  const colsZt = sameDim ? shared : liveZt;
  const zs = selectColumns(z, colsZ);
  const zts = selectColumns(zt, colsZt);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const projDim = (m: RowMatrix, full: Float64Array, fullDim: number, cols: number[]) => {
    const cov = subMatrix(full, fullDim, cols, cols);
    const known = same(cols, moments.liveZ) ? moments.eigSz : same(cols, moments.liveZt) && full === moments.sztFull ? moments.eigSzt : null;
    const r = numericalRank(known ?? symmetricEigenvalues(cov, m.cols));
    const need = m.cols > KNN_MAX_DIM || r < m.cols;
    return { cov, need, dPrime: Math.min(opts.projectionDim, KNN_MAX_DIM, r) };
  };
  const pz = projDim(zs, moments.szFull, z.cols, colsZ);
  let basisZ: PcaBasis | undefined;
  let basisZt: PcaBasis | undefined;
  if (sameDim) {
    const kl = opts.klEntropy;
    // Reuse the E4 projection when it was computed on the same columns with the same d′.
    if (pz.need) basisZ = basisZt = kl?.basis && same(kl.columns, colsZ) && kl.basis.projectedDim === pz.dPrime ? kl.basis : pcaBasis(pz.cov, zs.cols, pz.dPrime, opts.seed);
  } else {
    const pzt = projDim(zts, moments.sztFull, zt.cols, colsZt);
    if (pz.need) basisZ = pcaBasis(pz.cov, zs.cols, pz.dPrime, opts.seed);
    if (pzt.need) basisZt = pcaBasis(pzt.cov, zts.cols, pzt.dPrime, opts.seed);
  }
  const sample = prepareKnnSample([zs, zts], { maxRows: opts.knnMaxRows, seed: opts.seed });
  const proj = (m: RowMatrix, b: PcaBasis | undefined, mean: Float64Array) => (b ? projectRows(m, mean, b) : m);
  const x = proj(sample.matrices[0], basisZ, columnMeans(zs));
  const y = proj(sample.matrices[1], basisZt, columnMeans(zts));
  const flags: InformationFlag[] = ['small_n_bias', 'row_order_unverified', ...deadFlags];
  const notes: string[] = [DP_TEXT];
  if (sample.duplicatesRemoved > 0) {
    flags.push('duplicates_removed');
    notes.push(`${sample.duplicatesRemoved} duplicate (Z, Z̃) row pair${sample.duplicatesRemoved === 1 ? '' : 's'} removed (a zero distance makes k-NN estimators undefined).`);
  }
  if (sample.subsampled) {
    flags.push('subsampled');
    notes.push(`Brute-force k-NN on a seeded sample of ${sample.rows} of ${sample.rowsBeforeSubsampling} rows.`);
  }
  if (basisZ || basisZt) {
    flags.push('projected');
    notes.push(`Projected on the top ${basisZ?.projectedDim ?? zs.cols} principal directions of Z${sameDim ? ' (the same projection applied to Z̃)' : ` and the top ${basisZt?.projectedDim ?? zts.cols} of Z̃`}: k-NN estimators are severely biased above ${KNN_MAX_DIM} dimensions; a deterministic projection can only lose information, so the target is a lower bound on I(Z;Z̃).`);
  }
  notes.push('KSG underestimates strongly dependent (high-MI) pairs: compare with E7c/E7d.');
  const details = { k: opts.k, projectedDim: x.cols, projectedDimPerturbed: y.cols, duplicatesRemoved: sample.duplicatesRemoved, subsampled: sample.subsampled };
  if (sample.rows <= opts.k) {
    return unavailable({ ...base, rows: sample.rows, flags: [...flags, 'n_le_d'], explanation: `KSG needs more than k = ${opts.k} rows (have ${sample.rows}).` + deadText, details });
  }
  const v = ksgMutualInformationBits(x, y, opts.k);
  if (!Number.isFinite(v)) {
    return unavailable({ ...base, rows: sample.rows, flags: [...flags, 'zero_distance'], explanation: 'A joint k-th neighbour distance is 0 after projection (coincident points), so KSG is undefined.' + deadText, details });
  }
  return figure({ ...base, value: v, rows: sample.rows, flags, explanation: notes.join(' ') + deadText, details });
}

function projectRows(m: RowMatrix, mean: Float64Array, b: PcaBasis): RowMatrix {
  const k = b.projectedDim;
  const out = new Float64Array(m.rows * k);
  for (let r = 0; r < m.rows; r++) {
    for (let i = 0; i < m.cols; i++) {
      const v = m.data[r * m.cols + i] - mean[i];
      for (let c = 0; c < k; c++) out[r * k + c] += v * b.basis[i * k + c];
    }
  }
  return { rows: m.rows, cols: k, data: out };
}

/**
 * Vᵀ·K·V where K is over columns `kCols` and the basis V (rows indexed by `basisCols`) is over a
 * subset of them. Rows of V for columns missing from basisCols are zero.
 */
function projectCovariance(k: Float64Array, p: number, basis: PcaBasis, kCols: number[], basisCols: number[]): Float64Array {
  const dp = basis.projectedDim;
  const pos = new Map(basisCols.map((c, i) => [c, i]));
  const v = new Float64Array(p * dp);
  kCols.forEach((c, i) => {
    const bi = pos.get(c);
    if (bi === undefined) return;
    for (let j = 0; j < dp; j++) v[i * dp + j] = basis.basis[bi * dp + j];
  });
  const kv = matMul(k, v, p, p, dp);
  return matMul(transpose(v, p, dp), kv, dp, p, dp);
}

/** Rows `rows` and columns `cols` of a matrix with `width` columns (row-major). */
function subMatrix(a: Float64Array, width: number, rows: number[], cols: number[]): Float64Array {
  const out = new Float64Array(rows.length * cols.length);
  for (let i = 0; i < rows.length; i++) for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = a[rows[i] * width + cols[j]];
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
