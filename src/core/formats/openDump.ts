import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { DumpFile, DumpFormat, OpenDumpOptions } from './dumpFile';
import { openDelimited } from './delimited';
import { hasNpyMagic, openNpy } from './npy';
import { openNpz } from './npz';
import { openSafetensors } from './safetensors';
import { openVecs } from './vecs';
import { hasZipMagic } from './zip';

const FORMAT_BY_EXTENSION: Record<string, DumpFormat> = {
  '.npy': 'npy', '.npz': 'npz', '.safetensors': 'safetensors',
  '.fvecs': 'fvecs', '.bvecs': 'bvecs', '.tsv': 'tsv', '.csv': 'csv',
};

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
 * Opens a dump: the reader is chosen by extension; when the extension says nothing,
 * or contradicts the content (.npy that is a zip, ...), by the magic bytes.
 */
export async function openDump(source: ByteSource, options: OpenDumpOptions): Promise<DumpFile> {
  const byName = formatForPath(options.fileName);
  const head = await source.read(0, Math.min(8, source.size));
  const sniffed: DumpFormat | undefined = hasNpyMagic(head) ? 'npy' : hasZipMagic(head) ? 'npz' : undefined;
  let format = byName;
  const notes: string[] = [];
  if (sniffed && (byName === 'npy' || byName === 'npz' || byName === undefined) && sniffed !== byName) {
    if (byName) notes.push(`The file is named like .${byName} but its content is ${sniffed === 'npy' ? 'an .npy array' : 'a zip (.npz) archive'}; read as ${sniffed}.`);
    format = sniffed;
  }
  if (!format) {
    throw new EmbdiagError('unknown-format', `${source.name}: not a recognised embedding dump (unknown extension, and the content is neither .npy nor .npz).`,
      `Supported formats: ${SUPPORTED_EXTENSIONS.join(', ')}.`);
  }
  const dump = await openAs(format, source, options);
  if (notes.length) dump.notes.unshift(...notes);
  return dump;
}

function openAs(format: DumpFormat, source: ByteSource, options: OpenDumpOptions): Promise<DumpFile> {
  switch (format) {
    case 'npy': return openNpy(source, options.fileName);
    case 'npz': return openNpz(source);
    case 'safetensors': return openSafetensors(source);
    case 'fvecs': case 'bvecs': return openVecs(source, options.fileName, format);
    case 'tsv': case 'csv': return openDelimited(source, options, format);
  }
}
