import { EmbdiagError } from '../errors';
import { computeInformation, type InformationHooks, type InformationOptions, type InformationReport, type ScalarInputs } from '../information/informationReport';
import type { DatasetPartial } from './partial';
import { smallerSample } from './rowSample';

/**
 * The analyses that need rows, run on a dataset from its partial alone: the shared row sample
 * (rowSample.ts: the same rows whether the partial was computed in one process or merged from
 * shards) stands for the rows, and the merged second moments for the Gaussian figures.
 */

/** The partial's sample rows (at most `maxRows` of them: a smaller sample of the same kind) in global row order, row-major, with their global indices. */
export function sampleRowsInOrder(p: DatasetPartial, maxRows = Infinity): { X: Float64Array; n: number; indices: number[] } {
  const { indices, rows } = smallerSample(p.sample, maxRows, p.dim);
  const order = Array.from(indices.keys()).sort((a, b) => indices[a] - indices[b]);
  const X = new Float64Array(order.length * p.dim);
  order.forEach((k, i) => X.set(rows.subarray(k * p.dim, (k + 1) * p.dim), i * p.dim));
  return { X, n: order.length, indices: order.map(k => indices[k]) };
}

/** The storage dtype of Z when every shard has the same, else float64 (every value is analysed as float64). */
function datasetDtype(p: DatasetPartial): string {
  const dtypes = [...new Set(p.shards.map(s => s.dtype))];
  return dtypes.length === 1 ? dtypes[0] : 'float64';
}

/**
 * The information estimates of a dataset: the Gaussian ones (E3, dead columns, rank, E8 on Z)
 * from the merged co-moment of every finite row, the k-NN (E4), collision (E2) and collapse ones
 * from the shared sample. Companion arrays (Z̃, Y, Ŷ, X, labels) are not part of a partial yet.
 */
export function informationOfPartial(p: DatasetPartial, options: Partial<InformationOptions> = {}, hooks: InformationHooks = {},
  scalars: ScalarInputs = {}): InformationReport {
  const { X, n } = sampleRowsInOrder(p, options.maxRows);
  if (p.count < 2 || n < 2) {
    throw new EmbdiagError('bad-shape', `Only ${Math.min(p.count, n)} finite row${Math.min(p.count, n) === 1 ? '' : 's'} in the dataset's ${p.count < 2 ? 'rows' : 'row sample'}: nothing can be estimated.`,
      'The information analysis needs at least 2 finite rows.');
  }
  const scale = 1 / (p.count - 1);
  const covariance = p.comoment.map(x => x * scale);
  if (!covariance.every(Number.isFinite)) {
    throw new EmbdiagError('non-finite', 'The covariance of the dataset overflows float64 (some values are so large that their squares do): no information estimate can be computed.',
      'Rescale the embeddings, or look for the diverged rows.');
  }
  const report = computeInformation({
    embeddings: { rows: n, cols: p.dim, data: X }, embeddingsDtype: datasetDtype(p), rowsTotal: p.rowsSeen,
    embeddingsMoments: { count: p.count, covariance }, scalars,
  }, { ...options, seed: options.seed ?? p.seed }, hooks);
  const nonFinite = p.rowsSeen - p.count;
  report.rows.droppedNonFinite = nonFinite;
  report.rows.sampled = n < p.count;
  report.notes.unshift(
    `Dataset of ${p.shards.length} shard${p.shards.length === 1 ? '' : 's'}: the Gaussian figures (E3, E8 on Z, dead columns, rank) come from the second moments of all ${p.count} finite rows; `
    + `the k-NN, collision and collapse figures from the dataset's shared uniform sample of ${n} rows (seed ${p.seed}), the same however the rows are split into shards.`,
    ...(nonFinite ? [`${nonFinite} row${nonFinite === 1 ? '' : 's'} with NaN, ±Inf or null are in neither.`] : []),
  );
  return report;
}
