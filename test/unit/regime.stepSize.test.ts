/**
 * The step-size bounds of spec §5c (corrected), checked by full-batch GD at 0.9× and 1.1× each:
 * - convergence at the minimum: η·λ_max < ½ (Euler multiplier 1 − 4ηλ);
 * - early, for large init eigenvalues: η·λ_max·(a_max − 1) < 1 (factor (1 − 2ηλ(a−1))² > 1 past it);
 * - between ½ and 1/λ_max GD oscillates, bounded (period 2 just past ½); beyond 1/λ_max it diverges.
 * With Σ̂ = λI exactly, GD maps each eigenvalue of A = WᵀW by a ← a(1 − 2ηλ(a−1))², so the bounds
 * are sharp there with a_max the actual top eigenvalue of W0ᵀW0. Expected values: these closed
 * forms, the scalar map's 2-cycle, and the exact limit ½(tr Σ̂ − Σ_top-H λ) — not our own output.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { WeightTiedAutoencoderGd, type GdProblem } from '../../src/core/regime/gradientDescent';
import { gaussianInitialWeights } from '../../src/core/regime/mulberry32';
import { convergenceStepBound, earlyStepBound, stepSizeFinding } from '../../src/core/regime/stability';
import { symmetricEigen } from '../../src/core/regime/symmetricEigen';

function diagonal(values: readonly number[]): Float64Array {
  const p = values.length, a = new Float64Array(p * p);
  values.forEach((v, i) => { a[i * p + i] = v; });
  return a;
}

/** Eigenvalues of WᵀW (its nonzero ones are those of the H×H matrix WWᵀ), descending. */
function weightEigenvalues(w: Float64Array, H: number, p: number): number[] {
  const c = new Float64Array(H * H);
  for (let a = 0; a < H; a++) for (let b = 0; b < H; b++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += w[a * p + j] * w[b * p + j];
    c[a * H + b] = s;
  }
  return Array.from(symmetricEigen(c, H).values);
}

interface Run { diverged: boolean; train: number[]; eigen: number[] }

function runGd(spectrum: readonly number[], H: number, w0: Float64Array, eta: number, steps: number): Run {
  const p = spectrum.length;
  const problem: GdProblem = { inputDim: p, latentWidth: H, trainCovariance: diagonal(spectrum) };
  const gd = new WeightTiedAutoencoderGd(problem, w0, eta, steps, 1, 'latent');
  while (!gd.done) gd.advance(1000);
  return { diverged: gd.diverged, train: gd.curve.train, eigen: gd.diverged ? [] : weightEigenvalues(gd.weights(), H, p) };
}

/** Exact long-time train loss for H < p: ½(tr Σ̂ − sum of the top-H eigenvalues); 0 for H ≥ p. */
function limit(spectrum: readonly number[], H: number): number {
  const s = [...spectrum].sort((a, b) => b - a);
  return 0.5 * s.slice(Math.min(H, s.length)).reduce((acc, v) => acc + v, 0);
}

/** The stable 2-cycle {a₁, a₂} of the scalar map a ← a(1 − 2k(a−1))² for ½ < k (found by iterating the map). */
function twoCycle(k: number): [number, number] {
  let a = 1.01;
  for (let i = 0; i < 200000; i++) a = a * (1 - 2 * k * (a - 1)) ** 2;
  const b = a * (1 - 2 * k * (a - 1)) ** 2;
  return [Math.min(a, b), Math.max(a, b)];
}

const cases = [
  { name: 'early bound binds (p = 40, H = 10, σ² = 0.2, Σ̂ = 1.5·I)', spectrum: Array(40).fill(1.5), H: 10, sigma2: 0.2, seed: 3 },
  { name: 'early bound binds, H > p (p = 10, H = 40, σ² = 0.1, Σ̂ = I)', spectrum: Array(10).fill(1), H: 40, sigma2: 0.1, seed: 4 },
  { name: 'convergence bound binds (p = 30, H = 6, σ² = 0.01, Σ̂ = 2·I)', spectrum: Array(30).fill(2), H: 6, sigma2: 0.01, seed: 5 },
] as const;

for (const c of cases) {
  test(`step-size bounds by GD, ${c.name}: converges at 0.9×, not at 1.1× of the binding bound`, () => {
    const p = c.spectrum.length, lambda = c.spectrum[0];
    const w0 = gaussianInitialWeights(c.H, p, Math.sqrt(c.sigma2), c.seed);
    const aMax = weightEigenvalues(w0, c.H, p)[0];
    const early = earlyStepBound(lambda, aMax);
    const conv = convergenceStepBound(lambda);
    assert.equal(conv, 1 / (2 * lambda));
    const binding = Math.min(conv, early ?? Infinity);
    const isEarly = early !== null && early < conv;
    assert.equal(isEarly, c.sigma2 * (Math.sqrt(p) + Math.sqrt(c.H)) ** 2 > 3, 'the case is the one its name says');

    const lim = limit(c.spectrum, c.H);
    const below = runGd(c.spectrum, c.H, w0, 0.9 * binding, 4000);
    assert.equal(below.diverged, false);
    const last = below.train[below.train.length - 1];
    assert.ok(Math.abs(last - lim) <= 1e-8 * Math.max(1, lim), `0.9×: converges to the limit ${lim} (got ${last})`);
    for (const a of below.eigen.slice(0, Math.min(c.H, p))) assert.ok(Math.abs(a - 1) < 1e-6, `0.9×: eigenvalue ${a} → 1`);

    const above = runGd(c.spectrum, c.H, w0, 1.1 * binding, 4000);
    if (isEarly) {
      assert.equal(above.diverged, true, '1.1× the early bound: the top init eigenvalue grows without bound');
    } else {
      // k = ηλ = 0.55: every nonzero eigenvalue ends on the scalar map's 2-cycle; the loss stays above the limit, bounded.
      assert.equal(above.diverged, false, '1.1× the convergence bound: bounded, no divergence');
      const [a1, a2] = twoCycle(0.55);
      assert.ok(a1 < 1 && a2 > 1 && a2 - a1 > 0.1, `2-cycle ${a1}, ${a2}`);
      for (const a of above.eigen.slice(0, Math.min(c.H, p))) {
        assert.ok(Math.min(Math.abs(a - a1), Math.abs(a - a2)) < 1e-6, `eigenvalue ${a} on the 2-cycle {${a1}, ${a2}}`);
      }
      const tail = above.train.slice(-100);
      const floor = lim + 0.5 * lambda * Math.min(c.H, p) * Math.min((a1 - 1) ** 2, (a2 - 1) ** 2);
      for (const v of tail) assert.ok(v >= floor - 1e-9 && v <= lim + 0.5 * lambda * Math.min(c.H, p) * Math.max((a1 - 1) ** 2, (a2 - 1) ** 2) + 1e-9);
      for (let i = 2; i < tail.length; i++) assert.ok(Math.abs(tail[i] - tail[i - 2]) < 1e-9, 'period 2');
    }
  });
}

test('step-size bounds by GD: 0.9× and 1.1× of 1/λ_max (bounded irregular oscillation below, divergence above)', () => {
  const spectrum = Array(30).fill(2), H = 6, p = 30, lambda = 2;
  const w0 = gaussianInitialWeights(H, p, 0.1, 5);
  const inside = runGd(spectrum, H, w0, 0.9 / lambda, 4000);
  assert.equal(inside.diverged, false);
  // k = 0.9: the interval [0, 1 + 1/k] is invariant, so every eigenvalue stays below 1 + 1/0.9.
  for (const a of inside.eigen) assert.ok(a >= 0 && a <= 1 + 1 / 0.9 + 1e-9);
  assert.ok(inside.train.slice(-50).every(v => v > limit(spectrum, H)), 'not converged');
  const outside = runGd(spectrum, H, w0, 1.1 / lambda, 4000);
  assert.equal(outside.diverged, true);
});

test('anisotropic Σ̂ (ℓ_k ∝ 1/k, p = 20, H = 4): the convergence bound 1/(2λ_max) holds at 0.9× and fails at 1.1×', () => {
  const p = 20, H = 4;
  const raw = Array.from({ length: p }, (_, k) => 1 / (k + 1));
  const spectrum = raw.map(v => (v * p) / raw.reduce((s, x) => s + x, 0));
  const w0 = gaussianInitialWeights(H, p, Math.sqrt(0.2 / p), 9);
  const conv = convergenceStepBound(spectrum[0]);
  const below = runGd(spectrum, H, w0, 0.9 * conv, 6000);
  assert.ok(Math.abs(below.train[below.train.length - 1] - limit(spectrum, H)) < 1e-8, 'converges to ½(tr Σ̂ − top-H)');
  const above = runGd(spectrum, H, w0, 1.1 * conv, 6000);
  assert.equal(above.diverged, false, 'bounded');
  const tail = above.train.slice(-100);
  assert.ok(Math.min(...tail) > limit(spectrum, H) + 1e-3, 'stays above the limit: the top direction oscillates');
});

test('stepSizeFinding: bounds, verdicts and wording follow spec §5c', () => {
  // a_max(0) = σ²(√p+√H)² = 0.2·(√40+√10)² = 18: the early bound 1/(λ·17) binds.
  const f = stepSizeFinding(0.01, 1.5, 0.2, 40, 10);
  const aMax = 0.2 * (Math.sqrt(40) + Math.sqrt(10)) ** 2;
  assert.ok(Math.abs(f.initialAMax - aMax) < 1e-12);
  assert.ok(Math.abs(f.earlyLimit! - 1 / (1.5 * (aMax - 1))) < 1e-15);
  assert.equal(f.convergenceLimit, 1 / 3);
  assert.equal(f.largestSafeStep, f.earlyLimit);
  assert.equal(stepSizeFinding(1.1 * f.earlyLimit!, 1.5, 0.2, 40, 10).verdict, 'unstable-early');
  assert.notEqual(stepSizeFinding(0.9 * f.earlyLimit!, 1.5, 0.2, 40, 10).verdict, 'unstable-early');
  // The old rule ηλ_max·a_max < ½ was about twice too cautious for a_max ≫ 1.
  assert.ok(f.earlyLimit! > 1.8 * (1 / (2 * 1.5 * aMax)));
  // a_max(0) < 1: only the convergence bound; between it and 1/λ_max GD oscillates, bounded.
  const g = stepSizeFinding(0.3, 2, 0.01, 30, 6);
  assert.equal(g.earlyLimit, null);
  assert.equal(g.largestSafeStep, 0.25);
  assert.equal(g.verdict, 'oscillates');
  assert.match(g.message, /bounded period-2 oscillation above the limit/);
  assert.match(g.message, /does not diverge/);
  assert.equal(stepSizeFinding(0.55, 2, 0.01, 30, 6).verdict, 'diverges');
  assert.match(stepSizeFinding(0.55, 2, 0.01, 30, 6).message, /will diverge/);
  assert.equal(stepSizeFinding(0.2, 2, 0.01, 30, 6).verdict, 'lags-flow');
  assert.equal(stepSizeFinding(0.001, 2, 0.01, 30, 6).verdict, 'ok');
});
