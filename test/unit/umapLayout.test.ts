import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { DEFAULT_UMAP_PARAMETERS, UMAP_CAUTION, umapLayout, umapOfProjection, umapSubset } from '../../src/core/analysis/umapLayout';
import { fileRowReader, partialRowReader, shardRowReader } from '../../src/core/rows/readRowsAt';
import { analyzeDatasetWithPartial } from '../../src/core/dataset/analyzeDataset';
import { FIXTURES } from './support';
import { EmbdiagError } from '../../src/core/errors';
import { npyBytes } from './npyFiles';

/**
 * The optional non-linear view of the projection (issue #15): a seeded UMAP layout (umap-js) of
 * the projection's own sample. The truth its quality is checked on is independent of it: points
 * drawn around 5 well-separated centres, whose cluster each point came from is known by construction.
 */
const CLUSTERS = 5, PER_CLUSTER = 120, DIM = 64;

/** mulberry32: the test's own generator, independent of the code under test. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 5 Gaussian clusters (unit variance per coordinate) around centres 20 apart on 5 axes, interleaved in row order; the cluster of row r is r mod 5. */
function clusters(): Float32Array {
  const rnd = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const n = CLUSTERS * PER_CLUSTER;
  const X = new Float32Array(n * DIM);
  for (let r = 0; r < n; r++) for (let j = 0; j < DIM; j++) X[r * DIM + j] = gauss() + (j === r % CLUSTERS ? 20 : 0);
  return X;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-umap-'));
const file = path.join(dir, 'clusters.npy');
fs.writeFileSync(file, npyBytes([CLUSTERS * PER_CLUSTER, DIM], clusters()));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

const params = { ...DEFAULT_UMAP_PARAMETERS, epochs: 150 };

/** Share of points whose k nearest neighbours in the layout are mostly (> k/2) from their own cluster. */
function neighbourPurity(x: number[], y: number[], cluster: (i: number) => number, k = 10): number {
  let good = 0;
  for (let i = 0; i < x.length; i++) {
    const nearest = x.map((_, j) => j).filter(j => j !== i)
      .sort((a, b) => Math.hypot(x[a] - x[i], y[a] - y[i]) - Math.hypot(x[b] - x[i], y[b] - y[i])).slice(0, k);
    if (nearest.filter(j => cluster(j) === cluster(i)).length > k / 2) good++;
  }
  return good / x.length;
}

test('UMAP of the projection\'s sample: its rows, in its order; the clusters stay apart (≥ 0.95 of points have mostly own-cluster 10-NN); the note says it is not metric', async () => {
  const report = await analyzeFile(file, { maxRows: 100_000, seed: 0, projectionRows: 400 });
  const projection = report.projection!;
  assert.equal(projection.rows.length, 400);
  const umap = await umapOfProjection(projection, fileRowReader(file), params);
  assert.deepEqual(umap.rows, projection.rows);
  assert.equal(umap.x.length, 400);
  assert.equal(umap.y.length, 400);
  assert.equal(umap.inputDimensions, 50, 'd 64 > 50: UMAP runs on the 50 leading principal components');
  assert.match(umap.input, /50 leading principal components/);
  assert.match(umap.sampleMethod, /all 400 rows/);
  assert.ok(umap.note.startsWith(UMAP_CAUTION));
  assert.match(umap.note, /seed 0, n_neighbors 15, min_dist 0\.1, 400 rows/);
  const purity = neighbourPurity(umap.x, umap.y, i => umap.rows[i] % CLUSTERS);
  assert.ok(purity >= 0.95, `purity ${purity}`);
});

test('UMAP: the same seed gives identical coordinates, another seed different ones', async () => {
  const rnd = mulberry32(3);
  const n = 200, d = 8;
  const values = Float64Array.from({ length: n * d }, () => rnd());
  const a = await umapLayout(values, n, d, { ...params, epochs: 50 });
  const b = await umapLayout(values, n, d, { ...params, epochs: 50 });
  const c = await umapLayout(values, n, d, { ...params, epochs: 50, seed: 1 });
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  assert.notDeepEqual(a.x, c.x);
  assert.equal(a.inputDimensions, 8);
  assert.equal(a.epochs, 50);
});

test('UMAP: cancelled between epochs with our own error (code cancelled), progress reported per epochs', async () => {
  const rnd = mulberry32(4);
  const n = 100, d = 4;
  const values = Float64Array.from({ length: n * d }, () => rnd());
  const messages: string[] = [];
  await assert.rejects(umapLayout(values, n, d, { ...params, epochs: 100 }, {
    onProgress: (_, m) => messages.push(m),
    isCancelled: () => messages.some(m => m.startsWith('Epoch 10 ')),
  }), (e: unknown) => e instanceof EmbdiagError && e.code === 'cancelled');
  assert.ok(messages.includes('Epoch 5 of 100') && messages.includes('Epoch 10 of 100'));
  assert.ok(!messages.includes('Epoch 15 of 100'), 'no epoch after the cancellation');
});

test('UMAP beyond its row cap: a seeded subset of the projection\'s sample, ascending, stated', async () => {
  const report = await analyzeFile(file, { maxRows: 100_000, seed: 0, projectionRows: 300 });
  const projection = report.projection!;
  const umap = await umapOfProjection(projection, fileRowReader(file), { ...params, epochs: 30, maxRows: 120, seed: 5 });
  assert.equal(umap.rows.length, 120);
  const inSample = new Set(projection.rows);
  assert.ok(umap.rows.every(r => inSample.has(r)));
  assert.deepEqual(umap.rows, [...umap.rows].sort((a, b) => a - b));
  assert.deepEqual(umapSubset(300, 120, 5), umapSubset(300, 120, 5));
  assert.notDeepEqual(umapSubset(300, 120, 5), umapSubset(300, 120, 6));
  assert.match(umap.sampleMethod, /subset of 120 of the projection's 300 rows \(seed 5/);
});

test('UMAP refuses too few rows and bad parameters with our own sentences', async () => {
  await assert.rejects(umapLayout(new Float64Array(4), 2, 2, params), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape');
  await assert.rejects(umapLayout(new Float64Array(40), 10, 4, { ...params, minDist: -1 }), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-argument');
});

test('a dataset\'s projection rows read again from its shards are the rows its statistics pass sampled', async () => {
  const { report, partial } = await analyzeDatasetWithPartial([path.join(FIXTURES, 'projection', 'shards')], { seed: 0, projectionRows: 60 });
  const rows = report.projection!.rows;
  assert.equal(rows.length, 60);
  assert.ok(new Set(rows.map(r => report.shards!.findIndex(s => r >= s.firstRow! && r < s.firstRow! + s.rows!))).size > 1, 'rows of several shards');
  const fromShards = await shardRowReader(report.shards!)(rows);
  const fromSample = await partialRowReader(partial)(rows);
  assert.equal(fromShards.d, partial.dim);
  assert.deepEqual(Array.from(fromShards.values), Array.from(fromSample.values));
  const umap = await umapOfProjection(report.projection!, shardRowReader(report.shards!), { ...params, epochs: 20 });
  assert.deepEqual(umap.rows, rows);
});
