import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Projection } from '../../src/core/report/projection';
import type { RowMetadata } from '../../src/core/rows/rowMetadata';
import { isWebviewToHost } from '../../src/shared/protocol';
import { isHostToWebview } from '../../webview/messages';
import {
  asProjection, axisTitle, choosePair, componentChoices, flagNames, isRowMetadata, leftOutSentence, pickComponent, pointAnnouncement,
  pointReadout, sampleMetadata, sampleSentence, truncateText,
} from '../../webview/projectionData';
import {
  baseMap, fitDomain, GridIndex, HOME_VIEW, keyboardOrder, MAX_ZOOM, MIN_ZOOM, panBy, screenToBase, toBase, visibleDomain, zoomAt,
} from '../../webview/projectionGeometry';
import {
  CATEGORICAL_PALETTE, CONTINUOUS_STEPS, continuousColouring, continuousStep, findingColouring, hiddenBuckets, labelColouring, legendEntries,
  pointsByBucket, SEQUENTIAL_STOPS, sequentialColour, toggleHidden, type ThemeColours,
} from '../../webview/projectionColours';
import { drawMovedRaster, packColour, pointsInView, rasterPoints, type PointLayer } from '../../webview/projectionCanvas';
import { csvField, decimate, decimationNote, projectionCsv, SVG_MAX_POINTS } from '../../webview/projectionExport';

const THEME: ThemeColours = { series: '#3794ff', muted: '#808080', zero: '#ff0000', duplicate: '#ffff00', outlier: '#800080' };

/** A small projection: 5 rows on 3 available components. */
function projection(): Projection {
  return {
    rows: [0, 3, 4, 9, 12], x: [1, -1, 0.5, 2, 0], y: [0, 1, -2, 0.5, 0],
    components: [1, 2], explained: [0.5, 0.25],
    available: { components: [1, 2, 3], explained: [0.5, 0.25, 0.125], coordinates: [[1, -1, 0.5, 2, 0], [0, 1, -2, 0.5, 0], [3, 2, 1, 0, -1]] },
    norms: [1, 1.4, 2.1, 2.06, 0], flags: [0, 4, 0, 2, 1], rowsEligible: 20, leftOut: { nan: 2, inf: 1, null: 0 },
    sampleMethod: 'uniform sample of 5 of 20 finite rows (seed 0)', seed: 0, formula: 'x = (v − μ)·u',
  };
}

/** Deterministic uniform numbers for the geometry checks. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

// ---------------------------------------------------------------- messages and data checks

test('asProjection: a well-formed projection is taken as it is; older reports (none) and malformed ones give null', () => {
  const p = projection();
  assert.equal(asProjection(p), p);
  assert.equal(asProjection(undefined), null);
  assert.equal(asProjection({ ...p, x: p.x.slice(1) }), null, 'x shorter than rows');
  assert.equal(asProjection({ ...p, y: [0, NaN, 0, 0, 0] }), null, 'a non-finite coordinate');
  assert.equal(asProjection({ ...p, rows: [0, 1.5, 2, 3, 4] }), null, 'a fractional row index');
  assert.equal(asProjection({ ...p, flags: [0, 0, 0, 0] }), null);
  assert.equal(asProjection({ ...p, leftOut: { nan: 1 } }), null);
  // a malformed `available` is dropped, the default pair still draws
  const bad = asProjection({ ...p, available: { components: [1, 2], explained: [0.5], coordinates: [] } });
  assert.ok(bad);
  assert.equal(bad.available, undefined);
  assert.deepEqual(bad.x, p.x);
  const short = asProjection({ ...p, available: { ...p.available!, coordinates: [[1], [2], [3]] } });
  assert.equal(short?.available, undefined);
});

test('row metadata: validated like the other host messages (one value per row, known roles, scalar values)', () => {
  const meta: RowMetadata = {
    source: 'columns of a.parquet', rows: [0, 3],
    columns: [{ name: 'topic', role: 'label', values: ['a', null] }, { name: 'score', role: 'numeric', values: [1.5, 2] }],
    labelColumn: 'topic',
  };
  assert.ok(isRowMetadata(meta));
  assert.ok(isHostToWebview({ type: 'rowMetadata', metadata: meta }));
  assert.equal(isHostToWebview({ type: 'rowMetadata', metadata: { ...meta, columns: [{ name: 'topic', role: 'label', values: ['a'] }] } }), false);
  assert.equal(isHostToWebview({ type: 'rowMetadata', metadata: { ...meta, columns: [{ name: 't', role: 'html', values: ['a', 'b'] }] } }), false);
  assert.equal(isHostToWebview({ type: 'rowMetadata', metadata: { ...meta, columns: [{ name: 't', role: 'text', values: [{ toString: 1 }, 'b'] }] } }), false);
  assert.equal(isHostToWebview({ type: 'rowMetadata', metadata: { ...meta, rows: [-1, 3] } }), false);
  assert.equal(isHostToWebview({ type: 'rowMetadata', metadata: { ...meta, labelColumn: 3 } }), false);
  assert.equal(isHostToWebview({ type: 'rowMetadata' }), false);
});

test('openRow and exportCsv: the host takes whole non-negative rows and named CSV exports only', () => {
  assert.ok(isWebviewToHost({ type: 'openRow', row: 0 }));
  assert.ok(isWebviewToHost({ type: 'openRow', row: 1_000_000 }));
  for (const row of [-1, 1.5, NaN, Infinity, '3', null, 2 ** 60]) assert.equal(isWebviewToHost({ type: 'openRow', row }), false, String(row));
  assert.ok(isWebviewToHost({ type: 'exportCsv', plot: 'projection', data: 'row,pc1\r\n' }));
  assert.equal(isWebviewToHost({ type: 'exportCsv', plot: '../x', data: '' }), false);
  assert.equal(isWebviewToHost({ type: 'exportCsv', plot: 'projection', data: 3 }), false);
});

// ---------------------------------------------------------------- components and sentences

test('component pairs: any two available components, picking the other axis\'s component swaps them', () => {
  const p = projection();
  const choices = componentChoices(p);
  assert.deepEqual(choices.map(c => c.component), [1, 2, 3]);
  assert.deepEqual(choosePair(choices, null, p.components).map(c => c.component), [1, 2]);
  assert.deepEqual(choosePair(choices, [3, 1], p.components).map(c => c.component), [3, 1]);
  assert.deepEqual(choosePair(choices, [1, 7], p.components).map(c => c.component), [1, 2], 'an unavailable component falls back to the default');
  assert.deepEqual(choosePair(choices, [2, 2], p.components).map(c => c.component), [1, 2]);
  assert.deepEqual(pickComponent([1, 2], 1, 3), [1, 3]);
  assert.deepEqual(pickComponent([1, 2], 0, 2), [2, 1]);
  // without `available` only the default pair is offered
  const { available: _a, ...plain } = p;
  assert.deepEqual(componentChoices(plain).map(c => [c.component, c.coordinates]), [[1, p.x], [2, p.y]]);
  assert.equal(axisTitle({ component: 2, explained: 0.0625 }), 'PC2 (6.25% of variance)');
});

test('sentences: the sample size always, the rows left out by kind', () => {
  const p = projection();
  assert.equal(sampleSentence(p), '5 of 20 finite rows, uniform sample, seed 0');
  assert.equal(sampleSentence({ ...p, rowsEligible: 5 }), 'all 5 finite rows');
  assert.equal(leftOutSentence(p), 'Left out (not finite vectors): 2 rows with NaN, 1 row with \u00b1Inf.');
  assert.equal(leftOutSentence({ ...p, leftOut: { nan: 0, inf: 0, null: 3 } }), 'Left out (not finite vectors): 3 null rows.');
  assert.equal(leftOutSentence({ ...p, leftOut: { nan: 0, inf: 0, null: 0 } }), '');
  assert.deepEqual(flagNames(7), ['zero row', 'duplicate', 'outlier']);
});

test('metadata lined up with the sample rows by global index; rows it lacks get null', () => {
  const p = projection();
  const meta: RowMetadata = {
    source: 's', rows: [12, 0, 4, 99],
    columns: [
      { name: 'id', role: 'id', values: ['a', 'b', 'c', 'd'] },
      { name: 'cls', role: 'label', values: [7, 'x', null, 'y'] },
      { name: 'body', role: 'text', values: ['t12', 't0', 't4', 't99'] },
      { name: 'score', role: 'numeric', values: [1, 'n/a', 3, 4] },
    ],
  };
  const m = sampleMetadata(p.rows, meta)!;
  assert.deepEqual(m.label, { name: 'cls', values: ['x', null, null, null, '7'] });
  assert.deepEqual(m.text?.values, ['t0', null, 't4', null, 't12']);
  assert.deepEqual(m.numeric, [{ name: 'score', values: [null, null, 3, null, 1] }]);
  // the named columns win over the first of their role
  const named = sampleMetadata(p.rows, { ...meta, labelColumn: 'id', textColumn: 'id' })!;
  assert.equal(named.label?.name, 'id');
  assert.equal(sampleMetadata(p.rows, null), null);
});

test('read-outs: texts cut to whole characters with an ellipsis, control characters blanked, markup kept as text', () => {
  assert.equal(truncateText('short'), 'short');
  const long = '\u{1F600}'.repeat(100);
  const cut = truncateText(long, 10);
  assert.equal(Array.from(cut).length, 10);
  assert.ok(cut.endsWith('\u2026'));
  assert.ok(!cut.includes('\ud83d\u2026'), 'no half surrogate pair');
  assert.equal(truncateText('a\nb\u0000c'), 'a b c');
  const facts = { row: 12, x: 0.5, y: -2, components: [1, 3] as const, label: '<b>x</b>', text: '<script>alert(1)</script>', flags: 4 };
  assert.equal(pointReadout(facts), 'row 12 \u00b7 <b>x</b> \u00b7 PC1 0.500, PC3 -2.00');
  const said = pointAnnouncement(facts, 2, 5, 'by row');
  assert.ok(said.startsWith('Point 3 of 5, by row: row 12, PC1 = 0.5'), said);
  assert.ok(said.includes('label <b>x</b>, outlier; text \u201c<script>alert(1)</script>\u201d'), said);
});

// ---------------------------------------------------------------- geometry

test('data → screen: the fitted domain fills the plot box, y up; the inverse maps back', () => {
  const xs = [0, 10, 5], ys = [-1, 1, 0];
  const d = fitDomain(xs, ys, 0);
  assert.deepEqual(d, { x0: 0, x1: 10, y0: -1, y1: 1 });
  const box = { left: 50, top: 10, right: 450, bottom: 210 };
  const m = baseMap(d, box);
  const { bx, by } = toBase(xs, ys, m);
  assert.deepEqual([bx[0], by[0]], [50, 210]);
  assert.deepEqual([bx[1], by[1]], [450, 10]);
  assert.deepEqual([bx[2], by[2]], [250, 110]);
  assert.deepEqual(visibleDomain(HOME_VIEW, m, box), d);
  // a single value gets a span around it; padding widens each side by its share
  assert.deepEqual(fitDomain([3, 3], [0, 0], 0), { x0: 1.5, x1: 4.5, y0: -1, y1: 1 });
  const padded = fitDomain([0, 10], [0, 10], 0.1);
  assert.deepEqual([padded.x0, padded.x1], [-1, 11]);
});

test('zoom keeps the point under the pointer fixed and stays within its limits; pan shifts; screen ↔ base round-trips', () => {
  const v0 = panBy(HOME_VIEW, 30, -20);
  const px = 200, py = 120;
  const [bx, by] = screenToBase(v0, px, py);
  const v1 = zoomAt(v0, px, py, 3);
  assert.equal(v1.k, 3);
  assert.ok(Math.abs(bx * v1.k + v1.tx - px) < 1e-9 && Math.abs(by * v1.k + v1.ty - py) < 1e-9);
  assert.equal(zoomAt(v1, 0, 0, 1e9).k, MAX_ZOOM);
  assert.equal(zoomAt(v1, 0, 0, 1e-9).k, MIN_ZOOM);
  const box = { left: 0, top: 0, right: 100, bottom: 100 };
  const m = baseMap({ x0: 0, x1: 100, y0: 0, y1: 100 }, box);
  // zoom ×2 about the centre: the view shows the middle half of each axis
  const d = visibleDomain(zoomAt(HOME_VIEW, 50, 50, 2), m, box);
  assert.deepEqual([d.x0, d.x1, d.y0, d.y1], [25, 75, 25, 75]);
});

test('grid index: the nearest point within the radius matches a brute-force search (ties to the lower index), hidden points skipped', () => {
  const next = uniform(7);
  const n = 3000;
  const bx = Float32Array.from({ length: n }, () => Math.round(next() * 400 * 4) / 4);
  const by = Float32Array.from({ length: n }, () => Math.round(next() * 300 * 4) / 4);
  const grid = new GridIndex(bx, by, 8);
  const hidden = (i: number) => i % 5 === 0;
  for (let q = 0; q < 400; q++) {
    const x = next() * 440 - 20, y = next() * 340 - 20, radius = 1 + next() * 30;
    let best = -1, bestD = radius * radius;
    for (let i = 0; i < n; i++) {
      if (hidden(i)) continue;
      const dd = (bx[i] - x) ** 2 + (by[i] - y) ** 2;
      if (dd < bestD || (dd === bestD && best >= 0 && i < best) || (dd === bestD && best < 0)) { best = i; bestD = dd; }
    }
    assert.equal(grid.nearest(x, y, radius, i => !hidden(i)), best, `query ${q} at (${x}, ${y}) r ${radius}`);
  }
  assert.equal(grid.nearest(-1000, -1000, 5), -1);
});

test('box selection: the points inside the rectangle (corners in any order), ascending, as a brute-force filter finds them', () => {
  const next = uniform(11);
  const n = 2000;
  const bx = Float32Array.from({ length: n }, () => next() * 500);
  const by = Float32Array.from({ length: n }, () => next() * 500);
  const grid = new GridIndex(bx, by, 8);
  for (let q = 0; q < 50; q++) {
    const ax = next() * 600 - 50, ay = next() * 600 - 50, cx = next() * 600 - 50, cy = next() * 600 - 50;
    const expected: number[] = [];
    for (let i = 0; i < n; i++) {
      if (bx[i] >= Math.min(ax, cx) && bx[i] <= Math.max(ax, cx) && by[i] >= Math.min(ay, cy) && by[i] <= Math.max(ay, cy) && i % 3 !== 0) expected.push(i);
    }
    assert.deepEqual(grid.inRect(ax, ay, cx, cy, i => i % 3 !== 0), expected);
  }
  assert.deepEqual(new GridIndex(new Float32Array(0), new Float32Array(0)).inRect(0, 0, 10, 10), []);
});

test('keyboard order: by row, or nearest the view centre first (ties by row); hidden points left out', () => {
  const bx = Float32Array.from([0, 10, 3, -3, 1]), by = Float32Array.from([0, 0, 4, 0, 0]);
  assert.deepEqual(Array.from(keyboardOrder('row', bx, by, i => i !== 4, 0, 0)), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(keyboardOrder('nearest', bx, by, () => true, 0, 0)), [0, 4, 3, 2, 1]);
  assert.deepEqual(Array.from(keyboardOrder('nearest', bx, by, i => i !== 0, 9, 0)), [1, 2, 4, 3]);
});

// ---------------------------------------------------------------- colours

test('label colouring: the most frequent classes get the palette, the rest "other", missing labels their own bucket', () => {
  const values = ['b', 'a', 'b', null, 'c', 'b', 'a'];
  const c = labelColouring(values, THEME, 'Label');
  const byKey = new Map(c.buckets.map(b => [b.key, b]));
  assert.equal(byKey.get('class:b')?.colour, CATEGORICAL_PALETTE[0]);
  assert.equal(byKey.get('class:a')?.colour, CATEGORICAL_PALETTE[1]);
  assert.equal(byKey.get('missing')?.count, 1);
  values.forEach((v, i) => assert.equal(c.buckets[c.bucket[i]].key, v === null ? 'missing' : `class:${v}`));
  assert.deepEqual(legendEntries(c).map(b => `${b.label} ${b.count}`), ['b 3', 'a 2', 'c 1', 'no label 1']);
  // the smallest class is drawn last (on top), missing first
  assert.equal(c.buckets[0].key, 'missing');
  assert.equal(c.buckets.at(-1)?.key, 'class:c');
  // more classes than colours: the palette's size minus one, then "other"
  const many = Array.from({ length: 100 }, (_, i) => `k${i % 10}`);
  const m = labelColouring(many, THEME, 'Label');
  const other = m.buckets.find(b => b.key === 'other')!;
  assert.equal(other.count, 100 - (CATEGORICAL_PALETTE.length - 1) * 10);
  assert.equal(other.label, `other (${10 - (CATEGORICAL_PALETTE.length - 1)} classes)`);
  assert.equal(m.buckets.filter(b => b.key.startsWith('class:')).length, CATEGORICAL_PALETTE.length - 1);
});

test('legend hide: a click toggles the class; the hidden buckets follow the keys', () => {
  const c = labelColouring(['a', 'b', 'a'], THEME, 'Label');
  let hidden = toggleHidden(new Set(), 'class:a');
  assert.deepEqual([...hidden], ['class:a']);
  const mask = hiddenBuckets(c, hidden);
  c.buckets.forEach((b, i) => assert.equal(mask[i], b.key === 'class:a' ? 1 : 0));
  hidden = toggleHidden(hidden, 'class:a');
  assert.equal(hidden.size, 0);
});

test('continuous colouring: viridis ends at min and max, nulls apart, bucket counts add up', () => {
  assert.equal(sequentialColour(0), SEQUENTIAL_STOPS[0]);
  assert.equal(sequentialColour(1), SEQUENTIAL_STOPS[SEQUENTIAL_STOPS.length - 1]);
  assert.equal(sequentialColour(0.5), SEQUENTIAL_STOPS[4]);
  assert.equal(continuousStep(0, 0, 1), 0);
  assert.equal(continuousStep(1, 0, 1), CONTINUOUS_STEPS - 1);
  assert.equal(continuousStep(0.5, 0, 1), CONTINUOUS_STEPS / 2);
  assert.equal(continuousStep(3, 3, 3), CONTINUOUS_STEPS / 2);
  const c = continuousColouring([2, null, 4, 3, NaN], THEME, 'score');
  assert.deepEqual(c.legend, { kind: 'bar', title: 'score', min: 2, max: 4 });
  assert.equal(c.bucket[1], 0);
  assert.equal(c.bucket[4], 0);
  assert.equal(c.bucket[0], 1);
  assert.equal(c.bucket[2], CONTINUOUS_STEPS);
  assert.equal(c.buckets.reduce((s, b) => s + b.count, 0), 5);
  assert.deepEqual(continuousColouring([null], THEME, 'x').legend, { kind: 'none' });
});

test('finding colouring: zero rows over duplicates over outliers over the rest; points grouped by bucket', () => {
  const c = findingColouring([0, 4, 2, 1, 3, 6], THEME);
  assert.deepEqual(Array.from(c.bucket, b => c.buckets[b].key), ['none', 'outlier', 'duplicate', 'zero', 'zero', 'duplicate']);
  assert.deepEqual(legendEntries(c).map(b => b.key), ['zero', 'duplicate', 'outlier', 'none']);
  const { order, start } = pointsByBucket(c);
  assert.deepEqual(Array.from(start), [0, 1, 2, 4, 6]);
  assert.deepEqual(Array.from(order), [0, 1, 2, 5, 3, 4]);
});

test('raster: each point a square of its bucket colour inside the plot box; hidden buckets and points outside left out', () => {
  assert.equal(packColour('#ff0000', 1), 0xff0000ff);
  assert.equal(packColour('rgba(0, 0, 255, 0.5)', 1) >>> 24, 128);
  const w = 20, h = 12;
  const buf = new Uint32Array(w * h).fill(7);
  const layer: PointLayer = {
    bx: Float32Array.from([5, 6, 15, 30]), by: Float32Array.from([5, 5, 5, 5]),
    order: Uint32Array.from([0, 3, 1, 2]), start: Uint32Array.from([0, 2, 3, 4]), colours: ['a', 'b', 'c'], hidden: Uint8Array.from([0, 0, 1]),
  };
  const packed = Uint32Array.from([1, 2, 3]);
  rasterPoints(buf, w, h, layer, packed, HOME_VIEW, { left: 0, top: 0, right: 18, bottom: 12 }, 2, 1);
  const at = (x: number, y: number) => buf[y * w + x];
  assert.deepEqual([at(4, 4), at(5, 4), at(4, 5), at(5, 5)], [1, 2, 1, 2], 'point 1 (bucket 1) covers the overlap with point 0');
  assert.deepEqual([at(6, 4), at(6, 5)], [2, 2]);
  assert.equal(at(14, 4), 0, 'hidden bucket');
  assert.equal(buf.filter(v => v !== 0).length, 6, 'the point outside the box draws nothing; the buffer is cleared first');
  // device pixels: scale 2 doubles the square and its position
  const big = new Uint32Array(40 * 24);
  rasterPoints(big, 40, 24, { ...layer, hidden: Uint8Array.from([0, 1, 1]) }, packed, HOME_VIEW, { left: 0, top: 0, right: 18, bottom: 12 }, 2, 2);
  assert.equal(big.filter(v => v === 1).length, 16);
  assert.equal(big[8 * 40 + 8], 1);
  // what a saved picture holds: the shown points whose centre is in the box, in drawing order
  assert.deepEqual(pointsInView(layer, HOME_VIEW, { left: 0, top: 0, right: 18, bottom: 12 }, i => i !== 2), [0, 1]);
  assert.deepEqual(pointsInView(layer, panBy(HOME_VIEW, -20, 0), { left: 0, top: 0, right: 18, bottom: 12 }, () => true), [3]);
});

test('a moving view shows the last full paint moved: each raster pixel lands where a full paint at the new view puts it, clipped to the box', () => {
  const calls: string[] = [];
  let transform = [1, 0, 0, 1, 0, 0];
  const clip: number[][] = [];
  const ctx = {
    canvas: { width: 200, height: 100 },
    save: () => calls.push('save'), restore: () => calls.push('restore'), beginPath: () => undefined,
    setTransform: (...m: number[]) => { transform = m; },
    clearRect: (...r: number[]) => calls.push(`clear ${r.join(' ')} at ${transform.join(' ')}`),
    rect: (...r: number[]) => clip.push([...r, ...transform]), clip: () => calls.push('clip'),
    drawImage: () => calls.push(`draw at ${transform.join(' ')}`),
    imageSmoothingEnabled: true,
  } as unknown as CanvasRenderingContext2D;
  const from = { k: 2, tx: -30, ty: 12 }, to = zoomAt(panBy(from, 17, -9), 50, 40, 1.6);
  const box = { left: 10, top: 5, right: 90, bottom: 45 }, scale = 2;
  drawMovedRaster(ctx, {} as CanvasImageSource, from, to, box, scale);
  assert.equal(calls[1], 'clear 0 0 200 100 at 1 0 0 1 0 0', 'the whole canvas cleared first, in device pixels');
  assert.deepEqual(clip, [[10, 5, 80, 40, scale, 0, 0, scale, 0, 0]], 'clipped to the plot box (CSS pixels)');
  const [a, , , d, e, f] = transform;
  assert.ok(calls.includes(`draw at ${transform.join(' ')}`));
  assert.equal(ctx.imageSmoothingEnabled, false);
  // a point at base (bx, by) sits at device (bx·k + tx)·scale in a paint at a view
  for (const [bx, by] of [[0, 0], [13.5, -4], [40, 22]]) {
    const ux = (bx * from.k + from.tx) * scale, uy = (by * from.k + from.ty) * scale;
    assert.ok(Math.abs(a * ux + e - (bx * to.k + to.tx) * scale) < 1e-9);
    assert.ok(Math.abs(d * uy + f - (by * to.k + to.ty) * scale) < 1e-9);
  }
});

// ---------------------------------------------------------------- export

test('SVG decimation: at most the limit, distinct, in order, the same for the same seed; all points when they fit', () => {
  const items = Array.from({ length: 20000 }, (_, i) => i * 3);
  const kept = decimate(items);
  assert.equal(kept.length, SVG_MAX_POINTS);
  assert.equal(new Set(kept).size, SVG_MAX_POINTS);
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i] > kept[i - 1]);
  assert.ok(kept.every(v => v % 3 === 0 && v < 60000));
  assert.deepEqual(decimate(items), kept);
  assert.notDeepEqual(decimate(items, SVG_MAX_POINTS, 1), kept);
  // uniform: each quarter of the items keeps about a quarter (binomial sd ≈ 31 of 1250)
  for (let q = 0; q < 4; q++) {
    const inQuarter = kept.filter(v => v >= q * 15000 && v < (q + 1) * 15000).length;
    assert.ok(Math.abs(inQuarter - 1250) < 200, `quarter ${q}: ${inQuarter}`);
  }
  assert.deepEqual(decimate([5, 1, 9], 5), [5, 1, 9]);
  assert.equal(decimationNote(5000, 5000), '');
  assert.equal(decimationNote(5000, 20000), 'SVG shows 5000 of 20000 points in view (seeded uniform subset; the PNG and CSV have all).');
});

test('CSV: RFC 4180 quoting, formula-looking labels defused, empty for null; one line per sample row', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
  assert.equal(csvField('+1'), "'+1");
  assert.equal(csvField('@cmd'), "'@cmd");
  assert.equal(csvField(-0.5), '-0.5');
  assert.equal(csvField(null), '');
  assert.equal(csvField(NaN), '');
  const p = projection();
  const csv = projectionCsv({
    rows: p.rows, components: [1, 3], x: p.x, y: p.available!.coordinates[2], norms: p.norms, flags: p.flags,
    label: { name: 'topic', values: ['a', null, 'b,c', '=x', 'd'] }, text: null,
  });
  const lines = csv.split('\r\n');
  assert.equal(lines.length, 7);
  assert.equal(lines[6], '');
  assert.equal(lines[0], 'row,pc1,pc3,norm,findings,topic');
  assert.equal(lines[1], '0,1,3,1,,a');
  assert.equal(lines[2], '3,-1,2,1.4,outlier,');
  assert.equal(lines[3], '4,0.5,1,2.1,,"b,c"');
  assert.equal(lines[4], "9,2,0,2.06,duplicate,'=x");
  assert.equal(lines[5], '12,0,-1,0,zero row,d');
});
