/**
 * The closed forms behind E7 (representation capacity in the perturbed setting): the AWGN
 * capacity, the SNR and CCA forms of the Gaussian mutual information, the LMMSE error covariance
 * and lower bound, water-filling and the coding rate. capacity.ts turns them into report figures.
 */
import { cholesky, choleskyLogDet, matMul, solveLowerInPlace, transpose } from '../linalg/cholesky';
import { generalizedSymmetricEigenvalues } from '../linalg/generalizedEigenvalues';
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { covariance, type RowMatrix } from './dense';
import { log2DetFromEigenvalues } from './gaussianEntropy';
import { numericalRank } from './preprocess';
import { LOG2_2PIE } from './special';

/** E7a: ½·log₂(1 + P/σ²) bits per input symbol. */
export function awgnCapacityBits(power: number, noiseVariance: number): number {
  return 0.5 * Math.log2(1 + power / noiseVariance);
}

/**
 * E7b: generalized eigenvalues λ of S_Z·v = λ·S_E·v (descending) and Σ ½·log₂(1 + λᵢ) bits,
 * or null when S_E is singular by the P4 rule (the noise-free subspace makes the MI infinite).
 */
export function snrMutualInformation(sz: Float64Array, se: Float64Array, d: number): { bits: number; lambdas: Float64Array } | null {
  if (numericalRank(symmetricEigenvalues(se, d)) < d) return null;
  const lambdas = generalizedSymmetricEigenvalues(sz, se, d);
  if (!lambdas) return null;
  let bits = 0;
  for (let i = 0; i < d; i++) bits += 0.5 * Math.log2(1 + Math.max(lambdas[i], 0));
  return { bits, lambdas };
}

/**
 * E7c from covariance blocks: Sx (p×p), Sy (q×q), Sxy (p×q).
 * I = ½·[log₂ det Sx + log₂ det Sy − log₂ det S_J] bits (S_J the joint (p+q)×(p+q) covariance);
 * NaN when Sx or Sy is rank-deficient (P4) or S_J is not positive definite (Cholesky fails).
 */
export function ccaMutualInformationBits(sx: Float64Array, sy: Float64Array, sxy: Float64Array, p: number, q: number): number {
  const ldx = log2DetFromEigenvalues(symmetricEigenvalues(sx, p));
  const ldy = log2DetFromEigenvalues(symmetricEigenvalues(sy, q));
  return ccaFromLogDets(ldx, ldy, sx, sy, sxy, p, q);
}

/** ½·[log₂ det Sx + log₂ det Sy − log₂ det S_J] given the two marginal log-dets (NaN-propagating). */
export function ccaFromLogDets(ldx: number, ldy: number, sx: Float64Array, sy: Float64Array, sxy: Float64Array, p: number, q: number): number {
  if (!Number.isFinite(ldx) || !Number.isFinite(ldy)) return NaN;
  const n = p + q;
  const j = new Float64Array(n * n);
  for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) j[r * n + c] = sx[r * p + c];
  for (let r = 0; r < q; r++) for (let c = 0; c < q; c++) j[(p + r) * n + p + c] = sy[r * q + c];
  for (let r = 0; r < p; r++) {
    for (let c = 0; c < q; c++) {
      j[r * n + p + c] = sxy[r * q + c];
      j[(p + c) * n + r] = sxy[r * q + c];
    }
  }
  const l = cholesky(j, n);
  if (!l) return NaN;
  return 0.5 * (ldx + ldy - choleskyLogDet(l, n) / Math.LN2);
}

/**
 * Canonical correlations ρ₁ ≥ … ≥ ρ_min(p,q): singular values of Lx⁻¹·Sxy·Ly⁻ᵀ (Lx, Ly Cholesky
 * factors of Sx, Sy), clipped to [0, 1]; null when Sx or Sy is not positive definite.
 */
export function canonicalCorrelations(sx: Float64Array, sy: Float64Array, sxy: Float64Array, p: number, q: number): Float64Array | null {
  const lx = cholesky(sx, p);
  const ly = cholesky(sy, q);
  if (!lx || !ly) return null;
  const m = Float64Array.from(sxy); // p×q
  solveLowerInPlace(lx, p, m, q); // Lx⁻¹ Sxy
  const mt = transpose(m, p, q); // q×p
  solveLowerInPlace(ly, q, mt, p); // Ly⁻¹ (Lx⁻¹ Sxy)ᵀ = (Lx⁻¹ Sxy Ly⁻ᵀ)ᵀ
  // Squared singular values: eigenvalues of the smaller Gram matrix.
  const small = Math.min(p, q);
  const gram = p <= q ? matMul(transpose(mt, q, p), mt, p, q, p) : matMul(mt, transpose(mt, q, p), q, p, q);
  const eig = symmetricEigenvalues(gram, small);
  return eig.map(v => Math.sqrt(Math.min(1, Math.max(0, v))));
}

/** −½ Σ log₂(1 − ρᵢ²): the CCA form of the Gaussian MI. */
export function mutualInformationFromCorrelationsBits(rho: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < rho.length; i++) s -= 0.5 * Math.log2(1 - rho[i] * rho[i]);
  return s;
}

/**
 * LMMSE error covariance K = Sx − Sxy·Sy⁻¹·Syx (p×p) of estimating X linearly from Y;
 * null when Sy is not positive definite.
 */
export function lmmseErrorCovariance(sx: Float64Array, sy: Float64Array, sxy: Float64Array, p: number, q: number): Float64Array | null {
  const ly = cholesky(sy, q);
  if (!ly) return null;
  const w = transpose(sxy, p, q); // Syx, q×p
  solveLowerInPlace(ly, q, w, p); // Ly⁻¹ Syx
  const k = Float64Array.from(sx.subarray(0, p * p));
  // K −= WᵀW, row by row of W (contiguous), lower triangle, then mirrored.
  for (let r = 0; r < q; r++) {
    const o = r * p;
    for (let i = 0; i < p; i++) {
      const wi = w[o + i];
      if (wi === 0) continue;
      const ki = i * p;
      for (let j = 0; j <= i; j++) k[ki + j] -= wi * w[o + j];
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) k[j * p + i] = k[i * p + j];
  return k;
}

/** E7d: ĥ − ½·log₂[(2πe)^p det K] bits, NaN when K is rank-deficient. */
export function lmmseLowerBoundBits(entropyBits: number, k: Float64Array, p: number): number {
  const ld = log2DetFromEigenvalues(symmetricEigenvalues(k, p));
  return entropyBits - 0.5 * (p * LOG2_2PIE + ld);
}

/**
 * E7f: parallel Gaussian channels with noise variances N_j and total power P: the water level ν
 * with Σ max(ν − N_j, 0) = P, and C = Σ ½·log₂(max(ν, N_j)/N_j) bits. Infinite capacity (C = ∞)
 * when some N_j ≤ 0.
 */
export function waterFilling(power: number, noiseVariances: ArrayLike<number>): { capacity: number; level: number; active: number } {
  const ns = Float64Array.from(noiseVariances).sort();
  if (ns.length === 0) return { capacity: 0, level: NaN, active: 0 };
  if (!(ns[0] > 0)) return { capacity: Infinity, level: NaN, active: ns.length };
  let level = NaN;
  let active = 0;
  let prefix = 0;
  for (let j = 0; j < ns.length; j++) prefix += ns[j];
  for (let m = ns.length; m >= 1; m--) {
    const nu = (power + prefix) / m;
    if (nu > ns[m - 1] || m === 1) {
      level = nu;
      active = m;
      break;
    }
    prefix -= ns[m - 1];
  }
  let c = 0;
  for (let j = 0; j < ns.length; j++) if (level > ns[j]) c += 0.5 * Math.log2(level / ns[j]);
  return { capacity: c, level, active };
}

/**
 * Coding rate (Ma, Derksen, Hong & Wright 2007; Yu et al. 2020): ½·log₂ det(I + (d/ε²)·S_ML) with
 * S_ML the centred 1/N covariance. Equals E7b's I_snr for isotropic noise σ² = ε²/d (identity 6).
 */
export function codingRateBits(z: RowMatrix, epsilonSquared: number): number {
  const d = z.cols;
  const eig = symmetricEigenvalues(covariance(z, 0), d);
  let s = 0;
  for (let i = 0; i < d; i++) s += 0.5 * Math.log2(1 + (d / epsilonSquared) * Math.max(0, eig[i]));
  return s;
}


/** Re-exported for the population example: LMMSE error covariance of Z from Z̃ = Z + E. */
export function populationLmmse(sz: Float64Array, se: Float64Array, d: number): Float64Array | null {
  const szt = Float64Array.from(sz, (v, i) => v + se[i]);
  return lmmseErrorCovariance(sz, szt, sz, d, d);
}
