/**
 * Means of values near float64's limits (±1e308), which plain summation overflows: each value
 * is scaled by 2⁻⁶⁴ (exact: a power of two) before a compensated (Neumaier) sum, so up to 2⁵³
 * values of any finite magnitude sum without overflow, and the mean is scaled back at the end.
 * The statistics use it only where their ordinary mean came out non-finite from finite rows.
 */

const DOWN = 2 ** -64;
const UP = 2 ** 64;
/**
 * Below this magnitude no sum of up to 2⁵³ values, nor a difference of two of them, overflows
 * (2⁹⁶⁰·2 ·2⁵³ < 2¹⁰²⁴): the ordinary one-pass mean is safe and no scaled sum is needed.
 */
export const OVERFLOW_SAFE_MAGNITUDE = 2 ** 960;

/** Per-column compensated sums of scaled values, and how many rows went in. */
export class ScaledColumnSums {
  private readonly sum: Float64Array;
  private readonly compensation: Float64Array;
  count = 0;

  constructor(readonly dim: number) {
    this.sum = new Float64Array(dim);
    this.compensation = new Float64Array(dim);
  }

  /** Adds a finite value to column i (does not count a row). */
  addTo(i: number, value: number): void {
    const x = value * DOWN;
    const s = this.sum[i];
    const t = s + x;
    this.compensation[i] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    this.sum[i] = t;
  }

  /** Adds one row, values[base .. base + dim). */
  addRow(values: ArrayLike<number>, base: number): void {
    for (let i = 0; i < this.dim; i++) this.addTo(i, values[base + i]);
    this.count++;
  }

  /** Adds the rows of a row-major block whose values are all finite; the others are skipped. */
  addFiniteRows(block: ArrayLike<number>, rows: number): void {
    const dim = this.dim;
    for (let r = 0; r < rows; r++) {
      const base = r * dim;
      let probe = 0;
      for (let i = 0; i < dim; i++) probe += block[base + i] * 0; // NaN when any value is NaN or ±Inf
      if (probe === 0) this.addRow(block, base);
    }
  }

  /** Mean of column i over the rows added (NaN when none was). */
  mean(i: number): number {
    return ((this.sum[i] + this.compensation[i]) / this.count) * UP;
  }

  /** Replaces the non-finite entries of `mean` (a mean of the same finite rows) by the scaled mean. */
  repair(mean: Float64Array): void {
    if (this.count === 0) return;
    for (let i = 0; i < mean.length; i++) if (!Number.isFinite(mean[i])) mean[i] = this.mean(i);
  }
}

/** The mean of finite values of any magnitude (NaN for none): plain when that cannot overflow. */
export function overflowSafeMean(values: ArrayLike<number>): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  if (Number.isFinite(sum)) return sum / n;
  const sums = new ScaledColumnSums(1);
  for (let i = 0; i < n; i++) sums.addTo(0, values[i]);
  sums.count = n;
  return sums.mean(0);
}

/**
 * The largest magnitude among the finite values of block[0, n) (NaN and ±Inf rows are not averaged):
 * from OVERFLOW_SAFE_MAGNITUDE on, a block needs the scaled sums.
 */
export function largestFiniteMagnitude(block: Float32Array | Float64Array, n: number): number {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(block[i]);
    if (a > largest && a !== Infinity) largest = a;
  }
  return largest;
}