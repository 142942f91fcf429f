import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { EmbdiagError } from '../errors';
import type { EmbeddingMatrix } from './dumpFile';
import type { DTypeName } from './dtype';
import { checkRowRange } from './npy';
import { PARQUET_DAMAGED } from './parquetFooter';
import { readColumns, type Hyparquet } from './parquetPageCheck';
import { raggedListError, type ListChunk, type ListLayout, type ParquetListPages } from './parquetPages';
import type { ArrayInfo } from './dumpFile';

/**
 * A Parquet array as a rows x dim matrix: a list column (read page by page when it holds FLOAT or
 * DOUBLE values, else by hyparquet one row group at a time) or one numeric column per dimension.
 * A null list is a null row: read as NaN, and listed by nullRowsIn.
 */

/** A decoded row group (as float64) is kept for the following reads when it is at most this large. */
const MAX_CACHED_GROUP_BYTES = 256 << 20;

export interface ArraySpec {
  info: ArrayInfo;
  /** Top-level columns read for this array (one list column, or one column per dimension). */
  columns: string[];
  list: boolean;
  dtype?: DTypeName;
  /** A column of one number per row: its type (readable by openColumn as N×1, not as embeddings). */
  scalar?: DTypeName;
  /** A list column read page by page (see parquetPages.ts). */
  pages?: { layout: ListLayout; chunks: ListChunk[] };
}

export interface RowGroup { start: number; rows: number }

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN; // null
}

/** Decoded rows and the null lists among them (as rows of the file, ascending). */
interface Decoded { start: number; rows: number; data: Float64Array; nulls: number[] }

export class ParquetMatrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[] = [];
  private cached: Decoded | undefined;
  /** The null rows of the last read, for nullRowsIn on the same range. */
  private lastNulls: { start: number; end: number; rows: number[] } | undefined;

  constructor(private readonly hp: Hyparquet, private readonly file: AsyncBuffer, private readonly metadata: FileMetaData,
    private readonly compressors: object, private readonly label: string, private readonly spec: ArraySpec,
    private readonly groups: RowGroup[], private readonly pages?: ParquetListPages) {
    this.name = spec.info.name;
    this.dtype = spec.dtype!;
    this.shape = spec.info.shape.slice();
    this.rows = spec.info.shape[0];
    this.dim = spec.info.shape[1];
    const largest = groups.reduce((m, g) => Math.max(m, g.rows), 0);
    this.notes.push(pages ? `Read page by page (${groups.length} row group${groups.length === 1 ? '' : 's'}; the largest holds ${largest} rows).`
      : `Read one row group at a time (the largest holds ${largest} rows).`);
    if (spec.list) this.notes.push('A null list is a missing row (read as NaN); null elements are read as NaN.');
    else this.notes.push('Null values are read as NaN.');
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (this.pages) {
      const rows = new Float64Array(count * this.dim).fill(NaN);
      const nulls: number[] = [];
      await this.pages.read(start, count, rows, nulls);
      this.lastNulls = { start, end: start + count, rows: nulls };
      return rows;
    }
    const out = new Float64Array(count * this.dim);
    const nulls: number[] = [];
    const end = start + count;
    for (const g of this.groups) {
      const gEnd = g.start + g.rows;
      if (gEnd <= start || g.start >= end || !g.rows) continue;
      const from = Math.max(start, g.start);
      const to = Math.min(end, gEnd);
      let part: Decoded;
      if (g.rows * this.dim * 8 <= MAX_CACHED_GROUP_BYTES) {
        if (this.cached?.start !== g.start) this.cached = await this.decode(g.start, gEnd);
        part = this.cached;
      } else {
        part = await this.decode(from, to);
      }
      out.set(part.data.subarray((from - part.start) * this.dim, (to - part.start) * this.dim), (from - start) * this.dim);
      for (const r of part.nulls) if (r >= from && r < to) nulls.push(r);
    }
    this.lastNulls = { start, end, rows: nulls };
    return out;
  }

  /** Rows as float32, without a float64 copy, for a FLOAT list column (exact: the file holds float32). */
  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (this.pages && this.dtype === 'float32') {
      const rows = new Float32Array(count * this.dim).fill(NaN);
      const nulls: number[] = [];
      await this.pages.read(start, count, rows, nulls);
      this.lastNulls = { start, end: start + count, rows: nulls };
      return rows;
    }
    return Float32Array.from(await this.readRows(start, count));
  }

  async nullRowsIn(start: number, count: number): Promise<number[]> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    const end = start + count;
    if (!this.spec.list) return [];
    const last = this.lastNulls;
    if (last && last.start <= start && end <= last.end) return last.rows.filter(r => r >= start && r < end);
    if (this.pages) return this.pages.nullRows(start, count);
    await this.readRows(start, count);
    return this.lastNulls!.rows.slice();
  }

  /** Rows [from, to) (within one row group) as float64. */
  private async decode(from: number, to: number): Promise<Decoded> {
    const dim = this.dim;
    const data = new Float64Array((to - from) * dim).fill(NaN);
    const nulls = new Set<number>();
    let ragged: number | undefined;
    const columnIndex = new Map(this.spec.columns.map((c, i) => [c, i]));
    await readColumns(this.hp, this.file, this.metadata, this.compressors, this.label, this.spec.columns, from, to, (column, values, firstRow) => {
      const j = columnIndex.get(column);
      if (j === undefined) return;
      const lo = Math.max(from, firstRow);
      const hi = Math.min(to, firstRow + values.length);
      for (let r = lo; r < hi; r++) {
        const v = values[r - firstRow];
        const o = (r - from) * dim;
        if (!this.spec.list) { data[o + j] = toNumber(v); continue; }
        if (v === null || v === undefined) { nulls.add(r); continue; } // a null list: NaN row
        const row = v as ArrayLike<unknown>;
        if (typeof row.length !== 'number' || row.length !== dim) { ragged = Math.min(ragged ?? r, r); continue; }
        for (let k = 0; k < dim; k++) data[o + k] = toNumber(row[k]);
      }
    });
    if (ragged !== undefined) throw await this.raggedError();
    return { start: from, rows: to - from, data, nulls: [...nulls].sort((a, b) => a - b) };
  }

  /** The refusal naming the first row whose length differs from the first list's (rows are read from the start until it). */
  private async raggedError(): Promise<EmbdiagError> {
    const lists = await hyparquetListLengths(this.hp, this.file, this.metadata, this.compressors, this.label, this.name, this.groups, this.rows, 'differs');
    const differs = lists.find(r => r.length !== lists[0].length);
    return differs ? raggedListError(this.label, this.name, differs, lists[0])
      : new EmbdiagError('bad-header', `${this.label}: column '${this.name}' holds lists of ${lists[0]?.length} values, not the ${this.dim} its metadata gives per row.`, PARQUET_DAMAGED);
  }
}

/**
 * The non-null lists of a list column among rows [0, end), as { row, length }, up to and including
 * the first one (`until` 'first') or the first whose length differs from the first one's ('differs'),
 * decoded by hyparquet one row group at a time.
 */
export async function hyparquetListLengths(hp: Hyparquet, file: AsyncBuffer, metadata: FileMetaData, compressors: object, label: string,
  column: string, groups: RowGroup[], end: number, until: 'first' | 'differs'): Promise<{ row: number; length: number }[]> {
  const lists: { row: number; length: number }[] = [];
  for (const g of groups) {
    if (g.start >= end) break;
    if (!g.rows) continue;
    let done = false;
    await readColumns(hp, file, metadata, compressors, label, [column], g.start, Math.min(end, g.start + g.rows), (_, rows, firstRow) => {
      for (let i = 0; i < rows.length && !done && firstRow + i < end; i++) {
        const row = rows[i] as ArrayLike<unknown> | null | undefined;
        if (!row || typeof row !== 'object' || typeof row.length !== 'number') continue;
        lists.push({ row: firstRow + i, length: row.length });
        done = until === 'first' || row.length !== lists[0].length;
      }
    });
    if (done) break;
  }
  return lists;
}
