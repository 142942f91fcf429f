import { promises as fs } from 'node:fs';

/**
 * The files an answer was read from, each with its size and mtime as seen before it was read, or
 * its absence (a sidecar that appears changes the answer as much as one edited): a cache serves
 * the answer while every one is unchanged (one stat a file), and reads again otherwise.
 */
export class FileStamps {
  private readonly seen = new Map<string, string>();

  /** The stamps of `files` as they are now. */
  static async of(files: readonly string[]): Promise<FileStamps> {
    const stamps = new FileStamps();
    for (const file of files) await stamps.add(file);
    return stamps;
  }

  /** Records `file` as it is now (call before reading it); a file recorded already keeps its first stamp. */
  async add(file: string): Promise<void> {
    const stamp = await stampOf(file);
    if (!this.seen.has(file)) this.seen.set(file, stamp);
  }

  /** Records the files of another answer this one is made of (a dataset's shards). */
  include(other: FileStamps): void {
    for (const [file, stamp] of other.seen) if (!this.seen.has(file)) this.seen.set(file, stamp);
  }

  /** The files recorded, in the order first seen. */
  files(): string[] {
    return [...this.seen.keys()];
  }

  /** True when every file recorded still has its size and mtime, or is still absent. */
  async unchanged(): Promise<boolean> {
    const files = [...this.seen];
    const now = await Promise.all(files.map(([file]) => stampOf(file)));
    return files.every(([, stamp], i) => now[i] === stamp);
  }
}

/** Size and mtime (as FileByteSource checks them), or "absent" for a file that cannot be seen. */
async function stampOf(file: string): Promise<string> {
  return fs.stat(file).then(st => `${st.size}/${st.mtimeMs}`, () => 'absent');
}
