/**
 * Spec §5.2 (the deterministic 12-sample dataset) and §5.3 (failure-mode fixtures): the spec's
 * printed values to 1e-5 relative, and the full-precision values of the independent numpy script
 * (spec_expectations.json) to 1e-9 — through the estimator functions and through
 * computeInformation (the report the CLI and the panel render).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { codingRateBits } from '../../src/core/information/gaussianCapacity';
import { columnMeans, covariance, fromRows, subtract, type RowMatrix } from '../../src/core/information/dense';
import { kozachenkoLeonenkoBits, ksgMutualInformationBits } from '../../src/core/information/knnEntropy';
import { computeInformation, listFigures, type InformationReport } from '../../src/core/information/informationReport';
import { reverseWaterFilling } from '../../src/core/information/rateDistortion';
import { collisionStatistics, fanoBound } from '../../src/core/information/representationRate';
import { isEmbdiagError } from '../../src/core/errors';
import { assertAllClose, assertClose, FIXTURES } from './support';

const SPEC = 1e-5;
const PY = 1e-9;
const pyAll = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'information', 'spec_expectations.json'), 'utf8'));
const py = pyAll['5.2'];

// §5.2 data, as printed in the spec.
const Z_ROWS = [
  [0.986261, -0.041462, -1.304758], [3.917997, 2.250368, 1.401218], [-0.257757, 0.724905, -0.696481],
  [-1.697026, -1.8017, -2.665815], [2.865031, 1.120832, 0.256733], [-1.603106, -0.107112, 1.457256],
  [0.935849, 1.515901, 0.7102], [-1.434613, -1.855774, 0.382562], [0.117773, 0.946515, -1.182572],
  [-3.723182, -2.073751, -1.03663], [-2.150739, -1.252678, 0.320735], [2.074126, -0.567419, 0.037855],
];
const ZT_ROWS = [
  [0.553778, -1.048237, -2.261319], [2.847035, 2.408713, 0.688553], [-0.943413, 0.70313, 0.116893],
  [-1.995249, -0.206043, -3.596559], [3.408642, 1.291341, 1.610922], [-1.423157, 0.147832, 2.001607],
  [1.983293, 1.325946, 1.076293], [-1.046359, -2.134042, 1.425706], [-0.299382, 1.543211, -1.835212],
  [-4.040707, -2.170124, 0.133268], [-1.2294, -0.766925, 0.209636], [2.02762, -0.621031, 1.016428],
];
const Z = fromRows(Z_ROWS);
const ZT = fromRows(ZT_ROWS);

/** Every number in a report is finite (JSON.stringify would silently turn NaN/±Infinity into null). */
function assertFiniteNumbers(x: unknown, where = 'report'): void {
  if (typeof x === 'number') assert.ok(Number.isFinite(x), `${where} is ${x}`);
  else if (Array.isArray(x)) x.forEach((y, i) => assertFiniteNumbers(y, `${where}[${i}]`));
  else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) assertFiniteNumbers(y, `${where}.${k}`);
}

const v = (f: { value: number | null }) => {
  assert.notEqual(f.value, null);
  return f.value!;
};

test('§5.2 moments: mean, S_Z, eigenvalues and det, S_Z̃, S_E', () => {
  assertAllClose(columnMeans(Z), [0.00255117, -0.0951146, -0.193308], SPEC, 'mean');
  const s = covariance(Z);
  assertAllClose(s, [5.07142, 2.58757, 0.957886, 2.58757, 2.07509, 0.762752, 0.957886, 0.762752, 1.47515], SPEC, 'S_Z');
  assertAllClose(s, py.S, PY, 'S_Z numpy');
  const eig = symmetricEigenvalues(s, 3);
  assertAllClose(eig, [6.83694, 1.2492, 0.535518], SPEC, 'eig S_Z');
  assertClose(eig.reduce((a, b) => a * b, 1), 4.57371, SPEC, 1e-12, 'det S_Z');
  assertAllClose(covariance(ZT), [4.90849, 2.09779, 1.17099, 2.09779, 2.13503, 0.152402, 1.17099, 0.152402, 2.97848], SPEC, 'S_Z̃');
  const se = covariance(subtract(ZT, Z));
  assertAllClose(se, [0.417433, -0.00968395, 0.210709, -0.00968395, 0.379966, -0.149321, 0.210709, -0.149321, 0.760358], SPEC, 'S_E');
  assertAllClose(symmetricEigenvalues(se, 3).reverse(), [0.274769, 0.384766, 0.898222], SPEC, 'eig S_E');
});

function sampleReport(extra: Parameters<typeof computeInformation>[0] = { embeddings: Z }): InformationReport {
  return computeInformation({ perturbed: ZT, scalars: { distortion: 1 }, ...extra }, { collisionSteps: [0.5, 1, 2, 4], k: 3 });
}

test('§5.2 entropy of Z (E3, E4) through the report, and KL with k = 1 directly', () => {
  const r = sampleReport();
  const g = r.entropy.gaussian;
  assertClose(v(g.plugin), 7.23797, SPEC, 1e-12, 'ĥ_G 1/(N−1)');
  assertClose(v(g.pluginMl), 7.04967, SPEC, 1e-12, 'ĥ_G ML');
  assertClose(v(g.umvu), 7.67667, SPEC, 1e-12, 'ĥ_UMVU');
  assertClose(v(g.umvu), py.hUMVU, PY, 1e-12, 'ĥ_UMVU numpy');
  assertClose(v(r.entropy.kozachenkoLeonenko), 8.08299, SPEC, 1e-12, 'ĥ_KL k = 3');
  assertClose(v(r.entropy.kozachenkoLeonenko), py.hKL3, PY, 1e-12, 'ĥ_KL k = 3 numpy');
  assert.equal(r.entropy.projectionDim, null);
  assertClose(kozachenkoLeonenkoBits(Z, 1), 7.92641, SPEC, 1e-12, 'ĥ_KL k = 1');
  assertClose(kozachenkoLeonenkoBits(Z, 1), py.hKL1, PY, 1e-12, 'ĥ_KL k = 1 numpy');
  assert.equal(g.plugin.kind, 'upper-bound');
  assert.ok(g.plugin.flags.includes('gaussian_bound'));
  assert.equal(r.entropy.kozachenkoLeonenko.kind, 'estimate');
});

test('§5.2 mutual information and capacity (E7b–E7f) through the report', () => {
  const p = sampleReport().capacity.perturbed!;
  assertClose(v(p.cca), 4.08335, SPEC, 1e-12, 'I_cca');
  assertClose(v(p.cca), py.Icca, PY, 1e-12, 'I_cca numpy');
  assertAllClose(p.canonicalCorrelations!, [0.971704, 0.894396, 0.829583], SPEC, 'canonical correlations');
  assertClose(v(p.snr), 3.57817, SPEC, 1e-12, 'I_snr');
  assertAllClose(p.generalizedEigenvalues!, [16.5045, 3.36348, 0.86762], SPEC, 'generalized eigenvalues');
  assertAllClose(p.generalizedEigenvalues!, py.lambdas, PY, 'generalized eigenvalues numpy');
  assertClose(p.snr.details!.halfLog2DetRatio as number, 3.6898, SPEC, 1e-12, '½log₂(det S_Z̃/det S_E)');
  assertClose(p.lmmseGaussian.details!.detK as number, 0.0159166, SPEC, 1e-12, 'det K');
  assertClose(v(p.lmmseGaussian), 4.08335, SPEC, 1e-12, 'LMMSE bound with ĥ_G');
  assertClose(v(p.lmmseKnn), 4.92837, SPEC, 1e-12, 'LMMSE bound with ĥ_KL(k = 3)');
  assertClose(v(p.lmmseKnn), py.lmmseKL3, PY, 1e-12, 'LMMSE bound with ĥ_KL numpy');
  assertClose(v(p.ksg), 0.909179, SPEC, 1e-12, 'KSG k = 3');
  assertClose(v(p.ksg), py.ksg3, PY, 1e-12, 'KSG k = 3 numpy');
  assertClose(ksgMutualInformationBits(Z, ZT, 1), 1.40725, SPEC, 1e-12, 'KSG k = 1');
  assertClose(p.waterFilling.details!.waterLevel as number, 3.39314, SPEC, 1e-12, 'ν');
  assertClose(v(p.waterFilling), 4.34219, SPEC, 1e-12, 'C_WF');
  assert.ok(v(p.waterFilling) >= v(p.snr), 'identity 3 on the sample');
  for (const f of [p.cca, p.snr, p.lmmseGaussian, p.lmmseKnn, p.ksg]) {
    assert.equal(f.kind, 'lower-bound');
    assert.equal(f.unit, 'bits per model use');
    assert.equal(f.rows, 12);
    assert.equal(f.provenance.tag, 'PROPOSED');
    // No n: the per-symbol normalisation is present but empty, and flagged.
    assert.ok(f.flags.includes('needs_input_symbols'));
  }
});

test('§5.2 Z̃ as a direct estimate of Z (E8 operating point): targets = Z, predictions = Z̃', () => {
  const r = computeInformation({ embeddings: Z, targets: Z, predictions: ZT }, { collisionSteps: [1] });
  const op = r.rateDistortion.operatingPoint!;
  assertClose(v(op.mse), 1.50495, SPEC, 1e-12, 'total MSE = tr M');
  assertClose(op.determinantBound.details!.detM as number, 0.0890548, SPEC, 1e-12, 'det M');
  assertClose(v(op.determinantBound), 2.84126, SPEC, 1e-12, 'det-bound with ĥ_G');
  assertClose(v(op.shannonLowerBound), 2.58956, SPEC, 1e-12, 'SLB-bound with ĥ_G');
  assertClose(v(op.rateGaussian), 2.58956, SPEC, 1e-12, 'R_G(D = tr M)');
  assertClose(v(op.rateGaussian), py.rdAtTrM, PY, 1e-12, 'R_G(D = tr M) numpy');
  // With no target D, the verdict's distortion is the model's.
  assert.equal(r.rateDistortion.distortion.source, 'predictions');
});

test('§5.2 rate–distortion of Z and the coding rate', () => {
  const r = sampleReport();
  assert.equal(r.rateDistortion.source, 'embeddings');
  assert.ok(r.rateDistortion.rateGaussian.flags.includes('source_is_embeddings'));
  assertClose(v(r.rateDistortion.rateGaussian), 3.47413, SPEC, 1e-12, 'R_G(1)');
  assertClose(r.rateDistortion.rateGaussian.details!.level as number, 0.333333, SPEC, 1e-12, 'θ(1)');
  const eig = symmetricEigenvalues(covariance(Z), 3);
  const r3 = reverseWaterFilling(eig, 3);
  assertClose(r3.rate, 1.24589, SPEC, 1e-12, 'R_G(3)');
  assertClose(r3.level, 1.23224, SPEC, 1e-12, 'θ(3)');
  assertClose(r3.rate, py.rd3, PY, 1e-12, 'R_G(3) numpy');
  assertClose(codingRateBits(Z, 1.5), 3.23177, SPEC, 1e-12, 'coding rate ε² = 1.5');
  // The R(D) curve passes through the target distortion.
  const pt = r.rateDistortion.curve.find(p => p.distortion === 1)!;
  assertClose(pt.gaussian, 3.47413, SPEC, 1e-12, 'curve at D = 1');
  for (let i = 1; i < r.rateDistortion.curve.length; i++) {
    assert.ok(r.rateDistortion.curve[i].gaussian <= r.rateDistortion.curve[i - 1].gaussian + 1e-12, 'R_G non-increasing along the curve');
  }
});

test('§5.2 collision error (E2) and Fano', () => {
  const table = [
    { step: 0.5, codes: 12, pe: 0, h: 3.58496, mm: 4.2462 },
    { step: 1, codes: 12, pe: 0, h: 3.58496, mm: 4.2462 },
    { step: 2, codes: 11, pe: 0.0833333, h: 3.4183, mm: 4.01942 },
    { step: 4, codes: 7, pe: 0.416667, h: 2.62581, mm: 2.98649 },
  ];
  const r = sampleReport();
  table.forEach((row, i) => {
    const s = collisionStatistics(Z, row.step);
    assert.equal(s.distinctCodes, row.codes, `codes at Δ = ${row.step}`);
    assertClose(s.errorProbability, row.pe, SPEC, 1e-12, `P_e at Δ = ${row.step}`);
    assertClose(s.pluginEntropy, row.h, SPEC, 1e-12, `Ĥ_plugin at Δ = ${row.step}`);
    assertClose(s.millerMadowEntropy, row.mm, SPEC, 1e-12, `Ĥ_MM at Δ = ${row.step}`);
    assertClose(s.millerMadowEntropy, py.collision[i].millerMadow, PY, 1e-12, `Ĥ_MM numpy at Δ = ${row.step}`);
    const lvl = r.representationRate.collision[i];
    assert.equal(lvl.step, row.step);
    assertClose(v(lvl.pluginEntropy), row.h, SPEC, 1e-12);
    assert.equal(lvl.pluginEntropy.flags.includes('saturated'), s.saturated);
  });
  assert.ok(collisionStatistics(Z, 1).saturated, 'Ĥ_plugin = log₂ 12 is saturated');
  assertClose(fanoBound(0.25, 12), 1.67614, SPEC, 1e-12, 'Fano P_e = 0.25, m_X = 12');
});

test('§5.3 N ≤ d: rank 2, NaN full entropy flagged, subspace value, no UMVU', () => {
  const z3 = fromRows(Z_ROWS.slice(0, 3));
  const eig = symmetricEigenvalues(covariance(z3), 3);
  assertAllClose(eig.slice(0, 2), [7.37463, 0.598544], SPEC, 'top eigenvalues');
  assert.ok(Math.abs(eig[2]) < 1e-12, 'third eigenvalue ≈ 0');
  const r = computeInformation({ embeddings: z3 }, { collisionSteps: [1] });
  const g = r.entropy.gaussian;
  assert.equal(g.rank, 2);
  assert.equal(r.preprocessing.rank, 2);
  assert.equal(g.plugin.value, null);
  assert.ok(g.plugin.flags.includes('rank_deficient') && g.plugin.flags.includes('n_le_d'));
  assert.match(g.plugin.explanation!, /rank/);
  assertClose(v(g.subspace), 5.16524, SPEC, 1e-12, 'ĥ_2');
  assertClose(v(g.subspace), pyAll['5.3'].nLeD.hSubspace, PY, 1e-12, 'ĥ_2 numpy');
  assert.equal(g.umvu.value, null);
  assert.ok(g.umvu.flags.includes('n_le_d'));
  assert.ok(r.problems.some(p => p.code === 'rank-deficient'));
  assert.equal(r.entropy.kozachenkoLeonenko.value, null, 'KL needs N > k');
  assertFiniteNumbers(r);
  // With a perturbed copy, the capacity figures are refused with their flags too.
  const rp = computeInformation({ embeddings: z3, perturbed: fromRows(ZT_ROWS.slice(0, 3)), scalars: { distortion: 1 } }, { collisionSteps: [1] });
  const p = rp.capacity.perturbed!;
  for (const f of [p.cca, p.snr, p.lmmseGaussian, p.waterFilling]) {
    assert.equal(f.value, null, f.estimator);
    assert.ok(f.flags.includes('n_le_d') || f.flags.includes('rank_deficient'), `${f.estimator}: ${f.flags}`);
    assert.ok(f.explanation);
  }
  assert.equal(rp.verdict.status, 'inconclusive');
  assertFiniteNumbers(rp);
});

test('§5.3 duplicate row: k-NN estimators deduplicate (n_dup = 1), E2 counts it', () => {
  const z = fromRows([...Z_ROWS, Z_ROWS[0]]);
  const zt = fromRows([...ZT_ROWS, ZT_ROWS[0]]);
  assert.ok(Number.isNaN(kozachenkoLeonenkoBits(z, 1)), 'raw KL (k = 1) is undefined: nearest-neighbour distance 0');
  const r = computeInformation({ embeddings: z, perturbed: zt }, { collisionSteps: [0, 0.5, 1, 2, 4] });
  assert.equal(r.preprocessing.duplicateRows, 1);
  assert.equal(r.preprocessing.duplicatePairs, 1);
  const kl = r.entropy.kozachenkoLeonenko;
  assert.ok(kl.flags.includes('duplicates_removed'));
  assert.equal(kl.details!.duplicatesRemoved, 1);
  assert.equal(kl.rows, 12);
  assertClose(v(kl), 8.08299, SPEC, 1e-12, 'KL after dedup');
  assertClose(v(kl), pyAll['5.3'].duplicate.hKL3_dedup, PY, 1e-12);
  const ksg = r.capacity.perturbed!.ksg;
  assert.ok(ksg.flags.includes('duplicates_removed'));
  assertClose(v(ksg), 0.909179, SPEC, 1e-12, 'KSG after dedup');
  for (const lvl of r.representationRate.collision) {
    assert.equal(lvl.distinctInputs, 13);
    assert.ok(v(lvl.errorProbability) >= 1 / 13 - 1e-15, `P_e ≥ 1/13 at ${lvl.label}`);
  }
  pyAll['5.3'].duplicate.collision.forEach((c: { errorProbability: number }, i: number) =>
    assertClose(v(r.representationRate.collision[i].errorProbability), c.errorProbability, PY, 1e-12));
});

test('§5.3 NaN: the row is dropped from Z and Z̃, everything runs on N = 11 (numpy on 11 rows)', () => {
  const rows = Z_ROWS.map(r => [...r]);
  rows[5][1] = NaN;
  const z: RowMatrix = fromRows(rows);
  const r = computeInformation({ embeddings: z, perturbed: ZT, scalars: { distortion: 1 } }, { collisionSteps: [1] });
  const e = pyAll['5.3'].nan;
  assert.equal(e.dropped, 1);
  assert.equal(r.rows.droppedNonFinite, 1);
  assert.equal(r.rows.used, 11);
  assert.ok(r.problems.some(p => p.code === 'non-finite-rows'));
  assertClose(v(r.entropy.gaussian.plugin), e.hG, PY, 1e-12, 'ĥ_G');
  assertClose(v(r.entropy.gaussian.umvu), e.hUMVU, PY, 1e-12, 'ĥ_UMVU');
  assertClose(v(r.entropy.kozachenkoLeonenko), e.hKL3, PY, 1e-12, 'ĥ_KL');
  const p = r.capacity.perturbed!;
  assertClose(v(p.cca), e.Icca, PY, 1e-12, 'I_cca');
  assertClose(v(p.snr), e.Isnr, PY, 1e-12, 'I_snr');
  assertClose(v(p.ksg), e.ksg3, PY, 1e-12, 'KSG');
  assertClose(v(p.waterFilling), e.Cwf, PY, 1e-12, 'C_WF');
  assertClose(v(p.lmmseKnn), e.lmmseKL3, PY, 1e-12, 'LMMSE with ĥ_KL');
  assertClose(v(r.rateDistortion.rateGaussian), e.rd1, PY, 1e-12, 'R_G(1)');
  for (const { figure } of listFigures(r)) assert.ok(figure.rows <= 11, `${figure.estimator} uses at most 11 rows`);
  assertFiniteNumbers(r);
  // Strict mode refuses instead.
  assert.throws(() => computeInformation({ embeddings: z }, { strictNonFinite: true }), (err: unknown) => isEmbdiagError(err) && err.code === 'non-finite');
});

test('every figure of a report is well-formed JSON with unit, kind, estimator, provenance and an explanation when null', () => {
  const r = computeInformation({ embeddings: Z, perturbed: ZT, targets: fromRows(Z_ROWS.map(x => [x[0]])), scalars: { distortion: 1, inputSymbols: 8, noiseStd: 0.1, inputPower: 1 } }, { collisionSteps: [1, 2] });
  const figs = listFigures(r);
  assert.ok(figs.length > 25, `found ${figs.length} figures`);
  for (const { path: p, figure: f } of figs) {
    assert.ok(['estimate', 'upper-bound', 'lower-bound', 'exact'].includes(f.kind), p);
    assert.ok(f.unit && f.estimator && f.formula && f.quantity, p);
    assert.ok(['PAPER', '2ND-HAND', 'PROPOSED'].includes(f.provenance.tag) && f.provenance.concept.length > 0, p);
    assert.ok(f.value === null || Number.isFinite(f.value), p);
    if (f.value === null) assert.ok(f.explanation && f.flags.length > 0, `${p}: null needs flags and an explanation`);
  }
  assertFiniteNumbers(r);
  const round = JSON.parse(JSON.stringify(r));
  assert.deepEqual(round.capacity.awgn.value, r.capacity.awgn.value);
  // E7a per symbol with n = 8: ½log₂(1 + 1/0.01), per model use × 8.
  assertClose(r.capacity.awgn.value!, 8 * 3.32911, SPEC, 1e-12, 'E7a per model use');
  assert.equal(r.verdict.mode, 'lossy');
  assert.equal(r.collapse.nc1.flags.includes('binned_targets'), true);
});
