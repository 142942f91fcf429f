/**
 * The statistics pass over the rows of a dump, with the engine the analysis uses (see
 * AnalyzeOptions.kernels): what a single file's analysis, a dataset's shard and the other passes
 * over rows (covariance distance, companions) share.
 */
import type { EmbeddingMatrix } from '../formats/dumpFile';
import { EmbdiagError } from '../errors';
import { StreamingStatistics, type StatisticsResult } from '../stats/streamingStatistics';
import { WasmStatistics, wasmStatisticsAvailable, type WasmElement } from '../stats/wasmStatistics';
import type { RowIndexRecorder } from '../stats/rowIndices';
import { finiteRowKeys } from '../stats/rowHash';
import type { AnalyzeHooks, AnalyzeOptions } from './analyzeDump';

/** Bytes of float64 rows decoded per block: large enough for sequential reads, small enough for memory. */
const BLOCK_BYTES = 8 << 20;
/** Bytes of float32 rows per block of the float32 path (each block goes to a worker whole). */
const F32_BLOCK_BYTES = 4 << 20;
/** Below this many multiply-adds (rows·dim²) the float64 JS path takes well under a second: keep it. */
const F32_MIN_WORK = 2 ** 30;
/** dtypes whose every value float32 holds exactly. */
const FLOAT32_EXACT = new Set(['float32', 'float16', 'bfloat16', 'float8_e4m3fn', 'float8_e5m2', 'int8', 'uint8', 'int16', 'uint16', 'bool']);
/** A matrix that can hand out float32 rows without going through float64 (DenseMatrix). */
interface Float32Rows { readRowsFloat32(start: number, count: number): Promise<Float32Array> }
const hasFloat32Rows = (m: EmbeddingMatrix): m is EmbeddingMatrix & Float32Rows =>
  typeof (m as Partial<Float32Rows>).readRowsFloat32 === 'function';

/** Largest dimension analysed: its float64 covariance is 2 GiB. */
export const MAX_COVARIANCE_DIM = 16_384;

/**
 * One pass of the statistics over the rows in `runs` (ascending), with the engine the analysis
 * uses: the WebAssembly kernels when the covariance costs enough to matter (see
 * AnalyzeOptions.kernels), else the float64 JS StreamingStatistics. `covarianceBuffer` (called
 * only by the WebAssembly path, once the rows are read) supplies a dim × dim array to build the
 * covariance in. Cancellation through hooks.isCancelled; progress up to 0.9.
 */
export async function statisticsOfRows(
  matrix: EmbeddingMatrix,
  runs: Iterable<readonly [number, number]>,
  rowsUsed: number,
  engine: Pick<AnalyzeOptions, 'kernels' | 'workers'>,
  hooks: AnalyzeHooks,
  extra: { hashDuplicates: boolean; covarianceBuffer?: () => Float64Array | undefined; rowIndices?: RowIndexRecorder;
    /** Receives the hashRow keys of the finite rows (rowHash.ts), block after block in row order: from the kernels' threads on the WebAssembly path. */
    onRowKeys?: (keys: Float64Array) => void;
    /** false: the per-dimension variance only, no covariance (always the float64 JS statistics then). Default true. */
    covariance?: boolean },
): Promise<StatisticsResult> {
  const dim = matrix.dim;
  const kernels = engine.kernels ?? 'auto';
  const float32Exact = FLOAT32_EXACT.has(matrix.dtype);
  let element: WasmElement | null = null;
  if (extra.covariance !== false && usesWasmStatistics(rowsUsed, dim, engine)) {
    element = float32Exact && kernels !== 'float64' ? 'float32' : 'float64';
  }
  if (!element) {
    const stats = new StreamingStatistics(dim, { hashDuplicates: extra.hashDuplicates, rowIndices: extra.rowIndices, covariance: extra.covariance });
    const onRowKeys = extra.onRowKeys;
    await streamRows(matrix, runs, rowsUsed, onRowKeys ? (block, n, first) => { stats.add(block, n, first); onRowKeys(finiteRowKeys(block, n, dim)); }
      : (block, n, first) => stats.add(block, n, first), hooks);
    return stats.finish();
  }
  const blockRows = wasmBlockRows(element, dim);
  const stats = new WasmStatistics(dim, { element, workers: engine.workers, maxBlockRows: blockRows, hashDuplicates: extra.hashDuplicates, rowIndices: extra.rowIndices,
    onRowKeys: extra.onRowKeys });
  const read: (r: number, n: number) => Promise<Float32Array | Float64Array> = element === 'float64' ? (r, n) => matrix.readRows(r, n)
    : hasFloat32Rows(matrix) ? (r: number, n: number) => matrix.readRowsFloat32(r, n)
      : async (r: number, n: number) => Float32Array.from(await matrix.readRows(r, n));
  try {
    await streamBlocks<Float32Array | Float64Array>(runs, rowsUsed, blockRows, read, (block, n, first) => stats.add(block, n, first), hooks);
  } catch (e) {
    await stats.abort();
    throw e;
  }
  return stats.finish({ covarianceInto: extra.covarianceBuffer?.() });
}

/** Rows per block handed to the WebAssembly statistics (the bench's standalone kernel run uses the same). */
export function wasmBlockRows(element: WasmElement, dim: number): number {
  return Math.max(1, Math.floor(F32_BLOCK_BYTES / ((element === 'float64' ? 8 : 4) * dim)));
}

/** True when statisticsOfRows would take the WebAssembly kernels for these rows (see AnalyzeOptions.kernels). */
export function usesWasmStatistics(rowsUsed: number, dim: number, engine: Pick<AnalyzeOptions, 'kernels'>): boolean {
  const kernels = engine.kernels ?? 'auto';
  return kernels !== 'js' && wasmStatisticsAvailable() && (kernels !== 'auto' || rowsUsed * dim * dim >= F32_MIN_WORK);
}

/** Reads the requested row runs in float64 blocks of BLOCK_BYTES, in ascending order, feeding each block to `sink`. */
function streamRows(
  matrix: EmbeddingMatrix,
  runs: Iterable<readonly [number, number]>,
  rowsWanted: number,
  sink: (block: Float64Array, rows: number, firstRow: number) => void,
  hooks: AnalyzeHooks,
): Promise<void> {
  const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / (8 * Math.max(1, matrix.dim))));
  return streamBlocks(runs, rowsWanted, blockRows, (r, n) => matrix.readRows(r, n), async (block, n, r) => sink(block, n, r), hooks);
}

/** Reads blocks of rows (each a fresh buffer handed over to `sink`), with cancellation and progress up to 0.9. */
async function streamBlocks<T>(
  runs: Iterable<readonly [number, number]>,
  rowsWanted: number,
  blockRows: number,
  read: (start: number, count: number) => Promise<T>,
  sink: (block: T, rows: number, firstRow: number) => Promise<void>,
  hooks: AnalyzeHooks,
): Promise<void> {
  let done = 0;
  let lastReport = 0;
  for (const [start, count] of runs) {
    for (let r = start; r < start + count; r += blockRows) {
      if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
      const n = Math.min(blockRows, start + count - r);
      await sink(await read(r, n), n, r);
      done += n;
      const now = Date.now();
      if (hooks.onProgress && now - lastReport > 100) {
        lastReport = now;
        hooks.onProgress(0.9 * (done / Math.max(1, rowsWanted)), `Read ${done} of ${rowsWanted} rows`);
      }
    }
  }
}
