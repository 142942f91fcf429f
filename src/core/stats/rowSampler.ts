/**
 * Seeded uniform row sampling without replacement, for analysing a sample of a large dump.
 */

import { fmix32 } from './rowHash';

export { fmix32 };

const TWO_POW_32 = 2 ** 32;

/**
 * A seeded PRNG: xoshiro128** (Blackman & Vigna 2018, 128-bit state, 32-bit operations),
 * its state filled by a SplitMix32-style mixer from the seed's 64-bit two's complement.
 * Each call returns a float in [0, 1) with 53 random bits (two 32-bit outputs).
 * `seed` must be a safe integer (negative seeds are allowed).
 */
export function createRng(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer (got ${seed})`);
  let x = seed >>> 0;
  const hi = Math.floor(seed / TWO_POW_32) >>> 0;
  const mixHi = fmix32((hi ^ 0x5bd1e995) >>> 0);
  const next32 = () => {
    x = (x + 0x9e3779b9) | 0;
    return fmix32(x ^ mixHi);
  };
  let s0 = next32(), s1 = next32(), s2 = next32(), s3 = next32();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  return () => ((nextU32() >>> 5) * 2 ** 26 + (nextU32() >>> 6)) / 2 ** 53;
}

/**
 * `count` distinct row indices drawn uniformly at random without replacement from [0, total),
 * sorted ascending (readers then read forward), deterministic for a given seed.
 *
 * Robert Floyd's algorithm (Bentley & Floyd 1987) with an open-addressing hash set: O(count)
 * time and memory, independent of `total` (e.g. 100,000 of 600,000,000), then one sort.
 * Always a Float64Array, so indices are exact up to 2⁵³ whatever the total.
 * Throws RangeError unless 0 ≤ count ≤ total are safe integers.
 */
export function sampleRowIndices(total: number, count: number, seed: number): Float64Array {
  if (!(Number.isSafeInteger(total) && total >= 0)) throw new RangeError(`total must be a non-negative safe integer (got ${total})`);
  if (!(Number.isSafeInteger(count) && count >= 0 && count <= total)) {
    throw new RangeError(`count must be an integer in [0, ${total}] (got ${count})`);
  }
  const out = new Float64Array(count);
  if (count === total) {
    for (let i = 0; i < count; i++) out[i] = i;
    return out;
  }
  const rng = createRng(seed);
  const set = new IndexSet(count);
  let filled = 0;
  // Floyd: for j = total−count … total−1, pick t uniform in [0, j]; take t, or j if t is taken.
  // Every count-subset comes out with equal probability.
  for (let j = total - count; j < total; j++) {
    const t = Math.min(Math.floor(rng() * (j + 1)), j);
    if (set.add(t)) {
      out[filled++] = t;
    } else {
      set.add(j); // j is new: earlier picks are all < j
      out[filled++] = j;
    }
  }
  return out.sort();
}

/**
 * Runs of consecutive indices, as [start, count], from indices sorted ascending; repeated
 * indices are collapsed. Lets a reader fetch consecutive sampled rows in one call.
 * Throws RangeError if the indices are not ascending.
 */
export function uniqueSortedRuns(indices: ArrayLike<number>): [start: number, count: number][] {
  const runs: [number, number][] = [];
  let start = 0;
  let end = 0; // exclusive end of the open run
  let open = false;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (open) {
      if (v === end) {
        end++;
        continue;
      }
      if (v === end - 1) continue; // repeat
      if (v < end) throw new RangeError(`uniqueSortedRuns: indices not ascending at position ${i} (${v} after ${end - 1})`);
      runs.push([start, end - start]);
    }
    start = v;
    end = v + 1;
    open = true;
  }
  if (open) runs.push([start, end - start]);
  return runs;
}

/** Set of non-negative integers < 2⁵³ by linear probing; sized for `capacityHint` entries at load ≤ ½. */
class IndexSet {
  private readonly slots: Float64Array; // value + 1; 0 marks an empty slot
  private readonly mask: number;

  constructor(capacityHint: number) {
    let size = 16;
    while (size < 2 * capacityHint) size *= 2;
    this.slots = new Float64Array(size);
    this.mask = size - 1;
  }

  /** Inserts v; false when it was already present. */
  add(v: number): boolean {
    const key = v + 1;
    let i = fmix32((v >>> 0) ^ Math.imul(Math.floor(v / TWO_POW_32), 0x9e3779b1)) & this.mask;
    for (;;) {
      const s = this.slots[i];
      if (s === 0) {
        this.slots[i] = key;
        return true;
      }
      if (s === key) return false;
      i = (i + 1) & this.mask;
    }
  }
}

function rotl(v: number, k: number): number {
  return (v << k) | (v >>> (32 - k));
}
