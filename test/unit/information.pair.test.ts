/**
 * The larger fixture pair (2,000 × 16 float32 Z and Z̃, targets, predictions, uint8 inputs,
 * labels) written by test/fixtures/information/make_information_expectations.py, analysed end to
 * end through the files: once through the sidecar manifest, once through the keys of an .npz
 * container, once with flags overriding both. Every number is checked against the numpy/scipy
 * values of pair_expectations.json.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeInformationFile } from '../../src/core/information/analyzeInformation';
import { listFigures, summarizeInformation, type InformationReport } from '../../src/core/information/informationReport';
import { assertAllClose, assertClose, FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'information');
const E = JSON.parse(fs.readFileSync(path.join(DIR, 'pair_expectations.json'), 'utf8'));
const OPTIONS = { collisionSteps: E.collisionSteps as number[], k: E.k as number, projectionDim: E.projectionDim as number };
const REL = 1e-8;
/** KL/KSG on a PCA projection: eigenvectors from different solvers agree to ~1e-12; allow for it. */
const REL_PROJECTED = 1e-7;

const v = (f: { value: number | null }) => {
  assert.notEqual(f.value, null);
  return f.value!;
};

let viaManifest: InformationReport;

test('pair through the sidecar manifest: inputs resolved from pair_z.embeddings.json', async () => {
  viaManifest = await analyzeInformationFile(path.join(DIR, 'pair_z.npy'), {}, OPTIONS);
  const r = viaManifest;
  assert.equal(r.inputs.manifest, path.join(DIR, 'pair_z.embeddings.json'));
  for (const role of ['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const) {
    assert.equal(r.inputs.companions[role]?.source, 'manifest', role);
    assert.equal(r.inputs.present[role], true, role);
  }
  assert.equal(r.inputs.companions.labels?.column, true, '1-D labels read as a column');
  assert.deepEqual(r.inputs.scalars.inputSymbols, { value: 64, source: 'manifest' });
  assert.deepEqual(r.inputs.scalars.bitsPerCoordinate, { value: 32, source: 'dtype' });
  assert.deepEqual(r.inputs.scalars.inputStep, { value: 1, source: 'dtype' });
  assert.equal(r.rows.total, E.N);
  assert.equal(r.rows.used, E.N);
  assert.equal(r.rows.sampled, false);
  assert.equal(r.problems.filter(p => p.severity === 'error').length, 0, JSON.stringify(r.problems));
});

test('pair: E1, E2 against numpy', () => {
  const r = viaManifest;
  assert.equal(v(r.representationRate.nominal.perModelUse), E.nominalPerModelUse);
  assertClose(v(r.representationRate.nominal.perInputSymbol), E.nominalPerInputSymbol, REL);
  E.collision.forEach((c: { step: number; distinctInputs: number; distinctCodes: number; errorProbability: number; plugin: number; millerMadow: number; fano: number; saturated: boolean }, i: number) => {
    const lvl = r.representationRate.collision[i];
    assert.equal(lvl.step, c.step);
    assert.equal(lvl.distinctInputs, c.distinctInputs, `m_X at ${c.step}`);
    assert.equal(lvl.distinctCodes, c.distinctCodes, `m_Δ at ${c.step}`);
    assertClose(v(lvl.errorProbability), c.errorProbability, REL, 1e-12, `P_e at ${c.step}`);
    assertClose(v(lvl.pluginEntropy), c.plugin, REL, 1e-12, `Ĥ at ${c.step}`);
    assertClose(v(lvl.millerMadowEntropy), c.millerMadow, REL, 1e-12, `Ĥ_MM at ${c.step}`);
    assertClose(v(lvl.fanoBound), c.fano, REL, 1e-12, `Fano at ${c.step}`);
    assert.equal(lvl.pluginEntropy.flags.includes('saturated'), c.saturated);
  });
});

test('pair: E3, E4, E6 against numpy', () => {
  const r = viaManifest;
  assert.equal(r.preprocessing.rank, E.rank);
  assertClose(v(r.entropy.gaussian.plugin), E.hG, REL);
  assertClose(v(r.entropy.gaussian.pluginMl), E.hML, REL);
  assertClose(v(r.entropy.gaussian.umvu), E.hUMVU, REL);
  const kl = r.entropy.kozachenkoLeonenko;
  assert.equal(r.entropy.projectionDim, E.projectionDim);
  assert.ok(kl.flags.includes('projected'));
  assert.equal(kl.details!.projectedDim, E.projectionDim);
  assertClose(v(kl), E.hKL_projected, REL_PROJECTED);
  const s = r.sourceEntropy!;
  assert.equal(s.inputSymbols, E.n);
  assertClose(v(s.gaussianDifferential), E.sourceGaussianPerSymbol, REL);
  assertClose(v(s.gaussianQuantized), E.sourceQuantizedPerSymbol, REL);
  const c = v(s.compressor);
  assert.ok(c > 0 && c <= 8.1, `deflate bits per uint8 symbol ${c}`);
  assert.equal(s.compressor.kind, 'upper-bound');
  // E1 against E6: the best discrete bound is the smaller one; the margin is R_nom − n·H_upper/n.
  assert.equal(v(s.best), Math.min(E.sourceQuantizedPerSymbol, c) === c ? c : v(s.gaussianQuantized));
  assertClose(v(s.rateMargin!), E.nominalPerModelUse - v(s.best) * E.n, REL);
  assert.ok(v(s.rateMargin!) >= E.nominalPerModelUse - E.sourceQuantizedPerSymbol * E.n - 1e-9);
  assert.equal(s.rateMargin!.kind, 'lower-bound');
});

test('pair: E7a–E7f against numpy', () => {
  const r = viaManifest;
  const a = r.capacity.awgn;
  assertClose(a.details!.P as number, E.inputPower, REL);
  assertClose(v(a), E.awgnPerModelUse, REL);
  assertClose(a.normalized!.find(n => n.unit === 'bits per input symbol')!.value!, E.awgnPerSymbol, REL);
  assert.equal(a.kind, 'estimate', 'P estimated from X');
  const p = r.capacity.perturbed!;
  assertClose(v(p.snr), E.Isnr, REL);
  assertAllClose(p.generalizedEigenvalues!, E.lambdas, REL, 'generalized eigenvalues');
  assertClose(v(p.cca), E.Icca, REL);
  assertAllClose(p.canonicalCorrelations!, E.rho, REL, 'canonical correlations');
  assertClose(v(p.lmmseGaussian), E.lmmseG, REL);
  assertClose(p.lmmseGaussian.details!.detK as number, E.detK, 1e-6);
  assertClose(v(p.lmmseKnn), E.lmmseKL, REL_PROJECTED);
  assertClose(v(p.ksg), E.ksg, REL_PROJECTED);
  assert.ok(p.ksg.flags.includes('projected'));
  assertClose(v(p.waterFilling), E.Cwf, REL);
  assertClose(p.waterFilling.details!.waterLevel as number, E.nu, REL);
  // Per input symbol, n = 64.
  assertClose(p.cca.normalized!.find(n => n.unit === 'bits per input symbol')!.value!, E.Icca / E.n, REL);
});

test('pair: E8, E9, E10 against numpy', () => {
  const r = viaManifest;
  const rd = r.rateDistortion;
  assert.equal(rd.source, 'targets');
  assert.equal(rd.distortion.source, 'manifest');
  assertAllClose(rd.eigenvalues, E.eigSy, REL, 'eig S_Y');
  assertClose(v(rd.rateGaussian), E.rdAtD, REL);
  assertClose(v(rd.shannonLowerBound), E.slbAtD, REL);
  const op = rd.operatingPoint!;
  assertClose(v(op.mse), E.dModel, REL);
  assertClose(v(op.rateGaussian), E.rdAtModel, REL);
  assertClose(v(op.shannonLowerBound), E.slbAtModel, REL);
  assertClose(v(op.determinantBound), E.detBoundAtModel, REL);
  assert.ok(v(op.determinantBound) >= v(op.shannonLowerBound) - 1e-12, 'identity 5');
  const vd = r.verdict;
  assert.equal(vd.mode, 'lossy');
  assertClose(v(vd.margin), E.margin, REL);
  assert.equal(vd.certified, E.certified);
  assert.equal(vd.status, E.certified ? 'achievable' : 'inconclusive');
  assert.match(vd.reason, /lower bound on the capacity/);
  assert.equal(vd.capacity!.estimator, 'E7c jointly-Gaussian (CCA) MI');
  assertClose(v(r.collapse.effectiveRank), E.effectiveRank, REL);
  assertClose(v(r.collapse.participationRatio), E.participationRatio, REL);
  assertClose(v(r.collapse.nc1), E.nc1, 1e-7);
  assert.equal(r.collapse.nc1.details!.classes, E.classes);
  assert.ok(!r.collapse.nc1.flags.includes('binned_targets'));
  const lines = summarizeInformation(r);
  assert.ok(lines.some(l => l.startsWith('Representation rate (E1): 512 bits per model use, 8 bits per input symbol')), lines.join('\n'));
  assert.ok(lines.some(l => l.startsWith(`Verdict (E9): ${vd.status}`)));
});

test('pair through the container keys of pair_bundle.npz gives the same figures', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'pair_bundle.npz'), { inputSymbols: 64, noiseStd: 10, distortion: 2 }, OPTIONS);
  assert.equal(r.inputs.embeddings?.array, 'embeddings');
  assert.equal(r.inputs.embeddings?.source, 'container');
  for (const role of ['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const) assert.equal(r.inputs.companions[role]?.source, 'container', role);
  assert.equal(r.inputs.scalars.distortion?.source, 'flag');
  const a = new Map(listFigures(viaManifest).map(f => [f.path, f.figure.value]));
  for (const { path: p, figure } of listFigures(r)) {
    if (p.includes('compressor') || p === 'sourceEntropy.best') continue; // deflate of a different byte stream: same data, same bytes
    assert.equal(figure.value, a.get(p), p);
  }
});

test('flags override container keys and the manifest; sampling beyond maxRows is seeded and stated', async () => {
  const r = await analyzeInformationFile(path.join(DIR, 'pair_z.npy'), { targets: path.join(DIR, 'pair_predictions.npy'), distortion: 1, manifest: false }, { ...OPTIONS, maxRows: 500, seed: 7 });
  assert.equal(r.inputs.manifest, null);
  assert.equal(r.inputs.companions.targets?.source, 'flag');
  assert.equal(r.inputs.present.perturbed, false);
  assert.equal(r.capacity.perturbed, null);
  assert.match(r.capacity.perturbedMissing!, /perturbed/);
  assert.equal(r.rows.sampled, true);
  assert.equal(r.rows.used, 500);
  assert.ok(r.notes.some(n => /seeded uniform sample of 500 of 2000 rows/.test(n)));
  const again = await analyzeInformationFile(path.join(DIR, 'pair_z.npy'), { targets: path.join(DIR, 'pair_predictions.npy'), distortion: 1, manifest: false }, { ...OPTIONS, maxRows: 500, seed: 7 });
  assert.equal(again.entropy.gaussian.plugin.value, r.entropy.gaussian.plugin.value, 'same seed, same rows');
  assert.equal(r.verdict.status, 'inconclusive');
  assert.match(r.verdict.reason, /capacity/i);
});
