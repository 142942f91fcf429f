/**
 * Limiting loss curves of the weight-tied linear autoencoder f(x) = WᵀWx on faces 1–4 of the
 * prism (spec §3, all [DER]: derived from the gradient flow and validated by GD simulation;
 * the paper's own formulas were not available). Time unit T = 1: GD with step η reaches t = kη.
 *
 * These are the bare limit equations with their dimensionless parameters; facePredictions.ts
 * applies them to the empirical spectrum of a data set.
 */
import { marchenkoPasturQuadrature, marchenkoPasturQuantiles } from './marchenkoPastur';

/**
 * The one time convention of the regime analysis (spec §1.2, §2.2 row 2, §3.4), stated in every report.
 * [DER] for the small-data clock; the precursor's T = inverse learning rate is [PRE].
 */
export const TIME_CONVENTION = 'T = 1 throughout: the gradient flow is dW/dt = −∇L, and GD with step η (gradient-flow units) reaches t = k·η. '
  + 'On the small-data face the dynamics run on the clock τ = (p/n)·t (κ·t with κ = tr Σ̂/n for anisotropic data); in the precursor\'s '
  + 'convention, where T is the inverse learning rate, the same statement reads T ≍ p/n (not n/p).';

/** Logistic law a(t; a₀, λ) = a₀ / (a₀ + (1−a₀)e^{−4λt}), the solution of a' = −4λa(a−1) (§3). */
export function logistic(a0: number, lambda: number, t: number): number {
  return a0 / (a0 + (1 - a0) * Math.exp(-4 * lambda * t));
}

/**
 * Large-data face (3.1a): L(t)/p = ½ ∫ (a(t; c·x, λ̄) − 1)² dμ_{1/y}(x), c = yz, train = pop.
 * `lambdaBar` is the common eigenvalue of Σ̂ ≈ λ̄I (1 in the spec; the loss is then L/p). For
 * λ̄ ≠ 1 the value returned is ½∫(a−1)² (multiply by λ̄·p for the train loss).
 */
export function largeDataLossPerP(y: number, z: number, ts: readonly number[], lambdaBar = 1, m = 4000): number[] {
  const { x, w } = marchenkoPasturQuadrature(1 / y, m);
  const c = y * z;
  return ts.map(t => {
    let s = 0;
    for (let k = 0; k < x.length; k++) {
      const d = logistic(c * x[k], lambdaBar, t) - 1;
      s += w[k] * d * d;
    }
    return 0.5 * s;
  });
}

/**
 * Free face at n = ∞ (spec §3.5 [PRE]): with the identity target negligible next to the init, each
 * eigenvalue of A = WᵀW follows a' = −4λ̄a², i.e. the shrinkage law a(t) = a₀/(1 + 4λ̄a₀t), and
 * L ≈ ½ tr(Σ̂A²). Over the MP spectrum of the init (a₀ = c·x, x ~ μ_{1/y}, c = yz) this returns
 * ½∫a(t)² dμ (multiply by λ̄·p for the train loss). At the precursor's vertices it is their
 * E L(t)/E L(0) = (1 + 4pσ²t)^−2 (A: H ≪ p) and (1 + 4Hσ²t)^−2 (B: H ≫ p), T = 1.
 */
export function freeShrinkageLossPerP(y: number, z: number, ts: readonly number[], lambdaBar = 1, m = 4000): number[] {
  const { x, w } = marchenkoPasturQuadrature(1 / y, m);
  const c = y * z;
  return ts.map(t => {
    let s = 0;
    for (let k = 0; k < x.length; k++) {
      const a0 = c * x[k];
      const a = a0 / (1 + 4 * lambdaBar * a0 * t);
      s += w[k] * a * a;
    }
    return 0.5 * s;
  });
}

/**
 * The precursor's closed form (3.1b) [PRE, eq. "loss-narayana"], divided by p:
 * E L/p = ½ + z[(z e^{4t}/2) ∂h(ζ,y) − h(ζ,y)] e^{4t}, ζ = z(1 − e^{4t}), with the Narayana
 * generating function h(ζ,y) = [1 − ζ(y+1) − √(1 − 2ζ(y+1) + ζ²(y−1)²)] / (2ζ²).
 */
export function precursorLossPerP(y: number, z: number, ts: readonly number[]): number[] {
  return ts.map(t => {
    const e = Math.exp(4 * t);
    const u = z * (1 - e);
    let h: number, dh: number;
    if (Math.abs(u) < 1e-6) {
      // Series h = y + y(y+1)ζ + …, h' = y(y+1) + 2y(y²+3y+1)ζ (Narayana numbers).
      h = y + y * (y + 1) * u;
      dh = y * (y + 1) + 2 * y * (y * y + 3 * y + 1) * u;
    } else {
      const s = y + 1, q = (y - 1) * (y - 1);
      const D = Math.sqrt(1 - 2 * u * s + u * u * q);
      const num = 1 - u * s - D;
      h = num / (2 * u * u);
      const dnum = -s - (-s + u * q) / D;
      dh = dnum / (2 * u * u) - num / (u * u * u);
    }
    return 0.5 + z * ((z * e) / 2 * dh - h) * e;
  });
}

/**
 * Mean-field face (§3.2): A(t) = Σ_k a(t; c, λ_k) v_k v_kᵀ, exact in the limit for any Σ̂.
 * train = ½ Σ w_k λ_k (a_k−1)², pop = ½ Σ w_k s_k (a_k−1)² (s_k = v_kᵀΣv_k; 1 if omitted).
 * With w_k = 1 these are totals; with MP quadrature weights they are per p.
 */
export function meanFieldLoss(
  lambda: ArrayLike<number>, weights: ArrayLike<number>, c: number, ts: readonly number[], s?: ArrayLike<number> | null,
): { train: number[]; pop: number[] } {
  const train: number[] = [], pop: number[] = [];
  for (const t of ts) {
    let lt = 0, lp = 0;
    for (let k = 0; k < lambda.length; k++) {
      const d = logistic(c, lambda[k], t) - 1;
      lt += weights[k] * lambda[k] * d * d;
      lp += weights[k] * (s ? s[k] : 1) * d * d;
    }
    train.push(0.5 * lt);
    pop.push(0.5 * lp);
  }
  return { train, pop };
}

export interface NarrowLatentMoments {
  t: number[];
  /** m₀ = ‖w_a‖². */
  m0: number[];
  /** m₁ = w_aᵀΣ̂w_a. */
  m1: number[];
  /** m₁ᴾ = Σ_j s_j w_aj² (= m₀ when s ≡ 1). */
  m1Pop: number[];
  /** d_eff = (Σ_j e^{αλ_j})² / Σ_j e^{2αλ_j} with the given weights (a count of eigenvalues when weights are 1/p, times p). */
  dEffFraction: number[];
}

/**
 * Narrow-latent face (§3.3): RK4 on α' = 2(2 − m₀), β' = 2m₁ with
 * m₀ = z e^{−β} M(α), m₁ = z e^{−β} M'(α), M(α) = Σ_j w_j e^{αλ_j} (weights summing to 1).
 * Then L_train = ½ tr Σ̂ + H(m₀m₁/2 − m₁) and L_pop = ½ tr Σ + H(m₀m₁ᴾ/2 − m₁ᴾ).
 * `dEffFraction` is d_eff divided by the number of eigenvalues (exact when weights are uniform).
 */
export function narrowLatentMoments(
  lambda: ArrayLike<number>, weights: ArrayLike<number>, z: number, ts: readonly number[],
  s?: ArrayLike<number> | null, dt = 1e-3,
): NarrowLatentMoments {
  const n = lambda.length;
  let lmax = -Infinity;
  for (let j = 0; j < n; j++) lmax = Math.max(lmax, lambda[j]);
  const mom = (a: number, b: number) => {
    let e0 = 0, e1 = 0, es = 0, ee = 0;
    for (let j = 0; j < n; j++) {
      const e = weights[j] * Math.exp(a * (lambda[j] - lmax));
      e0 += e;
      e1 += e * lambda[j];
      es += e * (s ? s[j] : 1);
      if (weights[j] > 0) ee += (e * e) / weights[j];
    }
    const f = z * Math.exp(-b + a * lmax);
    return { m0: f * e0, m1: f * e1, m1p: f * es, deff: (e0 * e0) / ee };
  };
  const rhs = (a: number, b: number): [number, number] => {
    let e0 = 0, e1 = 0;
    for (let j = 0; j < n; j++) {
      const e = weights[j] * Math.exp(a * (lambda[j] - lmax));
      e0 += e;
      e1 += e * lambda[j];
    }
    const f = z * Math.exp(-b + a * lmax);
    return [2 * (2 - f * e0), 2 * f * e1];
  };
  const out: NarrowLatentMoments = { t: [], m0: [], m1: [], m1Pop: [], dEffFraction: [] };
  let a = 0, b = 0, t = 0;
  for (const T of ts) {
    while (t < T - 1e-12) {
      const h = Math.min(dt, T - t);
      const [a1, b1] = rhs(a, b);
      const [a2, b2] = rhs(a + (h / 2) * a1, b + (h / 2) * b1);
      const [a3, b3] = rhs(a + (h / 2) * a2, b + (h / 2) * b2);
      const [a4, b4] = rhs(a + h * a3, b + h * b3);
      a += (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4);
      b += (h / 6) * (b1 + 2 * b2 + 2 * b3 + b4);
      t += h;
    }
    const m = mom(a, b);
    out.t.push(T);
    out.m0.push(m.m0);
    out.m1.push(m.m1);
    out.m1Pop.push(m.m1p);
    out.dEffFraction.push(m.deff);
  }
  return out;
}

export interface SmallDataCurves {
  tau: number[];
  /** ½[(k₀−1)² + k₁]: L_train/p for isotropic data (multiply by tr Σ̂ in general). */
  trainPerP: number[];
  /** (L_pop − L_pop(0))/n = ½((k₀−1)² − (k₀(0)−1)²) + (k₁ − k₁(0)) − 2∫(k₂ − k₁)dτ. */
  deltaPopPerN: number[];
}

/**
 * Small-data face (§3.4), the atom ODE: g(x, τ) = Σ_i w_i/(1 − xκ_i), k_j = Σ_i w_i κ_iʲ,
 *   w_i' = −2w_i² + (4−2k₀)w_i − 2w_iκ_i − 4w_iκ_i Σ_{j≠i} w_j/(κ_i−κ_j),   κ_i' = −2w_iκ_i,
 * started from N atoms at the MP(y) quantiles of K₀'s spectrum (mean z), weight yz/N each, plus
 * a zero atom of the remaining mass if y > 1. RK4 with step Δτ; τ = (p/n)t (κt in general).
 */
/**
 * Largest rate of the atom ODE, k₀ + max κ_i + max w_i (from w' ∋ (4 − 2k₀)w − 2w² − 2wκ, κ' = −2wκ).
 * A fixed Δτ = 0.01 is only stable while that rate stays below ~100: with a large init (z = pσ² ≳ 50)
 * RK4 blew up to NaN, which the report showed as a prediction off the plot. The step is now capped
 * by SMALL_DATA_STEP_SAFETY/rate at every step; the rate falls as the weights shrink, so the cap
 * only bites early.
 */
function stiffness(wt: Float64Array, kap: Float64Array): number {
  let k0 = 0, kMax = 0, wMax = 0;
  for (let i = 0; i < wt.length; i++) {
    k0 += wt[i];
    kMax = Math.max(kMax, Math.abs(kap[i]));
    wMax = Math.max(wMax, Math.abs(wt[i]));
  }
  return Math.max(1, Math.abs(k0) + kMax + wMax);
}

/** h·rate ≤ 0.25 keeps RK4 (stability limit ≈ 2.8) accurate on the fastest mode. */
const SMALL_DATA_STEP_SAFETY = 0.1;

export function smallDataCurves(y: number, z: number, taus: readonly number[], atoms = 300, dtau = 0.01): SmallDataCurves {
  const nb = y <= 1 ? atoms : Math.round(atoms / y);
  const q = marchenkoPasturQuantiles(y, nb);
  const size = nb + (y > 1 ? 1 : 0);
  let wt = new Float64Array(size);
  let kap = new Float64Array(size);
  for (let i = 0; i < nb; i++) {
    kap[i] = z * q[i];
    wt[i] = (y * z) / atoms;
  }
  if (y > 1) {
    kap[nb] = 0;
    wt[nb] = ((atoms - nb) * y * z) / atoms;
  }
  const dw = new Float64Array(size), dk = new Float64Array(size);
  /** Fills dw, dk; returns d/dτ of ∫(k₂ − k₁)·2 — the integrand 2(k₂ − k₁). */
  const f = (wv: Float64Array, kv: Float64Array): number => {
    let k0 = 0, k1 = 0, k2 = 0;
    for (let i = 0; i < size; i++) {
      k0 += wv[i];
      k1 += wv[i] * kv[i];
      k2 += wv[i] * kv[i] * kv[i];
    }
    for (let i = 0; i < size; i++) {
      let inter = 0;
      const ki = kv[i];
      for (let j = 0; j < size; j++) if (j !== i) inter += wv[j] / (ki - kv[j]);
      const wi = wv[i];
      dw[i] = -2 * wi * wi + (4 - 2 * k0) * wi - 2 * wi * ki - 4 * wi * ki * inter;
      dk[i] = -2 * wi * ki;
    }
    return 2 * (k2 - k1);
  };
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  const k00 = sum(wt), k10 = dot(wt, kap);
  const stages = Array.from({ length: 4 }, () => ({ w: new Float64Array(size), k: new Float64Array(size), c: 0 }));
  const tw = new Float64Array(size), tk = new Float64Array(size);
  let integral = 0, tau = 0;
  const out: SmallDataCurves = { tau: [], trainPerP: [], deltaPopPerN: [] };
  for (const T of taus) {
    while (tau < T - 1e-12) {
      const h = Math.min(dtau, T - tau, SMALL_DATA_STEP_SAFETY / stiffness(wt, kap));
      const coef = [0, h / 2, h / 2, h];
      for (let s = 0; s < 4; s++) {
        if (s === 0) {
          tw.set(wt);
          tk.set(kap);
        } else {
          const prev = stages[s - 1];
          for (let i = 0; i < size; i++) {
            tw[i] = wt[i] + coef[s] * prev.w[i];
            tk[i] = kap[i] + coef[s] * prev.k[i];
          }
        }
        stages[s].c = f(tw, tk);
        stages[s].w.set(dw);
        stages[s].k.set(dk);
      }
      const nw = new Float64Array(size), nk = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        nw[i] = wt[i] + (h / 6) * (stages[0].w[i] + 2 * stages[1].w[i] + 2 * stages[2].w[i] + stages[3].w[i]);
        nk[i] = kap[i] + (h / 6) * (stages[0].k[i] + 2 * stages[1].k[i] + 2 * stages[2].k[i] + stages[3].k[i]);
      }
      integral += (h / 6) * (stages[0].c + 2 * stages[1].c + 2 * stages[2].c + stages[3].c);
      wt = nw;
      kap = nk;
      tau += h;
    }
    const k0 = sum(wt), k1 = dot(wt, kap);
    out.tau.push(T);
    out.trainPerP.push(0.5 * ((k0 - 1) ** 2 + k1));
    out.deltaPopPerN.push(0.5 * ((k0 - 1) ** 2 - (k00 - 1) ** 2) + (k1 - k10) - integral);
  }
  return out;
}
