import type { ValueColumn } from './dumpFile';
import { readByRuns } from './valueColumns';

/**
 * A Parquet column of one string per row (a label, a text), for the row metadata. hyparquet
 * decodes a column chunk whole whatever rows of it are asked for, so the rows are read row group
 * by row group, and the raw values of the chunks read last are kept within a byte budget: the row
 * views of a panel (a row and its neighbours, anywhere in the file) are then answered without
 * decoding the same chunks again. A row group larger than the budget is read run by run, uncached.
 */
export interface TextChunkReader {
  /** Calls `sink` with the raw values (bytes or strings) of rows [start, end), in parts. */
  (start: number, end: number, sink: (data: ArrayLike<unknown>, firstRow: number) => void): Promise<void>;
}

/** Bytes of raw values kept per column at most (an estimate: the bytes plus a view's overhead per value). */
export const TEXT_CACHE_BYTES = 32 << 20;
/** What a value costs besides its bytes (a Uint8Array view on the page). */
const VALUE_OVERHEAD = 96;

interface Chunk { parts: { data: ArrayLike<unknown>; firstRow: number }[]; bytes: number }

export function parquetTextColumn(name: string, rows: number, groups: readonly { start: number; rows: number }[], readRows: TextChunkReader,
  budget = TEXT_CACHE_BYTES): ValueColumn {
  const cache = new Map<number, Chunk>();
  let cached = 0;
  const starts = groups.map(g => g.start);
  const groupOf = (row: number) => {
    let lo = 0, hi = groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= row) lo = mid; else hi = mid - 1;
    }
    return lo;
  };
  const chunkOf = async (g: number): Promise<Chunk> => {
    const hit = cache.get(g);
    if (hit) {
      cache.delete(g); // most recently used last
      cache.set(g, hit);
      return hit;
    }
    const chunk: Chunk = { parts: [], bytes: 0 };
    await readRows(groups[g].start, groups[g].start + groups[g].rows, (data, firstRow) => {
      chunk.parts.push({ data, firstRow });
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        chunk.bytes += VALUE_OVERHEAD + (v instanceof Uint8Array ? v.byteLength : typeof v === 'string' ? 2 * v.length : 0);
      }
    });
    for (const [k, old] of cache) {
      if (cached + chunk.bytes <= budget) break;
      cache.delete(k);
      cached -= old.bytes;
    }
    if (chunk.bytes <= budget) {
      cache.set(g, chunk);
      cached += chunk.bytes;
    }
    return chunk;
  };
  const pick = (parts: Chunk['parts'], start: number, end: number) => {
    const values: (string | null)[] = new Array(end - start).fill(null);
    for (const { data, firstRow } of parts) {
      const from = Math.max(start, firstRow), to = Math.min(end, firstRow + data.length);
      for (let r = from; r < to; r++) values[r - start] = textOf(data[r - firstRow]);
    }
    return values;
  };
  return {
    name, kind: 'string', rows,
    read: wanted => readByRuns(wanted, async (start, end) => {
      const g = groupOf(start);
      // a row group above the budget: only the run, as hyparquet gives it
      if (groups[g].rows * VALUE_OVERHEAD > budget) {
        const parts: Chunk['parts'] = [];
        await readRows(start, end, (data, firstRow) => parts.push({ data, firstRow }));
        return pick(parts, start, end);
      }
      return pick((await chunkOf(g)).parts, start, end);
    }, { starts }),
  };
}

const utf8 = new TextDecoder('utf-8');

/** A string cell as hyparquet gives it (bytes, since strings are not decoded for us), or null. */
export function textOf(v: unknown): string | null {
  if (v instanceof Uint8Array) return utf8.decode(v);
  if (typeof v === 'string') return v;
  return v === null || v === undefined ? null : String(v);
}
