/**
 * A mergeable quantile sketch of the row norms for the dataset median: the logarithmic buckets
 * of DDSketch (Masson, Rim & Lee, VLDB 2019). A positive value x falls in bucket
 * i = ⌈ln x / ln γ⌉ with γ = (1 + α)/(1 − α); the bucket's representative 2γⁱ/(γ + 1) is within
 * relative error α of every value in it, so any quantile read from the sketch is within α of the
 * exact one (same rank). Merging adds bucket counts: exact, associative and commutative.
 */
export const NORM_SKETCH_ACCURACY = 0.005;
const GAMMA = (1 + NORM_SKETCH_ACCURACY) / (1 - NORM_SKETCH_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

export interface NormSketch {
  /** Norms exactly 0. */
  zeros: number;
  /** Bucket index → count, for positive finite norms. */
  buckets: Map<number, number>;
}

export function emptyNormSketch(): NormSketch {
  return { zeros: 0, buckets: new Map() };
}

export function addNorms(sketch: NormSketch, norms: ArrayLike<number>): void {
  for (let i = 0; i < norms.length; i++) {
    const x = norms[i];
    if (x === 0) { sketch.zeros++; continue; }
    if (!(x > 0 && x < Infinity)) continue;
    const b = Math.ceil(Math.log(x) / LOG_GAMMA);
    sketch.buckets.set(b, (sketch.buckets.get(b) ?? 0) + 1);
  }
}

export function mergeNormSketches(a: NormSketch, b: NormSketch): NormSketch {
  const buckets = new Map(a.buckets);
  for (const [k, c] of b.buckets) buckets.set(k, (buckets.get(k) ?? 0) + c);
  return { zeros: a.zeros + b.zeros, buckets };
}

/** The value of rank r (0-based, ascending) as the sketch knows it (within NORM_SKETCH_ACCURACY). */
function valueOfRank(sketch: NormSketch, sortedKeys: number[], r: number): number {
  if (r < sketch.zeros) return 0;
  let seen = sketch.zeros;
  for (const k of sortedKeys) {
    seen += sketch.buckets.get(k)!;
    if (r < seen) return (2 * GAMMA ** k) / (GAMMA + 1);
  }
  return NaN;
}

/** Median of the sketched norms (mean of the two middle ranks when their count is even); NaN when empty. */
export function sketchMedian(sketch: NormSketch): number {
  let n = sketch.zeros;
  for (const c of sketch.buckets.values()) n += c;
  if (n === 0) return NaN;
  const keys = [...sketch.buckets.keys()].sort((x, y) => x - y);
  const lo = valueOfRank(sketch, keys, Math.floor((n - 1) / 2));
  const hi = valueOfRank(sketch, keys, Math.ceil((n - 1) / 2));
  return lo / 2 + hi / 2;
}

/** Buckets as two parallel arrays sorted by index (the .embstats form). */
export function normSketchArrays(sketch: NormSketch): { index: Float64Array; count: Float64Array } {
  const keys = [...sketch.buckets.keys()].sort((x, y) => x - y);
  return { index: Float64Array.from(keys), count: Float64Array.from(keys, k => sketch.buckets.get(k)!) };
}

export function normSketchFromArrays(zeros: number, index: ArrayLike<number>, count: ArrayLike<number>): NormSketch {
  const buckets = new Map<number, number>();
  for (let i = 0; i < index.length; i++) buckets.set(index[i], count[i]);
  return { zeros, buckets };
}
