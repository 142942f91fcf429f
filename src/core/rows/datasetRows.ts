import type { ShardSummary } from '../report/analysisReport';
import type { RowMetadata } from './rowMetadata';
import { readRowMetadata, type RowMetadataOptions } from './readRowMetadata';
import { rowsByShard } from './shardOfRow';

export { shardOfRow } from './shardOfRow';

/**
 * The metadata of global rows of a dataset: each shard's own metadata for its rows, merged (a
 * column missing from a shard gives null there). Undefined when no shard has any. `read` reads
 * one shard's (the worker's RowMetadataCache keeps them open).
 */
export async function readDatasetRowMetadata(shards: readonly ShardSummary[], rows: readonly number[], options: RowMetadataOptions = {},
  read: typeof readRowMetadata = readRowMetadata): Promise<RowMetadata | undefined> {
  const byShard = rowsByShard(shards, rows);
  let out: RowMetadata | undefined;
  const sources: string[] = [];
  for (const [file, { local, at }] of byShard) {
    const meta = await read(file, local, options);
    if (!meta) continue;
    out ??= { source: '', rows: [...rows], columns: [], labelColumn: meta.labelColumn, textColumn: meta.textColumn };
    if (!sources.includes(meta.source)) sources.push(meta.source);
    for (const c of meta.columns) {
      let column = out.columns.find(x => x.name === c.name);
      if (!column) out.columns.push(column = { name: c.name, role: c.role, values: new Array(rows.length).fill(null) });
      c.values.forEach((v, k) => { column!.values[at[k]] = v; });
    }
  }
  if (out) out.source = sources.slice(0, 3).join('; ') + (sources.length > 3 ? `; … (${sources.length} shards)` : '');
  return out;
}
