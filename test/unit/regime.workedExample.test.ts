/**
 * Spec §6 worked example (p = 50, H = 5, n = 200, σ² = 0.02, η = 0.01, mulberry32(12345) fixture):
 * placement numbers, GD from the fixed W0 to 1e−6, face formula curves to 1e−4, long-time limits.
 * Expected values: the spec's printed numbers and test/fixtures/regime/worked_example.json
 * (make_regime_expectations.py, numpy, independent of this code).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mulberry32Normals } from '../../src/core/regime/mulberry32';
import { WeightTiedAutoencoderGd } from '../../src/core/regime/gradientDescent';
import { narrowLatentPrediction } from '../../src/core/regime/facePredictions';
import { placeInPrism } from '../../src/core/regime/prismPlacement';
import { symmetricEigen } from '../../src/core/regime/symmetricEigen';
import { analyzeRegime, type RegimeReport } from '../../src/core/regime/regimeReport';
import { assertAllClose, assertClose, FIXTURES } from './support';

const ex = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'regime', 'worked_example.json'), 'utf8'));
const { p, H, n, sigma2, eta, steps } = ex as { p: number; H: number; n: number; sigma2: number; eta: number; steps: number };

const z = mulberry32Normals(12345, n * p + H * p);
const X = z.slice(0, n * p);
const W0 = z.slice(n * p).map(v => v * Math.sqrt(sigma2));
const ell: number[] = ex.powerLawDiag;
const Xpl = X.map((v, i) => v * Math.sqrt(ell[i % p]));
const identity = new Float64Array(p * p).map((_, i) => (i % (p + 1) === 0 ? 1 : 0));
const diagPl = new Float64Array(p * p).map((_, i) => (i % (p + 1) === 0 ? ell[i / (p + 1)] : 0));

function covariance(x: Float64Array): Float64Array {
  const s = new Float64Array(p * p);
  for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] += (x[r * p + i] * x[r * p + j]) / n;
  return s;
}

test('fixture: the generated data match numpy (normals, sums)', () => {
  assertAllClose(z.subarray(0, 10), ex.firstNormals, 1e-12, 'first normals');
  assertAllClose(z.subarray(z.length - 4), ex.lastNormals, 1e-12, 'last normals');
  assertClose(X.reduce((s, v) => s + v, 0), ex.Xsum, 1e-9, 1, 'sum of X');
  assertClose(W0.reduce((s, v) => s + v, 0), ex.W0sum, 1e-9, 1, 'sum of W0');
});

test('fixture: GD from the fixed W0 matches numpy to 1e−6 (isotropic and power law, train and population)', () => {
  for (const [name, x, sigma] of [['isotropic', X, identity], ['powerLaw', Xpl, diagPl]] as const) {
    const gd = new WeightTiedAutoencoderGd({ inputDim: p, latentWidth: H, trainCovariance: covariance(x), populationCovariance: sigma }, W0, eta, steps, 10);
    while (!gd.done) gd.advance(100);
    assert.equal(gd.diverged, false);
    assertAllClose(gd.curve.t, ex[name].t, 1e-12, `${name} t`);
    assertAllClose(gd.curve.train, ex[name].gdTrain, 1e-6, `${name} GD train`);
    assertAllClose(gd.curve.pop!, ex[name].gdPop, 1e-6, `${name} GD pop`);
  }
});

test('fixture: GD train at t = 0..5 matches the spec\'s printed values', () => {
  const gd = new WeightTiedAutoencoderGd({ inputDim: p, latentWidth: H, trainCovariance: covariance(X) }, W0, eta, steps, 100);
  while (!gd.done) gd.advance(500);
  assertAllClose(gd.curve.train, [22.60328554, 21.17645567, 20.58557645, 20.37164372, 20.28472283, 20.24191587], 1e-6, 'spec §6 GD train');
});

test('the three ways to compute a GD step (H×H, p×p, data form) give the same curve', () => {
  // 20 rows of the fixture (n < p), with the isotropic population loss.
  const m = 20, x = X.slice(0, m * p);
  const s = new Float64Array(p * p);
  for (let r = 0; r < m; r++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] += (x[r * p + i] * x[r * p + j]) / m;
  const problem = { inputDim: p, latentWidth: H, trainCovariance: s, trainRows: { X: x, n: m }, populationCovariance: identity };
  const curves = (['latent', 'input', 'data'] as const).map(mode => {
    const gd = new WeightTiedAutoencoderGd(problem, W0, eta, 200, 50, mode);
    assert.equal(gd.mode, mode);
    gd.advance(1000);
    return gd.curve;
  });
  for (const c of curves.slice(1)) {
    assertAllClose(c.train, curves[0].train, 1e-10, 'train');
    assertAllClose(c.pop!, curves[0].pop!, 1e-10, 'pop');
  }
});

test('placement of the fixture: spec §6 numbers, numpy, and the label', () => {
  for (const [name, x] of [['isotropic', X], ['powerLaw', Xpl]] as const) {
    const s = covariance(x);
    let tr = 0, tr2 = 0;
    for (let i = 0; i < p; i++) tr += s[i * p + i];
    for (const v of s) tr2 += v * v;
    const pl = placeInPrism({ inputDim: p, latentWidth: H, trainRows: n, sigma2, traceS: tr, traceS2: tr2 });
    const e = ex[name].placement;
    for (const f of ['LD', 'SD', 'MF', 'NL', 'F'] as const) assertClose(pl.distances[f], e[f], 1e-12, 1e-12, `ε ${f}`);
    assertClose(pl.anisotropy!, e.aniso, 1e-9, 1e-12, 'ε_aniso');
    assertAllClose([pl.coordinates.latent, pl.coordinates.data, pl.coordinates.init], e.coordinates, 1e-12, 'coordinates');
    // Spec §6: ε LD 0.50, SD 6.32, MF 3.16, NL 0.316 (nearest), F 1.0; NL parameters z = 1, γ = 0.25.
    assertAllClose([pl.distances.LD, pl.distances.SD, pl.distances.MF, pl.distances.NL, pl.distances.F], [0.5, 6.32, 3.16, 0.316, 1.0], 2e-3, 'spec ε');
    assert.equal(pl.nearest, 'NL');
    assert.equal(pl.nearEdge, 'LD');
    assert.deepEqual(pl.parameters.NL.map(q => q.name), ['z', 'gamma']);
    assertAllClose(pl.parameters.NL.map(q => q.value), [1, 0.25], 1e-12, 'NL parameters');
    assert.equal(pl.label, 'narrow-latent (z = 1, gamma = 0.25); near the large-data edge');
    // ε_aniso: isotropic 0.06, power law 1.68 (spec, 2 decimals).
    assert.ok(Math.abs(pl.anisotropy! - (name === 'isotropic' ? 0.06 : 1.68)) < 0.005, `${name} ε_aniso ${pl.anisotropy}`);
  }
});

async function fixtureReport(x: Float64Array, sigma: Float64Array): Promise<RegimeReport> {
  return analyzeRegime({ X: x, n, d: p, populationCovariance: sigma }, {
    latentWidth: H, init: { sigma2 }, learningRate: eta, steps, recordPoints: 50,
    center: false, rescale: false, heldOutFraction: 0, initialWeights: [W0],
  });
}

/** |a − b| ≤ tol for printed values rounded to a fixed number of decimals. */
function assertAbs(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: expected ${expected[i]}, got ${actual[i]}`);
  }
}

/** Last t of a grid from which H/d_eff ≤ 0.25 has held since t = 0 (the spec's §5b trust rule), from numpy's d_eff. */
function expectedHorizon(t: number[], dEff: number[]): number | null {
  let last: number | null = null;
  for (let i = 0; i < t.length; i++) { if (H / dEff[i] > 0.25) break; last = t[i]; }
  return last;
}

test('analyzeRegime on the isotropic fixture: NL and LD curves to 1e−4, d_eff, limits, GD, agreement', async () => {
  const e = ex.isotropic;
  const r = await fixtureReport(X, identity);
  assert.equal(r.placement.label, 'narrow-latent (z = 1, gamma = 0.25); near the large-data edge');
  assertClose(r.input.traceTrain.value!, e.trS, 1e-10, 1, 'tr Σ̂');
  assertAbs([r.input.traceTrain.value!], [50.12416], 5e-6, 'tr Σ̂ (spec)');
  assertAllClose([r.input.lambdaMax.value!, r.input.lambdaMin.value!], [e.lambdaMax, e.lambdaMin], 1e-9, 'λ range');
  assertAbs([r.input.lambdaMax.value!, r.input.lambdaMin.value!], [2.2523, 0.2643], 5e-5, 'λ range (spec)');

  const [nl, ld] = r.predictions;
  assert.equal(nl.face, 'NL');
  assert.equal(nl.role, 'nearest');
  assert.equal(ld.face, 'LD');
  assert.equal(ld.role, 'second');
  assertAllClose(nl.t, e.t, 1e-12, 't grid');
  assertAllClose(nl.train, e.nlTrain, 1e-4, 'NL train');
  assertAllClose(nl.pop!, e.nlPop, 1e-4, 'NL pop');
  assertAllClose(nl.diagnostic.values!, e.nlDeff, 1e-4, 'NL d_eff');
  assertAllClose(ld.train, e.ldTrain, 1e-4, 'LD train');
  assertAllClose(ld.pop!, e.ldPop, 1e-4, 'LD pop');
  // The spec's table: NL train 22.5559 21.8527 21.1526 20.2460 19.8389 19.5470 at t = 0, .5, 1, 2, 3, 5; d_eff 50 37.5 19.0 5.6 2.7 1.4.
  const at = [0, 5, 10, 20, 30, 50];
  assertAbs(at.map(i => nl.train[i]), [22.5559, 21.8527, 21.1526, 20.246, 19.8389, 19.547], 5e-5, 'spec NL train');
  assertAbs(at.map(i => nl.diagnostic.values![i]), [50, 37.5, 19.0, 5.6, 2.7, 1.4], 0.051, 'spec d_eff (printed to 1 decimal; 5.5495 is printed 5.6)');
  assertAbs([ld.pop![0], ld.pop![5], ld.pop![10]], [22.75, 22.506, 22.5], 5e-4, 'spec LD pop 22.75 → 22.506 → 22.5');
  assert.equal(nl.trustedUntil, expectedHorizon(e.t, e.nlDeff));
  assert.ok(nl.trustedUntil! > 0.5 && nl.trustedUntil! < 1, `NL horizon ${nl.trustedUntil}`);
  assert.equal(ld.trustedUntil, e.t[e.t.length - 1], 'isotropic: LD trusted (ε_aniso small)');

  assertClose(r.limits.train.value!, e.limits.train, 1e-9, 1, 'L_train(∞)');
  assertClose(r.limits.pop.value!, e.limits.pop, 1e-9, 1, 'L_pop(∞)');
  assertAbs([r.limits.train.value!, r.limits.pop.value!], [20.16669, 22.5], 5e-6, 'spec limits');

  const sim = r.simulation!;
  assertAllClose(sim.trainMean, e.gdTrain, 1e-6, 'simulation train');
  assertAllClose(sim.popMean!, e.gdPop, 1e-6, 'simulation pop');

  // Agreement = max relative gap over t ≤ horizon, recomputed from the numpy curves.
  let gap = 0;
  for (let i = 0; i < e.t.length && e.t[i] <= nl.trustedUntil! + 1e-12; i++) gap = Math.max(gap, Math.abs(e.nlTrain[i] - e.gdTrain[i]) / e.gdTrain[i]);
  const ag = r.agreement.find(a => a.face === 'NL')!;
  assertClose(ag.maxRelativeGapTrain!, gap, 1e-3, 1e-12, 'agreement (train)');
  assert.ok(gap < 0.01, 'spec: the train curve agrees within about 1% while d_eff ≫ H');
  // §5c (corrected): converges (η·λ_max < ½, and η·λ_max·(a_max − 1) < 1 early), but above the 0.1%-accuracy
  // rule 0.02/(λ_max·max(1, σ²(√p+√H)²)). a_max = 0.02·(√50+√5)² ≈ 1.73, so 1/(2λ_max) binds.
  const aMax = sigma2 * (Math.sqrt(p) + Math.sqrt(H)) ** 2;
  assertClose(r.stepSize.largestSafeStep.value!, Math.min(1 / (2 * e.lambdaMax), 1 / (e.lambdaMax * (aMax - 1))), 1e-9, 1, 'largest safe step');
  assertClose(r.stepSize.accurateStep.value!, 0.02 / (e.lambdaMax * Math.max(1, aMax)), 1e-9, 1, 'accurate step');
  assert.equal(r.stepSize.verdict, 'lags-flow');
  assert.deepEqual(JSON.parse(JSON.stringify(r)).placement.label, r.placement.label);
});

test('analyzeRegime on the power-law fixture: limits, GD, and the NL failure flagged by d_eff', async () => {
  const e = ex.powerLaw;
  const r = await fixtureReport(Xpl, diagPl);
  assertAbs([r.input.traceTrain.value!], [48.94728], 5e-6, 'tr Σ̂ (spec)');
  assertAbs([r.input.lambdaMax.value!, r.input.lambdaMin.value!], [10.5687, 0.1004], 5e-5, 'λ range (spec)');
  assertAllClose([r.limits.train.value!, r.limits.pop.value!], [e.limits.train, e.limits.pop], 1e-9, 'limits (numpy)');
  assertAbs([r.limits.train.value!, r.limits.pop.value!], [11.70417, 12.71349], 5e-6, 'limits (spec)');
  assertAllClose(r.simulation!.trainMean, e.gdTrain, 1e-6, 'GD train');
  assertAllClose(r.simulation!.popMean!, e.gdPop, 1e-6, 'GD pop');
  const [nl, ld] = r.predictions;
  // The bare NL formula on the empirical spectrum (before the domain check).
  const S = covariance(Xpl);
  const eig = symmetricEigen(S, p);
  const sPop = Array.from({ length: p }, (_, k) => eig.vectors.subarray(k * p, k * p + p).reduce((acc, v, i) => acc + v * v * ell[i], 0));
  const raw = narrowLatentPrediction({ inputDim: p, latentWidth: H, trainRows: n, sigma2, lambda: eig.values, sPop, traceS: e.trS, tracePop: p, anisotropy: 0 }, e.t);
  assertAllClose(raw.train, e.nlTrain, 1e-4, 'NL train');
  assertAllClose(raw.pop!, e.nlPop, 1e-4, 'NL pop');
  // Spec: at t = 0.5 the NL formula predicts train −1.77 and pop −2.03, d_eff 1.02.
  assertAbs([raw.train[5], raw.pop![5], raw.diagnostic.values![5]], [-1.77, -2.03, 1.02], 0.005, 'spec NL failure at t = 0.5');
  // The cause: all H rows collapse onto the top eigenvector, so the formula tends to
  // ½ tr Σ̂ − H·λ_max/2 (spec tr Σ̂ = 48.94728, λ_max = 10.5687: −1.9478) instead of L_train(∞).
  assertAbs([raw.train[raw.train.length - 1]], [e.trS / 2 - (H * e.lambdaMax) / 2], 1e-3, 'NL formula floor ½ tr Σ̂ − Hλ_max/2');
  assertAbs([e.trS / 2 - (H * e.lambdaMax) / 2], [48.94728 / 2 - (5 * 10.5687) / 2], 1e-4, 'floor from the spec numbers');
  // The emitted prediction ends at the first grid point where a predicted loss is negative (numpy curve).
  const firstBad = e.t.findIndex((_: number, i: number) => e.nlTrain[i] < 0 || e.nlPop[i] < 0);
  assert.equal(nl.endedAt, e.t[firstBad]);
  assert.equal(nl.t.length, firstBad);
  assertAllClose(nl.train, e.nlTrain.slice(0, firstBad), 1e-4, 'NL train, emitted part');
  assertAllClose(nl.pop!, e.nlPop.slice(0, firstBad), 1e-4, 'NL pop, emitted part');
  assert.ok(nl.train.every(v => v >= 0) && nl.pop!.every(v => v >= 0));
  assert.ok(nl.notes.some(s => s.includes('½ tr Σ̂ − H·λ_max/2')), 'the note names the cause');
  assert.ok(r.findings.some(f => f.includes('narrow-latent formula leaves its domain')));
  assert.equal(nl.trustedUntil, expectedHorizon(e.t, e.nlDeff));
  assert.ok(nl.trustedUntil! < 0.5);
  assert.equal(ld.trustedUntil, null, 'anisotropic data: the large-data formula is not trusted');
  assert.ok(r.findings.some(f => f.includes('large-data prediction is not trusted')));
});
