import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baseName, describeRowSet, formatBytes, formatCount, formatDuration, formatIndexList, formatNumber,
  formatPercent, formatRowsUsed, formatShape, formatShare, plural, powerOfTen, sortBySeverity, summariseSeverities,
} from '../../webview/format';
import { decimalTicks, formatLogTick, layoutSpectrum, linearIndexTicks, logDomain, logTicks, nearestPoint, niceStep } from '../../webview/plotScale';
import { isAnalysisReport, isHostToWebview, readPersistedState } from '../../webview/messages';
import { metricRows } from '../../webview/metricInfo';
import { METRIC_DEFINITIONS } from '../../src/core/metrics/spectrumMetrics';
import type { AnalysisReport } from '../../src/core/report/analysisReport';

function sampleReport(): AnalysisReport {
  return {
    schemaVersion: 1,
    tool: { name: 'embdiag', version: '0.1.0' },
    file: '/data/emb.npy', fileSize: 512128, format: 'npy',
    array: { name: 'emb', dtype: 'float32', shape: [2000, 64] },
    arrays: [{ name: 'emb', dtype: 'float32', shape: [2000, 64], analysable: true }],
    rowsTotal: 2000, rowsUsed: 2000, rowsInStatistics: 2000, dim: 64,
    sampling: { sampled: false, method: 'all rows', seed: 0, maxRows: 100000 },
    health: { nanRows: 0, infRows: 0, zeroRows: 0, duplicateRows: 0, deadDims: 0, deadDimIndices: [], rowNorms: { min: 1, median: 2, mean: 2, max: 3 } },
    mean: [], variance: [], eigenvalues: [4, 2, 1, 0.5, 0, -1e-17],
    metrics: { effectiveRank: 3.2, rankMe: 3.5, participationRatio: 2.6, stableRank: 1.875, conditionNumber: 8, totalVariance: 7.5,
      explainedVariance: [{ k: 1, fraction: 4 / 7.5 }] },
    notes: [], findings: [], timings: { totalMs: 12, readMs: 3, eigenMs: 4 },
  };
}

test('formatShape joins plain integers with U+00D7', () => {
  assert.equal(formatShape([2000, 64]), '2000 \u00d7 64');
  assert.equal(formatShape([250000, 384]), '250000 \u00d7 384');
  assert.equal(formatShape([10, 20, 30]), '10 \u00d7 20 \u00d7 30');
  assert.equal(formatShape([7]), '7');
  assert.equal(formatShape([]), 'scalar');
  assert.ok(!formatShape([1234567, 8]).includes(','));
});

test('formatCount has no thousands separators', () => {
  assert.equal(formatCount(1234567), '1234567');
  assert.equal(formatCount(0), '0');
});

test('formatNumber: significant digits, exponent outside 1e-3..1e6', () => {
  assert.equal(formatNumber(26.5312), '26.53');
  assert.equal(formatNumber(0.5), '0.5000');
  assert.equal(formatNumber(0.00123456), '0.001235');
  assert.equal(formatNumber(3111.4), '3111');
  assert.equal(formatNumber(123456.7), '123457');
  assert.equal(formatNumber(1.5e7), '1.5e7');
  assert.equal(formatNumber(8.6789e-4), '8.679e-4');
  assert.equal(formatNumber(-3.1e-17), '-3.1e-17');
  assert.equal(formatNumber(2e-9), '2e-9');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(null), '\u2014');
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(Infinity), 'Infinity');
  assert.equal(formatNumber(1.23456, 3), '1.23');
});

test('formatPercent and formatShare', () => {
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(1), '100%');
  assert.equal(formatPercent(0.5), '50.0%');
  assert.equal(formatPercent(0.0187), '1.87%');
  assert.equal(formatPercent(0.00012), '0.012%');
  assert.equal(formatPercent(0.99999), '100.00%');
  assert.equal(formatShare(1, 0), '\u2014');
  assert.equal(formatShare(40, 100000), '0.040%');
});

test('formatBytes, formatDuration, baseName, plural, powerOfTen', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(384002112), '366 MiB');
  assert.equal(formatDuration(0.42), '0.4 ms');
  assert.equal(formatDuration(96.4), '96 ms');
  assert.equal(formatDuration(1843.2), '1.84 s');
  assert.equal(formatDuration(125000), '2 min 5 s');
  assert.equal(baseName('/a/b/c.npy'), 'c.npy');
  assert.equal(baseName('C:\\work\\d.npz'), 'd.npz');
  assert.equal(plural(1, 'row'), '1 row');
  assert.equal(plural(3, 'row'), '3 rows');
  assert.equal(powerOfTen(-3), '10\u207b\u00b3');
  assert.equal(powerOfTen(12), '10\u00b9\u00b2');
});

test('rows summary says used / total and the sampling seed', () => {
  const all = { rowsTotal: 2000, rowsUsed: 2000, sampling: { sampled: false, method: 'all rows', seed: 0, maxRows: 100000 } };
  assert.equal(formatRowsUsed(all), '2000 / 2000 \u2014 all rows (not sampled)');
  assert.equal(describeRowSet(all), 'all 2000 rows');
  const sampled = { rowsTotal: 250000, rowsUsed: 100000, sampling: { sampled: true, method: 'uniform random sample without replacement', seed: 7, maxRows: 100000 } };
  assert.equal(formatRowsUsed(sampled), '100000 / 250000 \u2014 sampled: uniform random sample without replacement, seed 7');
  assert.match(describeRowSet(sampled), /100000 of 250000 rows \(seed 7\)/);
});

test('index lists are cut with a count of the rest', () => {
  assert.equal(formatIndexList([1, 2, 3], 3), '1, 2, 3');
  assert.equal(formatIndexList([1, 2, 3, 4], 10, 2), '1, 2, \u2026 (8 more)');
});

test('severities sort error first and summarise', () => {
  const fs = [{ severity: 'information', code: 'a' }, { severity: 'error', code: 'b' }, { severity: 'warning', code: 'c' }, { severity: 'error', code: 'd' }];
  assert.deepEqual(sortBySeverity(fs).map(f => f.code), ['b', 'd', 'c', 'a']);
  assert.equal(summariseSeverities(fs), '2 errors, 1 warning, 1 note');
  assert.equal(summariseSeverities([]), 'No findings');
});

test('plot scale: nice steps, log domain and tick labels', () => {
  assert.equal(niceStep(0.7), 1);
  assert.equal(niceStep(9), 10);
  assert.equal(niceStep(13), 20);
  assert.equal(niceStep(45), 50);
  assert.deepEqual(logDomain(8.6e-4, 2.7), [-4, 1]);
  assert.deepEqual(logDomain(1, 1), [-1, 1]);
  assert.equal(formatLogTick(0.001), '0.001');
  assert.equal(formatLogTick(100), '100');
  assert.equal(formatLogTick(1e-5, false), '10\u207b\u2075');
  assert.equal(formatLogTick(2e-5, false), '2\u00d710\u207b\u2075');
  assert.equal(decimalTicks(-3, 1), true);
  assert.equal(decimalTicks(-4, 1), false);
});

test('log ticks: one label style per axis, thinned for wide ranges', () => {
  const id = (v: number) => v;
  const narrow = logTicks(-3, 0, id).filter(t => t.label);
  assert.deepEqual(narrow.map(t => t.label), ['0.001', '0.01', '0.1', '1']);
  const wide = logTicks(-17, 1, id).filter(t => t.label);
  assert.ok(wide.length <= 10);
  assert.ok(wide.every(t => t.label.startsWith('10')));
  const oneDecade = logTicks(-1, 0, id).filter(t => t.label).map(t => t.label);
  assert.deepEqual(oneDecade, ['0.1', '0.2', '0.5', '1']);
});

test('linear index ticks start at 1 and stay within n', () => {
  const t = linearIndexTicks(64, v => v).map(x => x.value);
  assert.equal(t[0], 1);
  assert.ok(t.every(v => Number.isInteger(v) && v >= 1 && v <= 64));
  assert.deepEqual(linearIndexTicks(3, v => v).map(x => x.value), [1, 2, 3]);
});

test('layoutSpectrum omits zero/negative eigenvalues and maps inside the box', () => {
  const l = layoutSpectrum([4, 2, 1, 0.5, 0, -1e-17, NaN], { width: 600, height: 300, logX: false, effectiveRank: 3.2 });
  assert.equal(l.total, 7);
  assert.equal(l.omitted, 3);
  assert.equal(l.points.length, 4);
  assert.equal(l.largest, 4);
  assert.equal(l.smallestPositive, 0.5);
  for (const p of l.points) {
    assert.ok(p.x >= l.box.left && p.x <= l.box.right, `x ${p.x}`);
    assert.ok(p.y >= l.box.top && p.y <= l.box.bottom, `y ${p.y}`);
  }
  assert.ok(l.points[0].y < l.points[3].y, 'larger eigenvalues are higher up');
  assert.equal(l.points[0].x, l.box.left, 'index 1 at the left edge');
  assert.ok(l.marker && l.marker.x > l.points[2].x && l.marker.x < l.points[3].x);
  assert.match(l.linePath, /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){3}$/);
  assert.equal(nearestPoint(l, l.points[2].x + 1)?.index, 3);
  const log = layoutSpectrum([4, 2, 1, 0.5], { width: 600, height: 300, logX: true });
  assert.ok(log.xTicks.some(t => t.value === 1) && log.xTicks.every(t => t.value <= 4));
  const noisy = layoutSpectrum([2, 1, 1e-15, -1e-16], { width: 600, height: 300, logX: false });
  assert.equal(noisy.points.length, 2, 'eigenvalues at or below 1e-12 × the largest are numerically zero');
  assert.equal(noisy.omitted, 2);
  assert.equal(noisy.omittedTiny, 1);
  const empty = layoutSpectrum([], { width: 600, height: 300, logX: false });
  assert.equal(empty.points.length, 0);
  assert.equal(empty.linePath, '');
  assert.equal(nearestPoint(empty, 10), null);
});

test('host messages are validated; unknown ones are ignored', () => {
  const report = sampleReport();
  assert.equal(isAnalysisReport(report), true);
  assert.equal(isHostToWebview({ type: 'report', report }), true);
  assert.equal(isHostToWebview({ type: 'progress', file: 'a', fraction: 0.5, message: 'x' }), true);
  assert.equal(isHostToWebview({ type: 'error', file: 'a', code: 'truncated', message: 'x' }), true);
  assert.equal(isHostToWebview({ type: 'error', file: 'a', code: 3, message: 'x' }), false);
  assert.equal(isHostToWebview({ type: 'report', report: { ...report, array: { name: 'x' } } }), false);
  assert.equal(isHostToWebview({ type: 'report', report: { ...report, eigenvalues: ['1'] } }), false);
  assert.equal(isHostToWebview({ type: 'eval', code: 'alert(1)' }), false);
  assert.equal(isHostToWebview(null), false);
  assert.equal(isHostToWebview('report'), false);
});

test('persisted state round-trips and rejects foreign shapes', () => {
  const report = sampleReport();
  assert.deepEqual(readPersistedState({ v: 1, view: { kind: 'report', report }, logX: true }), { v: 1, view: { kind: 'report', report }, logX: true });
  assert.deepEqual(readPersistedState({ v: 1, view: { kind: 'error', file: 'f', code: 'c', message: 'm' } }),
    { v: 1, view: { kind: 'error', file: 'f', code: 'c', message: 'm' }, logX: undefined });
  assert.equal(readPersistedState(undefined), undefined);
  assert.equal(readPersistedState({ v: 2, view: { kind: 'report', report } }), undefined);
  assert.equal(readPersistedState({ v: 1, view: { kind: 'report', report: {} } }), undefined);
});

test('every metric row names its formula and the rows it was estimated from', () => {
  const r = sampleReport();
  const rows = metricRows(r.metrics!, r.rowsInStatistics, r.dim);
  assert.deepEqual(rows.map(m => m.label), ['Effective rank', 'RankMe', 'Participation ratio', 'Stable rank', 'Condition number', 'Total variance', 'Explained variance, top 1']);
  for (const m of rows) {
    assert.ok(m.formula.length > 0, m.label);
    assert.match(m.detail, /N = 2000 finite rows/, m.label);
    assert.match(m.detail, /Reference: /, m.label);
  }
  assert.equal(rows[0].formula, METRIC_DEFINITIONS.effectiveRank.formula, 'formulas are the core\'s');
  assert.equal(rows.find(m => m.id === 'explained-1')?.value, '53.3%');
  const noCond = metricRows({ ...r.metrics!, conditionNumber: null }, 1, 64).find(m => m.id === 'condition-number');
  assert.equal(noCond?.value, 'not defined');
});
