import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix } from './dumpFile';
import { DType, decoderFor, makeDType } from './dtype';
import { checkRowRange, fileStem, findArray } from './npy';

const MAX_READ_BYTES = 16 << 20;
/** Far beyond any embedding; a larger first word means the file is not .fvecs/.bvecs. */
const MAX_DIM = 1 << 24;

/**
 * .fvecs / .bvecs (the TEXMEX / ANN benchmark formats): every record is an int32 LE
 * dimension followed by that many float32 (fvecs) or uint8 (bvecs) values.
 */
export async function openVecs(source: ByteSource, fileName: string, kind: 'fvecs' | 'bvecs'): Promise<DumpFile> {
  const dtype = makeDType(kind === 'fvecs' ? 'float32' : 'uint8', true);
  const fix = `The file is not a valid .${kind} file (each vector: int32 dimension, then the values); re-write it.`;
  if (source.size < 4) throw new EmbdiagError('truncated', `${source.name}: only ${source.size} bytes, too short for a .${kind} record.`, fix);
  const first = await source.read(0, 4);
  const dim = new DataView(first.buffer, first.byteOffset, 4).getInt32(0, true);
  if (dim <= 0 || dim > MAX_DIM) throw new EmbdiagError('bad-header', `${source.name}: the first vector declares dimension ${dim}, which is impossible.`, fix);
  const recordBytes = 4 + dim * dtype.itemSize;
  if (recordBytes > source.size) {
    throw new EmbdiagError('truncated', `${source.name}: the first vector declares dimension ${dim} (${recordBytes} bytes), but the file has only ${source.size} bytes.`,
      'The file is probably truncated; re-write it.');
  }
  if (source.size % recordBytes !== 0) {
    throw new EmbdiagError('truncated', `${source.name}: ${source.size} bytes is not a whole number of ${recordBytes}-byte records (dimension ${dim}).`,
      'The file is truncated, or its vectors do not all have the same dimension; re-write it.');
  }
  const rows = source.size / recordBytes;
  // Checking every record's dimension here would read the whole file; the last one is cheap and catches most damage. readRows checks the rest.
  checkRecordDims(source, await source.read(source.size - recordBytes, 4), rows - 1, 1, dim, recordBytes);
  const name = fileStem(fileName);
  const info: ArrayInfo = { name, dtype: dtype.name, shape: [rows, dim], analysable: true };
  return {
    format: kind,
    arrays: [info],
    notes: [],
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      findArray(source.name, [info], requested);
      return new VecsMatrix(source, name, dtype, rows, dim);
    },
  };
}

function checkRecordDims(source: ByteSource, bytes: Uint8Array, firstRow: number, count: number, dim: number, recordBytes: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const d = view.getInt32(i * recordBytes, true);
    if (d !== dim) {
      throw new EmbdiagError('bad-shape', `${source.name}: the vector at index ${firstRow + i} has dimension ${d}, but the first has ${dim}.`,
        'All vectors of a .fvecs/.bvecs file must share one dimension; re-write the file.');
    }
  }
}

class VecsMatrix implements EmbeddingMatrix {
  readonly notes: string[] = [];
  readonly shape: readonly number[];
  readonly dtype: string;
  private readonly decode;
  private readonly recordBytes: number;

  constructor(private readonly source: ByteSource, readonly name: string, dtype: DType, readonly rows: number, readonly dim: number) {
    this.shape = [rows, dim];
    this.dtype = dtype.name;
    this.decode = decoderFor(dtype);
    this.recordBytes = 4 + dim * dtype.itemSize;
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    const perRead = Math.max(1, Math.floor(MAX_READ_BYTES / this.recordBytes));
    for (let done = 0; done < count; done += perRead) {
      const n = Math.min(perRead, count - done);
      const bytes = await this.source.read((start + done) * this.recordBytes, n * this.recordBytes);
      checkRecordDims(this.source, bytes, start + done, n, this.dim, this.recordBytes);
      for (let i = 0; i < n; i++) {
        const at = i * this.recordBytes + 4;
        this.decode(bytes.subarray(at, at + this.recordBytes - 4), this.dim, out, (done + i) * this.dim, 1);
      }
    }
    return out;
  }
}
