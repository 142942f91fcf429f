import { availableCores } from '../stats/statisticsWorkerPool';

/** Shards read at once, and the kernel worker threads each of them runs. */
export interface ShardConcurrency {
  inFlight: number;
  /** Worker threads of the WebAssembly kernels per shard (statisticsOfRows' `workers`). */
  kernelWorkers: number;
}

/**
 * Bytes one shard in flight may hold at once: d × d float64 arrays (a kernel accumulator per
 * worker, the covariance, the partial's co-moment) and its row sample (the collector holds up to
 * twice its rows before pruning, the finished sample once more).
 */
const shardBytes = (dim: number, kernelWorkers: number, sampleRows: number) => (kernelWorkers + 2) * 8 * dim * dim + 3 * 8 * sampleRows * dim;
/** Co-moments and samples of all shards in flight together stay under this (a d = 4,096 shard holds 134 MB per array). */
const IN_FLIGHT_COMOMENT_BYTES = 2 ** 30;

/**
 * How many shards to read at once. The machine's cores are shared between two levels of
 * parallelism so that it is never oversubscribed: a shard large enough for the WebAssembly
 * kernels already runs them on worker threads (min(2, cores) when read alone), while its calling
 * thread reads, converts and hashes the rows. So `inFlight` shards run cores / inFlight kernel
 * threads each: with 2 cores, 2 shards of 1 kernel thread each rather than 1 shard of 2, which
 * keeps both cores on the kernels while one shard is between blocks, opening, or finishing its
 * covariance (work the single-shard path leaves serial). A shard too small for the kernels is
 * accumulated on the calling thread, so reading several of them at once overlaps their file
 * reads but not their arithmetic. Memory: each shard in flight holds its own d × d arrays and row
 * sample (large when the regime or the information estimates ask for many rows), so `inFlight`
 * is also capped by IN_FLIGHT_COMOMENT_BYTES, never by the number of shards.
 * `requested` (a positive integer) overrides the count; `workers` (as AnalyzeOptions.workers)
 * the kernel threads.
 */
export function shardConcurrency(shardsToRead: number, dim: number, options: { requested?: number; workers?: number; cores?: number; sampleRows?: number } = {}): ShardConcurrency {
  const cores = Math.max(1, options.cores ?? availableCores());
  let inFlight = options.requested !== undefined ? Math.max(1, Math.floor(options.requested)) : cores;
  inFlight = Math.max(1, Math.min(inFlight, shardsToRead));
  let kernelWorkers = options.workers ?? (cores >= 2 ? Math.max(1, Math.floor(Math.min(2, cores) / inFlight)) : 0);
  if (options.requested === undefined) {
    while (inFlight > 1 && inFlight * shardBytes(dim, kernelWorkers, options.sampleRows ?? 0) > IN_FLIGHT_COMOMENT_BYTES) inFlight--;
    if (options.workers === undefined && cores >= 2) kernelWorkers = Math.max(1, Math.floor(Math.min(2, cores) / inFlight));
  }
  return { inFlight, kernelWorkers };
}
