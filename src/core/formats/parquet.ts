import * as zlib from 'node:zlib';
import type { AsyncBuffer, FileMetaData, SchemaTree } from 'hyparquet';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn, ValueColumnOptions } from './dumpFile';
import { matrixValueColumn } from './valueColumns';
import { parquetTextColumn } from './parquetTextColumn';
import { openDefaultArray } from './defaultArray';
import { dimensionGroupNote, dimensionMemberRefusal, gatherDimensionColumns, type DimensionGroup } from './dimensionColumns';
import { findArray } from './npy';
import { checkParquetFooter, parquetFooterDamage } from './parquetFooter';
import { ParquetMatrix, hyparquetListLengths, type ArraySpec, type RowGroup } from './parquetMatrix';
import { failureDetail, PageChecker, pageCheckers, readColumns, type Compressors, type Hyparquet } from './parquetPageCheck';
import { ParquetListPages, raggedListReason, type Decompress, type ListChunk, type ListLayout } from './parquetPages';
import { snappyUncompress } from './parquetEncodings';
import { classify } from './parquetSchema';

/**
 * Parquet files (pandas / pyarrow / Hugging Face datasets), decoded by hyparquet. Embeddings are
 * either a list (or fixed-size list) column of numbers, one list per row, or one numeric column
 * per dimension ('dim_0', 'dim_1', ... grouped by their common prefix into the array 'dim_*').
 * A list column of FLOAT or DOUBLE values is read page by page (parquetPages.ts), so memory stays
 * bounded whatever the row-group size (pandas writes up to 1,048,576 rows in one). Other columns
 * are decoded by hyparquet one row group at a time (only the chosen columns), so memory is bounded
 * by a row group's share of those columns (parquetMatrix.ts).
 */

/** Far beyond any embedding: a list length past this comes from damaged metadata. */
const MAX_DIM = 1 << 24;

export function hasParquetMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31;
}

let modules: Promise<{ hp: Hyparquet; compressors: Compressors }> | undefined;

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
      throw parquetFooterDamage(source.name, `its Parquet metadata points at bytes ${start}..${end ?? source.size}, outside the ${source.size}-byte file`);
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
  const bad = (problem: string) => parquetFooterDamage(label, problem);
  await checkParquetFooter(source, label);
  const { hp, compressors } = await loadModules();
  const file = asyncBuffer(source);
  let metadata: FileMetaData;
  try {
    metadata = await hp.parquetMetadataAsync(file);
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw bad(`has a footer that does not decode${failureDetail(e)}`);
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
    throw bad(`has a schema that does not form a tree${failureDetail(e)}`);
  }
  pageCheckers.set(metadata, new PageChecker(hp, source, metadata, tree, compressors, label));

  // Every top-level column; numeric scalar columns named <prefix><number> are grouped into '<prefix>*'.
  const specs: ArraySpec[] = [];
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
  const { groups: dimGroups, groupOf } = gatherDimensionColumns(tree.children.map(node => {
    const kind = naming.get(node)!.problem ? undefined : classify(node);
    return { name: naming.get(node)!.name, dtype: kind?.kind === 'scalar' && kind.leaf.ok ? kind.leaf.dtype : undefined };
  }));
  /** The array of each group, listed where its first member stands. */
  const groupSpecs = new Map<DimensionGroup, ArraySpec>();
  for (const node of tree.children) {
    const { name, problem } = naming.get(node)!;
    if (problem) {
      specs.push({ info: { name, dtype: 'unknown', shape: [totalRows], analysable: false, reason: problem }, columns: [name], list: false });
      continue;
    }
    const kind = classify(node);
    if (kind.kind === 'scalar') {
      const group = groupOf.get(name);
      if (group) {
        if (!groupSpecs.has(group)) {
          const spec: ArraySpec = { info: { name: group.name, dtype: group.dtype, shape: [totalRows, group.members.length], analysable: true },
            columns: group.members.map(m => m.name), list: false, dtype: group.dtype };
          groupSpecs.set(group, spec);
          specs.push(spec);
        }
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
      const scanner = pages && new ParquetListPages(source, label, name, 0, pages.layout, pages.chunks, decompressor(compressors, label));
      const dim = await listDimension(hp, file, metadata, compressors, node, kind.leafPath, groups, label, scanner);
      // An empty first list: the column is empty, or ragged (a later list is not).
      const ragged = dim === 0 ? await (scanner ? scanner.firstDifference()
        : hyparquetListLengths(hp, file, metadata, compressors, label, name, groups, totalRows, 'differs').then(lists => {
          const differs = lists.find(l => l.length !== lists[0].length);
          return differs && { first: lists[0], differs };
        })) : undefined;
      specs.push({
        info: dim === undefined ? { name, dtype: kind.leaf.dtype, shape: [totalRows], analysable: false, reason: 'it holds only null lists' }
          : dim > MAX_DIM ? { name, dtype: kind.leaf.dtype, shape: [totalRows, dim], analysable: false, reason: `its first list holds ${dim} values, more than the ${MAX_DIM} read per row` }
          : dim > 0 ? { name, dtype: kind.leaf.dtype, shape: [totalRows, dim], analysable: true }
            : { name, dtype: kind.leaf.dtype, shape: [totalRows, 0], analysable: false, reason: ragged ? raggedListReason(name, ragged.differs, ragged.first) : 'its lists are empty' },
        columns: [name], list: true, dtype: kind.leaf.dtype, pages,
      });
    } else {
      specs.push({ info: { name, dtype: kind.name, shape: [totalRows], analysable: false, reason: kind.reason }, columns: [name], list: false });
    }
  }
  const arrays = specs.map(s => s.info);
  const notes = [`Parquet file: ${totalRows} rows in ${groups.length} row group${groups.length === 1 ? '' : 's'}${metadata.created_by ? `, written by ${metadata.created_by}` : ''}.`];
  notes.push(...dimGroups.map(dimensionGroupNote));
  return {
    format: 'parquet',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const openSpec = (info: ArrayInfo): ParquetMatrix => {
        const spec = specs.find(s => s.info === info)!;
        if (!info.analysable || !spec.dtype) {
          // Numbers in the wrong arrangement are a shape problem; strings, structs, dates a type problem.
          const numeric = /^(float|int|uint|bool|bfloat)/.test(info.dtype);
          throw new EmbdiagError(numeric ? 'bad-shape' : 'unsupported-dtype',
            `${label}: column '${info.name}' cannot be analysed: ${info.reason}.`, 'Pick a list column of numbers, or store the embeddings as one.');
        }
        const pages = spec.pages && new ParquetListPages(source, label, spec.info.name, spec.info.shape[1], spec.pages.layout, spec.pages.chunks, decompressor(compressors, label));
        return new ParquetMatrix(hp, file, metadata, compressors, label, spec, groups, pages);
      };
      if (requested === undefined) return openDefaultArray(label, arrays, openSpec);
      const group = groupOf.get(requested);
      if (group && !arrays.some(a => a.name === requested)) throw dimensionMemberRefusal(label, requested, group);
      return openSpec(findArray(label, arrays, requested));
    },
    async openColumn(requested: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!spec.scalar) return (this as DumpFile).open(requested);
      const column: ArraySpec = { info: { name: info.name, dtype: spec.scalar, shape: [totalRows, 1], analysable: true }, columns: [info.name], list: false, dtype: spec.scalar };
      return new ParquetMatrix(hp, file, metadata, compressors, label, column, groups, undefined);
    },
    /** The other columns of one number or one string per row (id, text, label, ...). */
    async valueColumns(options: ValueColumnOptions = {}): Promise<ValueColumn[]> {
      const columns: ValueColumn[] = [];
      // a column chunk is decoded whole whatever rows of it are asked for: one read per row group
      const byRowGroup = { starts: groups.map(g => g.start) };
      for (const spec of specs) {
        if (spec.list || spec.columns.length !== 1 || spec.info.name !== spec.columns[0]) continue;
        const name = spec.info.name;
        if (spec.scalar) {
          const column: ArraySpec = { info: { name, dtype: spec.scalar, shape: [totalRows, 1], analysable: true }, columns: [name], list: false, dtype: spec.scalar };
          columns.push(matrixValueColumn(new ParquetMatrix(hp, file, metadata, compressors, label, column, groups, undefined), byRowGroup));
        } else if (spec.info.dtype === 'str') {
          const textGroups = groups.map((g, i) => {
            const chunk = metadata.row_groups[i]?.columns.find(c => c.meta_data?.path_in_schema.join('.') === name)?.meta_data;
            const bytes = Number(chunk?.total_uncompressed_size);
            return Number.isSafeInteger(bytes) && bytes >= 0 ? { ...g, bytes } : g;
          });
          columns.push(parquetTextColumn(name, totalRows, textGroups, (start, end, sink) =>
            readColumns(hp, file, metadata, compressors, label, [name], start, end, (_column, data, firstRow) => sink(data, firstRow), { textAsBytes: true }),
            options.textCacheBytes, g => pageCheckers.get(metadata)?.pageStarts(name, g) ?? Promise.resolve(undefined)));
        }
      }
      return columns;
    },
  };
}

/**
 * The common length of a list column's lists, or undefined when every list is null. From the
 * metadata (entries / rows) only when no chunk can hold a null list (a required list, or statistics
 * null_count 0): a null list still counts one entry. Otherwise from the first non-null list.
 */
async function listDimension(hp: Hyparquet, file: AsyncBuffer, metadata: FileMetaData, compressors: object, node: SchemaTree,
  leafPath: string[], groups: RowGroup[], label: string, pages?: ParquetListPages): Promise<number | undefined> {
  const leafKey = leafPath.join('.');
  let dim: number | undefined;
  // A required list is never null (an empty one is a ragged row, found when read).
  const required = node.element.repetition_type === 'REQUIRED';
  let trusted = true;
  metadata.row_groups.forEach((g, i) => {
    if (!groups[i].rows) return;
    const meta = g.columns.find(c => c.meta_data?.path_in_schema.join('.') === leafKey)?.meta_data;
    const nullCount = meta?.statistics?.null_count;
    const d = Number(meta?.num_values) / groups[i].rows;
    if ((!required && (nullCount === undefined || Number(nullCount) !== 0)) || !Number.isSafeInteger(d) || d < 0 || d > MAX_DIM || (dim !== undefined && d !== dim)) trusted = false;
    else dim = d;
  });
  if (trusted && dim !== undefined) return dim;
  // page by page: never a whole row group
  if (pages) return (await pages.firstList())?.length;
  const total = groups.reduce((n, g) => n + g.rows, 0);
  const lists = await hyparquetListLengths(hp, file, metadata, compressors, label, node.element.name, groups, total, 'first');
  return lists[0]?.length;
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

