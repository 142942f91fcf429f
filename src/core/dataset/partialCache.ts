import { createHash, randomUUID } from 'node:crypto';
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

/** A dataset entry's name: the merged partial of the shards whose entry keys chain to `chain`. */
const DATASET_PREFIX = 'dataset-';

/** The cached merged partial of a dataset's first `length` shards. */
export interface CachedPrefix {
  length: number;
  partial: DatasetPartial;
  /** The entry's chained key, to supersede it once a longer prefix is written. */
  chain: string;
}

/**
 * The folder is pruned to this size after each dataset read that uses it (least recently used
 * entries first): a d = 4,096 shard's entry holds a 134 MB co-moment, and entries of shards that
 * changed or datasets no longer analysed are never read again.
 */
export const CACHE_LIMIT_BYTES = 4 * 2 ** 30;
/** A write's temporary file older than this was left by a process that died mid-write. */
const ABANDONED_TMP_MS = 60 * 60 * 1000;

export class PartialCache {
  /** Entries read or written through this object: never pruned by it (the run that uses them may still need them). */
  private readonly inUse = new Set<string>();

  constructor(readonly dir: string, readonly limitBytes = CACHE_LIMIT_BYTES) {}

  private async entry(file: string, firstRow: number, options: PartialOptions) {
    const stat = await fs.stat(file);
    // the sidecar manifest names the shard's companions: editing it changes the partial
    const sidecars = await Promise.all(manifestCandidates(path.resolve(file)).map(m => fs.stat(m).then(s => [s.size, s.mtimeMs], () => null)));
    const key = createHash('sha256').update(JSON.stringify([path.resolve(file), stat.size, stat.mtimeMs, options.arrayName ?? null,
      options.seed, options.sampleRows ?? DEFAULT_SAMPLE_ROWS, firstRow, PARTIAL_VERSION, CACHED_CONTENT, sidecars])).digest('hex').slice(0, 32);
    return { stat, key, cachePath: path.join(this.dir, `${key}.embstats`) };
  }

  /** The key of `file`'s entry (everything its partial depends on), or null when the file cannot be seen. */
  async key(file: string, firstRow: number, options: PartialOptions): Promise<string | null> {
    try {
      return (await this.entry(file, firstRow, options)).key;
    } catch {
      return null;
    }
  }

  /** True when the entry of that key (see `key`) exists (its content is checked only by `get`): to plan the reads, without reading it. */
  async has(key: string | null): Promise<boolean> {
    if (key === null) return false;
    try {
      await fs.access(path.join(this.dir, `${key}.embstats`));
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
      await this.touch(cachePath);
      return p;
    } catch {
      return undefined; // a missing or damaged cache entry is a miss, never an error
    }
  }

  async put(file: string, firstRow: number, options: PartialOptions, p: DatasetPartial): Promise<void> {
    const { cachePath } = await this.entry(file, firstRow, options);
    await this.write(cachePath, p);
  }

  /**
   * The merged partial of the longest run of first shards (at least two) cached as one dataset
   * entry, or undefined. `shards` are the dataset's shards in order with their entry keys (null:
   * not cacheable, which ends the run); the entry's own shard list must agree in size,
   * modification time and first row. Adding a shard to a dataset then reads one entry for all the
   * shards before it, not one per shard.
   */
  async getPrefix(shards: readonly { file: string; firstRow: number; key: string | null }[]): Promise<CachedPrefix | undefined> {
    let names: Set<string>;
    try {
      names = new Set(await fs.readdir(this.dir));
    } catch {
      return undefined;
    }
    const chains = chainKeys(shards.map(s => s.key));
    for (let length = chains.length; length >= 2; length--) {
      const chain = chains[length - 1];
      if (!names.has(`${DATASET_PREFIX}${chain}.embstats`)) continue;
      try {
        const p = await readEmbstats(path.join(this.dir, `${DATASET_PREFIX}${chain}.embstats`));
        if (p.shards.length !== length) continue;
        const stats = await Promise.all(shards.slice(0, length).map(s => fs.stat(s.file)));
        if (!p.shards.every((s, i) => s.size === stats[i].size && s.mtimeMs === stats[i].mtimeMs && s.firstRow === shards[i].firstRow)) continue;
        p.shards.forEach((s, i) => { s.file = shards[i].file; }); // as the caller spells them this time
        await this.touch(path.join(this.dir, `${DATASET_PREFIX}${chain}.embstats`));
        return { length, partial: p, chain };
      } catch {
        continue; // a damaged entry is a miss: a shorter one, or the shards' own entries, serve instead
      }
    }
    return undefined;
  }

  /**
   * Caches `p`, the merged partial of all of `shards` (their entry keys, in order), as one dataset
   * entry; `superseded` (a shorter prefix it was merged from) is deleted: the longer entry serves
   * every later run that the shorter one would have.
   */
  async putPrefix(keys: readonly string[], p: DatasetPartial, superseded?: string): Promise<void> {
    const chain = chainKeys(keys)[keys.length - 1];
    await this.write(path.join(this.dir, `${DATASET_PREFIX}${chain}.embstats`), p);
    if (superseded && superseded !== chain) await fs.rm(path.join(this.dir, `${DATASET_PREFIX}${superseded}.embstats`), { force: true });
  }

  /**
   * Removes the least recently used entries (by modification time, which a read renews) until the
   * folder holds at most `limitBytes`, never one this object read or wrote, and temporary files
   * abandoned by a write that died. Returns the bytes removed. A file that cannot be removed is left.
   */
  async prune(): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return 0;
    }
    const now = Date.now();
    const files = (await Promise.all(names.filter(n => n.endsWith('.embstats') || n.endsWith('.tmp')).map(async name => {
      const file = path.join(this.dir, name);
      try {
        const st = await fs.stat(file);
        return st.isFile() ? { file, size: st.size, mtimeMs: st.mtimeMs, tmp: name.endsWith('.tmp') } : null;
      } catch {
        return null;
      }
    }))).filter(f => f !== null);
    let total = files.reduce((a, f) => a + f.size, 0);
    let removed = 0;
    const remove = async (f: { file: string; size: number }) => {
      try {
        await fs.rm(f.file);
        total -= f.size;
        removed += f.size;
      } catch { /* in use elsewhere or already gone */ }
    };
    for (const f of files) if (f.tmp && now - f.mtimeMs > ABANDONED_TMP_MS) await remove(f);
    const candidates = files.filter(f => !f.tmp && !this.inUse.has(f.file)).sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of candidates) {
      if (total <= this.limitBytes) break;
      await remove(f);
    }
    return removed;
  }

  /** Marks an entry as used now (the pruning's "recently used"). */
  private async touch(cachePath: string): Promise<void> {
    this.inUse.add(cachePath);
    const now = new Date();
    await fs.utimes(cachePath, now, now).catch(() => undefined);
  }

  private async write(cachePath: string, p: DatasetPartial): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    // write then rename: a concurrent reader never sees half a file, nor two writers (the extension runs analyses side by side) one file
    const partialPath = `${cachePath}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    try {
      await writeEmbstats(partialPath, p, { rowListsAsArrays: true });
      await fs.rename(partialPath, cachePath);
      this.inUse.add(cachePath);
    } catch (e) {
      await fs.rm(partialPath, { force: true }).catch(() => undefined); // a full disk keeps no half entry
      throw e;
    }
  }
}

/** The chained keys of the first 1, 2, … shards: each the hash of the one before and the next shard's key; a null key ends the chain. */
function chainKeys(keys: readonly (string | null)[]): string[] {
  const chains: string[] = [];
  let chain = 'dataset';
  for (const key of keys) {
    if (key === null) break;
    chain = createHash('sha256').update(`${chain}\n${key}`).digest('hex').slice(0, 32);
    chains.push(chain);
  }
  return chains;
}
