import type { ByteSource } from '../io/byteSource';
import { EmbdiagError, type EmbdiagErrorCode } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { matrixValueColumn, readByRuns } from './valueColumns';
import type { DTypeName } from './dtype';
import { checkRowRange, findArray } from './npy';
import { openDefaultArray } from './defaultArray';
import { damagedArrowFile, verifyArrowFile, type ArrowFileLayout, type BatchLayout } from './arrowLayout';
import { hasArrowStreamStart, streamBatches, verifyArrowStream } from './arrowStream';
import { ArrowBufferColumn, columnPositions, type ColumnKind } from './arrowBuffers';
import { arrowTypeName, leafType, type Leaf } from './arrowTypes';
import { apacheArrowCodec, DecompressionError, isArrowCodec, loadZstd, maxContentOf } from './arrowCompression';
import { dimensionGroupNote, dimensionMemberRefusal, gatherDimensionColumns } from './dimensionColumns';

/**
 * Arrow IPC files (.arrow, and Feather v2 .feather, which is the same format). Like Parquet: a
 * (large or fixed-size) list column of numbers per row, or one numeric column per dimension gathered as
 * '<prefix>*'. The file's structure is checked first (arrowLayout.ts); apache-arrow decodes the
 * schema. Numeric columns are read straight from their buffers, only the byte ranges of the rows
 * asked for, in either byte order (arrowBuffers.ts); anything else is decoded by apache-arrow one
 * record batch at a time (a whole batch in memory), little-endian only. Compressed record batches
 * (LZ4_FRAME, ZSTD: arrowCompression.ts) are read both ways, each buffer needed decompressed whole.
 * The IPC stream format (Hugging Face datasets' .arrow files) is read the same way once its message
 * headers are indexed (arrowStream.ts). Not read: Feather v1.
 */

type Arrow = typeof import('apache-arrow');
type Reader = import('apache-arrow').AsyncRecordBatchFileReader;
type Field = import('apache-arrow').Field;
type RecordBatch = import('apache-arrow').RecordBatch;

const ARROW_MAGIC = 'ARROW1';
/** Far beyond any embedding: a list size past this comes from a damaged schema. */
const MAX_DIM = 1 << 24;

const DTYPE_BITS: Partial<Record<DTypeName, number>> = {
  float64: 64, float32: 32, float16: 16, int64: 64, int32: 32, int16: 16, int8: 8, uint64: 64, uint32: 32, uint16: 16, uint8: 8, bool: 1,
};

export function hasArrowMagic(head: Uint8Array): boolean {
  return head.length >= 6 && String.fromCharCode(...head.subarray(0, 6)) === ARROW_MAGIC;
}

let loaded: Promise<Arrow> | undefined;
/** apache-arrow, with our decoders registered for compressed record batches. */
function loadArrow(): Promise<Arrow> {
  loaded ??= (async () => {
    const arrow = await import('apache-arrow');
    const zstd = await loadZstd();
    arrow.compressionRegistry.set(arrow.CompressionType.LZ4_FRAME, apacheArrowCodec('LZ4_FRAME', undefined));
    arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, apacheArrowCodec('ZSTD', zstd));
    return arrow;
  })();
  return loaded;
}

/** What apache-arrow's random-access reader needs of a Node FileHandle, over a ByteSource. */
function fileHandle(source: ByteSource) {
  return {
    fd: -1,
    async stat() { return { size: source.size }; },
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      const n = Math.max(0, Math.min(length, source.size - position));
      buffer.set(await source.read(position, n), offset);
      return { bytesRead: n, buffer };
    },
    async close() { /* the source belongs to the caller */ },
  };
}

type SpecKind = 'list' | 'fixed' | 'columns' | 'other';

interface ArraySpec {
  info: ArrayInfo;
  kind: SpecKind;
  /** The file's columns it is read from (one, or the gathered columns per dimension). */
  columns: string[];
  /** Each column's element dtype (analysable arrays only). */
  dtypes: DTypeName[];
  /** Each column read from its buffers, when the file allows it. */
  buffers?: ArrowBufferColumn[];
  /** The refusal's code and hint when the file keeps it from being read (default: bad-shape for numbers, unsupported-dtype otherwise). */
  problem?: { code: EmbdiagErrorCode; hint: string };
  /** A column of one number per row: its type (readable by openColumn as N×1, not as embeddings). */
  scalar?: DTypeName;
}

/** Which Arrow IPC format the file is in; the refusal of a file that is neither, or another Arrow format. */
async function checkMagic(source: ByteSource, label: string): Promise<'file' | 'stream'> {
  const head = await source.read(0, Math.min(8, source.size));
  if (hasArrowMagic(head)) {
    if (source.size < 14 || String.fromCharCode(...await source.read(source.size - 6, 6)) !== ARROW_MAGIC) {
      throw damagedArrowFile(label, 'does not end with the Arrow file magic (the footer is missing: probably cut short)');
    }
    return 'file';
  }
  if (hasArrowStreamStart(head)) return 'stream';
  if (head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'FEA1') {
    throw new EmbdiagError('bad-header', `${label}: is a Feather v1 file, which this reader does not read.`, 'Re-save it as Feather v2 (pyarrow.feather.write_feather(df, path, version=2)).');
  }
  throw new EmbdiagError('bad-header', `${label}: does not start with the Arrow file magic ARROW1, so it is not an Arrow IPC file (or its first bytes are damaged).`,
    'Open an Arrow IPC / Feather v2 file.');
}

/** The schema and the record batches as apache-arrow decodes them, from either IPC format. */
interface DecodedArrow {
  fields: Field[];
  readRecordBatch(index: number): Promise<RecordBatch | null>;
}

export async function openArrow(source: ByteSource): Promise<DumpFile> {
  const label = source.name;
  const kind = await checkMagic(source, label);
  if (kind === 'stream') {
    // no footer: the message headers are walked (and checked) once, the bodies skipped
    const layout = await verifyArrowStream(source, label);
    const arrow = await loadArrow();
    return openArrowTable(source, arrow, layout, await streamBatches(arrow, source, layout, label), 'stream');
  }
  // apache-arrow trusts the flatbuffers it decodes (a damaged vector length or a table that is its
  // own child makes it allocate without bound): check the footer and every message header first.
  const layout = await verifyArrowFile(source, label);
  const arrow = await loadArrow();
  let reader: Reader;
  try {
    reader = await arrow.RecordBatchReader.from(fileHandle(source) as never) as unknown as Reader;
    await reader.open();
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw damagedArrowFile(label, 'has a footer or schema that apache-arrow cannot decode');
  }
  if (!reader.isFile() || reader.numRecordBatches !== layout.recordBatches.length) throw damagedArrowFile(label, 'has a footer that apache-arrow reads differently from its own record');
  return openArrowTable(source, arrow, layout, { fields: reader.schema.fields, readRecordBatch: index => reader.readRecordBatch(index) }, 'file');
}

async function openArrowTable(source: ByteSource, arrow: Arrow, layout: ArrowFileLayout, reader: DecodedArrow, kind: 'file' | 'stream'): Promise<DumpFile> {
  const label = source.name;
  const batches = layout.recordBatches;
  const totalRows = batches.reduce((n, b) => n + b.rows, 0);
  const fields = reader.fields;
  const positions = columnPositions(arrow, fields, batches);

  // Columns are read by name (RecordBatch.getChild): a column without a name, or with the name of an
  // earlier one, cannot be told apart. They are listed, under a name of their own, as not analysable.
  const seen = new Map<string, number>();
  const naming = fields.map((f, i) => {
    if (typeof f.name !== 'string') return { name: `(unnamed column ${i})`, problem: 'it has no name in the schema' };
    const k = seen.get(f.name) ?? 0;
    seen.set(f.name, k + 1);
    return k ? { name: `${f.name}#${k + 1}`, problem: `an earlier column is also named '${f.name}'` } : { name: f.name, problem: undefined };
  });
  const isList = (f: Field) => arrow.DataType.isList(f.type) || arrow.DataType.isLargeList(f.type) || arrow.DataType.isFixedSizeList(f.type);
  const scalarLeaf = (f: Field): Leaf | undefined => (isList(f) || arrow.DataType.isStruct(f.type) ? undefined : leafType(arrow, f.type));
  const { groups, groupOf } = gatherDimensionColumns(fields.map((f, i) => {
    const leaf = naming[i].problem ? undefined : scalarLeaf(f);
    return { name: naming[i].name, dtype: leaf?.ok ? leaf.dtype : undefined };
  }));
  // Why no numeric column can be read, if so: bodies compressed by a codec unknown here, or a
  // big-endian file that cannot be read from its buffers (apache-arrow would read its values as little-endian).
  const codec = batches.find(b => b.compressed && !isArrowCodec(b.compressed))?.compressed;
  const compressed = [...new Set(batches.map(b => b.compressed).filter(c => c !== undefined))];
  const fileProblem: { reason: string; hint: string } | undefined = codec
    ? { reason: `the file's record batches are compressed (${codec}), which this reader does not decompress`,
      hint: 'Write the file with a codec Arrow defines, or uncompressed (pyarrow.feather.write_feather(df, path, compression=\'lz4\', \'zstd\' or \'uncompressed\')).' }
    : !layout.littleEndian && !positions
      ? { reason: 'it is in a big-endian file with a column type this reader cannot lay out, so its values cannot be byte-swapped', hint: 'Write the file little-endian (the default of Arrow writers).' }
      : undefined;
  const bufferColumn = (i: number, kind: ColumnKind, dtype: DTypeName, dim: number) =>
    positions && new ArrowBufferColumn(source, label, naming[i].name, kind, dtype, layout.littleEndian, positions[i].node, positions[i].buffer, batches, dim);

  let batchCache: { index: number; batch: RecordBatch } | undefined;
  const readBatch = async (index: number): Promise<RecordBatch> => {
    if (batchCache?.index !== index) {
      let batch: RecordBatch | null;
      try {
        batch = await reader.readRecordBatch(index);
      } catch (e) {
        if (e instanceof DecompressionError) throw damagedArrowFile(label, `has a record batch ${index} whose ${batches[index].compressed}-compressed buffers cannot be read: ${e.message}`);
        throw damagedArrowFile(label, `has a record batch ${index} that apache-arrow cannot decode`);
      }
      if (!batch) throw damagedArrowFile(label, `has no record batch ${index}`);
      batchCache = { index, batch };
    }
    return batchCache.batch;
  };

  const specs: ArraySpec[] = [];
  const groupSpecs = new Map<string, ArraySpec>();
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const { name, problem } = naming[i];
    const t = f.type;
    const refuse = (dtype: string, reason: string, kind: SpecKind = 'other', problem?: ArraySpec['problem']) =>
      specs.push({ info: { name, dtype, shape: [totalRows], analysable: false, reason }, kind, columns: [name], dtypes: [], problem });
    if (problem) { refuse(arrowTypeName(arrow, t), problem); continue; }
    if (isList(f)) {
      const fixed = arrow.DataType.isFixedSizeList(t);
      const element = (t as unknown as { children?: Field[] }).children?.[0];
      if (!element) throw damagedArrowFile(label, `has a list column '${name}' without an element type`);
      const leaf = leafType(arrow, element.type);
      if (!leaf.ok) { refuse(leaf.name, leaf.reason, 'list'); continue; }
      if (fileProblem) { refuse(leaf.dtype, fileProblem.reason, 'list', { code: 'unsupported-dtype', hint: fileProblem.hint }); continue; }
      const listSize = fixed ? (t as unknown as { listSize: number }).listSize : 0;
      if (fixed && !(Number.isSafeInteger(listSize) && listSize >= 0 && listSize <= MAX_DIM)) throw damagedArrowFile(label, `has a fixed-size list column '${name}' of ${listSize} values per row`);
      const column = bufferColumn(i, fixed ? 'fixed' : arrow.DataType.isLargeList(t) ? 'large-list' : 'list', leaf.dtype, listSize);
      const dim = column ? await column.firstListLength() : fixed ? listSize : await firstListLength(batches, readBatch, name, label);
      if (dim !== undefined && !(Number.isSafeInteger(dim) && dim >= 0 && dim <= MAX_DIM)) throw damagedArrowFile(label, `has a list of ${dim} values in column '${name}'`);
      if (column && dim !== undefined) column.dim = dim;
      const reason = !totalRows ? 'the file holds no rows' : dim === undefined ? 'its lists are all null' : dim === 0 ? 'its lists are empty' : undefined;
      specs.push({
        info: reason ? { name, dtype: leaf.dtype, shape: [totalRows], analysable: false, reason } : { name, dtype: leaf.dtype, shape: [totalRows, dim!], analysable: true },
        kind: fixed ? 'fixed' : 'list', columns: [name], dtypes: [leaf.dtype], buffers: column ? [column] : undefined,
      });
      continue;
    }
    const leaf = scalarLeaf(f) ?? { ok: false as const, name: arrowTypeName(arrow, t), reason: 'it is a struct column' };
    const group = groupOf.get(name);
    if (group && leaf.ok) {
      // the group's array takes the place of its first member
      if (!groupSpecs.has(group.name)) {
        const spec: ArraySpec = fileProblem
          ? { info: { name: group.name, dtype: group.dtype, shape: [totalRows, group.members.length], analysable: false, reason: fileProblem.reason }, kind: 'columns', columns: [], dtypes: [],
            problem: { code: 'unsupported-dtype', hint: fileProblem.hint } }
          : { info: { name: group.name, dtype: group.dtype, shape: [totalRows, group.members.length], analysable: true }, kind: 'columns',
            columns: group.members.map(m => m.name), dtypes: group.members.map(m => m.dtype) };
        groupSpecs.set(group.name, spec);
        specs.push(spec);
      }
      continue;
    }
    if (leaf.ok && !fileProblem) {
      specs.push({ info: { name, dtype: leaf.dtype, shape: [totalRows], analysable: false, reason: 'it holds one number per row; embeddings are a list column or one column per dimension' },
        kind: 'other', columns: [name], dtypes: [], scalar: leaf.dtype });
      continue;
    }
    refuse(leaf.ok ? leaf.dtype : leaf.name, leaf.ok ? 'it holds one number per row; embeddings are a list column or one column per dimension' : leaf.reason);
  }
  for (const group of groups) {
    const spec = groupSpecs.get(group.name)!;
    if (positions && spec.info.analysable) {
      spec.buffers = group.members.map(m => bufferColumn(naming.findIndex(n => n.name === m.name), 'scalar', m.dtype, 1)!);
    }
  }
  const arrays = specs.map(s => s.info);
  const notes = [`Arrow IPC ${kind}: ${totalRows} rows in ${batches.length} record batch${batches.length === 1 ? '' : 'es'}${layout.littleEndian ? '' : ', big-endian'}${compressed.length ? `, compressed (${compressed.join(', ')})` : ''}.`,
    ...groups.map(dimensionGroupNote)];

  const openSpec = (spec: ArraySpec): EmbeddingMatrix => {
    const info = spec.info;
    if (!info.analysable) {
      const numeric = /^(float|int|uint|bool)/.test(info.dtype);
      throw new EmbdiagError(spec.problem?.code ?? (numeric ? 'bad-shape' : 'unsupported-dtype'), `${label}: column '${info.name}' cannot be analysed: ${info.reason}.`,
        spec.problem?.hint ?? 'Pick a list column of numbers, or store the embeddings as one.');
    }
    if (spec.buffers) for (const column of spec.buffers) column.checkExtent();
    else checkBodySize(spec, batches, label);
    return new ArrowMatrix(label, spec, batches, readBatch, layout.littleEndian);
  };

  return {
    format: 'arrow',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      if (requested === undefined) {
        if (fileProblem && !arrays.some(a => a.analysable)) throw new EmbdiagError('unsupported-dtype', `${label}: no column can be read: ${fileProblem.reason}.`, fileProblem.hint);
        return openDefaultArray(label, arrays, info => openSpec(specs.find(s => s.info === info)!));
      }
      const group = groupOf.get(requested);
      if (group && !arrays.some(a => a.name === requested)) throw dimensionMemberRefusal(label, requested, group);
      const info = findArray(label, arrays, requested);
      return openSpec(specs.find(s => s.info === info)!);
    },
    async openColumn(requested: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!spec.scalar) return (this as DumpFile).open(requested);
      const buffers = positions ? [bufferColumn(naming.findIndex(n => n.name === info.name), 'scalar', spec.scalar, 1)!] : undefined;
      return openSpec({ info: { name: info.name, dtype: spec.scalar, shape: [totalRows, 1], analysable: true }, kind: 'columns', columns: [info.name], dtypes: [spec.scalar], buffers });
    },
    /** The other columns of one number or one string per row (id, text, label, ...). */
    async valueColumns(): Promise<ValueColumn[]> {
      const columns: ValueColumn[] = [];
      for (const spec of specs) {
        const name = spec.info.name;
        if (spec.kind !== 'other' || spec.columns.length !== 1 || spec.columns[0] !== name) continue;
        if (spec.scalar) {
          columns.push(matrixValueColumn(await (this as DumpFile).openColumn!(name)));
          continue;
        }
        const field = fields[naming.findIndex(n => n.name === name)];
        if (fileProblem || !field || !(arrow.DataType.isUtf8(field.type) || arrow.DataType.isLargeUtf8(field.type))) continue;
        columns.push({
          name, kind: 'string', rows: totalRows,
          // apache-arrow decodes a whole record batch; only the batches holding rows asked for are read
          read: rows => readByRuns(rows, async (start, end) => {
            const values: (string | null)[] = new Array(end - start).fill(null);
            for (let b = 0; b < batches.length; b++) {
              const { start: first, rows: n } = batches[b];
              if (first + n <= start || first >= end || !n) continue;
              const child = (await readBatch(b)).getChild(name);
              for (let r = Math.max(start, first); r < Math.min(end, first + n); r++) {
                const v = child?.get(r - first);
                values[r - start] = typeof v === 'string' ? v : null;
              }
            }
            return values;
          }),
        });
      }
      return columns;
    },
  };
}

/**
 * Without the column's buffers (apache-arrow decodes it), every value still lies in some record
 * batch's body: more values than the bodies hold is damage (a compressed body: than it can decompress
 * to). Each gathered column counts at its own width.
 */
function checkBodySize(spec: ArraySpec, batches: BatchLayout[], label: string): void {
  const bodyBits = 8 * batches.reduce((n, b) => n + (b.compressed ? maxContentOf(b.compressed, b.bodyLength) : b.bodyLength), 0);
  const [rows, dim] = spec.info.shape;
  const bits = spec.kind === 'columns' ? spec.dtypes.reduce((n, d) => n + (DTYPE_BITS[d] ?? 64), 0) : dim * (DTYPE_BITS[spec.dtypes[0]] ?? 64);
  if (rows * bits > bodyBits) {
    throw damagedArrowFile(label, `declares ${rows} rows of ${dim} values for '${spec.info.name}' (${bits} bits a row), but its record batches hold only ${bodyBits / 8} bytes`);
  }
}

/** A list column's length from its first non-null list, decoded by apache-arrow (undefined: all null). */
async function firstListLength(batches: BatchLayout[], readBatch: (i: number) => Promise<RecordBatch>, name: string, label: string): Promise<number | undefined> {
  for (let i = 0; i < batches.length; i++) {
    if (!batches[i].rows) continue;
    const batch = await readBatch(i);
    try {
      const col = batch.getChild(name);
      for (let r = 0; col && r < col.length; r++) {
        const row = col.get(r) as { length: number } | null;
        if (row) return row.length;
      }
    } catch {
      throw damagedArrowFile(label, `has a record batch ${i} whose column '${name}' apache-arrow cannot decode`);
    }
  }
  return undefined;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}

class ArrowMatrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];
  private readonly lists: boolean;

  constructor(private readonly label: string, private readonly spec: ArraySpec, private readonly batches: BatchLayout[],
    private readonly readBatch: (index: number) => Promise<RecordBatch>, littleEndian: boolean) {
    this.name = spec.info.name;
    this.dtype = spec.info.dtype;
    this.shape = spec.info.shape.slice();
    this.rows = spec.info.shape[0];
    this.dim = spec.info.shape[1];
    this.lists = spec.kind === 'list' || spec.kind === 'fixed';
    const largest = batches.reduce((m, b) => Math.max(m, b.rows), 0);
    const plural = batches.length === 1 ? '' : 'es';
    this.notes = [spec.buffers ? `Read from the column buffers, only the rows needed (${batches.length} record batch${plural}; the largest holds ${largest} rows).`
      : `Read one record batch at a time (the largest holds ${largest} rows).`,
    this.lists ? 'Null lists are missing rows (read as NaN rows and counted apart); null elements are read as NaN.' : 'Null values are read as NaN.'];
    if (!littleEndian) this.notes.push('The file is big-endian: values and list offsets are byte-swapped as they are read.');
    if (batches.some(b => b.compressed)) this.notes.push('The record batches are compressed: a compressed buffer holding rows asked for is decompressed whole.');
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim).fill(NaN);
    if (this.spec.buffers) await this.readBuffers(start, count, out);
    else await this.decode(start, count, out);
    return out;
  }

  /** Rows as float32 without a float64 copy (a float32 list column read from its buffers). */
  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (this.spec.buffers && this.lists && this.dtype === 'float32') {
      const out = new Float32Array(count * this.dim).fill(NaN);
      await this.readBuffers(start, count, out);
      return out;
    }
    return Float32Array.from(await this.readRows(start, count));
  }

  async nullRowsIn(start: number, count: number): Promise<number[]> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (!this.lists) return [];
    if (this.spec.buffers) return this.spec.buffers[0].nullRows(start, count);
    const out: number[] = [];
    await this.eachBatch(start, count, (vector, b, from, to) => {
      for (let r = from; r < to; r++) if (!vector.isValid(r - b.start)) out.push(r);
    });
    return out;
  }

  private async readBuffers(start: number, count: number, out: Float32Array | Float64Array): Promise<void> {
    const columns = this.spec.buffers!;
    for (let j = 0; j < columns.length; j++) await columns[j].read(start, count, out, this.dim, this.lists ? 0 : j);
  }

  /** Calls `fn` for each column of each record batch holding rows of the range, decoded by apache-arrow. */
  private async eachBatch(start: number, count: number, fn: (vector: import('apache-arrow').Vector, b: BatchLayout, from: number, to: number, j: number) => void): Promise<void> {
    const end = start + count;
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i];
      if (b.start + b.rows <= start || b.start >= end || !b.rows) continue;
      const batch = await this.readBatch(i);
      this.spec.columns.forEach((column, j) => {
        const vector = batch.getChild(column);
        if (!vector) throw damagedArrowFile(this.label, `has no column '${column}' in record batch ${i}`);
        // apache-arrow decodes values lazily: damaged buffers surface here, as its own exceptions.
        try {
          fn(vector, b, Math.max(start, b.start), Math.min(end, b.start + b.rows), j);
        } catch (e) {
          if (e instanceof EmbdiagError) throw e;
          throw damagedArrowFile(this.label, `has a record batch ${i} whose column '${column}' apache-arrow cannot decode`);
        }
      });
    }
  }

  private async decode(start: number, count: number, out: Float64Array): Promise<void> {
    const dim = this.dim;
    await this.eachBatch(start, count, (vector, b, from, to, j) => {
      for (let r = from; r < to; r++) {
        const o = (r - start) * dim;
        const v = vector.get(r - b.start);
        if (!this.lists) { out[o + j] = toNumber(v); continue; }
        if (v === null || v === undefined) continue;
        const row = v as { length: number; get(k: number): unknown };
        if (row.length !== dim) {
          throw new EmbdiagError('bad-shape', `${this.label}: row ${r} of column '${this.name}' holds ${row.length} values, but its first non-null list holds ${dim}.`,
            'Embeddings need the same number of dimensions in every row.');
        }
        for (let k = 0; k < dim; k++) out[o + k] = toNumber(row.get(k));
      }
    });
  }
}
