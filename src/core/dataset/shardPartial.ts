import { finiteRowIndices, RowIndexRecorder } from '../stats/rowIndices';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EmbdiagError } from '../errors';
import type { ByteSource } from '../io/byteSource';
import { openDump } from '../formats/openDump';
import { openDumpSource, siblingOpener } from '../formats/openDumpFile';
import type { EmbeddingMatrix } from '../formats/dumpFile';
import type { AnalyzeHooks, AnalyzeOptions } from '../analysis/analyzeDump';
import { MAX_COVARIANCE_DIM, statisticsOfRows } from '../analysis/statisticsPass';
import { NullRowTally } from '../analysis/nullRowTally';
import { StreamingStatistics, type StatisticsResult } from '../stats/streamingStatistics';
import { finiteRowKeys } from '../stats/rowHash';
import { stableOrder } from '../stats/stableOrder';
import { addNorms, emptyNormSketch } from './normSketch';
import { RowKeyCollector } from './rowKeys';
import { DEFAULT_SAMPLE_ROWS, RowSampleCollector } from './rowSample';
import { companionsOfShard } from './shardCompanions';
import { momentsOfStatistics } from './jointMoments';
import { NORMS_KEPT, PARTIAL_VERSION, type DatasetPartial, type ShardEntry } from './partial';

export interface PartialOptions {
  /** Seed of the row sample (the same for every shard of a dataset). */
  seed: number;
  arrayName?: string;
  /** Rows in the shared sample (default DEFAULT_SAMPLE_ROWS). */
  sampleRows?: number;
  kernels?: AnalyzeOptions['kernels'];
  workers?: number;
}

/**
 * The partial of one shard whose first row has global index `firstRow`: the shard pass
 * (passOfShard, over every row: the pass a single file's analysis takes too), then the shard's
 * companion arrays (shardCompanions.ts).
 */
export async function partialOfShard(filePath: string, firstRow: number, options: PartialOptions, hooks: AnalyzeHooks = {},
  displayName: string = filePath): Promise<DatasetPartial> {
  const source = await openDumpSource(filePath);
  try {
    const { dump, matrix: opened } = await openShardMatrix(source, filePath, options, displayName);
    const nulls = new NullRowTally(opened);
    const matrix = nulls.matrix;
    const pass = await passOfShard(nulls, firstRow, options, hooks);
    await source.assertUnchanged?.();
    const stat = await fs.stat(filePath);
    const shard: ShardEntry = {
      file: displayName, firstRow, rows: matrix.rows, format: dump.format, array: matrix.name, dtype: matrix.dtype, shape: [...matrix.shape],
      size: source.size, mtimeMs: stat.mtimeMs, findings: dump.findings.map(f => ({ ...f })), notes: [...dump.notes, ...matrix.notes],
    };
    const partial = pass.partialOf(shard);
    const { scalars, companions } = await companionsOfShard(filePath, firstRow, matrix.name, options.arrayName, partial.sample, options, hooks.isCancelled);
    if (Object.keys(scalars).length) shard.scalars = scalars;
    if (companions && 'unusable' in companions) shard.notes.push(companions.unusable);
    else if (companions) {
      partial.companions = companions.companions;
      partial.sample.companions = companions.sampleValues;
    }
    return partial;
  } finally {
    await source.close();
  }
}

/** How a pass over a shard reads it; a single file's analysis (analyzeDump.ts) sets what a dataset's shard leaves at its default. */
export interface ShardPassOptions extends PartialOptions {
  /** The local rows read, ascending runs [first row, count], and how many (default: every row). */
  runs?: Iterable<readonly [number, number]>;
  rowsUsed?: number;
  /** false: the per-dimension variance only, no co-moment (a single file's Gram route, see spectrumRoute.ts). Default true. */
  covariance?: boolean;
  /** Supplies the array the WebAssembly kernels build the covariance in (see statisticsOfRows). */
  covarianceBuffer?: () => Float64Array | undefined;
  /** The co-moment in the statistics' covariance array itself, scaled in place: no second d × d array (a partial reported once). */
  comomentInPlace?: boolean;
  /** Finite rows up to which every norm is kept, with its row (default NORMS_KEPT, the dataset's bound). */
  normsKept?: number;
  /** Distinct row keys kept exactly (default ROW_KEYS_BOUND, the dataset's bound). */
  keyBound?: number;
  /** Keep every duplicate row, not only the first ones (ShardPass.duplicateRows). */
  everyDuplicate?: boolean;
  /** Sees every block of rows read, as float64 rows (only with covariance false: the float64 JS statistics then read them). */
  onBlock?: (block: Float64Array, rows: number) => void;
}

/** A pass's statistics and what builds the partial from them. */
export interface ShardPass {
  statistics: StatisticsResult;
  /** The partial, described as `shard`: call it once (with comomentInPlace it takes over the statistics' covariance array). */
  partialOf: (shard: ShardEntry) => DatasetPartial;
  /** Every duplicate row (global, ascending), with options.everyDuplicate; else null. */
  duplicateRows: Float64Array | null;
}

/**
 * The statistics pass over the rows of one shard (a dataset's, or a single file) read through
 * `nulls` (null rows told apart), global row = `firstRow` + local row: the statistics pass of the
 * single-file analysis (statisticsOfRows), the duplicate keys (hashed by the threads that run the
 * kernels) and the row sample gathered from the same blocks as they are read.
 */
export async function passOfShard(nulls: NullRowTally, firstRow: number, options: ShardPassOptions, hooks: AnalyzeHooks = {}): Promise<ShardPass> {
  const matrix = nulls.matrix;
  const { rows, dim } = matrix;
  const keys = new RowKeyCollector(options.keyBound, { everyDuplicate: options.everyDuplicate });
  const sample = new RowSampleCollector(dim, options.sampleRows ?? DEFAULT_SAMPLE_ROWS, options.seed);
  const takeSample = sampleOfBlocks(dim, firstRow, sample);
  const onBlock = options.covariance === false ? options.onBlock : undefined;
  const tapped = (options.sampleRows ?? DEFAULT_SAMPLE_ROWS) === 0 && !onBlock ? matrix : tapRows(matrix, (start, block, n) => {
    takeSample(start, block, n);
    onBlock?.(block as Float64Array, n);
  });
  const st = await statisticsOfRows(tapped, options.runs ?? [[0, rows]], options.rowsUsed ?? rows, options, hooks,
    { hashDuplicates: false, rowIndices: new RowIndexRecorder({ isNull: row => nulls.has(row) }), onRowKeys: k => addKeys(keys, k),
      covariance: options.covariance, covarianceBuffer: options.covarianceBuffer });
  return shardPass(st, keys, sample, nulls, firstRow, options);
}

/**
 * A pass's result from its statistics, the keys of its finite rows (in row order) and its sample:
 * for a pass that reads its rows itself (a single file's quick pass, analyzeDump.ts).
 */
export function shardPass(st: StatisticsResult, keys: RowKeyCollector, sample: RowSampleCollector, nulls: NullRowTally, firstRow: number,
  options: Pick<ShardPassOptions, 'seed' | 'arrayName' | 'normsKept' | 'covariance' | 'comomentInPlace' | 'everyDuplicate'>): ShardPass {
  const finiteRows = finiteRowsOf(st, firstRow);
  const rowKeys = keys.finish(finiteRows);
  const nullRows = nulls.result();
  return {
    statistics: st,
    duplicateRows: options.everyDuplicate ? keys.everyDuplicateRow(finiteRows) : null,
    partialOf: shard => partialFromStatistics(st, {
      dim: st.dim, seed: options.seed, arrayChoice: options.arrayName ?? null, shard,
      nullRows: nullRows.count, nullRowFirst: nullRows.first.map(r => firstRow + r), ...firstRowsOfKinds(st, firstRow),
      keys: rowKeys, sample: sample.finish(), normsKept: options.normsKept,
      comoment: options.covariance === false ? 'none' : options.comomentInPlace ? 'in-place' : 'copy',
    }),
  };
}

/** The dump of a shard and its matrix (the array `options.arrayName` or the default one); refuses a covariance too large to hold. */
async function openShardMatrix(source: ByteSource, filePath: string, options: Pick<PartialOptions, 'arrayName'>, displayName: string) {
  const dump = await openDump(source, { fileName: path.basename(filePath), openSibling: siblingOpener(filePath) });
  const matrix = await dump.open(options.arrayName);
  if (matrix.dim > MAX_COVARIANCE_DIM) {
    const dim = matrix.dim;
    throw new EmbdiagError('too-large', `${displayName}: ${dim} dimensions: its ${dim} × ${dim} covariance would need ${(8 * dim * dim / 2 ** 30).toFixed(0)} GiB.`);
  }
  return { dump, matrix };
}

/** Rows, dimension and byte size of a shard, from its header alone (no row is read). */
export async function shardShape(filePath: string, options: Pick<PartialOptions, 'arrayName'>, displayName: string = filePath): Promise<{ rows: number; dim: number; size: number }> {
  const source = await openDumpSource(filePath);
  try {
    const { matrix } = await openShardMatrix(source, filePath, options, displayName);
    return { rows: matrix.rows, dim: matrix.dim, size: source.size };
  } finally {
    await source.close();
  }
}

/** Offers each row of a block of rows [start, start + n) of a shard to the sample (which takes finite rows only). */
function sampleOfBlocks(dim: number, firstRow: number, sample: RowSampleCollector) {
  return (start: number, block: Float32Array | Float64Array, n: number): void => {
    for (let r = 0; r < n; r++) sample.offer(block, r * dim, firstRow + start + r);
  };
}

export function addKeys(collector: RowKeyCollector, keys: Float64Array): void {
  for (let i = 0; i < keys.length; i++) collector.add(keys[i]);
}

/** The partial of rows held in memory (row-major), as if read from a shard named `file`. */
export function partialOfRows(block: Float64Array, rows: number, dim: number, firstRow: number,
  options: { seed: number; sampleRows?: number; file?: string; arrayChoice?: string | null }): DatasetPartial {
  const stats = new StreamingStatistics(dim, { hashDuplicates: false });
  stats.add(block, rows);
  const st = stats.finish();
  const keys = new RowKeyCollector();
  const sample = new RowSampleCollector(dim, options.sampleRows ?? DEFAULT_SAMPLE_ROWS, options.seed);
  addKeys(keys, finiteRowKeys(block, rows, dim));
  sampleOfBlocks(dim, firstRow, sample)(0, block, rows);
  const shard: ShardEntry = { file: options.file ?? `rows ${firstRow}–${firstRow + rows - 1}`, firstRow, rows, format: 'npy', array: 'rows', dtype: 'float64',
    shape: [rows, dim], size: rows * dim * 8, mtimeMs: 0, findings: [], notes: [] };
  return partialFromStatistics(st, { dim, seed: options.seed, arrayChoice: options.arrayChoice ?? null, shard,
    nullRows: 0, nullRowFirst: [], ...firstRowsOfKinds(st, firstRow), keys: keys.finish(finiteRowsOf(st, firstRow)), sample: sample.finish() });
}

/**
 * A single file's statistics as a partial (a file is a dataset of one shard): the co-moment is
 * the covariance times (count − 1), exact to rounding.
 */
export function partialFromStatistics(st: StatisticsResult, extra: Pick<DatasetPartial, 'dim' | 'seed' | 'arrayChoice' | 'nullRows' | 'nullRowFirst' | 'keys' | 'sample'>
  & Partial<Pick<DatasetPartial, 'nanRowFirst' | 'infRowFirst' | 'zeroRowFirst'>> & { shard: ShardEntry; comoment?: 'copy' | 'in-place' | 'none'; normsKept?: number }): DatasetPartial {
  const { dim } = extra;
  const { mean, comoment } = momentsOfStatistics(st, dim, extra.comoment);
  const kept = st.rowNorms.length <= (extra.normsKept ?? NORMS_KEPT);
  // the global row of each norm, while they are kept: a stable sort of the rows (in row order) by norm
  const rowsInOrder = kept ? Float64Array.from(finiteRowIndices(st.rows.finiteRuns), r => r + extra.shard.firstRow) : null;
  const order = kept ? stableOrder(st.rowNorms) : null;
  const norms = order ? Float64Array.from(order, i => st.rowNorms[i]) : Float64Array.from(st.rowNorms).sort();
  const normRows = order && rowsInOrder && rowsInOrder.length === order.length ? Float64Array.from(order, i => rowsInOrder[i]) : null;
  const normSketch = emptyNormSketch();
  addNorms(normSketch, norms);
  let normSum = 0;
  for (const x of norms) normSum += x;
  return {
    version: PARTIAL_VERSION, dim, seed: extra.seed, arrayChoice: extra.arrayChoice, shards: [extra.shard],
    rowsSeen: st.rowsSeen, nanRows: st.nanRows, infRows: st.infRows, nullRows: extra.nullRows, count: st.count, zeroRows: st.zeroRows,
    nullRowFirst: extra.nullRowFirst, nanRowFirst: extra.nanRowFirst ?? [], infRowFirst: extra.infRowFirst ?? [], zeroRowFirst: extra.zeroRowFirst ?? [],
    mean, comoment,
    normMin: norms.length ? norms[0] : Infinity, normMax: norms.length ? norms[norms.length - 1] : -Infinity, normSum,
    norms: kept ? norms : null, normRows, normSketch, keys: extra.keys, sample: extra.sample, companions: null,
  };
}

/**
 * The matrix, with `sink` seeing every block of rows read through it (before the statistics take
 * it over). A matrix that hands out float32 rows keeps doing so (the kernels take them as they
 * are), and the sink sees them as they are.
 */
function tapRows(matrix: EmbeddingMatrix, sink: (start: number, block: Float32Array | Float64Array, rows: number) => void): EmbeddingMatrix {
  const tapped: EmbeddingMatrix & { readRowsFloat32?: (start: number, count: number) => Promise<Float32Array> } = {
    get name() { return matrix.name; },
    get dtype() { return matrix.dtype; },
    get shape() { return matrix.shape; },
    get rows() { return matrix.rows; },
    get dim() { return matrix.dim; },
    get notes() { return matrix.notes; },
    readRows: async (start: number, count: number) => {
      const block = await matrix.readRows(start, count);
      sink(start, block, count);
      return block;
    },
  };
  const float32 = (matrix as { readRowsFloat32?: (start: number, count: number) => Promise<Float32Array> }).readRowsFloat32;
  if (typeof float32 === 'function') {
    tapped.readRowsFloat32 = async (start: number, count: number) => {
      const block = await float32.call(matrix, start, count);
      sink(start, block, count);
      return block;
    };
  }
  return tapped;
}

/** The global row of the i-th finite row of a shard (rows of st local), by binary search in its runs: no array of every row. */
function finiteRowsOf(st: StatisticsResult, firstRow: number): { count: number; rowOf: (ordinal: number) => number } {
  const runs = st.rows.finiteRuns;
  const starts: number[] = [], before: number[] = [];
  let count = 0;
  for (let k = 0; k + 1 < runs.length; k += 2) { starts.push(runs[k]); before.push(count); count += runs[k + 1]; }
  return {
    count,
    rowOf: (ordinal: number) => {
      let lo = 0, hi = before.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (before[mid] <= ordinal) lo = mid; else hi = mid - 1;
      }
      return firstRow + starts[lo] + (ordinal - before[lo]);
    },
  };
}

/** A shard's first NaN, ±Inf and all-zero rows (local in `st`) as global indices. */
function firstRowsOfKinds(st: StatisticsResult, firstRow: number): Pick<DatasetPartial, 'nanRowFirst' | 'infRowFirst' | 'zeroRowFirst'> {
  return { nanRowFirst: st.rows.nan.first.map(r => firstRow + r), infRowFirst: st.rows.inf.first.map(r => firstRow + r), zeroRowFirst: st.rows.zero.first.map(r => firstRow + r) };
}
