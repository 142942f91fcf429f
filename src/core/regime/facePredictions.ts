/**
 * Predicted train and population loss curves of a data set from a face's limiting equations
 * (spec §5b [PROP], built on §3 [DER]), with the validity diagnostic of that face along the
 * curve and the time after which the prediction is not trusted.
 */
import { freeShrinkageLossPerP, largeDataLossPerP, meanFieldLoss, narrowLatentMoments, smallDataCurves } from './faceCurves';
import { FACE_NAMES, type FaceId } from './prismPlacement';

/** What the face formulas need from the data: the train spectrum and the population overlaps. */
export interface EmpiricalSetting {
  inputDim: number;
  latentWidth: number;
  trainRows: number;
  sigma2: number;
  /** Eigenvalues of the train covariance Σ̂, descending (p of them). */
  lambda: ArrayLike<number>;
  /** s_k = v_kᵀΣv_k for the eigenvectors v_k of Σ̂ and the population covariance Σ; null if none. */
  sPop: ArrayLike<number> | null;
  traceS: number;
  tracePop: number | null;
  /** ε_aniso of the train covariance. */
  anisotropy: number;
}

/** Trust thresholds of the validity diagnostics ([PROP], spec §5a/§5b). */
export const TRUST = {
  /** Narrow-latent: trust while H/d_eff(t) ≤ 0.25 (spec §5b). */
  narrowLatentHOverDeff: 0.25,
  /** Large-data: the formula assumes Σ̂ ∝ I; trust while ε_aniso ≤ 0.3. */
  largeDataAnisotropy: 0.3,
  /**
   * Small-data: the Gram matrix XXᵀ/n ≈ κIₙ; trust while the coefficient of variation of its
   * eigenvalues ≤ 0.5 (isotropic data give ≈ √(n/p), i.e. about ε_SD, plus the effect of centering).
   */
  smallDataGramSpread: 0.5,
  /**
   * Free face: the shrinkage law drops the identity target, so it holds while A(t) ≫ I. To first
   * order in 1/ā the loss is off by about 2/ā(t) (the target's −2a in (a−1)² and the slower
   * shrinkage it causes), so trust while the typical eigenvalue ā(t) ≥ 10 (≈ 20% at the horizon).
   */
  freeMinEigenvalue: 10,
} as const;

/** Small-data ODE: τ beyond this is not integrated (the curve is held at its last value, with a note). */
const SMALL_DATA_TAU_CAP = 20;

export interface ValidityDiagnostic {
  name: string;
  description: string;
  threshold: number;
  /** Along the curve (same grid as t), or null when it is one number. */
  values: number[] | null;
  value: number | null;
  ok: boolean;
}

export interface FacePrediction {
  face: FaceId;
  faceName: string;
  t: number[];
  train: number[];
  pop: number[] | null;
  kind: 'closed-form' | 'ode';
  /** Last time at which the validity diagnostic holds (the horizon if always); null: not trusted at all. */
  trustedUntil: number | null;
  diagnostic: ValidityDiagnostic;
  /**
   * Where the formula left its domain and the curve ends: the first grid time at which a predicted
   * loss was negative, above LOSS_CEILING_FACTOR·E L(0), or not finite (the arrays stop before it).
   * Null when the curve covers the whole horizon.
   */
  endedAt: number | null;
  notes: string[];
  provenance: string;
}

/**
 * A predicted loss is a squared error: below 0 the formula is used outside its domain. Gradient
 * flow never raises the train loss, and every face formula starts at or below the exact expected
 * initial loss E L(0), so a value above twice E L(0) is also outside the domain ([PROP]).
 */
export const LOSS_CEILING_FACTOR = 2;

/**
 * Exact E L(0) = ½ tr C·[σ⁴H(H+p+1) − 2Hσ² + 1] for Gaussian W0 (spec §6; E WᵀW = Hσ²I and
 * E (WᵀW)² = σ⁴H(H+p+1)I, so it holds for any covariance C, train or population).
 */
export function expectedInitialLoss(traceC: number, sigma2: number, latentWidth: number, inputDim: number): number {
  const H = latentWidth, p = inputDim;
  return (traceC / 2) * (sigma2 * sigma2 * H * (H + p + 1) - 2 * H * sigma2 + 1);
}

/**
 * Ends a prediction where it leaves [0, LOSS_CEILING_FACTOR·E L(0)] (train and population each
 * against their own E L(0)) or stops being finite: the arrays (and the diagnostic's values) stop
 * before that point, `endedAt` says where, and the trusted horizon is cut to the last kept point.
 */
export function endWhereOutOfDomain(pr: FacePrediction, st: EmpiricalSetting): FacePrediction {
  const { inputDim: p, latentWidth: H, sigma2 } = st;
  const ceilTrain = LOSS_CEILING_FACTOR * expectedInitialLoss(st.traceS, sigma2, H, p);
  const ceilPop = st.tracePop === null ? Infinity : LOSS_CEILING_FACTOR * expectedInitialLoss(st.tracePop, sigma2, H, p);
  const bad = (v: number, ceil: number) => !Number.isFinite(v) || v < 0 || v > ceil;
  let k = 0;
  let reason = '';
  for (; k < pr.t.length; k++) {
    const v = pr.train[k], w = pr.pop ? pr.pop[k] : 0;
    if (bad(v, ceilTrain)) { reason = describeExit('train', v); break; }
    if (bad(w, ceilPop)) { reason = describeExit('population', w); break; }
  }
  if (k === pr.t.length) return pr;
  const endedAt = pr.t[k];
  const lastKept = k > 0 ? pr.t[k - 1] : null;
  const cut = <T>(a: T[]) => a.slice(0, k);
  return {
    ...pr,
    t: cut(pr.t), train: cut(pr.train), pop: pr.pop ? cut(pr.pop) : null,
    trustedUntil: pr.trustedUntil === null || lastKept === null ? null : Math.min(pr.trustedUntil, lastKept),
    diagnostic: { ...pr.diagnostic, values: pr.diagnostic.values ? cut(pr.diagnostic.values) : null },
    endedAt,
    notes: [...pr.notes, `The formula leaves its domain at t = ${endedAt.toPrecision(3)} (${reason}): the predicted curve ends there.`],
  };
}

function describeExit(quantity: string, v: number): string {
  if (!Number.isFinite(v)) return `the predicted ${quantity} loss is not finite`;
  if (v < 0) return `the predicted ${quantity} loss ${v.toPrecision(3)} is negative`;
  return `the predicted ${quantity} loss ${v.toPrecision(3)} exceeds ${LOSS_CEILING_FACTOR}·E L(0)`;
}

function trustedUntilFrom(t: readonly number[], ok: readonly boolean[]): number | null {
  let last: number | null = null;
  for (let i = 0; i < t.length; i++) {
    if (!ok[i]) break;
    last = t[i];
  }
  return last;
}

/** Coefficient of variation of the n eigenvalues of the Gram matrix XXᵀ/n (same nonzero spectrum as Σ̂). */
export function gramSpread(lambda: ArrayLike<number>, trainRows: number): number {
  const p = lambda.length, n = trainRows;
  const vals: number[] = [];
  for (let k = 0; k < Math.min(n, p); k++) vals.push(Math.max(lambda[k], 0));
  for (let k = p; k < n; k++) vals.push(0);
  const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
  if (!(mean > 0)) return Infinity;
  const varc = vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length;
  return Math.sqrt(varc) / mean;
}

export function largeDataPrediction(st: EmpiricalSetting, ts: readonly number[]): FacePrediction {
  const { inputDim: p, latentWidth: H, sigma2 } = st;
  const lbar = st.traceS / p;
  const unit = largeDataLossPerP(H / p, p * sigma2, ts, lbar).map(v => v * p);
  const ok = st.anisotropy <= TRUST.largeDataAnisotropy;
  return {
    face: 'LD', faceName: FACE_NAMES.LD, t: [...ts],
    train: unit.map(v => v * lbar),
    pop: st.tracePop === null ? null : unit.map(v => (v * st.tracePop!) / p),
    kind: 'closed-form',
    trustedUntil: ok ? ts[ts.length - 1] : null, endedAt: null,
    diagnostic: {
      name: 'anisotropy', description: 'ε_aniso of the train covariance: the large-data formula assumes Σ̂ ∝ I',
      threshold: TRUST.largeDataAnisotropy, values: null, value: st.anisotropy, ok,
    },
    notes: [
      `Σ̂ taken as λ̄I with λ̄ = tr Σ̂/p = ${lbar.toPrecision(4)} (rate 4λ̄); the population curve scales by tr Σ/p. Train = population at leading order.`,
      ...(ok ? [] : ['The data are anisotropic: this closed form does not describe them.']),
    ],
    provenance: 'spec §3.1 (3.1a) [DER] = precursor closed form [PRE]; λ̄ scaling and trust threshold [PROP]',
  };
}

export function meanFieldPrediction(st: EmpiricalSetting, ts: readonly number[]): FacePrediction {
  const ones = new Float64Array(st.lambda.length).fill(1);
  const r = meanFieldLoss(st.lambda, ones, st.latentWidth * st.sigma2, ts, st.sPop);
  return {
    face: 'MF', faceName: FACE_NAMES.MF, t: [...ts], train: r.train, pop: st.sPop ? r.pop : null, kind: 'closed-form',
    trustedUntil: ts[ts.length - 1], endedAt: null,
    diagnostic: {
      name: 'none', description: 'the mean-field formula uses the empirical spectrum of any Σ̂; its error is O(√(p/H))',
      threshold: 0, values: null, value: null, ok: true,
    },
    notes: ['A(t) = Σ_k a(t; c, λ_k) v_k v_kᵀ with c = Hσ²; population via s_k = v_kᵀΣv_k.'],
    provenance: 'spec §3.2 [DER], §5b [PROP]',
  };
}

/**
 * RK4 step of the narrow-latent ODE: the spec's Δt = 1e−3 (§5b), longer for long horizons (at most
 * 20000 steps), but never above 0.025/(λ_max·max(1, z)), which keeps RK4 accurate to ~1e−6 on the
 * fastest rate 4λ_max·max(1, z) of the flow (also for data that are not rescaled).
 */
export function narrowLatentStep(tMax: number, lambdaMax: number, z: number): number {
  const cap = 0.025 / (Math.max(lambdaMax, 1e-300) * Math.max(1, z));
  return Math.min(Math.max(1e-3, tMax / 20000), cap);
}

export function narrowLatentPrediction(st: EmpiricalSetting, ts: readonly number[]): FacePrediction {
  const p = st.lambda.length, H = st.latentWidth;
  const wts = new Float64Array(p).fill(1 / p);
  const z = p * st.sigma2;
  const r = narrowLatentMoments(st.lambda, wts, z, ts, st.sPop, narrowLatentStep(ts[ts.length - 1], st.lambda[0], z));
  const train = r.m0.map((m0, i) => st.traceS / 2 + H * ((m0 * r.m1[i]) / 2 - r.m1[i]));
  const pop = st.sPop && st.tracePop !== null
    ? r.m0.map((m0, i) => st.tracePop! / 2 + H * ((m0 * r.m1Pop[i]) / 2 - r.m1Pop[i])) : null;
  const dEff = r.dEffFraction.map(f => f * p);
  const ok = dEff.map(d => H / d <= TRUST.narrowLatentHOverDeff);
  const trustedUntil = trustedUntilFrom(ts, ok);
  const notes = [`RK4 (Δt = ${narrowLatentStep(ts[ts.length - 1], st.lambda[0], z).toPrecision(2)}) on (α, β) with the empirical moment generating function of Σ̂.`];
  // Why this formula can go negative (issue: −1.68 on examples/workspace/runs/emb.npy): not the
  // expansion and not the RK4 integration, but anisotropic data outside the face's domain. The
  // face treats the H rows as independent copies (no row–row term w_aᵀΣ̂w_b): as α grows the
  // tilted measure e^{αλ} concentrates on the top eigenvector, m₀ → 1, m₁ → λ_max, so the curve
  // tends to ½ tr Σ̂ − H·λ_max/2 instead of the true ½(tr Σ̂ − Σ_{top H} λ). That is negative as soon
  // as H·λ_max > tr Σ̂, which isotropic data at H ≪ p never reach but a dominant direction does.
  const rowsCollapseFloor = st.traceS / 2 - (H * st.lambda[0]) / 2;
  if (rowsCollapseFloor < 0) {
    notes.push(`With all ${H} rows on the top eigenvector the formula tends to ½ tr Σ̂ − H·λ_max/2 = ${rowsCollapseFloor.toPrecision(3)} < 0 (H·λ_max > tr Σ̂): the data are too anisotropic for this face.`);
  }
  if (trustedUntil !== null && trustedUntil < ts[ts.length - 1]) {
    notes.push(`d_eff(t) falls below ${1 / TRUST.narrowLatentHOverDeff}·H after t = ${trustedUntil.toPrecision(3)}: the rows would pile onto the top eigenvectors, and the formula over-predicts the train-loss decrease from there on.`);
  }
  return {
    face: 'NL', faceName: FACE_NAMES.NL, t: [...ts], train, pop, kind: 'ode', trustedUntil, endedAt: null,
    diagnostic: {
      name: 'd_eff', description: 'd_eff(t) = (Σ_j e^{αλ_j})² / Σ_j e^{2αλ_j}; trusted while H/d_eff ≤ 0.25',
      threshold: TRUST.narrowLatentHOverDeff, values: dEff, value: null, ok: ok.every(Boolean),
    },
    notes,
    provenance: 'spec §3.3 [DER], §5b [PROP]',
  };
}

export function smallDataPrediction(st: EmpiricalSetting, ts: readonly number[]): FacePrediction {
  const { inputDim: p, latentWidth: H, trainRows: n, sigma2 } = st;
  const kappa = st.traceS / n;
  const taus = ts.map(t => Math.min(kappa * t, SMALL_DATA_TAU_CAP));
  const r = smallDataCurves(H / p, p * sigma2, taus);
  const spread = gramSpread(st.lambda, n);
  const ok = spread <= TRUST.smallDataGramSpread;
  const notes = [`Atom ODE (300 atoms, RK4 with Δτ = 0.01, shorter while the init is large) on the small-data clock τ = κt at T = 1, κ = tr Σ̂/n = ${kappa.toPrecision(4)} (= p/n for isotropic data; the precursor's convention writes this T ≍ p/n); train = tr Σ̂·½[(k₀−1)² + k₁].`,
    'Population change from the isotropic formula, scaled by tr Σ/p, on top of the expected initial population loss.'];
  if (kappa * ts[ts.length - 1] > SMALL_DATA_TAU_CAP) notes.push(`Integrated up to τ = ${SMALL_DATA_TAU_CAP}; held constant after t = ${(SMALL_DATA_TAU_CAP / kappa).toPrecision(3)}.`);
  if (!ok) notes.push('The Gram matrix is far from κIₙ: the small-data reduction does not hold.');
  let pop: number[] | null = null;
  if (st.tracePop !== null) {
    const initial = expectedInitialLoss(st.tracePop, sigma2, H, p);
    pop = r.deltaPopPerN.map(d => initial + n * d * (st.tracePop! / p));
  }
  return {
    face: 'SD', faceName: FACE_NAMES.SD, t: [...ts], train: r.trainPerP.map(v => v * st.traceS), pop, kind: 'ode',
    trustedUntil: ok ? ts[ts.length - 1] : null, endedAt: null,
    diagnostic: {
      name: 'gram-spread', description: 'coefficient of variation of the eigenvalues of XXᵀ/n (≈ κIₙ on the small-data face)',
      threshold: TRUST.smallDataGramSpread, values: null, value: spread, ok,
    },
    notes,
    provenance: 'spec §3.4 [DER] (clock τ = (p/n)t at T = 1, i.e. T ≍ p/n in the precursor\'s convention [PRE]), §5b [PROP]; anisotropic scaling and trust threshold [PROP]',
  };
}

/**
 * Free face with n ≫ p (spec §3.5 [PRE]): the precursor's infinite-data shrinkage law over the MP
 * spectrum of the init, Σ̂ taken as λ̄I as on the large-data face. A transient: trusted while the
 * typical eigenvalue ā(t) = ā₀/(1 + 4λ̄ā₀t), ā₀ = σ² max(p, H) = 1/ε_F, stays ≥ 10, and only for
 * isotropic data (ε_aniso ≤ 0.3). Past the horizon the target takes over (toward the large-data curve).
 */
export function freePrediction(st: EmpiricalSetting, ts: readonly number[]): FacePrediction {
  const { inputDim: p, latentWidth: H, sigma2 } = st;
  const lbar = st.traceS / p;
  const unit = freeShrinkageLossPerP(H / p, p * sigma2, ts, lbar).map(v => v * p);
  const a0 = sigma2 * Math.max(p, H);
  const aBar = ts.map(t => a0 / (1 + 4 * lbar * a0 * t));
  const isotropic = st.anisotropy <= TRUST.largeDataAnisotropy;
  const ok = aBar.map(a => isotropic && a >= TRUST.freeMinEigenvalue);
  const trustedUntil = trustedUntilFrom(ts, ok);
  const horizon = a0 > TRUST.freeMinEigenvalue ? (1 / TRUST.freeMinEigenvalue - 1 / a0) / (4 * lbar) : null;
  const notes = [
    `Shrinkage law a(t) = a₀/(1 + 4λ̄a₀t) over the Marchenko–Pastur spectrum of the init (λ̄ = tr Σ̂/p = ${lbar.toPrecision(4)}); `
      + `at the precursor's vertices E L(t)/E L(0) = (1 + 4pσ²t)⁻² (H ≪ p) and (1 + 4Hσ²t)⁻² (H ≫ p), T = 1. The population curve scales by tr Σ/p.`,
    horizon === null
      ? `The init is not large enough (σ² max(p, H) = ${a0.toPrecision(3)} < ${TRUST.freeMinEigenvalue}): the free law is not trusted.`
      : `Validity horizon t = ${horizon.toPrecision(3)}, where ā(t) reaches ${TRUST.freeMinEigenvalue}; beyond it the identity target matters.`,
    ...(isotropic ? [] : ['The data are anisotropic: the free law takes Σ̂ as λ̄I and does not describe them.']),
  ];
  return {
    face: 'F', faceName: FACE_NAMES.F, t: [...ts],
    train: unit.map(v => v * lbar),
    pop: st.tracePop === null ? null : unit.map(v => (v * st.tracePop!) / p),
    kind: 'closed-form', trustedUntil, endedAt: null,
    diagnostic: {
      name: 'init-dominance',
      description: `typical eigenvalue ā(t) = ā₀/(1 + 4λ̄ā₀t) of WᵀW, ā₀ = σ² max(p, H): the free law drops the identity target, trusted while ā(t) ≥ ${TRUST.freeMinEigenvalue} (and ε_aniso ≤ ${TRUST.largeDataAnisotropy})`,
      threshold: TRUST.freeMinEigenvalue, values: aBar, value: null, ok: ok.every(Boolean),
    },
    notes,
    provenance: 'spec §3.5: shrinkage law and vertex forms [PRE] (precursor arXiv 2602.04548, n = ∞); MP spectrum of the init [DER]; horizon and trust thresholds [PROP]',
  };
}

function rawPrediction(face: FaceId, st: EmpiricalSetting, ts: readonly number[]): FacePrediction | null {
  switch (face) {
    case 'LD': return largeDataPrediction(st, ts);
    case 'MF': return meanFieldPrediction(st, ts);
    case 'NL': return narrowLatentPrediction(st, ts);
    case 'SD': return smallDataPrediction(st, ts);
    case 'F': return freePrediction(st, ts);
    default: return null;
  }
}

/** The face's prediction, ended where it leaves its domain (the free face: its infinite-data law, see faceFormulaApplies). */
export function predictFace(face: FaceId, st: EmpiricalSetting, ts: readonly number[]): FacePrediction | null {
  const pr = rawPrediction(face, st, ts);
  return pr && endWhereOutOfDomain(pr, st);
}
