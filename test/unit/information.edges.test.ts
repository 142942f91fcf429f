/**
 * Failure modes of the spec's §4.3 beyond the §5.3 fixtures (singular noise covariance, dead
 * columns, subsampling and projection for k-NN), the verdict logic of E9, and the linear algebra
 * and special functions the estimators stand on.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRng } from '../../src/core/stats/rowSampler';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { cholesky, choleskyLogDet } from '../../src/core/linalg/cholesky';
import { jacobiEigen, topEigenvectors } from '../../src/core/linalg/symmetricEigenvectors';
import { generalizedSymmetricEigenvalues } from '../../src/core/linalg/generalizedEigenvalues';
import { digamma, lnGamma, lnUnitBallVolume } from '../../src/core/information/special';
import { computeInformation } from '../../src/core/information/informationReport';
import { figure, proposed, type Figure } from '../../src/core/information/figure';
import { unifiedVerdict } from '../../src/core/information/verdict';
import { nc1, quantileBins } from '../../src/core/information/collapse';
import type { RowMatrix } from '../../src/core/information/dense';
import { assertAllClose, assertClose } from './support';

function normalMatrix(rows: number, cols: number, seed: number, scales?: number[]): RowMatrix {
  const rng = createRng(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const g = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    data[i] = g * (scales ? scales[i % cols] : 1);
  }
  return { rows, cols, data };
}

test('singular noise covariance: E7b/E7f refuse with a flag and give a floored value; CCA refuses (infinite MI)', () => {
  const z = normalMatrix(200, 3, 1, [2, 1, 0.5]);
  const noise = normalMatrix(200, 3, 2, [0.3, 0.3, 0]); // column 2 unperturbed
  const zt: RowMatrix = { rows: 200, cols: 3, data: z.data.map((v, i) => v + noise.data[i]) };
  const r = computeInformation({ embeddings: z, embeddingsDtype: 'float32', perturbed: zt }, { collisionSteps: [0] });
  const p = r.capacity.perturbed!;
  assert.equal(p.snr.value, null);
  assert.ok(p.snr.flags.includes('singular_noise_covariance'));
  assert.match(p.snr.explanation!, /Singular noise covariance/);
  assert.equal(p.waterFilling.value, null);
  assert.ok(p.snrFloored && p.snrFloored.value !== null && p.snrFloored.value > 10, 'floored value is large');
  assert.ok(p.snrFloored!.flags.includes('noise_floor_added'));
  assert.ok((p.snrFloored!.details!.delta as number) > 0);
  assert.equal(p.cca.value, null);
  assert.ok(p.cca.flags.includes('rank_deficient'));
  // KSG still runs (it does not need S_E).
  assert.notEqual(p.ksg.value, null);
});

test('dead columns are removed for entropy and MI, reported, and do not change the live-column values', () => {
  const live = normalMatrix(300, 3, 3, [1.5, 1, 0.7]);
  const withDead: RowMatrix = { rows: 300, cols: 4, data: new Float64Array(1200) };
  for (let r = 0; r < 300; r++) {
    withDead.data.set(live.data.subarray(3 * r, 3 * r + 3), 4 * r);
    withDead.data[4 * r + 3] = 0.25; // constant: a dead ReLU unit
  }
  const a = computeInformation({ embeddings: live }, { collisionSteps: [0] });
  const b = computeInformation({ embeddings: withDead }, { collisionSteps: [0] });
  assert.equal(b.preprocessing.deadColumns, 1);
  assert.deepEqual(b.preprocessing.deadColumnIndices, [3]);
  assert.ok(b.entropy.gaussian.plugin.flags.includes('dead_columns_removed'));
  assertClose(b.entropy.gaussian.plugin.value!, a.entropy.gaussian.plugin.value!, 1e-12);
  assertClose(b.entropy.kozachenkoLeonenko.value!, a.entropy.kozachenkoLeonenko.value!, 1e-12);
  // The nominal rate still counts every stored coordinate.
  assert.equal(b.representationRate.nominal.perModelUse.value, 4 * 64);
});

test('k-NN above 10 dimensions: projection to d′ = 10 and a seeded subsample beyond the cap, both stated', () => {
  const scales = Array.from({ length: 14 }, (_, i) => 0.85 ** i);
  const z = normalMatrix(700, 14, 4, scales);
  const zt: RowMatrix = { rows: 700, cols: 14, data: z.data.map((v, i) => v + 0.2 * Math.sin(i)) };
  const r1 = computeInformation({ embeddings: z, perturbed: zt }, { collisionSteps: [0], knnMaxRows: 300, seed: 5 });
  const r2 = computeInformation({ embeddings: z, perturbed: zt }, { collisionSteps: [0], knnMaxRows: 300, seed: 5 });
  const kl = r1.entropy.kozachenkoLeonenko;
  assert.ok(kl.flags.includes('projected') && kl.flags.includes('subsampled'));
  assert.equal(kl.rows, 300);
  assert.equal(kl.details!.projectedDim, 10);
  assert.equal(r1.entropy.projectionDim, 10);
  assert.match(kl.explanation!, /300 of 700 rows/);
  assert.equal(kl.value, r2.entropy.kozachenkoLeonenko.value, 'seeded');
  const ksg = r1.capacity.perturbed!.ksg;
  assert.ok(ksg.flags.includes('projected') && ksg.flags.includes('subsampled'));
  assert.equal(ksg.rows, 300);
  assert.ok(r1.notes.some(n => /PCA projection/.test(n)));
});

test('computeInformation refuses row-mismatched arrays (the file path excludes them before)', () => {
  const z = normalMatrix(20, 2, 6);
  assert.throws(() => computeInformation({ embeddings: z, targets: normalMatrix(19, 1, 7) }), RangeError);
});

const prov = proposed('test', 'test');
const fig = (value: number | null, kind: Figure['kind'], estimator: string, flags: Figure['flags'] = []): Figure =>
  figure({ value, unit: 'bits per model use', kind, quantity: 'q', estimator, formula: 'f', rows: 10, provenance: prov, flags, explanation: value === null ? 'missing' : undefined });

test('E9 verdict: certified only when a lower bound on C exceeds an upper bound on R(D)', () => {
  const ok = unifiedVerdict({ mode: 'lossy', capacity: fig(5, 'lower-bound', 'C'), requirement: fig(3, 'upper-bound', 'R'), inputSymbols: 4, rows: 10 });
  assert.equal(ok.status, 'achievable');
  assert.equal(ok.certified, true);
  assert.equal(ok.margin.value, 2);
  assert.equal(ok.margin.kind, 'lower-bound');
  assert.equal(ok.margin.normalized!.find(n => n.unit === 'bits per input symbol')!.value, 0.5);
  const overlap = unifiedVerdict({ mode: 'lossy', capacity: fig(2, 'lower-bound', 'C'), requirement: fig(3, 'upper-bound', 'R'), requirementLower: fig(1, 'lower-bound', 'SLB'), generousCapacity: fig(4, 'lower-bound', 'WF'), inputSymbols: null, rows: 10 });
  assert.equal(overlap.status, 'inconclusive');
  assert.equal(overlap.certified, false);
  assert.ok(overlap.margin.flags.includes('not_certified'));
  const below = unifiedVerdict({ mode: 'lossy', capacity: fig(2, 'lower-bound', 'C'), requirement: fig(9, 'upper-bound', 'R'), requirementLower: fig(8, 'lower-bound', 'SLB'), generousCapacity: fig(4, 'lower-bound', 'WF'), inputSymbols: null, rows: 10 });
  assert.equal(below.status, 'not achievable');
  assert.equal(below.certified, false);
  assert.match(below.reason, /not certified/);
  const estimateOnly = unifiedVerdict({ mode: 'lossy', capacity: fig(5, 'estimate', 'KSG'), requirement: fig(3, 'upper-bound', 'R'), inputSymbols: null, rows: 10 });
  assert.equal(estimateOnly.status, 'inconclusive');
  assert.match(estimateOnly.reason, /not a lower bound/);
  const missing = unifiedVerdict({ mode: 'lossy', capacity: fig(null, 'lower-bound', 'C', ['rank_deficient']), requirement: fig(3, 'upper-bound', 'R'), inputSymbols: null, rows: 10 });
  assert.equal(missing.status, 'inconclusive');
  assert.equal(missing.margin.value, null);
  assert.ok(missing.margin.explanation);
});

test('NC1: two well-separated tight classes collapse (small NC1); quantile bins are balanced', () => {
  const rng = createRng(9);
  const rows = 200;
  const data = new Float64Array(rows * 3);
  const labels: number[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % 2;
    labels.push(c);
    for (let j = 0; j < 3; j++) data[i * 3 + j] = (c ? 5 : -5) * (j === 0 ? 1 : 0) + 0.01 * (rng() - 0.5);
  }
  const r = nc1({ rows, cols: 3, data }, labels);
  assert.equal(r.classes, 2);
  assert.ok(r.value < 1e-4, `NC1 ${r.value}`);
  const bins = quantileBins(Array.from({ length: 100 }, (_, i) => Math.sin(i)), 10);
  const counts = new Map<number, number>();
  bins.forEach(b => counts.set(b, (counts.get(b) ?? 0) + 1));
  assert.equal(counts.size, 10);
  for (const c of counts.values()) assert.equal(c, 10);
});

test('linear algebra: Cholesky log-det, Jacobi eigenpairs, subspace iteration, generalized eigenvalues', () => {
  const n = 150;
  const m = normalMatrix(n + 20, n, 11, Array.from({ length: n }, (_, i) => 1 + 3 * 0.9 ** i));
  const a = new Float64Array(n * n);
  for (let r = 0; r < m.rows; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += m.data[r * n + i] * m.data[r * n + j] / m.rows;
  const eig = symmetricEigenvalues(a, n);
  const l = cholesky(a, n)!;
  assertClose(choleskyLogDet(l, n), eig.reduce((s, x) => s + Math.log(x), 0), 1e-10);
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null, 'indefinite');
  // Jacobi on a 12×12 block.
  const k = 12;
  const b = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) b[i * k + j] = a[i * n + j];
  const jb = jacobiEigen(b, k);
  assert.ok(jb.converged);
  assertAllClose(jb.values, symmetricEigenvalues(b, k), 1e-11, 'Jacobi values');
  // Subspace iteration (n = 150 > 96): values and residuals of the top 10.
  const top = topEigenvectors(a, n, 10, { seed: 3 });
  assert.ok(top.converged);
  assertAllClose(top.values, eig.slice(0, 10), 1e-9, 'top-10 values');
  for (let c = 0; c < 10; c++) {
    let res = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * top.vectors[j * 10 + c];
      res += (av - top.values[c] * top.vectors[i * 10 + c]) ** 2;
      norm += top.vectors[i * 10 + c] ** 2;
    }
    assert.ok(Math.sqrt(res) < 1e-8 * top.values[0], `residual of pair ${c}`);
    assertClose(norm, 1, 1e-12);
  }
  // Generalized: A v = λ B v with B = 2I gives λ = eig(A)/2.
  const two = new Float64Array(k * k);
  for (let i = 0; i < k; i++) two[i * k + i] = 2;
  assertAllClose(generalizedSymmetricEigenvalues(b, two, k)!, symmetricEigenvalues(b, k).map(x => x / 2), 1e-11, 'generalized');
});

test('special functions: ψ, ln Γ, unit-ball volume', () => {
  const gamma = 0.5772156649015329;
  assertClose(digamma(1), -gamma, 1e-14);
  assertClose(digamma(0.5), -gamma - 2 * Math.LN2, 1e-14);
  assertClose(digamma(7.25) - digamma(6.25), 1 / 6.25, 1e-13);
  assertClose(digamma(1000), Math.log(1000) - 1 / 2000 - 1 / (12 * 1e6), 1e-14);
  assertClose(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14);
  assertClose(lnGamma(5), Math.log(24), 1e-14);
  assertClose(lnGamma(30.5) - lnGamma(29.5), Math.log(29.5), 1e-13);
  assertClose(lnUnitBallVolume(2), Math.log(Math.PI), 1e-14);
  assertClose(lnUnitBallVolume(3), Math.log((4 * Math.PI) / 3), 1e-14);
  assert.ok(Number.isNaN(digamma(0)) && Number.isNaN(lnGamma(-1)));
});
