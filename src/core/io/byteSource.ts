/**
 * The only way readers touch bytes: ranged reads, so a reader never needs the
 * whole file in memory. The host backs it with a file handle; tests with a buffer.
 */
export interface ByteSource {
  /** Human-readable name used in error messages (usually the file path). */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Read exactly `length` bytes starting at `offset`. Rejects with an
   * EmbdiagError (code `truncated`) when the range runs past the end.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
  /**
   * Sources that can change underneath (files): rejects with `file-changed` when the source
   * is no longer what was opened. Results are only trusted after this passes.
   */
  assertUnchanged?(): Promise<void>;
}

/** A ByteSource over bytes already in memory (tests, small embedded entries). */
export class MemoryByteSource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array, readonly name = '<memory>') {
    this.size = bytes.byteLength;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
  async close(): Promise<void> { /* nothing to release */ }
}

/** A window [start, start+size) of another source, e.g. a stored zip entry. */
export class SliceByteSource implements ByteSource {
  constructor(private readonly inner: ByteSource, private readonly start: number, readonly size: number, readonly name = inner.name) {}
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.inner.read(this.start + offset, length);
  }
  async close(): Promise<void> { /* the inner source is owned by whoever opened it */ }
}

import { EmbdiagError } from '../errors';

export function checkRange(source: ByteSource, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new EmbdiagError('invalid-range', `${source.name}: invalid read of ${length} bytes at offset ${offset}.`);
  }
  if (offset + length > source.size) {
    throw new EmbdiagError('truncated',
      `${source.name}: the file ends at byte ${source.size}, but ${length} bytes were needed at offset ${offset}.`,
      'The file is probably truncated (still being written, or an interrupted copy). Re-save or re-copy it.');
  }
}
