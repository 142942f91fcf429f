import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRng, sampleRowIndices, uniqueSortedRuns } from '../../src/core/stats/rowSampler';

function assertValidSample(s: Float64Array, total: number, count: number): void {
  assert.equal(s.length, count);
  for (let i = 0; i < s.length; i++) {
    assert.ok(Number.isInteger(s[i]) && s[i] >= 0 && s[i] < total, `index ${s[i]} out of range`);
    if (i > 0) assert.ok(s[i] > s[i - 1], `not strictly ascending at ${i}`); // sorted and distinct
  }
}

test('createRng: deterministic, in [0, 1), seeds differ', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  let same = 0;
  let sum = 0;
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
    if (x === c()) same++;
    sum += x;
  }
  assert.equal(same, 0);
  // Mean of 100,000 uniforms: sd ≈ 0.0009; 5 sd bound.
  assert.ok(Math.abs(sum / n - 0.5) < 0.0046, `mean ${sum / n}`);
  assert.notEqual(createRng(0)(), createRng(2 ** 32)(), 'the high seed word matters');
  assert.throws(() => createRng(0.5), RangeError);
});

test('sampleRowIndices: deterministic per seed, distinct, sorted, in range', () => {
  const a = sampleRowIndices(1000, 100, 7);
  assertValidSample(a, 1000, 100);
  assert.deepEqual(sampleRowIndices(1000, 100, 7), a);
  assert.notDeepEqual(sampleRowIndices(1000, 100, 8), a);
});

test('sampleRowIndices: edge counts', () => {
  assert.deepEqual(Array.from(sampleRowIndices(5, 5, 3)), [0, 1, 2, 3, 4]);
  assert.equal(sampleRowIndices(5, 0, 3).length, 0);
  assert.equal(sampleRowIndices(0, 0, 3).length, 0);
  assertValidSample(sampleRowIndices(10, 9, 1), 10, 9);
  assertValidSample(sampleRowIndices(1, 1, 1), 1, 1);
  assert.throws(() => sampleRowIndices(5, 6, 0), RangeError);
  assert.throws(() => sampleRowIndices(5, -1, 0), RangeError);
  assert.throws(() => sampleRowIndices(5.5, 2, 0), RangeError);
});

test('sampleRowIndices: 100,000 of 600,000,000 and of 2^40 rows', () => {
  const s = sampleRowIndices(600_000_000, 100_000, 0);
  assertValidSample(s, 600_000_000, 100_000);
  // Roughly uniform over the range: each tenth holds 10,000 ± 5 sd (sd ≈ 95).
  const tenths = new Array(10).fill(0);
  for (const v of s) tenths[Math.floor(v / 60_000_000)]++;
  for (const t of tenths) assert.ok(Math.abs(t - 10_000) < 475, `tenth count ${t}`);
  assertValidSample(sampleRowIndices(2 ** 40, 1000, 5), 2 ** 40, 1000);
});

test('sampleRowIndices: inclusion frequencies of single indices and of pairs are uniform (fixed seeds)', () => {
  const total = 20;
  const count = 5;
  const draws = 20_000;
  const single = new Array(total).fill(0);
  const pair = new Array(total * total).fill(0);
  for (let seed = 0; seed < draws; seed++) {
    const s = sampleRowIndices(total, count, seed);
    for (let i = 0; i < count; i++) {
      single[s[i]]++;
      for (let j = i + 1; j < count; j++) pair[s[i] * total + s[j]]++;
    }
  }
  // P(i in sample) = 1/4; P(i and j) = C(18,3)/C(20,5) = 816/15504.
  const p1 = count / total;
  const p2 = 816 / 15504;
  const bound = (p: number) => 5 * Math.sqrt(draws * p * (1 - p));
  let chi2 = 0;
  for (let i = 0; i < total; i++) {
    const e = draws * p1;
    assert.ok(Math.abs(single[i] - e) < bound(p1), `index ${i}: ${single[i]} vs ${e}`);
    chi2 += (single[i] - e) ** 2 / (e * (1 - p1));
    for (let j = i + 1; j < total; j++) {
      const o = pair[i * total + j];
      assert.ok(Math.abs(o - draws * p2) < bound(p2), `pair (${i}, ${j}): ${o} vs ${draws * p2}`);
    }
  }
  // ≈ χ² with 19 degrees of freedom (mean 19); 60 is beyond its 99.999th percentile.
  assert.ok(chi2 < 60, `chi-square ${chi2}`);
});

test('uniqueSortedRuns: consecutive indices become runs, repeats collapse', () => {
  assert.deepEqual(uniqueSortedRuns([]), []);
  assert.deepEqual(uniqueSortedRuns([4]), [[4, 1]]);
  assert.deepEqual(uniqueSortedRuns([0, 1, 2, 5, 6, 9]), [[0, 3], [5, 2], [9, 1]]);
  assert.deepEqual(uniqueSortedRuns(Float64Array.of(3, 3, 4, 4, 4, 8)), [[3, 2], [8, 1]]);
  assert.throws(() => uniqueSortedRuns([5, 2]), RangeError);
  const s = sampleRowIndices(1000, 400, 11);
  const runs = uniqueSortedRuns(s);
  assert.deepEqual(runs.flatMap(([start, n]) => Array.from({ length: n }, (_, k) => start + k)), Array.from(s));
});
