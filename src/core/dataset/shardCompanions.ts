import { resolveInformationInputs, type ResolvedArray, type ResolvedInformationInputs } from '../information/informationInputs';
import type { ScalarInputs } from '../information/informationReport';
import type { EmbeddingMatrix } from '../formats/dumpFile';
import type { AnalyzeOptions } from '../analysis/analyzeDump';
import { MAX_COVARIANCE_DIM, statisticsOfRows } from '../analysis/statisticsPass';
import { COMPANION_ORDER, COMPANIONS_NOT_USED, type CompanionPartial, type CompanionRole } from './partial';
import type { RowSample } from './rowSample';
import { momentsOfStatistics } from './jointMoments';

/**
 * What a shard's own inputs add to its partial: the scalars its sidecar manifest gives (n, b, σ,
 * P, D, δ: the manifest's only, not those derived from the data), and its companions (below).
 */
export interface ShardInputs {
  scalars: ScalarInputs;
  companions: { companions: CompanionPartial; sampleValues: Float64Array } | { unusable: string } | null;
}

/**
 * A shard's companion arrays, found as for one file (container keys embeddings_perturbed,
 * targets, predictions, inputs, labels, or the shard's sidecar manifest; informationInputs.ts):
 * the moments of its joint rows over the rows where every value is finite, and the companions'
 * values at the shard's sample rows. Null when the shard has none. When a companion cannot be used
 * (unreadable, another row count, labels of width > 1, ...), none is: the reason (a note of the
 * shard) keeps the statistics of Z, and a merge with shards that do carry companions is refused.
 */
export async function companionsOfShard(filePath: string, firstRow: number, zArray: string, arrayName: string | undefined, sample: RowSample,
  engine: Pick<AnalyzeOptions, 'kernels' | 'workers'>, isCancelled?: () => boolean): Promise<ShardInputs> {
  const inputs = await resolveInformationInputs(filePath, arrayName ? { arrays: { embeddings: arrayName } } : {});
  try {
    const scalars: ScalarInputs = { ...inputs.manifest?.manifest.scalars };
    return { scalars, companions: await companionsOf(inputs, firstRow, zArray, sample, engine, isCancelled) };
  } finally {
    await inputs.close();
  }
}

/** The companions of a shard whose inputs are resolved (see companionsOfShard). */
async function companionsOf(inputs: ResolvedInformationInputs, firstRow: number, zArray: string, sample: RowSample,
  engine: Pick<AnalyzeOptions, 'kernels' | 'workers'>, isCancelled?: () => boolean): Promise<ShardInputs['companions']> {
  const errors = inputs.problems.filter(p => p.severity === 'error');
  if (errors.length) return { unusable: `${COMPANIONS_NOT_USED} ${errors.map(e => e.message).join(' ')}` };
  const used = COMPANION_ORDER.map(role => [role, inputs.companions[role]] as const).filter((e): e is [CompanionRole, ResolvedArray] => !!e[1]?.used);
  if (!used.length) return null;
  const z = inputs.embeddings.matrix;
  if (z.name !== zArray) {
    return { unusable: `${COMPANIONS_NOT_USED} they are matched to the array '${z.name}', but the dataset analyses '${zArray}'.` };
  }
  const dim = z.dim;
  const width = used.reduce((s, [, a]) => s + a.dim, 0);
  const total = dim + width;
  if (total > MAX_COVARIANCE_DIM) return { unusable: `${COMPANIONS_NOT_USED} with them a row has ${total} columns, more than the ${MAX_COVARIANCE_DIM} a covariance is computed for.` };
  // a 1-D companion is one "row" of length N for the readers: read once
  const columns = new Map<CompanionRole, Float64Array>();
  for (const [role, a] of used) if (a.column) columns.set(role, await a.matrix.readRows(0, 1));
  const local = new Map<number, number>();
  sample.indices.forEach((g, k) => local.set(g - firstRow, k));
  const sampleValues = new Float64Array(sample.indices.length * width).fill(NaN);
  // the joint rows [Z | companions] as one matrix, through the statistics of the single-file analysis (its kernels, its rule for finite rows)
  const jointRows: EmbeddingMatrix = {
    name: 'joint rows', dtype: 'float64', shape: [z.rows, total], rows: z.rows, dim: total, notes: [],
    readRows: async (start: number, count: number) => {
      const block = new Float64Array(count * total);
      const put = (values: Float64Array, offset: number, cols: number) => {
        for (let r = 0; r < count; r++) block.set(values.subarray(r * cols, (r + 1) * cols), r * total + offset);
      };
      put(await z.readRows(start, count), 0, dim);
      let offset = dim;
      for (const [role, a] of used) {
        put(a.column ? columns.get(role)!.subarray(start, start + count) : await a.matrix.readRows(start, count), offset, a.dim);
        offset += a.dim;
      }
      for (let r = 0; r < count; r++) {
        const k = local.get(start + r);
        if (k !== undefined) sampleValues.set(block.subarray(r * total + dim, (r + 1) * total), k * width);
      }
      return block;
    },
  };
  const st = await statisticsOfRows(jointRows, [[0, z.rows]], z.rows, engine, { isCancelled }, { hashDuplicates: false });
  const joint = momentsOfStatistics(st, total);
  await inputs.assertUnchanged?.();
  return { companions: { roles: used.map(([role, a]) => ({ role, dim: a.dim, dtype: a.dtype })), joint }, sampleValues };
}
