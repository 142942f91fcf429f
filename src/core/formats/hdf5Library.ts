import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as H5 from 'h5wasm';
import { EmbdiagError } from '../errors';

/**
 * The HDF5 library (h5wasm, the HDF5 C library compiled to WebAssembly): loading it, and calling it
 * safely. Every call goes through h5call, which confines it to the file being analysed, bounds its
 * memory and turns its failures into our own sentences (HDF5's diagnosis, never JavaScript's text).
 */

export type H5Module = typeof H5;
export type H5File = InstanceType<H5Module['File']>;
export type H5Group = InstanceType<H5Module['Group']>;
export type H5Metadata = ReturnType<H5Module['dtype_to_metadata']>;

/** Largest hyperslab read at once (and largest element of an HDF5 array datatype). */
export const MAX_READ_BYTES = 16 << 20;

// ---- loading h5wasm --------------------------------------------------------------------

let loaded: Promise<H5Module> | undefined;

/** h5wasm, loaded once, on first use. */
export function loadH5wasm(): Promise<H5Module> {
  loaded ??= (async () => {
    const h5 = await importH5wasm();
    await h5.ready;
    // No filter plugins: HDF5 would look for them in host directories when a file names an
    // unknown filter. The built-in filters (deflate, shuffle, fletcher32, ...) remain.
    const plugins = h5.Module as unknown as { get_plugin_search_paths(): string[]; remove_plugin_search_path(index: number): number };
    for (let n = plugins.get_plugin_search_paths().length; n > 0; n--) plugins.remove_plugin_search_path(0);
    return h5;
  })();
  return loaded;
}

async function importH5wasm(): Promise<H5Module> {
  try {
    // Bundles keep this import() (scripts/build.mjs points it at dist/h5wasm.mjs).
    return await import('h5wasm/node' as string) as H5Module;
  } catch {
    // Unbundled runs only (the bundles set EMBDIAG_BUNDLE and always use dist/h5wasm.mjs):
    // tsc's CommonJS output turns import() into require(), which h5wasm's import-only exports refuse,
    // and test bundles written outside the repository cannot resolve the package from where they are.
    // Load the same ES module by its path (Node loads ES modules through require since 20.19).
    if (process.env.EMBDIAG_BUNDLE !== 'dist') {
      const dirs = [...(require.resolve.paths('h5wasm') ?? []), path.join(process.cwd(), 'node_modules')];
      for (const dir of dirs) {
        const file = path.join(dir, 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
        if (fs.existsSync(file)) return require(file) as H5Module;
      }
    }
    throw new EmbdiagError('internal', 'The HDF5 reader (h5wasm) could not be loaded: its WebAssembly module is missing or damaged.', 'Reinstall the extension.');
  }
}

type WriteSync = (fd: number, data: string | ArrayBufferView, ...rest: unknown[]) => number;
type OpenSync = (file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => number;

/**
 * The one file HDF5 may open while it runs (set by withFile). An HDF5 file can name others: a
 * dataset's raw data can live in external files (any path, e.g. a private key read as uint8) and
 * a virtual dataset maps other HDF5 files. Only the file being analysed is read.
 */
let confinedTo: string | undefined;

/**
 * Memory the HDF5 library may grow to while listing, or reading a contiguous dataset: hyperslabs are
 * at most MAX_READ_BYTES, HDF5's chunk cache 1 MiB. Reading a chunked dataset adds 4 chunks' worth
 * (a chunk, its compressed form, filter buffers), up to the wasm limit.
 */
const BASE_WASM_HEAP_BYTES = 128 << 20;
const MAX_WASM_HEAP_BYTES = 2 ** 31;
let heapLimit = BASE_WASM_HEAP_BYTES;

/** Runs fn with HDF5 allowed `extraBytes` more memory than for listing (chunk buffers), up to the wasm limit. */
export function withExtraHeap<T>(extraBytes: number, fn: () => T): T {
  const outer = heapLimit;
  heapLimit = Math.min(MAX_WASM_HEAP_BYTES, BASE_WASM_HEAP_BYTES + extraBytes);
  try {
    return fn();
  } finally {
    heapLimit = outer;
  }
}

/** Set once the wasm module has trapped or aborted: it is not called again (see h5call). */
let broken = false;

/** True once the wasm module has aborted: nothing (not even free or close) may be called into it. */
export function isBroken(): boolean {
  return broken;
}

/**
 * HDF5 was asked to open another file (an external link, external raw data, a virtual dataset's
 * source) and was refused. The listing catches it to list the link that led there.
 */
export class OtherFileRefused extends EmbdiagError {
  constructor(message: string, hint: string, readonly file: string) {
    super('unreadable', message, hint);
  }
}

/** fs functions the wasm build could use to change files: never needed to read one. */
const MUTATING_FS = ['writeFileSync', 'unlinkSync', 'renameSync', 'mkdirSync', 'rmdirSync', 'symlinkSync', 'truncateSync', 'ftruncateSync',
  'chmodSync', 'fchmodSync', 'chownSync', 'fchownSync', 'utimesSync', 'futimesSync'];

function accessDenied(what: string): Error {
  return Object.assign(new Error(`EACCES: permission denied, ${what}`), { code: 'EACCES', errno: -13 });
}

/**
 * Runs an HDF5 call, turning its failures into an EmbdiagError that quotes HDF5's own diagnosis.
 * HDF5 prints its error stack to stderr, which the wasm build writes straight to file descriptor 2
 * with fs.writeSync: during the (synchronous) call those writes are collected instead. The wasm
 * build reaches the file system through Node's fs (NODERAWFS): during the call, opening anything
 * but the file being analysed (read-only), and every call that changes files, is refused.
 */
export function h5call<T>(label: string, what: string, fn: () => T): T {
  if (broken) {
    throw new EmbdiagError('internal', `${label}: cannot ${what}: the HDF5 library stopped working after an earlier damaged file made it abort.`,
      'Reload the window (or restart the command) to read HDF5 files again.');
  }
  const realFs = require('node:fs') as Record<string, unknown> & { writeSync: WriteSync; openSync: OpenSync; readFileSync: (...a: unknown[]) => unknown };
  const originals = new Map<string, unknown>();
  const patch = (name: string, replacement: unknown) => { originals.set(name, realFs[name]); realFs[name] = replacement; };
  const collected: string[] = [];
  const original = realFs.writeSync;
  patch('writeSync', function (this: unknown, fd: number, data: string | ArrayBufferView, ...rest: unknown[]): number {
    if (fd !== 2) return original.call(this, fd, data, ...rest);
    if (typeof data === 'string') { collected.push(data); return Buffer.byteLength(data); }
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const length = typeof rest[1] === 'number' ? rest[1] : data.byteLength - offset;
    collected.push(Buffer.from(data.buffer, data.byteOffset + offset, length).toString('utf8'));
    return length;
  } as WriteSync);
  // The wasm runtime's own complaints (console.error, e.g. a refused heap growth) go through process.stderr: collected too.
  const stderr = process.stderr as unknown as { write: (...a: unknown[]) => boolean };
  const stderrWrite = stderr.write;
  stderr.write = (chunk: unknown) => { collected.push(String(chunk)); return true; };
  const refused: string[] = [];
  if (confinedTo !== undefined) {
    const allowed = confinedTo;
    const open = realFs.openSync;
    const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;
    patch('openSync', function (this: unknown, file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode): number {
      const target = path.resolve(String(file));
      const writing = typeof flags === 'number' ? (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) !== 0 : typeof flags === 'string' && /[wa+]/.test(flags);
      if (target !== allowed || writing) {
        refused.push(target);
        throw accessDenied(`open '${target}'`);
      }
      return open.call(this, file, flags, mode);
    } as OpenSync);
    const readFile = realFs.readFileSync;
    patch('readFileSync', function (this: unknown, file: unknown, ...rest: unknown[]): unknown {
      const target = typeof file === 'number' ? undefined : path.resolve(String(file));
      if (target !== undefined && target !== allowed) { refused.push(target); throw accessDenied(`open '${target}'`); }
      return readFile.call(this, file, ...rest);
    });
    for (const name of MUTATING_FS) patch(name, () => { refused.push(`(${name})`); throw accessDenied(name); });
  }
  // HDF5 allocates what size fields in the file say: a damaged one makes it take (and touch) all it can
  // get, which is slow (seconds per GiB). Growth of the wasm heap is refused beyond MAX_WASM_HEAP_BYTES.
  const grow = WebAssembly.Memory.prototype.grow;
  let growthRefused = 0;
  WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number): number {
    if (this.buffer.byteLength + delta * 65536 > heapLimit) {
      growthRefused = this.buffer.byteLength + delta * 65536;
      throw new RangeError(`the HDF5 reader is limited to ${heapLimit} bytes of memory`);
    }
    return grow.call(this, delta);
  };
  const refusal = () => new OtherFileRefused(
    `${label}: cannot ${what}: the file asks HDF5 to open another file (${refused[0]}), as the raw data of an external dataset or the source of a virtual dataset; only the file being analysed is read.`,
    'Store the embeddings inside the HDF5 file itself (h5py: create the dataset without external=, and copy virtual datasets into real ones).', refused[0]);
  try {
    const result = fn();
    // A virtual dataset whose sources cannot be opened reads as its fill value, without an error;
    // a listing whose allocation failed comes back empty, without one.
    if (refused.length) throw refusal();
    if (growthRefused) throw new Error('memory allocation failed');
    return result;
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    if (refused.length) throw refusal();
    if (e instanceof WebAssembly.RuntimeError || /^Aborted\(/.test((e as Error)?.message ?? '')) {
      // A trap or abort() inside the wasm module: its memory and HDF5's global state are not to be trusted
      // again (calls into an aborted module can hang). Nothing more is asked of it in this process.
      broken = true;
      throw new EmbdiagError('bad-header', `${label}: cannot ${what}: the file made the HDF5 library abort.`,
        'The file is damaged; re-save it with h5py. Reload the window (or restart the command) before reading other HDF5 files.');
    }
    const text = collected.join('');
    // HDF5's own diagnosis (the innermost entry of the error stack it printed); JavaScript's text is never shown.
    const details = [...text.matchAll(/in \w+\(\): ([^\n]+)/g)].map(m => m[1].trim());
    const hdf5Says = details.length ? details[details.length - 1] : undefined;
    const because = hdf5Says ? ` (${hdf5Says})` : '';
    if (/already open for write|consistency flags/.test(text)) {
      throw new EmbdiagError('unreadable',
        `${label}: HDF5 will not read this file because it is still marked as open for writing: the program that wrote it never closed it (it was killed, or is still running, while it had the file open with libver='latest' or for SWMR). The file is not damaged; only the mark was left behind.`,
        `If nothing writes to it any more, clear the mark with \`h5clear -s ${shellWord(label)}\` (from the HDF5 tools) and analyse it again.`);
    }
    if (growthRefused) {
      throw new EmbdiagError('too-large', `${label}: cannot ${what}: HDF5 asked for ${growthRefused} bytes of memory, more than the ${heapLimit} it may use${because}.`,
        'A size in the file is damaged, or its chunks are very large; re-save it with h5py (smaller chunks, e.g. chunks=True).');
    }
    if (/truncated file/.test(text)) {
      throw new EmbdiagError('truncated', `${label}: cannot ${what}: the HDF5 file is truncated${because}.`,
        'It was probably cut short by an interrupted write or copy; re-save or re-copy it.');
    }
    throw new EmbdiagError('bad-header', `${label}: cannot ${what}: ${hdf5Says ?? 'the HDF5 library reports an error without a reason'}.`,
      'The file is damaged or not an HDF5 file; re-save it with h5py.');
  } finally {
    for (const [name, fn0] of originals) realFs[name] = fn0;
    stderr.write = stderrWrite;
    WebAssembly.Memory.prototype.grow = grow;
  }
}

/** A path as one POSIX shell word (quoted only when it needs to be). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Opens `file` read-only, confined to itself, for the duration of fn. */
export function withFile<T>(h5: H5Module, label: string, file: string, fn: (f: H5File) => T): T {
  const outer = confinedTo;
  confinedTo = path.resolve(file);
  try {
    const f = h5call(label, 'open it as HDF5', () => {
      const opened = new h5.File(file, 'r');
      // h5wasm reports a failed H5Fopen as a negative id rather than by throwing.
      if (BigInt((opened as unknown as { file_id: bigint | number }).file_id) < 0n) throw new Error('no file id');
      return opened;
    });
    try {
      return fn(f);
    } finally {
      // Not into a module that has just aborted (calls into it can hang).
      try { if (!broken) f.close(); } catch { /* already unusable */ }
    }
  } finally {
    confinedTo = outer;
  }
}

