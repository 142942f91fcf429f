import { EmbdiagError, asEmbdiagError } from '../errors';
import type { AnalyzeHooks } from '../analysis/analyzeDump';
import type { FindingThresholds } from '../analysis/findings';
import type { AnalysisReport } from '../report/analysisReport';
import { reportOfPartial, type ShardFailure } from './datasetReport';
import { PartialMerger, type DatasetPartial } from './partial';
import { partialOfShard, type PartialOptions } from './shardPartial';
import { expandDatasetPaths, shardNumberingFindings } from './datasetPaths';
import type { PartialCache } from './partialCache';

export interface DatasetPartialResult {
  partial: DatasetPartial | null;
  failures: ShardFailure[];
  files: string[];
  /** Shards read this time, and shards whose partial came from the cache. */
  shardsRead: number;
  shardsCached: number;
  /** Partials that could not be written to the cache (the next run reads those shards again). */
  cacheWriteFailures: number;
}

/**
 * The merged partial of the shards in `paths` (files, folders, globs), read one after the other;
 * global row index = rows of the shards before + local row (from options.firstRow, default 0).
 * A shard of another dimension is refused (it would not be the same dataset); a shard that
 * cannot be read is listed in `failures` and left out.
 */
export async function partialOfDataset(paths: readonly string[], options: PartialOptions & { firstRow?: number; cache?: PartialCache },
  hooks: AnalyzeHooks = {}): Promise<DatasetPartialResult> {
  const files = await expandDatasetPaths(paths);
  const merger = new PartialMerger();
  let first: { dim: number; file: string } | null = null;
  const failures: ShardFailure[] = [];
  let offset = options.firstRow ?? 0;
  let shardsRead = 0, shardsCached = 0, cacheWriteFailures = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    let p: DatasetPartial | undefined = await options.cache?.get(file, offset, options);
    const fromCache = p !== undefined;
    if (p) shardsCached++;
    else try {
      p = await partialOfShard(file, offset, options, {
        isCancelled: hooks.isCancelled,
        onProgress: hooks.onProgress && ((f, m) => hooks.onProgress!((i + f) / files.length, `Shard ${i + 1} of ${files.length}: ${m}`)),
      });
      shardsRead++;
    } catch (e) {
      const err = asEmbdiagError(e, `Reading ${file}`);
      if (err.code === 'cancelled') throw err;
      failures.push({ file, code: err.code, message: err.message });
      continue;
    }
    if (first && p.dim !== first.dim) {
      throw new EmbdiagError('bad-shape', `${file} has ${p.dim} dimensions, but ${first.file} has ${first.dim}: the shards of a dataset must have the same dimension.`);
    }
    first ??= { dim: p.dim, file };
    if (options.cache && !fromCache) {
      // a cache that cannot be written costs the next run a re-read, not this one its result
      await options.cache.put(file, offset, options, p).catch(() => { cacheWriteFailures++; });
    }
    merger.add(p);
    offset += p.shards[0].rows;
  }
  return { partial: merger.result(), failures, files, shardsRead, shardsCached, cacheWriteFailures };
}

/** The report of the dataset in `paths`: identical in every figure to that of the concatenated rows. */
export async function analyzeDataset(paths: readonly string[], options: PartialOptions & { thresholds?: FindingThresholds; displayPath?: string; cache?: PartialCache },
  hooks: AnalyzeHooks = {}): Promise<AnalysisReport> {
  const started = Date.now();
  const { partial, failures, files, shardsCached, cacheWriteFailures } = await partialOfDataset(paths, options, hooks);
  if (!partial) {
    throw new EmbdiagError('unreadable', `None of the ${files.length} shards could be read: ${failures.slice(0, 3).map(f => `${f.file}: ${f.message}`).join('; ')}${failures.length > 3 ? '; …' : ''}`);
  }
  const readMs = Date.now() - started;
  const report = reportOfPartial(partial, {
    displayPath: options.displayPath ?? paths.join(' '), thresholds: options.thresholds, failures,
    findings: shardNumberingFindings(files), started, readMs,
  });
  if (shardsCached) report.notes.push(`${shardsCached} of ${partial.shards.length} shards unchanged since their cached partial (same size and modification time): not read again.`);
  if (cacheWriteFailures) report.notes.push(`${cacheWriteFailures} partial${cacheWriteFailures === 1 ? '' : 's'} could not be written to the cache ${options.cache!.dir}: the next analysis reads ${cacheWriteFailures === 1 ? 'that shard' : 'those shards'} again.`);
  return report;
}
