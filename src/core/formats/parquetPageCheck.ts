import type { AsyncBuffer, FileMetaData, SchemaTree } from 'hyparquet';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { ENCODING_PLAIN_DICTIONARY, ENCODING_RLE, ENCODING_RLE_DICTIONARY, MAX_PAGE_BYTES, MAX_PAGE_VALUES, PAGE_DATA, PAGE_DATA_V2, PAGE_DICTIONARY } from './parquetPageHeader';
import { readThriftStruct, thriftInt, thriftStruct, ThriftDamage, type ThriftStruct } from './thriftCompact';

export type Hyparquet = typeof import('hyparquet');
export type Compressors = Record<string, (input: Uint8Array, outputLength: number) => Uint8Array>;

// ---- checking pages before hyparquet decodes them -------------------------------------------------

/**
 * hyparquet trusts a page's header and encoded runs: `num_values` sizes its arrays, and a run-length
 * (RLE) run writes as many values as its header says, past the end of its array. Five bytes claiming
 * a run of 2^31 values exhaust the memory and end the process (not an exception). So before a
 * column chunk is decoded, its pages are walked here: header sizes against the chunk, at most
 * MAX_PAGE_VALUES values and MAX_PAGE_BYTES bytes per page, and every RLE run of the levels and
 * dictionary indices (after decompression, as hyparquet will see them) within the page's values.
 */
/**
 * Values per byte of a (decompressed) page, at most: runs let a few bytes stand for millions of
 * values, each decoded one by one. Writers cut pages at ~20,000 rows, so even a constant column
 * stays near 1,000 per byte; small pages may hold MIN_PAGE_VALUES whatever their size.
 */
const MAX_VALUES_PER_PAGE_BYTE = 2048;
const MIN_PAGE_VALUES = 8192;
/** Values of one column chunk (one row group of one column) decoded at once, at most. */
const MAX_CHUNK_VALUES = 1 << 28;

/** Damage in a page; the Thrift reader's own errors are of this class too. */
const PageError = ThriftDamage;
const int = thriftInt;
const struct = thriftStruct;

/**
 * Walks an RLE / bit-packed hybrid stream exactly as hyparquet decodes it (encoding.js): from `at`
 * until `values` values or `end`, the end of the page (hyparquet does not stop at a stream's declared
 * length), with its 32-bit arithmetic (varints OR'ed with `<<`, bit-packed counts `header >> 1 << 3`),
 * so that the same runs are seen. Fails on an RLE run longer than the values that remain: hyparquet
 * writes all of them. Where hyparquet would read past the page (and fail by itself), the walk stops.
 */
function checkHybrid(b: Uint8Array, at: number, end: number, width: number, values: number, what: string): void {
  const runBytes = (width + 7) >> 3;
  let seen = 0;
  while (seen < values) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end) return;
      const x = b[at++];
      header |= (x & 0x7f) << shift;
      if (!(x & 0x80)) break;
    }
    if (header & 1) {
      const count = header >> 1 << 3;
      // hyparquet reads one byte, then more as bits run out; a negative count reads until it fails.
      if (count < 0) return;
      at += Math.max(1, Math.ceil((count * width) / 8));
      if (at > end) return;
      seen = Math.min(values, seen + count);
    } else {
      const run = header >>> 1;
      if (run > values - seen) throw new PageError(`its ${what} hold a run of ${run} values where only ${values - seen} remain`);
      at += runBytes;
      if (at > end) return;
      seen += run;
    }
  }
}

const bitWidth = (max: number): number => (max ? 32 - Math.clz32(max) : 0);

/** Bytes read first for a page header (more when it holds long statistics). */
const HEADER_PROBE = 256;

type ChunkMeta = NonNullable<FileMetaData['row_groups'][number]['columns'][number]['meta_data']>;

/** One page of a column chunk, from its header: where it lies, what it holds, and whether its body was checked. */
interface Page {
  /** Offset in the file of its header, and of its body. */
  at: number;
  bodyAt: number;
  compressed: number;
  uncompressed: number;
  type: number | undefined;
  /** Its header, until its body is checked (then dropped: a file's layouts stay small). */
  header?: ThriftStruct;
  /** Values of a data page (rows, in a column of one value per row), and its first row in the row group. */
  count: number;
  firstRow: number;
  checked: boolean;
}

/** The pages of a column chunk (headers only); `flat`: one value per row, so a page's values are its rows. */
interface ChunkLayout { pages: Page[]; flat: boolean; all: boolean; locations?: PageLocation[] }

/** hyparquet's PageLocation (its offset index entry): a data page, header included. */
export interface PageLocation { offset: bigint; compressed_page_size: number; first_row_index: bigint }

/**
 * Checks the pages a read decodes (each once). A read of some rows of a column of one value per
 * row checks only the pages holding them (their headers walked with small reads, their bodies read
 * alone), and hands their locations to hyparquet, which then reads only those pages: a row group of
 * a million texts is not read whole for a few rows. Any other read checks the whole chunk.
 */
export class PageChecker {
  private readonly layouts = new Map<string, ChunkLayout>();

  constructor(private readonly hp: Hyparquet, private readonly source: ByteSource, private readonly metadata: FileMetaData,
    private readonly tree: SchemaTree, private readonly compressors: Compressors,
    private readonly label: string) {}

  async check(columns: string[], rowStart: number, rowEnd: number): Promise<void> {
    let start = 0;
    for (let g = 0; g < this.metadata.row_groups.length; g++) {
      const group = this.metadata.row_groups[g];
      const rows = Number(group.num_rows);
      const groupStart = start;
      const overlaps = start < rowEnd && start + rows > rowStart;
      start += rows;
      if (!overlaps) continue;
      const select: [number, number] = [Math.max(0, rowStart - groupStart), Math.min(rows, rowEnd - groupStart)];
      for (const chunk of group.columns) {
        const meta = chunk.meta_data;
        if (!meta || !columns.includes(meta.path_in_schema[0])) continue;
        const key = `${g}/${meta.path_in_schema.join('.')}`;
        if (this.layouts.get(key)?.all) continue;
        try {
          await this.checkChunk(key, meta, rows, select[0] > 0 || select[1] < rows ? select : undefined);
        } catch (e) {
          if (!(e instanceof PageError)) throw e;
          const leaf = meta.path_in_schema.length > 1 ? ` (${meta.path_in_schema.join('.')})` : '';
          throw new EmbdiagError('bad-header', `${this.label}: column '${meta.path_in_schema[0]}'${leaf} of row group ${g} has a damaged page: ${e.message}.`,
            'The file is damaged, or was written by a tool this reader cannot follow; re-save it (e.g. with pyarrow).');
        }
      }
    }
  }

  /**
   * The first rows (in the file) of the data pages of `column` in row group g, its page headers
   * walked (and the first page checked) if not yet; undefined unless the column holds one value per row.
   */
  async pageStarts(column: string, g: number): Promise<number[] | undefined> {
    let start = 0;
    for (let k = 0; k < g; k++) start += Number(this.metadata.row_groups[k].num_rows);
    const key = `${g}/${column}`;
    if (!this.layouts.has(key)) await this.check([column], start, start + 1);
    const layout = this.layouts.get(key);
    if (!layout?.flat) return undefined;
    return layout.pages.filter(p => p.type === PAGE_DATA || p.type === PAGE_DATA_V2).map(p => start + p.firstRow);
  }

  /**
   * The data pages of the chunks of one-value-per-row columns walked so far, of the row groups
   * holding rows [rowStart, rowEnd), as hyparquet takes them (parquetRead's pageLocationsByGroup):
   * it reads only the pages a narrowed read needs. Undefined when there are none.
   */
  pageLocations(columns: string[], rowStart: number, rowEnd: number): Record<string, PageLocation[]>[] | undefined {
    let start = 0;
    let any = false;
    const out = this.metadata.row_groups.map((group, g) => {
      const rows = Number(group.num_rows);
      const overlaps = start < rowEnd && start + rows > rowStart;
      start += rows;
      const locations: Record<string, PageLocation[]> = {};
      if (!overlaps) return locations;
      for (const chunk of group.columns) {
        const path = chunk.meta_data?.path_in_schema;
        if (!path || !columns.includes(path[0])) continue;
        const layout = this.layouts.get(`${g}/${path.join('.')}`);
        if (!layout?.flat) continue;
        layout.locations ??= layout.pages.filter(p => p.type === PAGE_DATA || p.type === PAGE_DATA_V2)
          .map(p => ({ offset: BigInt(p.at), compressed_page_size: p.bodyAt + p.compressed - p.at, first_row_index: BigInt(p.firstRow) }));
        locations[path.join('.')] = layout.locations;
        any = true;
      }
      return locations;
    });
    return any ? out : undefined;
  }

  private levels(path: string[]): { maxDefinition: number; maxRepetition: number; depth: number } {
    let node: SchemaTree | undefined = this.tree;
    let maxDefinition = 0;
    let maxRepetition = 0;
    for (const name of path) {
      node = node.children.find((c: SchemaTree) => c.element.name === name);
      if (!node) throw new PageError(`its path ${path.join('.')} is not in the schema`);
      if (node.element.repetition_type !== 'REQUIRED') maxDefinition++;
      if (node.element.repetition_type === 'REPEATED') maxRepetition++;
    }
    return { maxDefinition, maxRepetition, depth: path.length };
  }

  private decompress(codec: string, input: Uint8Array, size: number): Uint8Array {
    if (codec === 'UNCOMPRESSED') return input;
    try {
      if (codec === 'SNAPPY') {
        const out = new Uint8Array(size);
        this.hp.snappyUncompress(input, out);
        return out;
      }
      const decompress = this.compressors[codec];
      if (!decompress) throw new PageError(`it is compressed with ${codec}, which this reader does not have`);
      return decompress(input, size);
    } catch (e) {
      if (e instanceof PageError) throw e;
      throw new PageError(`its ${codec} data does not decompress${failureDetail(e)}`);
    }
  }

  private async checkChunk(key: string, meta: ChunkMeta, rows: number, select?: [number, number]): Promise<void> {
    const first = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const length = Number(meta.total_compressed_size);
    const chunkValues = Number(meta.num_values);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(length) || first < 0 || length < 0 || first + length > this.source.size) {
      throw new PageError(`its bytes ${first}..${first + length} lie outside the ${this.source.size}-byte file`);
    }
    const levels = this.levels(meta.path_in_schema);
    if (!Number.isSafeInteger(chunkValues) || chunkValues < 0 || (levels.maxRepetition === 0 && chunkValues !== rows)) {
      throw new PageError(`it declares ${meta.num_values} values for ${rows} rows`);
    }
    if (chunkValues > MAX_CHUNK_VALUES) {
      // hyparquet decodes a list column's whole chunk at once, even for one row.
      throw new EmbdiagError('too-large', `${this.label}: column '${meta.path_in_schema[0]}' holds ${chunkValues} values in one row group, more than the ${MAX_CHUNK_VALUES} this reader decodes at once.`,
        'Rewrite the file with smaller row groups (e.g. pyarrow.parquet.write_table(table, path, row_group_size=10000)).');
    }
    const end = first + length;
    // some rows of a column of one value per row: only their pages; otherwise the whole chunk, read at once
    const narrow = select && levels.maxRepetition === 0 && levels.depth === 1;
    let readAt: (offset: number, n: number) => Promise<Uint8Array>;
    if (narrow) {
      readAt = (offset, n) => this.source.read(offset, Math.min(n, end - offset));
    } else {
      const bytes = await this.source.read(first, length);
      readAt = async (offset, n) => bytes.subarray(offset - first, Math.min(offset - first + n, length));
    }
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = { pages: await this.walk(meta, first, end, chunkValues, readAt), flat: levels.maxRepetition === 0 && levels.depth === 1, all: false };
      this.layouts.set(key, layout);
    }
    for (const page of layout.pages) {
      if (page.checked) continue;
      const data = page.type === PAGE_DATA || page.type === PAGE_DATA_V2;
      // a narrowed read decodes the dictionary and the pages holding its rows
      if (narrow && data && !(page.firstRow < select![1] && page.firstRow + page.count > select![0])) continue;
      if (data) this.checkBody(meta, levels, page, await readAt(page.bodyAt, page.compressed));
      page.checked = true;
      page.header = undefined;
    }
    layout.all = layout.pages.every(p => p.checked);
  }

  /** The chunk's pages from their headers, each checked against the chunk (sizes, value counts). */
  private async walk(meta: ChunkMeta, first: number, end: number, chunkValues: number, readAt: (offset: number, n: number) => Promise<Uint8Array>): Promise<Page[]> {
    const pages: Page[] = [];
    let values = 0;
    // To the end of the declared bytes, as hyparquet reads list columns (whatever the value count says).
    for (let at = first; at < end - 1;) {
      let header: ThriftStruct | undefined;
      let headerBytes = 0;
      for (let probe = HEADER_PROBE; !header; probe *= 4) {
        const bytes = await readAt(at, probe);
        const pos = { at: 0 };
        try {
          header = readThriftStruct(bytes, pos);
          headerBytes = pos.at;
        } catch (e) {
          // a header longer than the probe: read more, up to the end of the chunk
          if (!(e instanceof ThriftDamage && e.overrun && bytes.length < end - at && probe < MAX_PAGE_BYTES)) throw e;
        }
      }
      const type = int(header, 1);
      const uncompressed = int(header, 2) ?? -1;
      const compressed = int(header, 3) ?? -1;
      const bodyAt = at + headerBytes;
      if (compressed < 0 || bodyAt + compressed > end) throw new PageError(`the page at byte ${at} declares ${compressed} bytes, past the end of the column chunk`);
      if (uncompressed < 0 || uncompressed > MAX_PAGE_BYTES) throw new PageError(`the page at byte ${at} declares ${uncompressed} uncompressed bytes`);
      const v1 = struct(header, 5);
      const v2 = struct(header, 8);
      const dictionary = struct(header, 7);
      const count = int(type === PAGE_DATA ? v1 : type === PAGE_DATA_V2 ? v2 : type === PAGE_DICTIONARY ? dictionary : undefined, 1) ?? 0;
      if (count < 0 || count > MAX_PAGE_VALUES) throw new PageError(`the page at byte ${at} declares ${count} values (at most ${MAX_PAGE_VALUES} are read per page)`);
      const data = type === PAGE_DATA || type === PAGE_DATA_V2;
      pages.push({ at, bodyAt, compressed, uncompressed, type, header, count: data ? count : 0, firstRow: values, checked: false });
      if (data) {
        values += count;
        if (values > chunkValues) throw new PageError(`its pages hold more values than the ${chunkValues} it declares`);
      }
      at = bodyAt + compressed;
    }
    return pages;
  }

  /** A data page's levels and values, after decompression, as hyparquet will see them. */
  private checkBody(meta: ChunkMeta, levels: { maxDefinition: number; maxRepetition: number; depth: number }, page: Page, body: Uint8Array): void {
    const { maxDefinition, maxRepetition, depth } = levels;
    const { type, count, uncompressed } = page;
    const header = page.header!;
    const v1 = struct(header, 5);
    const v2 = struct(header, 8);
    const encoding = int(type === PAGE_DATA ? v1 : v2, type === PAGE_DATA ? 2 : 4);
    const what = `page at byte ${page.at}`;
    const dense = (bytes: number) => {
      if (count > Math.max(MIN_PAGE_VALUES, MAX_VALUES_PER_PAGE_BYTE * bytes)) {
        throw new PageError(`the ${what} declares ${count} values in ${bytes} bytes`);
      }
    };
    if (type === PAGE_DATA) {
      const decompressed = this.decompress(meta.codec, body, uncompressed);
      dense(decompressed.length);
      const view = new DataView(decompressed.buffer, decompressed.byteOffset, decompressed.byteLength);
      let at = 0;
      for (const [max, name] of [[depth > 1 ? maxRepetition : 0, 'repetition levels'], [maxDefinition, 'definition levels']] as const) {
        if (!max) continue;
        if (at + 4 > decompressed.length) throw new PageError(`the ${what} ends inside its ${name}`);
        const n = view.getUint32(at, true);
        // hyparquet decodes until it has `count` levels, whatever the stream's length says: so does the check.
        checkHybrid(decompressed, at + 4, decompressed.length, bitWidth(max), count, `${name} (${what})`);
        at += 4 + n;
      }
      this.checkValues(decompressed, at, encoding, meta.type === 'BOOLEAN', count, what);
    } else {
      const repLength = int(v2, 6) ?? 0;
      const defLength = int(v2, 5) ?? 0;
      if (repLength < 0 || defLength < 0 || repLength + defLength > body.length) throw new PageError(`the ${what} declares levels longer than the page`);
      if (depth > 1 && maxRepetition) checkHybrid(body, 0, body.length, bitWidth(maxRepetition), count, `repetition levels (${what})`);
      if (maxDefinition) checkHybrid(body, repLength, body.length, bitWidth(maxDefinition), count, `definition levels (${what})`);
      const rest = body.subarray(repLength + defLength);
      const values = v2?.get(7) === false ? rest : this.decompress(meta.codec, rest, Math.max(0, uncompressed - repLength - defLength));
      dense(repLength + defLength + values.length);
      this.checkValues(values, 0, encoding, meta.type === 'BOOLEAN', count, what);
    }
  }

  /** The values' own hybrid streams: booleans in RLE, dictionary indices. */
  private checkValues(page: Uint8Array, at: number, encoding: number | undefined, boolean: boolean, count: number, what: string): void {
    if (encoding === ENCODING_RLE && boolean) {
      if (at + 4 > page.length) return;
      checkHybrid(page, at + 4, page.length, 1, count, `boolean values (${what})`);
    } else if (encoding === ENCODING_RLE_DICTIONARY || encoding === ENCODING_PLAIN_DICTIONARY || encoding === ENCODING_RLE) {
      if (at >= page.length) return;
      const width = page[at];
      if (width) checkHybrid(page, at + 1, page.length, width, count, `dictionary indices (${what})`);
    }
  }
}

/** The page checker of each opened file (readColumns finds it by the file's metadata). */
export const pageCheckers = new WeakMap<FileMetaData, PageChecker>();

/**
 * hyparquet's parquetRead for rows [rowStart, rowEnd) of some columns; failures become EmbdiagErrors.
 * `textAsBytes`: UTF8 values are given as their bytes (Uint8Array), not decoded.
 */
export async function readColumns(hp: Hyparquet, file: AsyncBuffer, metadata: FileMetaData, compressors: object, label: string,
  columns: string[], rowStart: number, rowEnd: number, sink: (column: string, data: ArrayLike<unknown>, firstRow: number) => void,
  { textAsBytes = false } = {}): Promise<void> {
  // hyparquet calls onChunk from a promise callback it does not await: keep the sink's failure for afterwards.
  let failure: unknown;
  const checker = pageCheckers.get(metadata);
  await checker?.check(columns, rowStart, rowEnd);
  // the pages walked by the check: hyparquet reads only those holding the rows (it takes them as an offset index)
  const pageLocationsByGroup = checker?.pageLocations(columns, rowStart, rowEnd);
  try {
    await hp.parquetRead({
      file, metadata, columns, rowStart, rowEnd, compressors, utf8: false, ...(pageLocationsByGroup ? { pageLocationsByGroup } : {}),
      // a UTF8 column's values as their bytes (hyparquet decodes them otherwise), for a reader that keeps them packed
      ...(textAsBytes ? { parsers: { stringFromBytes: (bytes: Uint8Array) => bytes as never } } : {}),
      onChunk: chunk => {
        if (failure) return;
        try { sink(chunk.columnName, chunk.columnData as ArrayLike<unknown>, chunk.rowStart); } catch (e) { failure = e; }
      },
    });
    if (failure) throw failure;
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw new EmbdiagError('bad-header', `${label}: cannot decode rows ${rowStart}..${rowEnd} of ${columns.length === 1 ? `column '${columns[0]}'` : `${columns.length} columns`}: its data does not follow its footer${failureDetail(e)}.`,
      'The file is damaged, or uses an encoding this reader does not support; re-save it (e.g. with pyarrow).');
  }
}
/**
 * What a library's deliberate failure says (hyparquet's "parquet ..." errors, zlib's), in
 * parentheses; nothing for JavaScript's own exceptions (TypeError, RangeError: the library tripped
 * over data it did not check), whose text says nothing about the file.
 */
export function failureDetail(e: unknown): string {
  if (!(e instanceof Error) || Object.getPrototypeOf(e) !== Error.prototype) return '';
  const text = e.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  return text ? ` (${text})` : '';
}
