import { EmbdiagError, EmbdiagErrorCode } from '../errors';
import { rawDTypeSpelling } from '../text/rawDTypeSpelling';

/** Element types we can decode into float64. Names follow numpy (and ml_dtypes for bfloat16 / float8). */
export type DTypeName =
  | 'float64' | 'float32' | 'float16' | 'bfloat16' | 'float8_e4m3fn' | 'float8_e5m2'
  | 'int64' | 'int32' | 'int16' | 'int8' | 'uint64' | 'uint32' | 'uint16' | 'uint8' | 'bool';

export interface DType {
  readonly name: DTypeName;
  readonly itemSize: number;
  readonly littleEndian: boolean;
  readonly isFloat: boolean;
}

/**
 * Decodes `count` elements from the start of `bytes` into
 * out[outOffset], out[outOffset + outStride], ... as float64.
 */
export type Decoder = (bytes: Uint8Array, count: number, out: Float64Array, outOffset: number, outStride: number) => void;

/** A dtype we cannot analyse: its display name and why. */
export interface RefusedDType {
  readonly name: string;
  readonly code: EmbdiagErrorCode;
  readonly reason: string;
}

export type DTypeResult = { ok: true; dtype: DType } | { ok: false; refused: RefusedDType };

const FLOAT_NAMES = new Set<DTypeName>(['float64', 'float32', 'float16', 'bfloat16', 'float8_e4m3fn', 'float8_e5m2']);

export function makeDType(name: DTypeName, littleEndian = true): DType {
  return { name, itemSize: ITEM_SIZES[name], littleEndian, isFloat: FLOAT_NAMES.has(name) };
}

const ITEM_SIZES: Record<DTypeName, number> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, float8_e4m3fn: 1, float8_e5m2: 1,
  int64: 8, int32: 4, int16: 2, int8: 1, uint64: 8, uint32: 4, uint16: 2, uint8: 1, bool: 1,
};

const NUMPY_KINDS: Record<string, DTypeName> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
  b1: 'bool',
};

const PICKLE_REASON = 'it holds pickled Python objects (dtype object), and pickled Python objects are never loaded because unpickling can run arbitrary code';

/**
 * Interprets a numpy dtype descriptor as written in .npy headers ('<f4', '>i8', '|b1', ...).
 * A list descriptor means a structured (record) dtype.
 */
export function numpyDType(descr: unknown): DTypeResult {
  if (Array.isArray(descr)) {
    return refuse('structured', 'unsupported-dtype', 'it is a structured (record) array; save the embedding field alone as a plain numeric array');
  }
  if (typeof descr !== 'string') return refuse(String(descr), 'bad-header', `its dtype descriptor ${JSON.stringify(descr)} is not a string`);
  let order = descr[0];
  let body = descr;
  if (order === '<' || order === '>' || order === '|' || order === '=') body = descr.slice(1);
  else order = '=';
  // numpy writes '|' for single-byte types and '<'/'>' otherwise; '=' (native) is little-endian on every platform we run on.
  const littleEndian = order !== '>';
  const name = NUMPY_KINDS[body];
  if (name) return { ok: true, dtype: makeDType(name, littleEndian) };
  if (body === '?') return { ok: true, dtype: makeDType('bool') };
  const kind = body[0];
  const bits = Number(body.slice(1)) * 8;
  switch (kind) {
    case 'O': return refuse('object', 'pickle-refused', PICKLE_REASON);
    case 'c': return refuse(Number.isFinite(bits) && bits > 0 ? `complex${bits}` : 'complex', 'unsupported-dtype', 'it holds complex numbers; save the real part (or abs) as a float array');
    case 'S': case 'a': return refuse('bytes', 'unsupported-dtype', 'it holds byte strings, not numbers');
    case 'U': return refuse('str', 'unsupported-dtype', 'it holds unicode strings, not numbers');
    case 'M': return refuse('datetime64', 'unsupported-dtype', 'it holds datetimes, not numbers');
    case 'm': return refuse('timedelta64', 'unsupported-dtype', 'it holds timedeltas, not numbers');
    case 'V': return refuse('void', 'unsupported-dtype', 'it holds raw (void) bytes, not numbers');
    case 'f': return refuse(Number.isFinite(bits) && bits > 0 ? `float${bits}` : `float(${body})`, 'unsupported-dtype', `its float type '${descr}' (extended precision) is not supported; convert it to float64`);
    case 'i': case 'u': return refuse(`${kind === 'u' ? 'uint' : 'int'}(${body})`, 'unsupported-dtype', `its integer type '${descr}' is not a standard width`);
    default: return refuse(descr, 'unsupported-dtype', `its dtype '${descr}' is not a numeric type numpy writes`);
  }
}

// ---- dtypes the user names (headerless raw arrays) -------------------------

export { RAW_DTYPE_HELP } from '../text/rawDTypeSpelling';

/** A dtype as the user writes it ('float32', '>f4', 'f2', '<float64'), or undefined when it is none we read. */
export function parseRawDType(text: string): DType | undefined {
  const spelled = rawDTypeSpelling(text);
  return spelled && makeDType(spelled.name, spelled.littleEndian);
}

/** safetensors dtype names → ours. */
const SAFETENSORS_DTYPES: Record<string, DTypeName> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16',
  F8_E4M3: 'float8_e4m3fn', F8_E5M2: 'float8_e5m2',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8',
  U64: 'uint64', U32: 'uint32', U16: 'uint16', U8: 'uint8', BOOL: 'bool',
};

export function safetensorsDType(name: unknown): DTypeResult {
  const ours = typeof name === 'string' ? SAFETENSORS_DTYPES[name] : undefined;
  if (ours) return { ok: true, dtype: makeDType(ours, true) };
  if (typeof name === 'string' && /^C\d+$/.test(name)) return refuse(name, 'unsupported-dtype', 'it holds complex numbers');
  // Not String(name) / JSON.stringify(name) on anything but a string: both recurse into a nested array from a hostile header.
  const shown = typeof name === 'string' ? JSON.stringify(name.length > 40 ? name.slice(0, 40) + '…' : name)
    : name === null || typeof name !== 'object' ? String(name) : Array.isArray(name) ? 'a JSON array' : 'a JSON object';
  return refuse(typeof name === 'string' ? name.slice(0, 40) : shown, 'unsupported-dtype', `its dtype ${shown} is not supported (supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
}

function refuse(name: string, code: EmbdiagErrorCode, reason: string): DTypeResult {
  return { ok: false, refused: { name, code, reason } };
}

/** The error for opening an array of a refused dtype. */
export function refusedDTypeError(sourceName: string, arrayLabel: string, refused: RefusedDType): EmbdiagError {
  const fix = refused.code === 'pickle-refused'
    ? 'Save a numeric array instead (e.g. np.save(path, np.asarray(x, dtype=np.float32))).'
    : 'Save the embeddings as a numeric array (float32 is typical).';
  return new EmbdiagError(refused.code, `${sourceName}: ${arrayLabel} cannot be analysed: ${refused.reason}.`, fix);
}

// ---- element decoding ----------------------------------------------------

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

let float16Table: Float64Array | undefined;
/** All 65536 float16 values, exact: built once, then decoding is a table lookup. */
function float16Values(): Float64Array {
  if (!float16Table) {
    float16Table = new Float64Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = decodeMinifloat(bits, 5, 10);
  }
  return float16Table;
}

const float8Tables = new Map<string, Float64Array>();
function float8Values(kind: 'e4m3fn' | 'e5m2'): Float64Array {
  let table = float8Tables.get(kind);
  if (!table) {
    table = new Float64Array(256);
    for (let bits = 0; bits < 256; bits++) {
      if (kind === 'e5m2') table[bits] = decodeMinifloat(bits, 5, 2);
      else {
        // e4m3fn ("finite"): no infinities; only S.1111.111 is NaN, so the top exponent holds normal numbers.
        const sign = bits & 0x80 ? -1 : 1;
        const exp = (bits >> 3) & 0xf;
        const man = bits & 7;
        table[bits] = (bits & 0x7f) === 0x7f ? NaN
          : exp === 0 ? sign * man * 2 ** -9 : sign * (8 + man) * 2 ** (exp - 10);
      }
    }
    float8Tables.set(kind, table);
  }
  return table;
}

/** IEEE-style binary float with the given exponent/mantissa widths (exact in float64). */
export function decodeMinifloat(bits: number, expBits: number, manBits: number): number {
  const sign = (bits >> (expBits + manBits)) & 1 ? -1 : 1;
  const expMax = (1 << expBits) - 1;
  const exp = (bits >> manBits) & expMax;
  const man = bits & ((1 << manBits) - 1);
  const bias = (1 << (expBits - 1)) - 1;
  if (exp === expMax) return man ? NaN : sign * Infinity;
  if (exp === 0) return sign * man * 2 ** (1 - bias - manBits);
  return sign * (man + (1 << manBits)) * 2 ** (exp - bias - manBits);
}

export function float16ToNumber(bits: number): number { return float16Values()[bits & 0xffff]; }

const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);
export function bfloat16ToNumber(bits: number): number {
  // bfloat16 is the top half of a float32.
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}

/**
 * Decoders work on little-endian bytes through typed-array views (host order on every platform
 * Node runs on), falling back to DataView for unaligned input. Big-endian data is byte-swapped
 * into a scratch buffer first, so every dtype shares the fast path.
 */
export function decoderFor(dtype: DType): Decoder {
  const decodeLE = littleEndianDecoder(dtype.name, dtype.itemSize);
  if (dtype.littleEndian || dtype.itemSize === 1) return decodeLE;
  if (!HOST_LITTLE_ENDIAN) return genericDecoder(dtype.name, false);
  const size = dtype.itemSize;
  return (bytes, count, out, outOffset, outStride) => decodeLE(byteSwapped(bytes, count, size), count, out, outOffset, outStride);
}

let swapScratch = new Uint8Array(0);
/** The elements with their bytes reversed, in a reused (aligned) scratch buffer valid until the next call. */
function byteSwapped(bytes: Uint8Array, count: number, size: number): Uint8Array {
  const n = count * size;
  if (swapScratch.length < n) swapScratch = new Uint8Array(Math.max(n, swapScratch.length * 2));
  const s = swapScratch;
  if (size === 2) for (let j = 0; j < n; j += 2) { s[j] = bytes[j + 1]; s[j + 1] = bytes[j]; }
  else if (size === 4) for (let j = 0; j < n; j += 4) { s[j] = bytes[j + 3]; s[j + 1] = bytes[j + 2]; s[j + 2] = bytes[j + 1]; s[j + 3] = bytes[j]; }
  else {
    for (let j = 0; j < n; j += 8) {
      s[j] = bytes[j + 7]; s[j + 1] = bytes[j + 6]; s[j + 2] = bytes[j + 5]; s[j + 3] = bytes[j + 4];
      s[j + 4] = bytes[j + 3]; s[j + 5] = bytes[j + 2]; s[j + 6] = bytes[j + 1]; s[j + 7] = bytes[j];
    }
  }
  return s.subarray(0, n);
}

type NumericView = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

function littleEndianDecoder(name: DTypeName, size: number): Decoder {
  const generic = genericDecoder(name, true);
  const fast = HOST_LITTLE_ENDIAN ? viewDecoder(name) : undefined;
  if (!fast) return generic;
  return (bytes, count, out, outOffset, outStride) => {
    if (bytes.byteOffset % size === 0) fast(bytes.buffer as ArrayBuffer, bytes.byteOffset, count, out, outOffset, outStride);
    else generic(bytes, count, out, outOffset, outStride);
  };
}

type ViewDecoder = (buffer: ArrayBuffer, byteOffset: number, count: number, out: Float64Array, o: number, s: number) => void;

function copyView(v: NumericView, count: number, out: Float64Array, o: number, s: number): void {
  if (s === 1) out.set(v, o);
  else for (let i = 0; i < count; i++, o += s) out[o] = v[i];
}

function tableView(table: Float64Array): ViewDecoder {
  return (buf, at, n, out, o, s) => { const v = new Uint16Array(buf, at, n); for (let i = 0; i < n; i++, o += s) out[o] = table[v[i]]; };
}

function viewDecoder(name: DTypeName): ViewDecoder | undefined {
  switch (name) {
    case 'float64': return (buf, at, n, out, o, s) => copyView(new Float64Array(buf, at, n), n, out, o, s);
    case 'float32': return (buf, at, n, out, o, s) => copyView(new Float32Array(buf, at, n), n, out, o, s);
    case 'int32': return (buf, at, n, out, o, s) => copyView(new Int32Array(buf, at, n), n, out, o, s);
    case 'uint32': return (buf, at, n, out, o, s) => copyView(new Uint32Array(buf, at, n), n, out, o, s);
    case 'int16': return (buf, at, n, out, o, s) => copyView(new Int16Array(buf, at, n), n, out, o, s);
    case 'uint16': return (buf, at, n, out, o, s) => copyView(new Uint16Array(buf, at, n), n, out, o, s);
    case 'int8': return (buf, at, n, out, o, s) => copyView(new Int8Array(buf, at, n), n, out, o, s);
    case 'uint8': return (buf, at, n, out, o, s) => copyView(new Uint8Array(buf, at, n), n, out, o, s);
    case 'float16': return tableView(float16Values());
    case 'bfloat16': return tableView(bfloat16Values());
    // 64-bit integers: high word * 2^32 is exact and the sum rounds once, like numpy's int64 -> float64 cast.
    case 'int64': return (buf, at, n, out, o, s) => {
      const lo = new Uint32Array(buf, at, 2 * n);
      const hi = new Int32Array(buf, at, 2 * n);
      for (let i = 0; i < n; i++, o += s) out[o] = hi[2 * i + 1] * 4294967296 + lo[2 * i];
    };
    case 'uint64': return (buf, at, n, out, o, s) => {
      const w = new Uint32Array(buf, at, 2 * n);
      for (let i = 0; i < n; i++, o += s) out[o] = w[2 * i + 1] * 4294967296 + w[2 * i];
    };
    default: return undefined;
  }
}

let bfloat16Table: Float64Array | undefined;
function bfloat16Values(): Float64Array {
  if (!bfloat16Table) {
    bfloat16Table = new Float64Array(65536);
    for (let bits = 0; bits < 65536; bits++) bfloat16Table[bits] = bfloat16ToNumber(bits);
  }
  return bfloat16Table;
}

function genericDecoder(name: DTypeName, le: boolean): Decoder {
  switch (name) {
    case 'float64': return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = v.getFloat64(i * 8, le); };
    case 'float32': return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = v.getFloat32(i * 4, le); };
    case 'float16': case 'bfloat16': {
      const t = name === 'float16' ? float16Values() : bfloat16Values();
      return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = t[v.getUint16(i * 2, le)]; };
    }
    case 'float8_e4m3fn': case 'float8_e5m2': {
      const t = float8Values(name === 'float8_e5m2' ? 'e5m2' : 'e4m3fn');
      return (b, n, out, o, s) => { for (let i = 0; i < n; i++, o += s) out[o] = t[b[i]]; };
    }
    case 'int64': return (b, n, out, o, s) => {
      const v = view(b); const hi = le ? 4 : 0; const lo = le ? 0 : 4;
      for (let i = 0; i < n; i++, o += s) out[o] = v.getInt32(i * 8 + hi, le) * 4294967296 + v.getUint32(i * 8 + lo, le);
    };
    case 'uint64': return (b, n, out, o, s) => {
      const v = view(b); const hi = le ? 4 : 0; const lo = le ? 0 : 4;
      for (let i = 0; i < n; i++, o += s) out[o] = v.getUint32(i * 8 + hi, le) * 4294967296 + v.getUint32(i * 8 + lo, le);
    };
    case 'int32': return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = v.getInt32(i * 4, le); };
    case 'uint32': return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = v.getUint32(i * 4, le); };
    case 'int16': return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = v.getInt16(i * 2, le); };
    case 'uint16': return (b, n, out, o, s) => { const v = view(b); for (let i = 0; i < n; i++, o += s) out[o] = v.getUint16(i * 2, le); };
    case 'int8': return (b, n, out, o, s) => { for (let i = 0; i < n; i++, o += s) out[o] = (b[i] << 24) >> 24; };
    case 'uint8': return (b, n, out, o, s) => { for (let i = 0; i < n; i++, o += s) out[o] = b[i]; };
    case 'bool': return (b, n, out, o, s) => { for (let i = 0; i < n; i++, o += s) out[o] = b[i] === 0 ? 0 : 1; };
  }
}
