import type { EmbeddingMatrix } from '../formats/dumpFile';

/** Readers that can hand out float32 rows directly (see analyzeDump.ts). */
interface Float32Rows { readRowsFloat32(start: number, count: number): Promise<Float32Array> }

/** Null row indices kept for the report and the `null-rows` finding; the count covers all of them. */
export const NULL_ROW_INDICES_KEPT = 100;

export interface NullRows {
  /** Null rows among the rows read. */
  count: number;
  /** The first NULL_ROW_INDICES_KEPT of them, 0-based, ascending. */
  first: number[];
}

/**
 * Counts the null rows (Arrow/Parquet null lists) among the rows an analysis reads. Readers
 * return a null row as a NaN row; after each read the tally asks the matrix which rows of that
 * block were null, so the analysis can move them from the NaN count to the `null-rows` finding.
 * `matrix` is the one to read through: the original when it has no null rows to report
 * (keeping its class and its other methods), else a wrapper whose readRows also tallies.
 */
export class NullRowTally {
  readonly matrix: EmbeddingMatrix;
  private count = 0;
  private first: number[] = [];
  /** Every null row read (to leave them out of the NaN rows' list); as many as the null rows read. */
  private readonly all = new Set<number>();

  constructor(source: EmbeddingMatrix) {
    const nullRowsIn = source.nullRowsIn?.bind(source);
    if (!nullRowsIn) { this.matrix = source; return; }
    const record = (rows: readonly number[]) => {
      this.count += rows.length;
      for (const r of rows) this.all.add(r);
      for (const r of rows) {
        if (this.first.length >= NULL_ROW_INDICES_KEPT) break;
        this.first.push(r);
      }
    };
    // delegation, not a prototype link: the reader's getters may rely on its own private fields
    this.matrix = {
      get name() { return source.name; },
      get dtype() { return source.dtype; },
      get shape() { return source.shape; },
      get rows() { return source.rows; },
      get dim() { return source.dim; },
      get notes() { return source.notes; },
      readRows: async (start: number, count: number): Promise<Float64Array> => {
        const values = await source.readRows(start, count);
        record(await nullRowsIn(start, count));
        return values;
      },
      nullRowsIn,
    };
    // the float32 kernels read through readRowsFloat32 when the reader has it: tally those reads too
    const float32 = (source as Partial<Float32Rows>).readRowsFloat32?.bind(source);
    if (float32) {
      (this.matrix as EmbeddingMatrix & Float32Rows).readRowsFloat32 = async (start: number, count: number): Promise<Float32Array> => {
        const values = await float32(start, count);
        record(await nullRowsIn(start, count));
        return values;
      };
    }
  }

  /** The null rows read since the last reset. */
  result(): NullRows {
    return { count: this.count, first: [...this.first].sort((a, b) => a - b) };
  }

  /** True when `row` was read as a null row. */
  has(row: number): boolean {
    return this.all.has(row);
  }

  /** Every null row read since the last reset, ascending. */
  allRows(): number[] {
    return [...this.all].sort((a, b) => a - b);
  }

  /** Starts a new count (a new pass over the rows). */
  reset(): void {
    this.count = 0;
    this.first = [];
    this.all.clear();
  }
}
