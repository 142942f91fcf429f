/**
 * The optional non-linear view of the projection's sample: a seeded 2-D UMAP layout (umap-js,
 * MIT) of the same rows, a visual aid for neighbourhoods whose distances and axes are not metric.
 *
 * UMAP runs on the leading principal components (at most UMAP_INPUT_COMPONENTS) of the rows
 * centred by their own mean, as is usual for embeddings: the neighbour search then costs far
 * less per distance. umap-js is single-threaded JavaScript (measured on a busy 2-core machine:
 * 5,000 rows of 256 dimensions ≈ 16 s, 20,000 rows ≈ 5 min), so the layout takes at most `maxRows` of the sample: a stated,
 * seeded subset, in the sample's order.
 */
import { UMAP } from 'umap-js';
import { EmbdiagError } from '../errors';
import type { Projection, UmapProjection } from '../report/projection';
import { createRng, sampleRowIndices } from '../stats/rowSampler';
import { lanczosEigenvectors } from '../linalg/lanczosEigenvectors';
import { centredRowsOperator } from './projection';
import { UMAP_CAUTION, UMAP_INPUT_COMPONENTS, type UmapParameters } from './umapParameters';

export { DEFAULT_UMAP_PARAMETERS, UMAP_CAUTION, UMAP_INPUT_COMPONENTS, type UmapParameters } from './umapParameters';

export const UMAP_LIBRARY = 'umap-js 1.4.0';
/** Epochs between two looks at the clock for cancellation and progress (and a turn of the event loop). */
const EPOCHS_PER_TURN = 5;

export interface UmapHooks {
  onProgress?: (fraction: number, message: string) => void;
  isCancelled?: () => boolean;
}

/** The positions (into projection.rows, ascending) the layout takes: all, or a seeded uniform subset of `maxRows`. */
export function umapSubset(sampleSize: number, maxRows: number, seed: number): number[] {
  return Array.from(sampleRowIndices(sampleSize, Math.min(sampleSize, maxRows), seed));
}

/** Reads the given global rows (ascending) as an n × d row-major matrix. */
export type RowReader = (rows: readonly number[], isCancelled?: () => boolean) => Promise<{ values: Float64Array; d: number }>;

/** The UMAP layout of the projection's sample, its rows read by `read`. */
export async function umapOfProjection(projection: Pick<Projection, 'rows'>, read: RowReader, params: UmapParameters, hooks: UmapHooks = {}): Promise<UmapProjection> {
  const sample = projection.rows;
  const positions = umapSubset(sample.length, params.maxRows, params.seed);
  const rows = positions.map(p => sample[p]);
  hooks.onProgress?.(0, `Reading ${rows.length} rows`);
  const { values, d } = await read(rows, hooks.isCancelled);
  const layout = await umapLayout(values, rows.length, d, params, { ...hooks, onProgress: (f, m) => hooks.onProgress?.(0.1 + 0.9 * f, m) });
  const sampleMethod = rows.length === sample.length ? `all ${rows.length} rows of the projection's sample`
    : `uniform random subset of ${rows.length} of the projection's ${sample.length} rows (seed ${params.seed}; the layout takes at most ${params.maxRows})`;
  return { rows, ...layout, sampleMethod };
}

/**
 * The 2-D layout of n rows of d values (row-major), seeded: the same rows, parameters and seed
 * give the same coordinates. Cancelled between epochs (EmbdiagError 'cancelled').
 */
export async function umapLayout(values: Float64Array, n: number, d: number, params: UmapParameters, hooks: UmapHooks = {}): Promise<Omit<UmapProjection, 'rows' | 'sampleMethod'>> {
  if (n < 3) throw new EmbdiagError('bad-shape', `A UMAP layout needs at least 3 rows (the sample has ${n}).`);
  if (!(params.minDist >= 0) || !Number.isSafeInteger(params.neighbours) || params.neighbours < 2 || !Number.isSafeInteger(params.epochs) || params.epochs < 1) {
    throw new EmbdiagError('bad-argument', `UMAP needs n_neighbors ≥ 2, min_dist ≥ 0 and at least one epoch (got ${params.neighbours}, ${params.minDist}, ${params.epochs}).`);
  }
  const cancelled = () => { if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'The UMAP layout was cancelled.'); };
  const progress = hooks.onProgress ?? (() => undefined);
  cancelled();
  progress(0, 'Principal components of the rows');
  const input = principalInput(values, n, d, params.seed);
  cancelled();
  const neighbours = Math.min(params.neighbours, n - 1);
  const umap = new UMAP({ nComponents: 2, nNeighbors: neighbours, minDist: params.minDist, nEpochs: params.epochs, random: createRng(params.seed) });
  progress(0.1, `Nearest neighbours of ${n} rows`);
  await turn();
  cancelled();
  const epochs = umap.initializeFit(input.rows);
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if ((e + 1) % EPOCHS_PER_TURN === 0 || e + 1 === epochs) {
      progress(0.3 + 0.7 * (e + 1) / epochs, `Epoch ${e + 1} of ${epochs}`);
      await turn();
      cancelled();
    }
  }
  const embedding = umap.getEmbedding();
  const x = embedding.map(p => p[0]);
  const y = embedding.map(p => p[1]);
  if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) throw new EmbdiagError('internal', 'The UMAP layout came out with non-finite coordinates; it is not shown.');
  return {
    x, y, seed: params.seed, neighbours, minDist: params.minDist, epochs, inputDimensions: input.dimensions, input: input.description,
    library: UMAP_LIBRARY,
    note: `${UMAP_CAUTION} — UMAP, seed ${params.seed}, n_neighbors ${neighbours}, min_dist ${params.minDist}, ${n} rows.`,
  };
}

/** Lets a message in (a cancellation) between epochs. */
const turn = () => new Promise<void>(resolve => setImmediate(resolve));

/**
 * The rows centred by their mean, on their leading principal components when d exceeds
 * UMAP_INPUT_COMPONENTS (Lanczos on products with the centred rows; the covariance is never
 * formed), else as they are. Should the iteration not converge, the centred rows themselves.
 */
function principalInput(values: Float64Array, n: number, d: number, seed: number): { rows: number[][]; dimensions: number; description: string } {
  const centred = new Float64Array(n * d);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += values[r * d + j] / n;
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) centred[r * d + j] = values[r * d + j] - mean[j];
  const asRows = (m: Float64Array, k: number) => Array.from({ length: n }, (_, r) => Array.from(m.subarray(r * k, (r + 1) * k)));
  const own = `the ${d} dimensions of the rows, centred by their mean (Euclidean distance)`;
  if (d <= UMAP_INPUT_COMPONENTS) return { rows: asRows(centred, d), dimensions: d, description: own };
  const k = UMAP_INPUT_COMPONENTS;
  const pairs = lanczosEigenvectors(centredRowsOperator(centred, n, d), d, k, { seed, tolerance: 1e-8 });
  if (!pairs.converged || pairs.m !== k) return { rows: asRows(centred, d), dimensions: d, description: `${own}; the leading principal components did not converge` };
  const scores = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = centred[r * d + j];
      if (v === 0) continue;
      for (let c = 0; c < k; c++) scores[r * k + c] += v * pairs.vectors[j * k + c];
    }
  }
  return { rows: asRows(scores, k), dimensions: k, description: `the ${k} leading principal components of the rows (of ${d} dimensions), centred by their mean (Euclidean distance)` };
}
