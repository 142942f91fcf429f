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

/** Global rows grouped by their shard: per shard file, the rows inside it and their positions in `rows`. */
export function rowsByShard(shards: readonly ShardSummary[], rows: readonly number[]): Map<string, { local: number[]; at: number[] }> {
  const byShard = new Map<string, { local: number[]; at: number[] }>();
  rows.forEach((row, i) => {
    const s = shardOfRow(shards, row);
    const entry = byShard.get(s.file) ?? { local: [], at: [] };
    entry.local.push(s.localRow);
    entry.at.push(i);
    byShard.set(s.file, entry);
  });
  return byShard;
}
