/**
 * Reading given rows again, as numbers (the projection's sample for its non-linear view): from
 * one dump, from a dataset's shards, or from a dataset partial's shared row sample (no read).
 */
import type { RawShape } from '../formats/dumpFile';
import { openDumpFile } from '../formats/openDumpFile';
import { EmbdiagError } from '../errors';
import type { ShardSummary } from '../report/analysisReport';
import type { DatasetPartial } from '../dataset/partial';
import { forEachRowAt } from '../analysis/dumpProjection';
import type { RowReader } from '../analysis/umapLayout';
import { rowsByShard } from './shardOfRow';

/** Reads in flight. */
const CONCURRENCY = 4;

/** The rows (global, ascending) of the dump at `filePath`, as an n × d matrix; reads nearby rows together. */
export async function readRowsAt(filePath: string, rows: readonly number[], options: { arrayName?: string; raw?: RawShape } = {}, isCancelled?: () => boolean): Promise<{ values: Float64Array; d: number }> {
  const { source, dump } = await openDumpFile(filePath, options.raw);
  try {
    const matrix = await dump.open(options.arrayName);
    const d = matrix.dim;
    const last = rows[rows.length - 1];
    if (last !== undefined && last >= matrix.rows) throw new EmbdiagError('file-changed', `${filePath}: row ${last} is gone (${matrix.rows} rows now); analyse it again.`);
    const values = new Float64Array(rows.length * d);
    await forEachRowAt(matrix, rows, CONCURRENCY, (i, block, offset) => {
      for (let j = 0; j < d; j++) values[i * d + j] = block[offset + j];
    }, isCancelled);
    await source.assertUnchanged?.();
    if (!values.every(Number.isFinite)) throw new EmbdiagError('file-changed', `${filePath}: rows of the projection's sample are no longer finite; analyse it again.`);
    return { values, d };
  } finally {
    await source.close();
  }
}

/** A reader of one dump's rows. */
export function fileRowReader(filePath: string, options: { arrayName?: string; raw?: RawShape } = {}): RowReader {
  return (rows, isCancelled) => readRowsAt(filePath, rows, options, isCancelled);
}

/** A reader of a dataset's global rows from its shards (each shard opened once, its rows read together). */
export function shardRowReader(shards: readonly ShardSummary[], options: { arrayName?: string } = {}): RowReader {
  return async (rows, isCancelled) => {
    const byShard = rowsByShard(shards, rows);
    let out: Float64Array | undefined;
    let d = 0;
    for (const [file, { local, at }] of byShard) {
      const part = await readRowsAt(file, local, options, isCancelled);
      if (out && part.d !== d) throw new EmbdiagError('bad-shape', `${file}: ${part.d} dimensions, where the other shards have ${d}.`);
      d = part.d;
      out ??= new Float64Array(rows.length * d);
      at.forEach((i, k) => out!.set(part.values.subarray(k * d, (k + 1) * d), i * d));
    }
    return { values: out ?? new Float64Array(0), d };
  };
}

/** A reader of a dataset's rows from its partial's shared row sample (which holds every row of its projection). */
export function partialRowReader(p: DatasetPartial): RowReader {
  return async (rows) => {
    const d = p.dim;
    const at = new Map<number, number>();
    p.sample.indices.forEach((row, k) => at.set(row, k));
    const values = new Float64Array(rows.length * d);
    rows.forEach((row, i) => {
      const k = at.get(row);
      if (k === undefined) throw new EmbdiagError('internal', `Row ${row} is not in the dataset's row sample.`);
      values.set(p.sample.rows.subarray(k * d, (k + 1) * d), i * d);
    });
    return { values, d };
  };
}
