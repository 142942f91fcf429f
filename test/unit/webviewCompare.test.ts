import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReports } from '../../src/core/analysis/compareReports';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import {
  compareMetricRows, distanceRows, distinctLabels, formatSigned, overviewPairs, relativeChange, signOf, DISTANCE_MEANING,
} from '../../webview/compareModel';
import { asHistogram, asPowerLaw, isCovarianceDistanceResult, isDumpComparison, isHostToWebview, readPersistedState } from '../../webview/messages';
import type { CovarianceDistanceResult, CovarianceSide } from '../../src/core/analysis/covarianceDistance';

function report(file: string, ev: number[], over: Partial<AnalysisReport> = {}): AnalysisReport {
  const sum = ev.reduce((a, b) => a + b, 0);
  return {
    schemaVersion: 1, tool: { name: 'embdiag', version: '0.1.0' },
    file, fileSize: 1000, format: 'npy',
    array: { name: 'emb', dtype: 'float32', shape: [100, ev.length] },
    arrays: [{ name: 'emb', dtype: 'float32', shape: [100, ev.length], analysable: true }],
    rowsTotal: 100, rowsUsed: 100, rowsInStatistics: 100, dim: ev.length,
    sampling: { sampled: false, method: 'all rows', seed: 0, maxRows: 100000 },
    health: { nanRows: 0, infRows: 0, zeroRows: 0, duplicateRows: 0, deadDims: 0, deadDimIndices: [], rowNorms: null },
    mean: ev.map(() => 0), variance: ev.map(() => 1), eigenvalues: ev,
    metrics: { effectiveRank: 2, rankMe: 2.5, participationRatio: 1.8, stableRank: sum / ev[0], conditionNumber: ev[0] / ev[ev.length - 1], totalVariance: sum,
      explainedVariance: [{ k: 1, fraction: ev[0] / sum }] },
    powerLaw: { alpha: 1, log10Intercept: 0.5, kMin: 1, kMax: 3, r2: 0.99, formula: 'least squares' },
    notes: [], findings: [], timings: { totalMs: 1, readMs: 1, eigenMs: 1 },
    ...over,
  };
}

test('distinctLabels: base names, else enough parent folders, else left/right', () => {
  assert.deepEqual(distinctLabels('/a/x.npy', '/b/y.npy'), { left: 'x.npy', right: 'y.npy' });
  assert.deepEqual(distinctLabels('/runs/ckpt-1/emb.npy', '/runs/ckpt-2/emb.npy'), { left: 'ckpt-1/emb.npy', right: 'ckpt-2/emb.npy' });
  assert.deepEqual(distinctLabels('C:\\r\\a\\e.npy', 'C:\\r\\b\\e.npy'), { left: 'a/e.npy', right: 'b/e.npy' });
  assert.deepEqual(distinctLabels('/x/e.npy', '/x/e.npy'), { left: 'e.npy (left)', right: 'e.npy (right)' });
});

test('signed deltas and relative change', () => {
  assert.equal(signOf(2), 'positive');
  assert.equal(signOf(-0.1), 'negative');
  assert.equal(signOf(0), 'zero');
  assert.equal(signOf(null), 'none');
  assert.equal(signOf(NaN), 'none');
  assert.equal(formatSigned(1.23456), '+1.235');
  assert.equal(formatSigned(-0.5), '\u22120.5000');
  assert.equal(formatSigned(0), '0');
  assert.equal(formatSigned(null), '\u2014');
  assert.equal(relativeChange(10, 15), '+50.0%');
  assert.equal(relativeChange(-10, -5), '+50.0%', 'relative to |left|');
  assert.equal(relativeChange(10, 5), '\u221250.0%');
  assert.equal(relativeChange(0, 5), '\u2014');
  assert.equal(relativeChange(null, 5), '\u2014');
});

test('compare rows: metrics with formulas and signs, explained variance in points, the power-law exponent', () => {
  const c = compareReports(report('/a/l.npy', [4, 2, 1]), report('/a/r.npy', [3, 2, 2], { powerLaw: { alpha: 0.5, log10Intercept: 0.4, kMin: 1, kMax: 3, r2: 0.9, formula: 'least squares' } }));
  const rows = compareMetricRows(c);
  const er = rows.find(r => r.id === 'compare-metric-effective-rank')!;
  assert.equal(er.label, 'Effective rank');
  assert.match(er.formula, /exp/);
  assert.match(er.detail, /right \u2212 left/);
  const tv = rows.find(r => r.id === 'compare-metric-total-variance')!;
  assert.equal(tv.left, '7.000');
  assert.equal(tv.right, '7.000');
  assert.equal(tv.delta, '0');
  assert.equal(tv.sign, 'zero');
  const sr = rows.find(r => r.id === 'compare-metric-stable-rank')!;
  assert.equal(sr.sign, 'positive');
  const ev1 = rows.find(r => r.id === 'compare-metric-explained-1')!;
  assert.equal(ev1.left, '57.1%');
  assert.equal(ev1.delta, '\u221214.3 pp');
  assert.equal(ev1.sign, 'negative');
  const alpha = rows.find(r => r.id === 'compare-metric-power-law-alpha')!;
  assert.equal(alpha.delta, '\u22120.5000');
  // no power-law row when a side lacks the fit (older reports)
  const old = compareReports(report('/a/l.npy', [4, 2, 1], { powerLaw: undefined }), report('/a/r.npy', [3, 2, 2]));
  assert.ok(!compareMetricRows(old).some(r => r.id === 'compare-metric-power-law-alpha'));
});

test('distances: value, formula and meaning; a reason when one is not available', () => {
  const same = compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [4, 2, 1]), {
    left: new Float64Array([4, 0, 0, 0, 2, 0, 0, 0, 1]), right: new Float64Array([4, 0, 0, 0, 2, 0, 0, 0, 1]),
  });
  const d = distanceRows(same);
  assert.deepEqual(d.map(x => x.id), ['compare-mean-shift', 'compare-spectrum-distance', 'compare-covariance-distance']);
  assert.deepEqual(d.map(x => x.value), ['0', '0', '0']);
  for (const x of d) {
    assert.ok(x.formula.length > 5);
    assert.match(x.meaning, /^[A-Z].*0 means/);
    assert.equal(x.unavailable, undefined);
  }
  assert.equal(d[2].meaning, DISTANCE_MEANING.covarianceDistance);
  assert.match(d[2].meaning, /0 means identical covariances/);
  // the host sends no covariances: the covariance distance says why it is missing
  const noCov = distanceRows(compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [1, 1, 1])));
  assert.equal(noCov[2].value, null);
  assert.match(noCov[2].unavailable!, /covariance matrices/);
  assert.ok(noCov[1].value !== null);
  const dims = distanceRows(compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [4, 2])));
  assert.ok(dims.every(x => x.value === null && /different dimensions \(d = 3 and 2\)/.test(x.unavailable!)));
});

test('overview pairs flag what differs', () => {
  const c = compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [4, 2, 1], { array: { name: 'emb', dtype: 'float16', shape: [100, 3] } }));
  const p = overviewPairs(c);
  assert.deepEqual(p.map(x => x.id), ['format', 'array', 'dtype', 'shape', 'rows', 'rows-statistics']);
  assert.equal(p.find(x => x.id === 'dtype')!.differs, true);
  assert.equal(p.find(x => x.id === 'shape')!.differs, false);
  assert.equal(p.find(x => x.id === 'shape')!.left, '100 \u00d7 3');
});

test('compare messages and state are validated; optional report fields are checked, not required', () => {
  const c = compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [3, 2, 1]));
  assert.equal(isDumpComparison(c), true);
  assert.equal(isHostToWebview({ type: 'compare', comparison: c }), true);
  assert.equal(isHostToWebview({ type: 'compare', comparison: { ...c, left: {} } }), false);
  assert.equal(isHostToWebview({ type: 'compare', comparison: { ...c, metricDeltas: [{ key: 1 }] } }), false);
  // NaN becomes null through JSON (vscode.setState): still accepted
  const json = JSON.parse(JSON.stringify({ ...c, meanShift: { l2: 0, relative: NaN, formula: 'f' } }));
  assert.equal(isDumpComparison(json), true);
  const saved = readPersistedState({ v: 1, view: { kind: 'compare', comparison: c }, logX: false });
  assert.equal(saved?.view.kind, 'compare');
  assert.equal(readPersistedState({ v: 1, view: { kind: 'compare', comparison: { left: 1 } } }), undefined);

  assert.deepEqual(asPowerLaw({ alpha: 1, log10Intercept: 0, kMin: 1, kMax: 10, r2: 0.9, formula: 'f' }), { alpha: 1, log10Intercept: 0, kMin: 1, kMax: 10, r2: 0.9, formula: 'f' });
  assert.equal(asPowerLaw(null), null);
  assert.equal(asPowerLaw(undefined), null);
  assert.equal(asPowerLaw({ alpha: NaN, log10Intercept: 0, kMin: 1, kMax: 10, r2: 1 }), null);
  assert.equal(asPowerLaw({ alpha: 1, log10Intercept: 0, kMin: 5, kMax: 5, r2: 1 }), null);
  assert.deepEqual(asHistogram({ edges: [0, 1, 2], counts: [3, 4] }), { edges: [0, 1, 2], counts: [3, 4] });
  assert.deepEqual(asHistogram({ edges: [2, 2], counts: [5] }), { edges: [2, 2], counts: [5] });
  assert.equal(asHistogram({ edges: [0, 1], counts: [3, 4] }), null);
  assert.equal(asHistogram({ edges: [1, 0, 2], counts: [3, 4] }), null);
  assert.equal(asHistogram({ edges: [0, 1], counts: [-1] }), null);
  assert.equal(asHistogram(null), null);
});

test('the covariance distance card: computing, computed with its rows, not defined, failed', () => {
  const c = compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [4, 2, 1]));
  const side = (file: string, over: Partial<CovarianceSide> = {}): CovarianceSide => ({
    file, arrayName: 'emb', dim: 3, rowsTotal: 100, rowsRead: 100, rowsInStatistics: 100, sampled: false, seed: 0, method: 'all rows', ...over,
  });
  const result = (over: Partial<CovarianceDistanceResult>): CovarianceDistanceResult => ({
    value: 1.1543, kind: 'estimate', formula: '2\u2016\u03a3_R \u2212 \u03a3_L\u2016_F / (\u2016\u03a3_L\u2016_F + \u2016\u03a3_R\u2016_F)',
    left: side('/l.npy'), right: side('/r.npy'), frobeniusLeft: 1, frobeniusRight: 1, notes: [], ...over,
  });

  const pending = distanceRows(c, { kind: 'progress', fraction: 0.25, message: 'l.npy: Read 25 of 100 rows' })[2];
  assert.equal(pending.value, null);
  assert.deepEqual(pending.pending, { fraction: 0.25, message: 'l.npy: Read 25 of 100 rows' });
  assert.equal(pending.unavailable, undefined, 'being computed is not "unavailable"');
  assert.match(pending.formula, /\u03a3_R \u2212 \u03a3_L/, 'the formula is shown while it is computed');

  const done = distanceRows(c, { kind: 'result', result: result({}) })[2];
  assert.equal(done.value, '1.15');
  assert.equal(done.provenance, 'Estimate (plug-in, sample covariances 1/(N\u22121)) from L: all 100 rows; R: all 100 rows');
  assert.equal(done.meaning, DISTANCE_MEANING.covarianceDistance);
  assert.equal(done.notes, undefined);

  const sampled = distanceRows(c, { kind: 'result', result: result({
    left: side('/l.npy', { rowsTotal: 3000, rowsRead: 500, rowsInStatistics: 498, sampled: true, seed: 3, method: 'uniform random sample without replacement' }),
    right: side('/r.npy', { rowsRead: 100, rowsInStatistics: 98 }),
    notes: ['At least one side is a row sample.'],
  }) })[2];
  assert.deepEqual(sampled.notes, ['At least one side is a row sample.']);
  assert.match(sampled.provenance!, /L: 498 of 3,?000 rows \(uniform sample, seed 3, 2 non-finite left out\); R: 98 of 100 rows \(2 non-finite left out\)$/);

  const capped = distanceRows(c, { kind: 'result', result: result({ value: null, unavailable: 'Not computed: d = 5000 is above 4096.' }) })[2];
  assert.equal(capped.value, null);
  assert.equal(capped.unavailable, 'Not computed: d = 5000 is above 4096.');
  assert.equal(capped.provenance, undefined);

  assert.match(distanceRows(c, { kind: 'error', code: 'cancelled', message: 'Cancelled.' })[2].unavailable!, /cancelled\. Use Re-analyse/);
  assert.equal(distanceRows(c, { kind: 'error', code: 'file-missing', message: '/r.npy: no such file.' })[2].unavailable, 'Not computed: /r.npy: no such file.');
  // different dimensions: not defined, whatever the host sent
  const dims = compareReports(report('/l.npy', [4, 2, 1]), report('/r.npy', [4, 2]));
  assert.match(distanceRows(dims, { kind: 'result', result: result({}) })[2].unavailable!, /different dimensions/);

  // messages and saved state
  assert.equal(isHostToWebview({ type: 'covarianceDistance', result: result({}) }), true);
  assert.equal(isHostToWebview({ type: 'covarianceDistance', result: result({ kind: 'bound' as 'estimate' }) }), false);
  assert.equal(isHostToWebview({ type: 'covarianceDistance', result: result({ value: null }) }), false, 'a missing figure must say why');
  assert.equal(isHostToWebview({ type: 'covarianceDistance', result: result({ left: null }) }), false, 'a figure must say which rows it used');
  assert.equal(isCovarianceDistanceResult(JSON.parse(JSON.stringify(result({ value: null, unavailable: 'x' })))), true);
  assert.equal(isHostToWebview({ type: 'covarianceDistanceProgress', fraction: 0.5, message: 'm' }), true);
  assert.equal(isHostToWebview({ type: 'covarianceDistanceError', code: 'internal', message: 'm' }), true);
  const saved = readPersistedState({ v: 1, view: { kind: 'compare', comparison: c, covariance: result({}) } });
  assert.equal(saved?.view.kind === 'compare' && saved.view.covariance?.value, 1.1543);
  const otherFiles = readPersistedState({ v: 1, view: { kind: 'compare', comparison: c, covariance: result({ right: side('/elsewhere.npy') }) } });
  assert.ok(otherFiles?.view.kind === 'compare' && otherFiles.view.covariance === undefined, 'a distance of other files is dropped');
});
