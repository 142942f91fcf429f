/**
 * Inputs of the regime analysis (init schemes → σ², learning-rate conventions, validation),
 * the placement labels off the worked example (interior, free, mean-field, small-data), the
 * report's shape (JSON, provenance on every figure) and the preprocessing (centering, rescaling, split).
 * Expected values are the spec's closed forms (§1.1, §5, §5a) or the PyTorch init formulas.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isEmbdiagError } from '../../src/core/errors';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { sampleRowIndices } from '../../src/core/stats/rowSampler';
import {
  gradientFlowStep, resolveAutoencoderConfig, schemeVariance, type AutoencoderConfig,
} from '../../src/core/regime/autoencoderConfig';
import { logistic } from '../../src/core/regime/faceCurves';
import { gaussianInitialWeights, mulberry32Normals } from '../../src/core/regime/mulberry32';
import { placeInPrism } from '../../src/core/regime/prismPlacement';
import { analyzeRegime, type Figure } from '../../src/core/regime/regimeReport';
import { assertAllClose, assertClose } from './support';

const badArgument = (e: unknown) => isEmbdiagError(e) && e.code === 'bad-argument';

test('init schemes map to σ² (W is H×p: fan_in = p, fan_out = H)', () => {
  const p = 768, H = 64;
  assertClose(schemeVariance('torch-linear-default', p, H).sigma2, 1 / (3 * p), 1e-15, 1e-300, 'nn.Linear U(±1/√p)');
  assertClose(schemeVariance('xavier-normal', p, H).sigma2, 2 / (p + H), 1e-15, 1e-300, 'Xavier normal');
  assertClose(schemeVariance('xavier-uniform', p, H).sigma2, 2 / (p + H), 1e-15, 1e-300, 'Xavier uniform');
  assertClose(schemeVariance('kaiming-normal', p, H).sigma2, 2 / p, 1e-15, 1e-300, 'Kaiming normal');
  const r = resolveAutoencoderConfig({ latentWidth: H, init: { scheme: 'xavier-normal' }, learningRate: 0.1, steps: 10 }, p);
  assert.match(r.initMapping, /2\/\(p\+H\)/);
  assertClose(resolveAutoencoderConfig({ latentWidth: H, init: { sigma: 0.1 }, learningRate: 0.1, steps: 10 }, p).sigma2, 0.01, 1e-15);
});

test('learning-rate conventions: η = 2η_torch/p for MSELoss(reduction="mean") (spec §5)', () => {
  assert.equal(gradientFlowStep(0.5, 'gradient-flow', 100), 0.5);
  assertClose(gradientFlowStep(0.5, 'torch-mse-mean', 100), 0.01, 1e-15);
  const r = resolveAutoencoderConfig({ latentWidth: 4, init: { sigma2: 0.01 }, learningRate: 0.5, learningRateConvention: 'torch-mse-mean', steps: 100 }, 100);
  assertClose(r.eta, 0.01, 1e-15);
  assertClose(r.tMax, 1, 1e-12);
  assert.match(r.learningRateMapping, /MSELoss/);
});

test('validation: clear bad-argument errors', () => {
  const ok: AutoencoderConfig = { latentWidth: 4, init: { sigma2: 0.01 }, learningRate: 0.1, steps: 10 };
  const cases: [Partial<AutoencoderConfig> & Record<string, unknown>, RegExp][] = [
    [{ latentWidth: 0 }, /Latent width/],
    [{ latentWidth: 2.5 }, /Latent width/],
    [{ init: { sigma: -1 } }, /init.sigma/],
    [{ init: { sigma2: Number.NaN } }, /init.sigma2/],
    [{ init: { sigma: 1, sigma2: 1 } as never }, /exactly one/],
    [{ init: { scheme: 'he-uniform' } as never }, /Unknown init scheme/],
    [{ learningRate: 0 }, /Learning rate/],
    [{ learningRateConvention: 'keras' as never }, /convention/],
    [{ steps: 0 }, /Steps/],
  ];
  for (const [patch, message] of cases) {
    assert.throws(() => resolveAutoencoderConfig({ ...ok, ...patch } as AutoencoderConfig, 10), (e: unknown) => badArgument(e) && message.test((e as Error).message), JSON.stringify(patch));
  }
});

test('analyzeRegime rejects bad data and options with bad-argument', async () => {
  const cfg = { latentWidth: 2, init: { sigma2: 0.1 }, learningRate: 0.01, steps: 5, simulate: false };
  const X = mulberry32Normals(1, 40);
  await assert.rejects(analyzeRegime({ X, n: 10, d: 5 }, cfg), badArgument, 'length');
  const withNan = X.slice();
  withNan[7] = Number.NaN;
  await assert.rejects(analyzeRegime({ X: withNan, n: 10, d: 4 }, cfg), (e: unknown) => badArgument(e) && /row 1/.test((e as Error).message));
  await assert.rejects(analyzeRegime({ X, n: 10, d: 4 }, { ...cfg, heldOutFraction: 1 }), badArgument);
  await assert.rejects(analyzeRegime({ X, n: 10, d: 4 }, { ...cfg, seeds: 0, simulate: true }), badArgument);
  await assert.rejects(analyzeRegime({ X, n: 10, d: 4, populationCovariance: new Float64Array(3) }, cfg), badArgument);
  await assert.rejects(analyzeRegime({ X, n: 10, d: 4 }, { ...cfg, initialWeights: [new Float64Array(3)], simulate: true }), badArgument);
});

test('placement labels: interior, free, mean-field; two small ε → near the shared edge', () => {
  // Spec §3.7: p = H = n = 100, z = 1 — every ε = 1: the prism interior.
  const interior = placeInPrism({ inputDim: 100, latentWidth: 100, trainRows: 100, sigma2: 0.01 });
  assert.equal(interior.interior, true);
  assert.equal(interior.closedFormApplies, false);
  assert.match(interior.label, /^prism interior .*no closed form applies, simulation only$/);
  const free = placeInPrism({ inputDim: 100, latentWidth: 100, trainRows: 100, sigma2: 1 });
  assert.equal(free.nearest, 'F');
  assert.equal(free.closedFormApplies, false);
  assert.equal(free.label, 'free (y = 1, gamma = 1); the free face has no closed form with finite data: simulation only');
  const mf = placeInPrism({ inputDim: 100, latentWidth: 3000, trainRows: 400, sigma2: 0.5 / 3000 });
  assert.equal(mf.label, 'mean-field (c = 0.5, gamma = 0.25); near the large-data edge');
  assertAllClose([mf.y, mf.z, mf.c, mf.gamma], [30, 100 * 0.5 / 3000, 0.5, 0.25], 1e-12, 'y, z, c, γ');
  assertAllClose([mf.coordinates.latent, mf.coordinates.data, mf.coordinates.init], [Math.log(30), Math.log(0.25), Math.log(0.5)], 1e-12, 'coordinates');
  // ε_LD = √(100/200) = 0.707 is not below 0.7: not near the large-data edge.
  assert.equal(placeInPrism({ inputDim: 100, latentWidth: 3000, trainRows: 200, sigma2: 0.5 / 3000 }).nearEdge, null);
});

test('W0 of a seed is σ times the first H·p mulberry32 normals', () => {
  const w = gaussianInitialWeights(3, 4, 0.5, 42);
  assertAllClose(w, mulberry32Normals(42, 12).map(v => v * 0.5), 0, 'W0');
});

/** Walks the report: every object with `kind` and `provenance` is a Figure; all must carry a non-empty provenance. */
function figures(node: unknown, out: Figure[] = []): Figure[] {
  if (Array.isArray(node)) node.forEach(v => figures(v, out));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if ('kind' in o && 'provenance' in o && 'value' in o) out.push(o as unknown as Figure);
    Object.values(o).forEach(v => figures(v, out));
  }
  return out;
}

test('mean-field configuration: closed form on the empirical spectrum, report is JSON with provenance everywhere', async () => {
  const p = 20, n = 50, H = 400, c = 0.5;
  const X = mulberry32Normals(5, n * p);
  const r = await analyzeRegime({ X, n, d: p }, { latentWidth: H, init: { sigma2: c / H }, learningRate: 0.01, steps: 100, seeds: 2, recordPoints: 10 });
  assert.equal(r.placement.nearest, 'MF');
  assert.equal(r.input.trainRows, 40);
  const [mf] = r.predictions;
  assert.equal(mf.face, 'MF');
  assert.equal(mf.kind, 'closed-form');
  // Train curve ½ Σ_k λ_k (a(t; c, λ_k) − 1)², λ from the project's eigenvalue-only solver on Σ̂ rebuilt here:
  // centered by the mean of all rows, the 10 held-out rows drawn by sampleRowIndices(n, 10, splitSeed = 0).
  assert.equal(r.input.heldOutRows, 10);
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += X[i * p + j] / n;
  const held = new Set(Array.from(sampleRowIndices(n, 10, 0)));
  const S = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    if (held.has(i)) continue;
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) S[a * p + b] += ((X[i * p + a] - mean[a]) * (X[i * p + b] - mean[b])) / (n - 10);
  }
  const lam = Array.from(symmetricEigenvalues(S, p));
  const expected = mf.t.map(t => 0.5 * lam.reduce((acc, l) => acc + l * (logistic(c, l, t) - 1) ** 2, 0));
  assertAllClose(mf.train, expected, 1e-9, 'MF train on the empirical spectrum');
  assertClose(mf.train[0], 0.5 * (c - 1) ** 2 * r.input.traceTrain.value!, 1e-12, 1, 'L(0) = ½(c−1)² tr Σ̂');
  assert.ok(r.agreement[0].maxRelativeGapTrain! < 0.5, 'spec §3.7: MF errors ~10–25% at H/p = 4–30');
  const json = JSON.parse(JSON.stringify(r));
  assert.deepEqual(json.predictions[0].train, mf.train);
  assert.deepEqual(json.simulation.trainMean, r.simulation!.trainMean);
  const figs = figures(json);
  assert.ok(figs.length >= 15);
  for (const f of figs) assert.ok(typeof f.provenance === 'string' && f.provenance.length > 0 && typeof f.kind === 'string');
  assert.match(json.provenanceNote, /could not be read/);
  for (const pr of json.predictions) assert.match(pr.provenance, /§3\.\d \[DER\]/);
});

test('small-data configuration: atom ODE prediction with the Gram-spread diagnostic; data-form GD', async () => {
  const p = 100, n = 6, H = 50;
  const X = mulberry32Normals(8, n * p);
  const r = await analyzeRegime({ X, n, d: p }, {
    latentWidth: H, init: { sigma2: 1 / p }, learningRate: 0.002, steps: 100, seeds: 2, recordPoints: 10, heldOutFraction: 0,
  });
  assert.equal(r.placement.nearest, 'SD');
  const [sd] = r.predictions;
  assert.equal(sd.face, 'SD');
  assert.equal(sd.kind, 'ode');
  assert.equal(sd.pop, null, 'no held-out rows, no population covariance');
  assert.equal(sd.diagnostic.name, 'gram-spread');
  assert.ok(sd.diagnostic.value! > 0);
  // L_train(0) = tr Σ̂·½[(k₀−1)² + k₁] with k₀ = Hσ², k₁ = Hσ²·pσ² (atoms at MP quantiles of mean z).
  const s2 = 1 / p, k0 = H * s2, k1 = H * s2 * p * s2;
  assertClose(sd.train[0], r.input.traceTrain.value! * 0.5 * ((k0 - 1) ** 2 + k1), 1e-3, 1, 'L_train(0)');
  assert.equal(r.simulation!.runs, 2);
  assert.equal(r.limits.applies, true);
  assert.equal(r.limits.train.value, 0, 'rank(Σ̂) ≤ n < H: the train loss can reach 0');
  assert.equal(r.limits.pop.value, null);
});

test('preprocessing: centering reports the mean norm, rescaling gives tr Σ̂/p = 1, the split is seeded', async () => {
  const p = 8, n = 400;
  const X = mulberry32Normals(4, n * p).map((v, i) => 3 * v + (i % p === 0 ? 5 : 0));
  const cfg = { latentWidth: 2, init: { sigma2: 0.05 }, learningRate: 0.01, steps: 10, simulate: false, rescale: true, splitSeed: 7 };
  const a = await analyzeRegime({ X, n, d: p }, cfg);
  const b = await analyzeRegime({ X, n, d: p }, cfg);
  let m0 = 0;
  for (let i = 0; i < n; i++) m0 += X[i * p] / n;
  assertClose(a.input.meanNorm.value!, Math.abs(m0), 0.2, 1, 'mean norm ≈ 5 (the offset of column 0)');
  assert.ok(Math.abs(a.input.meanNorm.value! - 5) < 0.6);
  assertClose(a.input.traceTrain.value!, p, 1e-12, 1, 'tr Σ̂ = p after rescaling');
  assert.ok(Math.abs(a.input.scaleFactor.value! - 1 / 3) < 0.05, `scale ≈ 1/3: ${a.input.scaleFactor.value}`);
  assert.equal(a.input.trainRows, 320);
  assert.equal(a.input.heldOutRows, 80);
  assert.deepEqual(a.input, b.input);
  const c = await analyzeRegime({ X, n, d: p }, { ...cfg, splitSeed: 8 });
  assert.notEqual(c.input.tracePop.value, a.input.tracePop.value, 'another split seed, another held-out set');
});

test('prism interior (p = H = n, z = 1): no closed form, the simulation alone', async () => {
  const p = 30, n = 38, H = 30;
  const X = mulberry32Normals(12, n * p);
  const r = await analyzeRegime({ X, n, d: p }, { latentWidth: H, init: { sigma2: 1 / p }, learningRate: 0.005, steps: 40, seeds: 2, recordPoints: 4 });
  assert.equal(r.input.trainRows, 30);
  assert.equal(r.placement.interior, true);
  assert.deepEqual(r.predictions, []);
  assert.deepEqual(r.agreement, []);
  assert.ok(r.findings.some(f => /no closed form applies; the simulation alone/.test(f)));
  assert.equal(r.simulation!.t.length, 5);
  assert.equal(r.limits.applies, false, 'H = p: the long-time formula is for H < p');
});
