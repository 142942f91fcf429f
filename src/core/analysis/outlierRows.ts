import { finiteRowIndices } from '../stats/rowIndices';

/**
 * The `outlier-rows` finding's statistic: a robust z-score of each finite row's Euclidean norm,
 *   z = |norm − median| / max(1.4826 · MAD, 0.001 · median),
 * with the median and the MAD (median absolute deviation from the median) over the finite rows
 * read; 1.4826 makes the MAD a consistent estimate of a normal standard deviation. The floor keeps
 * unit-normalised embeddings (norms equal to rounding) from flagging their rounding noise.
 * All-zero rows are left out of the flagged rows (they have their own finding, zero-rows).
 * Computed from the norms the statistics keep anyway: no second pass over the file.
 */

/** 1 / Φ⁻¹(3/4): the MAD times this estimates σ for normal data. */
export const MAD_SCALE = 1.4826;
/** The scale never goes below this share of the median norm. */
export const MAD_FLOOR_OF_MEDIAN = 1e-3;
/** At most this share of the finite rows is flagged, by construction: the farthest ones. */
export const OUTLIER_SHARE_MAX = 0.01;
/** Fewer finite rows than this: no median/MAD worth standing behind. */
export const OUTLIER_MIN_ROWS = 20;

export interface OutlierRows {
  /** Flagged rows: 0-based global indices, ascending (all of them). */
  rows: number[];
  /** Rows above the threshold before the cap (≥ rows.length). */
  exceeding: number;
  /** The most that may be flagged: floor(OUTLIER_SHARE_MAX · finite rows). */
  cap: number;
  median: number;
  mad: number;
  /** The z-score threshold used. */
  z: number;
  finiteRows: number;
}

/**
 * The outlier rows of the finite rows whose norms are `norms` (in row order) at rows `finiteRuns`
 * (RowIndices.finiteRuns); null when they cannot be told. `ascending`: the same norms sorted, when
 * the caller has them (a dataset's partial), so that they are not sorted again.
 */
export function outlierRows(norms: Float64Array, finiteRuns: readonly number[], z: number, ascending?: Float64Array): OutlierRows | null {
  const n = norms.length;
  const rule = outlierScaleOfSorted(ascending ?? Float64Array.from(norms).sort(), z);
  if (!rule) return null;
  const { median, mad, scale } = rule;
  const candidates: { row: number; score: number }[] = [];
  let i = 0;
  for (const row of finiteRowIndices(finiteRuns)) {
    if (i >= n) break;
    const score = Math.abs(norms[i] - median) / scale;
    if (score > z && norms[i] > 0) candidates.push({ row, score });
    i++;
  }
  const cap = Math.floor(OUTLIER_SHARE_MAX * n);
  const kept = candidates.length > cap ? [...candidates].sort((a, b) => b.score - a.score || a.row - b.row).slice(0, cap) : candidates;
  return { rows: kept.map(c => c.row).sort((a, b) => a - b), exceeding: candidates.length, cap, median, mad, z, finiteRows: n };
}

/** The median, MAD and score scale of the norms, ascending; null when they cannot be told. */
function outlierScaleOfSorted(sorted: Float64Array, z: number): { median: number; mad: number; scale: number } | null {
  const n = sorted.length;
  if (n < OUTLIER_MIN_ROWS || !(z > 0)) return null;
  const median = middleOf(n, k => sorted[k]);
  // |x − median| descends left of the median and ascends right of it: two sorted runs, merged
  // from the median outwards as far as their middle (m − x is exactly −(x − m): the same values
  // as sorting every |x − median|)
  let left = lowerBound(sorted, median) - 1, right = left + 1;
  const merged = new Float64Array(Math.floor(n / 2) + 1);
  for (let k = 0; k < merged.length; k++) {
    const l = left >= 0 ? median - sorted[left] : Infinity, r = right < n ? sorted[right] - median : Infinity;
    if (l <= r) { merged[k] = l; left--; } else { merged[k] = r; right++; }
  }
  const mad = middleOf(n, k => merged[k]);
  const scale = Math.max(MAD_SCALE * mad, MAD_FLOOR_OF_MEDIAN * median);
  return scale > 0 && Number.isFinite(scale) ? { median, mad, scale } : null;
}

/**
 * outlierRows's rule for a row known only by its norm, from every finite row's norm, ascending
 * (no row indices, as a dataset's partial keeps them): flagged when its score exceeds z and is among the
 * cap highest scores (a row tied with the cap's last score is flagged too: the tie is broken by
 * row index, which the norms do not carry). Null when outlierRows would be null.
 */
export function outlierNormTest(ascending: Float64Array, z: number): ((norm: number) => boolean) | null {
  const norms = ascending;
  const rule = outlierScaleOfSorted(norms, z);
  if (!rule) return null;
  const { median, scale } = rule;
  const score = (x: number) => Math.abs(x - median) / scale;
  const scores: number[] = [];
  for (let i = 0; i < norms.length; i++) if (norms[i] > 0 && score(norms[i]) > z) scores.push(score(norms[i]));
  scores.sort((a, b) => b - a);
  const cap = Math.floor(OUTLIER_SHARE_MAX * norms.length);
  if (cap === 0) return () => false;
  const least = scores.length > cap ? scores[cap - 1] : z;
  return x => x > 0 && score(x) > z && score(x) >= least;
}

/** The median of n ascending values (the mean of the middle two for an even count, halved first against overflow). */
function middleOf(n: number, at: (k: number) => number): number {
  return n % 2 ? at((n - 1) / 2) : at(n / 2 - 1) / 2 + at(n / 2) / 2;
}

/** The first index of an ascending array whose value is ≥ v. */
function lowerBound(sorted: Float64Array, v: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}
