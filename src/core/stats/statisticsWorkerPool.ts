/**
 * The statistics worker threads outlive a WasmStatistics: finished ones wait, idle and
 * unreferenced, for the next (up to the number of cores, and up to POOLED_MAX_DIM dimensions so
 * that an idle thread holds little memory), so a dataset of many shards or an editor session of
 * many analyses (the extension's analysis worker thread lives on between them) starts a thread
 * and instantiates the kernels once, not once per shard or analysis.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { STATISTICS_WORKER_SOURCE } from './statisticsWorkerScript';

/** Statistics workers waiting for their next WasmStatistics (unreferenced: they never keep the process alive). */
const idleWorkers: Worker[] = [];
/**
 * Only a worker whose kernels' memory stayed small waits idle (WebAssembly memory never shrinks):
 * up to this dimension, M2's packed tiles take 8·d²/2 bytes, 17 MB at 2,048, beside a 4 MB block.
 */
const POOLED_MAX_DIM = 2048;

/** Cores this process may use: the default number of kernel threads, and of idle workers kept. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Workers waiting for their next WasmStatistics (for tests and benchmarks). */
export function idleStatisticsWorkers(): number {
  return idleWorkers.length;
}

/** An idle worker, or a new one. */
export function takeWorker(module: WebAssembly.Module): Worker {
  const idle = idleWorkers.pop();
  if (idle) {
    idle.ref();
    return idle;
  }
  const worker = new Worker(STATISTICS_WORKER_SOURCE, { eval: true, workerData: { module } });
  // an idle worker that dies (it should not) is simply not reused
  worker.on('exit', () => { const i = idleWorkers.indexOf(worker); if (i >= 0) idleWorkers.splice(i, 1); });
  worker.on('error', () => undefined);
  return worker;
}

/** Keeps a worker that finished cleanly for the next WasmStatistics, up to one per core and if its memory is small; ends the others. */
export async function returnWorker(worker: Worker, dim: number): Promise<void> {
  if (idleWorkers.length < availableCores() && dim <= POOLED_MAX_DIM) {
    worker.unref();
    idleWorkers.push(worker);
  } else {
    await worker.terminate();
  }
}