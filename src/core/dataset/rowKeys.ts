/**
 * Exact duplicate counting across shards, within a memory bound. Each finite row's 53-bit hash
 * key (hashRow of streamingStatistics.ts, the key the single-file analysis counts duplicates
 * with) is kept; duplicates = finite rows − distinct keys. Only the ROW_KEYS_BOUND smallest
 * distinct keys are kept: while the dataset has at most that many distinct rows the count is
 * exact; past it the kept keys are a k-minimum-values sketch (Bar-Yossef et al. 2002) and the
 * distinct count is estimated as (k − 1)·2⁵³ / (k-th smallest key), relative standard error
 * about 1/√(k − 2), and the report labels it an estimate. Merging keeps the k smallest of the
 * union: exact, associative and commutative.
 */
export const ROW_KEYS_BOUND = 1 << 20;
const KEY_RANGE = 2 ** 53;

export interface RowKeys {
  /** Distinct keys, ascending, at most the bound. */
  keys: Float64Array;
  /** True when keys were dropped (more distinct rows than the bound): the count is then an estimate. */
  saturated: boolean;
}

/**
 * Collects the keys of one shard's finite rows in a flat buffer growing to twice the bound
 * (16 MiB, far less than a Set of as many numbers), compacted (sorted, deduplicated, cut to the
 * bound) when full.
 */
export class RowKeyCollector {
  private buffer: Float64Array;
  private length = 0;
  private threshold = Infinity;
  private saturated = false;
  constructor(private readonly bound = ROW_KEYS_BOUND) {
    this.buffer = new Float64Array(Math.min(4096, Math.max(2, 2 * bound)));
  }

  add(key: number): void {
    if (key > this.threshold) return;
    this.buffer[this.length++] = key;
    if (this.length < this.buffer.length) return;
    if (this.buffer.length < 2 * this.bound) {
      // grown as needed: a small shard does not hold 16 MiB
      const grown = new Float64Array(Math.min(2 * this.bound, 2 * this.buffer.length));
      grown.set(this.buffer);
      this.buffer = grown;
    } else this.compact();
  }

  /** Sorts and deduplicates the buffer, keeping the `bound` smallest keys. */
  private compact(): void {
    const b = this.buffer.subarray(0, this.length).sort();
    let n = 0;
    for (let i = 0; i < b.length; i++) if (i === 0 || b[i] !== b[i - 1]) b[n++] = b[i];
    if (n > this.bound) {
      n = this.bound;
      this.saturated = true;
      this.threshold = b[n - 1];
    }
    this.length = n;
  }

  finish(): RowKeys {
    this.compact();
    return { keys: this.buffer.slice(0, this.length), saturated: this.saturated };
  }
}

export function mergeRowKeys(a: RowKeys, b: RowKeys, bound = ROW_KEYS_BOUND): RowKeys {
  const out = new Float64Array(Math.min(bound, a.keys.length + b.keys.length));
  let i = 0, j = 0, n = 0;
  const x = a.keys, y = b.keys;
  while (n < out.length && (i < x.length || j < y.length)) {
    let v: number;
    if (j >= y.length || (i < x.length && x[i] < y[j])) v = x[i++];
    else if (i >= x.length || y[j] < x[i]) v = y[j++];
    else { v = x[i++]; j++; }
    out[n++] = v;
  }
  const leftOver = i < x.length || j < y.length;
  return { keys: out.slice(0, n), saturated: a.saturated || b.saturated || leftOver };
}

/** Distinct rows: exact, or the k-minimum-values estimate with its standard error. */
export function distinctRows(k: RowKeys): { distinct: number; standardError: number | null } {
  const n = k.keys.length;
  if (!k.saturated) return { distinct: n, standardError: null };
  const estimate = ((n - 1) * KEY_RANGE) / k.keys[n - 1];
  return { distinct: estimate, standardError: estimate / Math.sqrt(Math.max(1, n - 2)) };
}
