import type { ValueColumn } from './dumpFile';
import { readByRuns, rowRuns, unitOf } from './valueColumns';

/**
 * A Parquet column of one string per row (a label, a text), for the row metadata. The rows are
 * read row group by row group (hyparquet decodes every page of a chunk from the first row asked
 * for to the last), and the values of the chunks read last are kept, packed (one byte array and
 * its offsets per chunk, not an object per value: a hundred thousand kept values would otherwise
 * cost the garbage collector tens of milliseconds per request), within a byte budget: the row
 * views and row lists of a panel (rows anywhere in the file) are then answered without decoding
 * the same chunks again, and only the rows asked for are turned into strings. A row group larger
 * than the budget (a pandas file's million rows) is not kept: its rows are read in runs of nearby
 * rows, each reading only the pages that hold them (parquetPageCheck.ts hands hyparquet the pages).
 */
export interface TextChunkReader {
  /** Calls `sink` with the raw values (bytes or strings) of rows [start, end), in parts. */
  (start: number, end: number, sink: (data: ArrayLike<unknown>, firstRow: number) => void): Promise<void>;
}

/** Bytes of values kept per column at most (their bytes, plus TEXT_VALUE_OVERHEAD per value). */
export const TEXT_CACHE_BYTES = 32 << 20;
/** What a kept value costs besides its bytes: its offset (4 bytes) and null flag (1). */
export const TEXT_VALUE_OVERHEAD = 5;
/** A value's bytes (a short label), assumed when the row group does not say its column chunk's size (a Parquet footer always does). */
const ASSUMED_VALUE_BYTES = 8;

/** Rows of a row group above the budget closer than this are read in one run (a page holds more). */
const PAGED_GAP = 64;
/** Runs of one request read page by page at most; more are read as one run per row group. */
const MAX_PAGED_RUNS = 16;

type Parts = { data: ArrayLike<unknown>; firstRow: number }[];

/** The values of one row group, packed: value i is the UTF-8 of data[offsets[i] .. offsets[i + 1]), or null. */
interface Chunk { firstRow: number; offsets: Uint32Array; data: Uint8Array; nulls: Uint8Array; bytes: number }

const utf8Encoder = new TextEncoder();

/**
 * The values of rows [firstRow, firstRow + length) packed as UTF-8 (hyparquet gives bytes, or
 * strings it decoded from UTF-8: well-formed, so encoding them again gives the same string back).
 */
function packChunk(parts: Parts, firstRow: number, length: number): Chunk {
  const values: (Uint8Array | null)[] = new Array(length).fill(null);
  let total = 0;
  for (const { data, firstRow: at } of parts) {
    for (let i = Math.max(0, firstRow - at); i < data.length && at + i < firstRow + length; i++) {
      const v = data[i];
      const bytes = v instanceof Uint8Array ? v : v === null || v === undefined ? null : utf8Encoder.encode(typeof v === 'string' ? v : textOf(v)!);
      const k = at + i - firstRow;
      total += (bytes?.length ?? 0) - (values[k]?.length ?? 0);
      values[k] = bytes;
    }
  }
  const nulls = new Uint8Array(length);
  const offsets = new Uint32Array(length + 1);
  const data = new Uint8Array(total);
  let used = 0;
  for (let k = 0; k < length; k++) {
    const v = values[k];
    if (v === null) nulls[k] = 1;
    else if (v.length > 32) { data.set(v, used); used += v.length; } else for (let j = 0; j < v.length; j++) data[used++] = v[j]; // a call costs more than a short copy
    offsets[k + 1] = used;
  }
  return { firstRow, offsets, data, nulls, bytes: total + TEXT_VALUE_OVERHEAD * length };
}

function chunkValue(c: Chunk, row: number): string | null {
  const k = row - c.firstRow;
  if (k < 0 || k >= c.nulls.length || c.nulls[k]) return null;
  return utf8.decode(c.data.subarray(c.offsets[k], c.offsets[k + 1]));
}

/** A row group: its first row, rows, and its column chunk's uncompressed bytes when known (the footer says). */
export interface TextGroup { start: number; rows: number; bytes?: number }

/**
 * The first rows (in the file) of the data pages of row group g, its page headers walked
 * (parquetPageCheck.ts); undefined when not known.
 */
export type PageStarts = (g: number) => Promise<number[] | undefined>;

export function parquetTextColumn(name: string, rows: number, groups: readonly TextGroup[], readRows: TextChunkReader,
  budget = TEXT_CACHE_BYTES, pageStarts?: PageStarts): ValueColumn {
  // kept chunks: a row group's ('g'), or one page's of a row group above the budget ('g/p')
  const cache = new Map<string, Chunk>();
  let cached = 0;
  const starts = groups.map(g => g.start);
  const groupOf = (row: number) => unitOf(starts, row);
  /** Rows [start, end), decoded once and kept within the budget (least recently used out). */
  const kept = async (key: string, start: number, end: number): Promise<Chunk> => {
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key); // most recently used last
      cache.set(key, hit);
      return hit;
    }
    const parts: Parts = [];
    await readRows(start, end, (data, firstRow) => parts.push({ data, firstRow }));
    const chunk = packChunk(parts, start, end - start);
    for (const [k, old] of cache) {
      if (cached + chunk.bytes <= budget) break;
      cache.delete(k);
      cached -= old.bytes;
    }
    if (chunk.bytes <= budget) {
      cache.set(key, chunk);
      cached += chunk.bytes;
    }
    return chunk;
  };
  // only the rows asked for become strings (a run of one row group spans most of it)
  const pick = (chunk: Chunk, start: number, end: number, wanted: readonly number[]) => {
    const values: (string | null)[] = new Array(end - start);
    for (const r of wanted) values[r - start] = chunkValue(chunk, r);
    return values;
  };
  const tooBig = (g: number) => (groups[g].bytes ?? groups[g].rows * ASSUMED_VALUE_BYTES) + groups[g].rows * TEXT_VALUE_OVERHEAD > budget;
  // a row group within the budget: one run per row group, decoded whole and kept
  const keptRuns = (wanted: readonly number[]) => readByRuns(wanted, async (start, end, inRun) => {
    const g = groupOf(start);
    return pick(await kept(`${g}`, groups[g].start, groups[g].start + groups[g].rows), start, end, inRun);
  }, { starts });
  // a row group above it, its pages known: one run per page, the page decoded whole and kept
  // (parquetPageCheck.ts hands hyparquet that page only)
  const pageRuns = (g: number, pages: number[], wanted: readonly number[]) => readByRuns(wanted, async (start, end, inRun) => {
    const p = unitOf(pages, start);
    const pageEnd = p + 1 < pages.length ? pages[p + 1] : groups[g].start + groups[g].rows;
    return pick(await kept(`${g}/${p}`, pages[p], pageEnd), start, end, inRun);
  }, { starts: pages });
  // its pages unknown: the runs of nearby rows only, uncached; rows spread in many runs are read
  // in one run per row group (from the first to the last row asked for), so that no page is read
  // and decoded once per run
  const nearbyRuns = (wanted: readonly number[]) => {
    const byPages = { starts, gap: PAGED_GAP };
    const runs = rowRuns([...wanted].sort((a, b) => a - b), byPages).length;
    return readByRuns(wanted, async (start, end, inRun) => {
      const parts: Parts = [];
      await readRows(start, end, (data, firstRow) => parts.push({ data, firstRow }));
      return pick(packChunk(parts, start, end - start), start, end, inRun);
    }, runs > MAX_PAGED_RUNS ? { starts } : byPages);
  };
  return {
    name, kind: 'string', rows,
    async read(wanted) {
      // the rows asked for by how they are read: kept row groups ('kept'), or per row group above the budget
      const ways = new Map<string, number[]>();
      wanted.forEach((r, i) => {
        const g = groupOf(r);
        const way = tooBig(g) ? `${g}` : 'kept';
        const at = ways.get(way);
        if (at) at.push(i); else ways.set(way, [i]);
      });
      if (ways.size === 1 && ways.has('kept')) return keptRuns(wanted);
      const out: (string | null)[] = new Array(wanted.length);
      const unpaged: number[] = [];
      for (const [way, at] of ways) {
        const rowsHere = at.map(i => wanted[i]);
        const pages = way === 'kept' ? undefined : await pageStarts?.(Number(way));
        if (way !== 'kept' && !pages) { unpaged.push(...at); continue; }
        const values = pages ? await pageRuns(Number(way), pages, rowsHere) : await keptRuns(rowsHere);
        at.forEach((i, k) => { out[i] = values[k]; });
      }
      if (unpaged.length) {
        const values = await nearbyRuns(unpaged.map(i => wanted[i]));
        unpaged.forEach((i, k) => { out[i] = values[k]; });
      }
      return out;
    },
  };
}

const utf8 = new TextDecoder('utf-8');

/** A string cell as hyparquet gives it (bytes, since strings are not decoded for us), or null. */
export function textOf(v: unknown): string | null {
  if (v instanceof Uint8Array) return utf8.decode(v);
  if (typeof v === 'string') return v;
  return v === null || v === undefined ? null : String(v);
}
