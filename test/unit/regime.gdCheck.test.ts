/**
 * The check itself is checked: seed-averaged full-batch GD of a large-data configuration
 * (Σ̂ = I exactly, spec §3.7) agrees with the large-data closed form within the tolerance the
 * spec's §3.7 table shows, and reproduces numpy's GD (test/fixtures/regime/gd_large_data.json,
 * same mulberry32 seeds) to 1e−6. Also: progress, cancel, divergence, the step-size finding.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isEmbdiagError } from '../../src/core/errors';
import { largeDataLossPerP } from '../../src/core/regime/faceCurves';
import { runGdEnsemble, WeightTiedAutoencoderGd, type GdProblem } from '../../src/core/regime/gradientDescent';
import { mulberry32Normals } from '../../src/core/regime/mulberry32';
import { analyzeRegime } from '../../src/core/regime/regimeReport';
import { assertAllClose, FIXTURES } from './support';

const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'regime', 'gd_large_data.json'), 'utf8'));

interface Case { p: number; H: number; z: number; sigma2: number; eta: number; steps: number; recordEvery: number; seeds: number[]; t: number[]; gdPerSeedPerP: number[][]; gdMeanPerP: number[]; formulaPerP: number[] }

function identity(p: number): Float64Array {
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++) a[i * p + i] = 1;
  return a;
}

/**
 * Spec §3.7 (LD, Σ̂ = I, p = 200, 3 seeds) shows GD vs formula gaps below 0.1% for H < p and up to
 * 2.5% for H = p at late times (t = 1.2; finite-p effects at the MP hard edge). Our seeds are not
 * the spec's; 3-seed means scatter by ~0.1–0.3% and a finite-p bias of ~0.15% remains at p = 200
 * (numpy, 10 seeds), and is larger right after the fast initial drop. Tolerance: 1% for t > 0.
 * At t = 0 the formula drops the O(1/p) term of E L(0) and the seed scatter is largest, so t = 0 is not compared.
 */
const LD_TOLERANCE = 0.01;

for (const c of ref.cases as Case[]) {
  test(`GD check, large data (Σ̂ = I, p = ${c.p}, H = ${c.H}, z = ${c.z}): numpy to 1e−6, closed form within ${LD_TOLERANCE * 100}%`, async () => {
    const problem: GdProblem = { inputDim: c.p, latentWidth: c.H, trainCovariance: identity(c.p) };
    assert.equal(WeightTiedAutoencoderGd.chooseMode(problem), c.H > c.p ? 'input' : 'latent', 'H > p uses the p×p form');
    const fractions: number[] = [];
    const r = await runGdEnsemble(problem, { eta: c.eta, steps: c.steps, recordEvery: c.recordEvery, sigma: Math.sqrt(c.sigma2), seeds: c.seeds },
      { onProgress: g => fractions.push(g.fraction) });
    assert.ok(fractions.length >= 1 && fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1])), 'progress is monotone in [0, 1]');
    assertAllClose(r.t, c.t, 1e-12, 't');
    r.runs.forEach((run, i) => assertAllClose(run.curve.train.map(v => v / c.p), c.gdPerSeedPerP[i], 1e-6, `seed ${c.seeds[i]}`));
    const mean = r.trainMean.map(v => v / c.p);
    assertAllClose(mean, c.gdMeanPerP, 1e-6, 'mean');
    const formula = largeDataLossPerP(c.H / c.p, c.z, c.t);
    assertAllClose(formula, c.formulaPerP, 1e-6, 'formula vs numpy');
    for (let i = 1; i < c.t.length; i++) {
      const gap = Math.abs(mean[i] - formula[i]) / formula[i];
      assert.ok(gap < LD_TOLERANCE, `t = ${c.t[i]}: GD ${mean[i]} vs formula ${formula[i]} (gap ${gap})`);
    }
  });
}

test('the spec §3.7 table points are within tolerance of the formula: (H, z, t) = (100, 1, .3), (100, 1, .6), (50, 4, .3)', () => {
  // Spec values: GD 0.27112 / 0.25475 / 0.38389 vs formula 0.27117 / 0.25477 / 0.38418.
  const f = [largeDataLossPerP(0.5, 1, [0.3, 0.6]), largeDataLossPerP(0.25, 4, [0.3])].flat();
  assertAllClose(f, [0.27117, 0.25477, 0.38418], 2e-5, 'formula at the spec points');
  const gd = [0.27112, 0.25475, 0.38389];
  f.forEach((v, i) => assert.ok(Math.abs(gd[i] - v) / v < LD_TOLERANCE));
});

test('analyzeRegime on Gaussian large-data rows (p = 40, n = 5000): nearest LD, prediction and simulation agree', async () => {
  const p = 40, n = 5000;
  const X = mulberry32Normals(7, n * p);
  const r = await analyzeRegime({ X, n, d: p }, { latentWidth: 20, init: { sigma2: 1 / p }, learningRate: 0.005, steps: 300, seeds: 10, recordPoints: 20 });
  assert.equal(r.placement.nearest, 'LD');
  assert.equal(r.input.trainRows, 4000);
  assert.equal(r.input.heldOutRows, 1000);
  assert.equal(r.input.populationSource, 'held-out');
  const [ld] = r.predictions;
  assert.equal(ld.face, 'LD');
  assert.equal(ld.trustedUntil, 1.5);
  const a = r.agreement[0];
  // Finite size 1/√p = 0.16, ε_LD = 0.1: the gap is a few percent (0.2% per unit of ε would be luck).
  assert.ok(a.maxRelativeGapTrain! < 0.05 && a.maxRelativeGapPop! < 0.05, JSON.stringify(a));
  assert.equal(r.simulation!.runs, 10);
  assert.ok(r.simulation!.trainSd.every(v => v >= 0));
  JSON.parse(JSON.stringify(r));
});

test('cancel: runGdEnsemble and analyzeRegime stop with EmbdiagError("cancelled")', async () => {
  const p = 30;
  const problem: GdProblem = { inputDim: p, latentWidth: 10, trainCovariance: identity(p) };
  let polls = 0;
  await assert.rejects(runGdEnsemble(problem, { eta: 0.01, steps: 100000, recordEvery: 100, sigma: 0.1, seeds: [1, 2] }, { isCancelled: () => ++polls > 3 }),
    (e: unknown) => isEmbdiagError(e) && e.code === 'cancelled');
  const X = mulberry32Normals(3, 200 * p);
  let progressCalls = 0;
  await assert.rejects(analyzeRegime({ X, n: 200, d: p }, { latentWidth: 5, init: { sigma2: 0.02 }, learningRate: 0.01, steps: 20000 },
    { onProgress: () => { progressCalls++; }, isCancelled: () => progressCalls > 5 }),
  (e: unknown) => isEmbdiagError(e) && e.code === 'cancelled');
});

test('step-size finding: a step beyond the Euler bound is flagged and GD diverges; the largest safe step is stable', async () => {
  const p = 30, n = 300;
  const X = mulberry32Normals(11, n * p);
  const base = { latentWidth: 6, init: { sigma2: 1 / p }, steps: 400, seeds: 2, recordPoints: 40, heldOutFraction: 0 } as const;
  const probe = await analyzeRegime({ X, n, d: p }, { ...base, learningRate: 0.001, simulate: false });
  const lmax = probe.input.lambdaMax.value!;
  const bad = await analyzeRegime({ X, n, d: p }, { ...base, learningRate: 1.2 / lmax });
  assert.equal(bad.stepSize.verdict, 'diverges');
  assert.match(bad.stepSize.message, /will diverge/);
  assert.match(bad.stepSize.message, /largest safe step/);
  assert.equal(bad.simulation!.divergedRuns, 2);
  const safe = bad.stepSize.largestSafeStep.value!;
  // Spec §5c (corrected): min(1/(2λ_max), 1/(λ_max(a_max − 1))); here a_max = (1+√(6/30))² ≈ 2.09, so 1/(2λ_max) binds.
  const aMax = (1 / p) * (Math.sqrt(p) + Math.sqrt(6)) ** 2;
  assert.ok(Math.abs(safe - Math.min(1 / (2 * lmax), 1 / (lmax * (aMax - 1)))) < 1e-12);
  assert.ok(Math.abs(safe - 1 / (2 * lmax)) < 1e-12);
  const ok = await analyzeRegime({ X, n, d: p }, { ...base, learningRate: 0.99 * safe });
  assert.notEqual(ok.stepSize.verdict, 'diverges');
  assert.notEqual(ok.stepSize.verdict, 'unstable-early');
  assert.equal(ok.simulation!.divergedRuns, 0);
  // Same finding in PyTorch MSELoss(mean) units: η_torch = p·η/2.
  const torch = await analyzeRegime({ X, n, d: p }, { ...base, learningRate: (1.2 / lmax) * p / 2, learningRateConvention: 'torch-mse-mean', simulate: false });
  assert.equal(torch.stepSize.verdict, 'diverges');
  assert.ok(Math.abs(torch.stepSize.largestSafeStepInput - (safe * p) / 2) < 1e-12);
});
