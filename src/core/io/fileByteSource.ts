import { promises as fs } from 'node:fs';
import { ByteSource, checkRange } from './byteSource';
import { EmbdiagError } from '../errors';

/** A ByteSource over a file on disk, read with positioned reads through one handle. */
export class FileByteSource implements ByteSource {
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
        throw new EmbdiagError('file-changed', `${this.name}: the file became shorter while it was being read.`,
          'It is probably still being written; analyse it again when the writer has finished.');
      }
      done += bytesRead;
    }
    return buf;
  }

  async close(): Promise<void> { await this.handle.close(); }
}
