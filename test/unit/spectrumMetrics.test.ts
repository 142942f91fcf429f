import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRIC_DEFINITIONS, spectrumMetrics, ZERO_EIGENVALUE_TOLERANCE } from '../../src/core/metrics/spectrumMetrics';
import { symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { StreamingStatistics } from '../../src/core/stats/streamingStatistics';
import type { SpectrumMetrics } from '../../src/core/report/analysisReport';
import { assertAllClose, assertClose, FIXTURES } from './support';

interface Dataset {
  name: string; dim: number; data: (number | string)[][];
  expected: { eigenvalues: number[] | null; metrics: SpectrumMetrics | null };
}

const STATS_DIR = path.join(FIXTURES, 'stats');
const decode = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);
const datasets: Dataset[] = fs.readdirSync(STATS_DIR).filter(f => f.startsWith('dataset_')).sort()
  .map(f => JSON.parse(fs.readFileSync(path.join(STATS_DIR, f), 'utf8')));

function assertMetricsClose(actual: SpectrumMetrics, expected: SpectrumMetrics, what: string): void {
  for (const key of ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'totalVariance'] as const) {
    assertClose(actual[key], expected[key], 1e-6, 1e-12, `${what}: ${key}`);
  }
  if (expected.conditionNumber === null) assert.equal(actual.conditionNumber, null, `${what}: conditionNumber`);
  else assertClose(actual.conditionNumber!, expected.conditionNumber, 1e-6, 1e-12, `${what}: conditionNumber`);
  assert.deepEqual(actual.explainedVariance.map(e => e.k), expected.explainedVariance.map(e => e.k), `${what}: explained k`);
  assertAllClose(actual.explainedVariance.map(e => e.fraction), expected.explainedVariance.map(e => e.fraction), 1e-6, `${what}: explained`);
}

function assertNoNaN(m: SpectrumMetrics): void {
  const values = [m.effectiveRank, m.rankMe, m.participationRatio, m.stableRank, m.totalVariance, ...m.explainedVariance.map(e => e.fraction)];
  if (m.conditionNumber !== null) values.push(m.conditionNumber);
  for (const v of values) assert.ok(Number.isFinite(v), `non-finite metric ${v}`);
}

for (const ds of datasets.filter(d => d.expected.metrics)) {
  test(`metrics from numpy eigenvalues match numpy: ${ds.name}`, () => {
    const m = spectrumMetrics(ds.expected.eigenvalues!);
    assertMetricsClose(m, ds.expected.metrics!, ds.name);
    assertNoNaN(m);
  });

  test(`end to end (statistics → eigenvalues → metrics) matches numpy: ${ds.name}`, () => {
    const st = new StreamingStatistics(ds.dim);
    st.add(Float64Array.from(ds.data.flat().map(decode)), ds.data.length);
    const cov = st.finish().covariance!;
    const eig = symmetricEigenvalues(cov, ds.dim);
    assertAllClose(eig, ds.expected.eigenvalues!, 1e-6, `${ds.name} eigenvalues`);
    assertMetricsClose(spectrumMetrics(eig), ds.expected.metrics!, ds.name);
  });
}

test('all-zero and empty spectra: defined values, never NaN', () => {
  for (const eig of [[0, 0, 0], [0, -1e-20, -3e-18], []]) {
    const m = spectrumMetrics(eig);
    assert.deepEqual(m, {
      effectiveRank: 0, rankMe: 0, participationRatio: 0, stableRank: 0, conditionNumber: null, totalVariance: 0,
      explainedVariance: eig.length ? [{ k: 1, fraction: 0 }] : [],
    });
  }
});

test('equal eigenvalues: every rank measure equals their number', () => {
  const m = spectrumMetrics(new Array(10).fill(2.5));
  for (const v of [m.effectiveRank, m.rankMe, m.participationRatio, m.stableRank]) assertClose(v, 10, 1e-12);
  assert.equal(m.conditionNumber, 1);
  assertClose(m.totalVariance, 25, 1e-15);
  assert.deepEqual(m.explainedVariance.map(e => e.k), [1, 10]);
  assertClose(m.explainedVariance[0].fraction, 0.1, 1e-12);
  assertClose(m.explainedVariance[1].fraction, 1, 1e-15);
});

test('single positive eigenvalue and rounding noise below the tolerance', () => {
  const noise = ZERO_EIGENVALUE_TOLERANCE * 0.5;
  const m = spectrumMetrics([4, 4 * noise, 0, -4 * noise, -1e-30]);
  for (const v of [m.effectiveRank, m.rankMe, m.participationRatio, m.stableRank, m.conditionNumber!]) assert.equal(v, 1);
  assert.equal(m.totalVariance, 4);
  assertNoNaN(m);
  // Just above the tolerance an eigenvalue counts (and sets the condition number).
  const m2 = spectrumMetrics([1, 2 * ZERO_EIGENVALUE_TOLERANCE]);
  assertClose(m2.conditionNumber!, 1 / (2 * ZERO_EIGENVALUE_TOLERANCE), 1e-12);
});

test('hand-computed example and unsorted input', () => {
  const lam = [4, 1, 0.25];
  const m = spectrumMetrics([0.25, 4, 1]);
  const s = 5.25;
  const h = -lam.reduce((acc, l) => acc + (l / s) * Math.log(l / s), 0);
  const sig = lam.map(Math.sqrt); // 2, 1, 0.5
  const hq = -sig.reduce((acc, x) => acc + (x / 3.5) * Math.log(x / 3.5), 0);
  assertClose(m.effectiveRank, Math.exp(h), 1e-14);
  assertClose(m.rankMe, Math.exp(hq), 1e-14);
  assertClose(m.participationRatio, (s * s) / (16 + 1 + 0.0625), 1e-14);
  assertClose(m.stableRank, s / 4, 1e-14);
  assertClose(m.conditionNumber!, 16, 1e-14);
  assertClose(m.explainedVariance[0].fraction, 4 / s, 1e-14);
});

test('explained variance is reported for k = 1, 10, 100 up to the dimension', () => {
  assert.deepEqual(spectrumMetrics(new Array(9).fill(1)).explainedVariance.map(e => e.k), [1]);
  assert.deepEqual(spectrumMetrics(new Array(99).fill(1)).explainedVariance.map(e => e.k), [1, 10]);
  assert.deepEqual(spectrumMetrics(new Array(100).fill(1)).explainedVariance.map(e => e.k), [1, 10, 100]);
});

test('non-finite eigenvalues are rejected', () => {
  assert.throws(() => spectrumMetrics([1, NaN]), RangeError);
  assert.throws(() => spectrumMetrics([Infinity, 1]), RangeError);
});

test('METRIC_DEFINITIONS covers every metric with a formula and a reference', () => {
  const keys = Object.keys(spectrumMetrics([3, 2, 1])).sort();
  assert.deepEqual(Object.keys(METRIC_DEFINITIONS).sort(), keys);
  for (const [key, def] of Object.entries(METRIC_DEFINITIONS)) {
    assert.equal(def.kind, 'estimate', key);
    for (const text of [def.label, def.formula, def.reference]) assert.ok(text.length > 0, key);
  }
});
