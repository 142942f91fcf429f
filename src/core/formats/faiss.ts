import type { ByteSource } from '../io/byteSource';
import type { RowMetadata } from '../rows/rowMetadata';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { decoderFor, makeDType } from './dtype';
import { checkRowRange, DenseMatrix, fileStem, findArray } from './npy';
import { readFaissLayout, type FaissLayout } from './faissLayout';

const MAX_READ_BYTES = 16 << 20;
const decodeFloat32 = decoderFor(makeDType('float32'));
/** Ids shown in the note. */
const SHOWN_IDS = 3;

/**
 * A FAISS index (faiss.write_index) whose vectors are stored exactly: IndexFlat (L2, IP), the
 * flat storage of IndexHNSWFlat, the inverted lists of IndexIVFFlat, with IndexIDMap/IndexIDMap2
 * around any of them. One float32 array of ntotal × d; the ids (of an id map, or of the IVF
 * lists) are each row's label, read for the rows asked for only. Other index types are refused
 * (faissLayout.ts), naming the class.
 */
export async function openFaiss(source: ByteSource, fileName: string): Promise<DumpFile> {
  const layout = await readFaissLayout(source);
  const name = fileStem(fileName);
  const info: ArrayInfo = { name, dtype: 'float32', shape: [layout.ntotal, layout.d], analysable: layout.ntotal > 0 };
  if (!info.analysable) info.reason = 'the index holds no vectors';
  const labelled = layout.lists !== undefined || layout.idMaps.length > 0;
  const notes = [`FAISS ${layout.classes.join(' around ')}: ${layout.ntotal.toLocaleString('en')} float32 vectors of dimension ${layout.d} (metric: ${layout.metric}).`];
  if (layout.classes.includes('IndexHNSWFlat')) notes.push('The HNSW graph is not read: the rows are the vectors of its flat storage, in the order they were added.');
  if (layout.lists) notes.push(`Rows are in inverted-list order (the vectors of list 0 first, then list 1, …; ${layout.lists.length} non-empty lists), not in the order they were added.`);
  const matrix = () => new FaissMatrix(source, name, layout);
  if (labelled && layout.ntotal > 0) {
    const first = await matrix().ids(0, Math.min(SHOWN_IDS, layout.ntotal));
    notes.push(`Each row's FAISS id is its label (row metadata "id"): ${first.map(String).join(', ')}${layout.ntotal > SHOWN_IDS ? ', …' : ''}.`);
  }
  return {
    format: 'faiss',
    arrays: [info],
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      findArray(source.name, [info], requested);
      return matrix();
    },
    // the ids as the row metadata's "id" column (the row view, the projection's read-out, embdiag rows --metadata)
    async valueColumns(): Promise<ValueColumn[]> {
      if (!labelled || layout.ntotal === 0) return [];
      const ids = matrix();
      return [{ name: 'id', kind: 'integer', rows: layout.ntotal, read: async rows => (await ids.rowMetadata(rows)).columns[0].values }];
    },
  };
}

class FaissMatrix implements EmbeddingMatrix {
  readonly dtype = 'float32';
  readonly notes: string[] = [];
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  /** Flat storage: a dense float32 block (with its direct float32 path). */
  private readonly dense?: DenseMatrix;

  constructor(private readonly source: ByteSource, readonly name: string, private readonly layout: FaissLayout) {
    this.rows = layout.ntotal;
    this.dim = layout.d;
    this.shape = [layout.ntotal, layout.d];
    if (layout.dataOffset !== undefined) {
      this.dense = new DenseMatrix(source, { name, dtype: makeDType('float32'), shape: [layout.ntotal, layout.d], dataOffset: layout.dataOffset, fortranOrder: false });
    }
  }

  get float32Direct(): boolean { return this.dense !== undefined; }

  async readRowsFloat32(start: number, count: number): Promise<Float32Array> {
    if (this.dense) return this.dense.readRowsFloat32(start, count);
    return Float32Array.from(await this.readRows(start, count));
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    if (this.dense) return this.dense.readRows(start, count);
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    const rowBytes = this.dim * 4;
    const perRead = Math.max(1, Math.floor(MAX_READ_BYTES / rowBytes));
    for (const { list, from, n } of this.segments(start, count)) {
      for (let done = 0; done < n; done += perRead) {
        const k = Math.min(perRead, n - done);
        const bytes = await this.source.read(list.offset + (from + done) * rowBytes, k * rowBytes);
        decodeFloat32(bytes, k * this.dim, out, (list.firstRow + from + done - start) * this.dim, 1);
      }
    }
    return out;
  }

  /** The IVF lists' parts that hold rows [start, start + count), in order. */
  private *segments(start: number, count: number) {
    const lists = this.layout.lists!;
    let lo = 0;
    let hi = lists.length - 1;
    while (lo < hi) { // the last list whose first row is <= start
      const mid = (lo + hi + 1) >> 1;
      if (lists[mid].firstRow <= start) lo = mid; else hi = mid - 1;
    }
    for (let i = lo, row = start; row < start + count; i++) {
      const list = lists[i];
      const from = row - list.firstRow;
      const n = Math.min(list.count - from, start + count - row);
      yield { list, from, n };
      row += n;
    }
  }

  /** The FAISS ids of rows [start, start + count): the IVF lists' ids (or the row), mapped through the id maps. */
  async ids(start: number, count: number): Promise<(bigint | null)[]> {
    checkRowRange(this.source.name, this.name, this.rows, start, count);
    let ids: (bigint | null)[] = [];
    if (this.layout.lists) {
      for (const { list, from, n } of this.segments(start, count)) {
        ids.push(...await this.int64s(list.offset + list.count * this.dim * 4 + from * 8, n));
      }
    } else {
      for (let i = 0; i < count; i++) ids.push(BigInt(start + i));
    }
    for (const map of [...this.layout.idMaps].reverse()) {
      const contiguous = ids.every((id, i) => id !== null && id === (ids[0] as bigint) + BigInt(i));
      if (contiguous && ids.length && ids[0]! >= 0n && ids[0]! + BigInt(ids.length) <= BigInt(map.count)) {
        ids = await this.int64s(map.offset + Number(ids[0]) * 8, ids.length);
        continue;
      }
      const mapped: (bigint | null)[] = [];
      for (const id of ids) {
        mapped.push(id !== null && id >= 0n && id < BigInt(map.count) ? (await this.int64s(map.offset + Number(id) * 8, 1))[0] : null);
      }
      ids = mapped;
    }
    return ids;
  }

  private async int64s(offset: number, count: number): Promise<bigint[]> {
    const out: bigint[] = [];
    for (let done = 0; done < count;) {
      const n = Math.min(count - done, MAX_READ_BYTES / 8);
      const bytes = await this.source.read(offset + done * 8, n * 8);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) out.push(view.getBigInt64(8 * i, true));
      done += n;
    }
    return out;
  }

  /** Each row's FAISS id (only when the index labels rows: an id map or IVF lists). */
  async rowMetadata(rows: readonly number[]): Promise<RowMetadata> {
    const labelled = this.layout.lists !== undefined || this.layout.idMaps.length > 0;
    if (!labelled) return { source: this.source.name, rows: [...rows], columns: [] };
    const contiguous = rows.length > 0 && rows.every((r, i) => r === rows[0] + i);
    const ids = contiguous ? await this.ids(rows[0], rows.length) : [];
    if (!contiguous) for (const row of rows) ids.push((await this.ids(row, 1))[0]);
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    // ids beyond 2^53 (hashes) stay exact as decimal strings
    const values = ids.map(id => (id === null ? null : id >= -safe && id <= safe ? Number(id) : id.toString()));
    return { source: `FAISS ids of ${this.source.name}`, rows: [...rows], columns: [{ name: 'id', role: 'id', values }] };
  }
}
