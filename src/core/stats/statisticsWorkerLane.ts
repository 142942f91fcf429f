/**
 * One statistics worker thread (statisticsWorkerScript.ts, taken from and given back to
 * statisticsWorkerPool.ts) seen from the calling thread: its queue of blocks and its messages.
 */
import type { Worker } from 'node:worker_threads';
import { PANEL, tileRowGroups, type BlockResult, type M2Sink, type Summary, type WasmElement } from './statisticsAccumulator';
import { returnWorker, takeWorker } from './statisticsWorkerPool';

interface Pending { resolve: () => void; reject: (e: unknown) => void }

/** A worker thread running one Accumulator, with at most `depth` blocks queued. */
export class WorkerLane {
  private readonly worker: Worker;
  private inFlight = 0;
  private waiting: Pending[] = [];
  private failure: unknown = null;
  private finishResolve: (() => void) | null = null;
  private finishReject: ((e: unknown) => void) | null = null;
  private onSummary: ((s: Summary) => void) | null = null;
  private onM2: M2Sink | null = null;
  private onSnapshot: ((s: Summary) => void) | null = null;
  private snapshotReject: ((e: unknown) => void) | null = null;
  private closed = false;
  private finished = false;
  private readonly onMessage: (m: { type: string; seq: number; summary: Summary; pi0: number; pi1: number; tiles: Float64Array } & BlockResult) => void;
  private readonly onError: (e: unknown) => void;
  private readonly onExit: (code: number) => void;

  constructor(module: WebAssembly.Module, private readonly dim: number, maxRows: number, private readonly element: WasmElement,
              private readonly depth: number, withRowKeys: boolean,
              private readonly onRows: (seq: number, result: BlockResult) => void) {
    this.worker = takeWorker(module);
    this.onMessage = (m) => {
      try {
        if (m.type === 'rows') {
          this.inFlight--;
          this.onRows(m.seq, m);
          this.waiting.shift()?.resolve();
        } else if (m.type === 'summary') {
          this.onSummary?.(m.summary);
        } else if (m.type === 'snapshot') {
          this.onSnapshot?.(m.summary);
        } else if (m.type === 'm2') {
          this.onM2?.(m.pi0, m.pi1, m.tiles);
        } else if (m.type === 'done') {
          this.finished = true;
          this.finishResolve?.();
        }
      } catch (e) {
        this.fail(e);
      }
    };
    this.onError = (e) => this.fail(e);
    this.onExit = (code) => { if (!this.closed) this.fail(new Error(`statistics worker exited with code ${code}`)); };
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    this.worker.postMessage({ type: 'init', dim, maxRows, element, withRowKeys });
  }

  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.waiting) w.reject(e);
    this.waiting = [];
    this.finishReject?.(e);
    this.snapshotReject?.(e);
  }

  /** Sends a block (its buffer is transferred); resolves when the lane has room for another. */
  async send(seq: number, block: Float32Array | Float64Array, rows: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.inFlight++;
    // Transfer only a buffer the block owns whole (never a view into someone else's bytes).
    const owned = block.byteOffset === 0 && block.byteLength === block.buffer.byteLength && !(block.buffer instanceof SharedArrayBuffer)
      ? block : block.slice();
    this.worker.postMessage({ type: 'rows', seq, buffer: owned.buffer, byteOffset: owned.byteOffset, rows }, [owned.buffer as ArrayBuffer]);
    if (this.inFlight >= this.depth) await new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** The rows this lane has taken so far (after every block sent before), flushed; it goes on taking rows. */
  snapshot(): Promise<Summary> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Summary>((resolve, reject) => {
      this.onSnapshot = (s) => { this.onSnapshot = null; this.snapshotReject = null; resolve(s); };
      this.snapshotReject = reject;
      this.worker.postMessage({ type: 'snapshot' });
    });
  }

  /** Asks for the summary and then M2, in tile-row groups; resolves after the last group. */
  async finish(panels: number, onSummary: (s: Summary) => void, onM2: M2Sink): Promise<void> {
    if (this.failure) throw this.failure;
    this.onSummary = onSummary;
    this.onM2 = onM2;
    return new Promise<void>((resolve, reject) => {
      this.finishResolve = resolve;
      this.finishReject = reject;
      const pw = PANEL[this.element];
      this.worker.postMessage({ type: 'finish', groups: tileRowGroups(panels, pw), tileDoubles: pw * pw });
    });
  }

  /** Gives the worker back for reuse when it finished cleanly, else ends it (it may be mid-block). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    if (this.finished && !this.failure) await returnWorker(this.worker, this.dim);
    else await this.worker.terminate();
  }
}