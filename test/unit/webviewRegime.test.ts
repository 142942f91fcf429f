import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coordinateFraction, corner, DEPTH, describePosition, faceLabel, facePolygon, FRONT, PRISM_RANGE, PRISM_VIEW,
  prismPoint, prismPosition, sliceAt, type Pt,
} from '../../webview/regimeGeometry';
import {
  assembleCurves, chooseLogY, finitePoints, gridIndexAt, layoutLossPlot, linearDomain, lossLegend, readoutLines,
  scaleValues, splitAtHorizon, valueAt, type LossPlotSource,
} from '../../webview/regimeCurves';
import {
  isHostToWebview, isRegimeResult, readPersistedState, regimeMatchesReport,
} from '../../webview/messages';
import { analyzeRegime } from '../../src/core/regime/regimeReport';
import type { RegimeResult } from '../../src/core/regime/regimeResult';
import { FACE_IDS } from '../../src/core/regime/prismPlacement';
import { mulberry32 } from '../../src/core/regime/mulberry32';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// ---------------------------------------------------------------- prism geometry

test('prism coordinates: the middle is ε = 1, a face is touched at ε = 0.1, clamped beyond', () => {
  for (const axis of ['latent', 'data', 'init'] as const) {
    assert.deepEqual(coordinateFraction(0, PRISM_RANGE[axis]), { f: 0.5, clamped: false });
    assert.deepEqual(coordinateFraction(10 * PRISM_RANGE[axis], PRISM_RANGE[axis]), { f: 1, clamped: true });
    assert.deepEqual(coordinateFraction(-10 * PRISM_RANGE[axis], PRISM_RANGE[axis]), { f: 0, clamped: true });
  }
  assert.equal(coordinateFraction(null, 1), null);
  assert.equal(coordinateFraction(NaN, 1), null);
  // ε_NL = √(H/p) = 0.1 ⇔ log(H/p) = 2 ln 0.1: on the narrow-latent side
  close(prismPosition({ latent: 2 * Math.log(0.1), data: 0, init: 0 }).u, 0);
  // ε_MF = √(p/H) = 0.1: on the mean-field side
  close(prismPosition({ latent: -2 * Math.log(0.1), data: 0, init: 0 }).u, 1);
  // ε_LD = √(p/n) = 0.1: on the large-data (front) triangle
  close(prismPosition({ latent: 0, data: 2 * Math.log(0.1), init: 0 }).w, 0);
  // ε_F = 1/(σ² max(p,H)) = 0.1 ⇔ init = ln 10: on the free side
  close(prismPosition({ latent: 0, data: 0, init: Math.log(10) }).v, 1);
  // halfway to a face in log ε is halfway in the drawing
  close(prismPosition({ latent: Math.log(0.1), data: 0, init: 0 }).u, 0.25);
});

test('prism position: clamped and missing coordinates are reported', () => {
  const pos = prismPosition({ latent: -20, data: null, init: 3 });
  assert.equal(pos.u, 0);
  assert.equal(pos.w, 0.5, 'a missing coordinate is drawn in the middle');
  assert.equal(pos.v, 1);
  assert.deepEqual(pos.clamped.sort(), ['init', 'latent']);
  assert.deepEqual(pos.missing, ['data']);
  const text = describePosition({ latent: -20, data: null, init: 3 }, pos);
  assert.match(text, /latent log\(H\/p\) = -20: at the narrow-latent side \(clamped/);
  assert.match(text, /data log\(p\/n\) is not defined/);
  assert.match(text, /at the free side \(clamped/);
  const inside = describePosition({ latent: 0, data: -1, init: 0 }, prismPosition({ latent: 0, data: -1, init: 0 }));
  assert.doesNotMatch(inside, /clamped/);
  assert.match(inside, /50% of the way from the narrow-latent side to the mean-field side/);
});

test('prism point: corners, edges and depth map where the faces are drawn', () => {
  const { A, B, E } = FRONT;
  assert.deepEqual(prismPoint({ u: 0.3, v: 0, w: 0 }), E, 'small init: the vertex E whatever the latent ratio');
  assert.deepEqual(prismPoint({ u: 0, v: 1, w: 0 }), A);
  assert.deepEqual(prismPoint({ u: 1, v: 1, w: 0 }), B);
  assert.deepEqual(prismPoint({ u: 1, v: 1, w: 1 }), corner('B', 1));
  assert.deepEqual(corner('A', 1), { x: A.x + DEPTH.x, y: A.y + DEPTH.y });
  // on the free side A–B at v = 1, on the narrow-latent side E–A at u = 0
  const onAB = prismPoint({ u: 0.5, v: 1, w: 0 });
  close(onAB.x, (A.x + B.x) / 2, 0.01);
  close(onAB.y, (A.y + B.y) / 2, 0.01);
  const onEA = prismPoint({ u: 0, v: 0.5, w: 0 });
  close(onEA.x, (A.x + E.x) / 2, 0.01);
});

/** p inside (or within 0.05 px of) triangle abc: same side of every edge, up to the 0.01 px rounding. */
function inTriangle(p: Pt, a: Pt, b: Pt, c: Pt): boolean {
  // signed distance of p from the line through p1 p2
  const dist = (p1: Pt, p2: Pt) => ((p2.x - p1.x) * (p.y - p1.y) - (p2.y - p1.y) * (p.x - p1.x)) / Math.hypot(p2.x - p1.x, p2.y - p1.y);
  const d = [dist(a, b), dist(b, c), dist(c, a)];
  return d.every(x => x >= -0.05) || d.every(x => x <= 0.05);
}

test('prism point: always inside the cross-section at its depth, and inside the drawing', () => {
  const rand = mulberry32(7);
  for (let i = 0; i < 200; i++) {
    const coords = { latent: (rand() - 0.5) * 20, data: (rand() - 0.5) * 20, init: (rand() - 0.5) * 10 };
    const pos = prismPosition(coords);
    const pt = prismPoint(pos);
    const [a, b, c] = sliceAt(pos.w);
    assert.ok(inTriangle(pt, a, b, c), `${JSON.stringify(coords)} -> ${JSON.stringify(pt)}`);
    assert.ok(pt.x >= 0 && pt.x <= PRISM_VIEW.width && pt.y >= 0 && pt.y <= PRISM_VIEW.height);
  }
});

test('prism faces: two triangles and three rectangles sharing the right edges; labels inside the drawing', () => {
  assert.equal(facePolygon('LD').length, 3);
  assert.equal(facePolygon('SD').length, 3);
  for (const f of ['F', 'MF', 'NL'] as const) assert.equal(facePolygon(f).length, 4);
  const has = (f: 'F' | 'MF' | 'NL', p: Pt) => facePolygon(f).some(q => q.x === p.x && q.y === p.y);
  // free = A–B × segment, mean-field = B–E × segment, narrow-latent = E–A × segment
  for (const d of [0, 1]) {
    assert.ok(has('F', corner('A', d)) && has('F', corner('B', d)) && !has('F', corner('E', d)));
    assert.ok(has('MF', corner('B', d)) && has('MF', corner('E', d)) && !has('MF', corner('A', d)));
    assert.ok(has('NL', corner('E', d)) && has('NL', corner('A', d)) && !has('NL', corner('B', d)));
  }
  for (const f of FACE_IDS) {
    const l = faceLabel(f);
    assert.ok(l.x > 20 && l.x < PRISM_VIEW.width - 20 && l.y > 10 && l.y < PRISM_VIEW.height - 10, `${f} label at ${l.x},${l.y}`);
  }
});

// ---------------------------------------------------------------- curves

function source(over: Partial<LossPlotSource> = {}): LossPlotSource {
  const t = [0, 1, 2, 3, 4];
  return {
    placement: { closedFormApplies: true },
    autoencoder: { tMax: 4 },
    limits: { applies: true, train: { value: 0.5 }, pop: { value: 0.6 } },
    predictions: [
      { face: 'LD', faceName: 'large-data', role: 'nearest', t, train: [2, 1.5, 1.2, 1, 0.9], pop: [2.1, 1.6, 1.3, 1.1, 1], trustedUntil: 2 },
      { face: 'NL', faceName: 'narrow-latent', role: 'second', t, train: [2, 1.4, null, 1, 0.95], pop: null, trustedUntil: null },
    ],
    simulation: {
      runs: 3, divergedRuns: 0, t,
      trainMean: [2, 1.5, 1.2, 1, 0.9], trainSd: [0, 0.1, 0.1, 0.05, 0.05],
      popMean: [2.1, 1.6, 1.3, 1.1, 1], popSd: [0, 0.1, 0.1, 0.05, null],
    },
    ...over,
  };
}

test('finite points and the split at the trusted horizon', () => {
  assert.deepEqual(finitePoints([0, 1, 2, null], [1, NaN, null, 3]), [{ t: 0, v: 1 }]);
  assert.deepEqual(finitePoints([0, 1], null), []);
  const pts = [0, 1, 2, 3].map(t => ({ t, v: 10 - t }));
  assert.deepEqual(splitAtHorizon(pts, null), { trusted: [], beyond: pts });
  assert.deepEqual(splitAtHorizon(pts, 5), { trusted: pts, beyond: [] });
  const s = splitAtHorizon(pts, 1);
  assert.deepEqual(s.trusted.map(p => p.t), [0, 1]);
  assert.deepEqual(s.beyond.map(p => p.t), [1, 2, 3], 'the faded part starts at the last trusted point, so they join');
  // rounding in t = kη does not drop the point at the horizon
  assert.deepEqual(splitAtHorizon([{ t: 0.7000000000000001, v: 1 }, { t: 0.8, v: 1 }], 0.7).trusted.length, 1);
  assert.deepEqual(splitAtHorizon(pts, -1), { trusted: [], beyond: pts });
});

test('curve assembly: predictions per loss, horizons inside the range, limits when they apply', () => {
  const c = assembleCurves(source());
  assert.equal(c.simulationOnly, false);
  assert.deepEqual(c.predictions.map(p => `${p.face}/${p.quantity}/${p.role}`), ['LD/train/nearest', 'LD/pop/nearest', 'NL/train/second']);
  assert.equal(c.predictions[2].trusted.length, 0, 'a prediction not trusted at all is entirely faded');
  assert.equal(c.predictions[2].beyond.length, 4, 'the null point is skipped');
  assert.deepEqual(c.horizons.map(h => [h.face, h.t]), [['LD', 2]]);
  assert.deepEqual(c.limits, [{ quantity: 'train', value: 0.5 }, { quantity: 'pop', value: 0.6 }]);
  assert.equal(c.tEnd, 4);
  assert.deepEqual(c.simulation.map(s => s.quantity), ['train', 'pop']);
  assert.equal(c.simulation[1].band.length, 4, 'no band where the sd is missing');
  // trusted until the end: no marker
  const whole = assembleCurves(source({ predictions: [{ ...source().predictions[0], trustedUntil: 4 }] }));
  assert.equal(whole.horizons.length, 0);
  assert.equal(assembleCurves(source({ limits: { applies: false, train: { value: 1 }, pop: { value: null } } })).limits.length, 0);
});

test('no closed form: only the simulation is plotted', () => {
  const c = assembleCurves(source({ placement: { closedFormApplies: false } }));
  assert.equal(c.simulationOnly, true);
  assert.equal(c.predictions.length, 0);
  assert.equal(c.horizons.length, 0);
  const labels = lossLegend(c).map(e => e.label);
  assert.ok(!labels.some(l => l.startsWith('Predicted')));
  assert.ok(labels.some(l => l.startsWith('Simulated (GD, 3 seeds)')));
});

test('legend names the predicted faces and the simulation (what the integration test looks for)', () => {
  const labels = lossLegend(assembleCurves(source({ simulation: { ...source().simulation!, divergedRuns: 1 } }))).map(e => e.label);
  assert.ok(labels.includes('Predicted (large-data)'));
  assert.ok(labels.includes('Predicted (narrow-latent), not trusted'));
  assert.ok(labels.some(l => l.includes('Simulated (GD, 3 seeds)') && l.includes('1 diverged')));
  assert.ok(labels.includes('Train loss') && labels.includes('Population loss') && labels.includes('Trusted horizon'));
  const noSim = lossLegend(assembleCurves(source({ simulation: null }))).map(e => e.label);
  assert.ok(!noSim.some(l => l.startsWith('Simulated')));
});

test('y scale: log only when every value is positive and they span more than two decades', () => {
  assert.equal(chooseLogY([1, 50]), false);
  assert.equal(chooseLogY([1, 100]), false);
  assert.equal(chooseLogY([1, 101]), true);
  assert.equal(chooseLogY([0.001, 2]), true);
  assert.equal(chooseLogY([-1, 500]), false, 'a negative value forces a linear axis');
  assert.equal(chooseLogY([0, 500]), false);
  assert.equal(chooseLogY([NaN, 3, 3]), false);
  assert.equal(chooseLogY([]), false);
  // the axis values: simulation, trusted predictions and limits, not the untrusted tail
  const v = scaleValues(assembleCurves(source({
    predictions: [{ face: 'NL', faceName: 'narrow-latent', role: 'nearest', t: [0, 1, 2], train: [2, 1, -1e6], pop: null, trustedUntil: 1 }],
  })));
  assert.ok(!v.includes(-1e6));
});

test('linear domain: nice bounds covering the values, never empty, never below 0 for positive values', () => {
  const [lo, hi] = linearDomain(1.02, 2.3);
  assert.ok(lo <= 1.02 && hi >= 2.3 && hi - lo < 2);
  assert.deepEqual(linearDomain(0.1, 0.9), [0, 1]);
  const [a, b] = linearDomain(5, 5);
  assert.ok(a < 5 && b > 5);
  assert.ok(linearDomain(0.01, 100)[0] >= 0);
  assert.deepEqual(linearDomain(NaN, 1), [0, 1]);
  const [n0, n1] = linearDomain(-3, -1);
  assert.ok(n0 <= -3 && n1 >= -1);
});

test('loss layout: everything inside the box, log axis for curves over decades', () => {
  const lin = layoutLossPlot(assembleCurves(source()), { width: 700, height: 320 });
  assert.equal(lin.logY, false);
  const inBox = (x: number, y: number) => x >= lin.box.left - 0.01 && x <= lin.box.right + 0.01 && y >= lin.box.top - 0.01 && y <= lin.box.bottom + 0.01;
  for (const s of lin.simulated) for (const m of s.markers) assert.ok(inBox(m.x, m.y));
  for (const h of lin.horizons) assert.ok(h.x > lin.box.left && h.x < lin.box.right);
  assert.equal(lin.limits.length, 2);
  assert.ok(Math.abs(lin.limits[0].labelY - lin.limits[1].labelY) >= 12, 'the two limit labels do not overlap');
  assert.ok(lin.predicted[0].path.trusted.startsWith('M') && lin.predicted[0].path.beyond.startsWith('M'));
  assert.equal(lin.predicted[2].path.trusted, '');
  assert.ok(lin.yTicks.length >= 3 && lin.xTicks[0].value === 0);
  assert.ok(lin.box.top > 20, 'room for the legend above the plot');

  const t = Array.from({ length: 50 }, (_, i) => i * 0.1);
  const decay = t.map(x => 500 * Math.exp(-3 * x) + 0.5);
  const log = layoutLossPlot(assembleCurves(source({
    placement: { closedFormApplies: false }, limits: { applies: false, train: { value: null }, pop: { value: null } },
    simulation: { runs: 2, divergedRuns: 0, t, trainMean: decay, trainSd: decay.map(v => v * 0.9), popMean: null, popSd: null },
  })), { width: 600, height: 300, maxMarkers: 10 });
  assert.equal(log.logY, true);
  assert.ok(log.simulated[0].markers.length <= 11);
  assert.ok(log.simulated[0].bandPath.endsWith('Z'));
  assert.ok(!/NaN|Infinity/.test(log.simulated[0].bandPath), 'a band reaching 0 is floored on a log axis');
  assert.ok(log.yTicks.some(tk => tk.label === '100'));
});

test('hover: the grid time under the pointer and its read-out', () => {
  const l = layoutLossPlot(assembleCurves(source()), { width: 700, height: 320 });
  assert.deepEqual(l.grid, [0, 1, 2, 3, 4]);
  assert.equal(gridIndexAt(l, l.xPos(2.9)), 3);
  assert.equal(gridIndexAt(l, l.box.left - 50), 0);
  const lines = readoutLines(l.curves, 3);
  assert.equal(lines[0], 't = 3.00');
  assert.ok(lines.some(s => s.startsWith('Predicted (large-data): train 1.000, population 1.100 (not trusted here)')), lines.join(' | '));
  assert.ok(lines.some(s => s.startsWith('Simulated: train 1.000 \u00b1 0.050')), lines.join(' | '));
  assert.equal(valueAt([], 1), null);
  assert.equal(valueAt([{ t: 0, v: 1 }, { t: 1, v: 2 }], 5), null);
});

// ---------------------------------------------------------------- messages and saved state

let real: RegimeResult | undefined;
/** A real regime result from the core on a small synthetic data set (JSON round trip, as the page gets it). */
async function realResult(): Promise<RegimeResult> {
  if (real) return real;
  const n = 300, d = 12, rand = mulberry32(3);
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = (rand() - 0.5) * (1 + (i % d) / 4);
  const regime = await analyzeRegime({ X, n, d }, {
    latentWidth: 3, init: { scheme: 'torch-linear-default' }, learningRate: 0.05, steps: 40, seeds: 2, recordPoints: 20,
  });
  real = JSON.parse(JSON.stringify({
    regime, source: { file: '/data/emb.npy', arrayName: 'emb', rowsTotal: n, rowsRead: n, droppedNonFinite: 0, sampled: false, seed: 0 },
  })) as RegimeResult;
  return real;
}

test('regime messages are checked before the page trusts them', async () => {
  const result = await realResult();
  assert.equal(isRegimeResult(result), true);
  assert.equal(isHostToWebview({ type: 'regime', result }), true);
  assert.equal(isHostToWebview({ type: 'regimeProgress', fraction: 0.4, message: 'GD run 1/2' }), true);
  assert.equal(isHostToWebview({ type: 'regimeProgress', fraction: '0.4', message: 'x' }), false);
  assert.equal(isHostToWebview({ type: 'regimeError', code: 'cancelled', message: 'x' }), true);
  assert.equal(isHostToWebview({ type: 'regimeError', code: 1, message: 'x' }), false);
  const broken = (edit: (r: any) => void) => {
    const r = JSON.parse(JSON.stringify(result));
    edit(r);
    return isHostToWebview({ type: 'regime', result: r });
  };
  assert.equal(broken(() => {}), true);
  assert.equal(broken(r => { r.regime.placement.nearest = 'XX'; }), false);
  assert.equal(broken(r => { r.regime.placement.label = 42; }), false);
  assert.equal(broken(r => { r.regime.placement.distances.F = 3; }), false);
  assert.equal(broken(r => { r.regime.stepSize.verdict = 'fine'; }), false);
  assert.equal(broken(r => { r.regime.predictions = [{ face: 'LD' }]; }), false);
  assert.equal(broken(r => { r.regime.simulation = { runs: 2 }; }), false);
  assert.equal(broken(r => { r.regime.findings = [1]; }), false);
  assert.equal(broken(r => { delete r.source; }), false);
  assert.equal(broken(r => { r.source.sampled = 'no'; }), false);
  // NaN and Infinity become null through JSON: still accepted (the plot skips those points)
  assert.equal(broken(r => { if (r.regime.simulation) r.regime.simulation.trainMean[1] = null; r.regime.placement.anisotropy.value = null; }), true);
  assert.equal(broken(r => { r.regime.simulation = null; }), true);
});

test('saved state: the regime is kept next to the report; old states still load unchanged', async () => {
  const result = await realResult();
  const report = { file: '/data/emb.npy', array: { name: 'emb' } };
  assert.equal(regimeMatchesReport(result.source, report), true);
  assert.equal(regimeMatchesReport(result.source, { ...report, array: { name: 'other' } }), false);
  assert.equal(regimeMatchesReport(result.source, { ...report, file: '/data/x.npy' }), false);

  const error = { kind: 'error', file: 'f', code: 'c', message: 'm' } as const;
  // without a regime: exactly what was saved (no regime key added)
  assert.deepEqual(readPersistedState({ v: 1, view: error }), { v: 1, view: error, logX: undefined });
  const withRegime = readPersistedState({ v: 1, view: error, regime: { result, stale: true } });
  assert.ok(withRegime?.regime);
  assert.equal(withRegime.regime.stale, true);
  assert.equal(withRegime.regime.result, result);
  assert.equal(readPersistedState({ v: 1, view: error, regime: { result } })?.regime?.stale, false);
  // a malformed regime is dropped, the view still loads
  const bad = readPersistedState({ v: 1, view: error, regime: { result: { regime: {} }, stale: false } });
  assert.ok(bad);
  assert.equal('regime' in bad, false);
});

test('a curve that ends where its formula leaves its domain says so; a curve running off the axis is clipped at the frame', async () => {
  const { lossSummary } = await import('../../webview/regimeLossPlot');
  const ended = assembleCurves(source({
    predictions: [{ face: 'NL', faceName: 'narrow-latent', role: 'nearest', t: [0, 1, 2], train: [2, 1.2, 0.8], pop: null, trustedUntil: 1, endedAt: 2.5 }],
  }));
  assert.equal(ended.predictions[0].endedAt, 2.5);
  const l = layoutLossPlot(ended, { width: 700, height: 320 });
  assert.match(lossSummary(l), /ending at t = 2\.50 where the formula leaves its domain/);
  assert.match(lossLegend(ended)[0].tooltip, /leaves its domain at t = 2\.50/);
  // Older reports have no endedAt: nothing is claimed.
  assert.equal(assembleCurves(source()).predictions[0].endedAt, null);

  // An untrusted tail far below the axis (values past the horizon do not set the range): the path stops at the frame.
  const off = layoutLossPlot(assembleCurves(source({
    predictions: [{ face: 'NL', faceName: 'narrow-latent', role: 'nearest', t: [0, 1, 2, 3, 4], train: [2, 1.5, -40, -80, 1.2], pop: null, trustedUntil: 1 }],
  })), { width: 700, height: 320 });
  const d = off.predicted[0].path.beyond;
  const pts = [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map(m => ({ x: Number(m[1]), y: Number(m[2]) }));
  assert.ok(pts.length >= 4, d);
  for (const q of pts) assert.ok(q.y >= off.box.top - 0.01 && q.y <= off.box.bottom + 0.01, `${JSON.stringify(q)} outside ${JSON.stringify(off.box)}`);
  assert.ok(pts.some(q => Math.abs(q.y - off.box.bottom) < 0.01), 'drawn down to the frame');
  assert.equal((d.match(/M/g) ?? []).length, 2, 'leaves at the bottom and comes back in: two pieces');
});

test('the legend names where a predicted curve comes from (the free face: the precursor [PRE])', () => {
  const c = assembleCurves(source({
    predictions: [{ face: 'F', faceName: 'free', role: 'nearest', t: [0, 1], train: [9, 1], pop: null, trustedUntil: 1, provenance: 'spec §3.5: shrinkage law [PRE] (precursor arXiv 2602.04548)' }],
  }));
  assert.match(lossLegend(c)[0].tooltip, /Source: spec §3\.5: shrinkage law \[PRE\] \(precursor arXiv 2602\.04548\)\./);
});
