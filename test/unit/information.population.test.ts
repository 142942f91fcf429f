/**
 * Spec §5.1 (population 3-D Gaussian, closed form) and the E1 / E7a numbers: every value of the
 * spec's tables, to 1e-5 relative (the spec prints 6 significant digits), and the full-precision
 * values of the independent numpy script (test/fixtures/information/make_information_expectations.py)
 * to 1e-9.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import {
  awgnCapacityBits, canonicalCorrelations, ccaMutualInformationBits, lmmseErrorCovariance, mutualInformationFromCorrelationsBits,
  populationLmmse, snrMutualInformation, waterFilling,
} from '../../src/core/information/gaussianCapacity';
import { effectiveRank, participationRatio } from '../../src/core/information/collapse';
import { gaussianEntropyBits } from '../../src/core/information/gaussianEntropy';
import { determinantBoundBits, reverseWaterFilling, shannonLowerBoundBits } from '../../src/core/information/rateDistortion';
import { nominalRateFigures, nominalRatePerInputSymbol } from '../../src/core/information/representationRate';
import { assertAllClose, assertClose, FIXTURES } from './support';

const SPEC = 1e-5;
const PY = 1e-9;
const py = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'information', 'spec_expectations.json'), 'utf8'))['5.1'];

const SZ = Float64Array.from([4, 1.2, 0.4, 1.2, 2, 0.6, 0.4, 0.6, 1]);
const NOISE = {
  A: Float64Array.from([0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5]),
  B: Float64Array.from([0.2, 0, 0, 0, 0.5, 0, 0, 0, 1.0]),
};
const plus = (a: Float64Array, b: Float64Array) => a.map((v, i) => v + b[i]);
const det3 = (m: Float64Array) => symmetricEigenvalues(m, 3).reduce((a, b) => a * b, 1);

test('§5.1 properties of Σ_Z: eigenvalues, det, trace, h(Z), effective rank, participation ratio', () => {
  const eig = symmetricEigenvalues(SZ, 3);
  assertAllClose(eig, [4.66701, 1.62343, 0.709554], SPEC, 'eig Σ_Z');
  assertAllClose(eig, py.eigenvalues, PY, 'eig Σ_Z (numpy)');
  assertClose(det3(SZ), 5.376, SPEC, 1e-12, 'det');
  assertClose(eig.reduce((a, b) => a + b, 0), 7, SPEC, 1e-12, 'trace');
  const h = gaussianEntropyBits(SZ, 3);
  assertClose(h, 7.35455, SPEC, 1e-12, 'h(Z)');
  assertClose(h / 3, 2.45152, SPEC, 1e-12, 'h(Z) per dim');
  assertClose(h, py.h, PY, 1e-12, 'h(Z) numpy');
  assertClose(effectiveRank(eig), 2.31921, SPEC, 1e-12, 'effective rank');
  assertClose(participationRatio(eig), 1.96629, SPEC, 1e-12, 'participation ratio');
  assertClose(effectiveRank(eig), py.effectiveRank, PY);
  assertClose(participationRatio(eig), py.participationRatio, PY);
});

const CHANNEL = {
  A: { hZt: 8.00639, hE: 4.64129, lambdas: [9.33402, 3.24687, 1.41911], perDim: [1.68466, 1.0432, 0.637238], I: 3.3651,
    rho: [0.950385, 0.874375, 0.765914], detK: 0.0506367, nu: 2.83333, cwf: 3.75375, zTildeEstimate: 2.71327 },
  B: { hZt: 8.17579, hE: 4.48032, lambdas: [20.9108, 3.3133, 0.775942], perDim: [2.22678, 1.0544, 0.414292], I: 3.69547,
    rho: [0.976914, 0.876447, 0.660998], detK: 0.0320305, nu: 2.9, cwf: 3.96504, zTildeEstimate: 2.87423 },
} as const;

for (const name of ['A', 'B'] as const) {
  test(`§5.1 channel quantities, noise ${name}`, () => {
    const se = NOISE[name];
    const exp = CHANNEL[name];
    const pyn = py.noise[name];
    const szt = plus(SZ, se);
    assertClose(gaussianEntropyBits(szt, 3), exp.hZt, SPEC, 1e-12, 'h(Z̃)');
    assertClose(gaussianEntropyBits(se, 3), exp.hE, SPEC, 1e-12, 'h(E)');
    const snr = snrMutualInformation(SZ, se, 3)!;
    assert.ok(snr);
    assertAllClose(snr.lambdas, exp.lambdas, SPEC, 'generalized eigenvalues');
    assertAllClose(snr.lambdas, pyn.lambdas, PY, 'generalized eigenvalues (numpy)');
    assertAllClose(Array.from(snr.lambdas, l => 0.5 * Math.log2(1 + l)), exp.perDim, SPEC, 'per-dimension ½log₂(1+λ)');
    assertClose(snr.bits, exp.I, SPEC, 1e-12, 'I_snr');
    // Cross-covariance of Z and Z̃ = Z + E (E independent) is Σ_Z.
    const icca = ccaMutualInformationBits(SZ, szt, SZ, 3, 3);
    assertClose(icca, exp.I, SPEC, 1e-12, 'I_cca');
    assertClose(icca, pyn.Icca, PY, 1e-12, 'I_cca (numpy)');
    const k = populationLmmse(SZ, se, 3)!;
    assertClose(gaussianEntropyBits(SZ, 3) - gaussianEntropyBits(k, 3), exp.I, SPEC, 1e-12, 'I_LMMSE');
    const rho = canonicalCorrelations(SZ, szt, SZ, 3, 3)!;
    assertAllClose(rho, exp.rho, SPEC, 'canonical correlations');
    assertAllClose(rho, pyn.rho, PY, 'canonical correlations (numpy)');
    assertClose(mutualInformationFromCorrelationsBits(rho), exp.I, SPEC, 1e-12, '−½Σlog₂(1−ρ²)');
    assertClose(det3(k), exp.detK, SPEC, 1e-12, 'det K');
    assertClose(det3(lmmseErrorCovariance(SZ, szt, SZ, 3, 3)!), pyn.detK, PY, 1e-15, 'det K (numpy)');
    const wf = waterFilling(7, symmetricEigenvalues(se, 3));
    assertClose(wf.level, exp.nu, SPEC, 1e-12, 'ν');
    assertClose(wf.capacity, exp.cwf, SPEC, 1e-12, 'C_WF');
    assertClose(wf.capacity, pyn.Cwf, PY, 1e-12, 'C_WF (numpy)');
    // Z̃ as an estimate of Z: error second moment Σ_E.
    assertClose(determinantBoundBits(gaussianEntropyBits(SZ, 3), se, 3), exp.zTildeEstimate, SPEC, 1e-12, 'h(Z) − ½log₂((2πe)³ det Σ_E)');
  });
}

test('§5.1 coding rate (identity 6 at ε² = 1.5) and scalar AWGN per coordinate', () => {
  // ½ log₂ det(I + (3/ε²) Σ_Z) from the eigenvalues of Σ_Z (population form).
  const eig = symmetricEigenvalues(SZ, 3);
  const cr = (e2: number) => eig.reduce((s, l) => s + 0.5 * Math.log2(1 + (3 / e2) * l), 0);
  assertClose(cr(1.5), 3.3651, SPEC, 1e-12, 'coding rate ε² = 1.5');
  assertClose(cr(0.5), 5.33871, SPEC, 1e-12, 'coding rate ε² = 0.5');
  assertClose(cr(0.5), py.codingRate['0.5'], PY);
  const perCoord = awgnCapacityBits(7 / 3, 0.5);
  assertClose(perCoord, 1.25125, SPEC, 1e-12, 'AWGN per coordinate');
  assertClose(3 * perCoord, 3.75375, SPEC, 1e-12, '3 × AWGN = C_WF (noise A)');
});

test('§5.1 rate–distortion table: θ, R_G(D), R_SLB(D)', () => {
  const eig = symmetricEigenvalues(SZ, 3);
  const h = gaussianEntropyBits(SZ, 3);
  const table = [
    { D: 0.3, theta: 0.1, R: 6.19616, slb: 6.19616 },
    { D: 1.5, theta: 0.5, R: 2.71327, slb: 2.71327 },
    { D: 3.0, theta: 1.14522, R: 1.26515, slb: 1.21327 },
    { D: 6.0, theta: 3.66701, R: 0.173947, slb: -0.286733 },
    { D: 7.0, theta: null, R: 0, slb: -0.620322 },
  ];
  table.forEach((row, i) => {
    const rw = reverseWaterFilling(eig, row.D);
    if (row.theta !== null) assertClose(rw.level, row.theta, SPEC, 1e-12, `θ at D = ${row.D}`);
    assertClose(rw.rate, row.R, SPEC, 1e-12, `R_G(${row.D})`);
    assertClose(rw.rate, py.rd[i].R, 1e-9, 1e-12, `R_G(${row.D}) numpy`);
    assertClose(shannonLowerBoundBits(h, 3, row.D), row.slb, SPEC, 1e-12, `R_SLB(${row.D})`);
  });
});

test('§5.1 unified margin with noise A at D = 3', () => {
  const eig = symmetricEigenvalues(SZ, 3);
  const r = reverseWaterFilling(eig, 3).rate;
  const c = snrMutualInformation(SZ, NOISE.A, 3)!.bits;
  assertClose(c - r, 2.09995, SPEC, 1e-12, 'C − R(D)');
  assertClose(waterFilling(7, [0.5, 0.5, 0.5]).capacity - r, 2.4886, SPEC, 1e-12, 'C_WF − R(D)');
});

test('§5.1 E1 nominal rates and E7a AWGN capacities', () => {
  assertClose(nominalRatePerInputSymbol(3, 32, 8), 12, SPEC, 1e-12, 'd = 3, float32, n = 8');
  assertClose(nominalRatePerInputSymbol(512, 32, 784), 20.898, SPEC, 1e-12, 'd = 512 float32 over 28×28');
  assertClose(nominalRatePerInputSymbol(512, 16, 784), 10.449, SPEC, 1e-12, 'd = 512 bf16 over 28×28');
  const f = nominalRateFigures({ dim: 512, bitsPerCoordinate: 16, inputSymbols: 784, rows: 10 });
  assert.equal(f.perModelUse.value, 8192);
  assert.equal(f.perInputSymbol.kind, 'exact');
  assert.equal(f.perInputSymbol.provenance.tag, '2ND-HAND');
  const noN = nominalRateFigures({ dim: 512, bitsPerCoordinate: 16, inputSymbols: null, rows: 10 });
  assert.equal(noN.perInputSymbol.value, null);
  assert.deepEqual(noN.perInputSymbol.flags, ['needs_input_symbols']);
  assert.ok(noN.perInputSymbol.explanation);
  assertClose(awgnCapacityBits(1, 0.01), 3.32911, SPEC, 1e-12, 'P = 1, σ² = 0.01');
  assertClose(awgnCapacityBits(0.25, (25 / 255) ** 2), 2.37771, SPEC, 1e-12, 'P = 0.25, σ = 25/255');
  assertClose(awgnCapacityBits(0.25, (25 / 255) ** 2), py.awgn.P025s25_255, PY);
});
