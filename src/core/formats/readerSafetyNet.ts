import { EmbdiagError, engineDetail, isEmbdiagError } from '../errors';
import type { DumpFile, DumpFormat, EmbeddingMatrix, ValueColumnOptions } from './dumpFile';

/**
 * The last line of defence between a reader and the user. Readers refuse bad files with an
 * EmbdiagError; anything else a reader throws (a TypeError on a field a damaged file left out,
 * a RangeError from a typed array of impossible length) is a reader that lost its way in the
 * file. It becomes our own sentence with our code, naming the file and the reader; the
 * JavaScript text stays in `detail` (for --verbose and the output channel), never in the message.
 */

const READER_NAMES: Record<DumpFormat, string> = {
  npy: '.npy', npz: '.npz', safetensors: 'safetensors', fvecs: '.fvecs', bvecs: '.bvecs', tsv: 'TSV', csv: 'CSV',
  pt: 'PyTorch', hdf5: 'HDF5', parquet: 'Parquet', arrow: 'Arrow IPC', jsonl: 'JSON Lines', json: 'JSON response',
  'word2vec-text': 'word2vec text', glove: 'GloVe', 'word2vec-binary': 'word2vec binary',
  faiss: 'FAISS index', raw: 'raw binary', zarr: 'Zarr',
};

/** Errors made here: a reader bug the net caught (tests of the readers require there are none). */
const caughtByNet = new WeakSet<EmbdiagError>();

/** True when `e` is a reader's stray exception turned into an EmbdiagError by this net. */
export function isSafetyNetCatch(e: unknown): boolean {
  return isEmbdiagError(e) && caughtByNet.has(e);
}

/** Any exception of a reader as an EmbdiagError (EmbdiagErrors pass unchanged). */
export function readerFailure(e: unknown, fileName: string, format: DumpFormat): EmbdiagError {
  if (isEmbdiagError(e)) return e;
  const err = strayFailure(e, fileName, format);
  caughtByNet.add(err);
  return err;
}

function strayFailure(e: unknown, fileName: string, format: DumpFormat): EmbdiagError {
  const detail = engineDetail(e);
  if (e instanceof RangeError && /allocation failed|out of memory/i.test(e.message)) {
    return new EmbdiagError('too-large', `${fileName}: the ${READER_NAMES[format]} reader ran out of memory reading it.`,
      'Analyse a smaller array or slice, or free memory and try again.', { detail });
  }
  return new EmbdiagError('bad-header', `${fileName}: the ${READER_NAMES[format]} reader could not make sense of it (its content is not laid out as the reader expects: the file may be damaged, or use a feature of the format this reader does not handle).`,
    undefined, { detail });
}

/** Runs `fn`, turning a reader's stray exception into an EmbdiagError. */
export async function guarded<T>(fileName: string, format: DumpFormat, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw readerFailure(e, fileName, format);
  }
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** Wraps the named async methods of `target` in place (keeping its class: `instanceof` still holds). */
function guardMethods(target: object, names: readonly string[], fileName: string, format: DumpFormat): void {
  const record = target as Record<string, unknown>;
  for (const name of names) {
    const method = record[name];
    if (typeof method !== 'function') continue;
    const bound = (method as AsyncMethod).bind(target);
    record[name] = (...args: never[]) => guarded(fileName, format, () => bound(...args));
  }
}

/** The dump with `open`, every matrix it opens with its reading methods, and its value columns, behind the safety net. */
export function withReaderSafetyNet(dump: DumpFile, fileName: string): DumpFile {
  const valueColumns = dump.valueColumns?.bind(dump);
  if (valueColumns) {
    dump.valueColumns = async (options?: ValueColumnOptions) => {
      const columns = await guarded(fileName, dump.format, () => valueColumns(options));
      for (const column of columns) guardMethods(column, ['read'], fileName, dump.format);
      return columns;
    };
  }
  const open = dump.open.bind(dump);
  dump.open = async (name?: string): Promise<EmbeddingMatrix> => {
    const matrix = await guarded(fileName, dump.format, () => open(name));
    guardMethods(matrix, ['readRows', 'readRowsFloat32', 'nullRowsIn', 'rowMetadata'], fileName, dump.format);
    return matrix;
  };
  return dump;
}
