/** Equal-width histogram of finite values, for plots (row norms). */
export interface Histogram {
  /** bins + 1 edges, ascending. */
  edges: number[];
  counts: number[];
}

/**
 * `bins` equal-width bins from min to max (the last bin includes max). A single
 * distinct value gives one bin of width 0 holding every value. Empty input: null.
 */
export function histogram(values: ArrayLike<number>, bins = 30): Histogram | null {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (lo > hi) return null;
  if (lo === hi) {
    let n = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === lo) n++;
    return { edges: [lo, hi], counts: [n] };
  }
  const counts = new Array<number>(bins).fill(0);
  const width = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width)), counts };
}
