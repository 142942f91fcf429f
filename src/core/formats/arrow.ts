import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix } from './dumpFile';
import type { DTypeName } from './dtype';
import { checkRowRange, findArray } from './npy';

/**
 * Arrow IPC files (.arrow, and Feather v2 .feather, which is the same format), decoded by
 * apache-arrow. Like Parquet: a (fixed-size) list column of numbers per row, or one numeric
 * column per dimension grouped as '<prefix>*'. The file footer locates each record batch. A list
 * or fixed-size-list column of float32 / float64 in an uncompressed file is read straight from its
 * buffers, only the byte ranges of the rows asked for (ArrowListColumn); anything else is decoded
 * by apache-arrow one record batch at a time (a whole batch in memory).
 * Not read: the IPC stream format (no footer) and Feather v1.
 */

type Arrow = typeof import('apache-arrow');
type Reader = import('apache-arrow').AsyncRecordBatchFileReader;
type Field = import('apache-arrow').Field;
type DataType = import('apache-arrow').DataType;
type RecordBatch = import('apache-arrow').RecordBatch;

const ARROW_MAGIC = 'ARROW1';
/** Far beyond any embedding: a list size past this comes from a damaged schema. */
const MAX_DIM = 1 << 24;

const DTYPE_BYTES: Partial<Record<DTypeName, number>> = {
  float64: 8, float32: 4, float16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint64: 8, uint32: 4, uint16: 2, uint8: 1, bool: 1,
};

export function hasArrowMagic(head: Uint8Array): boolean {
  return head.length >= 6 && String.fromCharCode(...head.subarray(0, 6)) === ARROW_MAGIC;
}

let loaded: Promise<Arrow> | undefined;
function loadArrow(): Promise<Arrow> {
  loaded ??= import('apache-arrow');
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

type Leaf = { ok: true; dtype: DTypeName } | { ok: false; name: string; reason: string };

/** A type's name for messages: apache-arrow's toString throws on a type a damaged schema left incomplete. */
function typeName(t: DataType): string {
  try {
    return String(t);
  } catch {
    return `Arrow type ${(t as unknown as { typeId?: unknown }).typeId ?? '?'}`;
  }
}

function leafType(arrow: Arrow, t: DataType): Leaf {
  const { DataType: D } = arrow;
  if (D.isFloat(t)) {
    const precision = (t as unknown as { precision: number }).precision;
    return { ok: true, dtype: precision === 0 ? 'float16' : precision === 1 ? 'float32' : 'float64' };
  }
  if (D.isInt(t)) {
    const { bitWidth, isSigned } = t as unknown as { bitWidth: number; isSigned: boolean };
    return { ok: true, dtype: `${isSigned ? 'int' : 'uint'}${bitWidth}` as DTypeName };
  }
  if (D.isBool(t)) return { ok: true, dtype: 'bool' };
  if (D.isUtf8(t) || D.isLargeUtf8(t)) return { ok: false, name: 'str', reason: 'it holds strings, not numbers' };
  return { ok: false, name: typeName(t), reason: `it holds ${typeName(t)} values, not numbers` };
}

interface ArraySpec {
  info: ArrayInfo;
  columns: string[];
  list: boolean;
  dtype?: DTypeName;
  /** A column of one number per row: its type (readable by openColumn as N×1, not as embeddings). */
  scalar?: DTypeName;
}

export async function openArrow(source: ByteSource): Promise<DumpFile> {
  const label = source.name;
  const bad = (problem: string) => new EmbdiagError('bad-header', `${label}: ${problem}.`,
    'The file is damaged or truncated, or not an Arrow IPC file; re-save it (pyarrow.feather.write_feather, or an IPC file writer) or re-copy it.');
  const head = await source.read(0, Math.min(8, source.size));
  if (!hasArrowMagic(head)) {
    throw bad(head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff
      ? 'is an Arrow IPC stream (no footer), which cannot be read by row ranges; write the IPC file format instead'
      : head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'FEA1' ? 'is a Feather v1 file; re-save it as Feather v2' : 'does not start with the Arrow file magic ARROW1');
  }
  if (source.size < 14 || String.fromCharCode(...await source.read(source.size - 6, 6)) !== ARROW_MAGIC) {
    throw bad('does not end with the Arrow file magic (the footer is missing: probably cut short)');
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
    throw bad(`has an unreadable footer or schema (${(e as Error).message})`);
  }
  if (!reader.isFile()) throw bad('is not an Arrow IPC file');
  if (reader.numRecordBatches !== layout.recordBatches.length) throw bad('has a footer that apache-arrow reads differently from its own record');
  const batches = layout.recordBatches.map(b => ({ start: b.start, rows: b.rows }));
  const totalRows = batches.reduce((n, b) => n + b.rows, 0);
  const schema = reader.schema;

  const specs: ArraySpec[] = [];
  const dimGroups = new Map<string, { spec: ArraySpec; members: { index: number; name: string; dtype: DTypeName }[] }>();
  const prefixCounts = new Map<string, number>();
  const scalarLeaf = (f: Field): Leaf | undefined => (arrow.DataType.isList(f.type) || arrow.DataType.isFixedSizeList(f.type) || arrow.DataType.isStruct(f.type) ? undefined : leafType(arrow, f.type));
  // Columns are read by name (RecordBatch.getChild): a column without a name, or with the name of an
  // earlier one, cannot be told apart. They are listed, under a name of their own, as not analysable.
  const seen = new Map<string, number>();
  const naming = new Map<Field, { name: string; problem?: string }>();
  schema.fields.forEach((f, i) => {
    if (typeof f.name !== 'string') { naming.set(f, { name: `(unnamed column ${i})`, problem: 'it has no name in the schema' }); return; }
    const k = seen.get(f.name) ?? 0;
    seen.set(f.name, k + 1);
    naming.set(f, k ? { name: `${f.name}#${k + 1}`, problem: `an earlier column is also named '${f.name}'` } : { name: f.name });
  });
  for (const f of schema.fields) {
    if (naming.get(f)!.problem) continue;
    const m = /^(.*?)(\d+)$/.exec(f.name);
    if (m && scalarLeaf(f)?.ok) prefixCounts.set(m[1], (prefixCounts.get(m[1]) ?? 0) + 1);
  }
  let batchCache: { index: number; batch: RecordBatch } | undefined;
  const readBatch = async (index: number): Promise<RecordBatch> => {
    if (batchCache?.index !== index) {
      let batch: RecordBatch | null;
      try {
        batch = await reader.readRecordBatch(index);
      } catch (e) {
        throw bad(`has an unreadable record batch ${index} (${(e as Error).message})`);
      }
      if (!batch) throw bad(`has no record batch ${index}`);
      batchCache = { index, batch };
    }
    return batchCache.batch;
  };

  for (const f of schema.fields) {
    const { name, problem } = naming.get(f)!;
    const t = f.type;
    if (problem) {
      specs.push({ info: { name, dtype: typeName(t), shape: [totalRows], analysable: false, reason: problem }, columns: [name], list: false });
      continue;
    }
    if (arrow.DataType.isFixedSizeList(t) || arrow.DataType.isList(t)) {
      const element = (t as unknown as { children?: Field[] }).children?.[0];
      if (!element) throw bad(`has a list column '${name}' without an element type`);
      const leaf = leafType(arrow, element.type);
      if (!leaf.ok) {
        specs.push({ info: { name, dtype: leaf.name, shape: [totalRows], analysable: false, reason: leaf.reason }, columns: [name], list: true });
        continue;
      }
      let dim: number | undefined = arrow.DataType.isFixedSizeList(t) ? (t as unknown as { listSize: number }).listSize : undefined;
      if (dim !== undefined && !(Number.isSafeInteger(dim) && dim >= 0 && dim <= MAX_DIM)) {
        throw bad(`has a fixed-size list column '${name}' of ${dim} values per row`);
      }
      if (dim === undefined) {
        for (let i = 0; i < Math.min(batches.length, 3) && dim === undefined; i++) {
          const batch = await readBatch(i);
          try {
            const col = batch.getChild(name);
            for (let r = 0; col && r < col.length && dim === undefined; r++) {
              const row = col.get(r) as { length: number } | null;
              if (row) dim = row.length;
            }
          } catch (e) {
            throw bad(`has a record batch ${i} whose column '${name}' cannot be decoded (${(e as Error)?.message ?? String(e)})`);
          }
        }
      }
      specs.push({
        info: dim ? { name, dtype: leaf.dtype, shape: [totalRows, dim], analysable: true }
          : { name, dtype: leaf.dtype, shape: [totalRows], analysable: false, reason: dim === 0 ? 'its lists are empty' : 'its first record batches hold only null lists' },
        columns: [name], list: true, dtype: leaf.dtype,
      });
      continue;
    }
    const leaf = scalarLeaf(f) ?? { ok: false as const, name: 'struct', reason: 'it is a struct column' };
    const m = /^(.*?)(\d+)$/.exec(name);
    if (m && leaf.ok && (prefixCounts.get(m[1]) ?? 0) >= 2) {
      let group = dimGroups.get(m[1]);
      if (!group) {
        const spec: ArraySpec = { info: { name: `${m[1]}*`, dtype: '', shape: [], analysable: true }, columns: [], list: false };
        group = { spec, members: [] };
        dimGroups.set(m[1], group);
        specs.push(spec);
      }
      group.members.push({ index: Number(m[2]), name, dtype: leaf.dtype });
      continue;
    }
    specs.push({
      info: { name, dtype: leaf.ok ? leaf.dtype : leaf.name, shape: [totalRows], analysable: false,
        reason: leaf.ok ? 'it holds one number per row; embeddings are a list column or one column per dimension' : leaf.reason },
      columns: [name], list: false, ...(leaf.ok ? { scalar: leaf.dtype } : {}),
    });
  }
  for (const { spec, members } of dimGroups.values()) {
    members.sort((a, b) => a.index - b.index);
    spec.columns = members.map(m => m.name);
    spec.dtype = members.every(m => m.dtype === members[0].dtype) ? members[0].dtype : 'float64';
    spec.info.dtype = spec.dtype;
    spec.info.shape = [totalRows, members.length];
  }
  const arrays = specs.map(s => s.info);
  const notes = [`Arrow IPC file: ${totalRows} rows in ${batches.length} record batch${batches.length === 1 ? '' : 'es'}.`];
  for (const { spec, members } of dimGroups.values()) {
    notes.push(`'${spec.info.name}' gathers ${members.length} numeric columns (${members[0].name} … ${members[members.length - 1].name}) into one ${members.length}-dimensional array.`);
  }
  return {
    format: 'arrow',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!info.analysable || !spec.dtype) {
        const numeric = /^(float|int|uint|bool)/.test(info.dtype);
        throw new EmbdiagError(numeric ? 'bad-shape' : 'unsupported-dtype', `${label}: column '${info.name}' cannot be analysed: ${info.reason}.`,
          'Pick a list column of numbers, or store the embeddings as one.');
      }
      // Every value of the array is in some record batch's body: a row count or a list length beyond that is damage.
      const bits = spec.dtype === 'bool' ? 1 : 8 * (DTYPE_BYTES[spec.dtype] ?? 1);
      const bodyBytes = layout.recordBatches.reduce((n, b) => n + b.bodyLength, 0);
      if (info.shape[0] * info.shape[1] * bits > bodyBytes * 8) {
        throw bad(`declares ${info.shape[0]} x ${info.shape[1]} ${spec.dtype} values for '${info.name}', but its record batches hold only ${bodyBytes} bytes`);
      }
      const direct = layout.littleEndian ? directListColumn(arrow, schema.fields, info.name, spec, layout.recordBatches, source, label) : undefined;
      return new ArrowMatrix(label, spec, batches, readBatch, direct);
    },
    async openColumn(requested: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!spec.scalar) return (this as DumpFile).open(requested);
      const column: ArraySpec = { info: { name: info.name, dtype: spec.scalar, shape: [totalRows, 1], analysable: true }, columns: [info.name], list: false, dtype: spec.scalar };
      return new ArrowMatrix(label, column, batches, readBatch, undefined);
    },
  };
}

// ---- checking the file's structure before apache-arrow decodes it --------------------------------

/** Nested field types deeper than this are not embeddings (and a cycle of child tables never ends). */
const MAX_FIELD_DEPTH = 64;
/** Footers beyond this are not plausible (the footer is read whole). */
const MAX_FOOTER_BYTES = 64 << 20;
/** Message headers (flatbuffers describing one record batch) beyond this are not plausible. */
const MAX_MESSAGE_BYTES = 64 << 20;
/** The file starts with 'ARROW1' and two bytes of padding; it ends with the footer length and 'ARROW1'. */
const LEADING_BYTES = 8;
const TRAILING_BYTES = 10;

/** Where a record batch is, and how many rows it says it holds. */
interface BatchLayout {
  start: number; rows: number; offset: number; bodyLength: number;
  /** Where the body starts in the file; its field nodes and buffers (offsets relative to the body); compressed buffers. */
  bodyStart: number; nodes: { length: number; nullCount: number }[]; buffers: { offset: number; length: number }[]; compressed: boolean;
}

class FlatbufferError extends Error {}

/**
 * A flatbuffer read with every offset, vtable and vector length checked against the buffer, and
 * a budget of table visits proportional to its size (a table listed as its own child, or shared
 * many times, cannot make the walk exponential). Errors are FlatbufferErrors naming the problem.
 */
class CheckedFlatbuffer {
  private readonly view: DataView;
  private budget: number;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = Math.floor(bytes.length / 4) + 8;
  }

  private fail(problem: string): never { throw new FlatbufferError(problem); }

  private need(at: number, n: number, what: string): void {
    if (!Number.isSafeInteger(at) || at < 0 || at + n > this.bytes.length) this.fail(`${what} at byte ${at} lies outside the ${this.bytes.length}-byte buffer`);
  }

  u8(at: number): number { this.need(at, 1, 'a byte'); return this.view.getUint8(at); }
  i16(at: number): number { this.need(at, 2, 'a short'); return this.view.getInt16(at, true); }
  i32(at: number): number { this.need(at, 4, 'an int'); return this.view.getInt32(at, true); }
  /** An int64 that must be a non-negative safe integer (lengths, offsets). */
  size64(at: number, what: string): number {
    this.need(at, 8, what);
    const hi = this.view.getInt32(at + 4, true);
    const lo = this.view.getUint32(at, true);
    const v = hi * 4294967296 + lo;
    if (hi < 0 || !Number.isSafeInteger(v)) this.fail(`${what} is ${hi < 0 ? 'negative' : 'beyond 2^53'}`);
    return v;
  }

  /** The root table's position. */
  root(): number {
    return this.target(0, 'the root table');
  }

  /** Follows the uoffset stored at `at`. */
  private target(at: number, what: string): number {
    this.need(at, 4, what);
    const to = at + this.view.getUint32(at, true);
    this.need(to, 4, what);
    return to;
  }

  /** Checks a table's vtable; returns a reader of its fields' positions. */
  table(at: number, what: string): (slot: number, size: number) => number | undefined {
    if (--this.budget < 0) this.fail(`${what}: more tables are visited than the buffer can hold (tables shared or nested in a cycle)`);
    this.need(at, 4, what);
    const vtable = at - this.view.getInt32(at, true);
    this.need(vtable, 4, `the vtable of ${what}`);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2) this.fail(`${what} has a vtable of ${vtableSize} bytes`);
    this.need(vtable, vtableSize, `the vtable of ${what}`);
    this.need(at, Math.max(4, tableSize), what);
    return (slot, size) => {
      const entry = 4 + 2 * slot;
      if (entry + 2 > vtableSize) return undefined;
      const offset = this.view.getUint16(vtable + entry, true);
      if (offset === 0) return undefined;
      if (offset + size > tableSize) this.fail(`${what}: field ${slot} lies outside the table`);
      return at + offset;
    };
  }

  /** A sub-table (an offset field), or undefined when absent. */
  subtable(field: number | undefined, what: string): number | undefined {
    return field === undefined ? undefined : this.target(field, what);
  }

  /** A vector's element count and first element, checked against the buffer. */
  vector(field: number | undefined, elementSize: number, what: string): { start: number; length: number } {
    if (field === undefined) return { start: 0, length: 0 };
    const at = this.target(field, what);
    const length = this.view.getUint32(at, true);
    this.need(at + 4, length * elementSize, `${what} (${length} elements)`);
    return { start: at + 4, length };
  }

  /** The table positions of a vector of tables. */
  tables(field: number | undefined, what: string): number[] {
    const { start, length } = this.vector(field, 4, what);
    const out: number[] = [];
    for (let i = 0; i < length; i++) out.push(this.target(start + 4 * i, `${what}[${i}]`));
    return out;
  }

  string(field: number | undefined, what: string): void {
    this.vector(field, 1, what);
  }
}

/** Arrow's Type union members whose tables hold offsets: Timestamp (timezone string), Union (type ids). */
const TYPE_TIMESTAMP = 10;
const TYPE_UNION = 14;

function checkKeyValues(fb: CheckedFlatbuffer, field: number | undefined, what: string): void {
  for (const kv of fb.tables(field, what)) {
    const slot = fb.table(kv, what);
    fb.string(slot(0, 4), `${what} key`);
    fb.string(slot(1, 4), `${what} value`);
  }
}

function checkField(fb: CheckedFlatbuffer, at: number, depth: number): void {
  if (depth > MAX_FIELD_DEPTH) throw new FlatbufferError(`fields nest more than ${MAX_FIELD_DEPTH} levels deep`);
  const slot = fb.table(at, 'a field');
  fb.string(slot(0, 4), 'a field name');
  const typeTag = slot(2, 1);
  const typeType = typeTag === undefined ? 0 : fb.u8(typeTag);
  const type = fb.subtable(slot(3, 4), 'a field type');
  if (type !== undefined) {
    const t = fb.table(type, 'a field type');
    if (typeType === TYPE_TIMESTAMP) fb.string(t(1, 4), 'a timestamp time zone');
    if (typeType === TYPE_UNION) fb.vector(t(1, 4), 4, 'union type ids');
  }
  const dictionary = fb.subtable(slot(4, 4), 'a dictionary encoding');
  if (dictionary !== undefined) {
    const d = fb.table(dictionary, 'a dictionary encoding');
    const indexType = fb.subtable(d(1, 4), 'a dictionary index type');
    if (indexType !== undefined) fb.table(indexType, 'a dictionary index type');
  }
  for (const child of fb.tables(slot(5, 4), 'field children')) checkField(fb, child, depth + 1);
  checkKeyValues(fb, slot(6, 4), 'field metadata');
}

function checkSchema(fb: CheckedFlatbuffer, at: number): void {
  const slot = fb.table(at, 'the schema');
  for (const field of fb.tables(slot(1, 4), 'schema fields')) checkField(fb, field, 0);
  checkKeyValues(fb, slot(2, 4), 'schema metadata');
  fb.vector(slot(3, 4), 8, 'schema features');
}

/** Checks a RecordBatch table (also the data of a dictionary batch); returns its row count and buffers' extent. */
function checkRecordBatch(fb: CheckedFlatbuffer, at: number): RecordBatchHeader {
  const slot = fb.table(at, 'a record batch header');
  const lengthField = slot(0, 8);
  const rows = lengthField === undefined ? 0 : fb.size64(lengthField, 'the row count');
  const nodeVector = fb.vector(slot(1, 16), 16, 'field nodes');
  const nodes: RecordBatchHeader['nodes'] = [];
  for (let i = 0; i < nodeVector.length; i++) {
    nodes.push({ length: fb.size64(nodeVector.start + 16 * i, 'a field node length'), nullCount: fb.size64(nodeVector.start + 16 * i + 8, 'a field node null count') });
  }
  const bufferVector = fb.vector(slot(2, 16), 16, 'buffers');
  const buffers: RecordBatchHeader['buffers'] = [];
  let bufferEnd = 0;
  for (let i = 0; i < bufferVector.length; i++) {
    const offset = fb.size64(bufferVector.start + 16 * i, 'a buffer offset');
    const length = fb.size64(bufferVector.start + 16 * i + 8, 'a buffer length');
    buffers.push({ offset, length });
    bufferEnd = Math.max(bufferEnd, offset + length);
  }
  const compression = fb.subtable(slot(3, 4), 'the body compression');
  if (compression !== undefined) fb.table(compression, 'the body compression');
  fb.vector(slot(4, 4), 8, 'variadic buffer counts');
  return { rows, bufferEnd, nodes, buffers, compressed: compression !== undefined };
}

interface RecordBatchHeader {
  rows: number;
  bufferEnd: number;
  nodes: { length: number; nullCount: number }[];
  buffers: { offset: number; length: number }[];
  compressed: boolean;
}

const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;

/** Checks an IPC message header; returns its kind, body length and (for batches) row count. */
function checkMessage(bytes: Uint8Array): { headerType: number; bodyLength: number; batch?: RecordBatchHeader } {
  const fb = new CheckedFlatbuffer(bytes);
  const slot = fb.table(fb.root(), 'the message');
  const typeTag = slot(1, 1);
  const headerType = typeTag === undefined ? 0 : fb.u8(typeTag);
  const header = fb.subtable(slot(2, 4), 'the message header');
  const bodyField = slot(3, 8);
  const bodyLength = bodyField === undefined ? 0 : fb.size64(bodyField, 'the body length');
  checkKeyValues(fb, slot(4, 4), 'message metadata');
  let batch: RecordBatchHeader | undefined;
  if (header === undefined) throw new FlatbufferError('the message has no header');
  if (headerType === HEADER_SCHEMA) checkSchema(fb, header);
  else if (headerType === HEADER_RECORD_BATCH) batch = checkRecordBatch(fb, header);
  else if (headerType === HEADER_DICTIONARY_BATCH) {
    const d = fb.table(header, 'a dictionary batch');
    const data = fb.subtable(d(1, 4), 'the dictionary data');
    if (data !== undefined) batch = checkRecordBatch(fb, data);
  } else throw new FlatbufferError(`the message header has type ${headerType}, not a schema or a batch`);
  if (batch && batch.bufferEnd > bodyLength) throw new FlatbufferError(`its buffers reach byte ${batch.bufferEnd} of a ${bodyLength}-byte body`);
  return { headerType, bodyLength, batch };
}

/**
 * Reads the footer and every message header the footer lists, checking each flatbuffer and each
 * size against the file, so that apache-arrow is only given structures it can decode in bounded
 * memory. Returns the record batches' row counts.
 */
async function verifyArrowFile(source: ByteSource, label: string): Promise<{ recordBatches: BatchLayout[]; littleEndian: boolean }> {
  const bad = (problem: string) => new EmbdiagError('bad-header', `${label}: ${problem}.`,
    'The file is damaged or truncated, or not an Arrow IPC file; re-save it (pyarrow.feather.write_feather, or an IPC file writer) or re-copy it.');
  const tail = await source.read(source.size - TRAILING_BYTES, 4);
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true);
  const footerStart = source.size - TRAILING_BYTES - footerLength;
  if (footerLength <= 0 || footerStart < LEADING_BYTES) throw bad(`declares a ${footerLength}-byte footer, which does not fit in the ${source.size}-byte file`);
  if (footerLength > MAX_FOOTER_BYTES) {
    throw new EmbdiagError('too-large', `${label}: its Arrow footer is ${footerLength} bytes, more than the ${MAX_FOOTER_BYTES} this tool reads.`, 'Rewrite the file with fewer record batches or columns.');
  }
  const blocks = (fb: CheckedFlatbuffer, field: number | undefined, what: string) => {
    const { start, length } = fb.vector(field, 24, what);
    const out: { offset: number; metaDataLength: number; bodyLength: number }[] = [];
    for (let i = 0; i < length; i++) {
      out.push({ offset: fb.size64(start + 24 * i, 'a block offset'), metaDataLength: fb.i32(start + 24 * i + 8), bodyLength: fb.size64(start + 24 * i + 16, 'a block body length') });
    }
    return out;
  };
  let dictionaryBlocks: ReturnType<typeof blocks>;
  let batchBlocks: ReturnType<typeof blocks>;
  let littleEndian = true;
  try {
    const fb = new CheckedFlatbuffer(await source.read(footerStart, footerLength));
    const slot = fb.table(fb.root(), 'the footer');
    const schema = fb.subtable(slot(1, 4), 'the schema');
    if (schema === undefined) throw new FlatbufferError('the footer has no schema');
    checkSchema(fb, schema);
    const endianness = fb.table(schema, 'the schema')(0, 2);
    littleEndian = endianness === undefined || fb.i16(endianness) === 0;
    dictionaryBlocks = blocks(fb, slot(2, 4), 'dictionary blocks');
    batchBlocks = blocks(fb, slot(3, 4), 'record batch blocks');
    checkKeyValues(fb, slot(4, 4), 'footer metadata');
  } catch (e) {
    if (e instanceof FlatbufferError) throw bad(`has a damaged footer (${e.message})`);
    throw e;
  }

  const recordBatches: BatchLayout[] = [];
  let start = 0;
  const all = [...dictionaryBlocks.map(b => ({ ...b, dictionary: true })), ...batchBlocks.map(b => ({ ...b, dictionary: false }))];
  for (let i = 0; i < all.length; i++) {
    const block = all[i];
    const what = block.dictionary ? `dictionary batch ${i}` : `record batch ${i - dictionaryBlocks.length}`;
    const end = block.offset + block.metaDataLength + block.bodyLength;
    if (block.offset < LEADING_BYTES || block.metaDataLength < 8 || end > footerStart) {
      throw new EmbdiagError('truncated', `${label}: ${what} (bytes ${block.offset}..${end}) lies outside the data part of the file (bytes ${LEADING_BYTES}..${footerStart}).`,
        'The file is probably truncated or damaged; re-save or re-copy it.');
    }
    // As apache-arrow reads it: [0xFFFFFFFF] int32 length, then the flatbuffer, then the body.
    const prefix = await source.read(block.offset, 8);
    const pv = new DataView(prefix.buffer, prefix.byteOffset, 8);
    const continued = pv.getInt32(0, true) === -1;
    const headerStart = block.offset + (continued ? 8 : 4);
    const headerLength = pv.getInt32(continued ? 4 : 0, true);
    if (headerLength <= 0 || headerLength > MAX_MESSAGE_BYTES || headerStart + headerLength > block.offset + block.metaDataLength) {
      throw bad(`${what} has a ${headerLength}-byte message header, which does not fit in its ${block.metaDataLength}-byte block`);
    }
    let message: ReturnType<typeof checkMessage>;
    try {
      message = checkMessage(await source.read(headerStart, headerLength));
    } catch (e) {
      if (e instanceof FlatbufferError) throw bad(`${what} has a damaged message header (${e.message})`);
      throw e;
    }
    const expected = block.dictionary ? HEADER_DICTIONARY_BATCH : HEADER_RECORD_BATCH;
    if (message.headerType !== expected) throw bad(`${what} holds a message of type ${message.headerType}`);
    if (headerStart + headerLength + message.bodyLength > footerStart) {
      throw new EmbdiagError('truncated', `${label}: ${what} declares a ${message.bodyLength}-byte body, which runs past the data part of the file.`,
        'The file is probably truncated or damaged; re-save or re-copy it.');
    }
    if (!block.dictionary) {
      const b = message.batch!;
      if (block.offset + block.metaDataLength + message.bodyLength > footerStart) {
        throw new EmbdiagError('truncated', `${label}: ${what} declares a ${message.bodyLength}-byte body, which runs past the data part of the file.`,
          'The file is probably truncated or damaged; re-save or re-copy it.');
      }
      recordBatches.push({ start, rows: b.rows, offset: block.offset, bodyLength: message.bodyLength,
        bodyStart: block.offset + block.metaDataLength, nodes: b.nodes, buffers: b.buffers, compressed: b.compressed });
      start += b.rows;
      if (!Number.isSafeInteger(start)) throw bad('declares more rows than can be counted');
    }
  }
  return { recordBatches, littleEndian };
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

  constructor(private readonly label: string, private readonly spec: ArraySpec, private readonly batches: { start: number; rows: number }[],
    private readonly readBatch: (index: number) => Promise<RecordBatch>, private readonly direct?: ArrowListColumn) {
    this.name = spec.info.name;
    this.dtype = spec.dtype!;
    this.shape = spec.info.shape.slice();
    this.rows = spec.info.shape[0];
    this.dim = spec.info.shape[1];
    const largest = batches.reduce((m, b) => Math.max(m, b.rows), 0);
    this.notes = [direct ? `Read from the column's buffers, only the rows needed (${batches.length} record batch${batches.length === 1 ? '' : 'es'}; the largest holds ${largest} rows).`
      : `Read one record batch at a time (the largest holds ${largest} rows).`,
      spec.list ? 'Null lists and null elements are read as NaN.' : 'Null values are read as NaN.'];
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    const dim = this.dim;
    const out = new Float64Array(count * dim).fill(NaN);
    if (this.direct) {
      await this.direct.read(start, count, out);
      return out;
    }
    const end = start + count;
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i];
      if (b.start + b.rows <= start || b.start >= end || !b.rows) continue;
      const batch = await this.readBatch(i);
      const from = Math.max(start, b.start);
      const to = Math.min(end, b.start + b.rows);
      // apache-arrow decodes values lazily: damaged buffers surface here, as its own exceptions.
      try {
        this.extract(batch, i, b, from, to, start, out);
      } catch (e) {
        if (e instanceof EmbdiagError) throw e;
        throw new EmbdiagError('bad-header', `${this.label}: record batch ${i} of column '${this.name}' cannot be decoded (${(e as Error)?.message ?? String(e)}).`,
          'The file is damaged; re-save it (pyarrow.feather.write_feather) or re-copy it.');
      }
    }
    return out;
  }

  /** Rows as float32 without a float64 copy (a float32 column read from its buffers). */
  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    if (this.direct && this.dtype === 'float32') {
      const out = new Float32Array(count * this.dim).fill(NaN);
      await this.direct.read(start, count, out);
      return out;
    }
    return Float32Array.from(await this.readRows(start, count));
  }

  private extract(batch: RecordBatch, i: number, b: { start: number; rows: number }, from: number, to: number, start: number, out: Float64Array): void {
    const dim = this.dim;
    this.spec.columns.forEach((column, j) => {
      const vector = batch.getChild(column);
      if (!vector) throw new EmbdiagError('bad-header', `${this.label}: record batch ${i} has no column '${column}'.`, 'Re-save the file.');
      for (let r = from; r < to; r++) {
        const o = (r - start) * dim;
        const v = vector.get(r - b.start);
        if (!this.spec.list) { out[o + j] = toNumber(v); continue; }
        if (v === null || v === undefined) continue;
        const row = v as { length: number; get(k: number): unknown };
        if (row.length !== dim) {
          throw new EmbdiagError('bad-shape', `${this.label}: row ${r} of column '${this.name}' holds ${row.length} values, but the rows before it hold ${dim}.`,
            'Embeddings need the same number of dimensions in every row.');
        }
        for (let k = 0; k < dim; k++) out[o + k] = toNumber(row.get(k));
      }
    });
  }
}

// ---- reading a list column straight from its buffers ---------------------------------------------

/** Field nodes and buffers a column of this type takes in a record batch (IPC format V5), or undefined when not known here. */
function nodesAndBuffers(arrow: Arrow, t: DataType, depth = 0): { nodes: number; buffers: number } | undefined {
  if (depth > MAX_FIELD_DEPTH) return undefined;
  const D = arrow.DataType;
  if (D.isDictionary(t) || D.isInt(t) || D.isFloat(t) || D.isBool(t) || D.isDecimal(t) || D.isDate(t) || D.isTime(t) || D.isTimestamp(t)
    || D.isInterval(t) || D.isDuration(t) || D.isFixedSizeBinary(t)) return { nodes: 1, buffers: 2 };
  if (D.isNull(t)) return { nodes: 1, buffers: 0 };
  if (D.isUtf8(t) || D.isBinary(t) || D.isLargeUtf8(t) || D.isLargeBinary(t)) return { nodes: 1, buffers: 3 };
  const children = (t as unknown as { children?: Field[] }).children ?? [];
  let own: number;
  if (D.isList(t) || D.isMap(t)) own = 2;
  else if (D.isFixedSizeList(t) || D.isStruct(t)) own = 1;
  else return undefined; // unions, views, run-end encoded, large lists: not needed for embeddings
  let nodes = 1, buffers = own;
  for (const c of children) {
    const x = nodesAndBuffers(arrow, c.type, depth + 1);
    if (!x) return undefined;
    nodes += x.nodes;
    buffers += x.buffers;
  }
  return { nodes, buffers };
}

/**
 * A reader of a list<float> or fixed_size_list<float> column (float32 or float64 elements) from
 * the record batches' buffers, when the file is uncompressed and the layout of every batch is the
 * one the schema implies; undefined otherwise (apache-arrow then decodes whole batches).
 */
function directListColumn(arrow: Arrow, fields: Field[], name: string, spec: ArraySpec, batches: BatchLayout[], source: ByteSource, label: string): ArrowListColumn | undefined {
  if (!spec.list || (spec.dtype !== 'float32' && spec.dtype !== 'float64')) return undefined;
  const index = fields.findIndex(f => f.name === name);
  if (index < 0 || fields.findIndex((f, i) => i !== index && f.name === name) >= 0) return undefined;
  const t = fields[index].type;
  const fixed = arrow.DataType.isFixedSizeList(t);
  if (!fixed && !arrow.DataType.isList(t)) return undefined;
  let node = 0, buffer = 0, totalNodes = 0, totalBuffers = 0;
  for (let i = 0; i < fields.length; i++) {
    const x = nodesAndBuffers(arrow, fields[i].type);
    if (!x) return undefined;
    if (i === index) { node = totalNodes; buffer = totalBuffers; }
    totalNodes += x.nodes;
    totalBuffers += x.buffers;
  }
  if (batches.some(b => b.compressed || b.nodes.length !== totalNodes || b.buffers.length !== totalBuffers)) return undefined;
  return new ArrowListColumn(source, label, name, spec.info.shape[1], spec.dtype === 'float32' ? 4 : 8, fixed, node, buffer, batches);
}

/**
 * Rows of one list column read from the file by byte range: the list validity bits, the offsets
 * (variable-size lists), the element validity bits and the values of just those rows. Every
 * range is checked against its buffer, and every buffer lies in its batch's body (checked when
 * the file was opened).
 */
class ArrowListColumn {
  constructor(private readonly source: ByteSource, private readonly label: string, private readonly column: string, private readonly dim: number,
    private readonly size: 4 | 8, private readonly fixed: boolean, private readonly node: number, private readonly buffer: number,
    private readonly batches: BatchLayout[]) {}

  private damaged(batch: number, problem: string): EmbdiagError {
    return new EmbdiagError('bad-header', `${this.label}: record batch ${batch} of column '${this.column}' is damaged: ${problem}.`,
      'The file is damaged; re-save it (pyarrow.feather.write_feather) or re-copy it.');
  }

  /** Bytes [from, to) of buffer `k` of batch `b`. */
  private async bytes(b: number, k: number, from: number, to: number, what: string): Promise<Uint8Array> {
    const layout = this.batches[b];
    const buf = layout.buffers[k];
    if (from < 0 || to < from || to > buf.length) throw this.damaged(b, `its ${what} buffer holds ${buf.length} bytes, ${to} are needed`);
    return this.source.read(layout.bodyStart + buf.offset + from, to - from);
  }

  /** Validity bits [from, to) of buffer `k` (undefined: all valid). */
  private async validity(b: number, k: number, nullCount: number, from: number, to: number, what: string): Promise<((i: number) => boolean) | undefined> {
    if (!nullCount || !this.batches[b].buffers[k].length) return undefined;
    const first = from >> 3;
    const bits = await this.bytes(b, k, first, (to + 7) >> 3, what);
    return (i: number) => ((bits[(i >> 3) - first] >> (i & 7)) & 1) === 1;
  }

  async read(start: number, count: number, out: Float32Array | Float64Array): Promise<void> {
    const dim = this.dim;
    const end = start + count;
    for (let b = 0; b < this.batches.length; b++) {
      const layout = this.batches[b];
      if (layout.start + layout.rows <= start || layout.start >= end || !layout.rows) continue;
      const from = Math.max(start, layout.start) - layout.start;
      const to = Math.min(end, layout.start + layout.rows) - layout.start;
      const list = layout.nodes[this.node];
      const elements = layout.nodes[this.node + 1];
      if (list.length !== layout.rows) throw this.damaged(b, `its list node holds ${list.length} rows, the batch ${layout.rows}`);
      const listValid = await this.validity(b, this.buffer, list.nullCount, from, to, 'validity');
      const childBuffer = this.buffer + (this.fixed ? 1 : 2);
      // the elements of rows [from, to), and where each row's begin
      let first: number, last: number;
      let offsets: Int32Array | undefined;
      if (this.fixed) {
        first = from * dim;
        last = to * dim;
      } else {
        const raw = await this.bytes(b, this.buffer + 1, 4 * from, 4 * (to + 1), 'offsets');
        offsets = new Int32Array(raw.slice().buffer);
        first = offsets[0];
        last = offsets[to - from];
        if (first < 0 || last < first || last - first > (to - from) * dim) throw this.damaged(b, `its offsets for rows ${from}..${to} span ${last - first} elements`);
      }
      if (last > elements.length) throw this.damaged(b, `its rows need ${last} elements, it holds ${elements.length}`);
      const elementValid = await this.validity(b, childBuffer, elements.nullCount, first, last, 'element validity');
      const raw = await this.bytes(b, childBuffer + 1, first * this.size, last * this.size, 'values');
      const copy = raw.slice();
      const values = this.size === 4 ? new Float32Array(copy.buffer, 0, last - first) : new Float64Array(copy.buffer, 0, last - first);
      const o0 = (layout.start + from - start) * dim;
      if (this.fixed && !listValid && !elementValid) {
        out.set(values, o0);
        continue;
      }
      for (let r = from; r < to; r++) {
        if (listValid && !listValid(r)) continue; // a null list: NaN row
        const at = offsets ? offsets[r - from] - first : (r - from) * dim;
        if (offsets && offsets[r - from + 1] - offsets[r - from] !== dim) {
          throw new EmbdiagError('bad-shape', `${this.label}: row ${layout.start + r} of column '${this.column}' holds ${offsets[r - from + 1] - offsets[r - from]} values, but the rows before it hold ${dim}.`,
            'Embeddings need the same number of dimensions in every row.');
        }
        if (at < 0 || at + dim > values.length) throw this.damaged(b, `row ${layout.start + r} points at elements outside the rows read`);
        const o = o0 + (r - from) * dim;
        if (!elementValid) out.set(values.subarray(at, at + dim), o);
        else for (let k = 0; k < dim; k++) if (elementValid(first + at + k)) out[o + k] = values[at + k];
      }
    }
  }
}
