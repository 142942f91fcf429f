import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeAll, mergePartials, PartialMerger, type DatasetPartial } from '../../src/core/dataset/partial';
import { mergeManyRowKeys, mergeRowKeys, RowKeyCollector, type RowKeys } from '../../src/core/dataset/rowKeys';
import { partialOfRows } from '../../src/core/dataset/shardPartial';
import { createRng } from '../../src/core/stats/rowSampler';

/**
 * PartialMerger merges the per-row lists (norms with their rows, row keys) once at the end
 * (mergeManyRowKeys and the norms: a balanced tree of pairwise merges of their own, the norms not
 * at all when the bound drops them) instead of at every level of its tree of partials: the
 * result must be the pairwise merges' exactly.
 */

/** Row keys of rows firstRow… drawn from a pool of `pool` keys (repeats within and across sets), collected with `bound`. */
function keySet(rng: () => number, firstRow: number, rows: number, pool: number[], bound: number): RowKeys {
  const c = new RowKeyCollector(bound);
  for (let i = 0; i < rows; i++) c.add(pool[Math.floor(rng() * pool.length)]);
  return c.finish({ count: rows, rowOf: o => firstRow + o });
}

/** Pairwise merges in a random tree of the sets, each merge in a random order. */
function randomTree(rng: () => number, sets: RowKeys[], bound: number): RowKeys {
  const pool = [...sets];
  while (pool.length > 1) {
    const a = pool.splice(Math.floor(rng() * pool.length), 1)[0];
    const b = pool.splice(Math.floor(rng() * pool.length), 1)[0];
    pool.push(rng() < 0.5 ? mergeRowKeys(a, b, bound) : mergeRowKeys(b, a, bound));
  }
  return pool[0];
}

test('row keys merged at once equal the pairwise merges (any tree): keys, first rows and duplicates below the bound', () => {
  const rng = createRng(41);
  const pool = Array.from({ length: 400 }, () => Math.floor(rng() * 2 ** 53));
  for (let trial = 0; trial < 10; trial++) {
    let row = 0;
    const sets = Array.from({ length: 2 + Math.floor(rng() * 15) }, () => {
      const rows = Math.floor(rng() * 60);
      const s = keySet(rng, row, rows, pool, 1000);
      row += rows + Math.floor(rng() * 3);
      return s;
    });
    const once = mergeManyRowKeys(sets, 1000);
    assert.equal(once.saturated, false);
    assert.ok(once.duplicates!.length > 0, 'repeats across sets');
    assert.deepEqual(once, sets.reduce((a, b) => mergeRowKeys(a, b, 1000)));
    assert.deepEqual(once, randomTree(rng, sets, 1000));
    // sets without first rows (older .embstats): the keys alone, as pairwise
    const bare = sets.map((s, i) => i === 1 ? { keys: s.keys, saturated: s.saturated } : s);
    assert.deepEqual(mergeManyRowKeys(bare, 1000), bare.reduce((a, b) => mergeRowKeys(a, b, 1000)));
  }
});

test('row keys merged at once past the bound: the same smallest keys, first rows and saturation as pairwise, and the same duplicates of the kept keys', () => {
  const rng = createRng(42);
  const bound = 50;
  const pool = Array.from({ length: 300 }, () => Math.floor(rng() * 2 ** 53));
  const keptKeys = (k: RowKeys) => new Set(k.keys);
  for (let trial = 0; trial < 10; trial++) {
    let row = 0;
    // some sets saturated on their own (more than `bound` distinct keys), some not
    const sets = Array.from({ length: 3 + Math.floor(rng() * 10) }, () => {
      const rows = 5 + Math.floor(rng() * 120);
      const s = keySet(rng, row, rows, pool, bound);
      row += rows;
      return s;
    });
    const once = mergeManyRowKeys(sets, bound);
    const pairwise = randomTree(rng, sets, bound);
    assert.equal(once.saturated, true);
    assert.equal(once.keys.length, bound);
    assert.deepEqual(once.keys, pairwise.keys);
    assert.deepEqual(once.firstRows, pairwise.firstRows);
    assert.equal(once.saturated, pairwise.saturated);
    // both lists are cut to their lowest rows (ROW_INDICES_KEPT), the pairwise one holding repeats of keys it dropped later too
    const lastRow = (k: RowKeys) => k.duplicates!.length ? k.duplicates![k.duplicates!.length - 1].row : Infinity;
    const upTo = Math.min(lastRow(once), lastRow(pairwise));
    const ofKept = (k: RowKeys) => k.duplicates!.filter(d => keptKeys(once).has(d.key) && d.row <= upTo);
    assert.ok(ofKept(once).length > 0);
    assert.deepEqual(ofKept(once), ofKept(pairwise));
    // and the smallest distinct keys are those of a single pass over all the rows
    const all = Float64Array.from(new Set(sets.flatMap(s => [...s.keys]))).sort().slice(0, bound);
    assert.deepEqual(once.keys, all);
  }
  // not saturated when the union has exactly `bound` distinct keys
  const exact = [keySet(rng, 0, 30, pool.slice(0, 25), bound), keySet(rng, 30, 30, pool.slice(25, 50), bound)];
  assert.deepEqual(mergeManyRowKeys(exact, bound), mergeRowKeys(exact[0], exact[1], bound));
  assert.equal(mergeManyRowKeys(exact, bound).saturated, false);
});

/** Rows drawn from a few distinct rows (equal norms and duplicates across shards) and random ones. */
function rowsWithRepeats(rng: () => number, n: number, dim: number): Float64Array {
  const base = Array.from({ length: 5 }, () => Array.from({ length: dim }, () => rng() - 0.5));
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const r = rng() < 0.3 ? base[Math.floor(rng() * base.length)] : null;
    for (let j = 0; j < dim; j++) x[i * dim + j] = r ? r[j] : 3 * (rng() - 0.5);
  }
  return x;
}

function assertSameRowLists(p: DatasetPartial, q: DatasetPartial) {
  assert.deepEqual(p.norms, q.norms);
  assert.deepEqual(p.normRows, q.normRows);
  assert.deepEqual(p.keys, q.keys);
  assert.deepEqual(p.sample, q.sample);
  for (const k of ['count', 'rowsSeen', 'normMin', 'normMax'] as const) assert.equal(p[k], q[k], k);
}

test('PartialMerger (lists merged once) equals pairwise merging: norms with their rows (ties by row), keys, duplicates; also after result() and more adds', () => {
  const rng = createRng(43);
  const dim = 4, n = 900;
  const x = rowsWithRepeats(rng, n, dim);
  const cuts = [0, 1, 70, 71, 200, 333, 334, 500, 640, 777, 900];
  const pieces = cuts.slice(1).map((end, i) => partialOfRows(x.subarray(cuts[i] * dim, end * dim), end - cuts[i], dim, cuts[i], { seed: 5, sampleRows: 40 }));
  const whole = partialOfRows(x, n, dim, 0, { seed: 5, sampleRows: 40 });
  const pairwise = pieces.reduce((a, b) => mergePartials(a, b));
  const once = mergeAll(pieces);
  assertSameRowLists(once, pairwise);
  assertSameRowLists(once, whole);
  assert.ok(once.keys.duplicates!.length > 0 && once.norms!.some((v, i) => i > 0 && v === once.norms![i - 1]), 'equal norms and duplicates across shards');
  // pieces added in another order: the same lists
  assertSameRowLists(mergeAll([...pieces].reverse()), pairwise);
  const merger = new PartialMerger();
  for (const p of pieces.slice(0, 5)) merger.add(p);
  const early = merger.result()!;
  const earlyNorms = early.norms!.slice();
  for (const p of pieces.slice(5)) merger.add(p);
  assertSameRowLists(early, pieces.slice(0, 5).reduce((a, b) => mergePartials(a, b)));
  assert.deepEqual(early.norms, earlyNorms, 'a result handed out is not changed by later adds');
  assertSameRowLists(merger.result()!, pairwise);
  assertSameRowLists(merger.result()!, pairwise);
  // a partial without its norms (past the norm bound): none kept, as pairwise
  const noNorms = pieces.map((p, i) => i === 3 ? { ...p, norms: null, normRows: null } : p);
  assertSameRowLists(mergeAll(noNorms), noNorms.reduce((a, b) => mergePartials(a, b)));
  assert.equal(mergeAll(noNorms).norms, null);
  // one without the norms' rows: the norms alone
  const noRows = pieces.map((p, i) => i === 6 ? { ...p, normRows: null } : p);
  assertSameRowLists(mergeAll(noRows), noRows.reduce((a, b) => mergePartials(a, b)));
  assert.equal(mergeAll(noRows).normRows, null);
});

test('PartialMerger keeps only the merged sample\'s rows: the same sample as pairwise merging, past the samples it holds before merging them (40 partials)', () => {
  const rng = createRng(44);
  const dim = 3, rows = 15, count = 40;
  const x = rowsWithRepeats(rng, rows * count, dim);
  const pieces = Array.from({ length: count }, (_, i) => partialOfRows(x.subarray(i * rows * dim, (i + 1) * rows * dim), rows, dim, i * rows, { seed: 6, sampleRows: 25 }));
  const pairwise = pieces.reduce((a, b) => mergePartials(a, b));
  const once = mergeAll(pieces);
  assert.equal(once.sample.indices.length, 25);
  assertSameRowLists(once, pairwise);
  assertSameRowLists(once, partialOfRows(x, rows * count, dim, 0, { seed: 6, sampleRows: 25 }));
  assertSameRowLists(mergeAll([...pieces].reverse()), pairwise);
});
