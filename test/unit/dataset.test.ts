import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, assertAllClose, assertClose } from './support';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { analyzeDataset, partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { reportOfPartial } from '../../src/core/dataset/datasetReport';
import { assertMergeable, mergeAll, mergePartials, PartialMerger, type DatasetPartial } from '../../src/core/dataset/partial';
import { partialOfRows } from '../../src/core/dataset/shardPartial';
import { createRng } from '../../src/core/stats/rowSampler';
import { EmbdiagError } from '../../src/core/errors';

/** Issue #14: the report of a dataset is the report of its concatenated rows. */
const DIR = path.join(FIXTURES, 'dataset');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const shard = (name: string) => path.join(DIR, 'shards', name);

test('a folder of shards reports what the single-pass analysis of the concatenation reports (1e-9), and numpy (1e-6)', async () => {
  const dataset = await analyzeDataset([path.join(DIR, 'shards')], { seed: 0 });
  const single = await analyzeFile(path.join(DIR, 'concat.npy'), { maxRows: 1e6, seed: 0 });
  // natural order: part-1, part-2, part-10, each at its global offset
  assert.deepEqual(dataset.shards!.map(s => [path.basename(s.file), s.firstRow, s.rows]),
    [['part-1.npy', 0, 200], ['part-2.npy', 200, 150], ['part-10.npy', 350, 7]]);
  assert.equal(dataset.rowsTotal, single.rowsTotal);
  assert.equal(dataset.rowsInStatistics, single.rowsInStatistics);
  assert.deepEqual({ ...dataset.health, rowNorms: null }, { ...single.health, rowNorms: null });
  assertAllClose(dataset.eigenvalues, single.eigenvalues, 1e-9, 'eigenvalues vs single pass');
  for (const k of ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'conditionNumber', 'totalVariance'] as const) {
    assertClose(dataset.metrics![k] as number, single.metrics![k] as number, 1e-9, 1e-300, k);
  }
  assert.deepEqual(dataset.metrics!.explainedVariance.map(e => e.k), single.metrics!.explainedVariance.map(e => e.k));
  assertAllClose(dataset.metrics!.explainedVariance.map(e => e.fraction), single.metrics!.explainedVariance.map(e => e.fraction), 1e-9, 'explained');
  assertAllClose(dataset.mean, single.mean, 1e-9, 'mean vs single pass');
  assertAllClose(dataset.variance, single.variance, 1e-9, 'variance vs single pass');
  assert.deepEqual(dataset.findings.map(f => f.code).sort(), single.findings.map(f => f.code).sort());
  // numpy
  assertAllClose(dataset.eigenvalues, expected.eigenvalues, 1e-6, 'eigenvalues vs numpy');
  assertAllClose(dataset.mean, expected.mean, 1e-6, 'mean vs numpy');
  assert.equal(dataset.rowsInStatistics, expected.rowsInStatistics);
  for (const k of ['nanRows', 'infRows', 'zeroRows', 'duplicateRows']) assert.equal((dataset.health as never)[k], expected.health[k], k);
  for (const k of ['min', 'median', 'max', 'mean'] as const) assertClose(dataset.health.rowNorms![k], expected.rowNorms[k], 1e-12, 1e-300, `norm ${k}`);
  assert.equal(dataset.health.rowNorms!.medianRelativeError, undefined, 'every norm kept: the median is exact');
  assert.equal(dataset.incomplete, false);
});

function randomRows(rng: () => number, n: number, dim: number): Float64Array {
  const x = new Float64Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = (rng() - 0.5) * (1 + (i % dim)) + 3;
  // repeats across pieces, a zero row and a NaN row
  for (let r = 7; r < n; r += 37) x.copyWithin(r * dim, (r - 5) * dim, (r - 4) * dim);
  x.fill(0, 3 * dim, 4 * dim);
  x[11 * dim + 2] = NaN;
  return x;
}

function relClose(a: number, b: number, rel: number, what: string) {
  if (!(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300))) throw new Error(`${what}: ${a} vs ${b}`);
}

function assertSamePartial(p: DatasetPartial, q: DatasetPartial, rel: number) {
  for (const k of ['rowsSeen', 'nanRows', 'infRows', 'nullRows', 'count', 'zeroRows', 'normMin', 'normMax'] as const) assert.equal(p[k], q[k], k);
  const scale = Math.max(...q.comoment.map(Math.abs));
  p.mean.forEach((v, i) => relClose(v, q.mean[i], rel, `mean[${i}]`));
  p.comoment.forEach((v, i) => { if (Math.abs(v - q.comoment[i]) > rel * Math.max(Math.abs(q.comoment[i]), 1e-3 * scale)) throw new Error(`comoment[${i}]: ${v} vs ${q.comoment[i]}`); });
  relClose(p.normSum, q.normSum, rel, 'normSum');
  assert.deepEqual(p.norms, q.norms);
  assert.deepEqual([...p.normSketch.buckets].sort((a, b) => a[0] - b[0]), [...q.normSketch.buckets].sort((a, b) => a[0] - b[0]));
  assert.deepEqual(p.keys, q.keys);
  assert.deepEqual(p.sample, q.sample);
}

test('merging is associative and commutative (random trees, 1e-12 relative) and equals the partial of all rows at once', () => {
  const rng = createRng(14);
  const dim = 6, n = 600;
  const x = randomRows(rng, n, dim);
  const whole = partialOfRows(x, n, dim, 0, { seed: 3, sampleRows: 50 });
  const cuts = [0, 1, 40, 41, 170, 300, 301, 480, 599, 600];
  const pieces = cuts.slice(1).map((end, i) => partialOfRows(x.subarray(cuts[i] * dim, end * dim), end - cuts[i], dim, cuts[i], { seed: 3, sampleRows: 50 }));
  const reference = pieces.reduce((a, b) => mergePartials(a, b));
  for (let trial = 0; trial < 25; trial++) {
    let pool = [...pieces];
    while (pool.length > 1) {
      const i = Math.floor(rng() * pool.length);
      const a = pool.splice(i, 1)[0];
      const j = Math.floor(rng() * pool.length);
      const b = pool.splice(j, 1)[0];
      pool.push(rng() < 0.5 ? mergePartials(a, b) : mergePartials(b, a));
    }
    assertSamePartial(pool[0], reference, 1e-12);
  }
  // the sample and the duplicate keys do not depend on the sharding at all; the rest to rounding
  assertSamePartial(reference, whole, 1e-12);
  assert.equal(reference.sample.indices.length, 50);
  // exactly commutative
  assert.deepEqual(mergePartials(pieces[2], pieces[5]).comoment, mergePartials(pieces[5], pieces[2]).comoment);
  assert.deepEqual(mergePartials(pieces[2], pieces[5]).mean, mergePartials(pieces[5], pieces[2]).mean);
});

test('PartialMerger merges its own intermediates in place: the partials given to it are left as they were, and a result handed out stays as it is when more are added', () => {
  const rng = createRng(15);
  const dim = 5, n = 700;
  const x = randomRows(rng, n, dim);
  const cuts = [0, 60, 61, 200, 333, 400, 512, 600, 650, 700];
  const pieces = cuts.slice(1).map((end, i) => partialOfRows(x.subarray(cuts[i] * dim, end * dim), end - cuts[i], dim, cuts[i], { seed: 4, sampleRows: 30 }));
  const before = pieces.map(p => ({ mean: p.mean.slice(), comoment: p.comoment.slice() }));
  const merger = new PartialMerger();
  for (const p of pieces.slice(0, 4)) merger.add(p); // one merged run of 4: the result is the merger's own item
  const early = merger.result()!;
  const earlyCopy = { mean: early.mean.slice(), comoment: early.comoment.slice() };
  for (const p of pieces.slice(4)) merger.add(p);
  const all = merger.result()!;
  pieces.forEach((p, i) => {
    assert.deepEqual(p.comoment, before[i].comoment, `piece ${i}: co-moment unchanged`);
    assert.deepEqual(p.mean, before[i].mean, `piece ${i}: mean unchanged`);
  });
  assert.deepEqual(early.comoment, earlyCopy.comoment, 'the first result is not overwritten by later merges');
  assert.deepEqual(early.mean, earlyCopy.mean);
  assertSamePartial(early, pieces.slice(0, 4).reduce((a, b) => mergePartials(a, b)), 1e-12);
  assertSamePartial(all, pieces.reduce((a, b) => mergePartials(a, b)), 1e-12);
  assertSamePartial(merger.result()!, all, 0);
});

test('the shared sample is uniform: each row is kept with probability k/N', () => {
  const dim = 2, n = 400, k = 40, seeds = 300;
  const counts = new Float64Array(n);
  const x = new Float64Array(n * dim).map((_, i) => i);
  for (let s = 0; s < seeds; s++) for (const i of partialOfRows(x, n, dim, 0, { seed: s, sampleRows: k }).sample.indices) counts[i]++;
  // expected 30 per row; binomial sd ≈ 5.2: all within 6 sd, and the total exact
  assert.equal(counts.reduce((a, b) => a + b), k * seeds);
  for (const c of counts) assert.ok(Math.abs(c - (k * seeds) / n) < 6 * Math.sqrt(((k * seeds) / n) * (1 - k / n)), `count ${c}`);
});

test('merging refuses other dims, seeds, versions, array choices and overlapping rows, saying which', () => {
  const x = new Float64Array(40).map((_, i) => Math.sin(i));
  const p = partialOfRows(x, 10, 4, 0, { seed: 1 });
  const refusal = (q: DatasetPartial, re: RegExp) => assert.throws(() => assertMergeable(p, q), (e: unknown) => e instanceof EmbdiagError && re.test(e.message));
  refusal(partialOfRows(x, 8, 5, 10, { seed: 1 }), /dimension 4\b.*dimension 5\b/);
  refusal(partialOfRows(x, 10, 4, 10, { seed: 2 }), /sample seed 1\b.*sample seed 2\b/);
  refusal({ ...partialOfRows(x, 10, 4, 10, { seed: 1 }), version: 2 }, /format version 1\b.*format version 2\b/);
  refusal(partialOfRows(x, 10, 4, 10, { seed: 1, arrayChoice: 'emb' }), /array choice \(default rule\).*array choice emb\b/);
  refusal(partialOfRows(x, 10, 4, 5, { seed: 1 }), /overlap.*--first-row/);
  assert.doesNotThrow(() => mergeAll([p, partialOfRows(x, 10, 4, 10, { seed: 1 })]));
});

test('a shard of another dimension is refused naming it and both dims', async () => {
  await assert.rejects(partialOfDataset([path.join(DIR, 'otherdim')], { seed: 0 }),
    (e: unknown) => e instanceof EmbdiagError && /b\.npy has 9 dimensions, but .*a\.npy has 12/.test(e.message));
});

test('numbered shards with a missing number give a shard-missing finding', async () => {
  const r = await analyzeDataset([path.join(DIR, 'numbered', 'emb-*-of-00004.npy')], { seed: 0 });
  const f = r.findings.find(x => x.code === 'shard-missing');
  assert.ok(f, JSON.stringify(r.findings));
  assert.match(f.message, /3 of 4 numbered shards.*missing number 2\b/);
  assert.equal(r.rowsTotal, 60);
});

test('an unreadable shard is listed with its error and the report is labelled incomplete', async () => {
  const { mkdtempSync, writeFileSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-dataset-'));
  copyFileSync(shard('part-1.npy'), path.join(dir, 'part-1.npy'));
  writeFileSync(path.join(dir, 'part-2.npy'), Buffer.from('\x93NUMPY garbage'));
  const r = await analyzeDataset([dir], { seed: 0 });
  assert.equal(r.incomplete, true);
  assert.equal(r.rowsTotal, 200);
  const bad = r.shards!.find(s => s.error);
  assert.match(bad!.file, /part-2\.npy$/);
  assert.ok(r.findings.some(f => f.code === 'incomplete-dataset' && /part-2\.npy/.test(f.message)));
});

test('past the row-key bound, duplicates are a labelled estimate; past the norm bound, the median is labelled approximate', () => {
  const dim = 3, n = 2000;
  const x = new Float64Array(n * dim).map((_, i) => Math.floor(i / dim) % 1500 + (i % dim) * 0.1 + 1);
  const p = partialOfRows(x, n, dim, 0, { seed: 0 });
  // shrink the kept keys to a k-minimum-values sketch of 200 and drop the exact norms, as past the bounds
  const q: DatasetPartial = { ...p, keys: { keys: p.keys.keys.slice(0, 200), saturated: true }, norms: null };
  const r = reportOfPartial(q, { displayPath: 'x' });
  const exact = reportOfPartial(p, { displayPath: 'x' });
  assert.equal(exact.health.duplicateRows, 500);
  assert.equal(exact.health.duplicateRowsStandardError, undefined);
  const se = r.health.duplicateRowsStandardError!;
  assert.ok(se > 0 && Math.abs(r.health.duplicateRows - 500) < 4 * se, `${r.health.duplicateRows} ± ${se}`);
  assert.ok(r.notes.some(s => /estimate/.test(s)));
  assert.equal(r.health.rowNorms!.medianRelativeError, 0.005);
  assertClose(r.health.rowNorms!.median, exact.health.rowNorms!.median, 0.005, 0, 'sketch median');
});

test('the partial cache: a shard added to a cached dataset is the only one read, and the report is the same as without cache', async () => {
  const { mkdtempSync, copyFileSync, utimesSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { PartialCache } = await import('../../src/core/dataset/partialCache');
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-cache-'));
  const cache = new PartialCache(path.join(dir, '.cache'));
  const data = path.join(dir, 'data');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(data);
  copyFileSync(shard('part-1.npy'), path.join(data, 'part-1.npy'));
  copyFileSync(shard('part-2.npy'), path.join(data, 'part-2.npy'));
  let r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached], [2, 0]);
  r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached], [0, 2]);
  copyFileSync(shard('part-10.npy'), path.join(data, 'part-10.npy'));
  r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached], [1, 2]);
  const cached = await analyzeDataset([data], { seed: 0, cache, displayPath: 'd' });
  const fresh = await analyzeDataset([data], { seed: 0, displayPath: 'd' });
  assert.deepEqual({ ...cached, timings: null, notes: null }, { ...fresh, timings: null, notes: null });
  assert.ok(cached.notes.some(n => /3 of 3 shards unchanged/.test(n)));
  // a shard whose modification time changed is read again; another seed is another partial
  utimesSync(path.join(data, 'part-2.npy'), new Date(), new Date(Date.now() + 5000));
  r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached], [1, 2]);
  r = await partialOfDataset([data], { seed: 1, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached], [3, 0]);
});

test('null rows (Arrow null lists) of two shards: counted apart from NaN rows, at their global row indices', async () => {
  const { mkdtempSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { referenceList } = await import('./arrowReference');
  const rel = 'arrow/null_rows/list_float32.arrow';
  const want = referenceList(rel, 'emb'); // apache-arrow's reading
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-nullrows-'));
  for (const n of ['part-1', 'part-2']) copyFileSync(path.join(FIXTURES, 'formats', rel), path.join(dir, `${n}.arrow`));
  const r = await analyzeDataset([dir], { seed: 0 });
  const single = await analyzeFile(path.join(FIXTURES, 'formats', rel), { maxRows: 1e6, seed: 0 });
  assert.equal(r.rowsTotal, 2 * want.rows);
  assert.equal(r.health.nullRows, 2 * want.nullRows.length);
  assert.equal(r.health.nanRows, 2 * single.health.nanRows);
  const finding = r.findings.find(f => f.code === 'null-rows')!;
  assert.deepEqual(finding.rows, [...want.nullRows, ...want.nullRows.map(i => i + want.rows)]);
  // and the message says which shard and which local row
  const local = want.nullRows.slice(0, 10).join(', ');
  assert.ok(finding.message.includes(`part-1.arrow: local rows ${local}`), finding.message);
  assert.ok(finding.message.includes(`part-2.arrow: local rows ${local}`), finding.message);
});

test('row keys: exact distinct count up to the bound whatever the repeats, then a flagged k-minimum-values sketch', async () => {
  const { RowKeyCollector, distinctRows, mergeRowKeys } = await import('../../src/core/dataset/rowKeys');
  const rng = createRng(7);
  const keys = Array.from({ length: 300 }, () => Math.floor(rng() * 2 ** 53));
  const c = new RowKeyCollector(300);
  for (let rep = 0; rep < 5; rep++) for (const k of keys) c.add(k); // 1,500 adds through a 600-key buffer
  const exact = c.finish();
  assert.equal(exact.saturated, false);
  assert.deepEqual(exact.keys, Float64Array.from(new Set(keys)).sort());
  const small = new RowKeyCollector(100);
  for (const k of keys) small.add(k);
  const sketch = small.finish();
  assert.equal(sketch.saturated, true);
  assert.deepEqual(sketch.keys, Float64Array.from(new Set(keys)).sort().slice(0, 100));
  // merged halves keep the same smallest keys as one pass
  const [a, b] = [new RowKeyCollector(100), new RowKeyCollector(100)];
  keys.forEach((k, i) => (i % 2 ? a : b).add(k));
  assert.deepEqual(mergeRowKeys(a.finish(), b.finish(), 100), sketch);
  // past the initial buffer (4,096 keys): grown, then compacted
  const many = Array.from({ length: 9000 }, () => Math.floor(rng() * 2 ** 53));
  const big = new RowKeyCollector(3000);
  for (const k of [...many, ...many]) big.add(k);
  assert.deepEqual(big.finish(), { keys: Float64Array.from(new Set(many)).sort().slice(0, 3000), saturated: true });
  const { distinct, standardError } = distinctRows(sketch);
  assert.ok(Math.abs(distinct - 300) < 4 * standardError!, `${distinct} ± ${standardError}`);
});
