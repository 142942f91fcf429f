import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as H5 from 'h5wasm';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix } from './dumpFile';
import { DType, DTypeResult, decoderFor, makeDType, refusedDTypeError } from './dtype';
import { checkRowRange, findArray, matrixGeometry } from './npy';

/**
 * HDF5 files (.h5 / .hdf5) through h5wasm, the HDF5 C library compiled to WebAssembly. Its Node
 * build reads the host file system in place (Emscripten NODERAWFS): nothing is copied into the
 * wasm heap but the hyperslabs we ask for (at most MAX_READ_BYTES each) and HDF5's own chunk
 * cache. h5wasm is loaded lazily, the first time an HDF5 file is opened.
 *
 * Datasets anywhere in the group tree are listed by path ('model/layer_last'; a leading '/' is
 * accepted when selecting). Rows are read by hyperslab, so chunked and compressed datasets stream.
 */

type H5Module = typeof H5;
type H5File = InstanceType<H5Module['File']>;
type H5Metadata = ReturnType<H5Module['dtype_to_metadata']>;

/** The wasm-side functions we call directly (typed in h5wasm's hdf5_util_helpers.d.ts). */
interface RawModule {
  _malloc(n: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  get_dataset_data(fileId: bigint, path: string, count: bigint[], offset: bigint[], strides: bigint[], ptr: bigint): number;
}

/** Largest hyperslab read at once. */
const MAX_READ_BYTES = 16 << 20;
/** Listing stops here: a file with more datasets is not an embedding dump. */
const MAX_DATASETS = 10_000;
const MAX_GROUP_DEPTH = 64;
/** Deflate's largest expansion (about 1032:1): no filter we read stores values more densely. */
const MAX_DEFLATE_RATIO = 1032;
/** Links followed while listing, at most (a backstop when groups cannot be identified). */
const MAX_LINKS = 100_000;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Magic(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_SIGNATURE.every((b, i) => head[i] === b);
}

// ---- loading h5wasm --------------------------------------------------------------------

let loaded: Promise<H5Module> | undefined;

/** h5wasm, loaded once, on first use. */
export function loadH5wasm(): Promise<H5Module> {
  loaded ??= (async () => {
    const h5 = await importH5wasm();
    await h5.ready;
    // No filter plugins: HDF5 would look for them in host directories when a file names an
    // unknown filter. The built-in filters (deflate, shuffle, fletcher32, ...) remain.
    const plugins = h5.Module as unknown as { get_plugin_search_paths(): string[]; remove_plugin_search_path(index: number): number };
    for (let n = plugins.get_plugin_search_paths().length; n > 0; n--) plugins.remove_plugin_search_path(0);
    return h5;
  })();
  return loaded;
}

async function importH5wasm(): Promise<H5Module> {
  try {
    // Bundles keep this import() (scripts/build.mjs points it at dist/h5wasm.mjs).
    return await import('h5wasm/node' as string) as H5Module;
  } catch (e) {
    // Unbundled runs only (the bundles set EMBDIAG_BUNDLE and always use dist/h5wasm.mjs):
    // tsc's CommonJS output turns import() into require(), which h5wasm's import-only exports refuse,
    // and test bundles written outside the repository cannot resolve the package from where they are.
    // Load the same ES module by its path (Node loads ES modules through require since 20.19).
    if (process.env.EMBDIAG_BUNDLE !== 'dist') {
      const dirs = [...(require.resolve.paths('h5wasm') ?? []), path.join(process.cwd(), 'node_modules')];
      for (const dir of dirs) {
        const file = path.join(dir, 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
        if (fs.existsSync(file)) return require(file) as H5Module;
      }
    }
    throw new EmbdiagError('internal', `The HDF5 reader (h5wasm) could not be loaded: ${(e as Error).message}.`, 'Reinstall the extension.');
  }
}

type WriteSync = (fd: number, data: string | ArrayBufferView, ...rest: unknown[]) => number;
type OpenSync = (file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => number;

/**
 * The one file HDF5 may open while it runs (set by withFile). An HDF5 file can name others: a
 * dataset's raw data can live in external files (any path, e.g. a private key read as uint8) and
 * a virtual dataset maps other HDF5 files. Only the file being analysed is read.
 */
let confinedTo: string | undefined;

/**
 * Memory the HDF5 library may grow to while listing, or reading a contiguous dataset: hyperslabs are
 * at most MAX_READ_BYTES, HDF5's chunk cache 1 MiB. Reading a chunked dataset adds 4 chunks' worth
 * (a chunk, its compressed form, filter buffers), up to the wasm limit.
 */
const BASE_WASM_HEAP_BYTES = 128 << 20;
const MAX_WASM_HEAP_BYTES = 2 ** 31;
let heapLimit = BASE_WASM_HEAP_BYTES;

/** Set once the wasm module has trapped or aborted: it is not called again (see h5call). */
let broken: string | undefined;

/** fs functions the wasm build could use to change files: never needed to read one. */
const MUTATING_FS = ['writeFileSync', 'unlinkSync', 'renameSync', 'mkdirSync', 'rmdirSync', 'symlinkSync', 'truncateSync', 'ftruncateSync',
  'chmodSync', 'fchmodSync', 'chownSync', 'fchownSync', 'utimesSync', 'futimesSync'];

function accessDenied(what: string): Error {
  return Object.assign(new Error(`EACCES: permission denied, ${what}`), { code: 'EACCES', errno: -13 });
}

/**
 * Runs an HDF5 call, turning its failures into an EmbdiagError that quotes HDF5's own diagnosis.
 * HDF5 prints its error stack to stderr, which the wasm build writes straight to file descriptor 2
 * with fs.writeSync: during the (synchronous) call those writes are collected instead. The wasm
 * build reaches the file system through Node's fs (NODERAWFS): during the call, opening anything
 * but the file being analysed (read-only), and every call that changes files, is refused.
 */
function h5call<T>(label: string, what: string, fn: () => T): T {
  if (broken !== undefined) {
    throw new EmbdiagError('internal', `${label}: cannot ${what}: the HDF5 library stopped working after an earlier damaged file made it abort (${broken}).`,
      'Reload the window (or restart the command) to read HDF5 files again.');
  }
  const realFs = require('node:fs') as Record<string, unknown> & { writeSync: WriteSync; openSync: OpenSync; readFileSync: (...a: unknown[]) => unknown };
  const originals = new Map<string, unknown>();
  const patch = (name: string, replacement: unknown) => { originals.set(name, realFs[name]); realFs[name] = replacement; };
  const collected: string[] = [];
  const original = realFs.writeSync;
  patch('writeSync', function (this: unknown, fd: number, data: string | ArrayBufferView, ...rest: unknown[]): number {
    if (fd !== 2) return original.call(this, fd, data, ...rest);
    if (typeof data === 'string') { collected.push(data); return Buffer.byteLength(data); }
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const length = typeof rest[1] === 'number' ? rest[1] : data.byteLength - offset;
    collected.push(Buffer.from(data.buffer, data.byteOffset + offset, length).toString('utf8'));
    return length;
  } as WriteSync);
  const refused: string[] = [];
  if (confinedTo !== undefined) {
    const allowed = confinedTo;
    const open = realFs.openSync;
    const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;
    patch('openSync', function (this: unknown, file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode): number {
      const target = path.resolve(String(file));
      const writing = typeof flags === 'number' ? (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) !== 0 : typeof flags === 'string' && /[wa+]/.test(flags);
      if (target !== allowed || writing) {
        refused.push(target);
        throw accessDenied(`open '${target}'`);
      }
      return open.call(this, file, flags, mode);
    } as OpenSync);
    const readFile = realFs.readFileSync;
    patch('readFileSync', function (this: unknown, file: unknown, ...rest: unknown[]): unknown {
      const target = typeof file === 'number' ? undefined : path.resolve(String(file));
      if (target !== undefined && target !== allowed) { refused.push(target); throw accessDenied(`open '${target}'`); }
      return readFile.call(this, file, ...rest);
    });
    for (const name of MUTATING_FS) patch(name, () => { refused.push(`(${name})`); throw accessDenied(name); });
  }
  // HDF5 allocates what size fields in the file say: a damaged one makes it take (and touch) all it can
  // get, which is slow (seconds per GiB). Growth of the wasm heap is refused beyond MAX_WASM_HEAP_BYTES.
  const grow = WebAssembly.Memory.prototype.grow;
  let growthRefused = 0;
  WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
    if (this.buffer.byteLength + delta * 65536 > heapLimit) {
      growthRefused = this.buffer.byteLength + delta * 65536;
      throw new RangeError(`the HDF5 reader is limited to ${heapLimit} bytes of memory`);
    }
    return grow.call(this, delta);
  };
  const refusal = () => new EmbdiagError('unreadable',
    `${label}: cannot ${what}: the file asks HDF5 to open another file (${refused[0]}), as the raw data of an external dataset or the source of a virtual dataset; only the file being analysed is read.`,
    'Store the embeddings inside the HDF5 file itself (h5py: create the dataset without external=, and copy virtual datasets into real ones).');
  try {
    const result = fn();
    // A virtual dataset whose sources cannot be opened reads as its fill value, without an error;
    // a listing whose allocation failed comes back empty, without one.
    if (refused.length) throw refusal();
    if (growthRefused) throw new Error('memory allocation failed');
    return result;
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    if (refused.length) throw refusal();
    if (e instanceof WebAssembly.RuntimeError || /^Aborted\(/.test((e as Error)?.message ?? '')) {
      // A trap or abort() inside the wasm module: its memory and HDF5's global state are not to be trusted
      // again (calls into an aborted module can hang). Nothing more is asked of it in this process.
      broken = (e as Error).message;
      throw new EmbdiagError('bad-header', `${label}: cannot ${what}: the file made the HDF5 library abort (${broken}).`,
        'The file is damaged; re-save it with h5py. Reload the window (or restart the command) before reading other HDF5 files.');
    }
    const text = collected.join('');
    const details = [...text.matchAll(/in \w+\(\): ([^\n]+)/g)].map(m => m[1].trim());
    const detail = details.length ? details[details.length - 1] : (e as Error).message;
    if (growthRefused) {
      throw new EmbdiagError('too-large', `${label}: cannot ${what}: HDF5 asked for ${growthRefused} bytes of memory, more than the ${heapLimit} it may use (${detail}).`,
        'A size in the file is damaged, or its chunks are very large; re-save it with h5py (smaller chunks, e.g. chunks=True).');
    }
    if (/truncated file/.test(text)) {
      throw new EmbdiagError('truncated', `${label}: cannot ${what}: the HDF5 file is truncated (${detail}).`,
        'It was probably cut short by an interrupted write or copy; re-save or re-copy it.');
    }
    throw new EmbdiagError('bad-header', `${label}: cannot ${what}: ${detail}.`,
      'The file is damaged or not an HDF5 file; re-save it with h5py.');
  } finally {
    for (const [name, fn0] of originals) realFs[name] = fn0;
    WebAssembly.Memory.prototype.grow = grow;
  }
}

// ---- dtypes -----------------------------------------------------------------------------

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_COMPOUND = 6;
const H5T_ENUM = 8;
const H5T_VLEN = 9;
const H5T_ARRAY = 10;

function refuse(name: string, reason: string): DTypeResult {
  return { ok: false, refused: { name, code: 'unsupported-dtype', reason } };
}

/**
 * Element type of a dataset. HDF5 converts to little-endian on reading (h5wasm reads into a
 * little-endian copy of the file type), so the decoder is always little-endian.
 */
function hdf5DType(m: H5Metadata): DTypeResult {
  switch (m.type) {
    case H5T_FLOAT:
      if (m.size === 2 || m.size === 4 || m.size === 8) return { ok: true, dtype: makeDType(m.size === 2 ? 'float16' : m.size === 4 ? 'float32' : 'float64') };
      return refuse(`float${m.size * 8}`, `its ${m.size * 8}-bit float type is not supported; convert it to float32`);
    case H5T_INTEGER:
      if ([1, 2, 4, 8].includes(m.size)) return { ok: true, dtype: makeDType(`${m.signed ? 'int' : 'uint'}${m.size * 8}` as 'int8') };
      return refuse(`int${m.size * 8}`, 'its integer width is not supported');
    case H5T_ENUM: {
      const members = m.enum_type?.members ?? {};
      const names = Object.keys(members).sort().join(',');
      // h5py stores numpy bool as an enum {FALSE: 0, TRUE: 1} over int8.
      if (m.size === 1 && names === 'FALSE,TRUE' && members.FALSE === 0 && members.TRUE === 1) return { ok: true, dtype: makeDType('bool') };
      return refuse('enum', 'it holds enumeration labels, not numbers');
    }
    case H5T_STRING: return refuse('str', 'it holds strings, not numbers');
    case H5T_COMPOUND: return refuse('compound', 'it is a compound (record) dataset; store the embeddings as their own numeric dataset');
    case H5T_VLEN: return refuse('vlen', 'it holds variable-length sequences; store the embeddings as a 2-D numeric dataset');
    case H5T_ARRAY: return refuse('array', 'its elements are fixed-size arrays; store the embeddings as a plain 2-D numeric dataset');
    default: return refuse(`hdf5-class-${m.type}`, `its HDF5 type class ${m.type} is not numeric`);
  }
}

interface DatasetEntry {
  info: ArrayInfo;
  path: string;
  dtype?: DType;
  metadata: H5Metadata;
  filters: string[];
  /** Set when the dataset's filter pipeline needs a filter this build of HDF5 lacks. */
  missingFilter?: string;
  /** Set when the dataset declares far more than the file can hold. */
  tooLarge?: string;
  /** Set when the dataset's data is in other files (a virtual dataset). */
  elsewhere?: string;
}

/** Filters compiled into h5wasm (plugins are disabled): deflate, shuffle, fletcher32, szip, nbit, scaleoffset. */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 4, 5, 6]);

function describeDataset(name: string, dsPath: string, m: H5Metadata, filterList: { id: number; name: string }[]): DatasetEntry {
  const shape = m.shape ?? [];
  const dtype = hdf5DType(m);
  const filters = filterList.map(x => x.name);
  if (!m.shape) return { info: { name, dtype: dtype.ok ? dtype.dtype.name : dtype.refused.name, shape, analysable: false, reason: 'it has a null (empty) dataspace' }, path: dsPath, metadata: m, filters };
  if (!dtype.ok) return { info: { name, dtype: dtype.refused.name, shape, analysable: false, reason: dtype.refused.reason }, path: dsPath, metadata: m, filters };
  if (m.virtual_sources?.length) {
    const files = [...new Set(m.virtual_sources.map(v => v.file_name))].slice(0, 3).join(', ');
    const reason = `it is a virtual dataset whose data lives in other files (${files}); only the file being analysed is read`;
    return { info: { name, dtype: dtype.dtype.name, shape, analysable: false, reason }, path: dsPath, metadata: m, filters, elsewhere: reason };
  }
  const missing = filterList.find(x => !BUILT_IN_FILTERS.has(x.id));
  if (missing) {
    const reason = `it is compressed with the HDF5 filter '${missing.name || 'unnamed'}' (id ${missing.id}), which this reader does not include (only deflate/gzip, shuffle, fletcher32, szip, nbit and scaleoffset)`;
    return { info: { name, dtype: dtype.dtype.name, shape, analysable: false, reason }, path: dsPath, metadata: m, filters, missingFilter: reason };
  }
  let elements = 1;
  for (const d of shape) elements *= d;
  if (!shape.every(d => Number.isSafeInteger(d) && d >= 0) || !Number.isSafeInteger(elements)) {
    return { info: { name, dtype: dtype.dtype.name, shape, analysable: false, reason: `its shape (${shape.join(', ')}) is impossibly large` }, path: dsPath, metadata: m, filters };
  }
  const geometry = matrixGeometry(shape);
  const info: ArrayInfo = geometry.reason
    ? { name, dtype: dtype.dtype.name, shape, analysable: false, reason: geometry.reason }
    : { name, dtype: dtype.dtype.name, shape, analysable: true };
  return { info, path: dsPath, dtype: dtype.dtype, metadata: m, filters };
}

/** The path h5wasm opens: the source must be the file on disk (HDF5 reads it in place). */
function diskPath(source: ByteSource): string {
  let st: fs.Stats | undefined;
  try { st = fs.statSync(source.name); } catch { st = undefined; }
  if (!st || !st.isFile() || st.size !== source.size) {
    throw new EmbdiagError('unreadable', `${source.name}: HDF5 files are read in place by the HDF5 library, which needs the file on disk, and this source is not one.`,
      'Analyse the file from a local path.');
  }
  return path.resolve(source.name);
}

function withFile<T>(h5: H5Module, label: string, file: string, fn: (f: H5File) => T): T {
  const outer = confinedTo;
  confinedTo = path.resolve(file);
  try {
    const f = h5call(label, 'open it as HDF5', () => {
      const opened = new h5.File(file, 'r');
      // h5wasm reports a failed H5Fopen as a negative id rather than by throwing.
      if (BigInt((opened as unknown as { file_id: bigint | number }).file_id) < 0n) throw new Error('H5Fopen failed');
      return opened;
    });
    try {
      return fn(f);
    } finally {
      // Not into a module that has just aborted (calls into it can hang).
      try { if (broken === undefined) f.close(); } catch { /* already unusable */ }
    }
  } finally {
    confinedTo = outer;
  }
}

/** Every dataset under the root, depth-first in the file's link order. */
function listDatasets(h5: H5Module, f: H5File, label: string): { datasets: DatasetEntry[]; skipped: string[] } {
  const datasets: DatasetEntry[] = [];
  const skipped: string[] = [];
  // Hard links can make a group its own descendant (g/a -> g, g/b -> g): walking paths would never end
  // (2^depth paths). Each group is listed once, recognised by its object address (an HDF5 object reference).
  const listed = new Set<string>();
  const address = (group: InstanceType<H5Module['Group']>): string | undefined => {
    try {
      const ref = Array.from((group.create_reference() as unknown as { ref_data: ArrayLike<number> }).ref_data);
      return ref.some(b => b !== 0) ? ref.join(',') : undefined;
    } catch {
      return undefined;
    }
  };
  let links = 0;
  const walk = (group: InstanceType<H5Module['Group']>, prefix: string, depth: number): void => {
    if (depth > MAX_GROUP_DEPTH) { skipped.push(`${prefix || '/'} (groups nested deeper than ${MAX_GROUP_DEPTH})`); return; }
    const id = h5call(label, `identify the group '/${prefix}'`, () => address(group));
    if (id !== undefined) {
      if (listed.has(id)) { skipped.push(`${prefix} (another link to a group already listed)`); return; }
      listed.add(id);
    }
    for (const key of h5call(label, `list the group '/${prefix}'`, () => group.keys())) {
      const name = prefix ? `${prefix}/${key}` : key;
      if (datasets.length >= MAX_DATASETS || ++links > MAX_LINKS) {
        throw new EmbdiagError('too-large', `${label}: holds more than ${datasets.length >= MAX_DATASETS ? `${MAX_DATASETS} datasets` : `${MAX_LINKS} links`}, too many for an embedding dump.`, 'Store the embeddings in a smaller file.');
      }
      const entity = h5call(label, `open '/${name}'`, () => group.get(key));
      if (entity instanceof h5.Group) walk(entity, name, depth + 1);
      else if (entity instanceof h5.Dataset) {
        const metadata = h5call(label, `read the metadata of '/${name}'`, () => entity.metadata);
        const filters = h5call(label, `read the filters of '/${name}'`, () => entity.filters);
        datasets.push(describeDataset(name, `/${name}`, metadata, filters));
      } else if (entity instanceof h5.ExternalLink) skipped.push(`${name} (a link to another file, not followed)`);
      else if (entity instanceof h5.BrokenSoftLink) skipped.push(`${name} (a broken link)`);
    }
  };
  walk(f, '', 0);
  return { datasets, skipped };
}

/** Opens an HDF5 file: lists its datasets (reading metadata only). */
export async function openHdf5(source: ByteSource, _fileName: string): Promise<DumpFile> {
  const label = source.name;
  const file = diskPath(source);
  const h5 = await loadH5wasm();
  const { datasets, skipped } = withFile(h5, label, file, f => listDatasets(h5, f, label));
  // HDF5 returns the fill value for chunks never written, so a few hundred bytes can declare terabytes.
  // What no chunk, even deflated at the best possible ratio, could store was mostly never written.
  const plausibleBytes = source.size * MAX_DEFLATE_RATIO + (1 << 20);
  for (const d of datasets) {
    if (!d.info.analysable || !d.dtype) continue;
    const bytes = d.info.shape.reduce((n, x) => n * x, 1) * d.dtype.itemSize;
    if (bytes > plausibleBytes) {
      d.tooLarge = `it declares ${d.info.shape.join(' x ')} ${d.dtype.name} values (${bytes} bytes), more than the ${source.size}-byte file can hold even compressed, so most of it was never written (HDF5 reads unwritten chunks as the fill value)`;
      d.info = { ...d.info, analysable: false, reason: d.tooLarge };
    }
  }
  const arrays = datasets.map(d => d.info);
  const notes = ['HDF5 file, read in place through the HDF5 library (h5wasm).'];
  if (skipped.length) notes.push(`Not listed: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}.`);
  return {
    format: 'hdf5',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const name = requested?.replace(/^\/+/, '');
      const info = findArray(label, arrays, name);
      const entry = datasets.find(d => d.info === info)!;
      if (!entry.dtype) {
        const dtype = hdf5DType(entry.metadata);
        if (!dtype.ok) throw refusedDTypeError(label, `dataset '/${info.name}'`, dtype.refused);
      }
      if (entry.elsewhere) {
        throw new EmbdiagError('unreadable', `${label}: dataset '/${info.name}' cannot be read: ${entry.elsewhere}.`,
          'Copy the data into a real dataset of this file (h5py: f.create_dataset(name, data=f[virtual][...])).');
      }
      if (entry.tooLarge) {
        throw new EmbdiagError('too-large', `${label}: dataset '/${info.name}' cannot be analysed: ${entry.tooLarge}.`,
          'Write the embeddings into a dataset of their actual size (or resize it to the rows written).');
      }
      if (entry.missingFilter) {
        throw new EmbdiagError('bad-header', `${label}: dataset '/${info.name}' cannot be read: ${entry.missingFilter}.`,
          "Re-save the dataset uncompressed or with gzip (h5py: compression='gzip').");
      }
      if (!info.analysable || !entry.dtype) throw new EmbdiagError('bad-shape', `${label}: dataset '/${info.name}' cannot be analysed: ${info.reason}.`, 'Pick another dataset.');
      return new Hdf5Matrix(h5, label, file, entry, entry.dtype);
    },
  };
}

/** Rows of a dataset, read by hyperslab: [i0..., range in the last leading dim, all of the last dim]. */
class Hdf5Matrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];
  private readonly decode;

  constructor(private readonly h5: H5Module, private readonly label: string, private readonly file: string,
    private readonly entry: DatasetEntry, private readonly type: DType) {
    const geometry = matrixGeometry(entry.info.shape);
    this.name = entry.info.name;
    this.dtype = type.name;
    this.shape = entry.info.shape.slice();
    this.rows = geometry.rows;
    this.dim = geometry.dim;
    this.notes = [...geometry.notes];
    const { chunks, littleEndian } = entry.metadata;
    if (chunks) {
      this.notes.push(`Chunked (${chunks.join(' x ')})${entry.filters.length ? `, filters ${entry.filters.join(' + ')}` : ''}: rows are read by hyperslab.`);
    }
    if (!littleEndian && type.itemSize > 1) this.notes.push('Stored big-endian; HDF5 converts it on reading.');
    this.decode = decoderFor(type);
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    if (count === 0) return out;
    this.read(start, count, (bytes, at, values) => this.decode(bytes, values, out, at, 1));
    return out;
  }

  /** Rows as float32 without a float64 copy, for a little-endian float32 dataset (the bytes are the values). */
  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    if (this.type.name !== 'float32' || !this.type.littleEndian) return Float32Array.from(await this.readRows(start, count));
    checkRowRange(this.label, this.name, this.rows, start, count);
    const out = new Float32Array(count * this.dim);
    const outBytes = new Uint8Array(out.buffer);
    this.read(start, count, (bytes, at) => outBytes.set(bytes, at * 4));
    return out;
  }

  /** Reads rows [start, start + count) by hyperslab; `sink` gets each slab's bytes and its first value's index in the output. */
  private read(start: number, count: number, sink: (bytes: Uint8Array, at: number, values: number) => void): void {
    const rowBytes = this.dim * this.type.itemSize;
    const maxRows = Math.max(1, Math.floor(MAX_READ_BYTES / rowBytes));
    const raw = this.h5.Module as unknown as RawModule;
    const { chunks } = this.entry.metadata;
    const chunkBytes = chunks ? chunks.reduce((n, c) => n * c, 1) * this.type.itemSize : 0;
    const outer = heapLimit;
    heapLimit = Math.min(MAX_WASM_HEAP_BYTES, BASE_WASM_HEAP_BYTES + 4 * chunkBytes);
    try {
      this.readHyperslabs(raw, start, count, sink, maxRows, rowBytes);
    } finally {
      heapLimit = outer;
    }
  }

  private readHyperslabs(raw: RawModule, start: number, count: number, sink: (bytes: Uint8Array, at: number, values: number) => void, maxRows: number, rowBytes: number): void {
    const shape = this.shape;
    withFile(this.h5, this.label, this.file, f => {
      const fileId = (f as unknown as { file_id: bigint }).file_id;
      // Leading dims: the last one varies fastest, so a run of rows sharing the others is one hyperslab.
      const lead = shape.length > 1 ? shape.slice(0, -1) : [1];
      const inner = lead[lead.length - 1];
      let r = start;
      const end = start + count;
      while (r < end) {
        const j = r % inner;
        const n = Math.min(end - r, inner - j, maxRows);
        const offset: bigint[] = [];
        const counts: bigint[] = [];
        if (shape.length > 1) {
          let q = Math.floor(r / inner);
          const prefix: number[] = [];
          for (let i = lead.length - 2; i >= 0; i--) { prefix.unshift(q % lead[i]); q = Math.floor(q / lead[i]); }
          for (const p of prefix) { offset.push(BigInt(p)); counts.push(1n); }
          offset.push(BigInt(j));
          counts.push(BigInt(n));
        }
        offset.push(0n);
        counts.push(BigInt(this.dim));
        const nbytes = n * rowBytes;
        const ptr = h5call(this.label, `allocate ${nbytes} bytes`, () => raw._malloc(nbytes));
        if (!ptr) throw new EmbdiagError('too-large', `${this.label}: could not allocate ${nbytes} bytes in the HDF5 reader.`);
        try {
          h5call(this.label, `read rows ${r}..${r + n} of '/${this.name}'`, () => {
            const status = raw.get_dataset_data(fileId, this.entry.path, counts, offset, counts.map(() => 1n), BigInt(ptr));
            if (status < 0) throw new Error(`H5Dread failed (${status})`);
          });
          // HEAPU8 may be replaced when the heap grows: read it after the call.
          sink(raw.HEAPU8.subarray(ptr, ptr + nbytes), (r - start) * this.dim, n * this.dim);
        } finally {
          if (broken === undefined) raw._free(ptr);
        }
        r += n;
      }
    });
  }
}
