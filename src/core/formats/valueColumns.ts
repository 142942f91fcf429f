import type { ByteSource } from '../io/byteSource';
import type { EmbeddingMatrix, ValueColumn } from './dumpFile';

/** Rows closer than this are read in one go (a few wasted rows cost less than another read). */
const MERGE_GAP = 16;
/** Values read at once at most (a long run is split). */
const MAX_RUN = 1 << 16;

/**
 * Ascending rows as runs [start, end) to read: neighbours closer than `gap` share a run, so the
 * rows between them are read too (and dropped), and no run exceeds `maxRun` values.
 */
export function rowRuns(rows: readonly number[], gap: RunGap = MERGE_GAP, maxRun = MAX_RUN): [number, number][] {
  const runs: [number, number][] = [];
  let unit = -1;
  for (const r of rows) {
    const last = runs[runs.length - 1];
    const near = typeof gap === 'number' ? last && r < last[1] + gap
      : last && unitOf(gap.starts, r) === unit && (gap.gap === undefined || r < last[1] + gap.gap);
    if (last && near && r >= last[0] && r + 1 - last[0] <= maxRun) last[1] = Math.max(last[1], r + 1);
    else runs.push([r, r + 1]);
    if (typeof gap !== 'number') unit = unitOf(gap.starts, r);
  }
  return runs;
}

/**
 * Rows closer than a number share a run; or, for a reader that decodes a whole unit whatever rows
 * of it are asked for (a Parquet column chunk of one row group), every row of one unit does:
 * `starts` are the units' first rows, ascending, the first 0; with `gap` too, only the rows of one
 * unit closer than it (a reader of the unit's pages: no run crosses a unit).
 */
export type RunGap = number | { starts: readonly number[]; gap?: number };

/** The unit holding row r (the last start ≤ r; the first for a row before it). */
export function unitOf(starts: readonly number[], r: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= r) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/**
 * Reads the values of `rows` run by run: `readRun(start, end, wanted)` gives the values of
 * [start, end) (at least at `wanted`, the rows asked for in the run, ascending: a reader whose
 * values cost a decoding each may skip the others), and only the rows asked for are kept, in the
 * order asked.
 */
export async function readByRuns<T>(rows: readonly number[], readRun: (start: number, end: number, wanted: readonly number[]) => Promise<ArrayLike<T>>,
  gap: RunGap = MERGE_GAP): Promise<T[]> {
  const order = rows.map((r, i) => i).sort((a, b) => rows[a] - rows[b]);
  const sorted = order.map(i => rows[i]);
  const out: T[] = new Array(rows.length);
  let k = 0;
  for (const [start, end] of rowRuns(sorted, gap)) {
    let stop = k;
    while (stop < sorted.length && sorted[stop] < end) stop++;
    const values = await readRun(start, end, sorted.slice(k, stop));
    for (; k < stop; k++) out[order[k]] = values[sorted[k] - start];
  }
  return out;
}

const INTEGER_DTYPE = /^(u?int\d+|bool)$/;

/** A 1-D numeric array (or an N×1 column) read as a column: only the runs of rows asked for. */
export function matrixValueColumn(matrix: EmbeddingMatrix, gap: RunGap = MERGE_GAP): ValueColumn {
  const kind = INTEGER_DTYPE.test(matrix.dtype) ? 'integer' : 'float';
  return {
    name: matrix.name, kind, rows: matrix.rows,
    read: rows => readByRuns(rows, async (start, end) => Array.from(await matrix.readRows(start, end - start), v => (Number.isNaN(v) ? null : v)), gap),
  };
}

/**
 * A 1-D numpy array of fixed-width strings: '<U n' (n UTF-32 code points per element, NUL-padded)
 * or 'S n' (n bytes, NUL-padded, decoded as UTF-8 as numpy users mean it). Undefined for any other dtype.
 */
export function npyStringColumn(source: ByteSource, name: string, descr: unknown, dataOffset: number, rows: number): ValueColumn | undefined {
  const m = typeof descr === 'string' ? /^([<>|=]?)([US])(\d+)$/.exec(descr) : null;
  if (!m) return undefined;
  const unicode = m[2] === 'U';
  const littleEndian = m[1] !== '>';
  const width = Number(m[3]);
  const itemSize = unicode ? 4 * width : width;
  if (!itemSize || dataOffset + rows * itemSize > source.size) return undefined;
  const utf8 = new TextDecoder('utf-8');
  const decode = (bytes: Uint8Array, at: number): string => {
    if (!unicode) {
      let end = at + itemSize;
      while (end > at && bytes[end - 1] === 0) end--;
      return utf8.decode(bytes.subarray(at, end));
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + at, itemSize);
    let text = '';
    for (let i = 0; i < width; i++) {
      const cp = view.getUint32(4 * i, littleEndian);
      if (cp === 0) break;
      text += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return text;
  };
  return {
    name, kind: 'string', rows,
    read: rowList => readByRuns(rowList, async (start, end) => {
      const bytes = await source.read(dataOffset + start * itemSize, (end - start) * itemSize);
      return Array.from({ length: end - start }, (_, i) => decode(bytes, i * itemSize));
    }),
  };
}
