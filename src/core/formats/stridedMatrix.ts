import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { EmbeddingMatrix } from './dumpFile';
import { decoderFor, type DType } from './dtype';
import { checkRowRange, matrixGeometry } from './npy';

/**
 * Strided views of a storage (PyTorch tensors that are slices, permutations or expanded dims):
 * read by gathering their elements rather than as one dense block. torchFile.ts decides which
 * reader a tensor gets.
 */

/** Whether a view with these sizes and strides is C-contiguous (or Fortran-contiguous), its size-1 dims aside. */
export function isContiguous(shape: number[], stride: number[], fortran: boolean): boolean {
  let expected = 1;
  const order = shape.map((_, i) => i);
  if (!fortran) order.reverse();
  for (const i of order) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Elements gathered per pass (their offsets are sorted and coalesced into windows). */
const MAX_GATHER_ELEMENTS = 1 << 20;
/** Largest window read at once, in elements. */
const MAX_WINDOW_ELEMENTS = 2 << 20;
/** Needed elements closer than this are read in one window rather than two reads. */
const MAX_GAP_ELEMENTS = 4096;

/**
 * A strided view of a storage seen as rows x dim: rows are the leading dims in C order.
 * Any sizes/strides/offset (slices, permutations, expanded dims): the offsets of the requested
 * elements are sorted and coalesced into bounded windows, so each byte is read about once and
 * memory stays bounded, however far apart the elements are.
 */
export class StridedMatrix implements EmbeddingMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];
  readonly dtype: string;
  private readonly decode;
  private scratch = new Float64Array(0);
  private one = new Float64Array(1);

  constructor(private readonly source: ByteSource, readonly name: string, private readonly type: DType,
    readonly shape: readonly number[], private readonly stride: readonly number[], private readonly offset: number) {
    const geometry = matrixGeometry(shape);
    if (geometry.reason) throw new EmbdiagError('bad-shape', `${source.name}: tensor '${name}' cannot be analysed: ${geometry.reason}.`);
    this.rows = geometry.rows;
    this.dim = geometry.dim;
    this.dtype = type.name;
    this.notes = [...geometry.notes, `A non-contiguous view (shape (${shape.join(', ')}), strides (${stride.join(', ')}), storage offset ${offset}): its elements are gathered from the storage.`];
    if (!type.littleEndian && type.itemSize > 1) this.notes.push('Big-endian data, converted on reading.');
    this.decode = decoderFor(type);
  }

  private rowBase(r: number): number {
    let base = this.offset;
    for (let i = this.shape.length - 2; i >= 0; i--) {
      const d = this.shape[i];
      base += (r % d) * this.stride[i];
      r = Math.floor(r / d);
    }
    return base;
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const dim = this.dim;
    const out = new Float64Array(count * dim);
    const step = this.stride[this.stride.length - 1] ?? 0;
    const rowsPerPass = Math.max(1, Math.floor(MAX_GATHER_ELEMENTS / dim));
    for (let done = 0; done < count; done += rowsPerPass) {
      const n = Math.min(rowsPerPass, count - done);
      const offsets = new Float64Array(n * dim);
      let ascending = true;
      for (let i = 0, k = 0; i < n; i++) {
        const base = this.rowBase(start + done + i);
        for (let j = 0; j < dim; j++, k++) {
          offsets[k] = base + j * step;
          if (k && offsets[k] < offsets[k - 1]) ascending = false;
        }
      }
      let order: Uint32Array | undefined;
      if (!ascending) {
        order = new Uint32Array(offsets.length);
        for (let k = 0; k < order.length; k++) order[k] = k;
        order.sort((a, b) => offsets[a] - offsets[b]);
      }
      await this.gather(offsets, order, out, done * dim);
    }
    return out;
  }

  /** Reads the elements at `offsets` (visited in `order`, ascending by offset) into out[at + k]. */
  private async gather(offsets: Float64Array, order: Uint32Array | undefined, out: Float64Array, at: number): Promise<void> {
    const size = this.type.itemSize;
    const total = offsets.length;
    let p = 0;
    while (p < total) {
      const first = offsets[order ? order[p] : p];
      let q = p + 1;
      let last = first;
      while (q < total) {
        const o = offsets[order ? order[q] : q];
        if (o - last > MAX_GAP_ELEMENTS || o - first >= MAX_WINDOW_ELEMENTS) break;
        last = o;
        q++;
      }
      const span = last - first + 1;
      const bytes = await this.source.read(first * size, span * size);
      if ((q - p) * 4 >= span) {
        // Dense enough: decode the whole window, then pick.
        if (this.scratch.length < span) this.scratch = new Float64Array(Math.max(span, Math.min(MAX_WINDOW_ELEMENTS, this.scratch.length * 2)));
        this.decode(bytes, span, this.scratch, 0, 1);
        for (let i = p; i < q; i++) {
          const k = order ? order[i] : i;
          out[at + k] = this.scratch[offsets[k] - first];
        }
      } else {
        for (let i = p; i < q; i++) {
          const k = order ? order[i] : i;
          const rel = (offsets[k] - first) * size;
          this.decode(bytes.subarray(rel, rel + size), 1, this.one, 0, 1);
          out[at + k] = this.one[0];
        }
      }
      p = q;
    }
  }
}
