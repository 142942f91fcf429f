import * as path from 'node:path';
import { FileByteSource } from '../io/fileByteSource';
import type { ByteSource } from '../io/byteSource';
import type { DumpFile, RawShape } from './dumpFile';
import { openDump } from './openDump';
import { isZarrDirectory, ZarrDirectorySource } from './zarrStore';

/** Opens files beside `filePath` by name (a projector's metadata.tsv); undefined when there is none. */
export function siblingOpener(filePath: string): (name: string) => Promise<ByteSource | undefined> {
  const dir = path.dirname(filePath);
  return async (name) => { try { return await FileByteSource.open(path.join(dir, name)); } catch { return undefined; } };
}

/**
 * Opens the dump at `filePath` on disk (`raw`: the layout of a headerless raw array, when given).
 * The caller closes `source`; if opening fails, it is closed here.
 */
export async function openDumpFile(filePath: string, raw?: RawShape): Promise<{ source: ByteSource; dump: DumpFile }> {
  const source = await openDumpSource(filePath);
  try {
    const dump = await openDump(source, { fileName: path.basename(filePath), openSibling: siblingOpener(filePath), raw });
    return { source, dump };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/**
 * The source of the dump at `filePath`: the file, or, for a folder that is a Zarr store (holds
 * .zarray, .zgroup or zarr.json), the store. Any other folder is refused (`not-a-file`).
 */
export async function openDumpSource(filePath: string): Promise<ByteSource> {
  if (await isZarrDirectory(filePath)) return ZarrDirectorySource.open(filePath);
  return FileByteSource.open(filePath);
}
