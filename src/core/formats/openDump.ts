import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { DumpFile, DumpFormat, EmbeddingMatrix, OpenDumpOptions } from './dumpFile';
import { openDelimited } from './delimited';
import { hasNpyMagic, openNpy } from './npy';
import { openNpz } from './npz';
import { openSafetensors } from './safetensors';
import { openVecs } from './vecs';
import { findTorchPickle, hasTorchLegacyMagic, openTorch } from './torchFile';
import { hasZipMagic, readZipDirectory, type ZipEntry } from './zip';
import { hasHdf5Magic, openHdf5 } from './hdf5';
import { hasParquetMagic, openParquet } from './parquet';
import { hasArrowMagic, openArrow } from './arrow';
import { hasArrowStreamStart } from './arrowStream';
import { guarded, withReaderSafetyNet } from './readerSafetyNet';
import { openJsonLines } from './jsonLines';
import { looksLikeEmbeddingResponse, openJsonResponse, RESPONSE_SNIFF_BYTES } from './jsonResponse';
import { openWordVectorText, sniffWordVectors, WORD_VECTOR_SNIFF_BYTES } from './wordVectors';
import { openWord2vecBinary } from './word2vecBinary';
import { hasFaissMagic } from './faissLayout';
import { openFaiss } from './faiss';
import { isRawPath, openRaw, RAW_EXTENSIONS, rawShapeFromManifest } from './raw';
import { openZarr, openZarrZip } from './zarr';
import { isZarrDirectorySource, isZarrZip } from './zarrStore';

const FORMAT_BY_EXTENSION: Record<string, DumpFormat> = {
  '.npy': 'npy', '.npz': 'npz', '.safetensors': 'safetensors',
  '.fvecs': 'fvecs', '.bvecs': 'bvecs', '.tsv': 'tsv', '.csv': 'csv',
  '.pt': 'pt', '.pth': 'pt', '.bin': 'pt', '.h5': 'hdf5', '.hdf5': 'hdf5',
  '.parquet': 'parquet', '.arrow': 'arrow', '.feather': 'arrow',
  '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json',
  '.vec': 'word2vec-text', '.txt': 'glove',
  '.index': 'faiss', '.faiss': 'faiss',
  ...Object.fromEntries(Object.keys(RAW_EXTENSIONS).map(e => [e, 'raw' as const])),
  '.zarr': 'zarr', '.zip': 'zarr',
};

/** Extensions too generic to trust: the file is read as their format only when the magic bytes agree. */
const WEAK_EXTENSIONS = new Set(['.bin', '.json', '.txt', '.raw', '.zip']);

/** File extensions we read, lower case with the dot. */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(FORMAT_BY_EXTENSION);

function extensionOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

/** The format a file name implies (case-insensitive extension), if any. */
export function formatForPath(path: string): DumpFormat | undefined {
  return FORMAT_BY_EXTENSION[extensionOf(path)];
}

/** True when the path ends in a supported dump extension (case-insensitive). */
export function isDumpPath(path: string): boolean {
  return formatForPath(path) !== undefined;
}

/**
 * True when the name alone says the file is a dump: a supported extension other than the generic
 * .json, .txt, .index and .zip (a folder of shards also holds manifests, dataset_info.json, README.txt,
 * TensorFlow checkpoints' .index files, archives), and .zarr (a folder, not a file: see datasetPaths.ts).
 */
export function isDumpPathByName(path: string): boolean {
  const ext = extensionOf(path);
  return FORMAT_BY_EXTENSION[ext] !== undefined && !['.json', '.txt', '.index', '.zip', '.zarr'].includes(ext);
}

/** Bytes read from the start of a file to recognise its format. */
const HEAD_BYTES = 16;

type Sniffed = DumpFormat | 'zip';

function sniff(head: Uint8Array): Sniffed | undefined {
  if (hasNpyMagic(head)) return 'npy';
  if (hasZipMagic(head)) return 'zip';
  if (hasTorchLegacyMagic(head)) return 'pt';
  if (hasHdf5Magic(head)) return 'hdf5';
  if (hasParquetMagic(head)) return 'parquet';
  if (hasArrowMagic(head) || hasArrowStreamStart(head)) return 'arrow';
  if (hasFaissMagic(head)) return 'faiss';
  if (startsLikeJsonObject(head)) return 'jsonl'; // or an embedding response: see sniffJson
  return undefined;
}

function startsLikeJsonObject(head: Uint8Array): boolean {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13)) i++;
  return head[i] === 0x7b; // '{'
}

/** A JSON text is an embedding-API response (one document) or JSON Lines (a record per line). */
async function sniffJson(source: ByteSource): Promise<'json' | 'jsonl'> {
  return looksLikeEmbeddingResponse(await source.read(0, Math.min(RESPONSE_SNIFF_BYTES, source.size))) ? 'json' : 'jsonl';
}

const DESCRIPTIONS: Record<string, string> = {
  npy: 'an .npy array', npz: 'a zip (.npz) archive', pt: 'a PyTorch (torch.save) file', hdf5: 'an HDF5 file',
  parquet: 'a Parquet file', arrow: 'an Arrow IPC file or stream', jsonl: 'JSON Lines', json: 'an embedding-API response (JSON)',
  'word2vec-text': 'word2vec text vectors', glove: 'GloVe vectors', 'word2vec-binary': 'word2vec binary vectors',
  faiss: 'a FAISS index',
  zarr: 'a Zarr zip store',
};

/**
 * Opens a dump: the reader is chosen by extension; when the extension says nothing (or only
 * '.bin'), or contradicts the content (.npy that is a zip, ...), by the magic bytes. Whatever
 * the reader throws, the caller gets an EmbdiagError (see readerSafetyNet.ts).
 */
export async function openDump(source: ByteSource, options: OpenDumpOptions): Promise<DumpFile> {
  if (isZarrDirectorySource(source)) {
    return withReaderSafetyNet(await guarded(source.name, 'zarr', () => openZarr(source.store)), source.name);
  }
  const extension = extensionOf(options.fileName);
  let format: DumpFormat | undefined;
  const weak = WEAK_EXTENSIONS.has(extension);
  const byName = weak ? undefined : formatForPath(options.fileName);
  const head = await source.read(0, Math.min(HEAD_BYTES, source.size));
  let sniffed = sniff(head);
  let zipEntries: ZipEntry[] | undefined;
  if (sniffed === 'zip') {
    // A zip is an .npz, a torch.save archive or a Zarr zip store: its directory tells (read only when the name does not).
    if (byName === 'pt' || byName === 'npz') sniffed = byName;
    else {
      zipEntries = await guarded(source.name, 'npz', () => readZipDirectory(source));
      sniffed = isZarrZip(zipEntries) ? 'zarr' : findTorchPickle(zipEntries) ? 'pt' : 'npz';
    }
  }
  // a headerless array whose shape is given may start with any bytes, a '{' too: only magic numbers say it is something else
  if (sniffed === 'jsonl' && weak && options.raw?.dim !== undefined) sniffed = undefined;
  if (sniffed === 'jsonl') sniffed = await sniffJson(source);
  // word vectors have no magic bytes: their first lines are looked at when nothing else matched
  if (!sniffed && (weak || !byName || byName === 'word2vec-text')) {
    sniffed = sniffWordVectors(await source.read(0, Math.min(WORD_VECTOR_SNIFF_BYTES, source.size)));
    // a .txt is read only as text word vectors (GloVe, or word2vec text as glove2word2vec writes it)
    if (extension === '.txt' && sniffed !== 'glove' && sniffed !== 'word2vec-text') sniffed = undefined;
    if (byName === 'word2vec-text' && sniffed === 'word2vec-binary') format = 'word2vec-binary';
  }
  // A .json file is a dump only when it is an embedding response (manifests and configs are not).
  if (extension === '.json' && sniffed === 'jsonl') sniffed = undefined;
  const notes: string[] = [];
  format ??= byName;
  if (extension === '.zip' && sniffed !== 'zarr') sniffed = undefined; // a .zip is read only as a Zarr store
  if (sniffed && (byName === 'npy' || byName === 'npz' || byName === undefined) && sniffed !== byName) {
    if (byName) notes.push(`The file is named like .${byName} but its content is ${DESCRIPTIONS[sniffed]}; read as ${sniffed}.`);
    format = sniffed;
  }
  // a headerless raw array has no magic bytes: read as one only when nothing else matched and its shape is known
  if (!format && (isRawPath(options.fileName) || options.raw?.dim !== undefined || (await rawShapeFromManifest(options))?.dim !== undefined)) format = 'raw';
  if (format && format !== 'raw' && (options.raw?.dtype ?? options.raw?.dim) !== undefined) notes.push(`The dtype and dimension given for a headerless array are ignored: the file is ${DESCRIPTIONS[format ?? ''] ?? format}, which says its own layout.`);
  if (!format) {
    throw new EmbdiagError('unknown-format', `${source.name}: not a recognised embedding dump (${weak ? `'${extension}' says nothing about the content` : 'unknown extension'}, and the content starts with none of the magic bytes of .npy, .npz, PyTorch, HDF5, Parquet, Arrow or FAISS files, nor is it JSON Lines, an embedding-API response or word vectors).`,
      `Supported formats: ${SUPPORTED_EXTENSIONS.join(', ')}. A headerless array (numpy's tofile) is read when its dtype and dimension are given (--dtype float32 --dim 768, or "dtype"/"dim" in a sidecar manifest).`);
  }
  const chosen = format;
  const dump = await guarded(source.name, chosen, () => chosen === 'zarr' ? openZarrZip(source, zipEntries) : openAs(chosen, source, options));
  if (notes.length) dump.notes.unshift(...notes);
  return withReaderSafetyNet(reportingPrecisionLoss(dump), source.name);
}

/**
 * 64-bit integers beyond ±2^53 do not survive the conversion to float64 that every statistic
 * works in: they are rounded, so rows that differ only in the low bits look identical. The first
 * read that meets such a value adds a finding saying so (the report is built after reading).
 */
function reportingPrecisionLoss(dump: DumpFile): DumpFile {
  const open = dump.open.bind(dump);
  let reported = false;
  dump.open = async (name?: string): Promise<EmbeddingMatrix> => {
    const matrix = await open(name);
    if (matrix.dtype !== 'int64' && matrix.dtype !== 'uint64') return matrix;
    const readRows = matrix.readRows.bind(matrix);
    (matrix as { readRows: EmbeddingMatrix['readRows'] }).readRows = async (start, count) => {
      const values = await readRows(start, count);
      if (!reported) {
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (!(Math.abs(v) > Number.MAX_SAFE_INTEGER)) continue;
          reported = true;
          const step = 2 ** (Math.floor(Math.log2(Math.abs(v))) - 52);
          dump.findings.push({
            code: 'precision-loss', severity: 'warning',
            message: `'${matrix.name}' holds ${matrix.dtype} values beyond ±2^53 (e.g. about ${v.toExponential(6)}), which float64, the precision of every statistic here, cannot hold exactly: they are rounded to multiples of ${step}. Values differing by less than that become equal (duplicate-row counts grow, small variances vanish). If they are IDs or hashes they are not embeddings; otherwise subtract an offset or save them as float64.`,
          });
          break;
        }
      }
      return values;
    };
    return matrix;
  };
  return dump;
}

function openAs(format: DumpFormat, source: ByteSource, options: OpenDumpOptions): Promise<DumpFile> {
  switch (format) {
    case 'npy': return openNpy(source, options.fileName);
    case 'npz': return openNpz(source);
    case 'safetensors': return openSafetensors(source);
    case 'fvecs': case 'bvecs': return openVecs(source, options.fileName, format);
    case 'tsv': case 'csv': return openDelimited(source, options, format);
    case 'pt': return openTorch(source, options.fileName);
    case 'hdf5': return openHdf5(source, options.fileName);
    case 'parquet': return openParquet(source);
    case 'arrow': return openArrow(source);
    case 'jsonl': return openJsonLines(source);
    case 'json': return openJsonResponse(source);
    case 'word2vec-text': case 'glove': return openWordVectorText(source, options.fileName, format);
    case 'word2vec-binary': return openWord2vecBinary(source, options.fileName);
    case 'faiss': return openFaiss(source, options.fileName);
    case 'raw': return openRaw(source, options);
    case 'zarr': return openZarrZip(source);
  }
}
