import { ROW_INDICES_KEPT } from '../stats/rowIndices';
import { stableOrder } from '../stats/stableOrder';
import { mergeBalanced } from '../stats/mergeBalanced';

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
  /** The global row where each key first occurs (same order as keys); absent or null in partials that did not keep them (older .embstats). */
  firstRows?: Float64Array | null;
  /**
   * The duplicate rows of lowest index (at most ROW_INDICES_KEPT), ascending: each row, the first
   * row it repeats and their key. Exact while not saturated; absent or null when firstRows is.
   */
  duplicates?: DuplicateRow[] | null;
}

export interface DuplicateRow { row: number; repeats: number; key: number }

/**
 * Collects the keys of one shard's finite rows, in row order (the i-th key is the i-th finite
 * row's, whoever hashes them), in a flat buffer growing to twice the bound (16 MiB, far less than
 * a Set of as many numbers) beside the ordinal of each (its finite row), compacted (sorted,
 * deduplicated keeping each key's first ordinal, cut to the bound) when full.
 */
export class RowKeyCollector {
  private buffer: Float64Array;
  private ordinals: Float64Array;
  private length = 0;
  private added = 0;
  private threshold = Infinity;
  private saturated = false;
  /** Duplicates found by compaction, as ordinals: at most ROW_INDICES_KEPT of lowest ordinal. */
  private duplicates: { ordinal: number; first: number; key: number }[] = [];
  /** With options.everyDuplicate: the ordinal of every duplicate found (a single file's projection flags them all). */
  private readonly every: number[] | null;
  constructor(private readonly bound = ROW_KEYS_BOUND, options: { everyDuplicate?: boolean } = {}) {
    this.every = options.everyDuplicate ? [] : null;
    this.buffer = new Float64Array(Math.min(4096, Math.max(2, 2 * bound)));
    this.ordinals = new Float64Array(this.buffer.length);
  }

  add(key: number): void {
    const ordinal = this.added++;
    if (key > this.threshold) return;
    this.ordinals[this.length] = ordinal;
    this.buffer[this.length++] = key;
    if (this.length < this.buffer.length) return;
    if (this.buffer.length < 2 * this.bound) {
      // grown as needed: a small shard does not hold 16 MiB
      const size = Math.min(2 * this.bound, 2 * this.buffer.length);
      const grown = new Float64Array(size), grownOrdinals = new Float64Array(size);
      grown.set(this.buffer);
      grownOrdinals.set(this.ordinals);
      this.buffer = grown;
      this.ordinals = grownOrdinals;
    } else this.compact();
  }

  /**
   * Sorts and deduplicates the buffer, keeping the `bound` smallest keys, each with its first
   * ordinal: a stable sort by key puts a key's first occurrence first (kept entries precede the
   * ones added since, which are in ordinal order). The others are duplicates.
   */
  private compact(): void {
    const n0 = this.length;
    const keys = this.buffer, ords = this.ordinals;
    const order = stableOrder(keys.subarray(0, n0));
    const sortedKeys = Float64Array.from(order, i => keys[i]);
    const sortedOrds = Float64Array.from(order, i => ords[i]);
    let n = 0;
    for (let i = 0; i < n0; i++) {
      if (i > 0 && sortedKeys[i] === sortedKeys[i - 1]) {
        this.duplicates.push({ ordinal: sortedOrds[i], first: ords[n - 1], key: sortedKeys[i] });
        this.every?.push(sortedOrds[i]);
        if (this.duplicates.length >= 2 * ROW_INDICES_KEPT) this.trimDuplicates();
        continue;
      }
      keys[n] = sortedKeys[i];
      ords[n++] = sortedOrds[i];
    }
    this.trimDuplicates();
    if (n > this.bound) {
      n = this.bound;
      this.saturated = true;
      this.threshold = keys[n - 1];
    }
    this.length = n;
  }

  private trimDuplicates(): void {
    this.duplicates = this.duplicates.sort((a, b) => a.ordinal - b.ordinal).slice(0, ROW_INDICES_KEPT);
  }

  /**
   * `rows`: where the finite rows are (the i-th key added is the i-th finite row's); without them,
   * or when they do not count as many rows as keys were added, no rows are kept.
   */
  finish(rows?: { count: number; rowOf: (ordinal: number) => number }): RowKeys {
    this.compact();
    // without the rows, the keys alone (as partials before rows were kept)
    if (!rows || rows.count !== this.added) return { keys: this.buffer.slice(0, this.length), saturated: this.saturated };
    const firstRows = Float64Array.from(this.ordinals.subarray(0, this.length), rows.rowOf);
    const duplicates = this.duplicates.sort((a, b) => a.ordinal - b.ordinal)
      .map(d => ({ row: rows.rowOf(d.ordinal), repeats: rows.rowOf(d.first), key: d.key }));
    return { keys: this.buffer.slice(0, this.length), saturated: this.saturated, firstRows, duplicates };
  }

  /**
   * After finish: every duplicate row found (global rows by `rows`, ascending) with
   * options.everyDuplicate, else null. Exact while no key was dropped (at most `bound` distinct rows).
   */
  everyDuplicateRow(rows: { rowOf: (ordinal: number) => number }): Float64Array | null {
    return this.every ? Float64Array.from(this.every, rows.rowOf).sort() : null;
  }
}

export function mergeRowKeys(a: RowKeys, b: RowKeys, bound = ROW_KEYS_BOUND): RowKeys {
  const x = a.keys, y = b.keys, nx = x.length, ny = y.length;
  const out = new Float64Array(Math.min(bound, nx + ny));
  const size = out.length;
  const withRows = !!(a.firstRows && b.firstRows && a.duplicates && b.duplicates);
  // in locals: the partials' objects come in several shapes, a property read per key would be slow
  const fa = withRows ? a.firstRows! : x, fb = withRows ? b.firstRows! : y;
  const first = new Float64Array(withRows ? size : 0);
  // a key in both: the later of its two first rows repeats the earlier
  const cross: DuplicateRow[] = [];
  let i = 0, j = 0, n = 0;
  while (n < size && i < nx && j < ny) {
    const u = x[i], v = y[j];
    if (u < v) { if (withRows) first[n] = fa[i]; i++; out[n++] = u; }
    else if (v < u) { if (withRows) first[n] = fb[j]; j++; out[n++] = v; }
    else {
      if (withRows) {
        const ra = fa[i], rb = fb[j];
        first[n] = Math.min(ra, rb);
        cross.push({ row: Math.max(ra, rb), repeats: Math.min(ra, rb), key: u });
      }
      i++; j++; out[n++] = u;
    }
  }
  for (; n < size && i < nx; i++) { if (withRows) first[n] = fa[i]; out[n++] = x[i]; }
  for (; n < size && j < ny; j++) { if (withRows) first[n] = fb[j]; out[n++] = y[j]; }
  const leftOver = i < x.length || j < y.length;
  const keys = n === size ? out : out.slice(0, n);
  const firstRows = withRows ? (n === size ? first : first.slice(0, n)) : null;
  let duplicates: DuplicateRow[] | null = null;
  if (firstRows) {
    // a duplicate repeats its key's first row in the union
    const firstOf = (d: DuplicateRow): number => {
      const k = binarySearch(keys, d.key);
      return k >= 0 ? Math.min(firstRows[k], d.repeats) : d.repeats;
    };
    duplicates = [...a.duplicates!, ...b.duplicates!, ...cross].map(d => ({ ...d, repeats: firstOf(d) }))
      .sort((p, q) => p.row - q.row).slice(0, ROW_INDICES_KEPT);
  }
  const saturated = a.saturated || b.saturated || leftOver;
  return firstRows ? { keys, saturated, firstRows, duplicates } : { keys, saturated };
}

/**
 * Many row-key sets merged by mergeRowKeys in a balanced tree: what PartialMerger does with the
 * keys of all its partials at once, in result().
 */
export function mergeManyRowKeys(sets: readonly RowKeys[], bound = ROW_KEYS_BOUND): RowKeys {
  return mergeBalanced(sets, (a, b) => mergeRowKeys(a, b, bound));
}

function binarySearch(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else if (sorted[mid] > v) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** Distinct rows: exact, or the k-minimum-values estimate with its standard error. */
export function distinctRows(k: RowKeys): { distinct: number; standardError: number | null } {
  const n = k.keys.length;
  if (!k.saturated) return { distinct: n, standardError: null };
  const estimate = ((n - 1) * KEY_RANGE) / k.keys[n - 1];
  return { distinct: estimate, standardError: estimate / Math.sqrt(Math.max(1, n - 2)) };
}
