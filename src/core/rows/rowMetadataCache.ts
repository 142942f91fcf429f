import { openDumpFile } from '../formats/openDumpFile';
import type { RowMetadata } from './rowMetadata';
import { openRowMetadata, type RowMetadataOptions, type RowMetadataReader } from './readRowMetadata';
import type { ShardSummary } from '../report/analysisReport';
import { readDatasetRowMetadata } from './datasetRows';
import { IdleTimer } from '../io/idleTimer';
import { FileStamps } from '../io/fileStamps';
import { manifestCandidates } from '../information/manifest';

/**
 * The row metadata readers of the last dumps asked about, kept open (the extension's worker holds
 * one, and its row views read through it, RowViewCache): a panel's second request for the same
 * dump's rows skips opening the file, finding its columns and decoding the column chunks already decoded (each text column keeps its chunks within
 * TEXT_CACHE_BYTES, parquetTextColumn.ts). A reader is reopened when any file it was read from
 * changed (size or mtime): the dump, its sidecar manifest (also one that appeared or went), and
 * the metadata files found for it (the manifest's "metadata" and "labels" files, a projector
 * metadata.tsv), so an edited label never shows its old value; the least recently used is closed
 * past `maxFiles`, and all are closed after `idleMs` without a request (an open file cannot be
 * replaced on Windows). Answers equal readRowMetadata's.
 */
export interface RowMetadataCacheOptions {
  /** Dumps kept open at most. */
  maxFiles?: number;
  /** Everything is closed after this long without a request (0: never). */
  idleMs?: number;
}

interface Entry {
  /** The files read for it, as they were then (the metadata files recorded while it opens). */
  stamps: FileStamps;
  opened: Promise<{ reader?: RowMetadataReader; close(): Promise<void> }>;
  /** The last rows read and their answer (a repeated request, as after a warm-up, is this one). */
  last?: { rows: readonly number[]; answer: Promise<RowMetadata | undefined> };
  /** Reads not done yet (the file is closed after them). */
  reading: Set<Promise<unknown>>;
}

export class RowMetadataCache {
  private readonly entries = new Map<string, Entry>();
  /** The last dataset rows read and their answer, with the files of every shard read for it. */
  private lastDataset?: { key: string; rows: readonly number[]; stamps: FileStamps; answer: Promise<RowMetadata | undefined> };
  private readonly maxFiles: number;
  private readonly idle: IdleTimer;
  /** Files opened so far (for tests: a hit opens nothing). */
  opens = 0;

  constructor(options: RowMetadataCacheOptions = {}) {
    this.maxFiles = Math.max(1, options.maxFiles ?? 2);
    this.idle = new IdleTimer(options.idleMs ?? 60_000, () => void this.close());
  }

  /** Dumps open now. */
  get size(): number { return this.entries.size; }

  /** The metadata of `rows` of the dump at `filePath`, as readRowMetadata gives it; undefined when it has none. */
  async read(filePath: string, rows: readonly number[], options: RowMetadataOptions = {}): Promise<RowMetadata | undefined> {
    return readKept(await this.entry(filePath, options), rows);
  }

  /**
   * As read, from the same open file, but the answer is not kept: a row view's few rows leave the
   * kept answer (the rows the panel shows, read ahead) as it is.
   */
  async readOnce(filePath: string, rows: readonly number[], options: RowMetadataOptions = {}): Promise<RowMetadata | undefined> {
    return readEntry(await this.entry(filePath, options), rows);
  }

  /**
   * The metadata of a dataset's global rows (readDatasetRowMetadata), each shard's read through
   * this cache; the last answer is kept while no shard changed (a dataset has more shards than
   * files are kept open, so a repeated request is answered from it, while no file any shard's
   * answer was read from changed).
   */
  async readDataset(shards: readonly ShardSummary[], rows: readonly number[], options: RowMetadataOptions = {}): Promise<RowMetadata | undefined> {
    this.idle.touch();
    const key = JSON.stringify([shards.map(s => [s.file, s.firstRow, s.rows]), options.arrayName, options.labelColumn, options.textColumn]);
    const last = this.lastDataset;
    if (last?.key === key && sameRows(last.rows, rows) && await last.stamps.unchanged()) return last.answer;
    const stamps = new FileStamps();
    const answer = readDatasetRowMetadata(shards, rows, options, async (file, local, o = {}) => {
      const entry = await this.entry(file, o);
      const meta = await readKept(entry, local);
      // read, so the entry's files are all recorded
      stamps.include(entry.stamps);
      return meta;
    });
    this.lastDataset = { key, rows: [...rows], stamps, answer };
    answer.catch(() => { if (this.lastDataset?.answer === answer) this.lastDataset = undefined; });
    return answer;
  }

  async close(): Promise<void> {
    this.idle.stop();
    this.lastDataset = undefined;
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) await closeEntry(e);
  }

  private async entry(filePath: string, options: RowMetadataOptions): Promise<Entry> {
    this.idle.touch();
    const key = JSON.stringify([filePath, options.arrayName, options.labelColumn, options.textColumn]);
    const hit = this.entries.get(key);
    const fresh = hit && await hit.stamps.unchanged();
    const stamps = fresh ? undefined : await dumpFileStamps(filePath);
    // another request opened, replaced or closed it while the files were looked at: look again
    if (this.entries.get(key) !== hit) return this.entry(filePath, options);
    this.entries.delete(key);
    if (fresh) {
      this.entries.set(key, hit); // most recently used last
      return hit;
    }
    const entry: Entry = { stamps: stamps!, opened: this.open(filePath, options, stamps!), reading: new Set() };
    this.entries.set(key, entry);
    if (hit) await closeEntry(hit);
    // a file that failed to open is asked again next time
    entry.opened.catch(() => { if (this.entries.get(key) === entry) this.entries.delete(key); });
    for (const [k, old] of this.entries) {
      if (this.entries.size <= this.maxFiles) break;
      this.entries.delete(k);
      await closeEntry(old);
    }
    return entry;
  }

  private async open(filePath: string, options: RowMetadataOptions, readFrom: FileStamps): Promise<{ reader?: RowMetadataReader; close(): Promise<void> }> {
    this.opens++;
    const { source, dump } = await openDumpFile(filePath);
    try {
      const reader = await openRowMetadata(filePath, dump, options, readFrom);
      return { reader, close: async () => { await reader?.close(); await source.close(); } };
    } catch (e) {
      await source.close();
      throw e;
    }
  }
}

/**
 * The dump's files as they are before it is opened: the dump, and its sidecar manifests, found or
 * not (a headerless dump's dtype and dimension come from one; the metadata files it names are
 * added as they are read).
 */
export function dumpFileStamps(filePath: string): Promise<FileStamps> {
  return FileStamps.of([filePath, ...manifestCandidates(filePath)]);
}

/** The metadata of `rows`, the answer kept (a repeated request, as after a warm-up, is this one). */
function readKept(entry: Entry, rows: readonly number[]): Promise<RowMetadata | undefined> {
  if (entry.last && sameRows(entry.last.rows, rows)) return entry.last.answer;
  const answer = readEntry(entry, rows);
  entry.last = { rows: [...rows], answer };
  // a failed read is not kept
  answer.catch(() => { if (entry.last?.answer === answer) entry.last = undefined; });
  return answer;
}

function readEntry(entry: Entry, rows: readonly number[]): Promise<RowMetadata | undefined> {
  const answer = entry.opened.then(o => o.reader?.read(rows));
  const done = answer.catch(() => undefined).then(() => { entry.reading.delete(done); });
  entry.reading.add(done);
  return answer;
}

async function closeEntry(e: Entry): Promise<void> {
  // pending reads finish on the open file first
  await Promise.all(e.reading);
  await e.opened.then(o => o.close(), () => undefined).catch(() => undefined);
}

function sameRows(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
