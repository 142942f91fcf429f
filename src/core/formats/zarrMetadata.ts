import { EmbdiagError } from '../errors';
import { type DType, type DTypeName, makeDType, numpyDType, refusedDTypeError } from './dtype';
import { isZarrCodec, type ZarrCodecName } from './zarrCodecs';

/**
 * A Zarr array's metadata, v2 (.zarray: numpy dtype string, C or F order, compressor + filters,
 * '.' or '/' key separator) or v3 (zarr.json: data_type, regular chunk grid, chunk key encoding
 * 'default' or 'v2', codecs transpose → bytes → bytes codecs), reduced to what reading rows needs:
 * the dtype, the chunk grid, where each element of a decoded chunk sits, the codecs and the key of
 * each chunk. Anything we cannot honour (an unknown codec, filters, sharding, a non-regular grid)
 * is an EmbdiagError naming it; hostile values (negative or huge sizes) are refused here, before
 * anything is allocated.
 */
export interface ZarrArrayMeta {
  /** The array's path in the store ('' at the root). */
  path: string;
  zarrFormat: 2 | 3;
  shape: number[];
  /** Chunk shape (same rank as shape); edge chunks are stored whole, padded. */
  chunks: number[];
  dtype: DType;
  /** Elements per step along each axis inside a decoded chunk (C order: row-major strides). */
  strides: number[];
  /** Bytes codecs in encoding order. */
  codecs: ZarrCodecName[];
  /** The value of elements in chunks never written; null: the metadata gives none. */
  fill: number | null;
  /** The chunk's key, relative to the array's path. */
  chunkKey(coords: readonly number[]): string;
  /** Notes for the report (order, codecs). */
  notes: string[];
}

/** A decoded chunk larger than this is refused: one allocation per chunk, within a Uint8Array's limit. */
export const MAX_CHUNK_BYTES = 2 ** 30;
/** More dimensions than this is not an array anybody wrote on purpose. */
const MAX_RANK = 32;

type Json = Record<string, unknown>;

function bad(label: string, problem: string): EmbdiagError {
  return new EmbdiagError('bad-header', `${label}: ${problem}.`, 'The Zarr metadata is damaged or was not written by zarr; re-save the array with zarr.');
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a metadata object's JSON (zarr writes NaN / Infinity bare in v2 fill values: they are accepted as strings). */
export function parseMetadataJson(label: string, bytes: Uint8Array): Json {
  const text = new TextDecoder().decode(bytes).replace(/:\s*(-?Infinity|NaN)\b/g, ': "$1"');
  let value: unknown;
  try { value = JSON.parse(text); } catch { throw bad(label, 'its metadata is not valid JSON'); }
  if (!isObject(value)) throw bad(label, 'its metadata is not a JSON object');
  return value;
}

function sizes(label: string, what: string, value: unknown, positive: boolean): number[] {
  if (!Array.isArray(value) || value.length > MAX_RANK) throw bad(label, `its ${what} is not a list of at most ${MAX_RANK} sizes`);
  return value.map(v => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (positive ? 1 : 0)) {
      throw bad(label, `its ${what} [${value.slice(0, 8).map(String).join(', ')}] holds ${JSON.stringify(v)}, not a ${positive ? 'positive' : 'non-negative'} integer`);
    }
    return v;
  });
}

/** Shape and chunks checked together: same rank, and nothing whose size overflows what can be counted or held. */
function checkGrid(label: string, shape: number[], chunks: number[], itemSize: number): void {
  if (chunks.length !== shape.length) throw bad(label, `its chunks have ${chunks.length} dimensions and its shape ${shape.length}`);
  const elements = shape.reduce((n, s) => n * s, 1);
  if (!Number.isSafeInteger(elements)) {
    throw new EmbdiagError('too-large', `${label}: its shape (${shape.join(', ')}) holds more elements than can be counted exactly (2^53).`,
      'The metadata declares an impossible size; it is damaged or hostile.');
  }
  const chunkBytes = chunks.reduce((n, c) => n * c, 1) * itemSize;
  if (chunkBytes > MAX_CHUNK_BYTES) {
    throw new EmbdiagError('too-large', `${label}: its chunks of (${chunks.join(', ')}) hold ${chunkBytes} bytes each, more than the ${MAX_CHUNK_BYTES} this reader decodes at once.`,
      'Re-chunk the array (e.g. zarr.open(...).rechunk or a copy with smaller chunks).');
  }
}

function fillValue(label: string, value: unknown, dtype: DType): number | null {
  if (value === null || value === undefined) return null;
  // stored in the array's dtype: a float32 array's 0.1 reads back as float32(0.1)
  if (typeof value === 'number') return dtype.name === 'float32' ? Math.fround(value) : value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && /^0x[0-9a-fA-F]+$/.test(value) && dtype.isFloat && (dtype.itemSize === 4 || dtype.itemSize === 8) && value.length === 2 + 2 * dtype.itemSize) {
    // v3: a float's bits in hex, big-endian as written
    const view = new DataView(new ArrayBuffer(8));
    if (dtype.itemSize === 4) { view.setUint32(0, parseInt(value.slice(2), 16)); return view.getFloat32(0); }
    view.setUint32(0, parseInt(value.slice(2, 10), 16));
    view.setUint32(4, parseInt(value.slice(10), 16));
    return view.getFloat64(0);
  }
  throw bad(label, `its fill value ${JSON.stringify(value).slice(0, 40)} is not a number`);
}

function cStrides(chunks: readonly number[]): number[] {
  const strides = new Array<number>(chunks.length);
  for (let i = chunks.length - 1, s = 1; i >= 0; i--) { strides[i] = s; s *= chunks[i]; }
  return strides;
}

function unsupported(label: string, what: string, hint = 'Re-save the array with a supported compressor (blosc, zlib, gzip, zstd, lz4 or none) and no filters.'): EmbdiagError {
  return new EmbdiagError('unsupported-compression', `${label}: ${what}.`, hint);
}

function codecName(label: string, v: unknown, key: 'id' | 'name'): string {
  if (!isObject(v) || typeof v[key] !== 'string') throw bad(label, `a codec has no ${key}`);
  return (v[key] as string).slice(0, 60);
}

/** Array metadata v2 (.zarray). `label` names the array in messages. */
export function parseZarrayV2(label: string, path: string, meta: Json): ZarrArrayMeta {
  if (meta.zarr_format !== 2) throw bad(label, `its .zarray has zarr_format ${JSON.stringify(meta.zarr_format)}, not 2`);
  const dtypeResult = numpyDType(meta.dtype);
  if (!dtypeResult.ok) throw refusedDTypeError(label, path || label, dtypeResult.refused);
  const dtype = dtypeResult.dtype;
  const shape = sizes(label, 'shape', meta.shape, false);
  const chunks = sizes(label, 'chunks', meta.chunks, true);
  checkGrid(label, shape, chunks, dtype.itemSize);
  const filters = meta.filters;
  if (filters !== null && filters !== undefined) {
    if (!Array.isArray(filters)) throw bad(label, 'its filters are not a list');
    if (filters.length) throw unsupported(label, `it applies the filter${filters.length > 1 ? 's' : ''} ${filters.map(f => `'${codecName(label, f, 'id')}'`).join(', ')}, which this reader does not undo`);
  }
  const codecs: ZarrCodecName[] = [];
  if (meta.compressor !== null && meta.compressor !== undefined) {
    const id = codecName(label, meta.compressor, 'id');
    if (!isZarrCodec(id) || id === 'crc32c') throw unsupported(label, `it is compressed with '${id}', which this reader does not decode (supported: blosc, zlib, gzip, zstd, lz4)`);
    codecs.push(id);
  }
  const order = meta.order ?? 'C';
  if (order !== 'C' && order !== 'F') throw bad(label, `its order ${JSON.stringify(order)} is neither 'C' nor 'F'`);
  const separator = meta.dimension_separator ?? '.';
  if (separator !== '.' && separator !== '/') throw bad(label, `its dimension separator ${JSON.stringify(separator)} is neither '.' nor '/'`);
  const strides = order === 'C' ? cStrides(chunks) : cStrides([...chunks].reverse()).reverse();
  const notes: string[] = [];
  if (order === 'F') notes.push('Chunks stored in Fortran (column-major) order.');
  return {
    path, zarrFormat: 2, shape, chunks, dtype, strides, codecs, fill: fillValue(label, meta.fill_value, dtype), notes,
    chunkKey: coords => (coords.length ? coords.join(separator) : '0'),
  };
}

const V3_TYPES: Record<string, DTypeName> = {
  bool: 'bool', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
  float16: 'float16', float32: 'float32', float64: 'float64', bfloat16: 'bfloat16',
};

/** Array metadata v3 (zarr.json with node_type 'array'). */
export function parseZarrJsonV3(label: string, path: string, meta: Json): ZarrArrayMeta {
  const typeName = typeof meta.data_type === 'string' ? meta.data_type : undefined;
  const name = typeName ? V3_TYPES[typeName] : undefined;
  if (!name) {
    throw new EmbdiagError('unsupported-dtype', `${label}: its data type ${JSON.stringify(meta.data_type ?? null).slice(0, 40)} is not a numeric type this reader decodes.`,
      'Save the embeddings as a numeric array (float32 is typical).');
  }
  const shape = sizes(label, 'shape', meta.shape, false);
  const grid = meta.chunk_grid;
  if (!isObject(grid) || grid.name !== 'regular' || !isObject(grid.configuration)) {
    throw unsupported(label, `its chunk grid ${isObject(grid) ? `'${String(grid.name).slice(0, 40)}'` : ''} is not the regular grid this reader knows`, 'Re-save the array with a regular chunk grid.');
  }
  const chunks = sizes(label, 'chunk shape', grid.configuration.chunk_shape, true);
  const encoding = meta.chunk_key_encoding;
  const encodingName = isObject(encoding) ? encoding.name : undefined;
  if (encodingName !== 'default' && encodingName !== 'v2') throw bad(label, `its chunk key encoding ${JSON.stringify(encodingName ?? null)} is neither 'default' nor 'v2'`);
  const separator = isObject(encoding) && isObject(encoding.configuration) && encoding.configuration.separator !== undefined
    ? encoding.configuration.separator : encodingName === 'default' ? '/' : '.';
  if (separator !== '.' && separator !== '/') throw bad(label, `its chunk key separator ${JSON.stringify(separator)} is neither '.' nor '/'`);
  if (Array.isArray(meta.storage_transformers) && meta.storage_transformers.length) throw unsupported(label, 'it uses storage transformers, which this reader does not apply');
  if (!Array.isArray(meta.codecs) || meta.codecs.length === 0) throw bad(label, 'its codecs are not a non-empty list');
  let order = shape.map((_, i) => i);
  let littleEndian = true;
  const codecs: ZarrCodecName[] = [];
  let stage: 'array' | 'bytes' = 'array';
  const notes: string[] = [];
  for (const c of meta.codecs) {
    const codec = codecName(label, c, 'name');
    const config = isObject(c) && isObject(c.configuration) ? c.configuration : {};
    if (stage === 'array' && codec === 'transpose') {
      order = transposeOrder(label, config.order, shape.length, order);
      notes.push(`Chunks stored transposed (axes ${order.join(', ')}).`);
    } else if (stage === 'array' && (codec === 'bytes' || codec === 'endian')) {
      if (config.endian !== undefined && config.endian !== 'little' && config.endian !== 'big') throw bad(label, `its bytes codec has endian ${JSON.stringify(config.endian)}`);
      littleEndian = config.endian !== 'big';
      stage = 'bytes';
    } else if (stage === 'bytes' && isZarrCodec(codec) && codec !== 'lz4') {
      codecs.push(codec);
    } else if (stage === 'array' && isZarrCodec(codec)) {
      throw bad(label, `its bytes-to-bytes codec '${codec}' comes before the array-to-bytes codec (bytes)`);
    } else if (codec === 'sharding_indexed') {
      throw unsupported(label, "it is sharded (codec 'sharding_indexed'), which this reader does not read", 'Re-save the array without sharding.');
    } else {
      throw unsupported(label, `its codec '${codec}' is not one this reader decodes (supported: transpose, bytes, blosc, gzip, zstd, crc32c)`);
    }
  }
  if (stage !== 'bytes') throw bad(label, 'its codecs have no bytes codec (the array-to-bytes step)');
  const dtype = makeDType(name, littleEndian);
  checkGrid(label, shape, chunks, dtype.itemSize);
  // the stored chunk is the chunk with its axes permuted by `order`, in C order
  const permutedStrides = cStrides(order.map(a => chunks[a]));
  const strides = new Array<number>(shape.length);
  order.forEach((axis, k) => { strides[axis] = permutedStrides[k]; });
  const prefix = encodingName === 'default' ? ['c'] : [];
  return {
    path, zarrFormat: 3, shape, chunks, dtype, strides, codecs, fill: fillValue(label, meta.fill_value, dtype), notes,
    chunkKey: coords => (encodingName === 'default' ? [...prefix, ...coords].join(separator) : coords.length ? coords.join(separator) : '0'),
  };
}

/** A transpose codec's order: a permutation of the axes ('C' and 'F' of earlier drafts accepted), composed with `before`. */
function transposeOrder(label: string, value: unknown, rank: number, before: number[]): number[] {
  let order: number[];
  if (value === 'C') order = before.map((_, i) => i);
  else if (value === 'F') order = before.map((_, i) => rank - 1 - i);
  else if (Array.isArray(value) && value.length === rank && value.every(v => Number.isInteger(v) && v >= 0 && v < rank) && new Set(value).size === rank) order = value as number[];
  else throw bad(label, `its transpose codec's order ${JSON.stringify(value).slice(0, 60)} is not a permutation of its ${rank} axes`);
  return order.map(k => before[k]);
}
