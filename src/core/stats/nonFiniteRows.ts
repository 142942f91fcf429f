/**
 * Finding a block's NaN and ±Inf rows, on whichever thread ran the kernels over it: the calling
 * thread's accumulator calls it, and the statistics worker script embeds its source text
 * (statisticsWorkerScript.ts), so it must stay self-contained: no imports, no other functions.
 */

/** The rows of block holding a NaN ('nan') or else a ±Inf ('inf'), by position in the block. */
export function nonFiniteRows(block: Float32Array | Float64Array, rows: number, dim: number): Map<number, 'nan' | 'inf'> {
  const found = new Map<number, 'nan' | 'inf'>();
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    // v − v is NaN exactly when v is NaN or ±Inf; four sums, so the adds do not wait on each other
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let i = 0;
    for (; i + 3 < dim; i += 4) {
      const a = block[base + i], b = block[base + i + 1], c = block[base + i + 2], d = block[base + i + 3];
      s0 += a - a; s1 += b - b; s2 += c - c; s3 += d - d;
    }
    for (; i < dim; i++) { const v = block[base + i]; s0 += v - v; }
    const s = s0 + s1 + s2 + s3;
    if (s === s) continue;
    let nan = false;
    for (let k = 0; k < dim && !nan; k++) nan = block[base + k] !== block[base + k];
    found.set(r, nan ? 'nan' : 'inf');
  }
  return found;
}