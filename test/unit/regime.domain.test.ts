/**
 * A predicted loss is a squared error: every emitted value is finite, ≥ 0 and at most
 * LOSS_CEILING_FACTOR·E L(0), over random configurations (fast-check), with E L(0) the exact
 * expected initial loss ½ tr C·[σ⁴H(H+p+1) − 2Hσ² + 1] (closed form, checked here against a
 * Monte Carlo mean). The loss plot draws every path inside its box.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { expectedInitialLoss, LOSS_CEILING_FACTOR } from '../../src/core/regime/facePredictions';
import { gaussianInitialWeights, mulberry32Normals } from '../../src/core/regime/mulberry32';
import { analyzeRegime, type RegimeReport } from '../../src/core/regime/regimeReport';
import { assembleCurves, layoutLossPlot, type LossLayout } from '../../webview/regimeCurves';

/** Rows x = g·diag(√ℓ)·scale with ℓ_k ∝ k^−α (α = 0 isotropic), g standard normal from mulberry32(seed). */
function anisotropicRows(n: number, p: number, alpha: number, scale: number, seed: number): Float64Array {
  const g = mulberry32Normals(seed, n * p);
  const ell = Array.from({ length: p }, (_, k) => (k + 1) ** -alpha);
  const norm = p / ell.reduce((s, v) => s + v, 0);
  return g.map((v, i) => v * Math.sqrt(ell[i % p] * norm) * scale);
}

/** Every number of every `M x y`/`L x y` command of an SVG path. */
function pathPoints(d: string): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const m of d.matchAll(/[ML]\s*(-?[\d.e+-]+)\s+(-?[\d.e+-]+)/g)) out.push({ x: Number(m[1]), y: Number(m[2]) });
  return out;
}

function assertInsideBox(l: LossLayout, what: string): void {
  const { box } = l;
  const ok = (q: { x: number; y: number }) => q.x >= box.left - 0.01 && q.x <= box.right + 0.01 && q.y >= box.top - 0.01 && q.y <= box.bottom + 0.01;
  for (const p of l.predicted) {
    for (const d of [p.path.trusted, p.path.beyond]) for (const q of pathPoints(d)) assert.ok(ok(q), `${what}: predicted ${p.face} ${p.quantity} point ${JSON.stringify(q)} outside ${JSON.stringify(box)}`);
  }
  for (const s of l.simulated) {
    for (const q of [...pathPoints(s.linePath), ...pathPoints(s.bandPath), ...s.markers]) assert.ok(ok(q), `${what}: simulated ${s.quantity} point ${JSON.stringify(q)} outside the box`);
  }
  for (const lim of l.limits) assert.ok(lim.y >= box.top - 0.01 && lim.y <= box.bottom + 0.01, `${what}: limit outside`);
}

function assertPredictionsInDomain(r: RegimeReport, what: string): void {
  const p = r.input.inputDim, H = r.autoencoder.latentWidth, s2 = r.autoencoder.sigma2.value!;
  const ceilTrain = LOSS_CEILING_FACTOR * expectedInitialLoss(r.input.traceTrain.value!, s2, H, p);
  const ceilPop = r.input.tracePop.value === null ? Infinity : LOSS_CEILING_FACTOR * expectedInitialLoss(r.input.tracePop.value, s2, H, p);
  for (const pr of r.predictions) {
    assert.equal(pr.t.length, pr.train.length);
    for (const v of pr.train) assert.ok(Number.isFinite(v) && v >= 0 && v <= ceilTrain, `${what}: ${pr.face} train ${v} (ceiling ${ceilTrain})`);
    for (const v of pr.pop ?? []) assert.ok(Number.isFinite(v) && v >= 0 && v <= ceilPop, `${what}: ${pr.face} pop ${v} (ceiling ${ceilPop})`);
    if (pr.endedAt !== null) assert.ok(pr.t.length === 0 || pr.endedAt > pr.t[pr.t.length - 1]);
    if (pr.trustedUntil !== null) assert.ok(pr.t.length > 0 && pr.trustedUntil <= pr.t[pr.t.length - 1] + 1e-12);
  }
}

test('E L(0) closed form = Monte Carlo mean of ½ tr(C (WᵀW − I)²) over Gaussian W0 (p = 6, H = 3, σ² = 0.3)', () => {
  const p = 6, H = 3, s2 = 0.3, runs = 20000;
  const C = [2, 1, 0.5, 0.5, 0.25, 0.1]; // diagonal covariance: the formula only sees tr C
  let sum = 0, sumSq = 0;
  for (let r = 0; r < runs; r++) {
    const w = gaussianInitialWeights(H, p, Math.sqrt(s2), 1000 + r);
    let loss = 0;
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) {
        let bij = i === j ? -1 : 0;
        for (let a = 0; a < H; a++) bij += w[a * p + i] * w[a * p + j];
        loss += 0.5 * C[i] * bij * bij; // ½ Σ_ij C_i B_ij² = ½ tr(C B²) for diagonal C
      }
    }
    sum += loss;
    sumSq += loss * loss;
  }
  const mean = sum / runs, se = Math.sqrt((sumSq / runs - mean * mean) / runs);
  const exact = expectedInitialLoss(C.reduce((s, v) => s + v, 0), s2, H, p);
  assert.ok(Math.abs(mean - exact) < 4 * se, `Monte Carlo ${mean} ± ${se} vs closed form ${exact}`);
});

test('the emb.npy-like case: anisotropic data with H·λ_max > tr Σ̂ near the narrow-latent face never predicts a negative loss', async () => {
  // ℓ_k ∝ k^−1.5 in p = 32: λ_max ≈ 0.41·tr Σ̂, so H = 8 rows on the top eigenvector would remove more than tr Σ̂/2.
  const p = 32, n = 1600;
  const X = anisotropicRows(n, p, 1.5, 1, 5);
  const r = await analyzeRegime({ X, n, d: p }, { latentWidth: 8, init: { sigma2: 1 / (3 * p) }, learningRate: 0.05, steps: 200, simulate: false });
  const nl = r.predictions.find(q => q.face === 'NL');
  assert.ok(nl, JSON.stringify(r.placement.label));
  assert.ok(8 * r.input.lambdaMax.value! > r.input.traceTrain.value!, 'the configuration is the failing one');
  assert.notEqual(nl.endedAt, null, 'the NL curve ends where it would go negative');
  assertPredictionsInDomain(r, 'emb-like');
  assertInsideBox(layoutLossPlot(assembleCurves(r), { width: 640, height: 320 }), 'emb-like');
});

test('property: every emitted predicted loss is finite, ≥ 0 and ≤ 2·E L(0); the plot stays inside its box', async () => {
  const config = fc.record({
    p: fc.integer({ min: 3, max: 20 }),
    H: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 4, max: 400 }),
    log10Sigma2: fc.double({ min: -3, max: 1, noNaN: true }),
    alpha: fc.double({ min: 0, max: 2.5, noNaN: true }),
    log10Scale: fc.double({ min: -1, max: 1, noNaN: true }),
    log10StepFraction: fc.double({ min: -2.5, max: 0.3, noNaN: true }),
    steps: fc.integer({ min: 1, max: 120 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  });
  await fc.assert(fc.asyncProperty(config, async c => {
    const X = anisotropicRows(c.n, c.p, c.alpha, 10 ** c.log10Scale, c.seed);
    const sigma2 = 10 ** c.log10Sigma2;
    // A step around the stability bound: λ_max ≲ scale²·p·ℓ₁-ish; the fraction spans well below to beyond it.
    const aMax = sigma2 * (Math.sqrt(c.p) + Math.sqrt(c.H)) ** 2;
    const eta = 10 ** c.log10StepFraction / (2 * 10 ** (2 * c.log10Scale) * c.p * Math.max(1, aMax));
    const r = await analyzeRegime({ X, n: c.n, d: c.p }, {
      latentWidth: c.H, init: { sigma2 }, learningRate: eta, steps: c.steps, seeds: 2, recordPoints: 30,
    });
    const what = JSON.stringify(c);
    assertPredictionsInDomain(r, what);
    for (const width of [360, 720]) assertInsideBox(layoutLossPlot(assembleCurves(r), { width, height: 320 }), what);
  }), { numRuns: 60, seed: 20260605 });
});
