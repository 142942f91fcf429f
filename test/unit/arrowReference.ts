import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { FORMAT_FIXTURES } from './formats.helpers';

/**
 * What apache-arrow (the writer's own library, an independent reader) sees in an Arrow fixture:
 * the reference the Arrow tests compare our reader with.
 */
export interface ReferenceColumn {
  rows: number;
  dim: number;
  /** rows x dim, row-major; null lists and null elements as NaN. */
  values: number[];
  /** Indices of the null rows (null lists), ascending. */
  nullRows: number[];
}

export function referenceTable(rel: string): arrow.Table {
  return arrow.tableFromIPC(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));
}

const toNumber = (v: unknown): number => (v === null || v === undefined ? NaN : typeof v === 'bigint' ? Number(v) : Number(v));

/** A list column (List or FixedSizeList) as apache-arrow reads it; `dim` from its non-null rows. */
export function referenceList(rel: string, column: string): ReferenceColumn {
  const vector = referenceTable(rel).getChild(column)!;
  const rows = vector.length;
  const lists = Array.from({ length: rows }, (_, r) => vector.get(r) as arrow.Vector | null);
  const dim = lists.find(l => l !== null)!.length;
  const values: number[] = [];
  const nullRows: number[] = [];
  lists.forEach((l, r) => {
    if (!vector.isValid(r)) nullRows.push(r);
    for (let k = 0; k < dim; k++) values.push(l === null ? NaN : toNumber(l.get(k)));
  });
  return { rows, dim, values, nullRows };
}

/** Scalar columns side by side, one per dimension (null values as NaN). */
export function referenceColumns(rel: string, columns: string[]): ReferenceColumn {
  const table = referenceTable(rel);
  const vectors = columns.map(c => table.getChild(c)!);
  const values: number[] = [];
  for (let r = 0; r < table.numRows; r++) for (const v of vectors) values.push(toNumber(v.get(r)));
  return { rows: table.numRows, dim: columns.length, values, nullRows: [] };
}

/** The mean over rows whose values are all finite (the rule the analysis reports). */
export function completeRowMean(ref: ReferenceColumn): number[] {
  const sum = new Array<number>(ref.dim).fill(0);
  let n = 0;
  for (let r = 0; r < ref.rows; r++) {
    const row = ref.values.slice(r * ref.dim, (r + 1) * ref.dim);
    if (!row.every(Number.isFinite)) continue;
    row.forEach((v, k) => { sum[k] += v; });
    n++;
  }
  return sum.map(s => s / n);
}
