import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { decoderFor } from './dtype';
import { checkRowRange, findArray, matrixGeometry } from './npy';
import { type H5Module, MAX_READ_BYTES, h5call, isBroken, loadH5wasm, withExtraHeap, withFile } from './hdf5Library';
import { type Hdf5Entry, type Hdf5Layout, listHdf5 } from './hdf5Listing';
import { matrixValueColumn, readByRuns } from './valueColumns';

const utf8 = new TextDecoder('utf-8');

/**
 * HDF5 files (.h5 / .hdf5) through h5wasm, the HDF5 C library compiled to WebAssembly (hdf5Library.ts).
 * Its Node build reads the host file system in place (Emscripten NODERAWFS): nothing is copied into
 * the wasm heap but the hyperslabs we ask for (at most MAX_READ_BYTES each) and HDF5's own chunk
 * cache. h5wasm is loaded lazily, the first time an HDF5 file is opened.
 *
 * Datasets anywhere in the group tree are listed by path (hdf5Listing.ts; a leading '/' is accepted
 * when selecting). Rows are read by hyperslab, so chunked and compressed datasets stream.
 */

/** The wasm-side functions we call directly (typed in h5wasm's hdf5_util_helpers.d.ts). */
interface RawModule {
  _malloc(n: number): number;
  _free(ptr: number): void;
  HEAPU8: Uint8Array;
  /** count/offset/strides null: the whole (scalar) dataspace. */
  get_dataset_data(fileId: bigint, path: string, count: bigint[] | null, offset: bigint[] | null, strides: bigint[] | null, ptr: bigint): number;
}

/** Deflate's largest expansion (about 1032:1): no filter we read stores values more densely. */
const MAX_DEFLATE_RATIO = 1032;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Magic(head: Uint8Array): boolean {
  return head.length >= 8 && HDF5_SIGNATURE.every((b, i) => head[i] === b);
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

/** Opens an HDF5 file: lists its datasets (reading metadata only). */
export async function openHdf5(source: ByteSource, _fileName: string): Promise<DumpFile> {
  const label = source.name;
  const file = diskPath(source);
  const h5 = await loadH5wasm();
  const { entries, skipped } = withFile(h5, label, file, f => listHdf5(h5, f, label));
  // HDF5 returns the fill value for chunks never written, so a few hundred bytes can declare terabytes.
  // What no chunk, even deflated at the best possible ratio, could store was mostly never written.
  const plausibleBytes = source.size * MAX_DEFLATE_RATIO + (1 << 20);
  for (const d of entries) {
    if (!d.layout) continue;
    const { dtype } = d.layout;
    const bytes = d.info.shape.reduce((n, x) => n * x, 1) * dtype.itemSize;
    if (bytes > plausibleBytes) {
      const reason = `it declares ${d.info.shape.join(' x ')} ${dtype.name} values (${bytes} bytes), more than the ${source.size}-byte file can hold even compressed, so most of it was never written (HDF5 reads unwritten chunks as the fill value)`;
      d.info = { ...d.info, analysable: false, reason };
      d.layout = undefined;
      d.refusal = () => new EmbdiagError('too-large', `${label}: dataset '${d.path}' cannot be analysed: ${reason}.`,
        'Write the embeddings into a dataset of their actual size (or resize it to the rows written).');
    }
  }
  const arrays = entries.map(d => d.info);
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
      const entry = entries.find(d => d.info === info)!;
      if (!entry.layout) {
        throw entry.refusal?.() ?? new EmbdiagError('bad-shape', `${label}: '${entry.path}' cannot be analysed: ${info.reason}.`, 'Pick another dataset.');
      }
      return new Hdf5Matrix(h5, label, file, entry, entry.layout);
    },
    /** 1-D datasets of numbers (labels, ids), read element by element as an N×1 column. */
    async valueColumns(): Promise<ValueColumn[]> {
      const numeric = entries.filter(d => d.layout && d.layout.arrayShape.length === 0 && d.layout.dataspace.length === 1)
        .map(d => matrixValueColumn(new Hdf5Matrix(h5, label, file, d, d.layout!, true)));
      // 1-D string datasets (h5py's string_dtype, fixed-length bytes): decoded by h5wasm, a run of rows per hyperslab
      const strings = entries.filter(d => d.info.dtype === 'str' && d.info.shape.length === 1).map((d): ValueColumn => ({
        name: d.info.name, kind: 'string', rows: d.info.shape[0],
        read: rows => readByRuns(rows, async (start, end) => withFile(h5, label, file, f => h5call(label, `read rows ${start}..${end} of '${d.path}'`, () => {
          const dataset = f.get(d.path) as unknown as { slice(ranges: [number, number][]): unknown };
          const values = dataset.slice([[start, end]]);
          return Array.from(values as ArrayLike<unknown>, v => (typeof v === 'string' ? v : v instanceof Uint8Array ? utf8.decode(v) : null));
        }))),
      }));
      return [...numeric, ...strings];
    },
  };
}

/**
 * Rows of a dataset, read by hyperslab. A hyperslab selects "units": for a plain type, one row each
 * ([i0..., a range in the last leading dim, all of the last dim]); for an HDF5 array datatype, one
 * dataset element each, holding rowsPerUnit rows of the array's last dimension.
 */
class Hdf5Matrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];
  private readonly decode;
  /** The dimensions a hyperslab walks, and the last ones it always takes whole ([] or [dim]). */
  private readonly unitGrid: number[];
  private readonly tail: number[];
  private readonly rowsPerUnit: number;

  constructor(private readonly h5: H5Module, private readonly label: string, private readonly file: string,
    private readonly entry: Hdf5Entry, private readonly layout: Hdf5Layout, asColumn = false) {
    // a 1-D dataset as a column: one value per row (not one vector)
    const geometry = asColumn ? { rows: entry.info.shape[0], dim: 1, notes: [] } : matrixGeometry(entry.info.shape);
    this.name = entry.info.name;
    this.dtype = layout.dtype.name;
    this.shape = entry.info.shape.slice();
    this.rows = geometry.rows;
    this.dim = geometry.dim;
    this.notes = [...geometry.notes, ...layout.notes];
    const { chunks, filters, arrayShape, dataspace } = layout;
    if (chunks) this.notes.push(`Chunked (${chunks.join(' x ')})${filters.length ? `, filters ${filters.join(' + ')}` : ''}: rows are read by hyperslab.`);
    if (layout.bigEndian && layout.dtype.itemSize > 1) this.notes.push('Stored big-endian; HDF5 converts it on reading.');
    this.decode = decoderFor(layout.dtype);
    if (asColumn) {
      this.unitGrid = dataspace.slice();
      this.tail = [];
      this.rowsPerUnit = 1;
    } else if (arrayShape.length) {
      this.unitGrid = dataspace.slice();
      this.tail = [];
      this.rowsPerUnit = arrayShape.reduce((n, d) => n * d, 1) / this.dim;
    } else {
      this.unitGrid = dataspace.slice(0, -1);
      this.tail = [this.dim];
      this.rowsPerUnit = 1;
    }
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
    if (this.layout.dtype.name !== 'float32' || !this.layout.dtype.littleEndian) return Float32Array.from(await this.readRows(start, count));
    checkRowRange(this.label, this.name, this.rows, start, count);
    const out = new Float32Array(count * this.dim);
    const outBytes = new Uint8Array(out.buffer);
    this.read(start, count, (bytes, at) => outBytes.set(bytes, at * 4));
    return out;
  }

  /** Reads rows [start, start + count); `sink` gets each slab's bytes and its first value's index in the output. */
  private read(start: number, count: number, sink: (bytes: Uint8Array, at: number, values: number) => void): void {
    const unitBytes = this.rowsPerUnit * this.dim * this.layout.dtype.itemSize;
    const maxUnits = Math.max(1, Math.floor(MAX_READ_BYTES / unitBytes));
    const { chunks } = this.layout;
    const elementBytes = this.layout.arrayShape.reduce((n, d) => n * d, 1) * this.layout.dtype.itemSize;
    const chunkBytes = chunks ? chunks.reduce((n, c) => n * c, 1) * elementBytes : 0;
    withExtraHeap(4 * chunkBytes, () => this.readHyperslabs(this.h5.Module as unknown as RawModule, start, count, sink, maxUnits, unitBytes));
  }

  private readHyperslabs(raw: RawModule, start: number, count: number, sink: (bytes: Uint8Array, at: number, values: number) => void, maxUnits: number, unitBytes: number): void {
    const grid = this.unitGrid;
    const per = this.rowsPerUnit;
    const end = start + count;
    withFile(this.h5, this.label, this.file, f => {
      const fileId = (f as unknown as { file_id: bigint }).file_id;
      // Units along the last grid dim vary fastest, so a run of units sharing the others is one hyperslab.
      const inner = grid.length ? grid[grid.length - 1] : 1;
      let u = Math.floor(start / per);
      const lastUnit = Math.ceil(end / per);
      while (u < lastUnit) {
        const j = u % inner;
        const n = Math.min(lastUnit - u, inner - j, maxUnits);
        const offset: bigint[] = [];
        const counts: bigint[] = [];
        if (grid.length) {
          let q = Math.floor(u / inner);
          const prefix: number[] = [];
          for (let i = grid.length - 2; i >= 0; i--) { prefix.unshift(q % grid[i]); q = Math.floor(q / grid[i]); }
          for (const p of prefix) { offset.push(BigInt(p)); counts.push(1n); }
          offset.push(BigInt(j));
          counts.push(BigInt(n));
        }
        for (const t of this.tail) { offset.push(0n); counts.push(BigInt(t)); }
        // A scalar dataset of an array datatype has no dimension to select in: it is read whole.
        const whole = counts.length === 0;
        const nbytes = n * unitBytes;
        const ptr = h5call(this.label, `allocate ${nbytes} bytes`, () => raw._malloc(nbytes));
        if (!ptr) throw new EmbdiagError('too-large', `${this.label}: could not allocate ${nbytes} bytes in the HDF5 reader.`);
        const firstRow = Math.max(start, u * per);
        const stopRow = Math.min(end, (u + n) * per);
        try {
          h5call(this.label, `read rows ${firstRow}..${stopRow} of '/${this.name}'`, () => {
            const status = whole
              ? raw.get_dataset_data(fileId, this.entry.path, null, null, null, BigInt(ptr))
              : raw.get_dataset_data(fileId, this.entry.path, counts, offset, counts.map(() => 1n), BigInt(ptr));
            if (status < 0) throw new Error('read failed');
          });
          // HEAPU8 may be replaced when the heap grows: read it after the call.
          const rowBytes = unitBytes / per;
          const from = ptr + (firstRow - u * per) * rowBytes;
          sink(raw.HEAPU8.subarray(from, from + (stopRow - firstRow) * rowBytes), (firstRow - start) * this.dim, (stopRow - firstRow) * this.dim);
        } finally {
          if (!isBroken()) raw._free(ptr);
        }
        u += n;
      }
    });
  }
}
