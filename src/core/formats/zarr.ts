import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ReaderFinding } from './dumpFile';
import { type Decoder, decoderFor } from './dtype';
import { checkRowRange, fileStem, findArray, matrixGeometry } from './npy';
import { DecompressionError } from './arrowCompression';
import { decodeChunk, loadZstd, maxStoredBytes, needsZstd, type ZstdDecoder } from './zarrCodecs';
import { parseMetadataJson, parseZarrayV2, parseZarrJsonV3, type ZarrArrayMeta } from './zarrMetadata';
import { type ZarrStore, ZipZarrStore } from './zarrStore';
import type { ByteSource } from '../io/byteSource';
import { readZipDirectory, type ZipEntry } from './zip';

/**
 * Zarr hierarchies (v2 and v3), directory or zip stores (zarrStore.ts): every array in the store is
 * listed by its path ('emb', 'group/emb'; the store's own array, at its root, by the store's name),
 * chosen like the arrays of an npz or an HDF5 file. Rows are read chunk by chunk: a chunk is
 * fetched and decoded whole when a row needs it and kept while the rows that follow still do
 * (a few chunks, bounded in bytes). A chunk that was never written reads as the fill value, as
 * zarr reads it, and the report says how many were.
 */

/** Metadata objects larger than this are not read (a .zarray is a few hundred bytes). */
const MAX_METADATA_BYTES = 1 << 20;
/** Decoded chunks kept for the rows that follow (at least the last one, whatever its size). */
const CACHE_BYTES = 64 << 20;
/** Missing chunks remembered by key (for the count in the report); a sparse array may have millions. */
const MAX_MISSING_KEYS = 100_000;

interface ListedArray {
  info: ArrayInfo;
  meta?: ZarrArrayMeta;
  refusal?: EmbdiagError;
}

/** The name of the array at `path` ('' is the store's own array: the store's name without .zarr / .zip). */
function arrayName(storeName: string, path: string): string {
  if (path) return path;
  let stem = fileStem(storeName);
  while (/\.(zarr|zip)$/i.test(stem)) stem = fileStem(stem);
  return stem || 'array';
}

/** A zip store (`.zarr.zip`, `.zip`): its entries are the store's keys (`entries`: its directory, when already read). */
export async function openZarrZip(source: ByteSource, entries?: ZipEntry[]): Promise<DumpFile> {
  return openZarr(new ZipZarrStore(source, entries ?? await readZipDirectory(source)));
}

export async function openZarr(store: ZarrStore): Promise<DumpFile> {
  const label = store.name;
  const keys = await store.metadataKeys();
  const listed: ListedArray[] = [];
  const versions = new Set<number>();
  for (const key of keys) {
    const file = key.slice(key.lastIndexOf('/') + 1);
    if (file !== '.zarray' && file !== 'zarr.json') continue;
    const path = key.slice(0, Math.max(0, key.length - file.length - 1));
    const name = arrayName(label, path);
    const where = path ? `${label} (array '${path}')` : label;
    try {
      const bytes = await store.get(key, MAX_METADATA_BYTES);
      if (!bytes) continue;
      const json = parseMetadataJson(where, bytes);
      if (file === 'zarr.json' && json.node_type !== 'array') continue;
      const meta = file === '.zarray' ? parseZarrayV2(where, path, json) : parseZarrJsonV3(where, path, json);
      versions.add(meta.zarrFormat);
      const geometry = matrixGeometry(meta.shape);
      listed.push({ meta, info: { name, dtype: meta.dtype.name, shape: meta.shape, analysable: !geometry.reason, ...(geometry.reason ? { reason: geometry.reason } : {}) } });
    } catch (e) {
      if (!(e instanceof EmbdiagError)) throw e;
      listed.push({ refusal: e, info: { name, dtype: 'unknown', shape: [], analysable: false, reason: reasonOf(e, where) } });
    }
  }
  // a store of one array that cannot be read: its own refusal, not "no array can be analysed"
  if (listed.length === 1 && listed[0].refusal) throw listed[0].refusal;
  const arrays = listed.map(l => l.info);
  const findings: ReaderFinding[] = [];
  const version = [...versions].sort().map(v => `v${v}`).join(' + ');
  const notes = [`Zarr ${version ? `${version} ` : ''}store; chunks are read one at a time.`];
  return {
    format: 'zarr',
    arrays,
    notes,
    findings,
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested?.replace(/^\/+/, ''));
      const entry = listed.find(l => l.info === info)!;
      if (entry.refusal) throw entry.refusal;
      if (!info.analysable || !entry.meta) throw new EmbdiagError('bad-shape', `${label}: '${info.name}' cannot be analysed: ${info.reason}.`, 'Pick another array.');
      const zstd = needsZstd(entry.meta.codecs) ? await loadZstd() : undefined;
      return new ZarrMatrix(store, info.name, entry.meta, zstd, findings);
    },
  };
}

function reasonOf(e: EmbdiagError, where: string): string {
  let text = e.hint && e.message.endsWith(` ${e.hint}`) ? e.message.slice(0, -e.hint.length - 1) : e.message;
  if (text.startsWith(`${where}: `)) text = text.slice(where.length + 2);
  return text.replace(/\.$/, '');
}

/**
 * An array's rows: (product of leading dims) x last dim. Each row is cut by the chunk grid into a
 * run of chunks along the last axis; within a chunk, the row's values sit `strides[last]` apart.
 */
class ZarrMatrix implements EmbeddingMatrix {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];
  private readonly decode: Decoder;
  private readonly chunkBytes: number;
  private readonly cache = new Map<string, Uint8Array | null>();
  private cachedBytes = 0;
  private readonly missing = new Set<string>();
  private missingFinding: ReaderFinding | undefined;

  constructor(private readonly store: ZarrStore, readonly name: string, private readonly meta: ZarrArrayMeta,
    private readonly zstd: ZstdDecoder | undefined, private readonly findings: ReaderFinding[]) {
    const geometry = matrixGeometry(meta.shape);
    this.dtype = meta.dtype.name;
    this.shape = meta.shape.slice();
    this.rows = geometry.rows;
    this.dim = geometry.dim;
    this.decode = decoderFor(meta.dtype);
    this.chunkBytes = meta.chunks.reduce((n, c) => n * c, 1) * meta.dtype.itemSize;
    this.notes = [...geometry.notes, ...meta.notes,
      `Chunks of (${meta.chunks.join(', ')})${meta.codecs.length ? `, ${meta.codecs.join(' + ')}` : ', uncompressed'}.`];
  }

  private get label(): string {
    return this.meta.path ? `${this.store.name} (array '${this.meta.path}')` : this.store.name;
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.store.name, this.name, this.rows, start, count);
    const out = new Float64Array(count * this.dim);
    const { shape, chunks, strides, dtype } = this.meta;
    const rank = shape.length;
    const last = rank - 1;
    const lead = rank - 1; // leading axes: all but the last
    const itemSize = dtype.itemSize;
    const coords = new Array<number>(lead).fill(0);
    for (let row = start; row < start + count;) {
      // the row's coordinates along the leading axes (C order)
      for (let i = lead - 1, q = row; i >= 0; i--) { coords[i] = q % shape[i]; q = Math.floor(q / shape[i]); }
      // rows that follow along the innermost leading axis in the same chunk form a run
      let run = 1;
      if (lead > 0) {
        const axis = lead - 1;
        const inChunk = coords[axis] % chunks[axis];
        run = Math.min(chunks[axis] - inChunk, shape[axis] - coords[axis], start + count - row);
      }
      const chunkCoords = coords.map((c, i) => Math.floor(c / chunks[i]));
      let base = 0;
      for (let i = 0; i < lead; i++) base += (coords[i] % chunks[i]) * strides[i];
      const rowStep = lead > 0 ? strides[lead - 1] : 0;
      const outRow = (row - start) * this.dim;
      for (let j = 0; j * chunks[last] < this.dim; j++) {
        const first = j * chunks[last];
        const cols = Math.min(chunks[last], this.dim - first);
        const chunk = await this.chunk([...chunkCoords, j]);
        if (chunk === null) {
          const fill = this.meta.fill!;
          for (let r = 0; r < run; r++) out.fill(fill, outRow + r * this.dim + first, outRow + r * this.dim + first + cols);
          continue;
        }
        const colStep = strides[last];
        if (colStep === 1 || run === 1 || rowStep !== 1) {
          for (let r = 0; r < run; r++) {
            const at = base + r * rowStep;
            if (colStep === 1) this.decode(chunk.subarray(at * itemSize), cols, out, outRow + r * this.dim + first, 1);
            else for (let c = 0; c < cols; c++) this.decode(chunk.subarray((at + c * colStep) * itemSize), 1, out, outRow + r * this.dim + first + c, 1);
          }
        } else {
          // Fortran-like: a column of the run is contiguous in the chunk
          for (let c = 0; c < cols; c++) this.decode(chunk.subarray((base + c * colStep) * itemSize), run, out, outRow + first + c, this.dim);
        }
      }
      row += run;
    }
    return out;
  }

  /** The decoded chunk at `coords`, or null when it was never written (the fill value). */
  private async chunk(coords: number[]): Promise<Uint8Array | null> {
    const key = this.meta.chunkKey(coords);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const fullKey = this.meta.path ? `${this.meta.path}/${key}` : key;
    const stored = await this.store.get(fullKey, maxStoredBytes(this.chunkBytes, this.meta.codecs));
    let decoded: Uint8Array | null = null;
    if (stored === undefined) {
      if (this.meta.fill === null) {
        throw new EmbdiagError('truncated', `${this.label}: chunk '${key}' is not in the store, and the array declares no fill value to read in its place.`,
          'The store is incomplete (still being written, or copied in part); re-copy it, or write the missing chunks.');
      }
      this.noteMissing(key);
    } else {
      try {
        decoded = decodeChunk(stored, this.meta.codecs, this.chunkBytes, this.zstd);
      } catch (e) {
        if (!(e instanceof DecompressionError)) throw e;
        throw new EmbdiagError('bad-shape', `${this.label}: chunk '${key}' cannot be decoded: ${e.message}.`,
          'The chunk is damaged, or does not match the array\'s metadata; re-save the array with zarr.');
      }
    }
    // keep the chunks the next rows probably need; the oldest go first
    for (const [k, v] of this.cache) {
      if (this.cachedBytes + this.chunkBytes <= CACHE_BYTES) break;
      this.cache.delete(k);
      this.cachedBytes -= v?.length ?? 0;
    }
    this.cache.set(key, decoded);
    this.cachedBytes += decoded?.length ?? 0;
    return decoded;
  }

  private noteMissing(key: string): void {
    if (this.missing.size < MAX_MISSING_KEYS) this.missing.add(key);
    const message = `${this.missing.size} chunk${this.missing.size === 1 ? '' : 's'} of '${this.name}' (first '${[...this.missing][0]}') ${this.missing.size === 1 ? 'is' : 'are'} not in the store: read as the fill value ${this.meta.fill}, as zarr reads them. Rows there are the fill value, not data.`;
    if (!this.missingFinding) {
      this.missingFinding = { code: 'missing-chunks', severity: 'information', message };
      this.findings.push(this.missingFinding);
    } else this.missingFinding.message = message;
  }
}
