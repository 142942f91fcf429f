import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barAt, componentsFor, cumulativeFractions, indexAt, layoutCumulative, layoutHistogram } from '../../webview/plotGeometry';
import {
  formatTickValue, layoutLegend, layoutSpectra, layoutSpectrum, linearTicks, makeScale, powerLawPath, powerLawValue, LEGEND_ROW,
} from '../../webview/plotScale';
import { arrayChoices } from '../../webview/format';

test('cumulative fractions: running share of the positive variance, ending at 1', () => {
  assert.deepEqual(cumulativeFractions([4, 2, 1, 1]), [0.5, 0.75, 0.875, 1]);
  // negative rounding noise and NaN count as zero, so the curve never goes down
  const f = cumulativeFractions([3, 1, -1e-17, NaN]);
  assert.deepEqual(f, [0.75, 1, 1, 1]);
  assert.deepEqual(cumulativeFractions([0, 0]), []);
  assert.deepEqual(cumulativeFractions([]), []);
  for (let i = 1; i < f.length; i++) assert.ok(f[i] >= f[i - 1]);
});

test('componentsFor: the smallest k reaching a share', () => {
  const f = [0.5, 0.75, 0.875, 1];
  assert.equal(componentsFor(f, 0.5), 1);
  assert.equal(componentsFor(f, 0.6), 2);
  assert.equal(componentsFor(f, 0.9), 4);
  assert.equal(componentsFor(f, 1), 4);
  assert.equal(componentsFor([], 0.5), null);
  // a share that only floating-point rounding keeps below the target still counts
  assert.equal(componentsFor([0.3, 0.8999999999999999], 0.9), 2);
});

test('cumulative layout: 0–100% linear axis, points inside the box, the 90% guide', () => {
  const ev = Array.from({ length: 50 }, (_, i) => 1 / (i + 1));
  for (const logX of [false, true]) {
    const l = layoutCumulative(ev, { width: 500, height: 300, logX });
    assert.equal(l.points.length, 50);
    assert.deepEqual(l.yTicks.map(t => t.label), ['0%', '20%', '40%', '60%', '80%', '100%']);
    for (const p of l.points) {
      assert.ok(p.x >= l.box.left - 1e-9 && p.x <= l.box.right + 1e-9);
      assert.ok(p.y >= l.box.top - 1e-9 && p.y <= l.box.bottom + 1e-9);
    }
    assert.equal(l.points[49].y, l.box.top, '100% at the top');
    assert.equal(l.guides.length, 1);
    const g = l.guides[0];
    assert.equal(g.k, componentsFor(l.fractions, 0.9));
    assert.ok(Math.abs(g.y - (l.box.bottom - 0.9 * (l.box.bottom - l.box.top))) < 0.01);
    assert.ok(l.xTicks.every(t => t.value >= 1 && t.value <= 50));
  }
  const log = layoutCumulative(ev, { width: 500, height: 300, logX: true });
  const lin = layoutCumulative(ev, { width: 500, height: 300, logX: false });
  assert.ok(log.points[1].x - log.points[0].x > lin.points[1].x - lin.points[0].x, 'a log axis spreads the first components');
  assert.equal(layoutCumulative([0, 0], { width: 500, height: 300, logX: false }).linePath, '');
});

test('histogram bars: one per bin, heights proportional to counts, inside the box', () => {
  const h = { edges: [0, 1, 2, 3, 4], counts: [10, 40, 20, 0] };
  const l = layoutHistogram(h, { width: 400, height: 220, marker: 1.5 });
  assert.equal(l.bars.length, 4);
  assert.equal(l.total, 70);
  assert.equal(l.maxCount, 40);
  assert.ok(l.yMax >= 40 && l.yMax <= 50, `yMax ${l.yMax}`);
  const unit = (l.box.bottom - l.box.top) / l.yMax;
  for (const b of l.bars) {
    assert.ok(Math.abs(b.height - b.count * unit) < 0.02, `bar ${b.index}`);
    assert.ok(Math.abs(b.y + b.height - l.box.bottom) < 0.02, 'bars stand on the axis');
    assert.ok(b.x >= l.box.left && b.x + b.width <= l.box.right + 0.01);
  }
  // equal widths, a 1 px gap between neighbours, left to right
  const w = l.bars[0].width;
  assert.ok(l.bars.every(b => Math.abs(b.width - w) < 0.02));
  assert.ok(Math.abs(l.bars[1].x - (l.bars[0].x + w + 1)) < 0.02);
  assert.equal(l.bars[3].height, 0);
  assert.ok(l.marker && l.marker.x > l.bars[1].x && l.marker.x < l.bars[1].x + w);
  assert.equal(barAt(l, l.bars[2].x + w / 2)?.index, 2);
  assert.equal(barAt(l, l.box.left - 20), null);
  assert.deepEqual(l.yTicks.map(t => t.value).slice(0, 2), [0, l.yTicks[1].value]);
  assert.ok(l.xTicks.length >= 2 && l.xTicks.every(t => t.value >= 0 && t.value <= 4));
});

test('histogram of a single value: one visible bar, no marker outside the range', () => {
  const l = layoutHistogram({ edges: [2.5, 2.5], counts: [7] }, { width: 400, height: 220, marker: 99 });
  assert.equal(l.singleValue, true);
  assert.equal(l.bars.length, 1);
  assert.ok(l.bars[0].width > 5);
  assert.ok(l.bars[0].x < l.xPos(2.5) && l.bars[0].x + l.bars[0].width > l.xPos(2.5));
  assert.equal(l.marker, null);
  assert.equal(l.xTicks.length, 1);
});

test('linear ticks: 1-2-5 steps inside the range, labels rounded to the step', () => {
  const t = linearTicks(0, 1, v => v, 5);
  assert.deepEqual(t.map(x => x.label), ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'], 'one number of decimals per axis');
  assert.ok(!Object.is(linearTicks(-1, 1, v => v, 4)[2].value, -0));
  assert.deepEqual(linearTicks(3.3, 17.9, v => v, 4).map(x => x.value), [5, 10, 15]);
  assert.equal(formatTickValue(0.30000000000000004, 0.1), '0.3');
  assert.equal(formatTickValue(2e7, 1e7), '2e7');
  assert.equal(formatTickValue(1e-10, 1), '0');
  assert.equal(formatTickValue(0, 0.5), '0.0');
  assert.equal(formatTickValue(15, 5), '15');
});

test('scales invert, and the index under the pointer is found on both axes', () => {
  const lin = makeScale(1, 100, 50, 550, false);
  const log = makeScale(1, 100, 50, 550, true);
  for (const v of [1, 7, 42, 100]) {
    assert.ok(Math.abs(lin.invert(lin(v)) - v) < 1e-9);
    assert.ok(Math.abs(log.invert(log(v)) - v) < 1e-9);
  }
  assert.equal(indexAt(log, log(10) + 0.2, 100), 10);
  assert.equal(indexAt(lin, 0, 100), 1);
  assert.equal(indexAt(lin, 9999, 100), 100);
});

test('power-law line: from kMin to kMax on the fitted values', () => {
  const fit = { alpha: 1.5, log10Intercept: Math.log10(3), kMin: 2, kMax: 40 };
  assert.ok(Math.abs(powerLawValue(fit, 1) - 3) < 1e-12);
  assert.ok(Math.abs(powerLawValue(fit, 4) - 3 * 4 ** -1.5) < 1e-12);
  const l = layoutSpectrum(Array.from({ length: 50 }, (_, i) => 3 * (i + 1) ** -1.5), {
    width: 600, height: 300, logX: true, powerLaw: fit, legend: ['Eigenvalues', 'Fit'],
  });
  const pts = l.fitPath.split(/[ML]/).filter(Boolean).map(p => p.trim().split(' ').map(Number));
  assert.ok(pts.length > 10);
  assert.ok(Math.abs(pts[0][0] - l.xPos(2)) < 0.02, 'starts at kMin');
  assert.ok(Math.abs(pts[pts.length - 1][0] - l.xPos(40)) < 0.02, 'ends at kMax');
  // an exact power law: the line goes through the eigenvalues
  assert.ok(Math.abs(pts[0][1] - l.points[1].y) < 0.05);
  // on a log index axis it is straight: equal slopes between samples
  const slope = (a: number[], b: number[]) => (b[1] - a[1]) / (b[0] - a[0]);
  assert.ok(Math.abs(slope(pts[0], pts[1]) - slope(pts[pts.length - 2], pts[pts.length - 1])) < 0.01);
  assert.equal(powerLawPath(null, l.xPos, l.yPos), '');
  assert.equal(powerLawPath({ ...fit, kMax: 2 }, l.xPos, l.yPos), '');
  assert.equal(powerLawPath({ ...fit, alpha: NaN }, l.xPos, l.yPos), '');
});

test('legend: entries wrap into rows and push the plot area down', () => {
  const one = layoutLegend(['a', 'b'], 60, 600);
  assert.equal(one.rows, 1);
  assert.ok(one.items[1].x > one.items[0].x);
  const two = layoutLegend(['x'.repeat(40), 'y'.repeat(40)], 60, 400);
  assert.equal(two.rows, 2);
  assert.equal(two.items[1].x, 60);
  assert.equal(two.items[1].y - two.items[0].y, LEGEND_ROW);
  assert.equal(layoutLegend([], 0, 100).rows, 0);
  const withLegend = layoutSpectrum([4, 2, 1], { width: 600, height: 300, logX: false, legend: ['a'] });
  const without = layoutSpectrum([4, 2, 1], { width: 600, height: 300, logX: false });
  assert.ok(withLegend.box.top > without.box.top);
  assert.ok(withLegend.legend.items[0].y < withLegend.box.top);
});

test('two spectra share their axes', () => {
  const l = layoutSpectra([[10, 1, 0.1], [5, 0.5, 0.05, 0.005, 0]], { width: 600, height: 300, logX: false });
  assert.equal(l.series.length, 2);
  assert.equal(l.xMax, 5);
  assert.equal(l.series[0].points.length, 3);
  assert.equal(l.series[1].points.length, 4);
  assert.equal(l.series[1].omitted, 1);
  // same value, same height, whichever series it is in
  assert.equal(l.yPos(1), l.series[0].points[1].y);
  assert.ok(l.series[1].points[3].y <= l.box.bottom && l.series[0].points[0].y >= l.box.top);
});

test('array choices: every array with dtype and shape; the unanalysable disabled with their reason', () => {
  const c = arrayChoices([
    { name: 'emb', dtype: 'float32', shape: [100, 8], analysable: true },
    { name: 'ids', dtype: 'int64', shape: [100], analysable: true },
    { name: 'titles', dtype: 'object', shape: [100], analysable: false, reason: 'object arrays need pickle' },
    { name: 'scalar', dtype: 'float64', shape: [], analysable: false },
  ], 'emb');
  assert.equal(c.length, 4);
  assert.equal(c[0].label, 'emb \u2014 float32, 100 \u00d7 8');
  assert.equal(c[0].selected, true);
  assert.equal(c[1].selected, false);
  assert.equal(c[1].disabled, false);
  assert.equal(c[2].disabled, true);
  assert.match(c[2].label, /object arrays need pickle/);
  assert.match(c[2].description, /Cannot be analysed: object arrays need pickle/);
  assert.match(c[3].label, /scalar \u2014 float64, scalar \(not analysable\)/);
});
