import type { RawShape } from '../formats/dumpFile';
import { openDumpFile } from '../formats/openDumpFile';
import { sampleRowIndices, uniqueSortedRuns } from '../stats/rowSampler';
import { EmbdiagError } from '../errors';

/**
 * Loads a dump's rows into memory as one float64 matrix, for analyses that need the
 * data itself (gradient descent, k-NN estimators) rather than streaming moments.
 * Rows beyond `maxRows` are sampled uniformly (seeded); rows with NaN or Inf are dropped
 * and counted, since one of them would turn every downstream number into NaN. Null rows
 * (Arrow/Parquet null lists) are dropped too but counted apart: they are missing, not broken.
 */
export interface LoadedRows {
  file: string;
  arrayName: string;
  dtype: string;
  X: Float64Array;
  /** Rows in X (finite rows kept). */
  n: number;
  /** The dump's row index of each row of X. */
  rowIndices: Float64Array;
  d: number;
  rowsTotal: number;
  rowsRead: number;
  /** Rows with NaN or Inf values (null rows not included). */
  droppedNonFinite: number;
  /** Null rows (missing rows of an Arrow/Parquet list column) among the rows read. */
  droppedNull: number;
  sampled: boolean;
  seed: number;
}

export interface LoadRowsOptions { arrayName?: string; maxRows: number; seed: number; /** A headerless raw array's layout. */ raw?: RawShape }

const BLOCK_BYTES = 8 << 20;

export async function loadFiniteRows(filePath: string, options: LoadRowsOptions, isCancelled?: () => boolean): Promise<LoadedRows> {
  const { source, dump } = await openDumpFile(filePath, options.raw);
  try {
    const m = await dump.open(options.arrayName);
    const d = m.dim;
    const sampled = m.rows > options.maxRows;
    const rowsRead = sampled ? options.maxRows : m.rows;
    if (rowsRead * d > 2 ** 28) {
      throw new EmbdiagError('too-large', `${filePath}: ${rowsRead} rows × ${d} dimensions is too much to hold in memory for this analysis.`,
        'Lower the row limit (--max-rows).');
    }
    const X = new Float64Array(rowsRead * d);
    const runs = sampled ? uniqueSortedRuns(sampleRowIndices(m.rows, rowsRead, options.seed)) : [[0, m.rows] as [number, number]];
    const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / (8 * Math.max(1, d))));
    const rowIndices = new Float64Array(rowsRead);
    let kept = 0;
    let dropped = 0;
    let droppedNull = 0;
    for (const [start, count] of runs) {
      for (let r = start; r < start + count; r += blockRows) {
        if (isCancelled?.()) throw new EmbdiagError('cancelled', 'Cancelled.');
        const k = Math.min(blockRows, start + count - r);
        const block = await m.readRows(r, k);
        const nulls = new Set(await m.nullRowsIn?.(r, k) ?? []);
        for (let i = 0; i < k; i++) {
          const row = block.subarray(i * d, (i + 1) * d);
          if (nulls.has(r + i)) droppedNull++;
          else if (row.every(Number.isFinite)) { rowIndices[kept] = r + i; X.set(row, (kept++) * d); }
          else dropped++;
        }
      }
    }
    await source.assertUnchanged?.();
    return {
      file: filePath, arrayName: m.name, dtype: m.dtype, X: X.subarray(0, kept * d), n: kept, rowIndices: rowIndices.subarray(0, kept), d,
      rowsTotal: m.rows, rowsRead, droppedNonFinite: dropped, droppedNull, sampled, seed: options.seed,
    };
  } finally {
    await source.close();
  }
}
