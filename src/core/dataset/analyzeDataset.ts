import { EmbdiagError, asEmbdiagError, type EmbdiagErrorCode } from '../errors';
import type { AnalyzeHooks } from '../analysis/analyzeDump';
import type { FindingThresholds } from '../analysis/findings';
import type { AnalysisReport } from '../report/analysisReport';
import { reportOfPartial, shardFailureText, type ShardFailure } from './datasetReport';
import { PartialMerger, type DatasetPartial } from './partial';
import { partialOfShard, shardShape, type PartialOptions } from './shardPartial';
import { shardConcurrency } from './shardConcurrency';
import { DEFAULT_SAMPLE_ROWS } from './rowSample';
import { DatasetProgress } from './datasetProgress';
import { expandDataset, setAsideNote, shardNumberingFindings, type SetAsideFile } from './datasetPaths';
import type { PartialCache } from './partialCache';

export interface DatasetPartialResult {
  partial: DatasetPartial | null;
  failures: ShardFailure[];
  files: string[];
  /** Files of its folders and globs that shards' manifests name as companions: not shards. */
  setAside: SetAsideFile[];
  /** Shards read this time, and shards whose partial came from the cache. */
  shardsRead: number;
  shardsCached: number;
  /** Partials that could not be written to the cache (the next run reads those shards again). */
  cacheWriteFailures: number;
  /** Of the cached shards, those read as one merged entry of the dataset's first shards (0: none). */
  shardsInCachedPrefix: number;
}

/** Options of a dataset read: those of each shard, the first global row, the cache, and the shards read at once. */
export type DatasetReadOptions = PartialOptions & {
  firstRow?: number;
  cache?: PartialCache;
  /** Shards read at once (default: see shardConcurrency); the result does not depend on it. */
  concurrency?: number;
};

/**
 * The merged partial of the shards in `paths` (files, folders, globs), global row index = rows of
 * the shards before + local row (from options.firstRow, default 0). The headers are read first
 * (rows and dimension of every shard: the global offsets, and a refusal of a shard of another
 * dimension before any row is read); then several shards are read at once (shardConcurrency),
 * each partial merged as soon as those of all shards before it are, in shard order, so the result
 * is the same whatever the concurrency and memory holds at most 2 × in-flight partials. A shard
 * that cannot be read is listed in `failures` and left out (its rows, when its header could be
 * read, keep their global indices: the rows after it do not move).
 */
export async function partialOfDataset(paths: readonly string[], options: DatasetReadOptions,
  hooks: AnalyzeHooks = {}): Promise<DatasetPartialResult> {
  const { files, setAside } = await expandDataset(paths);
  const failures: ShardFailure[] = [];
  const failed = (file: string, e: unknown): void => {
    const err = asEmbdiagError(e, `Reading ${file}`);
    if (err.code === 'cancelled') throw err;
    failures.push({ file, code: err.code, message: err.message });
  };
  // headers: offsets and dimension
  const shards: { file: string; firstRow: number; rows: number; size: number }[] = [];
  let first: { dim: number; file: string } | null = null;
  let offset = options.firstRow ?? 0;
  for (let i = 0; i < files.length; i++) {
    if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
    hooks.onProgress?.(0, `Reading the header of shard ${i + 1} of ${files.length}`);
    let shape: { rows: number; dim: number; size: number };
    try { shape = await shardShape(files[i], options); } catch (e) { failed(files[i], e); continue; }
    if (first && shape.dim !== first.dim) {
      throw new EmbdiagError('bad-shape', `${files[i]} has ${shape.dim} dimensions, but ${first.file} has ${first.dim}: the shards of a dataset must have the same dimension.`);
    }
    first ??= { dim: shape.dim, file: files[i] };
    shards.push({ file: files[i], firstRow: offset, rows: shape.rows, size: shape.size });
    offset += shape.rows;
  }
  // the cores go to the shards to be read: one new shard beside cached ones gets them all
  const cache = options.cache;
  // the longest run of first shards cached as one merged entry is read as one partial (skip shards)
  const keys = cache ? await Promise.all(shards.map(s => cache.key(s.file, s.firstRow, options))) : [];
  const prefix = cache && shards.length >= 2 ? await cache.getPrefix(shards.map((s, i) => ({ ...s, key: keys[i] }))) : undefined;
  const skip = prefix?.length ?? 0;
  const planned = cache ? await Promise.all(shards.map((_, i) => i < skip || cache.has(keys[i]))) : shards.map(() => false);
  const toRead = shards.map((_, i) => i).filter(i => i >= skip && !planned[i]);
  const fromCache = shards.map((_, i) => i).filter(i => i >= skip && planned[i]);
  const { inFlight, kernelWorkers } = shardConcurrency(Math.max(1, toRead.length), first?.dim ?? 1, { requested: options.concurrency, workers: options.workers, sampleRows: options.sampleRows ?? DEFAULT_SAMPLE_ROWS });
  const shardOptions: PartialOptions = { ...options, workers: kernelWorkers };
  const progress = new DatasetProgress(shards, hooks.onProgress);
  // one cancel for every shard: the caller's, or the first shard that stops the read
  let stop: unknown = null;
  const isCancelled = () => stop !== null || (hooks.isCancelled?.() ?? false);
  let shardsRead = 0, shardsCached = 0, cacheWriteFailures = 0;
  const done = new Map<number, DatasetPartial | null>();
  const merger = new PartialMerger();
  let nextToMerge = skip;
  if (prefix) {
    merger.add(prefix.partial);
    shardsCached += skip;
    for (let i = 0; i < skip; i++) progress.done(i);
  }
  const readShard = async (i: number): Promise<void> => {
    const { file, firstRow } = shards[i];
    let p: DatasetPartial | null = null;
    try {
      // a planned cache entry that turns out damaged or stale is read here instead
      const cached = planned[i] ? await cache!.get(file, firstRow, options) : undefined;
      if (cached) { p = cached; shardsCached++; }
      else {
        p = await partialOfShard(file, firstRow, shardOptions, { isCancelled, onProgress: f => progress.shard(i, f) });
        shardsRead++;
        // a cache that cannot be written costs the next run a re-read, not this one its result
        if (cache) await cache.put(file, firstRow, options, p).catch(() => { cacheWriteFailures++; });
      }
    } catch (e) {
      try { failed(file, e); } catch (cancel) { stop ??= cancel; }
    }
    done.set(i, p);
    if (stop === null) progress.done(i); // a shard stopped by the cancel is not done
  };
  const running = new Set<Promise<void>>();
  let readsRunning = 0, cachedRunning = false;
  const start = (i: number): void => {
    const fromTheCache = planned[i];
    if (fromTheCache) cachedRunning = true; else readsRunning++;
    const task: Promise<void> = readShard(i).finally(() => {
      running.delete(task);
      if (fromTheCache) cachedRunning = false; else readsRunning--;
    });
    running.add(task);
  };
  // Shards to read start first, so that their kernels run while the cached partials are read and
  // merged on this thread (one at a time: that is this thread's work, not the kernels'). Memory stays
  // bounded: a shard to read starts while fewer than 2 × inFlight shards to read wait before it for
  // their turn to merge, a cached one while it is among the next 2 × inFlight to merge.
  let nextRead = 0, nextCached = 0, readsMerged = 0;
  while (true) {
    while (readsMerged < nextRead && toRead[readsMerged] < nextToMerge) readsMerged++;
    while (stop === null && readsRunning < inFlight && nextRead < toRead.length && nextRead - readsMerged < 2 * inFlight) {
      if (isCancelled()) { stop = new EmbdiagError('cancelled', 'Analysis cancelled.'); break; }
      start(toRead[nextRead++]);
    }
    if (stop === null && !cachedRunning && nextCached < fromCache.length && fromCache[nextCached] < nextToMerge + 2 * inFlight) {
      if (isCancelled()) stop = new EmbdiagError('cancelled', 'Analysis cancelled.');
      else start(fromCache[nextCached++]);
    }
    if (running.size === 0) break;
    await Promise.race(running);
    for (let p = done.get(nextToMerge); done.has(nextToMerge); p = done.get(++nextToMerge)) {
      done.delete(nextToMerge);
      if (p && stop === null) merger.add(p);
    }
  }
  if (stop !== null) throw stop;
  const order = new Map(files.map((f, i) => [f, i]));
  failures.sort((a, b) => order.get(a.file)! - order.get(b.file)!); // in shard order, whatever finished first
  const partial = merger.result();
  // the whole dataset's merged partial, for the next run (a failed write costs that run time, not this one its result)
  if (cache && partial && skip < shards.length && shards.length >= 2 && failures.length === 0 && keys.every(k => k !== null)) {
    await cache.putPrefix(keys as string[], partial, prefix?.chain).catch(() => undefined);
  }
  // the folder stays within its limit (what this run wrote, or a smaller limit): the least recently used entries go
  if (cache) await cache.prune().catch(() => 0);
  return { partial, failures, files, setAside, shardsRead, shardsCached, cacheWriteFailures, shardsInCachedPrefix: skip };
}

/** The report of the dataset in `paths`: identical in every figure to that of the concatenated rows. */
export type DatasetReportOptions = DatasetReadOptions & { thresholds?: FindingThresholds; displayPath?: string; projectionRows?: number };

export async function analyzeDataset(paths: readonly string[], options: DatasetReportOptions,
  hooks: AnalyzeHooks = {}): Promise<AnalysisReport> {
  return (await analyzeDatasetWithPartial(paths, options, hooks)).report;
}

/** analyzeDataset, with the merged partial the report was built from (for the analyses that need its sample and moments). */
export async function analyzeDatasetWithPartial(paths: readonly string[], options: DatasetReportOptions,
  hooks: AnalyzeHooks = {}): Promise<{ report: AnalysisReport; partial: DatasetPartial }> {
  const started = Date.now();
  const { partial, failures, files, setAside, shardsCached, cacheWriteFailures } = await partialOfDataset(paths, options, hooks);
  // a dataset of one shard is refused as that file is: its own code and sentence
  if (!partial && failures.length === 1 && files.length === 1) throw new EmbdiagError(failures[0].code as EmbdiagErrorCode, failures[0].message);
  if (!partial) {
    throw new EmbdiagError('unreadable', `None of the ${files.length} shards could be read: ${failures.slice(0, 3).map(shardFailureText).join('; ')}${failures.length > 3 ? '; …' : ''}`);
  }
  const readMs = Date.now() - started;
  const report = reportOfPartial(partial, {
    displayPath: options.displayPath ?? paths.join(' '), thresholds: options.thresholds, failures,
    findings: shardNumberingFindings(files), started, readMs, projectionRows: options.projectionRows,
  });
  const aside = setAsideNote(setAside);
  if (aside) report.notes.push(aside);
  if (shardsCached) report.notes.push(`${shardsCached} of ${partial.shards.length} shards unchanged since their cached partial (same size and modification time): not read again.`);
  if (cacheWriteFailures) report.notes.push(`${cacheWriteFailures} partial${cacheWriteFailures === 1 ? '' : 's'} could not be written to the cache ${options.cache!.dir}: the next analysis reads ${cacheWriteFailures === 1 ? 'that shard' : 'those shards'} again.`);
  return { report, partial };
}
