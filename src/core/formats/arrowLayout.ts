import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { ARROW_CODECS } from './arrowCompression';

/**
 * The structure of an Arrow IPC file, checked before apache-arrow decodes it: the footer, and
 * every message header the footer lists (flatbuffers whose offsets, vtables and vector lengths
 * are all checked against their buffer). What it returns (record batches' row counts, field
 * nodes and buffers, the byte order) is what the column reader (arrowBuffers.ts) reads by.
 */

/** Nested field types deeper than this are not embeddings (and a cycle of child tables never ends). */
export const MAX_FIELD_DEPTH = 64;
/** Footers beyond this are not plausible (the footer is read whole). */
const MAX_FOOTER_BYTES = 64 << 20;
/** Message headers (flatbuffers describing one record batch) beyond this are not plausible. */
export const MAX_MESSAGE_BYTES = 64 << 20;
/** The file starts with 'ARROW1' and two bytes of padding; it ends with the footer length and 'ARROW1'. */
const LEADING_BYTES = 8;
const TRAILING_BYTES = 10;

/** Where a record batch is, and how many rows it says it holds. */
export interface BatchLayout {
  start: number; rows: number; offset: number; bodyLength: number;
  /** Where the body starts in the file; its field nodes and buffers (offsets relative to the body); the codec of compressed buffers. */
  bodyStart: number; nodes: { length: number; nullCount: number }[]; buffers: { offset: number; length: number }[]; compressed?: string;
}

export class FlatbufferError extends Error {}

const UTF8 = new TextDecoder('utf-8', { fatal: false });

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

  /** A string's text (undefined when absent). */
  string(field: number | undefined, what: string): string | undefined {
    if (field === undefined) return undefined;
    const { start, length } = this.vector(field, 1, what);
    return UTF8.decode(this.bytes.subarray(start, start + length));
  }
}

/** Arrow's Type union members whose tables hold offsets: Timestamp (timezone string), Union (type ids). */
const TYPE_TIMESTAMP = 10;
const TYPE_UNION = 14;
/** Type union members apache-arrow cannot decode (it refuses the whole schema): Schema.fbs names, by id. */
const UNREADABLE_TYPES: Record<number, string> = { 22: 'RunEndEncoded', 25: 'ListView', 26: 'LargeListView' };
/** The last type id Schema.fbs defines (LargeListView); later ids come from a newer format version or from damage. */
const LAST_TYPE_ID = 26;

/** A top-level column whose type (or a nested child's) apache-arrow cannot decode. */
export interface UnreadableColumn {
  column: string;
  type: string;
}

function checkKeyValues(fb: CheckedFlatbuffer, field: number | undefined, what: string): void {
  for (const kv of fb.tables(field, what)) {
    const slot = fb.table(kv, what);
    fb.string(slot(0, 4), `${what} key`);
    fb.string(slot(1, 4), `${what} value`);
  }
}

/** Checks a field and its children; returns the name of a type in it that apache-arrow cannot decode, if any. */
function checkField(fb: CheckedFlatbuffer, at: number, depth: number): string | undefined {
  if (depth > MAX_FIELD_DEPTH) throw new FlatbufferError(`fields nest more than ${MAX_FIELD_DEPTH} levels deep`);
  const slot = fb.table(at, 'a field');
  fb.string(slot(0, 4), 'a field name');
  const typeTag = slot(2, 1);
  const typeType = typeTag === undefined ? 0 : fb.u8(typeTag);
  if (typeType === 0) throw new FlatbufferError('a field has no type');
  let unreadable = UNREADABLE_TYPES[typeType] ? `the Arrow type ${UNREADABLE_TYPES[typeType]}` : typeType > LAST_TYPE_ID ? `an Arrow type unknown to this reader (number ${typeType})` : undefined;
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
  for (const child of fb.tables(slot(5, 4), 'field children')) {
    const inChild = checkField(fb, child, depth + 1);
    unreadable ??= inChild;
  }
  checkKeyValues(fb, slot(6, 4), 'field metadata');
  return unreadable;
}

function checkSchema(fb: CheckedFlatbuffer, at: number): UnreadableColumn[] {
  const slot = fb.table(at, 'the schema');
  const unreadable: UnreadableColumn[] = [];
  fb.tables(slot(1, 4), 'schema fields').forEach((field, i) => {
    const type = checkField(fb, field, 0);
    if (type) unreadable.push({ column: fb.string(fb.table(field, 'a field')(0, 4), 'a field name') ?? `(unnamed column ${i})`, type });
  });
  checkKeyValues(fb, slot(2, 4), 'schema metadata');
  fb.vector(slot(3, 4), 8, 'schema features');
  return unreadable;
}

/** Checks a RecordBatch table (also the data of a dictionary batch); returns its row count and buffers' extent. */
function checkRecordBatch(fb: CheckedFlatbuffer, at: number): RecordBatchHeader {
  const slot = fb.table(at, 'a record batch header');
  const lengthField = slot(0, 8);
  const rows = lengthField === undefined ? 0 : fb.size64(lengthField, 'the row count');
  // nodes and buffers are offsets to vectors of structs (4 bytes in the table), not inline structs
  const nodeVector = fb.vector(slot(1, 4), 16, 'field nodes');
  const nodes: RecordBatchHeader['nodes'] = [];
  for (let i = 0; i < nodeVector.length; i++) {
    nodes.push({ length: fb.size64(nodeVector.start + 16 * i, 'a field node length'), nullCount: fb.size64(nodeVector.start + 16 * i + 8, 'a field node null count') });
  }
  const bufferVector = fb.vector(slot(2, 4), 16, 'buffers');
  const buffers: RecordBatchHeader['buffers'] = [];
  let bufferEnd = 0;
  for (let i = 0; i < bufferVector.length; i++) {
    const offset = fb.size64(bufferVector.start + 16 * i, 'a buffer offset');
    const length = fb.size64(bufferVector.start + 16 * i + 8, 'a buffer length');
    buffers.push({ offset, length });
    bufferEnd = Math.max(bufferEnd, offset + length);
  }
  const compression = fb.subtable(slot(3, 4), 'the body compression');
  let compressed: string | undefined;
  if (compression !== undefined) {
    const slotOf = fb.table(compression, 'the body compression');
    const codecField = slotOf(0, 1), methodField = slotOf(1, 1);
    const codec = codecField === undefined ? 0 : fb.u8(codecField);
    // BodyCompressionMethod: BUFFER (0), each buffer compressed on its own, is the only one defined
    const method = methodField === undefined ? 0 : fb.u8(methodField);
    compressed = method ? `compression method number ${method}` : ARROW_CODECS[codec] ?? `codec number ${codec}`;
  }
  fb.vector(slot(4, 4), 8, 'variadic buffer counts');
  return { rows, bufferEnd, nodes, buffers, compressed };
}

interface RecordBatchHeader {
  rows: number;
  bufferEnd: number;
  nodes: { length: number; nullCount: number }[];
  buffers: { offset: number; length: number }[];
  compressed?: string;
}

export const HEADER_SCHEMA = 1;
export const HEADER_DICTIONARY_BATCH = 2;
export const HEADER_RECORD_BATCH = 3;

/** Checks an IPC message header; returns its kind, body length, (for batches) row count and buffers, (for a schema) what cannot be read and the byte order. */
export function checkMessage(bytes: Uint8Array): { headerType: number; bodyLength: number; batch?: RecordBatchHeader; schema?: { unreadable: UnreadableColumn[]; littleEndian: boolean } } {
  const fb = new CheckedFlatbuffer(bytes);
  const slot = fb.table(fb.root(), 'the message');
  const typeTag = slot(1, 1);
  const headerType = typeTag === undefined ? 0 : fb.u8(typeTag);
  const header = fb.subtable(slot(2, 4), 'the message header');
  const bodyField = slot(3, 8);
  const bodyLength = bodyField === undefined ? 0 : fb.size64(bodyField, 'the body length');
  checkKeyValues(fb, slot(4, 4), 'message metadata');
  let batch: RecordBatchHeader | undefined;
  let schema: { unreadable: UnreadableColumn[]; littleEndian: boolean } | undefined;
  if (header === undefined) throw new FlatbufferError('the message has no header');
  if (headerType === HEADER_SCHEMA) {
    const unreadable = checkSchema(fb, header);
    const endianness = fb.table(header, 'the schema')(0, 2);
    schema = { unreadable, littleEndian: endianness === undefined || fb.i16(endianness) === 0 };
  }
  else if (headerType === HEADER_RECORD_BATCH) batch = checkRecordBatch(fb, header);
  else if (headerType === HEADER_DICTIONARY_BATCH) {
    const d = fb.table(header, 'a dictionary batch');
    const data = fb.subtable(d(1, 4), 'the dictionary data');
    if (data !== undefined) batch = checkRecordBatch(fb, data);
  } else throw new FlatbufferError(`the message header has type ${headerType}, not a schema or a batch`);
  if (batch && batch.bufferEnd > bodyLength) throw new FlatbufferError(`its buffers reach byte ${batch.bufferEnd} of a ${bodyLength}-byte body`);
  return { headerType, bodyLength, batch, schema };
}

/**
 * Reads the footer and every message header the footer lists, checking each flatbuffer and each
 * size against the file, so that apache-arrow is only given structures it can decode in bounded
 * memory. Returns the record batches' row counts.
 */
export async function verifyArrowFile(source: ByteSource, label: string): Promise<ArrowFileLayout> {
  const bad = (problem: string) => damagedArrowFile(label, problem);
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
  let unreadable: UnreadableColumn[] = [];
  try {
    const fb = new CheckedFlatbuffer(await source.read(footerStart, footerLength));
    const slot = fb.table(fb.root(), 'the footer');
    const schema = fb.subtable(slot(1, 4), 'the schema');
    if (schema === undefined) throw new FlatbufferError('the footer has no schema');
    unreadable = checkSchema(fb, schema);
    const endianness = fb.table(schema, 'the schema')(0, 2);
    littleEndian = endianness === undefined || fb.i16(endianness) === 0;
    dictionaryBlocks = blocks(fb, slot(2, 4), 'dictionary blocks');
    batchBlocks = blocks(fb, slot(3, 4), 'record batch blocks');
    checkKeyValues(fb, slot(4, 4), 'footer metadata');
  } catch (e) {
    if (e instanceof FlatbufferError) throw bad(`has a damaged footer (${e.message})`);
    throw e;
  }
  refuseUnreadable(label, unreadable);

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

export interface ArrowFileLayout {
  recordBatches: BatchLayout[];
  /** The schema's byte order of values, list offsets and lengths (flatbuffers are always little-endian). */
  littleEndian: boolean;
}

/** The refusal of a schema with columns apache-arrow cannot decode. */
export function refuseUnreadable(label: string, unreadable: UnreadableColumn[]): void {
  if (!unreadable.length) return;
  throw new EmbdiagError('unsupported-dtype', `${label}: ${unreadable.map(u => `column '${u.column}' is of ${u.type}`).join('; ')}, which this reader does not support, so the file cannot be opened.`,
    'Convert the column to a List or FixedSizeList (pyarrow: table.cast) or drop it, and write the file again.');
}

/** The refusal of a file whose structure is damaged. */
export function damagedArrowFile(label: string, problem: string): EmbdiagError {
  return new EmbdiagError('bad-header', `${label}: ${problem}.`, 'The file is damaged or truncated; re-save it (pyarrow.feather.write_feather, or an IPC file writer) or re-copy it.');
}
