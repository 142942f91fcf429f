import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeRegime } from '../../src/core/regime/regimeReport';
import { FACE_IDS } from '../../src/core/regime/prismPlacement';
import { mulberry32 } from '../../src/core/regime/mulberry32';
import { formatNumber } from '../../webview/format';
import { cursorAfterKey, PAGE_STEP } from '../../webview/plotCursor';
import { cumulativeFractions, layoutCumulative, layoutHistogram } from '../../webview/plotGeometry';
import {
  binRange, compareSpectrumAnnouncement, compareSpectrumReadout, cumulativeAnnouncement, cumulativeReadout, histogramAnnouncement,
  histogramReadout, lossAnnouncement, prismItems, rdAnnouncement, rdReadout, spectrumAnnouncement, spectrumReadout,
} from '../../webview/plotReadouts';
import { layoutSpectrum } from '../../webview/plotScale';

/** The position after pressing `keys` in turn, from `start`. */
function press(keys: string[], start: number | null, count: number): number | null {
  let at = start;
  for (const key of keys) {
    const r = cursorAfterKey(key, at, count);
    if (r.handled) at = r.position;
  }
  return at;
}

test('cursor keys: arrows step by one, Page Up/Down by 10, Home/End to the ends, all stopping there', () => {
  assert.equal(PAGE_STEP, 10);
  const n = 64;
  assert.deepEqual(cursorAfterKey('ArrowRight', 5, n), { handled: true, position: 6 });
  assert.deepEqual(cursorAfterKey('ArrowLeft', 5, n), { handled: true, position: 4 });
  assert.deepEqual(cursorAfterKey('PageDown', 5, n), { handled: true, position: 15 });
  assert.deepEqual(cursorAfterKey('PageUp', 15, n), { handled: true, position: 5 });
  assert.deepEqual(cursorAfterKey('Home', 30, n), { handled: true, position: 0 });
  assert.deepEqual(cursorAfterKey('End', 3, n), { handled: true, position: 63 });
  // no wrap-around: the ends hold
  assert.deepEqual(cursorAfterKey('ArrowRight', 63, n), { handled: true, position: 63 });
  assert.deepEqual(cursorAfterKey('ArrowLeft', 0, n), { handled: true, position: 0 });
  assert.deepEqual(cursorAfterKey('PageDown', 58, n), { handled: true, position: 63 });
  assert.deepEqual(cursorAfterKey('PageUp', 4, n), { handled: true, position: 0 });
  assert.equal(press(['ArrowRight', 'ArrowRight', 'ArrowRight'], 0, n), 3);
  assert.equal(press(['End', 'PageUp', 'ArrowLeft'], null, n), 52);
});

test('cursor keys: the first key shows the first item (End the last); Escape clears', () => {
  for (const key of ['ArrowRight', 'ArrowLeft', 'PageDown', 'PageUp', 'Home']) {
    assert.deepEqual(cursorAfterKey(key, null, 20), { handled: true, position: 0 }, key);
  }
  assert.deepEqual(cursorAfterKey('End', null, 20), { handled: true, position: 19 });
  assert.deepEqual(cursorAfterKey('Escape', 7, 20), { handled: true, position: null });
  // with nothing to clear, Escape is left to the page
  assert.deepEqual(cursorAfterKey('Escape', null, 20), { handled: false });
});

test('cursor keys: other keys and empty plots are left to the page; a stale position is clamped', () => {
  for (const key of ['Tab', 'Enter', ' ', 'ArrowUp', 'ArrowDown', 'a']) assert.deepEqual(cursorAfterKey(key, 3, 20), { handled: false }, key);
  assert.deepEqual(cursorAfterKey('ArrowRight', null, 0), { handled: false });
  assert.deepEqual(cursorAfterKey('End', null, 0), { handled: false });
  // the data shrank under the cursor (e.g. a new report): it steps on from the last item
  assert.deepEqual(cursorAfterKey('ArrowLeft', 40, 10), { handled: true, position: 8 });
  assert.deepEqual(cursorAfterKey('ArrowRight', 40, 10), { handled: true, position: 9 });
});

test('spectrum read-out and announcement: index of all eigenvalues, value, cumulative share, fit inside its window', () => {
  const ev = [4, 2, 1, 0.5, 0.5, 0];
  const l = layoutSpectrum(ev, { width: 600, height: 300, logX: false });
  assert.equal(l.points.length, 5, 'the zero eigenvalue is not plotted');
  const f = cumulativeFractions(ev);
  const p2 = l.points[1];
  assert.equal(spectrumReadout(p2), '\u03bb2 = 2.000');
  assert.equal(spectrumAnnouncement(p2, l.total, f[p2.index - 1]), 'Eigenvalue 2 of 6: 2.000, 75.0% cumulative');
  const last = l.points[l.points.length - 1];
  assert.equal(spectrumAnnouncement(last, l.total, f[last.index - 1]), 'Eigenvalue 5 of 6: 0.5000, 100% cumulative');
  // λ̂ = 4·k^(−1) over k = 1..3
  const fit = { alpha: 1, log10Intercept: Math.log10(4), kMin: 1, kMax: 3 };
  assert.equal(spectrumReadout(p2, fit), '\u03bb2 = 2.000 (fit 2.00)');
  assert.equal(spectrumAnnouncement(p2, l.total, f[1], fit), 'Eigenvalue 2 of 6: 2.000, 75.0% cumulative; power-law fit 2.00');
  assert.equal(spectrumAnnouncement(l.points[3], l.total, f[3], fit), 'Eigenvalue 4 of 6: 0.5000, 93.8% cumulative', 'k = 4 is outside the fit');
});

test('cumulative read-out and announcement: top-k share of the variance', () => {
  const l = layoutCumulative([4, 2, 1, 1], { width: 600, height: 300, logX: false });
  assert.equal(cumulativeReadout(l.points[1]), 'top 2: 75.0%');
  assert.equal(cumulativeAnnouncement(l.points[1], l.total), 'Top 2 of 4 directions: 75.0% of the variance');
  assert.equal(cumulativeAnnouncement(l.points[3], l.total), 'Top 4 of 4 directions: 100% of the variance');
});

test('histogram read-out and announcement: the bin, its range (last bin closed), rows and share', () => {
  const l = layoutHistogram({ edges: [0, 1, 2, 3], counts: [1, 6, 3] }, { width: 500, height: 200 });
  assert.equal(binRange(1, 2, false), '[1.000, 2.000)');
  assert.equal(binRange(2, 2, true), '2.000', 'a bin of one value');
  assert.equal(histogramReadout(l.bars[1], l.bars.length, l.total), '[1.000, 2.000): 6 rows (60.0%)');
  assert.equal(histogramAnnouncement(l.bars[2], l.bars.length, l.total), 'Bin 3 of 3, row norm [2.000, 3.000]: 3 rows (30.0%)');
  assert.equal(histogramAnnouncement(l.bars[0], l.bars.length, l.total), 'Bin 1 of 3, row norm [0, 1.000): 1 row (10.0%)');
});

test('compare, loss and R(D) announcements name the item, its place and every value', () => {
  assert.equal(compareSpectrumReadout(3, 0.25, undefined), '\u03bb3: L 0.250 \u00b7 R \u2014');
  assert.equal(compareSpectrumAnnouncement(3, 10, 0.25, 0.125, { left: 'a.npy', right: 'b.npy' }),
    'Eigenvalue 3 of 10: left (a.npy) 0.2500, right (b.npy) 0.1250');
  assert.equal(compareSpectrumAnnouncement(9, 10, 0.25, undefined, { left: 'a.npy', right: 'b.npy' }),
    'Eigenvalue 9 of 10: left (a.npy) 0.2500, right (b.npy) not plotted');
  assert.equal(lossAnnouncement(['t = 0.5', 'Simulated: train 1.2'], 4, 50), 'Time step 5 of 50: t = 0.5; Simulated: train 1.2');
  assert.equal(rdReadout({ d: 0.5, r: 3.25 }), 'D = 0.500: R(D) \u2264 3.250 bits');
  assert.equal(rdAnnouncement({ d: 0.5, r: 3.25 }, 2, 48), 'Point 3 of 48: distortion D = 0.500, R(D) at most 3.250 bits per model use');
});

test('prism cursor stops: the configuration, then every face with its distance and role', async () => {
  const n = 200, d = 10, rand = mulberry32(5);
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = rand() - 0.5;
  const regime = await analyzeRegime({ X, n, d }, { latentWidth: 2, init: { scheme: 'torch-linear-default' }, learningRate: 0.05, steps: 10, seeds: 1, recordPoints: 5 });
  const p = regime.placement;
  const items = prismItems(p, 'Near the front.');
  assert.deepEqual(items.map(i => i.id), ['config', ...FACE_IDS]);
  assert.equal(items[0].text, 'This configuration. Near the front.');
  const nearest = items.find(i => i.id === p.nearest)!;
  assert.match(nearest.text, /nearest face/);
  for (const f of FACE_IDS) {
    const text = items.find(i => i.id === f)!.text;
    assert.ok(text.includes(`(${f}, `), text);
    assert.ok(text.includes(`distance \u03b5 = ${formatNumber(p.distances[f].value, 3)}`), text);
  }
  assert.equal(items.filter(i => /nearest face/.test(i.text)).length, 1);
});
