import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { matrixValueColumn } from './valueColumns';
import { DType, DTypeResult, decoderFor, numpyDType, refusedDTypeError } from './dtype';

// ---- Python literal parser (npy headers are a Python dict literal) --------

/** A parsed Python literal. Tuples and lists both become arrays; dicts become Maps (no prototype keys). */
export type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

export class PyLiteralError extends Error {}

/**
 * Parses the subset of Python literal syntax numpy writes in .npy headers:
 * dicts, tuples, lists, strings, integers (incl. Python 2 `3L`), floats, True/False/None.
 * Nothing is evaluated.
 */
export function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new PyLiteralError(`${what} at character ${pos} of ${JSON.stringify(text.length > 120 ? text.slice(0, 120) + '…' : text)}`);
  };
  const skipSpace = () => { while (pos < text.length && /\s/.test(text[pos])) pos++; };
  let depth = 0;

  const parseValue = (): PyValue => {
    skipSpace();
    const ch = text[pos];
    if (ch === undefined) return fail('unexpected end');
    if (ch === '{' || ch === '(' || ch === '[') {
      if (++depth > 64) fail('nesting too deep');
      const v = ch === '{' ? parseDict() : parseSequence(ch === '(' ? ')' : ']');
      depth--;
      return v;
    }
    if (ch === "'" || ch === '"') return parseString();
    if ((ch === 'u' || ch === 'b' || ch === 'U' || ch === 'B') && (text[pos + 1] === "'" || text[pos + 1] === '"')) { pos++; return parseString(); }
    const word = /^(True|False|None)\b/.exec(text.slice(pos, pos + 6));
    if (word) {
      pos += word[1].length;
      return word[1] === 'True' ? true : word[1] === 'False' ? false : null;
    }
    const num = /^[+-]?(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)[lL]?/.exec(text.slice(pos, pos + 400));
    if (num) {
      pos += num[0].length;
      return Number(num[1].startsWith('.') ? '0' + num[1] : num[1]) * (num[0][0] === '-' ? -1 : 1);
    }
    return fail(`unexpected ${JSON.stringify(ch)}`);
  };

  const parseString = (): string => {
    const quote = text[pos++];
    let out = '';
    for (;;) {
      const ch = text[pos++];
      if (ch === undefined) fail('unterminated string');
      if (ch === quote) return out;
      if (ch !== '\\') { out += ch; continue; }
      const esc = text[pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
      if (esc in simple) out += simple[esc];
      else if (esc === 'x' || esc === 'u') {
        const len = esc === 'x' ? 2 : 4;
        const hex = text.slice(pos, pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) fail('bad escape');
        out += String.fromCharCode(parseInt(hex, 16));
        pos += len;
      } else fail('unsupported escape');
    }
  };

  const parseSequence = (close: string): PyValue[] => {
    pos++;
    const items: PyValue[] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === close) { pos++; return items; }
      items.push(parseValue());
      skipSpace();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] === close) { pos++; return items; }
      fail(`expected ',' or '${close}'`);
    }
  };

  const parseDict = (): Map<string, PyValue> => {
    pos++;
    const map = new Map<string, PyValue>();
    for (;;) {
      skipSpace();
      if (text[pos] === '}') { pos++; return map; }
      const key = parseValue();
      if (typeof key !== 'string') fail('dict key is not a string');
      skipSpace();
      if (text[pos] !== ':') fail("expected ':'");
      pos++;
      map.set(key as string, parseValue());
      skipSpace();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] === '}') { pos++; return map; }
      fail("expected ',' or '}'");
    }
  };

  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail('trailing characters');
  return value;
}

// ---- .npy header ---------------------------------------------------------

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Far above anything numpy writes for a plain array (numpy itself refuses > 10000 by default). */
const MAX_HEADER_BYTES = 1 << 20;

export interface NpyHeader {
  version: [number, number];
  /** Byte offset of the array data within the source. */
  dataOffset: number;
  descr: unknown;
  dtype: DTypeResult;
  fortranOrder: boolean;
  shape: number[];
  /** Number of elements (product of the shape). */
  elementCount: number;
}

export function hasNpyMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && NPY_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads and validates the .npy header at the start of `source` with small ranged reads.
 * `label` names the array in messages (e.g. an npz entry).
 */
export async function parseNpyHeader(source: ByteSource, label = source.name): Promise<NpyHeader> {
  const bad = (problem: string, fix = 'The file is not a valid .npy file; re-save it with np.save.') =>
    new EmbdiagError('bad-header', `${label}: ${problem}.`, fix);
  if (source.size < 10) {
    throw new EmbdiagError('truncated', `${label}: only ${source.size} bytes, too short for an .npy header.`,
      'The file is probably truncated or empty; re-save it with np.save.');
  }
  const prefix = await source.read(0, Math.min(12, source.size));
  if (!hasNpyMagic(prefix)) throw bad('does not start with the .npy magic bytes \\x93NUMPY');
  const major = prefix[6];
  const minor = prefix[7];
  if (major < 1 || major > 3) throw bad(`has .npy format version ${major}.${minor}; versions 1.0, 2.0 and 3.0 are supported`, 'Re-save it with a current numpy.');
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = prefix[8] | (prefix[9] << 8);
  } else {
    if (prefix.length < 12) throw new EmbdiagError('truncated', `${label}: the .npy header is cut short.`, 'Re-save the file.');
    headerStart = 12;
    headerLength = new DataView(prefix.buffer, prefix.byteOffset, 12).getUint32(8, true);
  }
  if (headerLength > MAX_HEADER_BYTES) throw bad(`declares a ${headerLength}-byte header, far larger than any plain array needs`);
  if (headerStart + headerLength > source.size) {
    throw new EmbdiagError('truncated', `${label}: the .npy header declares ${headerLength} bytes, but the file has only ${source.size - headerStart} after the prefix.`,
      'The file is probably truncated; re-save or re-copy it.');
  }
  const headerBytes = await source.read(headerStart, headerLength);
  const text = new TextDecoder(major >= 3 ? 'utf-8' : 'latin1').decode(headerBytes);

  let dict: PyValue;
  try {
    dict = parsePyLiteral(text.replace(/[\s\0]+$/, ''));
  } catch (e) {
    throw bad(`has an unreadable header dictionary (${(e as Error).message})`);
  }
  if (!(dict instanceof Map)) throw bad('has a header that is not a dictionary');
  for (const key of ['descr', 'fortran_order', 'shape']) if (!dict.has(key)) throw bad(`has no '${key}' in its header`);
  const fortranOrder = dict.get('fortran_order');
  if (typeof fortranOrder !== 'boolean') throw bad("has a 'fortran_order' that is not True or False");
  const rawShape = dict.get('shape');
  if (!Array.isArray(rawShape) || !rawShape.every(d => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw bad(`has an invalid shape ${JSON.stringify(rawShape)} (expected a tuple of non-negative integers)`);
  }
  const shape = rawShape as number[];
  let elementCount = 1;
  for (const d of shape) {
    elementCount *= d;
    if (!Number.isSafeInteger(elementCount)) throw bad(`declares an impossibly large shape (${shape.join(' x ')})`);
  }
  const descr = dict.get('descr');
  return {
    version: [major, minor], dataOffset: headerStart + headerLength, descr,
    dtype: numpyDType(descr), fortranOrder, shape, elementCount,
  };
}

/** Checks that exactly the declared data follows the header. */
export function checkNpyDataLength(header: NpyHeader, dtype: DType, dataBytes: number, label: string): void {
  const needed = header.elementCount * dtype.itemSize;
  const shapeText = `(${header.shape.join(', ')}) of ${dtype.name}`;
  if (dataBytes < needed) {
    throw new EmbdiagError('truncated', `${label}: the header declares shape ${shapeText}, which needs ${needed} bytes of data, but only ${dataBytes} follow the header.`,
      'The file is probably truncated (an interrupted write or copy); re-save it with np.save.');
  }
  if (dataBytes > needed) {
    throw new EmbdiagError('bad-header', `${label}: the header declares shape ${shapeText} (${needed} bytes of data), but ${dataBytes} bytes follow the header.`,
      'The header does not match the data; re-save the array with np.save.');
  }
}

// ---- arrays seen as matrices ------------------------------------------------

export interface MatrixGeometry {
  rows: number;
  dim: number;
  notes: string[];
  /** Set when the array cannot be analysed. */
  reason?: string;
}

/** 1-D: one vector; 2-D: rows x dim; N-D: (product of leading dims) x last dim. */
export function matrixGeometry(shape: readonly number[]): MatrixGeometry {
  if (shape.length === 0) return { rows: 0, dim: 0, notes: [], reason: 'it is a 0-D scalar, not a set of vectors' };
  const dim = shape[shape.length - 1];
  if (dim === 0) return { rows: 0, dim: 0, notes: [], reason: 'its vectors have length 0 (the last dimension is 0)' };
  if (shape.length === 1) return { rows: 1, dim, notes: ['1-D array read as a single vector (1 row).'] };
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i];
  const notes = shape.length > 2
    ? [`${shape.length}-D array of shape (${shape.join(', ')}) flattened to ${rows} x ${dim} (all leading dimensions become rows).`]
    : [];
  return { rows, dim, notes };
}

export function isFloatName(dtype: string): boolean {
  return dtype.startsWith('float') || dtype === 'bfloat16';
}

/** Layout of a dense numeric array inside a ByteSource. */
export interface DenseLayout {
  name: string;
  dtype: DType;
  shape: number[];
  /** Byte offset of element 0. */
  dataOffset: number;
  fortranOrder: boolean;
  notes?: string[];
}

/** Largest single ranged read when decoding a block of rows. */
const MAX_READ_BYTES = 16 << 20;

/** An EmbeddingMatrix over a dense C- or Fortran-ordered array; reads only the requested rows. */
export class DenseMatrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];
  private readonly decode;

  constructor(private readonly source: ByteSource, private readonly layout: DenseLayout) {
    const geometry = matrixGeometry(layout.shape);
    if (geometry.reason) throw new EmbdiagError('bad-shape', `${source.name}: array '${layout.name}' cannot be analysed: ${geometry.reason}.`);
    this.name = layout.name;
    this.dtype = layout.dtype.name;
    this.shape = layout.shape.slice();
    this.rows = geometry.rows;
    this.dim = geometry.dim;
    this.notes = [...geometry.notes, ...(layout.notes ?? [])];
    if (layout.fortranOrder && layout.shape.length > 1) this.notes.push('Stored in Fortran (column-major) order; read column by column.');
    if (!layout.dtype.littleEndian && layout.dtype.itemSize > 1) this.notes.push('Big-endian data, converted on reading.');
    this.decode = decoderFor(layout.dtype);
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    if (count === 0) return out;
    const { fortranOrder, shape } = this.layout;
    if (!fortranOrder || shape.length === 1) await this.readC(start, count, out);
    else if (shape.length === 2) await this.readFortran2D(start, count, out);
    else await this.readFortranND(start, count, out);
    return out;
  }

  /** True when rows are little-endian float32 in C order, so readRowsFloat32 converts nothing. */
  get float32Direct(): boolean {
    const { dtype, fortranOrder, shape } = this.layout;
    return dtype.name === 'float32' && (dtype.littleEndian || dtype.itemSize === 1) && (!fortranOrder || shape.length === 1);
  }

  /**
   * Rows [start, start + count) as float32, row-major, in a fresh buffer the caller owns.
   * For little-endian C-ordered float32 the file's bytes are read straight into it (one read,
   * no per-value decoding); otherwise the rows are decoded by readRows and rounded to float32
   * (exact for dtypes that float32 represents: float16, bfloat16, float8, 8/16-bit integers, bool).
   */
  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    if (!this.float32Direct) return Float32Array.from(await this.readRows(start, count));
    const rowBytes = this.dim * 4;
    const bytes = await this.source.read(this.layout.dataOffset + start * rowBytes, count * rowBytes);
    if (bytes.byteOffset % 4 === 0 && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
      return new Float32Array(bytes.buffer, 0, count * this.dim);
    }
    const out = new Float32Array(count * this.dim);
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }

  private async readC(start: number, count: number, out: Float64Array): Promise<void> {
    const rowBytes = this.dim * this.layout.dtype.itemSize;
    const rowsPerRead = Math.max(1, Math.floor(MAX_READ_BYTES / rowBytes));
    for (let done = 0; done < count; done += rowsPerRead) {
      const n = Math.min(rowsPerRead, count - done);
      const bytes = await this.source.read(this.layout.dataOffset + (start + done) * rowBytes, n * rowBytes);
      this.decode(bytes, n * this.dim, out, done * this.dim, 1);
    }
  }

  /** Element (r, c) is at c * rows + r: each column's slice of the row range is one contiguous read. */
  private async readFortran2D(start: number, count: number, out: Float64Array): Promise<void> {
    const size = this.layout.dtype.itemSize;
    for (let c = 0; c < this.dim; c++) {
      for (let done = 0; done < count;) {
        const n = Math.min(count - done, Math.max(1, Math.floor(MAX_READ_BYTES / size)));
        const bytes = await this.source.read(this.layout.dataOffset + (c * this.rows + start + done) * size, n * size);
        this.decode(bytes, n, out, done * this.dim + c, this.dim);
        done += n;
      }
    }
  }

  /**
   * N-D Fortran arrays (rare): rows are C-ordered over the leading dims, but stored Fortran-ordered,
   * so consecutive rows are far apart. Per column, scan the covering byte span in bounded chunks.
   */
  private async readFortranND(start: number, count: number, out: Float64Array): Promise<void> {
    const { shape, dtype, dataOffset } = this.layout;
    const size = dtype.itemSize;
    const lead = shape.slice(0, -1);
    const strides: number[] = []; // Fortran strides (elements) of the leading dims
    for (let i = 0, s = 1; i < lead.length; i++) { strides.push(s); s *= lead[i]; }
    const offsets = new Float64Array(count);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < count; k++) {
      let r = start + k;
      let off = 0;
      for (let i = lead.length - 1; i >= 0; i--) { off += (r % lead[i]) * strides[i]; r = Math.floor(r / lead[i]); }
      offsets[k] = off;
      lo = Math.min(lo, off);
      hi = Math.max(hi, off);
    }
    const chunkElems = Math.max(1, Math.floor(MAX_READ_BYTES / size));
    const one = new Float64Array(1);
    for (let c = 0; c < this.dim; c++) {
      const colBase = c * this.rows;
      for (let a = lo; a <= hi; a += chunkElems) {
        const n = Math.min(chunkElems, hi - a + 1);
        const bytes = await this.source.read(dataOffset + (colBase + a) * size, n * size);
        for (let k = 0; k < count; k++) {
          const rel = offsets[k] - a;
          if (rel < 0 || rel >= n) continue;
          this.decode(bytes.subarray(rel * size, rel * size + size), 1, one, 0, 1);
          out[k * this.dim + c] = one[0];
        }
      }
    }
  }
}

export function checkRowRange(sourceName: string, arrayName: string, rows: number, start: number, count: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > rows) {
    throw new EmbdiagError('invalid-range', `${sourceName}: rows [${start}, ${start}+${count}) requested from '${arrayName}', which has ${rows} rows.`);
  }
}

// ---- choosing an array in a multi-array container -----------------------

export const PREFERRED_ARRAY_NAMES = ['embeddings', 'emb', 'features', 'x'];

function elementCount(info: ArrayInfo): number {
  return info.shape.reduce((a, b) => a * b, 1);
}

/**
 * The array `open()` picks when no name is given: a preferred name, else the largest 2-D float
 * array, else the largest float array, else the largest analysable array; an empty array only
 * when nothing else is left (an empty index beside the data is no embedding). Throws when
 * nothing is analysable.
 */
export function pickArray(sourceName: string, arrays: ArrayInfo[]): ArrayInfo {
  const analysable = arrays.filter(a => a.analysable);
  const nonEmpty = analysable.filter(a => elementCount(a) > 0);
  const usable = nonEmpty.length ? nonEmpty : analysable;
  for (const name of PREFERRED_ARRAY_NAMES) {
    const hit = usable.find(a => a.name === name);
    if (hit) return hit;
  }
  const largest = (list: ArrayInfo[]) => list.reduce<ArrayInfo | undefined>((best, a) => (!best || elementCount(a) > elementCount(best) ? a : best), undefined);
  const floats = usable.filter(a => isFloatName(a.dtype));
  const choice = largest(floats.filter(a => a.shape.length === 2)) ?? largest(floats) ?? largest(usable);
  if (choice) return choice;
  throw new EmbdiagError('no-array', `${sourceName}: no array can be analysed: ${describeArrays(arrays)}.`,
    'Save the embeddings as a numeric array with at least one dimension.');
}

export function describeArrays(arrays: ArrayInfo[]): string {
  if (arrays.length === 0) return 'the file holds no arrays';
  return arrays.map(a => `'${a.name}' ${a.dtype} (${a.shape.join(', ')})${a.analysable ? '' : ` [${a.reason}]`}`).join('; ');
}

/** Looks an array up by name (or by the rule), with a helpful error naming what exists. */
export function findArray(sourceName: string, arrays: ArrayInfo[], name: string | undefined): ArrayInfo {
  if (name === undefined) return pickArray(sourceName, arrays);
  const hit = arrays.find(a => a.name === name);
  if (!hit) {
    throw new EmbdiagError('array-not-found', `${sourceName}: there is no array named '${name}'. It holds: ${describeArrays(arrays)}.`,
      'Pick one of the listed names.');
  }
  return hit;
}

/** ArrayInfo for an npy-style header (also used for npz entries). */
export function npyArrayInfo(name: string, header: NpyHeader): ArrayInfo {
  if (!header.dtype.ok) return { name, dtype: header.dtype.refused.name, shape: header.shape, analysable: false, reason: header.dtype.refused.reason };
  const geometry = matrixGeometry(header.shape);
  return geometry.reason
    ? { name, dtype: header.dtype.dtype.name, shape: header.shape, analysable: false, reason: geometry.reason }
    : { name, dtype: header.dtype.dtype.name, shape: header.shape, analysable: true };
}

// ---- .npy files -------------------------------------------------------------

export function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Opens a .npy file; the single array is named after the file (emb.npy → 'emb'). */
export async function openNpy(source: ByteSource, fileName: string): Promise<DumpFile> {
  const header = await parseNpyHeader(source);
  const name = fileStem(fileName);
  if (!header.dtype.ok) throw refusedDTypeError(source.name, 'the array', header.dtype.refused);
  const dtype = header.dtype.dtype;
  checkNpyDataLength(header, dtype, source.size - header.dataOffset, source.name);
  const info = npyArrayInfo(name, header);
  const notes = header.version[0] > 1 ? [`.npy format version ${header.version.join('.')}.`] : [];
  return {
    format: 'npy',
    arrays: [info],
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      if (requested !== undefined) findArray(source.name, [info], requested);
      if (!info.analysable) throw new EmbdiagError('bad-shape', `${source.name}: the array cannot be analysed: ${info.reason}.`, 'Save a 1-D or 2-D numeric array.');
      return new DenseMatrix(source, { name, dtype, shape: header.shape, dataOffset: header.dataOffset, fortranOrder: header.fortranOrder });
    },
    /** A 1-D array (or an N×1 column) is one value per row: labels or ids a manifest may name. */
    async valueColumns(): Promise<ValueColumn[]> {
      const [rows, width = 1, ...more] = header.shape;
      if (header.shape.length === 0 || width !== 1 || more.length) return [];
      return [matrixValueColumn(new DenseMatrix(source, { name, dtype, shape: [rows, 1], dataOffset: header.dataOffset, fortranOrder: false }))];
    },
  };
}
