import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { stableOrder } from '../../src/core/stats/stableOrder';

/** The reference: a comparator sort of the indices by value, ties by index. */
function comparatorOrder(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((i, j) => (values[i] < values[j] ? -1 : values[i] > values[j] ? 1 : i - j));
}

test('stableOrder: the indices by ascending value, ties (−0 and +0 too) by index, below and above the radix threshold', () => {
  let s = 99;
  const rand = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
  for (const n of [0, 1, 7, 4095, 4096, 20_000, 70_000]) {
    const pool = [0, -0, 1, -1, 5e-324, -5e-324, 1.7e308, -1.7e308, Infinity, -Infinity, 2 ** 53 - 1, 0.1];
    // many ties (a small pool), random magnitudes and signs, integers as row indices and keys are
    const values = Float64Array.from({ length: n }, () => {
      const u = rand();
      if (u < 0.3) return pool[Math.floor(rand() * pool.length)];
      if (u < 0.6) return Math.floor(rand() * 2 ** 53);
      return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    });
    assert.deepEqual([...stableOrder(values)], comparatorOrder(values), `n = ${n}`);
  }
});

test('stableOrder of a million ascending-by-index norms takes well under the comparator sort\'s CPU time', () => {
  let s = 3;
  const values = Float64Array.from({ length: 1 << 20 }, () => { s = (s * 16807) % 2147483647; return s / 2147483647; });
  const t0 = process.cpuUsage();
  const order = stableOrder(values);
  const used = process.cpuUsage(t0);
  for (let k = 1; k < order.length; k++) assert.ok(values[order[k - 1]] <= values[order[k]]);
  // generous: the radix sort takes ~0.1 s of CPU, a comparator sort seconds
  assert.ok((used.user + used.system) / 1e6 < 5, `${(used.user + used.system) / 1e6} s of CPU`);
});
