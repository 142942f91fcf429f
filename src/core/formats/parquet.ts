import * as zlib from 'node:zlib';
import type { AsyncBuffer, FileMetaData, SchemaElement, SchemaTree } from 'hyparquet';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix } from './dumpFile';
import type { DTypeName } from './dtype';
import { checkRowRange, findArray } from './npy';
import { ParquetListPages, snappyUncompress, type Decompress, type ListChunk, type ListLayout } from './parquetPages';
import { readThriftStruct, ThriftDamage, type ThriftStruct } from './thriftCompact';

/**
 * Parquet files (pandas / pyarrow / Hugging Face datasets), decoded by hyparquet. Embeddings are
 * either a list (or fixed-size list) column of numbers, one list per row, or one numeric column
 * per dimension ('dim_0', 'dim_1', ... grouped by their common prefix into the array 'dim_*').
 * A list column of FLOAT or DOUBLE values is read page by page (parquetPages.ts), so memory stays
 * bounded whatever the row-group size (pandas writes up to 1,048,576 rows in one). Other columns
 * are decoded by hyparquet one row group at a time (only the chosen columns), so memory is bounded
 * by a row group's share of those columns.
 */

type Hyparquet = typeof import('hyparquet');

/** Far beyond any embedding: a list length past this comes from damaged metadata. */
const MAX_DIM = 1 << 24;
/** Footers beyond this are not plausible (hyparquet reads the footer whole). */
const MAX_FOOTER_BYTES = 64 << 20;
/** A decoded row group (as float64) is kept for the following reads when it is at most this large. */
const MAX_CACHED_GROUP_BYTES = 256 << 20;

export function hasParquetMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}

let modules: Promise<{ hp: Hyparquet; compressors: Record<string, (input: Uint8Array, outputLength: number) => Uint8Array> }> | undefined;

/** hyparquet and the decompressors, loaded on first use. */
function loadModules() {
  modules ??= (async () => {
    const hp = await import('hyparquet');
    const extra = await import('hyparquet-compressors');
    const compressors = {
      // Node's own zlib, capped at the size the page header declares.
      GZIP: (input: Uint8Array, length: number) => new Uint8Array(zlib.gunzipSync(input, { maxOutputLength: Math.max(1, length) })),
      BROTLI: (input: Uint8Array, length: number) => new Uint8Array(zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(1, length) })),
      ZSTD: (input: Uint8Array, length: number) => extra.decompressZstd(input, new Uint8Array(length)),
      // An empty page (a dictionary page of an all-null column chunk) is the one-byte block 0x00, which
      // hyparquet-compressors' LZ4 decoders refuse ('lz4 offset out of range 0'): it decodes to nothing.
      LZ4: (input: Uint8Array, length: number) => (length === 0 ? new Uint8Array(0) : extra.decompressLz4(input, length)),
      LZ4_RAW: (input: Uint8Array, length: number) => (length === 0 ? new Uint8Array(0) : extra.decompressLz4Raw(input, length)),
      // SNAPPY: hyparquet's own decoder.
    };
    return { hp, compressors };
  })();
  return modules;
}

function asyncBuffer(source: ByteSource): AsyncBuffer {
  const read = async (start: number, end?: number): Promise<ArrayBuffer> => {
    // The offsets come from the file's metadata (column chunk and page offsets): a damaged file gives any number.
    if (!Number.isSafeInteger(start) || start < 0 || start > source.size || (end !== undefined && !(Number.isSafeInteger(end) && end >= start))) {
      throw new EmbdiagError('bad-header', `${source.name}: its Parquet metadata points at bytes ${start}..${end ?? source.size}, outside the ${source.size}-byte file.`,
        'The file is damaged or truncated; re-save it (e.g. df.to_parquet(path)) or re-copy it.');
    }
    const stop = Math.min(end ?? source.size, source.size);
    const bytes = await source.read(start, Math.max(0, stop - start));
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer as ArrayBuffer
      : bytes.slice().buffer;
  };
  return {
    byteLength: source.size,
    slice(start: number, end?: number): Promise<ArrayBuffer> {
      const promise = read(start, end);
      // hyparquet prefetches ranges and stops awaiting them after the first failure: a rejection it
      // never awaits must not surface as an unhandled rejection (fatal in the CLI). Awaiting callers still see it.
      promise.catch(() => undefined);
      return promise;
    },
  };
}

// ---- schema -----------------------------------------------------------------------------

type Leaf = { ok: true; dtype: DTypeName } | { ok: false; name: string; reason: string };

/** The element type of a primitive column, as we decode it. */
function leafType(el: SchemaElement): Leaf {
  const logical = el.logical_type;
  const converted = el.converted_type;
  const notNumber = (name: string, what: string): Leaf => ({ ok: false, name, reason: `it holds ${what}, not numbers` });
  if (logical?.type === 'STRING' || converted === 'UTF8') return notNumber('str', 'strings');
  if (logical && ['DATE', 'TIME', 'TIMESTAMP', 'DECIMAL', 'INTERVAL', 'UUID', 'JSON', 'BSON', 'STRING', 'ENUM'].includes(logical.type)) {
    return notNumber(logical.type.toLowerCase(), `${logical.type.toLowerCase()} values`);
  }
  if (converted && /^(DATE|TIME|TIMESTAMP|DECIMAL|INTERVAL|UTF8|JSON|BSON|ENUM)/.test(converted)) return notNumber(converted.toLowerCase(), `${converted.toLowerCase()} values`);
  switch (el.type) {
    case 'FLOAT': return { ok: true, dtype: 'float32' };
    case 'DOUBLE': return { ok: true, dtype: 'float64' };
    case 'BOOLEAN': return { ok: true, dtype: 'bool' };
    case 'INT32': {
      if (logical?.type === 'INTEGER') {
        const { bitWidth, isSigned } = logical as { bitWidth: number; isSigned: boolean };
        return { ok: true, dtype: `${isSigned ? 'int' : 'uint'}${bitWidth}` as DTypeName };
      }
      const map: Record<string, DTypeName> = { INT_8: 'int8', INT_16: 'int16', UINT_8: 'uint8', UINT_16: 'uint16', UINT_32: 'uint32' };
      return { ok: true, dtype: (converted && map[converted]) || 'int32' };
    }
    case 'INT64':
      return { ok: true, dtype: converted === 'UINT_64' || (logical?.type === 'INTEGER' && !(logical as { isSigned: boolean }).isSigned) ? 'uint64' : 'int64' };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical?.type === 'FLOAT16') return { ok: true, dtype: 'float16' };
      return notNumber('bytes', 'fixed-length byte strings');
    case 'BYTE_ARRAY': return notNumber('str', 'strings or bytes');
    case 'INT96': return notNumber('int96', 'INT96 timestamps');
    default: return notNumber(String(el.type), `values of type ${el.type}`);
  }
}

function isList(el: SchemaElement): boolean {
  return el.converted_type === 'LIST' || el.logical_type?.type === 'LIST';
}

/** What a top-level column is: one number per row, a list of numbers per row, or something else. */
type ColumnKind =
  | { kind: 'scalar'; leaf: Leaf }
  | { kind: 'list'; leaf: Leaf; leafPath: string[] }
  | { kind: 'other'; name: string; reason: string };

function classify(node: SchemaTree): ColumnKind {
  const el = node.element;
  if (node.children.length === 0) {
    if (el.repetition_type === 'REPEATED') return { kind: 'list', leaf: leafType(el), leafPath: node.path };
    return { kind: 'scalar', leaf: leafType(el) };
  }
  // LIST-annotated group (or any group with a single repeated field): <name> { repeated group list { element } } or 2-level <name> { repeated element }.
  const repeated = node.children.length === 1 && node.children[0].element.repetition_type === 'REPEATED' ? node.children[0] : undefined;
  if ((isList(el) || repeated) && repeated) {
    if (repeated.children.length === 0) return { kind: 'list', leaf: leafType(repeated.element), leafPath: repeated.path };
    if (repeated.children.length === 1 && repeated.children[0].children.length === 0) {
      return { kind: 'list', leaf: leafType(repeated.children[0].element), leafPath: repeated.children[0].path };
    }
    return { kind: 'other', name: 'list', reason: 'its lists hold structs or nested lists, not numbers' };
  }
  if (el.converted_type === 'MAP' || el.logical_type?.type === 'MAP') return { kind: 'other', name: 'map', reason: 'it is a map column' };
  return { kind: 'other', name: 'struct', reason: 'it is a struct column' };
}

interface ArraySpec {
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

function widest(types: DTypeName[]): DTypeName {
  return types.every(t => t === types[0]) ? types[0] : 'float64';
}

/** Row counts of the row groups, and their starts. */
function rowGroups(metadata: FileMetaData): { start: number; rows: number }[] {
  let start = 0;
  return metadata.row_groups.map(g => {
    const rows = Number(g.num_rows);
    const out = { start, rows };
    start += rows;
    return out;
  });
}

// ---- opening ------------------------------------------------------------------------------

export async function openParquet(source: ByteSource): Promise<DumpFile> {
  const label = source.name;
  const bad = (problem: string) => new EmbdiagError('bad-header', `${label}: ${problem}.`,
    'The file is damaged or truncated, or not a Parquet file; re-save it (e.g. df.to_parquet(path)) or re-copy it.');
  if (source.size < 12) throw bad(`only ${source.size} bytes, too short for a Parquet file`);
  const tail = await source.read(source.size - 8, 8);
  if (String.fromCharCode(...tail.subarray(4)) !== 'PAR1') throw bad('does not end with the Parquet magic bytes PAR1 (the footer is missing: probably cut short)');
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (footerLength > source.size - 12) throw bad(`declares a ${footerLength}-byte footer, longer than the file`);
  if (footerLength > MAX_FOOTER_BYTES) {
    throw new EmbdiagError('too-large', `${label}: its Parquet footer is ${footerLength} bytes, more than the ${MAX_FOOTER_BYTES} this tool reads.`, 'Rewrite the file with fewer row groups or columns.');
  }
  try {
    checkFooterSchema(await source.read(source.size - 8 - footerLength, footerLength));
  } catch (e) {
    if (e instanceof PageError) throw bad(`has a damaged footer (${e.message})`);
    throw e;
  }
  const { hp, compressors } = await loadModules();
  const file = asyncBuffer(source);
  let metadata: FileMetaData;
  try {
    metadata = await hp.parquetMetadataAsync(file);
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw bad(`has an unreadable footer (${(e as Error).message})`);
  }
  const totalRows = Number(metadata.num_rows);
  const groups = rowGroups(metadata);
  if (!groups.every(g => Number.isSafeInteger(g.rows) && g.rows >= 0)) throw bad('has a row group with an invalid row count');
  const groupRows = groups.reduce((n, g) => n + g.rows, 0);
  if (!Number.isSafeInteger(totalRows) || totalRows !== groupRows) {
    throw bad(`declares ${metadata.num_rows} rows, but its row groups hold ${groupRows}`);
  }
  let tree: SchemaTree;
  try {
    // hyparquet builds the tree from the schema list's child counts, trusting them.
    tree = hp.parquetSchema(metadata);
  } catch (e) {
    throw bad(`has an unreadable schema (${(e as Error).message})`);
  }
  pageCheckers.set(metadata, new PageChecker(hp, source, metadata, tree, compressors, label));

  // Every top-level column; numeric scalar columns named <prefix><number> are grouped into '<prefix>*'.
  const specs: ArraySpec[] = [];
  const dimGroups = new Map<string, { spec: ArraySpec; members: { index: number; name: string; dtype: DTypeName }[] }>();
  const scalars: { node: SchemaTree; leaf: Leaf }[] = [];
  // hyparquet selects columns by name: a column without a name, or with an earlier column's, cannot be
  // told apart. It is listed, under a name of its own, as not analysable.
  const seen = new Map<string, number>();
  const naming = new Map<SchemaTree, { name: string; problem?: string }>();
  tree.children.forEach((node, i) => {
    const raw = node.element.name;
    if (typeof raw !== 'string') { naming.set(node, { name: `(unnamed column ${i})`, problem: 'it has no name in the schema' }); return; }
    const k = seen.get(raw) ?? 0;
    seen.set(raw, k + 1);
    naming.set(node, k ? { name: `${raw}#${k + 1}`, problem: `an earlier column is also named '${raw}'` } : { name: raw });
  });
  for (const node of tree.children) {
    if (naming.get(node)!.problem) continue;
    const kind = classify(node);
    if (kind.kind === 'scalar') scalars.push({ node, leaf: kind.leaf });
  }
  const prefixCounts = new Map<string, number>();
  for (const { node, leaf } of scalars) {
    const m = /^(.*?)(\d+)$/.exec(node.element.name);
    if (m && leaf.ok) prefixCounts.set(m[1], (prefixCounts.get(m[1]) ?? 0) + 1);
  }
  for (const node of tree.children) {
    const { name, problem } = naming.get(node)!;
    if (problem) {
      specs.push({ info: { name, dtype: 'unknown', shape: [totalRows], analysable: false, reason: problem }, columns: [name], list: false });
      continue;
    }
    const kind = classify(node);
    if (kind.kind === 'scalar') {
      const m = /^(.*?)(\d+)$/.exec(name);
      if (m && kind.leaf.ok && (prefixCounts.get(m[1]) ?? 0) >= 2) {
        let group = dimGroups.get(m[1]);
        if (!group) {
          const spec: ArraySpec = { info: { name: `${m[1]}*`, dtype: '', shape: [], analysable: true }, columns: [], list: false };
          group = { spec, members: [] };
          dimGroups.set(m[1], group);
          specs.push(spec);
        }
        group.members.push({ index: Number(m[2]), name, dtype: kind.leaf.dtype });
        continue;
      }
      specs.push({
        info: { name, dtype: kind.leaf.ok ? kind.leaf.dtype : kind.leaf.name, shape: [totalRows], analysable: false,
          reason: kind.leaf.ok ? 'it holds one number per row; embeddings are a list column or one column per dimension' : kind.leaf.reason },
        columns: [name], list: false, ...(kind.leaf.ok ? { scalar: kind.leaf.dtype } : {}),
      });
    } else if (kind.kind === 'list') {
      if (!kind.leaf.ok) {
        specs.push({ info: { name, dtype: kind.leaf.name, shape: [totalRows], analysable: false, reason: kind.leaf.reason }, columns: [name], list: true });
        continue;
      }
      const pages = pagedList(tree, metadata, groups, kind.leafPath);
      const dim = await listDimension(hp, file, metadata, compressors, node, kind.leafPath, groups, label,
        pages && new ParquetListPages(source, label, name, 0, pages.layout, pages.chunks, decompressor(compressors, label)));
      specs.push({
        info: dim.dim !== undefined
          ? { name, dtype: kind.leaf.dtype, shape: [totalRows, dim.dim], analysable: dim.dim > 0, ...(dim.dim > 0 ? {} : { reason: 'its lists are empty' }) }
          : { name, dtype: kind.leaf.dtype, shape: [totalRows], analysable: false, reason: dim.reason },
        columns: [name], list: true, dtype: kind.leaf.dtype, pages,
      });
    } else {
      specs.push({ info: { name, dtype: kind.name, shape: [totalRows], analysable: false, reason: kind.reason }, columns: [name], list: false });
    }
  }
  for (const { spec, members } of dimGroups.values()) {
    members.sort((a, b) => a.index - b.index);
    spec.columns = members.map(m => m.name);
    spec.dtype = widest(members.map(m => m.dtype));
    spec.info.dtype = spec.dtype;
    spec.info.shape = [totalRows, members.length];
  }
  const arrays = specs.map(s => s.info);
  const notes = [`Parquet file: ${totalRows} rows in ${groups.length} row group${groups.length === 1 ? '' : 's'}${metadata.created_by ? `, written by ${metadata.created_by}` : ''}.`];
  for (const { spec, members } of dimGroups.values()) {
    notes.push(`'${spec.info.name}' gathers ${members.length} numeric columns (${members[0].name} … ${members[members.length - 1].name}) into one ${members.length}-dimensional array.`);
  }
  return {
    format: 'parquet',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!info.analysable || !spec.dtype) {
        // Numbers in the wrong arrangement are a shape problem; strings, structs, dates a type problem.
        const numeric = /^(float|int|uint|bool|bfloat)/.test(info.dtype);
        throw new EmbdiagError(numeric ? 'bad-shape' : 'unsupported-dtype',
          `${label}: column '${info.name}' cannot be analysed: ${info.reason}.`, 'Pick a list column of numbers, or store the embeddings as one.');
      }
      const pages = spec.pages && new ParquetListPages(source, label, spec.info.name, spec.info.shape[1], spec.pages.layout, spec.pages.chunks, decompressor(compressors, label));
      return new ParquetMatrix(hp, file, metadata, compressors, label, spec, groups, pages);
    },
    async openColumn(requested: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!spec.scalar) return (this as DumpFile).open(requested);
      const column: ArraySpec = { info: { name: info.name, dtype: spec.scalar, shape: [totalRows, 1], analysable: true }, columns: [info.name], list: false, dtype: spec.scalar };
      return new ParquetMatrix(hp, file, metadata, compressors, label, column, groups, undefined);
    },
  };
}

/**
 * The common length of a list column's lists. From the metadata when every row group holds
 * rows x dim values; otherwise from the first non-null row (decoding one row group).
 */
async function listDimension(hp: Hyparquet, file: AsyncBuffer, metadata: FileMetaData, compressors: object, node: SchemaTree,
  leafPath: string[], groups: { start: number; rows: number }[], label: string, pages?: ParquetListPages): Promise<{ dim?: number; reason: string }> {
  const leafKey = leafPath.join('.');
  let dim: number | undefined;
  let consistent = true;
  metadata.row_groups.forEach((g, i) => {
    if (!groups[i].rows) return;
    const chunk = g.columns.find(c => c.meta_data?.path_in_schema.join('.') === leafKey);
    const values = chunk?.meta_data ? Number(chunk.meta_data.num_values) : NaN;
    const d = values / groups[i].rows;
    if (!Number.isSafeInteger(d) || d < 0 || d > MAX_DIM || (dim !== undefined && d !== dim)) consistent = false;
    else dim = d;
  });
  if (consistent && dim !== undefined) return { dim, reason: '' };
  if (pages) {
    // page by page: never a whole row group
    const found = await pages.firstListLength();
    return found !== undefined ? { dim: found, reason: '' } : { reason: 'its row groups hold only null lists' };
  }
  // Nulls (or ragged lists): look at actual rows, one row group at a time, at most three groups.
  for (const g of groups.filter(x => x.rows).slice(0, 3)) {
    let found: number | undefined;
    await readColumns(hp, file, metadata, compressors, label, [node.element.name], g.start, g.start + g.rows, (_, rows) => {
      for (const row of rows as ArrayLike<unknown>[]) {
        if (found === undefined && row && typeof row === 'object' && typeof (row as ArrayLike<unknown>).length === 'number') found = (row as ArrayLike<unknown>).length;
      }
    });
    if (found !== undefined) return { dim: found, reason: '' };
  }
  return { reason: 'its first row groups hold only null lists' };
}

/**
 * The layout of a list column of FLOAT or DOUBLE values, for reading it page by page; undefined
 * for anything else (hyparquet reads those).
 */
function pagedList(tree: SchemaTree, metadata: FileMetaData, groups: { start: number; rows: number }[], leafPath: string[]): { layout: ListLayout; chunks: ListChunk[] } | undefined {
  const nodes: SchemaTree[] = [];
  let node: SchemaTree | undefined = tree;
  for (const name of leafPath) {
    node = node.children.find((c: SchemaTree) => c.element.name === name);
    if (!node) return undefined;
    nodes.push(node);
  }
  const leaf = nodes[nodes.length - 1].element;
  if (leaf.type !== 'FLOAT' && leaf.type !== 'DOUBLE') return undefined;
  let maxDefinition = 0;
  let maxRepetition = 0;
  let elementDefinition = -1;
  for (const n of nodes) {
    if (n.element.repetition_type !== 'REQUIRED') maxDefinition++;
    if (n.element.repetition_type === 'REPEATED') {
      maxRepetition++;
      elementDefinition = maxDefinition;
    }
  }
  if (maxRepetition !== 1 || elementDefinition < 1) return undefined;
  // The list itself is null below the top node's level (when that node is optional and not the repeated one).
  const top = nodes[0].element.repetition_type;
  const listDefinition = top === 'OPTIONAL' ? 1 : 0;
  const key = leafPath.join('.');
  const chunks: ListChunk[] = [];
  for (let i = 0; i < metadata.row_groups.length; i++) {
    const meta = metadata.row_groups[i].columns.find(c => c.meta_data?.path_in_schema.join('.') === key)?.meta_data;
    if (!meta) return undefined;
    const data = Number(meta.data_page_offset);
    const dictionary = Number(meta.dictionary_page_offset ?? 0);
    const start = dictionary > 0 && dictionary < data ? dictionary : data;
    chunks.push({ groupStart: groups[i].start, rows: groups[i].rows, start, length: Number(meta.total_compressed_size), numValues: Number(meta.num_values), codec: String(meta.codec) });
  }
  return { layout: { physical: leaf.type, maxDefinition, maxRepetition, elementDefinition, listDefinition }, chunks };
}

function decompressor(compressors: Record<string, (input: Uint8Array, outputLength: number) => Uint8Array>, label: string): Decompress {
  return (codec, input, size) => {
    if (codec === 'SNAPPY') {
      const out = new Uint8Array(size);
      snappyUncompress(input, out);
      return out;
    }
    const decompress = compressors[codec];
    if (!decompress) {
      throw new EmbdiagError('unsupported-dtype', `${label}: it is compressed with ${codec}, which this reader does not have.`,
        'Re-save it with snappy, gzip, brotli, zstd or lz4 (e.g. df.to_parquet(path)).');
    }
    return decompress(input, size);
  };
}

// ---- checking pages before hyparquet decodes them -------------------------------------------------

/**
 * hyparquet trusts a page's header and encoded runs: `num_values` sizes its arrays, and a run-length
 * (RLE) run writes as many values as its header says, past the end of its array. Five bytes claiming
 * a run of 2^31 values exhaust the memory and end the process (not an exception). So before a
 * column chunk is decoded, its pages are walked here: header sizes against the chunk, at most
 * MAX_PAGE_VALUES values and MAX_PAGE_BYTES bytes per page, and every RLE run of the levels and
 * dictionary indices (after decompression, as hyparquet will see them) within the page's values.
 */
const MAX_PAGE_VALUES = 1 << 24;
/**
 * Values per byte of a (decompressed) page, at most: runs let a few bytes stand for millions of
 * values, each decoded one by one. Writers cut pages at ~20,000 rows, so even a constant column
 * stays near 1,000 per byte; small pages may hold MIN_PAGE_VALUES whatever their size.
 */
const MAX_VALUES_PER_PAGE_BYTE = 2048;
const MIN_PAGE_VALUES = 8192;
/** Values of one column chunk (one row group of one column) decoded at once, at most. */
const MAX_CHUNK_VALUES = 1 << 28;
const MAX_PAGE_BYTES = 64 << 20;

const PAGE_DATA = 0;
const PAGE_DICTIONARY = 2;
const PAGE_DATA_V2 = 3;
const ENCODING_PLAIN_DICTIONARY = 2;
const ENCODING_RLE = 3;
const ENCODING_RLE_DICTIONARY = 8;

/** Damage in the footer or a page; the Thrift reader's own errors are of this class too. */
const PageError = ThriftDamage;

/**
 * hyparquet builds the schema tree from each element's `num_children`, trusting them: a negative
 * count loops forever (GeoParquet column marking) and a count past the list fails with a TypeError.
 * The footer's schema list is read here first and checked to form one tree.
 */
function checkFooterSchema(footer: Uint8Array): void {
  const children: number[] = [];
  readThriftStruct(footer, { at: 0 }, 0, (id, elementType, count, pos) => {
    if (id !== 2) return false; // FileMetaData.schema: list<SchemaElement>
    if (elementType !== 12) throw new PageError('its schema is not a list of elements');
    for (let i = 0; i < count; i++) {
      const n = int(readThriftStruct(footer, pos, 1), 5);
      children.push(n ?? 0);
    }
    return true;
  });
  if (!children.length) throw new PageError('it has no schema');
  // Walk the tree as hyparquet will (iteratively: the nesting is as deep as the file says).
  const pending = [children[0]];
  if (children[0] < 0) throw new PageError(`its schema root declares ${children[0]} children`);
  let next = 1;
  while (pending.length) {
    if (pending[pending.length - 1] === 0) { pending.pop(); continue; }
    pending[pending.length - 1]--;
    if (next >= children.length) throw new PageError(`its schema declares more elements than the ${children.length} it lists`);
    const n = children[next++];
    if (!Number.isSafeInteger(n) || n < 0) throw new PageError(`its schema has an element with ${n} children`);
    if (pending.length > 64) throw new PageError('its schema nests more than 64 levels deep');
    pending.push(n);
  }
}

const int = (s: ThriftStruct | undefined, id: number): number | undefined => {
  const v = s?.get(id);
  return typeof v === 'number' ? v : undefined;
};
const struct = (s: ThriftStruct, id: number): ThriftStruct | undefined => {
  const v = s.get(id);
  return v instanceof Map ? v : undefined;
};

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

/** Checks the column chunks a read decodes (each once). */
class PageChecker {
  private readonly checked = new Set<string>();

  constructor(private readonly hp: Hyparquet, private readonly source: ByteSource, private readonly metadata: FileMetaData,
    private readonly tree: SchemaTree, private readonly compressors: Record<string, (input: Uint8Array, outputLength: number) => Uint8Array>,
    private readonly label: string) {}

  async check(columns: string[], rowStart: number, rowEnd: number): Promise<void> {
    let start = 0;
    for (let g = 0; g < this.metadata.row_groups.length; g++) {
      const group = this.metadata.row_groups[g];
      const rows = Number(group.num_rows);
      const overlaps = start < rowEnd && start + rows > rowStart;
      start += rows;
      if (!overlaps) continue;
      for (const chunk of group.columns) {
        const meta = chunk.meta_data;
        if (!meta || !columns.includes(meta.path_in_schema[0])) continue;
        const key = `${g}/${meta.path_in_schema.join('.')}`;
        if (this.checked.has(key)) continue;
        try {
          await this.checkChunk(meta, rows);
        } catch (e) {
          if (!(e instanceof PageError)) throw e;
          const leaf = meta.path_in_schema.length > 1 ? ` (${meta.path_in_schema.join('.')})` : '';
          throw new EmbdiagError('bad-header', `${this.label}: column '${meta.path_in_schema[0]}'${leaf} of row group ${g} has a damaged page: ${e.message}.`,
            'The file is damaged, or was written by a tool this reader cannot follow; re-save it (e.g. with pyarrow).');
        }
        this.checked.add(key);
      }
    }
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
      throw new PageError(`its ${codec} data does not decompress (${(e as Error).message})`);
    }
  }

  private async checkChunk(meta: NonNullable<FileMetaData['row_groups'][number]['columns'][number]['meta_data']>, rows: number): Promise<void> {
    const first = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const length = Number(meta.total_compressed_size);
    const chunkValues = Number(meta.num_values);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(length) || first < 0 || length < 0 || first + length > this.source.size) {
      throw new PageError(`its bytes ${first}..${first + length} lie outside the ${this.source.size}-byte file`);
    }
    const { maxDefinition, maxRepetition, depth } = this.levels(meta.path_in_schema);
    if (!Number.isSafeInteger(chunkValues) || chunkValues < 0 || (maxRepetition === 0 && chunkValues !== rows)) {
      throw new PageError(`it declares ${meta.num_values} values for ${rows} rows`);
    }
    if (chunkValues > MAX_CHUNK_VALUES) {
      // hyparquet decodes a list column's whole chunk at once, even for one row.
      throw new EmbdiagError('too-large', `${this.label}: column '${meta.path_in_schema[0]}' holds ${chunkValues} values in one row group, more than the ${MAX_CHUNK_VALUES} this reader decodes at once.`,
        'Rewrite the file with smaller row groups (e.g. pyarrow.parquet.write_table(table, path, row_group_size=10000)).');
    }
    const bytes = await this.source.read(first, length);
    const pos = { at: 0 };
    let values = 0;
    // To the end of the declared bytes, as hyparquet reads list columns (whatever the value count says).
    while (pos.at < bytes.length - 1) {
      const pageAt = pos.at;
      const header = readThriftStruct(bytes, pos);
      const type = int(header, 1);
      const uncompressed = int(header, 2) ?? -1;
      const compressed = int(header, 3) ?? -1;
      if (compressed < 0 || pos.at + compressed > bytes.length) throw new PageError(`the page at byte ${first + pageAt} declares ${compressed} bytes, past the end of the column chunk`);
      if (uncompressed < 0 || uncompressed > MAX_PAGE_BYTES) throw new PageError(`the page at byte ${first + pageAt} declares ${uncompressed} uncompressed bytes`);
      const body = bytes.subarray(pos.at, pos.at + compressed);
      pos.at += compressed;
      const v1 = struct(header, 5);
      const v2 = struct(header, 8);
      const dictionary = struct(header, 7);
      const count = int(type === PAGE_DATA ? v1 : type === PAGE_DATA_V2 ? v2 : type === PAGE_DICTIONARY ? dictionary : undefined, 1) ?? 0;
      if (count < 0 || count > MAX_PAGE_VALUES) throw new PageError(`the page at byte ${first + pageAt} declares ${count} values (at most ${MAX_PAGE_VALUES} are read per page)`);
      if (type !== PAGE_DATA && type !== PAGE_DATA_V2) continue;
      values += count;
      if (values > chunkValues) throw new PageError(`its pages hold more values than the ${chunkValues} it declares`);
      const encoding = int(type === PAGE_DATA ? v1 : v2, type === PAGE_DATA ? 2 : 4);
      const what = `page at byte ${first + pageAt}`;
      const dense = (bytes: number) => {
        if (count > Math.max(MIN_PAGE_VALUES, MAX_VALUES_PER_PAGE_BYTE * bytes)) {
          throw new PageError(`the ${what} declares ${count} values in ${bytes} bytes`);
        }
      };
      if (type === PAGE_DATA) {
        const page = this.decompress(meta.codec, body, uncompressed);
        dense(page.length);
        const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
        let at = 0;
        for (const [max, name] of [[depth > 1 ? maxRepetition : 0, 'repetition levels'], [maxDefinition, 'definition levels']] as const) {
          if (!max) continue;
          if (at + 4 > page.length) throw new PageError(`the ${what} ends inside its ${name}`);
          const n = view.getUint32(at, true);
          // hyparquet decodes until it has `count` levels, whatever the stream's length says: so does the check.
          checkHybrid(page, at + 4, page.length, bitWidth(max), count, `${name} (${what})`);
          at += 4 + n;
        }
        this.checkValues(page, at, encoding, meta.type === 'BOOLEAN', count, what);
      } else {
        const repLength = int(v2, 6) ?? 0;
        const defLength = int(v2, 5) ?? 0;
        if (repLength < 0 || defLength < 0 || repLength + defLength > body.length) throw new PageError(`the ${what} declares levels longer than the page`);
        if (depth > 1 && maxRepetition) checkHybrid(body, 0, body.length, bitWidth(maxRepetition), count, `repetition levels (${what})`);
        if (maxDefinition) checkHybrid(body, repLength, body.length, bitWidth(maxDefinition), count, `definition levels (${what})`);
        const rest = body.subarray(repLength + defLength);
        const page = v2?.get(7) === false ? rest : this.decompress(meta.codec, rest, Math.max(0, uncompressed - repLength - defLength));
        dense(repLength + defLength + page.length);
        this.checkValues(page, 0, encoding, meta.type === 'BOOLEAN', count, what);
      }
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
const pageCheckers = new WeakMap<FileMetaData, PageChecker>();

/** hyparquet's parquetRead for rows [rowStart, rowEnd) of some columns; failures become EmbdiagErrors. */
async function readColumns(hp: Hyparquet, file: AsyncBuffer, metadata: FileMetaData, compressors: object, label: string,
  columns: string[], rowStart: number, rowEnd: number, sink: (column: string, data: ArrayLike<unknown>, firstRow: number) => void): Promise<void> {
  // hyparquet calls onChunk from a promise callback it does not await: keep the sink's failure for afterwards.
  let failure: unknown;
  await pageCheckers.get(metadata)?.check(columns, rowStart, rowEnd);
  try {
    await hp.parquetRead({
      file, metadata, columns, rowStart, rowEnd, compressors, utf8: false,
      onChunk: chunk => {
        if (failure) return;
        try { sink(chunk.columnName, chunk.columnData as ArrayLike<unknown>, chunk.rowStart); } catch (e) { failure = e; }
      },
    });
    if (failure) throw failure;
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw new EmbdiagError('bad-header', `${label}: cannot decode rows ${rowStart}..${rowEnd} of ${columns.length === 1 ? `column '${columns[0]}'` : `${columns.length} columns`}: ${(e as Error).message}.`,
      'The file is damaged or uses an encoding this reader does not support; re-save it (e.g. with pyarrow).');
  }
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN; // null
}

class ParquetMatrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[] = [];
  private cached: { start: number; rows: number; data: Float64Array } | undefined;

  constructor(private readonly hp: Hyparquet, private readonly file: AsyncBuffer, private readonly metadata: FileMetaData,
    private readonly compressors: object, private readonly label: string, private readonly spec: ArraySpec,
    private readonly groups: { start: number; rows: number }[], private readonly pages?: ParquetListPages) {
    this.name = spec.info.name;
    this.dtype = spec.dtype!;
    this.shape = spec.info.shape.slice();
    this.rows = spec.info.shape[0];
    this.dim = spec.info.shape[1];
    const largest = groups.reduce((m, g) => Math.max(m, g.rows), 0);
    this.notes.push(pages ? `Read page by page (${groups.length} row group${groups.length === 1 ? '' : 's'}; the largest holds ${largest} rows).`
      : `Read one row group at a time (the largest holds ${largest} rows).`);
    if (spec.list) this.notes.push('Null lists and null elements are read as NaN.');
    else this.notes.push('Null values are read as NaN.');
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (this.pages) {
      const rows = new Float64Array(count * this.dim).fill(NaN);
      await this.pages.read(start, count, rows);
      return rows;
    }
    const out = new Float64Array(count * this.dim);
    const end = start + count;
    for (const g of this.groups) {
      const gEnd = g.start + g.rows;
      if (gEnd <= start || g.start >= end || !g.rows) continue;
      const from = Math.max(start, g.start);
      const to = Math.min(end, gEnd);
      if (g.rows * this.dim * 8 <= MAX_CACHED_GROUP_BYTES) {
        if (this.cached?.start !== g.start) this.cached = { start: g.start, rows: g.rows, data: await this.decode(g.start, gEnd) };
        out.set(this.cached.data.subarray((from - g.start) * this.dim, (to - g.start) * this.dim), (from - start) * this.dim);
      } else {
        out.set(await this.decode(from, to), (from - start) * this.dim);
      }
    }
    return out;
  }

  /** Rows as float32, without a float64 copy, for a FLOAT list column (exact: the file holds float32). */
  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (this.pages && this.dtype === 'float32') {
      const rows = new Float32Array(count * this.dim).fill(NaN);
      await this.pages.read(start, count, rows);
      return rows;
    }
    return Float32Array.from(await this.readRows(start, count));
  }

  /** Rows [from, to) (within one row group) as float64. */
  private async decode(from: number, to: number): Promise<Float64Array> {
    const dim = this.dim;
    const data = new Float64Array((to - from) * dim).fill(NaN);
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
        if (v === null || v === undefined) continue; // a null list: NaN row
        const row = v as ArrayLike<unknown>;
        if (typeof row.length !== 'number' || row.length !== dim) {
          throw new EmbdiagError('bad-shape', `${this.label}: row ${r} of column '${this.name}' holds ${typeof row.length === 'number' ? row.length : 'no'} values, but the rows before it hold ${dim}.`,
            'Embeddings need the same number of dimensions in every row.');
        }
        for (let k = 0; k < dim; k++) data[o + k] = toNumber(row[k]);
      }
    });
    return data;
  }
}
