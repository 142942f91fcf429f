import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  collectFigures, estimatorId, estimatorName, figureRow, figureTooltip, figureValueText, flagWords, groupFigures, informationForReport,
  inputLines, kindLabel, layoutRdPlot, nearestRdPoint, normalizedTexts, pathId, rdSummary, splitCollisionLevels, unitText, UNITS_LINE, verdictView, type InformationView,
} from '../../webview/informationModel';
import { isHostToWebview, isInformationFigure, isInformationReport, readPersistedState } from '../../webview/messages';
import { computeInformation, type InformationReport } from '../../src/core/information/informationReport';
import type { Figure } from '../../src/core/information/figure';
import { mulberry32 } from '../../src/core/regime/mulberry32';

// ---------------------------------------------------------------- a small real report (the core, in memory)

function gaussianRows(n: number, d: number, seed: number, scale = 1): Float64Array {
  const rnd = mulberry32(seed);
  const out = new Float64Array(n * d);
  for (let i = 0; i < out.length; i += 2) {
    const u = Math.max(1e-12, rnd()), v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = scale * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = scale * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

let cached: InformationReport | undefined;
/** Z (300 × 4), a perturbed copy, targets and predictions: every section has numbers. JSON round trip like postMessage. */
function sample(): InformationReport {
  if (!cached) {
    const n = 300, d = 4;
    const z = gaussianRows(n, d, 1);
    const noise = gaussianRows(n, d, 2, 0.3);
    const zt = z.map((v, i) => v + noise[i]);
    const y = z.slice();
    const yh = y.map((v, i) => v + 0.2 * noise[i]);
    const m = (data: Float64Array) => ({ rows: n, cols: d, data });
    const r = computeInformation({ embeddings: m(z), perturbed: m(zt), targets: m(y), predictions: m(yh), scalars: { distortion: 1 } },
      { maxRows: 10_000, seed: 0, k: 3, knnMaxRows: 400, projectionDim: 4 });
    cached = JSON.parse(JSON.stringify(r)) as InformationReport;
  }
  return JSON.parse(JSON.stringify(cached)) as InformationReport;
}

const fig = (over: Partial<Figure>): Figure => ({
  value: 1.5, unit: 'bits per model use', kind: 'lower-bound', quantity: 'I(Z;Z̃)', estimator: 'E7c jointly-Gaussian (CCA) MI',
  formula: '−½ Σ log₂(1 − ρᵢ²)', rows: 300, flags: [], provenance: { tag: 'PROPOSED', concept: 'capacity', note: 'CCA (Hotelling 1936).' },
  ...over,
});

// ---------------------------------------------------------------- figures

test('collectFigures walks every figure of a real report, skipping the curve, inputs and problems', () => {
  const r = sample();
  const all = collectFigures(r);
  assert.ok(all.length > 20);
  const paths = all.map(e => e.path);
  for (const p of ['capacity.awgn', 'capacity.perturbed.cca', 'rateDistortion.rateGaussian', 'rateDistortion.operatingPoint.mse', 'verdict.margin', 'collapse.effectiveRank']) {
    assert.ok(paths.includes(p), p);
  }
  assert.ok(!paths.some(p => p.includes('curve') || p.startsWith('inputs') || p.startsWith('problems')));
  // Grouped by section, in the paper's order, nothing lost.
  const groups = groupFigures(all);
  assert.equal(groups.reduce((s, g) => s + g.entries.length, 0), all.length);
  assert.deepEqual(groups.map(g => g.key).filter(k => ['capacity', 'rateDistortion', 'verdict'].includes(k)), ['capacity', 'rateDistortion', 'verdict']);
});

test('splitCollisionLevels keeps the storage-precision level in the main table', () => {
  const entries = ['representationRate.collision[0].fanoBound', 'representationRate.collision[1].fanoBound', 'representationRate.collision[12].pluginEntropy', 'capacity.awgn']
    .map(path => ({ path, figure: fig({}) }));
  const { main, levels } = splitCollisionLevels(entries);
  assert.deepEqual(main.map(e => e.path), ['representationRate.collision[0].fanoBound', 'capacity.awgn']);
  assert.equal(levels.length, 2);
});

test('a figure row: value with unit, normalised forms, kind tag, estimator id, rows, tooltip with formula and provenance', () => {
  const row = figureRow({ path: 'capacity.perturbed.cca', figure: fig({
    normalized: [{ unit: 'bits per input symbol', value: 0.1, factor: 1 / 15 }, { unit: 'bits per coordinate', value: null, factor: 0 }],
    explanation: 'Assumes Z jointly Gaussian.', flags: ['gaussian_bound'],
  }) });
  assert.equal(row.value, '1.500 bits per model use');
  // Per input symbol is reading (B) of n (spec §1.3, addendum): labelled wherever it is shown.
  assert.deepEqual(row.normalized, ['0.1000 bits per input symbol (reading B)']);
  assert.equal(row.kindLabel, 'lower bound');
  assert.equal(row.estimatorId, 'E7c');
  assert.equal(row.estimatorName, 'jointly-Gaussian (CCA) MI');
  assert.equal(row.rows, 300);
  assert.equal(row.tag, 'PROPOSED');
  assert.match(row.tooltip, /Formula: −½ Σ log₂/);
  assert.match(row.tooltip, /Assumption: Assumes Z jointly Gaussian/);
  assert.match(row.tooltip, /Provenance \[PROPOSED\]: a standard, cited estimator/);
  assert.match(row.tooltip, /Hotelling 1936/);
  assert.equal(pathId(row.path), 'capacity-perturbed-cca');
});

test('a figure without a value shows its flags and explanation, never NaN', () => {
  for (const [flag, words] of [['rank_deficient', 'rank-deficient'], ['n_le_d', 'N ≤ d'], ['duplicates_removed', 'duplicates (k-NN)'],
    ['singular_noise_covariance', 'singular noise covariance'], ['mismatched_rows', 'mismatched rows']] as const) {
    const f = fig({ value: null, flags: [flag], explanation: `Not computable: ${words}.` });
    const row = figureRow({ path: 'x', figure: f });
    assert.equal(row.value, null);
    assert.deepEqual(row.flags, [words]);
    assert.equal(flagWords(flag), words);
    assert.equal(row.explanation, `Not computable: ${words}.`);
    assert.match(figureTooltip(f), /Why no value: Not computable/);
  }
  // Whatever slips through (NaN, Infinity) is no value either.
  assert.equal(figureValueText({ value: NaN, unit: 'bits per model use' }), null);
  assert.equal(figureValueText({ value: Infinity, unit: 'ratio' }), null);
  assert.deepEqual(normalizedTexts({ normalized: [{ unit: 'bits per coordinate', value: NaN, factor: 1 }] }), []);
  assert.equal(figureValueText({ value: 3, unit: 'ratio' }), '3.000');
  assert.equal(flagWords('some_new_flag'), 'some new flag');
});

test('kinds and estimator ids', () => {
  assert.deepEqual(['estimate', 'upper-bound', 'lower-bound', 'exact'].map(kindLabel), ['estimate', 'upper bound', 'lower bound', 'exact']);
  assert.equal(estimatorId('E10 NC1'), 'E10');
  assert.equal(estimatorId('E7f water-filling capacity'), 'E7f');
  assert.equal(estimatorId('water-filling'), '');
  assert.equal(estimatorName('water-filling'), 'water-filling');
});

// ---------------------------------------------------------------- verdict

test('verdictView: badge, margin with kind and unit, reason', () => {
  const r = sample();
  const v = verdictView(r.verdict);
  assert.equal(v.status, r.verdict.status);
  assert.ok(['achievable', 'not-achievable', 'inconclusive'].includes(v.cls));
  assert.equal(v.reason, r.verdict.reason);
  const achievable = verdictView({ ...r.verdict, status: 'achievable', certified: true, margin: fig({ value: 12.97, quantity: 'C − R(D)' }) });
  assert.equal(achievable.title, 'Achievable (certified)');
  assert.equal(achievable.margin, '≥ 12.97 bits per model use');
  assert.equal(achievable.marginKind, 'lower bound');
  const not = verdictView({ ...r.verdict, status: 'not achievable', certified: false, margin: fig({ value: -3, kind: 'estimate' }) });
  assert.equal(not.cls, 'not-achievable');
  assert.equal(not.title, 'Not achievable (not certified)');
  const none = verdictView({ ...r.verdict, status: 'inconclusive', certified: false, margin: fig({ value: null, flags: ['needs_perturbed'], explanation: 'No capacity.' }) });
  assert.equal(none.margin, null);
  assert.equal(none.marginMissing, 'No capacity.');
  assert.equal(none.title, 'Inconclusive');
  // The reason is not repeated as the margin's explanation.
  const same = verdictView({ ...r.verdict, status: 'inconclusive', reason: 'Why.', margin: fig({ value: null, flags: ['needs_perturbed'], explanation: 'Why.' }) });
  assert.equal(same.marginMissing, 'needs perturbed embeddings');
});

// ---------------------------------------------------------------- R(D) plot

test('layoutRdPlot: log distortion axis, rate from 0, capacity line, operating point, legend', () => {
  const r = sample();
  const l = layoutRdPlot(r.rateDistortion, { value: 5, estimator: 'E7c' }, { width: 800, height: 300 });
  assert.ok(!l.empty);
  assert.ok(l.rdPath.startsWith('M'));
  assert.deepEqual(l.legendEntries.map(e => e.label).slice(0, 1), ['R(D)']);
  assert.ok(l.legendEntries.some(e => e.label === 'capacity'));
  assert.ok(l.capacity && l.capacity.y >= l.box.top && l.capacity.y <= l.box.bottom);
  assert.ok(l.operating, 'the operating point is drawn when predictions were given');
  assert.ok(l.operating!.x >= l.box.left && l.operating!.x <= l.box.right);
  // Rate decreases with D: pixel y grows along the curve.
  for (let i = 1; i < l.points.length; i++) assert.ok(l.points[i].y >= l.points[i - 1].y - 1e-6);
  // The y axis starts at 0 (the Shannon lower bound is drawn at 0 when negative).
  assert.equal(l.yTicks[0].value, 0);
  assert.ok(l.xTicks.some(t => t.label));
  assert.match(rdSummary(l, 'Y'), /capacity lower bound 5.000 bits per model use/);
  const i = nearestRdPoint(l, l.points[3].x + 0.1);
  assert.equal(i, 3);
});

test('layoutRdPlot: no curve, nulls and NaN in the curve, no capacity', () => {
  const l = layoutRdPlot({ curve: [], operatingPoint: null, distortion: { value: null, source: 'none' }, rateGaussian: { value: null }, source: 'embeddings' },
    null, { width: 600, height: 300 });
  assert.ok(l.empty);
  assert.equal(l.rdPath, '');
  assert.equal(l.capacity, null);
  assert.equal(rdSummary(l, 'Z'), 'No rate\u2013distortion curve to plot.');
  const m = layoutRdPlot({
    curve: [{ distortion: 0.1, gaussian: 3, shannonLowerBound: null }, { distortion: null, gaussian: 2, shannonLowerBound: null },
      { distortion: 1, gaussian: NaN, shannonLowerBound: null }, { distortion: 10, gaussian: 0, shannonLowerBound: null }],
    operatingPoint: { mse: { value: null }, rateGaussian: { value: 1 } }, distortion: { value: 2, source: 'flag' }, rateGaussian: { value: 0.5 }, source: 'embeddings',
  }, { value: null }, { width: 600, height: 300 });
  assert.equal(m.points.length, 2);
  assert.ok(!/NaN/.test(m.rdPath));
  assert.equal(m.operating, null);
  assert.ok(m.target);
  assert.deepEqual(m.legendEntries.map(e => e.label), ['R(D)', 'target D']);
});

// ---------------------------------------------------------------- messages and state

test('messages: the information messages are validated', () => {
  const r = sample();
  assert.ok(isInformationReport(r));
  assert.ok(isHostToWebview({ type: 'information', report: r }));
  assert.ok(isHostToWebview({ type: 'informationProgress', fraction: 0.5, message: 'Capacity' }));
  assert.ok(isHostToWebview({ type: 'informationError', code: 'bad-argument', message: 'no' }));
  assert.ok(!isHostToWebview({ type: 'informationProgress', fraction: '0.5', message: 'x' }));
  assert.ok(!isHostToWebview({ type: 'informationError', code: 1, message: 'x' }));
  assert.ok(!isHostToWebview({ type: 'information', report: { ...r, kind: 'regime' } }));
  const broken = sample();
  (broken.capacity.awgn as unknown as { value: string }).value = 'NaN';
  assert.ok(!isInformationReport(broken));
  const deep = sample();
  (deep.collapse.nc1 as unknown as { provenance: string }).provenance = 'PAPER';
  assert.ok(!isInformationReport(deep), 'a malformed figure anywhere rejects the report');
  assert.ok(isInformationFigure(fig({ value: null })));
  assert.ok(!isInformationFigure({ ...fig({}), flags: 'x' }));
});

const analysisReport = (file: string, array: string) => ({
  file, format: 'npy', fileSize: 1, array: { name: array, dtype: 'float32', shape: [2, 2] }, arrays: [{ name: array, dtype: 'float32', shape: [2, 2] }],
  rowsTotal: 2, rowsUsed: 2, rowsInStatistics: 2, dim: 2, sampling: { sampled: false, method: 'all', seed: 0, maxRows: 10 },
  health: { nanRows: 0, infRows: 0, zeroRows: 0, duplicateRows: 0, deadDims: 0, deadDimIndices: [], rowNorms: null },
  eigenvalues: [1, 0.5], metrics: null, notes: [], findings: [], timings: { totalMs: 1, readMs: 0, eigenMs: 0 },
});

test('persisted state: information optional, old states still load, a malformed one is dropped', () => {
  const report = analysisReport('/a.npy', 'a');
  const old = readPersistedState({ v: 1, view: { kind: 'report', report } });
  assert.ok(old);
  assert.equal('information' in old!, false);
  const info = { report: sample(), file: '/a.npy', arrayName: 'a', stale: false };
  const withInfo = readPersistedState(JSON.parse(JSON.stringify({ v: 1, view: { kind: 'report', report }, information: info })));
  assert.equal(withInfo?.information?.file, '/a.npy');
  assert.equal(withInfo?.information?.stale, false);
  assert.ok(isInformationReport(withInfo?.information?.report));
  const bad = readPersistedState({ v: 1, view: { kind: 'report', report }, information: { report: { kind: 'information' }, file: '/a.npy', arrayName: 'a' } });
  assert.ok(bad);
  assert.equal(bad!.information, undefined);
});

test('a later report of the same file and array keeps the information, marked from an earlier run', () => {
  const cur: InformationView = { kind: 'result', report: sample(), file: '/a.npy', arrayName: 'a', stale: false };
  const same = informationForReport(cur, { file: '/a.npy', array: { name: 'a' } });
  assert.equal(same?.kind, 'result');
  assert.equal(same && same.kind === 'result' && same.stale, true);
  assert.equal(informationForReport(cur, { file: '/a.npy', array: { name: 'b' } }), null);
  assert.equal(informationForReport(cur, { file: '/b.npy', array: { name: 'a' } }), null);
  assert.equal(informationForReport({ kind: 'progress', fraction: 0.5, message: '' }, { file: '/a.npy', array: { name: 'a' } }), null);
  assert.equal(informationForReport(null, { file: '/a.npy', array: { name: 'a' } }), null);
});

// ---------------------------------------------------------------- the spec's addendum in the panel

test('panel: per input symbol is labelled reading (B); per model use is the primary unit', () => {
  assert.equal(unitText('bits per input symbol'), 'bits per input symbol (reading B)');
  assert.equal(unitText('bits per model use'), 'bits per model use');
  assert.equal(figureValueText(fig({ value: 8, unit: 'bits per input symbol' })), '8.000 bits per input symbol (reading B)');
  assert.match(UNITS_LINE, /^Primary unit: bits per model use/);
  assert.match(UNITS_LINE, /reading \(B\)/);
});

test('panel: the verdict carries the sentence that nothing asymptotic is certified', () => {
  const v = verdictView(sample().verdict);
  assert.equal(v.caveat, 'These single-letter, finite-sample estimates do not certify the paper\'s asymptotic, block-coding statements.');
});

test('panel: the inputs say where they came from; h(E) and target injectivity are figures; coarser injectivity levels are folded', () => {
  const r = sample();
  // In-memory data: no files, so only the scalars (D given) are described.
  assert.deepEqual(inputLines(r), ['Scalars: D (target distortion) = 1 (flag)']);
  const withFiles: InformationReport = { ...r, inputs: { ...r.inputs, manifest: null,
    embeddings: { role: 'embeddings', source: 'container', file: '/runs/run.h5', array: 'embeddings', format: 'hdf5', dtype: 'float32', shape: [300, 4], rows: 300, dim: 4, column: false, used: true },
    companions: { targets: { role: 'targets', source: 'container', file: '/runs/run.h5', array: 'targets', format: 'hdf5', dtype: 'float32', shape: [300], rows: 300, dim: 1, column: true, used: true } } } };
  assert.deepEqual(inputLines(withFiles).slice(0, 2), ["Z (embeddings): array 'embeddings' of run.h5 (container key)", "Y (targets): array 'targets' of run.h5 (container key)"]);
  const paths = collectFigures(r).map(e => e.path);
  assert.ok(paths.includes('capacity.perturbed.perturbationEntropy'));
  assert.ok(paths.includes('representationRate.targetInjectivity[0].collisionRate'));
  const { main, levels } = splitCollisionLevels(collectFigures(r));
  assert.ok(main.some(e => e.path === 'representationRate.targetInjectivity[0].collisionRate'));
  assert.ok(levels.some(e => e.path === 'representationRate.targetInjectivity[1].collisionRate'));
  assert.ok(!main.some(e => e.path === 'representationRate.targetInjectivity[1].collisionRate'));
});
