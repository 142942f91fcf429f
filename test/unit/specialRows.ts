import { hashRow } from '../../src/core/stats/rowHash';

/** rows × dim float32 values in [-0.5, 0.5), with row 1 = row 0 but −0 for +0, row 3 a NaN row, row 5 a ±Inf row, row 6 a copy of row 2. */
export function rowsWithSpecials(rows: number, dim: number): Float32Array {
  let s = 12345;
  const x = new Float32Array(rows * dim).map(() => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; });
  x[0] = 0;
  x.copyWithin(dim, 0, dim);
  x[dim] = -0;
  x[3 * dim + 2] = NaN;
  x[5 * dim + 1] = -Infinity;
  x.copyWithin(6 * dim, 2 * dim, 3 * dim);
  return x;
}

/** The keys of the finite rows, one hashRow per row over its float64 values. */
export function keysOneByOne(x: Float32Array, rows: number, dim: number): number[] {
  const keys: number[] = [];
  for (let r = 0; r < rows; r++) {
    const wide = Float64Array.from(x.subarray(r * dim, (r + 1) * dim));
    if (!wide.every(Number.isFinite)) continue;
    keys.push(hashRow(wide, new Uint32Array(wide.buffer), 0, dim));
  }
  return keys;
}
