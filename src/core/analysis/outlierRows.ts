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

/** The outlier rows of the finite rows whose norms are `norms` (in row order) at rows `finiteRuns` (RowIndices.finiteRuns); null when they cannot be told. */
export function outlierRows(norms: Float64Array, finiteRuns: readonly number[], z: number): OutlierRows | null {
  const n = norms.length;
  const rule = outlierScale(norms, z);
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

/** The median, MAD and score scale of the norms (any order); null when they cannot be told. */
export function outlierScale(norms: Float64Array, z: number): { median: number; mad: number; scale: number } | null {
  const n = norms.length;
  if (n < OUTLIER_MIN_ROWS || !(z > 0)) return null;
  const median = medianOf(Float64Array.from(norms));
  const deviations = new Float64Array(n);
  for (let i = 0; i < n; i++) deviations[i] = Math.abs(norms[i] - median);
  const mad = medianOf(deviations);
  const scale = Math.max(MAD_SCALE * mad, MAD_FLOOR_OF_MEDIAN * median);
  return scale > 0 && Number.isFinite(scale) ? { median, mad, scale } : null;
}

/**
 * outlierRows's rule for a row known only by its norm, from every finite row's norm (no row
 * indices, as a dataset's partial keeps them): flagged when its score exceeds z and is among the
 * cap highest scores (a row tied with the cap's last score is flagged too: the tie is broken by
 * row index, which the norms do not carry). Null when outlierRows would be null.
 */
export function outlierNormTest(norms: Float64Array, z: number): ((norm: number) => boolean) | null {
  const rule = outlierScale(norms, z);
  if (!rule) return null;
  const { median, scale } = rule;
  const score = (x: number) => Math.abs(x - median) / scale;
  const scores = Array.from(norms, x => (x > 0 && score(x) > z ? score(x) : -1)).filter(s => s >= 0).sort((a, b) => b - a);
  const cap = Math.floor(OUTLIER_SHARE_MAX * norms.length);
  if (cap === 0) return () => false;
  const least = scores.length > cap ? scores[cap - 1] : z;
  return x => x > 0 && score(x) > z && score(x) >= least;
}

/** Median (the mean of the middle two for an even count, halved first against overflow); sorts `values`. */
function medianOf(values: Float64Array): number {
  values.sort();
  const n = values.length;
  return n % 2 ? values[(n - 1) / 2] : values[n / 2 - 1] / 2 + values[n / 2] / 2;
}
