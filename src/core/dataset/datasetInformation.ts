import { EmbdiagError } from '../errors';
import { computeInformation, type InformationHooks, type InformationOptions, type InformationReport, type ScalarInputs } from '../information/informationReport';
import type { CompanionMoments } from '../information/companionMoments';
import type { RowMatrix } from '../information/dense';
import { companionSetText, companionWidth, type CompanionRole, type DatasetPartial } from './partial';
import { smallerSample } from './rowSample';
import { datasetScalars } from './datasetScalars';
import { datasetMetadataLabels, type MetadataLabels } from '../information/metadataLabels';

/**
 * The analyses that need rows, run on a dataset from its partial alone: the shared row sample
 * (rowSample.ts: the same rows whether the partial was computed in one process or merged from
 * shards) stands for the rows, and the merged second moments for the Gaussian figures.
 */

/**
 * The partial's sample rows (at most `maxRows` of them: a smaller sample of the same kind) in
 * global row order, row-major, with their global indices and (when the partial has companions)
 * the companions' values of the same rows.
 */
export function sampleRowsInOrder(p: DatasetPartial, maxRows = Infinity): { X: Float64Array; n: number; indices: number[]; companions: Float64Array | null } {
  const { indices, rows, companions } = smallerSample(p.sample, maxRows, p.dim);
  const order = Array.from(indices.keys()).sort((a, b) => indices[a] - indices[b]);
  const X = new Float64Array(order.length * p.dim);
  order.forEach((k, i) => X.set(rows.subarray(k * p.dim, (k + 1) * p.dim), i * p.dim));
  const w = companionWidth(p.companions);
  const C = companions && w ? new Float64Array(order.length * w) : null;
  if (C) order.forEach((k, i) => C.set(companions!.subarray(k * w, (k + 1) * w), i * w));
  return { X, n: order.length, indices: order.map(k => indices[k]), companions: C };
}

/** The storage dtype of Z when every shard has the same, else float64 (every value is analysed as float64). */
function datasetDtype(p: DatasetPartial): string {
  const dtypes = [...new Set(p.shards.map(s => s.dtype))];
  return dtypes.length === 1 ? dtypes[0] : 'float64';
}

/**
 * The information estimates of a dataset: the Gaussian ones (E3, dead columns, rank, E8; with
 * companions also E7b–E7d, E7f, h(E), the model's error, P) from the merged second moments of
 * every finite row (of the joint rows [Z | companions] when the shards carry companions: the rows
 * where every array is finite, as for one file), the k-NN (E4, E7e), collision (E2) and collapse
 * ones from the shared sample. The scalars (n, b, σ, P, D, δ): `flags`, else those the shards'
 * manifests give (datasetScalars.ts: a disagreement is an error problem, and the value is not used).
 */
export function informationOfPartial(p: DatasetPartial, options: Partial<InformationOptions> = {}, hooks: InformationHooks = {},
  flags: ScalarInputs = {}, metadataLabels?: { rows: readonly number[]; labels: MetadataLabels }): InformationReport {
  const { scalars, sources, problems, notes } = datasetScalars(p, flags);
  const { X, n, companions: C, indices } = sampleRowsInOrder(p, options.maxRows);
  const c = p.companions;
  const count = c ? c.joint.count : p.count;
  if (count < 2 || n < 2) {
    throw new EmbdiagError('bad-shape', `Only ${Math.min(count, n)} finite row${Math.min(count, n) === 1 ? '' : 's'} in the dataset's ${count < 2 ? 'rows' : 'row sample'}: nothing can be estimated.`,
      'The information analysis needs at least 2 finite rows.');
  }
  const comoment = c ? c.joint.comoment : p.comoment;
  const scale = 1 / (count - 1);
  const covariance = comoment.map(x => x * scale);
  if (!covariance.every(Number.isFinite)) {
    throw new EmbdiagError('non-finite', 'The covariance of the dataset overflows float64 (some values are so large that their squares do): no information estimate can be computed.',
      'Rescale the embeddings, or look for the diverged rows.');
  }
  const arrays: Partial<Record<CompanionRole, RowMatrix>> = {};
  let companionMoments: CompanionMoments | undefined;
  if (c && C) {
    const w = companionWidth(c);
    const columns: CompanionMoments['columns'] = { embeddings: { offset: 0, dim: p.dim } };
    let offset = 0;
    for (const r of c.roles) {
      const data = new Float64Array(n * r.dim);
      for (let i = 0; i < n; i++) data.set(C.subarray(i * w + offset, i * w + offset + r.dim), i * r.dim);
      arrays[r.role] = { rows: n, cols: r.dim, data };
      columns[r.role] = { offset: p.dim + offset, dim: r.dim };
      offset += r.dim;
    }
    companionMoments = { count, dim: p.dim + w, mean: c.joint.mean, covariance, columns };
  }
  const report = computeInformation({
    embeddings: { rows: n, cols: p.dim, data: X }, embeddingsDtype: datasetDtype(p), rowsTotal: p.rowsSeen,
    perturbed: arrays.perturbed, targets: arrays.targets, predictions: arrays.targets ? arrays.predictions : null, inputs: arrays.inputs,
    inputsDtype: c?.roles.find(r => r.role === 'inputs')?.dtype, labels: arrays.labels?.data ?? null,
    ...(metadataLabels && !arrays.labels ? { metadataLabels: labelsOfRows(metadataLabels, indices), labelSource: metadataLabels.labels.description } : {}),
    ...(companionMoments ? { companionMoments } : { embeddingsMoments: { count, covariance } }),
    scalars, scalarSources: Object.fromEntries(Object.entries(sources).map(([k, s]) => [k, s!.source])),
  }, { ...options, seed: options.seed ?? p.seed }, hooks);
  // where each scalar came from: the flag, or the manifests of how many shards
  report.inputs.scalars = { ...report.inputs.scalars, ...sources };
  report.problems.unshift(...problems);
  report.notes.push(...notes);
  const nonFinite = p.rowsSeen - count;
  report.rows.droppedNonFinite = nonFinite;
  report.rows.sampled = n < p.count;
  report.notes.unshift(
    `Dataset of ${p.shards.length} shard${p.shards.length === 1 ? '' : 's'}: the Gaussian figures (${c ? 'E3, E7b–E7d, E7f, E8, dead columns, rank' : 'E3, E8 on Z, dead columns, rank'}) come from the second moments of all ${count} finite rows${c ? ` of Z and its companions ${companionSetText(c)}` : ''}; `
    + `the k-NN, collision and collapse figures from the dataset's shared uniform sample of ${n} rows (seed ${p.seed}), the same however the rows are split into shards.`,
    ...(nonFinite ? [`${nonFinite} row${nonFinite === 1 ? '' : 's'} with NaN, ±Inf or null${c ? ' in some array' : ''} are in neither.`] : []),
  );
  return report;
}

/** The class of each of `indices` (NaN: none), from labels read for `rows`. */
function labelsOfRows(m: { rows: readonly number[]; labels: MetadataLabels }, indices: readonly number[]): Float64Array {
  const byRow = new Map<number, number>();
  m.rows.forEach((r, k) => byRow.set(r, m.labels.classes[k]));
  return Float64Array.from(indices, r => byRow.get(r) ?? NaN);
}

/**
 * informationOfPartial, with NC1's labels read from each shard's row metadata for the sample rows
 * when the shards carry no `labels` companion (`labelColumn`: --label-column).
 */
export async function informationOfDataset(p: DatasetPartial, options: Partial<InformationOptions> = {}, hooks: InformationHooks = {},
  scalars: ScalarInputs = {}, labelColumn?: string): Promise<InformationReport> {
  if (p.companions?.roles.some(r => r.role === 'labels')) return informationOfPartial(p, options, hooks, scalars);
  const rows = sampleIndicesInOrder(p, options.maxRows);
  const labels = await datasetMetadataLabels(p.shards, rows, labelColumn, hooks.isCancelled);
  return informationOfPartial(p, options, hooks, scalars, labels ? { rows, labels } : undefined);
}

/** The global indices of the partial's sample rows (at most `maxRows`), ascending. */
function sampleIndicesInOrder(p: DatasetPartial, maxRows = Infinity): number[] {
  return Array.from(smallerSample(p.sample, maxRows, p.dim).indices).sort((a, b) => a - b);
}
