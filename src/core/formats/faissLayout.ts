import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';

/**
 * Where the vectors of a FAISS index (faiss.write_index) lie in the file. The file is the index's
 * fields in order, each class behind a four-character code ("IxF2" = IndexFlatL2); wrappers
 * (IndexIDMap, IndexHNSWFlat, IndexIVFFlat) hold their sub-index inline. Every count is checked
 * against the bytes left before anything is allocated, so a hostile header costs nothing.
 */

/** Indexes that store their vectors as exact float32: the classes we read. */
const READABLE: Record<string, string> = {
  IxF2: 'IndexFlatL2', IxFI: 'IndexFlatIP', IxFl: 'IndexFlat',
  IxMp: 'IndexIDMap', IxM2: 'IndexIDMap2', IHNf: 'IndexHNSWFlat', IwFl: 'IndexIVFFlat',
};

const LOSSY = 'stores its vectors compressed (quantized codes), so the vectors you added cannot be read back exactly';
const BINARY = 'stores binary codes (bits), not float vectors';
const NOT_READ = 'keeps its vectors in a layout this reader does not follow';

/** The index classes we recognise but refuse, and why. */
const REFUSED: Record<string, [string, string]> = {
  IxPQ: ['IndexPQ', LOSSY], IxPo: ['IndexPQ', LOSSY], IxPq: ['IndexPQ', LOSSY],
  IxSQ: ['IndexScalarQuantizer', LOSSY], IxHE: ['IndexLSH', LOSSY], IxHe: ['IndexLSH', LOSSY],
  IxRQ: ['IndexResidualQuantizer', LOSSY], IxRq: ['IndexResidualQuantizer', LOSSY], IxLS: ['IndexLocalSearchQuantizer', LOSSY],
  IxPR: ['IndexProductResidualQuantizer', LOSSY], IxPL: ['IndexProductLocalSearchQuantizer', LOSSY], ImRQ: ['ResidualCoarseQuantizer', LOSSY],
  ILfs: ['IndexLocalSearchQuantizerFastScan', LOSSY], IRfs: ['IndexResidualQuantizerFastScan', LOSSY],
  IPRf: ['IndexProductResidualQuantizerFastScan', LOSSY], IPLf: ['IndexProductLocalSearchQuantizerFastScan', LOSSY],
  IVLf: ['IndexIVFLocalSearchQuantizerFastScan', LOSSY], IVRf: ['IndexIVFResidualQuantizerFastScan', LOSSY],
  NPLf: ['IndexIVFProductLocalSearchQuantizerFastScan', LOSSY], NPRf: ['IndexIVFProductResidualQuantizerFastScan', LOSSY],
  IvSQ: ['IndexIVFScalarQuantizer', LOSSY], IwSQ: ['IndexIVFScalarQuantizer', LOSSY], IwSq: ['IndexIVFScalarQuantizer', LOSSY],
  IwLS: ['IndexIVFLocalSearchQuantizer', LOSSY], IwRQ: ['IndexIVFResidualQuantizer', LOSSY],
  IwPL: ['IndexIVFProductLocalSearchQuantizer', LOSSY], IwPR: ['IndexIVFProductResidualQuantizer', LOSSY],
  IwSh: ['IndexIVFSpectralHash', LOSSY], IvPQ: ['IndexIVFPQ', LOSSY], IwPQ: ['IndexIVFPQ', LOSSY],
  IvQR: ['IndexIVFPQR', LOSSY], IwQR: ['IndexIVFPQR', LOSSY], IPfs: ['IndexPQFastScan', LOSSY], IwPf: ['IndexIVFPQFastScan', LOSSY],
  Ix2L: ['Index2Layer', LOSSY], Imiq: ['MultiIndexQuantizer', 'holds only quantizer centroids, no vectors'],
  IxLa: ['IndexLattice', LOSSY], Ixrq: ['IndexRaBitQ', LOSSY], Iwrq: ['IndexIVFRaBitQ', LOSSY],
  IHNp: ['IndexHNSWPQ', LOSSY], IHNs: ['IndexHNSWSQ', LOSSY], IHN2: ['IndexHNSW2Level', LOSSY],
  IHNc: ['IndexHNSWCagra', NOT_READ], IHc2: ['IndexHNSWCagra', NOT_READ],
  INSf: ['IndexNSGFlat', NOT_READ], INSp: ['IndexNSGPQ', LOSSY], INSs: ['IndexNSGSQ', LOSSY], INNf: ['IndexNNDescentFlat', NOT_READ],
  IxPT: ['IndexPreTransform', 'stores its vectors after a transform (PCA, rotation, ...), not as you added them'],
  IxRF: ['IndexRefine', NOT_READ], IwIQ: ['IndexIVFIndependentQuantizer', NOT_READ], IwFd: ['IndexIVFFlatDedup', 'stores duplicate vectors once, so rows are missing'],
  IvFl: ['IndexIVFFlat (the format of FAISS before 2018)', NOT_READ], IvFL: ['IndexIVFFlat (the format of FAISS before 2018)', NOT_READ],
  IRMf: ['IndexRowwiseMinMax', LOSSY], IRMh: ['IndexRowwiseMinMaxFP16', LOSSY],
  IS48: ['IndexSVSLVQ4x8', LOSSY], IS44: ['IndexSVSLVQ4x4', LOSSY], ISVD: ['IndexSVS', NOT_READ],
  IBxF: ['IndexBinaryFlat', BINARY], IBwF: ['IndexBinaryIVF', BINARY], IBFf: ['IndexBinaryFromFloat', BINARY],
  IBHf: ['IndexBinaryHNSW', BINARY], IBMp: ['IndexBinaryIDMap', BINARY], IBM2: ['IndexBinaryIDMap2', BINARY],
  IBHh: ['IndexBinaryHash', BINARY], IBHm: ['IndexBinaryMultiHash', BINARY],
};

/** True when the first four bytes are the code of a FAISS index class (read or refused). */
export function hasFaissMagic(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const code = fourccText(head.subarray(0, 4));
  return code in READABLE || code in REFUSED;
}

function fourccText(bytes: Uint8Array): string {
  return String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
}

/** A sequence of rows' ids: `count` int64 little-endian values from `offset`. */
export interface IdRun { offset: number; count: number }

/** The vectors of an index: one dense block, or the inverted lists of an IndexIVFFlat in list order. */
export interface FaissLayout {
  d: number;
  ntotal: number;
  /** Class names from the outermost in, e.g. ['IndexIDMap', 'IndexHNSWFlat', 'IndexFlatL2']. */
  classes: string[];
  /** The metric of the innermost flat storage or IVF index. */
  metric: string;
  /** Flat storage: its first vector. */
  dataOffset?: number;
  /** IndexIVFFlat: the non-empty lists in list order; row r lies in the list whose [firstRow, firstRow + count) holds it. */
  lists?: { list: number; offset: number; count: number; firstRow: number }[];
  /** Id maps (IndexIDMap), outermost first: the id of inner id k is the k-th value of the run. */
  idMaps: IdRun[];
}

const METRICS: Record<number, string> = {
  0: 'inner product', 1: 'L2', 2: 'L1', 3: 'L∞', 4: 'Lp', 20: 'Canberra', 21: 'Bray-Curtis', 22: 'Jensen-Shannon', 23: 'Jaccard', 24: 'NaN-euclidean', 25: 'Gower',
};
/** Deeper wrapper nesting than any real index has: a guard against a file that nests itself endlessly. */
const MAX_DEPTH = 8;
/** Largest dimension accepted (as for .fvecs). */
const MAX_DIM = 1 << 24;
/** Bytes read per chunk when walking list sizes. */
const CHUNK = 1 << 20;

const FIX = 'Write the index with faiss.write_index (IndexFlat, IndexIDMap, IndexHNSWFlat or IndexIVFFlat keep the vectors exactly).';

interface Header { d: number; ntotal: number; metric: string }

/** Reads fields front to back with small ranged reads, every length checked against the file's size. */
class Cursor {
  pos = 0;
  constructor(readonly source: ByteSource) {}

  private need(bytes: number, what: string): void {
    if (!(bytes <= this.source.size - this.pos)) {
      throw new EmbdiagError('truncated', `${this.source.name}: the FAISS index ends at byte ${this.source.size}, inside ${what} (at byte ${this.pos}, ${bytes} more bytes needed).`,
        'The file is probably truncated (an interrupted write or copy); write it again with faiss.write_index.');
    }
  }

  async bytes(n: number, what: string): Promise<DataView> {
    this.need(n, what);
    const b = await this.source.read(this.pos, n);
    this.pos += n;
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  async fourcc(what: string): Promise<string> {
    const v = await this.bytes(4, what);
    return fourccText(new Uint8Array(v.buffer, v.byteOffset, 4));
  }

  async int32(what: string): Promise<number> { return (await this.bytes(4, what)).getInt32(0, true); }

  /** An unsigned 64-bit count, refused when it cannot be a count of anything in this file. */
  async count(what: string): Promise<number> {
    const v = await this.bytes(8, what);
    const value = v.getBigUint64(0, true);
    if (value > BigInt(this.source.size)) {
      throw new EmbdiagError('truncated', `${this.source.name}: the FAISS index declares ${value} ${what}, more than the file's ${this.source.size} bytes can hold.`,
        'The file is truncated or damaged; write it again with faiss.write_index.');
    }
    return Number(value);
  }

  /** A std::vector as FAISS writes it: a uint64 element count, then the elements. Skipped; its place returned. */
  async vector(elementBytes: number, what: string): Promise<IdRun> {
    const count = await this.count(`elements in ${what}`);
    this.need(count * elementBytes, `${what} (${count} elements of ${elementBytes} bytes)`);
    const run = { offset: this.pos, count };
    this.pos += count * elementBytes;
    return run;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}

/** Reads the structure of the index in `source`; the vectors themselves are left in place. */
export async function readFaissLayout(source: ByteSource): Promise<FaissLayout> {
  const cursor = new Cursor(source);
  const layout = await readIndex(cursor, 0, []);
  if (!layout) throw refusal(source, ['(none)'], 'null', 'is empty: the file says the index was written without one');
  return layout;
}

function refusal(source: ByteSource, outer: string[], code: string, reason: string, className?: string): EmbdiagError {
  const inside = outer.length ? ` inside ${outer.join(' inside ')}` : '';
  return new EmbdiagError('unsupported-faiss-index',
    `${source.name}: the FAISS index is ${className ? `an ${className} (fourcc "${code}")` : `of fourcc "${code}"`}${inside}, which ${reason}.`,
    'Only indexes that keep the vectors exactly are read: IndexFlat (L2, IP), IndexIDMap/IndexIDMap2 around them, IndexHNSWFlat and IndexIVFFlat. Analyse the vectors before they were added (e.g. np.save them), or reconstruct them with faiss (index.reconstruct_n) and save those.');
}

async function readHeader(cursor: Cursor, className: string): Promise<Header> {
  const name = cursor.source.name;
  const d = await cursor.int32(`the ${className} header`);
  const total = (await cursor.bytes(8, `the ${className} header`)).getBigInt64(0, true);
  cursor.skip(8 + 8 + 1, `the ${className} header`); // two unused int64 fields, is_trained
  const metricType = await cursor.int32(`the ${className} header`);
  if (metricType > 1) cursor.skip(4, `the ${className} header`); // metric_arg
  if (d <= 0 || d > MAX_DIM) {
    throw new EmbdiagError('bad-header', `${name}: the ${className} header declares dimension ${d}, which no index has.`, FIX);
  }
  if (total < 0n || total * BigInt(d) * 4n > BigInt(cursor.source.size)) {
    throw new EmbdiagError(total < 0n ? 'bad-header' : 'truncated',
      `${name}: the ${className} header declares ${total} vectors of dimension ${d}${total < 0n ? '' : `, which need ${total * BigInt(d) * 4n} bytes, but the file has ${cursor.source.size}`}.`,
      'The file is truncated or damaged; write it again with faiss.write_index.');
  }
  return { d, ntotal: Number(total), metric: METRICS[metricType] ?? `metric ${metricType}` };
}

async function readIndex(cursor: Cursor, depth: number, outer: string[]): Promise<FaissLayout | undefined> {
  const source = cursor.source;
  const at = cursor.pos;
  const code = await cursor.fourcc('the index type');
  if (code === 'null') return undefined;
  const className = READABLE[code];
  if (!className) {
    const known = REFUSED[code];
    if (known) throw refusal(source, outer, code, known[1], known[0]);
    if (depth === 0) {
      throw new EmbdiagError('bad-header', `${source.name}: not a FAISS index (its first four bytes are no FAISS index type).`,
        `${FIX} (A TensorFlow checkpoint's .index file is not an embedding dump.)`);
    }
    throw refusal(source, outer, code.replace(/[^\x20-\x7e]/g, '?'), `at byte ${at} is no index type this reader knows`);
  }
  if (depth >= MAX_DEPTH) throw new EmbdiagError('bad-header', `${source.name}: the FAISS index nests more than ${MAX_DEPTH} indexes deep.`, FIX);
  const header = await readHeader(cursor, className);
  const within = [className, ...outer];
  switch (code) {
    case 'IxF2': case 'IxFI': case 'IxFl': {
      const codes = await cursor.vector(4, `the ${className} vectors`);
      if (codes.count !== header.ntotal * header.d) {
        throw new EmbdiagError('bad-header', `${source.name}: the ${className} header declares ${header.ntotal} vectors of dimension ${header.d}, but ${codes.count} values follow.`, FIX);
      }
      return { d: header.d, ntotal: header.ntotal, classes: [className], metric: header.metric, dataOffset: codes.offset, idMaps: [] };
    }
    case 'IxMp': case 'IxM2': {
      const inner = await readIndex(cursor, depth + 1, within);
      if (!inner) throw refusal(source, outer, code, 'wraps no index', className);
      const ids = await cursor.vector(8, `the ${className} ids`);
      if (ids.count !== inner.ntotal || inner.ntotal !== header.ntotal || inner.d !== header.d) {
        throw new EmbdiagError('bad-header', `${source.name}: the ${className} holds ${ids.count} ids for ${inner.ntotal} vectors (its header says ${header.ntotal} of dimension ${header.d}).`, FIX);
      }
      return { ...inner, classes: [className, ...inner.classes], idMaps: [ids, ...inner.idMaps] };
    }
    case 'IHNf': {
      // the graph: assign_probas (double), cum_nneighbor_per_level (int), levels (int), offsets (size_t), neighbors (int32), then five int32
      for (const [bytes, what] of [[8, 'assign_probas'], [4, 'cum_nneighbor_per_level'], [4, 'levels'], [8, 'offsets'], [4, 'neighbors']] as const) {
        await cursor.vector(bytes, `the HNSW graph (${what})`);
      }
      cursor.skip(20, 'the HNSW graph');
      const storage = await readIndex(cursor, depth + 1, within);
      if (!storage) throw refusal(source, outer, code, 'was written without its vectors (faiss.IO_FLAG_SKIP_STORAGE)', className);
      if (storage.dataOffset === undefined || storage.idMaps.length || storage.ntotal !== header.ntotal) {
        throw new EmbdiagError('bad-header', `${source.name}: the storage of the IndexHNSWFlat is a ${storage.classes.join(' in ')} of ${storage.ntotal} vectors, where a flat index of ${header.ntotal} was expected.`, FIX);
      }
      return { ...storage, classes: [className, ...storage.classes] };
    }
    case 'IwFl': return readIvfFlat(cursor, depth, header, within, outer);
  }
  throw new EmbdiagError('internal', `${source.name}: FAISS index type ${code} has no reader.`);
}

async function readIvfFlat(cursor: Cursor, depth: number, header: Header, within: string[], outer: string[]): Promise<FaissLayout> {
  const source = cursor.source;
  const nlist = await cursor.count('inverted lists');
  cursor.skip(8, 'the IndexIVFFlat header'); // nprobe
  const quantizer = await readIndex(cursor, depth + 1, ['the quantizer of IndexIVFFlat', ...outer]);
  if (quantizer && quantizer.ntotal !== nlist) {
    throw new EmbdiagError('bad-header', `${source.name}: the IndexIVFFlat declares ${nlist} lists but its quantizer holds ${quantizer.ntotal} centroids.`, FIX);
  }
  // the direct map: a type byte, an int64 vector, and for a hash table (type 2) a vector of int64 pairs
  const mapType = (await cursor.bytes(1, 'the direct map')).getUint8(0);
  await cursor.vector(8, 'the direct map');
  if (mapType === 2) await cursor.vector(16, 'the direct map');
  const kind = await cursor.fourcc('the inverted lists');
  if (kind === 'il00') throw refusal(source, outer, 'il00', 'was written without its inverted lists (they are stored elsewhere)', 'IndexIVFFlat');
  if (kind !== 'ilar') {
    throw refusal(source, outer, kind.replace(/[^\x20-\x7e]/g, '?'), 'keeps its inverted lists in another kind of storage (e.g. on disk, in a separate file)', 'IndexIVFFlat');
  }
  const listCount = await cursor.count('inverted lists');
  const codeSize = await cursor.count('bytes per vector');
  if (listCount !== nlist || codeSize !== header.d * 4) {
    throw new EmbdiagError('bad-header', `${source.name}: the IndexIVFFlat's lists declare ${listCount} lists of ${codeSize}-byte vectors, where ${nlist} lists of ${header.d * 4} bytes (dimension ${header.d}, float32) were expected.`, FIX);
  }
  const sizeKind = await cursor.fourcc('the inverted list sizes');
  if (sizeKind !== 'full' && sizeKind !== 'sprs') throw new EmbdiagError('bad-header', `${source.name}: the IndexIVFFlat's list sizes are stored in an unknown way.`, FIX);
  const sizes = await cursor.vector(8, 'the inverted list sizes');
  if (sizeKind === 'full' ? sizes.count !== nlist : sizes.count % 2 !== 0) {
    throw new EmbdiagError('bad-header', `${source.name}: the IndexIVFFlat stores ${sizes.count} list sizes for ${nlist} lists.`, FIX);
  }
  const lists: NonNullable<FaissLayout['lists']> = [];
  let pos = cursor.pos;
  let rows = 0;
  let previous = -1;
  // 'full': one size per list; 'sprs': (list, size) pairs for the non-empty lists only
  const perEntry = sizeKind === 'full' ? 1 : 2;
  const entries = sizes.count / perEntry;
  const perChunk = Math.floor(CHUNK / (8 * perEntry));
  for (let first = 0; first < entries; first += perChunk) {
    const n = Math.min(perChunk, entries - first);
    const bytes = await source.read(sizes.offset + first * 8 * perEntry, n * 8 * perEntry);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let k = 0; k < n; k++) {
      const list = perEntry === 1 ? first + k : Number(view.getBigUint64(k * 16, true));
      const size = view.getBigUint64(k * 8 * perEntry + 8 * (perEntry - 1), true);
      if (!(list < nlist) || list <= previous) throw new EmbdiagError('bad-header', `${source.name}: the IndexIVFFlat names list ${list} out of order or beyond its ${nlist} lists.`, FIX);
      previous = list;
      if (size === 0n) continue;
      const listBytes = size * BigInt(codeSize + 8);
      if (listBytes > BigInt(source.size - pos)) {
        throw new EmbdiagError('truncated', `${source.name}: inverted list ${list} of the IndexIVFFlat declares ${size} vectors, which the rest of the file (${source.size - pos} bytes) cannot hold.`,
          'The file is probably truncated; write it again with faiss.write_index.');
      }
      lists.push({ list, offset: pos, count: Number(size), firstRow: rows });
      rows += Number(size);
      pos += Number(listBytes);
    }
  }
  if (rows !== header.ntotal) {
    throw new EmbdiagError('bad-header', `${source.name}: the IndexIVFFlat's lists hold ${rows} vectors, but its header declares ${header.ntotal}.`, FIX);
  }
  cursor.pos = pos;
  return { d: header.d, ntotal: header.ntotal, classes: within.slice(0, 1), metric: header.metric, lists, idMaps: [] };
}
