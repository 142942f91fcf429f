import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readEmbstats, writeEmbstats } from './embstatsFile';
import { PARTIAL_VERSION, type DatasetPartial } from './partial';
import { DEFAULT_SAMPLE_ROWS } from './rowSample';
import { manifestCandidates } from '../information/manifest';
import type { PartialOptions } from './shardPartial';

/**
 * Partials of shards cached as .embstats files in a folder, keyed by the shard's absolute path,
 * size and mtime and by everything the partial depends on (array choice, seed, sample size,
 * global first row, format version, sidecar manifest): when a training job adds a shard, only the new shard is
 * read. A cached file that cannot be read or does not match is ignored and rewritten.
 */
/**
 * What a cached partial holds beyond its format version (companions, the norms' rows, the row
 * keys' first rows, the manifest's scalars): a cache written before holds less, so its entries miss instead of mixing in.
 */
const CACHED_CONTENT = 'companions, norm rows, key rows (as arrays), manifest scalars';

export class PartialCache {
  constructor(readonly dir: string) {}

  private async entry(file: string, firstRow: number, options: PartialOptions) {
    const stat = await fs.stat(file);
    // the sidecar manifest names the shard's companions: editing it changes the partial
    const sidecars = await Promise.all(manifestCandidates(path.resolve(file)).map(m => fs.stat(m).then(s => [s.size, s.mtimeMs], () => null)));
    const key = createHash('sha256').update(JSON.stringify([path.resolve(file), stat.size, stat.mtimeMs, options.arrayName ?? null,
      options.seed, options.sampleRows ?? DEFAULT_SAMPLE_ROWS, firstRow, PARTIAL_VERSION, CACHED_CONTENT, sidecars])).digest('hex').slice(0, 32);
    return { stat, cachePath: path.join(this.dir, `${key}.embstats`) };
  }

  /** True when an entry for `file` exists (its content is checked only by `get`): to plan the reads, without reading it. */
  async has(file: string, firstRow: number, options: PartialOptions): Promise<boolean> {
    try {
      await fs.access((await this.entry(file, firstRow, options)).cachePath);
      return true;
    } catch {
      return false;
    }
  }

  /** The cached partial of `file` read from `firstRow` on, or undefined. */
  async get(file: string, firstRow: number, options: PartialOptions): Promise<DatasetPartial | undefined> {
    try {
      const { stat, cachePath } = await this.entry(file, firstRow, options);
      const p = await readEmbstats(cachePath);
      const s = p.shards[0];
      if (p.shards.length !== 1 || s.size !== stat.size || s.mtimeMs !== stat.mtimeMs || s.firstRow !== firstRow) return undefined;
      s.file = file; // as the caller spells it this time
      return p;
    } catch {
      return undefined; // a missing or damaged cache entry is a miss, never an error
    }
  }

  async put(file: string, firstRow: number, options: PartialOptions, p: DatasetPartial): Promise<void> {
    const { cachePath } = await this.entry(file, firstRow, options);
    await fs.mkdir(this.dir, { recursive: true });
    // write then rename: a concurrent reader never sees half a file
    const partialPath = `${cachePath}.${process.pid}.tmp`;
    await writeEmbstats(partialPath, p, { rowListsAsArrays: true });
    await fs.rename(partialPath, cachePath);
  }
}
