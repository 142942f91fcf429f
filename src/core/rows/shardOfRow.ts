import type { ShardSummary } from '../report/analysisReport';
import { EmbdiagError } from '../errors';

/** The shard holding a dataset's global row, and the row inside it. */
export function shardOfRow(shards: readonly ShardSummary[], row: number): { file: string; localRow: number; firstRow: number } {
  for (const s of shards) {
    if (s.firstRow === undefined || s.rows === undefined || s.error) continue;
    if (row >= s.firstRow && row < s.firstRow + s.rows) return { file: s.file, localRow: row - s.firstRow, firstRow: s.firstRow };
  }
  throw new EmbdiagError('invalid-range', `Row ${row} is in no readable shard of the dataset.`);
}
