/**
 * The duplicate key of a row: two independent 32-bit hashes of its float64 bit patterns
 * (murmur3-style and xxhash32-style rounds with different seeds) combined into a 53-bit key.
 * StreamingStatistics counts duplicates with it and a dataset's partial keeps it (rowKeys.ts).
 * wasm/kernels.c computes the same keys bit for bit (row_keys_f32/f64, and fused into
 * stats_add_rows for WasmStatistics' onRowKeys), several rows per SIMD vector; this is the
 * reference they are tested against and the plain-JS path.
 */

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability about 1/2. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function murmurRound(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function xxRound(h: number, k: number): number {
  h = (h + Math.imul(k, 0x85ebca77)) | 0;
  h = (h << 13) | (h >>> 19);
  return Math.imul(h, 0x9e3779b1);
}

/**
 * The key of row `base / dim` of `values` (`words` views the same bytes as 32-bit words). Zeros
 * hash as +0 so that −0 and +0 match; word order is the platform's, consistent within a run.
 */
export function hashRow(values: Float64Array, words: Uint32Array, base: number, dim: number): number {
  let h1 = 0x9747b28c;
  let h2 = 0x165667b1;
  for (let i = 0, k = 2 * base; i < dim; i++, k += 2) {
    let w0 = 0, w1 = 0;
    if (values[base + i] !== 0) { w0 = words[k]; w1 = words[k + 1]; }
    h1 = murmurRound(murmurRound(h1, w0), w1);
    h2 = xxRound(xxRound(h2, w1), w0);
  }
  h1 ^= dim;
  h2 ^= dim;
  h1 = fmix32(h1) >>> 0;
  h2 = fmix32(Math.imul(h2 ^ (h2 >>> 15), 0x85ebca77)) >>> 0;
  return h1 * 2097152 + (h2 >>> 11); // 32 bits above 21: an exact 53-bit integer key
}

/**
 * The keys of the finite rows of a row-major block of float32 or float64 values, in row order:
 * each row widened to float64 (exact) and hashed by hashRow, so a row has the same key whichever
 * type it was read as. Rows with a NaN or ±Inf have no key. `nonFinite`, when the caller already
 * knows those rows (null: none), spares the scan for them.
 */
export function finiteRowKeys(block: Float32Array | Float64Array, rows: number, dim: number,
  nonFinite?: { has(row: number): boolean } | null): Float64Array {
  const keys = new Float64Array(rows);
  const wide = new Float64Array(dim);
  const words = new Uint32Array(wide.buffer);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    wide.set(block.subarray(r * dim, r * dim + dim));
    if (nonFinite === undefined) {
      // x − x is NaN exactly when x is NaN or ±Inf
      let s = 0;
      for (let i = 0; i < dim; i++) s += wide[i] - wide[i];
      if (s !== 0) continue;
    } else if (nonFinite?.has(r)) continue;
    keys[n++] = hashRow(wide, words, 0, dim);
  }
  return n === rows ? keys : keys.slice(0, n);
}
