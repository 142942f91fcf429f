import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix, ValueColumn } from './dumpFile';
import { refusedDTypeError } from './dtype';
import { DenseMatrix, checkNpyDataLength, findArray, npyArrayInfo, parseNpyHeader } from './npy';
import { matrixValueColumn, npyStringColumn } from './valueColumns';
import { ZipEntry, openZipEntry, openZipEntryForRandomAccess, readZipDirectory } from './zip';

/** Largest compressed entry decoded whole into memory (for reading out of order). */
const MAX_IN_MEMORY_BYTES = 128 << 20;

/**
 * Opens an .npz archive (np.savez: stored entries; np.savez_compressed: deflated).
 * Every `<name>.npy` entry is listed by reading only its header.
 */
export async function openNpz(source: ByteSource): Promise<DumpFile> {
  const entries = await readZipDirectory(source);
  const arrays: ArrayInfo[] = [];
  const byName = new Map<string, ZipEntry>();
  const notes: string[] = [];
  const skipped: string[] = [];
  let compressed = 0;
  for (const entry of entries) {
    if (!entry.name.endsWith('.npy')) {
      if (!entry.name.endsWith('/')) skipped.push(entry.name);
      continue;
    }
    const name = entry.name.slice(0, -4);
    if (byName.has(name)) throw new EmbdiagError('bad-archive', `${source.name}: holds two entries named '${entry.name}'.`, 'Re-save the archive.');
    const entrySource = await openZipEntry(source, entry);
    try {
      const header = await parseNpyHeader(entrySource, entrySource.name);
      if (header.dtype.ok) checkNpyDataLength(header, header.dtype.dtype, entrySource.size - header.dataOffset, entrySource.name);
      arrays.push(npyArrayInfo(name, header));
    } finally {
      await entrySource.close();
    }
    byName.set(name, entry);
    if (entry.method === 8) compressed++;
  }
  if (skipped.length) notes.push(`Ignored ${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} that are not .npy arrays: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}.`);
  if (compressed) notes.push('Compressed archive (np.savez_compressed): rows are decoded in order, so reading is slower than for .npy.');

  return {
    format: 'npz',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(source.name, arrays, requested);
      const entry = byName.get(info.name)!;
      let entrySource = await openZipEntry(source, entry);
      const header = await parseNpyHeader(entrySource, entrySource.name);
      if (!header.dtype.ok) throw refusedDTypeError(source.name, `array '${info.name}'`, header.dtype.refused);
      if (!info.analysable) throw new EmbdiagError('bad-shape', `${source.name}: array '${info.name}' cannot be analysed: ${info.reason}.`, 'Pick another array.');
      if (entry.method !== 0 && header.fortranOrder && header.shape.length > 1) {
        // Rows of a Fortran-order array are spread over the whole entry: read out of order, which a
        // deflate stream cannot do without decoding from the start each time. Decode it once.
        await entrySource.close();
        entrySource = await openZipEntryForRandomAccess(source, entry, MAX_IN_MEMORY_BYTES, () => new EmbdiagError('too-large',
          `${source.name}: array '${info.name}' is compressed and stored in Fortran (column-major) order; reading it by rows needs it decoded whole, and its ${entry.uncompressedSize} bytes are more than the ${MAX_IN_MEMORY_BYTES} this tool decodes in memory.`,
          'Re-save it in C order (np.savez_compressed(path, x=np.ascontiguousarray(x))) or uncompressed (np.savez).'));
      }
      return new DenseMatrix(entrySource, {
        name: info.name, dtype: header.dtype.dtype, shape: header.shape,
        dataOffset: header.dataOffset, fortranOrder: header.fortranOrder,
      });
    },
    /** 1-D arrays (and N×1 columns) of numbers or numpy strings: labels, ids, texts. */
    async valueColumns(): Promise<ValueColumn[]> {
      const columns: ValueColumn[] = [];
      for (const info of arrays) {
        const [rows, width = 1, ...more] = info.shape;
        if (info.shape.length === 0 || width !== 1 || more.length) continue;
        const entrySource = await openZipEntry(source, byName.get(info.name)!);
        const header = await parseNpyHeader(entrySource, entrySource.name);
        if (header.dtype.ok) {
          columns.push(matrixValueColumn(new DenseMatrix(entrySource, { name: info.name, dtype: header.dtype.dtype, shape: [rows, 1], dataOffset: header.dataOffset, fortranOrder: false })));
        } else {
          const strings = npyStringColumn(entrySource, info.name, header.descr, header.dataOffset, rows);
          if (strings) columns.push(strings);
        }
      }
      return columns;
    },
  };
}
