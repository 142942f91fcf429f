/**
 * The permutation that sorts float64 values ascending, ties kept in index order (a stable
 * argsort), without a comparator: a least-significant-digit radix sort of the values' bit
 * patterns, four passes of 16 bits. A comparator sort of a million indices costs a JavaScript
 * call per comparison (about a second); this is linear, tens of milliseconds. A dataset sorts its
 * norms, its rows and its row keys this way.
 */

/** Below this many values a comparator sort is cheaper than four passes over 65,536 buckets. */
const RADIX_MIN = 4096;
const BUCKETS = 1 << 16;

/**
 * Indices of `values` (no NaN) in ascending order of value, equal values (−0 and +0 alike) in
 * ascending order of index.
 */
export function stableOrder(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < RADIX_MIN) return order.sort((i, j) => (values[i] < values[j] ? -1 : values[i] > values[j] ? 1 : i - j));
  // the bit patterns made to compare as unsigned integers: positives with the sign bit set, negatives all flipped
  const wide = Float64Array.from(values);
  const words = new Uint32Array(wide.buffer); // little-endian: word 2i low, 2i + 1 high
  for (let i = 0; i < n; i++) {
    if (wide[i] === 0) wide[i] = 0; // −0 ties with +0
    const hi = words[2 * i + 1];
    if (hi & 0x80000000) { words[2 * i + 1] = ~hi; words[2 * i] = ~words[2 * i]; }
    else words[2 * i + 1] = hi | 0x80000000;
  }
  let from = order, to = new Uint32Array(n);
  const count = new Uint32Array(BUCKETS);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1, shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(words[2 * i + word] >>> shift) & 0xffff]++;
    // a digit every value shares does not reorder anything
    if (count[(words[word] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) { const c = count[b]; count[b] = sum; sum += c; }
    for (let k = 0; k < n; k++) {
      const i = from[k];
      to[count[(words[2 * i + word] >>> shift) & 0xffff]++] = i;
    }
    [from, to] = [to, from];
  }
  return from;
}
