import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Projection, UmapProjection } from '../../src/core/report/projection';
import { isWebviewToHost } from '../../src/shared/protocol';
import { isHostToWebview } from '../../webview/messages';
import { axisTitle, pointAnnouncement, pointReadout } from '../../webview/projectionData';
import { projectionCsv } from '../../webview/projectionExport';
import {
  isUmapProjection, shownProjection, UMAP_OFF, umapAfter, umapAsProjection, umapButtonLabel, umapCaption, umapChoices, umapProgressText, type UmapState,
} from '../../webview/projectionUmap';

/** The projection's non-linear view in the page (issue #15): messages, the PC/UMAP switch, the drawn projection, read-outs and CSV. */
const base: Projection = {
  rows: [2, 5, 7, 9], x: [1, 2, 3, 4], y: [0, 0, 1, 1], components: [1, 2], explained: [0.5, 0.25],
  norms: [10, 20, 30, 40], flags: [0, 4, 2, 1], rowsEligible: 10, leftOut: { nan: 0, inf: 0, null: 0 },
  sampleMethod: 'uniform random sample of 4 of the 10 finite rows (seed 0)', seed: 0, formula: 'coordinate_k(row) = …',
};
const layout: UmapProjection = {
  rows: [5, 9], x: [0.5, -1.5], y: [2, 3], seed: 7, neighbours: 1, minDist: 0.1, epochs: 200, inputDimensions: 3,
  input: 'the 3 dimensions of the rows, centred by their mean (Euclidean distance)', sampleMethod: 'uniform random subset of 2 of the projection\'s 4 rows (seed 7)',
  library: 'umap-js 1.4.0', note: 'A visual aid: distances and axes are not metric — UMAP, seed 7, n_neighbors 1, min_dist 0.1, 2 rows.',
};

test('protocol: the page may ask to start and cancel the layout; the host\'s umap messages are checked, malformed ones dropped', () => {
  assert.ok(isWebviewToHost({ type: 'startUmap' }));
  assert.ok(isWebviewToHost({ type: 'cancelUmap' }));
  for (const bad of [{ type: 'umap' }, { type: 'startumap' }, { type: 'umapProgress', fraction: 0, message: '' }, { type: 'cancelUmap ' }]) {
    assert.ok(!isWebviewToHost(bad), JSON.stringify(bad));
  }
  assert.ok(isHostToWebview({ type: 'umap', layout }));
  assert.ok(isHostToWebview({ type: 'umapProgress', fraction: 0.5, message: 'Epoch 5 of 200' }));
  assert.ok(isHostToWebview({ type: 'umapError', code: 'cancelled', message: 'Cancelled.' }));
  const malformed: unknown[] = [
    { type: 'umap', layout: { ...layout, x: [0.5] } },
    { type: 'umap', layout: { ...layout, y: [2, Number.NaN] } },
    { type: 'umap', layout: { ...layout, rows: [5, -1] } },
    { type: 'umap', layout: { ...layout, note: undefined } },
    { type: 'umap', layout: null },
    { type: 'umapProgress', fraction: '0.5', message: '' },
    { type: 'umapError', message: 'no code' },
  ];
  for (const m of malformed) assert.ok(!isHostToWebview(m), JSON.stringify(m));
  assert.ok(isUmapProjection(layout));
});

test('the switch: off until asked; progress; a layout is shown at once; PCs and UMAP alternate; a late progress keeps the result; cancel and failure say so', () => {
  let s: UmapState = UMAP_OFF;
  assert.equal(umapButtonLabel(s), 'Non-linear view (UMAP)…');
  assert.deepEqual(umapAfter(s, { type: 'show', view: 'umap' }), UMAP_OFF, 'nothing to show yet');
  s = umapAfter(s, { type: 'start' });
  assert.equal(s.kind, 'running');
  s = umapAfter(s, { type: 'umapProgress', fraction: 0.42, message: 'Epoch 80 of 200' });
  assert.deepEqual(s, { kind: 'running', fraction: 0.42, message: 'Epoch 80 of 200' });
  assert.equal(umapProgressText(s as Extract<UmapState, { kind: 'running' }>), 'Computing the UMAP layout: 42.0% (Epoch 80 of 200)');
  s = umapAfter(s, { type: 'umap', layout });
  assert.deepEqual(s, { kind: 'done', layout, showing: 'umap' });
  assert.deepEqual(umapAfter(s, { type: 'umapProgress', fraction: 1, message: 'late' }), s);
  const pcs = umapAfter(s, { type: 'show', view: 'pc' });
  assert.equal(pcs.kind === 'done' && pcs.showing, 'pc');
  assert.equal(shownProjection(base, pcs).projection, base);
  assert.equal(shownProjection(base, pcs).umap, null);
  const back = umapAfter(pcs, { type: 'show', view: 'umap' });
  assert.equal(shownProjection(base, back).umap, layout);
  const cancelled = umapAfter(umapAfter(UMAP_OFF, { type: 'start' }), { type: 'umapError', code: 'cancelled', message: 'Cancelled.' });
  assert.deepEqual(cancelled, { kind: 'failed', code: 'cancelled', message: 'Cancelled. The principal components are shown.' });
  assert.equal(shownProjection(base, cancelled).projection, base);
  assert.equal(umapButtonLabel(cancelled), 'Non-linear view (UMAP) again…');
  assert.deepEqual(umapAfter(UMAP_OFF, { type: 'umapError', code: 'file-changed', message: 'x.npy changed' }), { kind: 'failed', code: 'file-changed', message: 'x.npy changed' });
});

test('the UMAP layout drawn as a projection: its rows, UMAP coordinates, each row\'s norm and flags from the sample; a layout of other rows is not drawn', () => {
  const p = umapAsProjection(base, layout)!;
  assert.deepEqual(p.rows, [5, 9]);
  assert.deepEqual(p.x, [0.5, -1.5]);
  assert.deepEqual(p.y, [2, 3]);
  assert.deepEqual(p.norms, [20, 40]);
  assert.deepEqual(p.flags, [4, 1]);
  assert.equal(umapAsProjection(base, layout), p, 'computed once per layout');
  assert.match(p.formula, /^A visual aid: distances and axes are not metric — UMAP, seed 7/);
  assert.equal(umapCaption(layout), `${layout.note} Computed by umap-js 1.4.0 on ${layout.input}, 200 epochs; ${layout.sampleMethod}.`);
  assert.equal(umapAsProjection(base, { ...layout, rows: [5, 6] }), null);
  const stale: UmapState = { kind: 'done', layout: { ...layout, rows: [1, 2] }, showing: 'umap' };
  assert.equal(shownProjection(base, stale).projection, base, 'a layout of an older sample falls back to the PCs');
  const [u1, u2] = umapChoices(p);
  assert.equal(axisTitle(u1), 'UMAP-1 (not metric)');
  assert.equal(axisTitle(u2), 'UMAP-2 (not metric)');
  assert.equal(axisTitle({ component: 1, explained: 0.5 }), 'PC1 (50.0% of variance)');
});

test('read-outs and the CSV export name the UMAP axes', () => {
  const facts = { row: 9, x: -1.5, y: 3, components: [1, 2] as const, axis: 'UMAP' as const, label: 'cat', text: null, flags: 4 };
  assert.match(pointReadout(facts), /UMAP-1 -1\.50*, UMAP-2 3/);
  assert.match(pointAnnouncement(facts, 0, 2, 'in row order'), /UMAP-1 = -1\.50*, UMAP-2 = 3/);
  assert.doesNotMatch(pointReadout(facts), /PC/);
  const csv = projectionCsv({ rows: [5, 9], components: [1, 2], axis: 'UMAP', x: [0.5, -1.5], y: [2, 3], norms: [20, 40], flags: [4, 1] });
  assert.equal(csv.split('\r\n')[0], 'row,umap1,umap2,norm,findings');
  assert.equal(csv.split('\r\n')[2], '9,-1.5,3,40,zero row');
});
