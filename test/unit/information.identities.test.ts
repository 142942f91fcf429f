/**
 * The exact identities and inequalities of the spec's §4.4 as property tests on random data
 * (fast-check, seeded so a failure reproduces: re-run with the printed seed / path).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRng } from '../../src/core/stats/rowSampler';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import {
  canonicalCorrelations, ccaMutualInformationBits, codingRateBits, lmmseErrorCovariance,
  mutualInformationFromCorrelationsBits, snrMutualInformation, waterFilling,
} from '../../src/core/information/gaussianCapacity';
import { covariance, crossCovariance, hstack, type RowMatrix } from '../../src/core/information/dense';
import { gaussianEntropyBits, umvuGaussianEntropyBits } from '../../src/core/information/gaussianEntropy';
import { kozachenkoLeonenkoBits, ksgMutualInformationBits } from '../../src/core/information/knnEntropy';
import { determinantBoundBits, modelDistortion, reverseWaterFilling, shannonLowerBoundBits } from '../../src/core/information/rateDistortion';

/** Override with INFORMATION_FC_SEED=… to explore other cases; failures print seed and path. */
const SEED = Number(process.env.INFORMATION_FC_SEED ?? 20260116);
const RUNS = 60;
const params = (numRuns = RUNS) => ({ seed: SEED, numRuns });

function gaussianMatrix(rows: number, cols: number, seed: number, mix = true): RowMatrix {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const a = new Float64Array(cols * cols);
  for (let i = 0; i < a.length; i++) a[i] = normal();
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const g = Array.from({ length: cols }, normal);
    for (let c = 0; c < cols; c++) {
      let s = 0;
      if (mix) for (let k = 0; k < cols; k++) s += g[k] * a[k * cols + c];
      else s = g[c];
      data[r * cols + c] = s + (c === 0 ? 3 : 0);
    }
  }
  return { rows, cols, data };
}

function randomSpd(d: number, seed: number): Float64Array {
  const m = gaussianMatrix(d + 3, d, seed);
  const s = covariance(m, 0);
  for (let i = 0; i < d; i++) s[i * d + i] += 0.05;
  return s;
}

const log2det = (a: Float64Array, n: number) => symmetricEigenvalues(a, n).reduce((s, l) => s + Math.log2(l), 0);
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const shape = fc.record({ d: fc.integer({ min: 1, max: 5 }), extra: fc.integer({ min: 3, max: 40 }), seed: fc.integer({ min: 0, max: 2 ** 30 }) });

test('identity 1: I_cca = ĥ_G(S_Z) − ĥ_G(K) on any sample (and = −½Σlog₂(1−ρ²) = the joint-determinant form)', () => {
  fc.assert(fc.property(shape, ({ d, extra, seed }) => {
    const n = 2 * d + extra;
    const z = gaussianMatrix(n, d, seed);
    const noise = gaussianMatrix(n, d, seed + 1, false);
    const zt: RowMatrix = { rows: n, cols: d, data: z.data.map((v, i) => 0.7 * v + noise.data[i]) };
    const sz = covariance(z);
    const szt = covariance(zt);
    const sx = crossCovariance(z, zt);
    const icca = ccaMutualInformationBits(sz, szt, sx, d, d);
    const k = lmmseErrorCovariance(sz, szt, sx, d, d)!;
    close(icca, gaussianEntropyBits(sz, d) - gaussianEntropyBits(k, d), 1e-8, 'ĥ_G(S_Z) − ĥ_G(K)');
    close(icca, mutualInformationFromCorrelationsBits(canonicalCorrelations(sz, szt, sx, d, d)!), 1e-8, 'CCA form');
    const joint = covariance(hstack(z, zt));
    close(icca, 0.5 * (log2det(sz, d) + log2det(szt, d) - log2det(joint, 2 * d)), 1e-8, 'joint determinant form');
  }), params());
});

test('identity 2: population covariances with independent noise give I_snr = I_cca = I_LMMSE', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 30 }), (d, seed) => {
    const sz = randomSpd(d, seed);
    const se = randomSpd(d, seed + 7);
    const szt = sz.map((v, i) => v + se[i]);
    const snr = snrMutualInformation(sz, se, d)!.bits;
    const cca = ccaMutualInformationBits(sz, szt, sz, d, d);
    const k = lmmseErrorCovariance(sz, szt, sz, d, d)!;
    close(snr, cca, 1e-8, 'I_snr vs I_cca');
    close(cca, gaussianEntropyBits(sz, d) - gaussianEntropyBits(k, d), 1e-8, 'I_cca vs I_LMMSE');
  }), params());
});

test('identity 3: C_WF(tr S_Z, eig S_E) ≥ I_snr', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 30 }), fc.double({ min: 0.01, max: 100, noNaN: true }), (d, seed, scale) => {
    const sz = randomSpd(d, seed).map(v => v * scale);
    const se = randomSpd(d, seed + 3);
    const snr = snrMutualInformation(sz, se, d)!.bits;
    let tr = 0;
    for (let i = 0; i < d; i++) tr += sz[i * d + i];
    const wf = waterFilling(tr, symmetricEigenvalues(se, d));
    assert.ok(wf.capacity >= snr - 1e-9 * Math.max(1, snr), `C_WF ${wf.capacity} < I_snr ${snr}`);
    // The water level spends exactly the power.
    const spent = Array.from(symmetricEigenvalues(se, d)).reduce((s, nj) => s + Math.max(0, wf.level - nj), 0);
    close(spent, tr, 1e-9, 'Σ max(ν − N_j, 0) = P');
  }), params());
});

test('identity 4: R_G(D) ≥ R_SLB(D), equal iff D/k ≤ μ_min; R_G non-increasing; R_G = 0 for D ≥ tr S', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 30 }), fc.array(fc.double({ min: 1e-3, max: 1.5, noNaN: true }), { minLength: 2, maxLength: 8 }),
    (k, seed, fractions) => {
      const s = randomSpd(k, seed);
      const mu = symmetricEigenvalues(s, k);
      const tr = mu.reduce((a, b) => a + b, 0);
      const h = gaussianEntropyBits(s, k);
      const ds = fractions.map(f => f * tr).sort((a, b) => a - b);
      let prev = Infinity;
      for (const dd of ds) {
        const rg = reverseWaterFilling(mu, dd).rate;
        const slb = shannonLowerBoundBits(h, k, dd);
        assert.ok(rg >= slb - 1e-9 * Math.max(1, Math.abs(slb)), `R_G ${rg} < SLB ${slb} at D = ${dd}`);
        if (dd / k <= mu[k - 1]) close(rg, slb, 1e-9, 'equality for D/k ≤ μ_min');
        else assert.ok(rg > slb + 1e-12, `strict for D/k > μ_min (D = ${dd})`);
        assert.ok(rg <= prev + 1e-12, 'non-increasing in D');
        prev = rg;
        if (dd >= tr) assert.equal(rg, 0);
      }
      assert.equal(reverseWaterFilling(mu, tr).rate, 0);
    }), params());
});

test('identity 5: determinant-based bound ≥ SLB-based bound (same ĥ)', () => {
  fc.assert(fc.property(shape, fc.double({ min: 0.01, max: 3, noNaN: true }), ({ d, extra, seed }, noise) => {
    const n = d + extra;
    const y = gaussianMatrix(n, d, seed);
    const e = gaussianMatrix(n, d, seed + 11);
    const yh: RowMatrix = { rows: n, cols: d, data: y.data.map((v, i) => v + noise * e.data[i] + (i % d === 0 ? 0.2 : 0)) };
    const h = gaussianEntropyBits(covariance(y), d);
    const op = modelDistortion(y, yh);
    const det = determinantBoundBits(h, op.secondMoment, d);
    const slb = shannonLowerBoundBits(h, d, op.mse);
    assert.ok(det >= slb - 1e-9 * Math.max(1, Math.abs(slb)), `det bound ${det} < SLB ${slb}`);
  }), params());
});

test('identity 6: coding rate ½log₂det(I + (d/ε²)S_ML) = I_snr for isotropic noise σ² = ε²/d', () => {
  fc.assert(fc.property(shape, fc.double({ min: 0.01, max: 10, noNaN: true }), ({ d, extra, seed }, eps2) => {
    const z = gaussianMatrix(d + extra, d, seed);
    const sml = covariance(z, 0);
    const iso = new Float64Array(d * d);
    for (let i = 0; i < d; i++) iso[i * d + i] = eps2 / d;
    close(codingRateBits(z, eps2), snrMutualInformation(sml, iso, d)!.bits, 1e-9, 'coding rate vs I_snr');
  }), params());
});

test('identity 7: ĥ(aZ) = ĥ(Z) + d·log₂|a| (Gaussian, UMVU, KL); I_cca, I_snr and KSG unchanged', () => {
  fc.assert(fc.property(shape, fc.integer({ min: -6, max: 6 }), fc.boolean(), ({ d, extra, seed }, e, negative) => {
    const a = (negative ? -1 : 1) * 2 ** e * 1.37;
    const pow2 = (negative ? -1 : 1) * 2 ** e; // exact in floating point: KSG's counts must not move
    const n = 2 * d + extra + 4;
    const z = gaussianMatrix(n, d, seed);
    const noise = gaussianMatrix(n, d, seed + 5, false);
    const zt: RowMatrix = { rows: n, cols: d, data: z.data.map((v, i) => v + noise.data[i]) };
    const scale = (m: RowMatrix, s: number): RowMatrix => ({ rows: m.rows, cols: m.cols, data: m.data.map(v => v * s) });
    const za = scale(z, a);
    const shift = d * Math.log2(Math.abs(a));
    close(gaussianEntropyBits(covariance(za), d), gaussianEntropyBits(covariance(z), d) + shift, 1e-9, 'ĥ_G');
    close(umvuGaussianEntropyBits(symmetricEigenvalues(covariance(za), d), n), umvuGaussianEntropyBits(symmetricEigenvalues(covariance(z), d), n) + shift, 1e-9, 'ĥ_UMVU');
    close(kozachenkoLeonenkoBits(za, 3), kozachenkoLeonenkoBits(z, 3) + shift, 1e-9, 'ĥ_KL');
    const zta = scale(zt, a);
    const cca = (x: RowMatrix, y: RowMatrix) => ccaMutualInformationBits(covariance(x), covariance(y), crossCovariance(x, y), d, d);
    close(cca(za, zta), cca(z, zt), 1e-8, 'I_cca');
    const snr = (x: RowMatrix, y: RowMatrix) => snrMutualInformation(covariance(x), covariance({ rows: n, cols: d, data: y.data.map((v, i) => v - x.data[i]) }), d)!.bits;
    close(snr(za, zta), snr(z, zt), 1e-8, 'I_snr');
    assert.equal(ksgMutualInformationBits(scale(z, pow2), scale(zt, pow2), 3), ksgMutualInformationBits(z, zt, 3), 'KSG');
  }), params(40));
});
