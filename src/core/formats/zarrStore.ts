import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { openZipEntry, type ZipEntry } from './zip';

/**
 * Where a Zarr hierarchy keeps its objects: a key ('group/emb/.zarray', 'emb/c/0/1') names each
 * one. A directory store is one file per key; a zip store (zarr.ZipStore) one entry per key, read
 * by ranged reads inside the archive. Objects are read whole, one at a time, and only when asked:
 * the reader holds at most the chunks it is decoding.
 */
export interface ZarrStore {
  /** The store's path, for messages. */
  readonly name: string;
  /** Keys of the metadata objects (.zarray, .zgroup, .zattrs, zarr.json), found without listing chunks. */
  metadataKeys(): Promise<string[]>;
  /**
   * The object's bytes, or undefined when there is none (a chunk never written). An object larger
   * than `maxBytes` is refused (`bad-shape`, naming the key) before it is read.
   */
  get(key: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

export const METADATA_NAMES = ['.zarray', '.zgroup', '.zattrs', 'zarr.json'];
const isMetadataKey = (key: string) => METADATA_NAMES.includes(key.slice(key.lastIndexOf('/') + 1));
/** Group nesting deeper than this is not walked (a loop of links, or a hostile tree). */
const MAX_DEPTH = 32;
/** Metadata objects beyond this many are not listed. */
const MAX_NODES = 10_000;

/**
 * Keys are made by this reader (array paths it listed, chunk indices it computed); checked
 * anyway, so no key can name anything outside the store: no empty, '.' or '..' segment, no
 * backslash, no NUL, no leading '/'.
 */
export function checkKey(store: string, key: string): string[] {
  const parts = key.split('/');
  if (!key || parts.some(p => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new EmbdiagError('bad-header', `${store}: the key '${key}' does not name an object inside the store (empty, '.' or '..' parts).`,
      'The store\'s metadata is damaged or hostile; re-save it with zarr.');
  }
  return parts;
}

function objectTooLarge(store: string, key: string, size: number, maxBytes: number): EmbdiagError {
  return new EmbdiagError('bad-shape', `${store}: the object '${key}' holds ${size} bytes, more than the ${maxBytes} bytes it can hold (a chunk encoded by the array's codecs, or metadata).`,
    'The object is larger than the array\'s metadata allows: the store is damaged, or its metadata was changed after writing.');
}

/** A directory store: the folder of a `.zarr` hierarchy. */
export class DirectoryZarrStore implements ZarrStore {
  private constructor(readonly name: string, private readonly root: string) {}

  /** The store rooted at the folder `dir` (resolved, so links inside cannot lead out of it unseen). */
  static async open(dir: string): Promise<DirectoryZarrStore> {
    let real: string;
    try { real = await fs.realpath(dir); } catch { throw new EmbdiagError('file-missing', `${dir}: no such folder.`); }
    return new DirectoryZarrStore(dir, real);
  }

  async metadataKeys(): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (rel: string[], depth: number): Promise<void> => {
      let entries;
      try { entries = await fs.readdir(path.join(this.root, ...rel), { withFileTypes: true }); } catch { return; }
      const names = new Set(entries.map(e => e.name));
      for (const m of METADATA_NAMES) if (names.has(m) && keys.length < MAX_NODES) keys.push([...rel, m].join('/'));
      // an array's folder holds its chunks (maybe nested by '/' separators): not walked
      if (names.has('.zarray') || (names.has('zarr.json') && await this.isV3Array([...rel, 'zarr.json']))) return;
      if (depth >= MAX_DEPTH) return;
      for (const e of entries) if (e.isDirectory() && keys.length < MAX_NODES) await walk([...rel, e.name], depth + 1);
    };
    await walk([], 0);
    return keys;
  }

  private async isV3Array(rel: string[]): Promise<boolean> {
    const bytes = await this.get(rel.join('/'), 1 << 20).catch(() => undefined);
    return !!bytes && /"node_type"\s*:\s*"array"/.test(new TextDecoder().decode(bytes));
  }

  async get(key: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const file = path.join(this.root, ...checkKey(this.name, key));
    let stat;
    try { stat = await fs.lstat(file); } catch { return undefined; }
    if (stat.isSymbolicLink()) {
      // a link is followed only when it stays inside the store
      let target: string;
      try { target = await fs.realpath(file); } catch { return undefined; }
      const rel = path.relative(this.root, target);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new EmbdiagError('bad-header', `${this.name}: the object '${key}' is a link to a file outside the store.`, 'Copy the data into the store instead of linking to it.');
      }
      stat = await fs.stat(target);
    }
    if (!stat.isFile()) return undefined;
    if (stat.size > maxBytes) throw objectTooLarge(this.name, key, stat.size, maxBytes);
    try {
      return new Uint8Array(await fs.readFile(file));
    } catch (e) {
      throw new EmbdiagError('unreadable', `${this.name}: the object '${key}' cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, 'Check the file permissions.');
    }
  }
}

/** A zip store: the entries of an archive (zarr.ZipStore writes them stored), read in place. */
export class ZipZarrStore implements ZarrStore {
  private readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly source: ByteSource, entries: readonly ZipEntry[]) {
    for (const e of entries) if (!e.name.endsWith('/')) this.entries.set(e.name, e);
  }

  get name(): string { return this.source.name; }

  async metadataKeys(): Promise<string[]> {
    return [...this.entries.keys()].filter(isMetadataKey).filter(k => k.split('/').length <= MAX_DEPTH + 1).slice(0, MAX_NODES);
  }

  async get(key: string, maxBytes: number): Promise<Uint8Array | undefined> {
    checkKey(this.name, key);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.uncompressedSize > maxBytes) throw objectTooLarge(this.name, key, entry.uncompressedSize, maxBytes);
    const opened = await openZipEntry(this.source, entry);
    try {
      return await opened.read(0, opened.size);
    } finally {
      await opened.close();
    }
  }
}

/** True when the zip's entries are a Zarr store (a metadata object at its root or in any folder). */
export function isZarrZip(entries: readonly ZipEntry[]): boolean {
  return entries.some(e => isMetadataKey(e.name));
}

/** True when `dir` is the root of a Zarr directory store (holds .zarray, .zgroup or zarr.json). */
export async function isZarrDirectory(dir: string): Promise<boolean> {
  for (const name of ['.zarray', '.zgroup', 'zarr.json']) {
    try {
      if ((await fs.stat(path.join(dir, name))).isFile()) return true;
    } catch { /* not there */ }
  }
  return false;
}

/**
 * A directory store seen where a ByteSource is expected (the analysis reports its size and checks
 * its changes): its bytes are the store's objects, read through `store`, never as one file.
 */
export class ZarrDirectorySource implements ByteSource {
  private constructor(readonly name: string, readonly size: number, private readonly mtimeMs: number, readonly store: DirectoryZarrStore) {}

  static async open(dir: string): Promise<ZarrDirectorySource> {
    const stamp = await storeStamp(dir);
    return new ZarrDirectorySource(dir, stamp.size, stamp.mtimeMs, await DirectoryZarrStore.open(dir));
  }

  async read(): Promise<Uint8Array> {
    throw new EmbdiagError('not-a-file', `${this.name}: is a Zarr store (a folder), read through its objects, not as one file.`);
  }

  /** Rejects with `file-changed` when the store's files changed since open (their bytes, or the latest modification time). */
  async assertUnchanged(): Promise<void> {
    const now = await storeStamp(this.name);
    if (now.size === this.size && now.mtimeMs === this.mtimeMs) return;
    const what = now.size !== this.size ? `its files went from ${this.size} to ${now.size} bytes` : `a file was rewritten (modified ${new Date(now.mtimeMs).toISOString()})`;
    throw new EmbdiagError('file-changed', `${this.name}: the Zarr store changed during analysis: ${what}.`,
      'It is probably still being written; it is analysed again once it stops changing.');
  }

  async close(): Promise<void> { /* objects are read whole and closed at once */ }
}

export function isZarrDirectorySource(source: ByteSource): source is ZarrDirectorySource {
  return source instanceof ZarrDirectorySource;
}

/** The bytes of the files under `dir` and the latest of their modification times: a store changed when either does (links not followed). */
export async function storeStamp(dir: string, depth = 0): Promise<{ size: number; mtimeMs: number }> {
  const stamp = { size: 0, mtimeMs: 0 };
  let entries;
  try { entries = await fs.readdir(dir, { withFileTypes: true }); } catch { return stamp; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    const inner = e.isFile() ? await fs.stat(p).catch(() => ({ size: 0, mtimeMs: 0 }))
      : e.isDirectory() && depth < MAX_DEPTH ? await storeStamp(p, depth + 1) : { size: 0, mtimeMs: 0 };
    stamp.size += inner.size;
    stamp.mtimeMs = Math.max(stamp.mtimeMs, inner.mtimeMs);
  }
  return stamp;
}
