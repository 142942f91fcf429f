import { Worker } from 'node:worker_threads';
import { promises as fs, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';
import type { AnalyzeOptions } from '../core/analysis/analyzeDump';
import type { AnalysisReport } from '../core/report/analysisReport';
import { asEmbdiagError, EmbdiagError, PLEASE_REPORT } from '../core/errors';
import type { FromWorker, TaskResult, ToWorker, WorkerTask } from './workerProtocol';
import type { RawShape } from '../core/formats/dumpFile';

/** A failed analysis, with the core's error code (`file-missing`, `bad-header`, ..., `cancelled`, `internal`). */
export class AnalysisError extends Error {
  constructor(readonly code: string, message: string) { super(message); this.name = 'AnalysisError'; }
}

/**
 * Any failure as an AnalysisError: the service's own unchanged, anything else (a bug on the host
 * side) as `internal` with a plain sentence; the JavaScript text is not shown.
 */
export function asAnalysisError(e: unknown, what = 'The analysis'): AnalysisError {
  if (e instanceof AnalysisError) return e;
  const err = asEmbdiagError(e, what);
  return new AnalysisError(err.code, err.message);
}

type Progress = (fraction: number, message: string) => void;

export interface RunOptions {
  onProgress?: Progress;
  token?: vscode.CancellationToken;
  /** A quick sampled report before the exact one (analyze tasks whose options ask for quickFirstPass). */
  onPartial?: (report: AnalysisReport) => void;
}

/** What the worker is doing now. */
export interface AnalysisActivity { running: string | undefined; queued: number; fraction: number; message: string }

interface Subscriber { resolve(r: unknown): void; reject(e: unknown): void; onProgress?: Progress; onPartial?: (r: AnalysisReport) => void }

interface Job {
  id: number;
  key: string;
  path: string;
  task: WorkerTask;
  subscribers: Set<Subscriber>;
  started?: number;
  /** Set while the job waits for its file to settle after it changed during analysis. */
  settling?: NodeJS.Timeout;
  /** After settling, the job for the same file that someone else had started, which this one now waits on. */
  forwardedTo?: { job: Job; forwarder: Subscriber };
}

/** The task with a remembered raw shape applied where it reads that file and gives none of its own. */
export function withRawShape(task: WorkerTask, shapeOf: (fsPath: string) => RawShape | undefined): WorkerTask {
  if (task.type === 'analyze' && !task.options.raw) {
    const raw = shapeOf(task.path);
    return raw ? { ...task, options: { ...task.options, raw } } : task;
  }
  if (task.type === 'information' && !task.flags.raw) {
    const raw = shapeOf(task.path);
    return raw ? { ...task, flags: { ...task.flags, raw } } : task;
  }
  if (task.type === 'umap' && !task.shards && !task.options.raw) {
    const raw = shapeOf(task.path);
    return raw ? { ...task, options: { ...task.options, raw } } : task;
  }
  if (task.type === 'regime' && !task.load.raw) {
    const raw = shapeOf(task.path);
    return raw ? { ...task, load: { ...task.load, raw } } : task;
  }
  return task;
}

const CACHE_LIMIT = 64;

/** A file that changed during analysis is re-run once its size and mtime have held still this long. */
export const SETTLE_MS = 1500;
/** How long to wait for a file that keeps changing before giving up with `file-changed`. */
const MAX_SETTLE_WAIT_MS = 10 * 60_000;

/**
 * Runs analyses in one worker thread (two cores: one for the editor, one for us),
 * queues them, shares a running analysis between callers asking for the same file,
 * caches results by path + size + mtime + options, and cancels by terminating the worker.
 * A file that changes during analysis (a training job still writing) is re-run for the same
 * callers once it has settled; they are told so through their progress callback.
 */
export class AnalysisService {
  private worker: Worker | undefined;
  private running: Job | undefined;
  private readonly queue: Job[] = [];
  private readonly jobsByKey = new Map<string, Job>();
  /** Jobs whose file changed during analysis, waiting for it to settle (neither queued nor running). */
  private readonly settlingJobs = new Set<Job>();
  /** LRU: Map keeps insertion order; a hit is re-inserted. */
  private readonly cache = new Map<string, unknown>();
  private nextId = 1;
  private readonly activityListeners = new Set<(activity: AnalysisActivity) => void>();

  /** `rawShapeOf`: the remembered dtype and dimension of a headerless raw file (see rawShapes.ts), applied to its tasks. */
  constructor(private readonly workerScript: string, private readonly log: (line: string) => void,
    private readonly rawShapeOf: (fsPath: string) => RawShape | undefined = () => undefined) {}

  /** Called whenever an analysis starts, progresses or ends (for the status bar). Returns an unsubscribe function. */
  onActivity(listener: (activity: AnalysisActivity) => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** Stops the running analysis and drops the queue; every waiting caller gets AnalysisError('cancelled'). */
  cancelAll(): void {
    const jobs = [...this.queue, ...(this.running ? [this.running] : []), ...this.settlingJobs];
    this.queue.length = 0;
    for (const job of jobs) this.fail(job, new AnalysisError('cancelled', 'Analysis cancelled.'));
    if (this.running) {
      this.log(`cancelled ${this.running.path}`);
      this.running = undefined;
      const w = this.worker;
      this.worker = undefined;
      void w?.terminate();
    }
    this.emitActivity();
  }

  private emitActivity(fraction = 0, message = ''): void {
    const activity: AnalysisActivity = this.running
      ? { running: this.running.path, queued: this.queue.length, fraction, message }
      : { running: undefined, queued: this.queue.length, fraction: 0, message: '' };
    for (const l of this.activityListeners) l(activity);
  }

  /** The cached report for the file as it is now on disk, if any. */
  async cached(path: string, options: AnalyzeOptions): Promise<AnalysisReport | undefined> {
    const key = await this.keyFor(withRawShape({ type: 'analyze', path, options }, this.rawShapeOf)).catch(() => undefined);
    return key ? this.cacheGet(key) as AnalysisReport | undefined : undefined;
  }

  /** The cached result of any task for the file as it is now on disk, if any. */
  async cachedTask<T extends WorkerTask>(task: T): Promise<TaskResult<T['type']> | undefined> {
    const key = await this.keyFor(withRawShape(task, this.rawShapeOf)).catch(() => undefined);
    return key ? this.cacheGet(key) as TaskResult<T['type']> | undefined : undefined;
  }

  /**
   * Analyse `path` (from cache when the file has not changed). The promise rejects with
   * AnalysisError('cancelled') when `token` fires; the work itself stops only when no
   * other caller is waiting for the same result.
   */
  analyze(path: string, options: AnalyzeOptions, opts: RunOptions = {}): Promise<AnalysisReport> {
    return this.run({ type: 'analyze', path, options }, opts);
  }

  /** Any worker task, with the same caching, sharing and cancellation as `analyze`. */
  async run<T extends WorkerTask>(given: T, opts: RunOptions = {}): Promise<TaskResult<T['type']>> {
    const task = withRawShape(given, this.rawShapeOf) as T;
    const { path } = task;
    let key: string;
    try {
      key = await this.keyFor(task);
    } catch (e) {
      if (e instanceof EmbdiagError) throw new AnalysisError(e.code, e.message);
      const code = (e as NodeJS.ErrnoException).code;
      throw new AnalysisError(code === 'ENOENT' ? 'file-missing' : 'unreadable',
        code === 'ENOENT' ? `${path}: no such file.` : `${path}: cannot be read (${code ?? String(e)}).`);
    }
    const hit = this.cacheGet(key);
    if (hit) return hit as TaskResult<T['type']>;
    if (opts.token?.isCancellationRequested) throw new AnalysisError('cancelled', 'Analysis cancelled.');

    let job = this.jobsByKey.get(key);
    if (!job) {
      job = { id: this.nextId++, key, path, task, subscribers: new Set() };
      this.jobsByKey.set(key, job);
      this.queue.push(job);
    }
    const theJob = job;
    return new Promise<TaskResult<T['type']>>((resolve, reject) => {
      const sub: Subscriber = { resolve: resolve as (r: unknown) => void, reject, onProgress: opts.onProgress, onPartial: opts.onPartial };
      theJob.subscribers.add(sub);
      opts.token?.onCancellationRequested(() => {
        if (!theJob.subscribers.delete(sub)) return;
        reject(new AnalysisError('cancelled', 'Analysis cancelled.'));
        if (theJob.subscribers.size === 0) this.cancelJob(theJob);
      });
      this.pump();
    });
  }

  invalidate(path: string): void {
    this.invalidateWhere(p => p === path);
  }

  /** Drops the cached results of every file (or dataset path) `stale` says yes to. */
  invalidateWhere(stale: (path: string) => boolean): void {
    for (const key of [...this.cache.keys()]) if (stale(key.slice(0, key.indexOf('\0')))) this.cache.delete(key);
  }

  clear(): void { this.cache.clear(); }

  dispose(): void {
    for (const job of [...this.queue, ...(this.running ? [this.running] : []), ...this.settlingJobs]) this.fail(job, new AnalysisError('cancelled', 'Extension is shutting down.'));
    this.queue.length = 0;
    this.running = undefined;
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private async keyFor(task: WorkerTask): Promise<string> {
    if (task.type === 'dataset') return this.datasetKeyFor(task);
    const stat: Stats = await fs.stat(task.path);
    let st: { size: number; mtimeMs: number } = stat;
    // a Zarr store is a folder: it is stale when any of its files changes
    if (!stat.isFile()) {
      const { isZarrDirectory, storeStamp } = await import('./onDemand');
      if (!stat.isDirectory() || !await isZarrDirectory(task.path)) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      st = await storeStamp(task.path);
    }
    // asking for a quick first report does not change the result: share the job and the cache entry
    const identity = JSON.stringify(task, (k, v) => (k === 'quickFirstPass' ? undefined : v));
    // a task on two files (the covariance distance) is stale when either changes
    const other = 'otherPath' in task ? await fs.stat(task.otherPath) : undefined;
    return `${task.path}\0${st.size}\0${st.mtimeMs}\0${other ? `${other.size}\0${other.mtimeMs}\0` : ''}${identity}`;
  }

  /** A dataset is stale when a shard is added, removed or changed: its key lists every shard's size and mtime. */
  private async datasetKeyFor(task: Extract<WorkerTask, { type: 'dataset' }>): Promise<string> {
    const { expandDatasetPaths } = await import('./onDemand');
    const files = await expandDatasetPaths([task.path]);
    const shards = await Promise.all(files.map(async f => { const st = await fs.stat(f); return `${f}:${st.size}:${st.mtimeMs}`; }));
    const digest = createHash('sha256').update(shards.join('\n')).digest('hex').slice(0, 32);
    return `${task.path}\0${files.length}\0${digest}\0${JSON.stringify(task)}`;
  }

  private cacheGet(key: string): unknown {
    const hit = this.cache.get(key);
    if (hit) { this.cache.delete(key); this.cache.set(key, hit); }
    return hit;
  }

  private cachePut(key: string, report: unknown): void {
    // results for an older version of the same file are stale; other results for this version stay
    const [file, size, mtime] = key.split('\0', 3);
    const version = `${file}\0${size}\0${mtime}\0`;
    for (const k of [...this.cache.keys()]) if (k.startsWith(`${file}\0`) && !k.startsWith(version)) this.cache.delete(k);
    this.cache.set(key, report);
    while (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerScript);
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (e) => {
      this.log(`worker error: ${e.stack ?? e.message}`);
      // the stack is in the output channel (above); the user gets a sentence, not JavaScript text
      if (this.running) this.fail(this.running, new AnalysisError('internal', `The analysis of ${this.running.path} stopped: its worker thread failed. ${PLEASE_REPORT}`));
      this.running = undefined;
      this.worker = undefined;
      this.pump();
    });
    w.on('exit', () => { if (this.worker === w) this.worker = undefined; });
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.running = job;
    job.started = Date.now();
    const msg: ToWorker = { id: job.id, task: job.task };
    this.ensureWorker().postMessage(msg);
    this.emitActivity();
  }

  private onMessage(m: FromWorker): void {
    const job = this.running;
    if (!job || job.id !== m.id) return; // a message from a job cancelled meanwhile
    if (m.type === 'partial') {
      for (const s of job.subscribers) s.onPartial?.(m.report);
      return;
    }
    if (m.type === 'progress') {
      for (const s of job.subscribers) s.onProgress?.(m.fraction, m.message);
      this.emitActivity(m.fraction, m.message);
      return;
    }
    this.running = undefined;
    this.jobsByKey.delete(job.key);
    if (m.type === 'result') {
      // some tasks answer nothing (row metadata of a dump without any): null
      const r = (m.result ?? {}) as Partial<AnalysisReport>;
      const detail = typeof r.rowsUsed === 'number' ? `: ${r.rowsUsed} of ${r.rowsTotal} rows x ${r.dim}` : '';
      this.log(`${job.task.type} ${job.path}${detail} in ${Date.now() - job.started!} ms`);
      void this.finishIfUnchanged(job, m.result);
    } else if (m.code === 'file-changed') {
      this.rerunWhenSettled(job, m.message);
    } else {
      this.log(`failed ${job.path}: ${m.code}: ${m.message}${m.detail ? `\n${m.detail}` : ''}`);
      this.fail(job, new AnalysisError(m.code, m.message));
    }
    this.pump();
    this.emitActivity();
  }

  /** Cache only if the file did not change while it was read (a training job may still be writing). */
  private async finishIfUnchanged(job: Job, report: unknown): Promise<void> {
    const keyNow = await this.keyFor(job.task).catch(() => undefined);
    if (keyNow === job.key) {
      this.cachePut(job.key, report);
      for (const s of job.subscribers) s.resolve(report);
      return;
    }
    this.rerunWhenSettled(job, `${job.path}: the file changed during analysis.`);
  }

  /**
   * The file changed while the job read it: tell the callers, wait until size and mtime hold still
   * for SETTLE_MS, then run the job again for them (under the new key). A file that vanishes fails
   * the job with `file-missing`; one that never settles, with `file-changed`.
   */
  private rerunWhenSettled(job: Job, reason: string): void {
    this.log(`${reason} Re-analysing once it settles.`);
    this.jobsByKey.delete(job.key);
    for (const s of job.subscribers) s.onProgress?.(0, 'File changed during analysis; re-analysing once it stops changing');
    const since = Date.now();
    let last = '';
    let stableSince = Date.now();
    this.settlingJobs.add(job);
    const poll = async () => {
      job.settling = undefined;
      if (job.subscribers.size === 0) { this.settlingJobs.delete(job); return; } // every caller went away meanwhile
      let key: string;
      try {
        key = await this.keyFor(job.task);
      } catch {
        this.fail(job, new AnalysisError('file-missing', `${job.path}: the file disappeared while it was being analysed.`));
        return;
      }
      if (job.subscribers.size === 0) { this.settlingJobs.delete(job); return; }
      if (key !== last) { last = key; stableSince = Date.now(); }
      if (Date.now() - stableSince >= SETTLE_MS) {
        const other = this.jobsByKey.get(key);
        this.settlingJobs.delete(job);
        if (other) {
          // Someone already asked for the settled file: wait on that job.
          const forwarder: Subscriber = {
            resolve: r => { for (const s of job.subscribers) s.resolve(r); job.subscribers.clear(); },
            reject: e => { for (const s of job.subscribers) s.reject(e); job.subscribers.clear(); },
            onProgress: (f, msg) => { for (const s of job.subscribers) s.onProgress?.(f, msg); },
            onPartial: r => { for (const s of job.subscribers) s.onPartial?.(r); },
          };
          other.subscribers.add(forwarder);
          job.forwardedTo = { job: other, forwarder };
          return;
        }
        const hit = this.cacheGet(key);
        if (hit) {
          for (const s of job.subscribers) s.resolve(hit);
          job.subscribers.clear();
          return;
        }
        job.key = key;
        job.id = this.nextId++;
        this.jobsByKey.set(key, job);
        this.queue.push(job);
        this.pump();
        this.emitActivity();
        return;
      }
      if (Date.now() - since > MAX_SETTLE_WAIT_MS) {
        this.fail(job, new AnalysisError('file-changed', `${reason} It kept changing for ${Math.round(MAX_SETTLE_WAIT_MS / 60_000)} minutes; analyse it again when the writer has finished.`));
        return;
      }
      job.settling = setTimeout(() => void poll(), Math.min(250, SETTLE_MS));
    };
    job.settling = setTimeout(() => void poll(), Math.min(250, SETTLE_MS));
  }

  private fail(job: Job, err: AnalysisError): void {
    clearTimeout(job.settling);
    job.settling = undefined;
    this.settlingJobs.delete(job);
    if (this.jobsByKey.get(job.key) === job) this.jobsByKey.delete(job.key);
    for (const s of job.subscribers) s.reject(err);
    job.subscribers.clear();
  }

  private cancelJob(job: Job): void {
    clearTimeout(job.settling);
    job.settling = undefined;
    this.settlingJobs.delete(job);
    if (job.forwardedTo) {
      const { job: other, forwarder } = job.forwardedTo;
      job.forwardedTo = undefined;
      if (other.subscribers.delete(forwarder) && other.subscribers.size === 0) this.cancelJob(other);
      return;
    }
    if (this.jobsByKey.get(job.key) === job) this.jobsByKey.delete(job.key);
    const i = this.queue.indexOf(job);
    if (i >= 0) { this.queue.splice(i, 1); return; }
    if (this.running === job) {
      this.log(`cancelled ${job.path}`);
      this.running = undefined;
      const w = this.worker;
      this.worker = undefined;
      void w?.terminate();
      this.pump();
    }
    this.emitActivity();
  }
}
