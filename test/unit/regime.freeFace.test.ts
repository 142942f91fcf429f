/**
 * Free face with infinite data (spec §3.5 [PRE]): the shrinkage law a₀/(1 + 4a₀t) over the MP
 * spectrum of the init reproduces the precursor's vertex forms (1 + 4pσ²t)⁻² and (1 + 4Hσ²t)⁻², and
 * is checked against seed-averaged full-batch GD with Σ̂ = I exactly (numpy:
 * test/fixtures/regime/gd_free_face.json, make_regime_expectations.py) up to its validity horizon.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freeShrinkageLossPerP } from '../../src/core/regime/faceCurves';
import { runGdEnsemble, type GdProblem } from '../../src/core/regime/gradientDescent';
import { mulberry32Normals } from '../../src/core/regime/mulberry32';
import { analyzeRegime } from '../../src/core/regime/regimeReport';
import { assertAllClose, FIXTURES } from './support';

const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'regime', 'gd_free_face.json'), 'utf8'));

interface Case {
  p: number; H: number; sigma2: number; eta: number; steps: number; recordEvery: number; seeds: number[]; t: number[]; horizon: number;
  gdPerSeedPerP: number[][]; gdMeanPerP: number[]; gdSdPerP: number[]; lawPerP: number[];
}

function identity(p: number): Float64Array {
  const a = new Float64Array(p * p);
  for (let i = 0; i < p; i++) a[i * p + i] = 1;
  return a;
}

test('the shrinkage law reproduces the precursor\'s vertex forms: (1 + 4pσ²t)⁻² at A (H ≪ p), (1 + 4Hσ²t)⁻² at B (H ≫ p)', () => {
  const ts = [0, 0.01, 0.05, 0.1, 0.5, 1, 5];
  // The MP spectrum of the init has relative variance min(y, 1/y): the law's ratio is off the vertex form by O(min(y, 1/y))
  // (numpy: 1.28·min(y, 1/y)), so at y = 10⁻⁴ and 10⁴ a tolerance of 3·10⁻⁴ is tight.
  for (const [y, z, rate] of [[1e-4, 20, 20], [1e4, 20 / 1e4, 20]] as const) {
    const law = freeShrinkageLossPerP(y, z, ts);
    const ratio = law.map(v => v / law[0]);
    const vertex = ts.map(t => (1 + 4 * rate * t) ** -2);
    assertAllClose(ratio, vertex, 3e-4, `y = ${y}`);
  }
});

for (const c of ref.cases as Case[]) {
  test(`free face vs GD (Σ̂ = I, p = ${c.p}, H = ${c.H}, σ² max(p,H) = ${(c.sigma2 * Math.max(c.p, c.H)).toPrecision(3)}): numpy to 1e−6, law within 2/ā(t) + 3 s.e.`, async () => {
    const problem: GdProblem = { inputDim: c.p, latentWidth: c.H, trainCovariance: identity(c.p) };
    const r = await runGdEnsemble(problem, { eta: c.eta, steps: c.steps, recordEvery: c.recordEvery, sigma: Math.sqrt(c.sigma2), seeds: c.seeds });
    assertAllClose(r.t, c.t, 1e-12, 't');
    r.runs.forEach((run, i) => assertAllClose(run.curve.train.map(v => v / c.p), c.gdPerSeedPerP[i], 1e-6, `seed ${c.seeds[i]}`));
    const law = freeShrinkageLossPerP(c.H / c.p, c.p * c.sigma2, c.t);
    assertAllClose(law, c.lawPerP, 1e-6, 'law vs numpy');
    // Tolerance: the law drops the identity target, off by ≈ 2/ā(t) to first order in 1/ā (the −2a in (a−1)²
    // and the slower shrinkage it causes), ā(t) = ā₀/(1 + 4ā₀t); plus 3 standard errors of the 3-seed mean.
    const a0 = c.sigma2 * Math.max(c.p, c.H);
    assert.ok(Math.abs(c.horizon - (1 / 10 - 1 / a0) / 4) < 1e-12);
    for (let i = 0; i < c.t.length; i++) {
      if (c.t[i] > c.horizon + 1e-12) break;
      const aBar = a0 / (1 + 4 * a0 * c.t[i]);
      const gd = c.gdMeanPerP[i];
      const tol = 2 / aBar + (3 * c.gdSdPerP[i]) / Math.sqrt(c.seeds.length) / gd;
      const gap = Math.abs(law[i] - gd) / gd;
      assert.ok(gap <= tol, `t = ${c.t[i]}: law ${law[i]} vs GD ${gd} (gap ${gap} > ${tol})`);
    }
    // The law is a real decay, not a constant: by the horizon the loss fell by more than 20×.
    assert.ok(law[law.length - 1] < law[0] / 20);
  });
}

test('analyzeRegime: nearest face free with n ≫ p predicts the shrinkage law with its provenance and horizon; finite data: simulation only', async () => {
  const p = 20, H = 10, n = 5000, sigma2 = 2.5; // ā₀ = σ² max(p, H) = 50, ε_F = 0.02, ε_LD = √(p/4000) = 0.07
  const X = mulberry32Normals(21, n * p);
  const r = await analyzeRegime({ X, n, d: p }, { latentWidth: H, init: { sigma2 }, learningRate: 1e-4, steps: 250, seeds: 4, recordPoints: 25 });
  assert.equal(r.placement.nearest, 'F');
  assert.equal(r.placement.closedFormApplies, true);
  assert.match(r.placement.label, /infinite-data shrinkage law/);
  const f = r.predictions.find(q => q.face === 'F');
  assert.ok(f && f.role === 'nearest');
  assert.match(f.provenance, /\[PRE\]/);
  assert.match(f.provenance, /2602\.04548/);
  assert.equal(f.diagnostic.name, 'init-dominance');
  // Horizon where ā(t) = ā₀/(1 + 4λ̄ā₀t) = 10, on the record grid (t = 0.0025·k).
  const lbar = r.input.traceTrain.value! / p;
  const horizon = (1 / 10 - 1 / 50) / (4 * lbar);
  assert.ok(f.trustedUntil !== null && f.trustedUntil <= horizon && f.trustedUntil > horizon - 0.0025 - 1e-12, `trusted until ${f.trustedUntil}, horizon ${horizon}`);
  const ag = r.agreement.find(a => a.face === 'F')!;
  assert.ok(ag.maxRelativeGapTrain !== null && ag.maxRelativeGapTrain < 0.25, `gap ${ag.maxRelativeGapTrain}`);
  assert.ok(f.train.every(v => v >= 0));

  const few = await analyzeRegime({ X: X.slice(0, 30 * p), n: 30, d: p }, { latentWidth: H, init: { sigma2 }, learningRate: 1e-4, steps: 50, simulate: false });
  assert.equal(few.placement.nearest, 'F');
  assert.equal(few.placement.closedFormApplies, false, 'n = 24 train rows, p = 20: no infinite-data law');
  assert.match(few.placement.label, /no closed form with finite data/);
  assert.equal(few.predictions.length, 0);
});
