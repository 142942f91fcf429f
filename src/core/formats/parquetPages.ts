import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { PARQUET_DAMAGED } from './parquetFooter';
import { ENCODING_BYTE_STREAM_SPLIT, ENCODING_PLAIN, ENCODING_PLAIN_DICTIONARY, ENCODING_RLE, ENCODING_RLE_DICTIONARY, MAX_PAGE_BYTES, PAGE_DATA, PAGE_DATA_V2,
  PAGE_DICTIONARY, readPageHeader, type Page } from './parquetPageHeader';
import { bitWidth, decodeHybrid, decodeLevels, Levels, PageDamage } from './parquetEncodings';

/**
 * Page-by-page reading of a Parquet list column of FLOAT or DOUBLE values (the usual layout of
 * embeddings written by pandas, pyarrow, Hugging Face datasets, polars), in bounded memory
 * whatever the row-group size: one page (about 1 MiB as writers cut them; at most MAX_PAGE_BYTES)
 * is held at a time, never a whole column chunk. hyparquet decodes a list column's chunk whole,
 * which for a pandas file (one row group up to 1,048,576 rows) is the whole file.
 *
 * A chunk's pages are located by walking their headers (small reads, no decompression), once.
 * When a chunk holds rows x dim level entries (no null lists), the page holding row r is found
 * from the entry counts alone; otherwise rows are counted from the repetition levels as pages are
 * decoded (forward from the last page whose first row is known).
 *
 * Every size comes from the file, so every size is checked: against the chunk, MAX_PAGE_BYTES,
 * MAX_PAGE_VALUES, and the decoded streams against the page's bytes. Damage is an EmbdiagError.
 */

/** Most data pages in one column chunk (a 2 GB chunk of 1 MiB pages has about 2,000). */
const MAX_PAGES = 1 << 20;

export type Decompress = (codec: string, input: Uint8Array, uncompressedSize: number) => Uint8Array;

/** One row group's chunk of the column. */
export interface ListChunk {
  /** First row of the row group in the file. */
  groupStart: number;
  rows: number;
  /** Byte range of the column chunk (dictionary page first when there is one). */
  start: number;
  length: number;
  /** Level entries the chunk declares (num_values). */
  numValues: number;
  codec: string;
}

export interface ListLayout {
  physical: 'FLOAT' | 'DOUBLE';
  maxDefinition: number;
  maxRepetition: number;
  /** Definition level from which an entry is an element of its list (a null element below maxDefinition). */
  elementDefinition: number;
  /** Definition level from which the list itself is present (lower: a null list). */
  listDefinition: number;
}

interface DecodedPage {
  /** False when only the levels were decoded (`values` is then empty). */
  withValues: boolean;
  repetition?: Levels;
  definition?: Levels;
  /** The page's non-null values, in order. */
  values: Float32Array | Float64Array;
  /** How many entries hold a value. */
  present: number;
}

interface ChunkState {
  chunk: ListChunk;
  /** The last data page decoded. */
  last?: { p: number; page: DecodedPage };
  dataPages: Page[];
  dictionaryPage?: Page;
  dictionary?: Float32Array | Float64Array;
  /** Rows that start before each data page (index i: before dataPages[i]; one more entry: the chunk's total), where known. */
  rowAtStart: (number | undefined)[];
  /** Every row holds exactly dim entries: rows are found from entry counts. */
  exact: boolean;
}



/** A row whose list does not hold dim values (the reader then finds which row, for the message). */
class Ragged extends Error {}

/** A list of a column: its row and its length. */
export interface ListAt { row: number; length: number }

/** Why a list column whose rows differ in length is refused: the first row that differs, and the first list. */
export function raggedListReason(column: string, differs: ListAt, first: ListAt): string {
  const holds = (n: number) => (n === 0 ? 'an empty list' : `${n} value${n === 1 ? '' : 's'}`);
  return `row ${differs.row} of column '${column}' holds ${holds(differs.length)} where row ${first.row} holds ${holds(first.length)}`;
}

/** The refusal of a list column whose rows differ in length. */
export function raggedListError(label: string, column: string, differs: ListAt, first: ListAt): EmbdiagError {
  return new EmbdiagError('bad-shape', `${label}: ${raggedListReason(column, differs, first)}.`, 'Embeddings need the same number of dimensions in every row.');
}

// ---- the reader -------------------------------------------------------------------------------

export class ParquetListPages {
  private readonly chunks: ChunkState[];
  /** Reads of one chunk run one at a time (a state per chunk; callers may read concurrently). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly source: ByteSource, private readonly label: string, private readonly column: string,
    private readonly dim: number, private readonly layout: ListLayout, chunks: ListChunk[], private readonly decompress: Decompress) {
    this.chunks = chunks.map(chunk => ({ chunk, dataPages: [], rowAtStart: [], exact: chunk.numValues === chunk.rows * dim && dim > 0 }));
  }

  private damaged(what: string, detail: string): EmbdiagError {
    return new EmbdiagError('bad-header', `${this.label}: column '${this.column}' ${what} is damaged: ${detail}.`,
      PARQUET_DAMAGED);
  }

  /** One read at a time (a state per chunk; callers may read concurrently). */
  private queued<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Rows [start, start + count) into `out` (count x dim, row-major), which the caller has filled
   * with NaN; the indices of the null lists among them are pushed onto `nulls`.
   */
  read(start: number, count: number, out: Float32Array | Float64Array, nulls: number[] = []): Promise<void> {
    return this.queued(() => this.readNow(start, count, out, nulls));
  }

  /** The indices of the null lists among rows [start, start + count), from the levels alone. */
  nullRows(start: number, count: number): Promise<number[]> {
    const nulls: number[] = [];
    return this.queued(() => this.readNow(start, count, undefined, nulls)).then(() => nulls);
  }

  /** The first non-null list (its row and length), reading as few pages as possible; undefined when every list is null. */
  firstList(): Promise<{ row: number; length: number } | undefined> {
    return this.queued(async () => {
      let found: { row: number; length: number } | undefined;
      await this.scanRows((row, length) => {
        if (length === null) return false;
        found = { row, length };
        return true;
      });
      return found;
    });
  }

  private async readNow(start: number, count: number, out: Float32Array | Float64Array | undefined, nulls: number[]): Promise<void> {
    const end = start + count;
    try {
      for (const state of this.chunks) {
        const c = state.chunk;
        if (c.groupStart + c.rows <= start || c.groupStart >= end || !c.rows) continue;
        const from = Math.max(start, c.groupStart) - c.groupStart;
        const to = Math.min(end, c.groupStart + c.rows) - c.groupStart;
        await this.readChunk(state, from, to, out, c.groupStart - start, nulls);
      }
    } catch (e) {
      if (e instanceof Ragged) throw await this.raggedError();
      throw e;
    }
  }

  /**
   * Calls `visit(row, length)` for the rows from the first on (length null: a null list), from
   * the levels alone, until it returns true.
   */
  private async scanRows(visit: (row: number, length: number | null) => boolean): Promise<void> {
    const { maxDefinition, elementDefinition, listDefinition } = this.layout;
    for (const state of this.chunks) {
      if (!state.chunk.rows) continue;
      await this.index(state);
      let row = state.chunk.groupStart - 1;
      let length: number | null = null;
      for (let p = 0; p < state.dataPages.length; p++) {
        const page = state.dataPages[p];
        const decoded = await this.decoded(state, p, false);
        const repetition = decoded.repetition?.expand();
        const definition = decoded.definition?.expand();
        for (let i = 0; i < page.count; i++) {
          const rep = repetition ? repetition[i] : 0;
          const def = definition ? definition[i] : maxDefinition;
          if (rep === 0) {
            if (row >= state.chunk.groupStart && visit(row, length)) return;
            row++;
            length = def < listDefinition ? null : 0;
          }
          if (length !== null && def >= elementDefinition) length++;
        }
      }
      if (row >= state.chunk.groupStart && visit(row, length)) return;
    }
  }

  /** The first list, and the first whose length differs from it; undefined when all lists have one length. */
  firstDifference(): Promise<{ first: ListAt; differs: ListAt } | undefined> {
    return this.queued(() => this.difference());
  }

  /** The refusal of a ragged column: the first row whose length differs from the first list's, and that list's row. */
  private async raggedError(): Promise<EmbdiagError> {
    const found = await this.difference();
    // Without a difference, the levels agree with one length per row, but not with the page layout: damage.
    return found ? raggedListError(this.label, this.column, found.differs, found.first)
      : this.damaged('(its list levels)', `its rows do not hold ${this.dim} values each, as its level counts say`);
  }

  private async difference(): Promise<{ first: ListAt; differs: ListAt } | undefined> {
    let first: ListAt | undefined;
    let differs: ListAt | undefined;
    await this.scanRows((row, length) => {
      if (length === null) return false;
      if (!first) { first = { row, length }; return false; }
      if (length === first.length) return false;
      differs = { row, length };
      return true;
    });
    return first && differs ? { first, differs } : undefined;
  }

  /** Walks the chunk's page headers once (no decompression). */
  private async index(state: ChunkState): Promise<void> {
    if (state.rowAtStart.length) return;
    const c = state.chunk;
    const what = `row group at row ${c.groupStart}`;
    if (!Number.isSafeInteger(c.start) || !Number.isSafeInteger(c.length) || c.start < 0 || c.length < 0 || c.start + c.length > this.source.size) {
      throw this.damaged(`in the ${what}`, `its bytes ${c.start}..${c.start + c.length} lie outside the ${this.source.size}-byte file`);
    }
    if (!Number.isSafeInteger(c.numValues) || c.numValues < 0 || !Number.isSafeInteger(c.rows) || c.rows < 0) {
      throw this.damaged(`in the ${what}`, `it declares ${c.numValues} values for ${c.rows} rows`);
    }
    const end = c.start + c.length;
    let at = c.start;
    let entries = 0;
    let allV2 = true;
    const pages: Page[] = [];
    while (at < end - 1 && entries < c.numValues) {
      const page = await readPageHeader(this.source, at, end, detail => this.damaged(`in the ${what}`, detail),
        bytes => new EmbdiagError('too-large', `${this.label}: column '${this.column}' has a page of ${bytes} bytes, more than the ${MAX_PAGE_BYTES} this reader decodes at once.`,
          'Rewrite the file with the default page size (e.g. pyarrow.parquet.write_table(table, path)).'));
      page.firstEntry = entries;
      if (page.type === PAGE_DICTIONARY) {
        if (pages.length || state.dictionaryPage) throw this.damaged(`in the ${what}`, 'a dictionary page follows data pages');
        state.dictionaryPage = page;
      } else if (page.type === PAGE_DATA || page.type === PAGE_DATA_V2) {
        if (page.type !== PAGE_DATA_V2) allV2 = false;
        entries += page.count;
        pages.push(page);
        if (pages.length > MAX_PAGES) {
          throw new EmbdiagError('too-large', `${this.label}: column '${this.column}' has more than ${MAX_PAGES} pages in one row group.`, 'Rewrite the file with the default page size (e.g. df.to_parquet(path)).');
        }
      }
      at = page.at + page.headerLength + page.compressed;
    }
    if (entries !== c.numValues) {
      throw this.damaged(`in the ${what}`, `its pages hold ${entries} entries where the metadata declares ${c.numValues}`);
    }
    state.dataPages = pages;
    const rowAtStart: (number | undefined)[] = new Array(pages.length + 1).fill(undefined);
    rowAtStart[0] = 0;
    rowAtStart[pages.length] = c.rows;
    if (state.exact) {
      pages.forEach((p, i) => { rowAtStart[i] = Math.ceil(p.firstEntry / this.dim); });
    } else if (allV2) {
      // Data page v2 pages start at row boundaries and say how many rows they hold.
      let rows = 0;
      pages.forEach((p, i) => { rowAtStart[i] = rows; rows += p.rows ?? 0; });
      if (rows !== c.rows) throw this.damaged(`in the ${what}`, `its pages hold ${rows} rows where the metadata declares ${c.rows}`);
    }
    state.rowAtStart = rowAtStart;
  }

  /** A page's bytes, decompressed: levels (v2: uncompressed, before the values) and values. */
  private async pageBytes(codec: string, page: Page, what: string): Promise<{ levels: Uint8Array; values: Uint8Array }> {
    const raw = await this.source.read(page.at + page.headerLength, page.compressed);
    const inflate = (input: Uint8Array, size: number): Uint8Array => {
      if (codec === 'UNCOMPRESSED') return input;
      let out: Uint8Array;
      try {
        out = this.decompress(codec, input, size);
      } catch (e) {
        if (e instanceof EmbdiagError) throw e;
        throw this.damaged(what, `its ${codec} data does not decompress (${(e as Error).message})`);
      }
      if (out.length !== size) throw this.damaged(what, `it decompresses to ${out.length} bytes, not the ${size} its header declares`);
      return out;
    };
    if (page.type === PAGE_DATA_V2) {
      const levelBytes = (page.repetitionLength ?? 0) + (page.definitionLength ?? 0);
      const levels = raw.subarray(0, levelBytes);
      const rest = raw.subarray(levelBytes);
      const values = page.valuesCompressed ? inflate(rest, page.uncompressed - levelBytes) : rest;
      return { levels, values };
    }
    const body = inflate(raw, page.uncompressed);
    return { levels: body, values: body };
  }

  private async loadDictionary(state: ChunkState): Promise<Float32Array | Float64Array> {
    if (state.dictionary) return state.dictionary;
    const page = state.dictionaryPage;
    const what = `dictionary page at byte ${page?.at}`;
    if (!page) throw this.damaged(`in the row group at row ${state.chunk.groupStart}`, 'its data pages use a dictionary, but it has none');
    if (page.encoding !== ENCODING_PLAIN && page.encoding !== ENCODING_PLAIN_DICTIONARY) throw this.damaged(what, `it uses encoding ${page.encoding}`);
    const { values } = await this.pageBytes(state.chunk.codec, page, what);
    state.dictionary = this.plainValues(values, 0, page.count, what);
    return state.dictionary;
  }

  private plainValues(bytes: Uint8Array, at: number, n: number, what: string): Float32Array | Float64Array {
    const size = this.layout.physical === 'FLOAT' ? 4 : 8;
    if (at + n * size > bytes.length) throw this.damaged(what, `it holds ${Math.max(0, bytes.length - at)} bytes of values where ${n * size} are needed`);
    const copy = bytes.slice(at, at + n * size); // aligned
    return size === 4 ? new Float32Array(copy.buffer, 0, n) : new Float64Array(copy.buffer, 0, n);
  }

  /** Decodes one data page: its levels and (`withValues`) its non-null values. */
  private async decodePage(state: ChunkState, page: Page, withValues: boolean): Promise<DecodedPage> {
    const what = `page at byte ${page.at}`;
    const { maxDefinition, maxRepetition } = this.layout;
    const n = page.count;
    const { levels, values: valueBytes } = await this.pageBytes(state.chunk.codec, page, what);
    let repetition: Levels | undefined;
    let definition: Levels | undefined;
    let at = 0;
    try {
      if (page.type === PAGE_DATA_V2) {
        const repLength = page.repetitionLength ?? 0;
        if (maxRepetition) repetition = decodeLevels(levels, 0, repLength, bitWidth(maxRepetition), n);
        if (maxDefinition) definition = decodeLevels(levels, repLength, repLength + (page.definitionLength ?? 0), bitWidth(maxDefinition), n);
      } else {
        const stream = (max: number, encoding: number | undefined, name: string): Levels => {
          if (encoding !== undefined && encoding !== ENCODING_RLE) throw new PageDamage(`its ${name} levels use encoding ${encoding} (only RLE is read)`);
          if (at + 4 > levels.length) throw new PageDamage(`it ends inside its ${name} levels`);
          const length = levels[at] | (levels[at + 1] << 8) | (levels[at + 2] << 16) | (levels[at + 3] << 24);
          if (length < 0 || at + 4 + length > levels.length) throw new PageDamage(`its ${name} levels run past the page`);
          const out = decodeLevels(levels, at + 4, at + 4 + length, bitWidth(max), n);
          at += 4 + length;
          return out;
        };
        if (maxRepetition) repetition = stream(maxRepetition, page.repetitionEncoding, 'repetition');
        if (maxDefinition) definition = stream(maxDefinition, page.definitionEncoding, 'definition');
      }
    } catch (e) {
      if (e instanceof PageDamage) throw this.damaged(what, e.message);
      throw e;
    }
    if (definition && definition.max() > maxDefinition) throw this.damaged(what, `a definition level is ${definition.max()}, above the column's ${maxDefinition}`);
    if (repetition && repetition.max() > maxRepetition) throw this.damaged(what, `a repetition level is ${repetition.max()}, above the column's ${maxRepetition}`);
    const present = definition ? definition.count(maxDefinition) : n;
    if (!withValues) return { withValues, repetition, definition, values: new Float64Array(0), present };
    const valuesAt = page.type === PAGE_DATA_V2 ? 0 : at;
    let values: Float32Array | Float64Array;
    if (page.encoding === ENCODING_PLAIN) {
      values = this.plainValues(valueBytes, valuesAt, present, what);
    } else if (page.encoding === ENCODING_RLE_DICTIONARY || page.encoding === ENCODING_PLAIN_DICTIONARY) {
      const dictionary = await this.loadDictionary(state);
      values = this.layout.physical === 'FLOAT' ? new Float32Array(present) : new Float64Array(present);
      if (present) {
        if (valuesAt >= valueBytes.length) throw this.damaged(what, 'it ends before its dictionary indices');
        const indices = new Uint32Array(present);
        try {
          decodeHybrid(valueBytes, valuesAt + 1, valueBytes.length, valueBytes[valuesAt], present, indices);
        } catch (e) {
          if (e instanceof PageDamage) throw this.damaged(what, e.message);
          throw e;
        }
        for (let i = 0; i < present; i++) {
          const k = indices[i];
          if (k >= dictionary.length) throw this.damaged(what, `a dictionary index is ${k}, past the ${dictionary.length}-entry dictionary`);
          values[i] = dictionary[k];
        }
      }
    } else if (page.encoding === ENCODING_BYTE_STREAM_SPLIT) {
      const size = this.layout.physical === 'FLOAT' ? 4 : 8;
      if (valuesAt + present * size > valueBytes.length) throw this.damaged(what, 'its values run past the page');
      const bytes = new Uint8Array(present * size);
      for (let k = 0; k < size; k++) {
        const stream = valuesAt + k * present;
        for (let i = 0; i < present; i++) bytes[i * size + k] = valueBytes[stream + i];
      }
      values = size === 4 ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
    } else {
      throw new EmbdiagError('unsupported-dtype', `${this.label}: column '${this.column}' uses value encoding ${page.encoding}, which this reader does not decode.`,
        'Re-save the file with the default encodings (e.g. df.to_parquet(path)).');
    }
    return { withValues, repetition, definition, values, present };
  }

  /** The data page where row `row` (within the chunk) starts, as far as row starts are known. */
  private locate(state: ChunkState, row: number): number {
    const pages = state.dataPages;
    if (state.exact) {
      // the page holding entry row * dim
      const entry = row * this.dim;
      let lo = 0, hi = pages.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (pages[mid].firstEntry <= entry) lo = mid; else hi = mid - 1;
      }
      return lo;
    }
    // The last page whose row count before it is known and at most `row` (known counts form a
    // prefix, learned as pages are decoded); row `row` starts in it or after it.
    let p = 0;
    for (let i = 0; i < pages.length; i++) {
      const r = state.rowAtStart[i];
      if (r === undefined || r > row) break;
      p = i;
    }
    return p;
  }

  /** Data page p decoded; the last one is kept (successive reads share their boundary page). */
  private async decoded(state: ChunkState, p: number, withValues: boolean): Promise<DecodedPage> {
    if (state.last?.p === p && (state.last.page.withValues || !withValues)) return state.last.page;
    const page = await this.decodePage(state, state.dataPages[p], withValues);
    state.last = { p, page };
    return page;
  }

  /**
   * Rows [from, to) of a chunk into `out` (none: levels only), null lists onto `nulls` (as rows of
   * the file). Throws Ragged at a row that does not hold dim values.
   */
  private async readChunk(state: ChunkState, from: number, to: number, out: Float32Array | Float64Array | undefined, outRowOffset: number,
    nulls: number[]): Promise<void> {
    await this.index(state);
    const dim = this.dim;
    const { maxDefinition, elementDefinition, listDefinition } = this.layout;
    const pages = state.dataPages;
    let p = this.locate(state, from);
    // The row the entries being read belong to, and how many elements it has had so far. The
    // entries a page starts with may continue a row begun earlier (before `from`: skipped).
    let row = (state.rowAtStart[p] ?? 0) - 1;
    let k = state.exact ? pages[p].firstEntry - row * dim : 0;
    let nullList = false;
    const finishRow = () => {
      if (row < from || row >= to) return;
      if (nullList) nulls.push(state.chunk.groupStart + row); // a null list stays NaN
      else if (k !== dim) throw new Ragged();
    };
    for (; p < pages.length; p++) {
      if (state.rowAtStart[p] === undefined) state.rowAtStart[p] = row + 1;
      const page = pages[p];
      const decoded = await this.decoded(state, p, out !== undefined);
      const { values, present } = decoded;
      const n = page.count;
      const e0 = page.firstEntry;
      if (state.exact && present === n) {
        // Every row holds dim entries and this page no nulls: rows start at multiples of dim, and
        // the values map straight onto the output.
        const runs = decoded.repetition;
        if (runs) {
          // a row starts (level 0) exactly at each multiple of dim
          for (let i = 0, e = e0; i < runs.runs; e += runs.lengths[i], i++) {
            const length = runs.lengths[i];
            if (runs.values[i] === 0) {
              if (dim > 1 && (length !== 1 || e % dim !== 0)) throw new Ragged();
            } else if (Math.ceil(e / dim) * dim < e + length) {
              throw new Ragged();
            }
          }
        }
        const lo = Math.max(e0, from * dim);
        const hi = Math.min(e0 + n, to * dim);
        if (out && hi > lo) out.set(values.subarray(lo - e0, hi - e0), (outRowOffset + from) * dim + (lo - from * dim));
        if (e0 + n >= to * dim) return;
        row = Math.floor((e0 + n - 1) / dim);
        k = e0 + n - row * dim;
        nullList = false;
        continue;
      }
      const repetition = decoded.repetition?.expand();
      const definition = decoded.definition?.expand();
      let v = 0;
      for (let i = 0; i < n; i++) {
        const rep = repetition ? repetition[i] : 0;
        const def = definition ? definition[i] : maxDefinition;
        if (rep === 0) {
          finishRow();
          row++;
          if (row >= to) return;
          k = 0;
          nullList = def < listDefinition;
        }
        if (def >= elementDefinition) {
          if (row >= from) {
            if (k >= dim) throw new Ragged();
            if (out && def === maxDefinition) out[(outRowOffset + row) * dim + k] = values[v];
          }
          k++;
        }
        if (def === maxDefinition) v++;
      }
      if (state.rowAtStart[p + 1] === undefined) state.rowAtStart[p + 1] = row + 1;
    }
    // The chunk's end ends the last row.
    finishRow();
  }
}
