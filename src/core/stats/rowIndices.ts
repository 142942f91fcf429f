/**
 * Which rows the row-level findings are about: NaN, ±Inf, all-zero and duplicate rows by their
 * 0-based global row index, and where the finite rows sit (so that a finding computed on the
 * finite rows' norms, such as outlier-rows, can name its rows). Both statistics engines feed one
 * recorder in row order; it keeps the count and the first ROW_INDICES_KEPT of each kind, and can
 * hand every row to a listener (the CLI's `rows` command streams them all).
 */

/** Row indices kept per finding for the report; the count covers all of them. */
export const ROW_INDICES_KEPT = 100;

export type RowKind = 'nan' | 'inf' | 'zero' | 'duplicate';

export interface RowList {
  /** Rows of this kind among the rows read. */
  count: number;
  /** The first ROW_INDICES_KEPT of them, 0-based global row indices, ascending. */
  first: number[];
}

export interface DuplicateRowList extends RowList {
  /** repeats[i]: the earlier row (0-based) that row first[i] repeats exactly. */
  repeats: number[];
}

export interface RowIndices {
  nan: RowList;
  inf: RowList;
  zero: RowList;
  duplicate: DuplicateRowList;
  /**
   * The finite rows (those whose norms the statistics keep) as ascending runs, flat: first row,
   * count, first row, count, … (a sample's rows are mostly runs of one: a flat array of doubles
   * costs 16 bytes a run, not an object each).
   */
  finiteRuns: number[];
}

/** Called for every recorded row, in row order; `repeats` for duplicates. */
export type RowListener = (kind: RowKind, row: number, repeats?: number) => void;

export class RowIndexRecorder {
  private readonly lists = { nan: emptyList(), inf: emptyList(), zero: emptyList(), duplicate: { ...emptyList(), repeats: [] as number[] } };
  private readonly finiteRuns: number[] = [];

  /**
   * `isNull`: rows that read as NaN but are null rows (counted apart, see nullRowTally.ts), left
   * out of the NaN list. `listener`: receives every row recorded.
   */
  constructor(private readonly options: { isNull?: (row: number) => boolean; listener?: RowListener } = {}) {}

  nan(row: number): void {
    if (this.options.isNull?.(row)) return;
    this.push('nan', row);
  }

  inf(row: number): void { this.push('inf', row); }

  zero(row: number): void { this.push('zero', row); }

  duplicate(row: number, repeats: number): void {
    const list = this.lists.duplicate;
    if (list.first.length < ROW_INDICES_KEPT) list.repeats.push(repeats);
    this.push('duplicate', row, repeats);
  }

  /** A finite row (one whose norm the statistics keep), in row order. */
  finite(row: number): void {
    const runs = this.finiteRuns;
    const n = runs.length;
    if (n > 0 && runs[n - 2] + runs[n - 1] === row) runs[n - 1]++;
    else runs.push(row, 1);
  }

  result(): RowIndices {
    const copy = (l: RowList): RowList => ({ count: l.count, first: [...l.first] });
    const d = this.lists.duplicate;
    return {
      nan: copy(this.lists.nan), inf: copy(this.lists.inf), zero: copy(this.lists.zero),
      duplicate: { count: d.count, first: [...d.first], repeats: [...d.repeats] },
      finiteRuns: this.finiteRuns, // not copied: the statistics are finished with it
    };
  }

  private push(kind: RowKind, row: number, repeats?: number): void {
    const list = this.lists[kind];
    list.count++;
    if (list.first.length < ROW_INDICES_KEPT) list.first.push(row);
    this.options.listener?.(kind, row, repeats);
  }
}

function emptyList(): RowList { return { count: 0, first: [] }; }

/** Global row index of each finite row, in order (the i-th finite row is the i-th value), from RowIndices.finiteRuns. */
export function* finiteRowIndices(runs: readonly number[]): Generator<number> {
  for (let k = 0; k + 1 < runs.length; k += 2) for (let r = runs[k]; r < runs[k] + runs[k + 1]; r++) yield r;
}
