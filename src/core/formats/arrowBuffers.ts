import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { decoderFor, makeDType, type DTypeName } from './dtype';
import { MAX_FIELD_DEPTH, type BatchLayout } from './arrowLayout';
import { decompressBuffer, DecompressionError, isArrowCodec, type ArrowCodec, LENGTH_PREFIX_BYTES, loadZstd, MAX_DECOMPRESSED_BYTES, maxContentOf, uncompressedLength } from './arrowCompression';

/**
 * A numeric column of an Arrow IPC file read straight from the record batches' buffers, by byte
 * range: only the rows asked for, in either byte order (a big-endian file's values and offsets are
 * swapped on read). Three shapes: a scalar column (one of the columns per dimension), a list and a
 * fixed-size list of numbers (the embedding per row). A null list is a missing row: NaN values,
 * reported by nullRows(); a null element or null scalar is a NaN value.
 * In a compressed record batch (arrowCompression.ts) a buffer stored uncompressed is still read by
 * byte range; a compressed one is decompressed whole, only when a row asked for needs it, and kept
 * while rows of the same batch are read.
 */

type Arrow = typeof import('apache-arrow');
type DataType = import('apache-arrow').DataType;
type Field = import('apache-arrow').Field;

/** Arrow buffers are padded to 64 bytes: a declared uncompressed length up to the padded size its rows need is plausible. */
const PADDING = 64;

/** A large list is a list with 64-bit offsets (pyarrow large_list; polars writes its List columns so). */
export type ColumnKind = 'scalar' | 'list' | 'large-list' | 'fixed';

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
  if (D.isList(t) || D.isMap(t) || D.isLargeList(t)) own = 2;
  else if (D.isFixedSizeList(t) || D.isStruct(t)) own = 1;
  else return undefined; // unions, string and binary views: their buffer counts are not needed for embeddings
  let nodes = 1, buffers = own;
  for (const c of children) {
    // a damaged schema can leave a child without a type
    const x = c?.type ? nodesAndBuffers(arrow, c.type, depth + 1) : undefined;
    if (!x) return undefined;
    nodes += x.nodes;
    buffers += x.buffers;
  }
  return { nodes, buffers };
}

/**
 * Where each top-level column's first field node and buffer are in a record batch, when every
 * batch is laid out as the schema implies (and compressed, if at all, by a codec read here); undefined otherwise.
 */
export function columnPositions(arrow: Arrow, fields: Field[], batches: BatchLayout[]): { node: number; buffer: number }[] | undefined {
  const positions: { node: number; buffer: number }[] = [];
  let nodes = 0, buffers = 0;
  for (const f of fields) {
    const x = f?.type ? nodesAndBuffers(arrow, f.type) : undefined;
    if (!x) return undefined;
    positions.push({ node: nodes, buffer: buffers });
    nodes += x.nodes;
    buffers += x.buffers;
  }
  if (batches.some(b => (b.compressed && !isArrowCodec(b.compressed)) || b.nodes.length !== nodes || b.buffers.length !== buffers)) return undefined;
  return positions;
}

type Values = Float32Array | Float64Array;

/** A buffer of a compressed batch: stored uncompressed at `at` in the file, or decompressed (`data`). */
type Content = { length: number; at: number; data?: undefined } | { length: number; data: Uint8Array };

export class ArrowBufferColumn {
  private readonly size: number;
  /** The contents of the compressed batch's buffers read last (its index, and by buffer). */
  private contents: { batch: number; byBuffer: Map<number, Content> } | undefined;

  /**
   * `node` and `buffer`: the column's first field node and buffer (columnPositions); `dim`: values
   * per row (1 for a scalar column, the list size of a fixed-size list, 0 until known for a list).
   */
  constructor(private readonly source: ByteSource, private readonly label: string, readonly column: string, readonly kind: ColumnKind,
    private readonly dtype: DTypeName, private readonly littleEndian: boolean, private readonly node: number, private readonly buffer: number,
    private readonly batches: BatchLayout[], public dim: number) {
    this.size = makeDType(dtype).itemSize;
  }

  private damaged(batch: number, problem: string): EmbdiagError {
    return new EmbdiagError('bad-header', `${this.label}: record batch ${batch} of column '${this.column}' is damaged: ${problem}.`,
      'The file is damaged; re-save it (pyarrow.feather.write_feather) or re-copy it.');
  }

  /** Bytes [from, to) of buffer `k` of batch `b`. */
  private async bytes(b: number, k: number, from: number, to: number, what: string): Promise<Uint8Array> {
    const layout = this.batches[b];
    const buf = layout.buffers[k];
    const content: Content = layout.compressed ? await this.content(b, k, what) : { length: buf.length, at: layout.bodyStart + buf.offset };
    if (from < 0 || to < from || to > content.length) throw this.damaged(b, `its ${what} buffer holds ${content.length} bytes, ${to} are needed`);
    return content.data ? content.data.subarray(from, to) : this.source.read(content.at + from, to - from);
  }

  /**
   * Buffer `k` of compressed batch `b`: where it is stored uncompressed, or its content decompressed
   * whole. Its declared length is bounded before anything is allocated, by what the column's rows
   * take in it (padded) and by what the codec can make of its compressed bytes.
   */
  private async content(b: number, k: number, what: string): Promise<Content> {
    if (this.contents?.batch !== b) this.contents = { batch: b, byBuffer: new Map() };
    const contents = this.contents; // this batch's, even if another batch is read meanwhile
    const cached = contents.byBuffer.get(k);
    if (cached) return cached;
    const layout = this.batches[b];
    const buf = layout.buffers[k];
    const codec = layout.compressed!;
    let content: Content;
    if (!buf.length) {
      content = { length: 0, at: 0 };
    } else {
      const at = layout.bodyStart + buf.offset;
      let length: number | 'stored';
      try {
        length = uncompressedLength(await this.source.read(at, Math.min(buf.length, LENGTH_PREFIX_BYTES)));
      } catch (e) {
        if (e instanceof DecompressionError) throw this.damaged(b, `its ${what} buffer: ${e.message}`);
        throw e;
      }
      if (length === 'stored') {
        content = { length: buf.length - LENGTH_PREFIX_BYTES, at: at + LENGTH_PREFIX_BYTES };
      } else {
        const compressed = buf.length - LENGTH_PREFIX_BYTES;
        const needed = Math.ceil(this.bytesFor(b, k) / PADDING) * PADDING;
        if (length > needed) throw this.damaged(b, `its ${what} buffer declares ${length} bytes uncompressed, more than the ${needed} its rows take`);
        if (length > maxContentOf(codec, compressed)) throw this.damaged(b, `its ${what} buffer declares ${length} bytes uncompressed, more than ${codec} can make of ${compressed} bytes`);
        if (length > MAX_DECOMPRESSED_BYTES) {
          throw new EmbdiagError('too-large', `${this.label}: record batch ${b} of column '${this.column}' holds a ${codec}-compressed ${what} buffer of ${length} bytes, more than the ${MAX_DECOMPRESSED_BYTES} this reader decompresses at once.`,
            'Write the file in smaller record batches (pyarrow.feather.write_feather(df, path, chunksize=...)), or uncompressed.');
        }
        const zstd = codec === 'ZSTD' ? await loadZstd() : undefined;
        const input = await this.source.read(at + LENGTH_PREFIX_BYTES, compressed);
        try {
          content = { length, data: decompressBuffer(codec as ArrowCodec, input, length, zstd) };
        } catch (e) {
          if (e instanceof DecompressionError) throw this.damaged(b, `its ${codec}-compressed ${what} buffer: ${e.message}`);
          throw e;
        }
      }
    }
    contents.byBuffer.set(k, content);
    return content;
  }

  /** The bytes buffer `k` of batch `b` takes for the batch's rows (as its field nodes declare them). */
  private bytesFor(b: number, k: number): number {
    const layout = this.batches[b];
    const node = layout.nodes[this.node];
    if (k === this.buffer) return Math.ceil(node.length / 8);
    if (this.kind === 'scalar') return this.valueBytes(node.length);
    if (this.kind !== 'fixed' && k === this.buffer + 1) return this.offsetBytes * (node.length + 1);
    const elements = layout.nodes[this.node + 1].length;
    return k === this.buffer + (this.kind === 'fixed' ? 1 : 2) ? Math.ceil(elements / 8) : this.valueBytes(elements);
  }

  /** The bytes `n` values take in a values buffer (booleans are bits). */
  private valueBytes(n: number): number {
    return this.dtype === 'bool' ? Math.ceil(n / 8) : n * this.size;
  }

  /** Validity bits [from, to) of buffer `k` for a node (undefined: all valid). */
  private async validity(b: number, k: number, node: { length: number; nullCount: number }, from: number, to: number, what: string): Promise<((i: number) => boolean) | undefined> {
    if (!node.nullCount) return undefined;
    if (!this.batches[b].buffers[k].length) {
      if (node.nullCount >= node.length) return () => false;
      throw this.damaged(b, `its ${what} bitmap is missing, though ${node.nullCount} of ${node.length} values are null`);
    }
    const first = from >> 3;
    const bits = await this.bytes(b, k, first, (to + 7) >> 3, what);
    return (i: number) => ((bits[(i >> 3) - first] >> (i & 7)) & 1) === 1;
  }

  /** Elements [first, last) of values buffer `k`, in host order. */
  private async values(b: number, k: number, first: number, last: number): Promise<Values> {
    const n = last - first;
    if (this.dtype === 'bool') {
      const bits = await this.bytes(b, k, first >> 3, (last + 7) >> 3, 'values');
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = (bits[((first + i) >> 3) - (first >> 3)] >> ((first + i) & 7)) & 1;
      return out;
    }
    const raw = await this.bytes(b, k, first * this.size, last * this.size, 'values');
    if (this.littleEndian && (this.dtype === 'float32' || this.dtype === 'float64')) {
      const copy = raw.slice(); // aligned, and exactly n elements long
      return this.dtype === 'float32' ? new Float32Array(copy.buffer, 0, n) : new Float64Array(copy.buffer, 0, n);
    }
    const out = new Float64Array(n);
    decoderFor(makeDType(this.dtype, this.littleEndian))(raw, n, out, 0, 1);
    return out;
  }

  private get offsetBytes(): number {
    return this.kind === 'large-list' ? 8 : 4;
  }

  /** List offsets of rows [from, to] of batch `b` (to + 1 values). */
  private async offsets(b: number, from: number, to: number): Promise<Float64Array> {
    const width = this.offsetBytes;
    const raw = await this.bytes(b, this.buffer + 1, width * from, width * (to + 1), 'offsets');
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Float64Array.from({ length: to - from + 1 }, (_, i) => {
      if (width === 4) return view.getInt32(4 * i, this.littleEndian);
      const v = Number(view.getBigInt64(8 * i, this.littleEndian));
      if (!Number.isSafeInteger(v)) throw this.damaged(b, `its offset ${from + i} is ${v}`);
      return v;
    });
  }

  /** The batch's node of this column, checked against the batch's row count. */
  private listNode(b: number): { length: number; nullCount: number } {
    const layout = this.batches[b];
    const node = layout.nodes[this.node];
    if (node.length !== layout.rows) throw this.damaged(b, `its field node holds ${node.length} rows, the batch ${layout.rows}`);
    if (node.nullCount > node.length) throw this.damaged(b, `its field node counts ${node.nullCount} nulls in ${node.length} rows`);
    return node;
  }

  /**
   * Checks that every batch's buffers hold the rows it declares (values, validity bits, offsets),
   * before anything is read: a row count beyond them is damage, not null rows.
   */
  checkExtent(): void {
    this.batches.forEach((layout, b) => {
      const node = this.listNode(b);
      const need = (k: number, bytes: number, what: string) => {
        // a compressed buffer's length is known once it is read (bytes() checks it then)
        if (!layout.compressed && bytes > layout.buffers[k].length) throw this.damaged(b, `its ${what} buffer holds ${layout.buffers[k].length} bytes, ${bytes} are needed for ${layout.rows} rows`);
      };
      if (node.nullCount && layout.buffers[this.buffer].length) need(this.buffer, Math.ceil(layout.rows / 8), 'validity');
      if (this.kind === 'scalar') { need(this.buffer + 1, this.valueBytes(layout.rows), 'values'); return; }
      const elements = layout.nodes[this.node + 1];
      const childBuffer = this.buffer + (this.kind === 'fixed' ? 1 : 2);
      if (this.kind === 'fixed' && elements.length < layout.rows * this.dim) throw this.damaged(b, `its ${layout.rows} rows need ${layout.rows * this.dim} elements, it holds ${elements.length}`);
      if (this.kind !== 'fixed' && layout.rows) need(this.buffer + 1, this.offsetBytes * (layout.rows + 1), 'offsets');
      need(childBuffer + 1, this.valueBytes(elements.length), 'values');
    });
  }

  /** The length of the first non-null list, or undefined when every list is null (or there are no rows). */
  async firstListLength(): Promise<number | undefined> {
    for (let b = 0; b < this.batches.length; b++) {
      const node = this.listNode(b);
      if (!node.length || node.nullCount >= node.length) continue;
      const valid = await this.validity(b, this.buffer, node, 0, node.length, 'validity');
      let r = 0;
      while (valid && r < node.length && !valid(r)) r++;
      if (r === node.length) throw this.damaged(b, `it counts ${node.nullCount} null rows of ${node.length}, but its validity bits mark all of them null`);
      if (this.kind === 'fixed') return this.dim;
      const o = await this.offsets(b, r, r + 1);
      const elements = this.batches[b].nodes[this.node + 1].length;
      if (o[0] < 0 || o[1] < o[0] || o[1] > elements) throw this.damaged(b, `its row ${r} spans elements ${o[0]}..${o[1]}, it holds ${elements}`);
      return o[1] - o[0];
    }
    return undefined;
  }

  /** The null rows (null lists; a scalar column has none) in [start, start + count), ascending. */
  async nullRows(start: number, count: number): Promise<number[]> {
    const out: number[] = [];
    if (this.kind === 'scalar') return out;
    for (const [b, from, to] of this.overlapping(start, count)) {
      const valid = await this.validity(b, this.buffer, this.listNode(b), from, to, 'validity');
      if (!valid) continue;
      for (let r = from; r < to; r++) if (!valid(r)) out.push(this.batches[b].start + r);
    }
    return out;
  }

  /** The batches holding rows of [start, start + count): [batch, first row, end row) within each. */
  private *overlapping(start: number, count: number): Generator<[number, number, number]> {
    const end = start + count;
    for (let b = 0; b < this.batches.length; b++) {
      const layout = this.batches[b];
      if (layout.start + layout.rows <= start || layout.start >= end || !layout.rows) continue;
      yield [b, Math.max(start, layout.start) - layout.start, Math.min(end, layout.start + layout.rows) - layout.start];
    }
  }

  /**
   * Rows [start, start + count) into `out` (filled with NaN by the caller): value k of row r goes to
   * out[(r - start) * stride + offset + k]. A list fills whole rows (stride = dim, offset 0).
   */
  async read(start: number, count: number, out: Values, stride: number, offset: number): Promise<void> {
    for (const [b, from, to] of this.overlapping(start, count)) {
      const layout = this.batches[b];
      const node = this.listNode(b);
      const o0 = (layout.start + from - start) * stride + offset;
      const valid = await this.validity(b, this.buffer, node, from, to, 'validity');
      if (this.kind === 'scalar') {
        const values = await this.values(b, this.buffer + 1, from, to);
        for (let r = from; r < to; r++) if (!valid || valid(r)) out[o0 + (r - from) * stride] = values[r - from];
        continue;
      }
      await this.readLists(b, from, to, valid, out, o0);
    }
  }

  private async readLists(b: number, from: number, to: number, listValid: ((i: number) => boolean) | undefined, out: Values, o0: number): Promise<void> {
    const dim = this.dim;
    const layout = this.batches[b];
    const elements = layout.nodes[this.node + 1];
    const childBuffer = this.buffer + (this.kind === 'fixed' ? 1 : 2);
    // the elements of rows [from, to), and where each row begins
    let first: number, last: number;
    let offsets: Float64Array | undefined;
    if (this.kind === 'fixed') {
      first = from * dim;
      last = to * dim;
    } else {
      offsets = await this.offsets(b, from, to);
      first = offsets[0];
      last = offsets[to - from];
      if (first < 0 || last < first || last - first > (to - from) * dim) throw this.damaged(b, `its offsets for rows ${from}..${to} span ${last - first} elements`);
    }
    if (last > elements.length) throw this.damaged(b, `its rows need ${last} elements, it holds ${elements.length}`);
    const elementValid = await this.validity(b, childBuffer, elements, first, last, 'element validity');
    const values = await this.values(b, childBuffer + 1, first, last);
    if (!offsets && !listValid && !elementValid) {
      out.set(values, o0);
      return;
    }
    for (let r = from; r < to; r++) {
      if (listValid && !listValid(r)) continue; // a null list: a missing row, left NaN
      const at = offsets ? offsets[r - from] - first : (r - from) * dim;
      if (offsets && offsets[r - from + 1] - offsets[r - from] !== dim) {
        throw new EmbdiagError('bad-shape', `${this.label}: row ${layout.start + r} of column '${this.column}' holds ${offsets[r - from + 1] - offsets[r - from]} values, but its first non-null list holds ${dim}.`,
          'Embeddings need the same number of dimensions in every row.');
      }
      if (at < 0 || at + dim > values.length) throw this.damaged(b, `row ${layout.start + r} points at elements outside the rows read`);
      const o = o0 + (r - from) * dim;
      if (!elementValid) out.set(values.subarray(at, at + dim), o);
      else for (let k = 0; k < dim; k++) if (elementValid(first + at + k)) out[o + k] = values[at + k];
    }
  }
}
