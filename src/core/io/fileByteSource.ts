import { promises as fs } from 'node:fs';
import { ByteSource, checkRange } from './byteSource';
import { EmbdiagError } from '../errors';

/** How often a long read re-checks that the file is still the one it opened (one fstat per check). */
const CHANGE_CHECK_INTERVAL_MS = 500;

/**
 * A ByteSource over a file on disk, read with positioned reads through one handle.
 * A training job may still be writing the file: reads check now and then, and callers once at the
 * end (`assertUnchanged`), that size and mtime are those seen at open, so a result never mixes two
 * versions of a file without saying so.
 */
export class FileByteSource implements ByteSource {
  private lastCheck = Date.now();

  private constructor(private readonly handle: fs.FileHandle, readonly name: string, readonly size: number, readonly mtimeMs: number) {}

  static async open(path: string): Promise<FileByteSource> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new EmbdiagError('file-missing', `${path}: no such file.`, 'Check the path, or create the dump first.');
      if (code === 'EISDIR') throw new EmbdiagError('not-a-file', `${path}: is a directory, not a dump file.`);
      throw new EmbdiagError('unreadable', `${path}: cannot be opened (${code ?? String(e)}).`, 'Check the file permissions.');
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new EmbdiagError('not-a-file', `${path}: is not a regular file.`);
    }
    return new FileByteSource(handle, path, st.size, st.mtimeMs);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) {
        throw new EmbdiagError('file-changed', `${this.name}: the file changed during analysis: it became shorter while it was being read.`,
          'It is probably still being written; it is analysed again once it stops changing.');
      }
      done += bytesRead;
    }
    if (Date.now() - this.lastCheck >= CHANGE_CHECK_INTERVAL_MS) await this.assertUnchanged();
    return buf;
  }

  /** Rejects with `file-changed` when the file's size or mtime differ from those seen at open. */
  async assertUnchanged(): Promise<void> {
    this.lastCheck = Date.now();
    const st = await this.handle.stat();
    if (st.size === this.size && st.mtimeMs === this.mtimeMs) return;
    const what = st.size !== this.size ? `its size went from ${this.size} to ${st.size} bytes` : `it was rewritten (modified ${new Date(st.mtimeMs).toISOString()})`;
    throw new EmbdiagError('file-changed', `${this.name}: the file changed during analysis: ${what}.`,
      'It is probably still being written; it is analysed again once it stops changing.');
  }

  async close(): Promise<void> { await this.handle.close(); }
}
