import type { RawShape } from '../formats/dumpFile';
import { openDumpFile } from '../formats/openDumpFile';
import { sampleRowIndices, uniqueSortedRuns } from '../stats/rowSampler';
import { StreamingStatistics } from '../stats/streamingStatistics';
import { RowIndexRecorder, type RowKind } from '../stats/rowIndices';
import { EmbdiagError } from '../errors';
import { NullRowTally } from './nullRowTally';
import { outlierRows } from './outlierRows';

/** Findings whose rows `embdiag rows` can list. */
export const ROW_FINDINGS = ['nan-rows', 'inf-rows', 'zero-rows', 'duplicate-rows', 'null-rows', 'outlier-rows'] as const;
export type RowFindingCode = typeof ROW_FINDINGS[number];

const KIND: Partial<Record<RowFindingCode, RowKind>> = { 'nan-rows': 'nan', 'inf-rows': 'inf', 'zero-rows': 'zero', 'duplicate-rows': 'duplicate' };

export interface FindingRowsOptions { arrayName?: string; maxRows: number; seed: number; finding: RowFindingCode; outlierZ: number; /** A headerless raw array's layout. */ raw?: RawShape }

/** Bytes of float64 rows per read, as in the analysis. */
const BLOCK_BYTES = 8 << 20;

/**
 * Every row of one row-level finding, in ascending order, handed to `emit` as it is found (for
 * `embdiag rows`): the same rows as the analysis reads (all, or its seeded sample of maxRows) and
 * the same rules (the float64 statistics' classification and duplicate hashing; outliers by
 * outlierRows.ts, after the pass since they need the median). No covariance is computed.
 */
export async function streamFindingRows(
  filePath: string, options: FindingRowsOptions, emit: (row: number, repeats?: number) => void, isCancelled?: () => boolean,
): Promise<{ rowsTotal: number; rowsRead: number; sampled: boolean; count: number }> {
  const { source, dump } = await openDumpFile(filePath, options.raw);
  try {
    const nulls = new NullRowTally(await dump.open(options.arrayName));
    const m = nulls.matrix;
    const sampled = m.rows > options.maxRows;
    const rowsRead = sampled ? options.maxRows : m.rows;
    const kind = KIND[options.finding];
    let count = 0;
    const recorder = new RowIndexRecorder({
      isNull: row => nulls.has(row),
      listener: (k, row, repeats) => { if (k === kind) { count++; emit(row, repeats); } },
    });
    const stats = new StreamingStatistics(Math.max(1, m.dim), { covariance: false, rowIndices: recorder, hashDuplicates: options.finding === 'duplicate-rows' });
    const runs = sampled ? uniqueSortedRuns(sampleRowIndices(m.rows, rowsRead, options.seed)) : [[0, m.rows] as [number, number]];
    const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / (8 * Math.max(1, m.dim))));
    for (const [start, n] of runs) {
      for (let r = start; r < start + n; r += blockRows) {
        if (isCancelled?.()) throw new EmbdiagError('cancelled', 'Cancelled.');
        const k = Math.min(blockRows, start + n - r);
        stats.add(await m.readRows(r, k), k, r);
      }
    }
    await source.assertUnchanged?.();
    const st = stats.finish();
    if (options.finding === 'null-rows') {
      for (const row of nulls.allRows()) { count++; emit(row); }
    } else if (options.finding === 'outlier-rows') {
      for (const row of outlierRows(st.rowNorms, st.rows.finiteRuns, options.outlierZ)?.rows ?? []) { count++; emit(row); }
    }
    return { rowsTotal: m.rows, rowsRead, sampled, count };
  } finally {
    await source.close();
  }
}
