/**
 * The projection of a dataset (shards or merged .embstats partials): drawn from the dataset's
 * shared row sample (rowSample.ts), which the partials carry, so no shard is read again. The
 * sample's first k rows by priority are themselves a uniform sample of the finite rows.
 */
import { outlierNormTest } from '../analysis/outlierRows';
import { SampleCoordinates, buildProjection, principalAxes, type PrincipalAxes } from '../analysis/projection';
import type { Projection } from '../report/projection';
import type { DatasetPartial } from './partial';

/** The axes from the dataset's covariance (before the report: the same matrix as its spectrum); null when no projection is wanted. */
export function datasetAxes(p: DatasetPartial, covariance: Float64Array, projectionRows: number): PrincipalAxes | null {
  return projectionRows > 0 && p.dim >= 2 && p.count >= 2 && p.sample.indices.length > 0 ? principalAxes({ matrix: covariance }, p.dim, p.seed) : null;
}

export function datasetProjection(p: DatasetPartial, axes: PrincipalAxes, eigenvalues: ArrayLike<number>, projectionRows: number,
  leftOut: Projection['leftOut'], outlierZ: number): Projection | undefined {
  const d = p.dim;
  const sample = p.sample;
  const k = Math.min(projectionRows, sample.indices.length);
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => sample.indices[a] - sample.indices[b]);
  const rows = order.map(i => sample.indices[i]);
  const values = new Float64Array(k * d);
  order.forEach((s, i) => values.set(sample.rows.subarray(s * d, (s + 1) * d), i * d));
  const coordinates = new SampleCoordinates(k, p.mean, axes);
  for (let i = 0; i < k; i++) coordinates.add(i, values, i * d);
  const norms = rows.map((_, i) => Math.hypot(...values.subarray(i * d, (i + 1) * d)));
  // duplicates: among the sampled rows (the partial keeps row keys, not which row repeats which)
  const seen = new Set<string>();
  const duplicate = rows.map((_, i) => {
    const key = Buffer.from(values.buffer, values.byteOffset + i * d * 8, d * 8).toString('latin1');
    const again = seen.has(key);
    seen.add(key);
    return again;
  });
  const isOutlier = p.norms ? outlierNormTest(p.norms, outlierZ) : null;
  const inSample = k === p.count ? `all ${k} finite rows` : `uniform random sample of ${k} of the ${p.count} finite rows`;
  return buildProjection({ rows, coordinates: coordinates.coordinates, norms, duplicate: i => duplicate[i], outlier: i => isOutlier?.(norms[i]) ?? false }, eigenvalues, {
    rowsEligible: p.count, leftOut,
    sampleMethod: `${inSample} (the dataset's shared row sample of ${sample.indices.length} rows, seed ${p.seed}); duplicate flags compare the sampled rows with each other${isOutlier ? '' : '; no outlier flags (the norms of every row are not kept past 2²⁰ rows)'}`,
    seed: p.seed,
  });
}
