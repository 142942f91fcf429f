/**
 * The statistics of StreamingStatistics computed by the WebAssembly SIMD kernels of
 * wasm/kernels.c — stats_* for float32 rows, stats64_* for float64 rows — optionally on worker
 * threads that split the row blocks.
 *
 * Float64 rows: float64 products and sums throughout (4×4 register tiles of f64x2 multiply-adds),
 * chunks of 256 rows centred on their own mean and merged with Chan et al.'s update, as in
 * StreamingStatistics; results agree with it to rounding (~1e-15 relative), not bit for bit.
 *
 * Float32 rows:
 * Accuracy: each chunk of 256 finite rows is centred on its own mean (rounded to float32, so
 * x − centre is exact near the centre and otherwise rounded relative to its own size), its
 * cross-product is summed in float32 (sums of 32 products, eight of which are added in float32
 * over the chunk) and added into float64 once per chunk, and chunks are merged with Chan et al.'s
 * update in float64. Each float32 sum is within about (32 + 8)·2⁻²⁴ ≈ 2.4e-6 of the sum of its
 * products' magnitudes (typically ~1e-8 after the float64 summation of many of them); eigenvalues
 * agree with numpy's float64 to about 1e-7 relative on
 * the bench's power-law data (docs/performance.md), entries to about 1e-8 of the diagonal.
 * Chunks with centred values beyond 2^±40 in magnitude are accumulated in float64.
 *
 * Rows are classified (NaN, ±Inf, all-zero), normed and hashed for duplicates exactly like
 * StreamingStatistics does (keys hash the float32 bits, −0 as +0). The kernels return a norm and
 * a key per finite row only; when a block has fewer finite rows than rows, the thread that ran the
 * kernels scans it for the NaN and ±Inf rows (a block without any costs no scan), and the blocks'
 * norms and keys are then taken in row order on the calling thread, so each duplicate is matched
 * with the first row it repeats and each zero row (norm 0) is named. With `onRowKeys`, the
 * kernels also compute the finite rows' hashRow keys (rowHash.ts, the keys a dataset's partial
 * keeps; wasm/kernels.c computes them bit for bit, several rows per SIMD vector, in the same pass
 * over the block), so that the calling thread only collects them.
 *
 * Worker threads outlive a WasmStatistics: finished ones wait, idle and unreferenced, for the
 * next (up to the number of cores, and up to POOLED_MAX_DIM dimensions so that an idle thread
 * holds little memory), so a dataset of many shards or an editor session of many analyses (the
 * extension's analysis worker thread lives on between them) starts a thread and instantiates the
 * kernels once, not once per shard or analysis.
 *
 * Float64 values near the limits (±1e308) overflow the kernels' sums. Each float64 block is
 * scanned for them first; from the first one on, the mean is also kept as a scaled compensated
 * sum (scaledMean.ts), started from a snapshot of every accumulator's rows so far, and gives the
 * mean where the kernels' came out non-finite. (Float32 values cannot overflow a float64 sum.)
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { allocOrThrow, instantiateKernels, kernelsModule, type KernelExports } from '../linalg/wasmKernels';
import type { StatisticsResult } from './streamingStatistics';
import { OVERFLOW_SAFE_MAGNITUDE, ScaledColumnSums } from './scaledMean';
import { RowIndexRecorder } from './rowIndices';

// (float32 and float64 kernels share everything below but the panel width and the exports)

export type WasmElement = 'float32' | 'float64';
/** Dimensions per panel (and M2 tile side) of each kernel. */
const PANEL: Record<WasmElement, number> = { float32: 8, float64: 4 };
/** Duplicate-key shards: one JS Set holds at most 2²⁴ entries. */
const KEY_SHARDS = 16;

/** What one accumulator (one thread) reports at the end, before its M2. */
interface Summary {
  count: number;
  nanRows: number;
  infRows: number;
  zeroRows: number;
  /** Mean of the rows minus `shift` (float64 rows are shifted by their first chunk's mean). */
  mean: Float64Array;
  shift: Float64Array | null;
}

/**
 * Receives an accumulator's M2 in pieces: the packed upper tiles (see wasm/kernels.c, tile
 * (pi ≤ pj) of 8×8 doubles, row of tiles after row of tiles) of tile rows pi0 ≤ pi < pi1.
 */
type M2Sink = (pi0: number, pi1: number, tiles: Float64Array) => void;

/** Bytes of M2 per message from a worker: the copy a worker makes is bounded by this, not by dim². */
const M2_PART_BYTES = 4 << 20;

/** Splits tile rows [0, panels) into groups of about M2_PART_BYTES: [pi0, pi1, first tile, end tile]. */
function tileRowGroups(panels: number, pw: number): [number, number, number, number][] {
  const groups: [number, number, number, number][] = [];
  let pi0 = 0, t0 = 0, t = 0;
  for (let pi = 0; pi < panels; pi++) {
    t += panels - pi;
    if ((t - t0) * pw * pw * 8 >= M2_PART_BYTES || pi === panels - 1) {
      groups.push([pi0, pi + 1, t0, t]);
      pi0 = pi + 1;
      t0 = t;
    }
  }
  return groups;
}

/** One WebAssembly instance accumulating rows; used on the calling thread (workers run WORKER_SOURCE). */
class Accumulator {
  private readonly k: KernelExports;
  private readonly st: number;
  private inPtr = 0;
  private inRows = 0;
  private normsPtr = 0;
  private keysPtr = 0;
  private rowKeysPtr = 0;
  private readonly size: number;

  constructor(private readonly dim: number, maxRows: number, private readonly element: WasmElement, private readonly withRowKeys: boolean) {
    const k = instantiateKernels();
    if (!k) throw new Error('WebAssembly SIMD is not available');
    this.k = k;
    this.size = element === 'float64' ? 8 : 4;
    this.st = (element === 'float64' ? k.stats64_create(dim) : k.stats_create(dim)) >>> 0;
    if (!this.st) throw new RangeError(`WebAssembly memory exhausted for a ${dim}-dimensional covariance`);
    this.reserve(maxRows);
  }

  private reserve(rows: number): void {
    if (rows <= this.inRows) return;
    this.inPtr = allocOrThrow(this.k, rows * this.dim * this.size);
    this.normsPtr = allocOrThrow(this.k, rows * 8);
    this.keysPtr = allocOrThrow(this.k, rows * 8);
    this.rowKeysPtr = this.withRowKeys ? allocOrThrow(this.k, rows * 8) : 0;
    this.inRows = rows;
  }

  add(block: Float32Array | Float64Array, rows: number): BlockResult {
    this.reserve(rows);
    const mem = this.k.memory.buffer;
    const n = rows * this.dim;
    if (this.element === 'float64') new Float64Array(mem, this.inPtr, n).set(block.subarray(0, n));
    else new Float32Array(mem, this.inPtr, n).set(block.subarray(0, n));
    const finite = this.element === 'float64'
      ? this.k.stats64_add_rows(this.st, this.inPtr, rows, this.normsPtr, this.keysPtr, this.rowKeysPtr)
      : this.k.stats_add_rows(this.st, this.inPtr, rows, this.normsPtr, this.keysPtr, this.rowKeysPtr);
    const buf = this.k.memory.buffer;
    const nonFinite = finite < rows ? nonFiniteRows(block, rows, this.dim) : null;
    return {
      norms: new Float64Array(buf, this.normsPtr, finite).slice(),
      keys: new Float64Array(buf, this.keysPtr, finite).slice(),
      nonFinite,
      rowKeys: this.withRowKeys ? new Float64Array(buf, this.rowKeysPtr, finite).slice() : null,
    };
  }

  /** Flushes the pending chunk (more rows may follow) and reports the rows so far. */
  snapshot(): Summary {
    const { k, st, dim } = this;
    if (this.element === 'float64') k.stats64_flush(st);
    else k.stats_flush(st);
    const buf = k.memory.buffer;
    return {
      count: k.stats_count(st),
      nanRows: k.stats_nan_rows(st),
      infRows: k.stats_inf_rows(st),
      zeroRows: k.stats_zero_rows(st),
      mean: new Float64Array(buf, k.stats_mean(st) >>> 0, dim).slice(),
      shift: k.stats_shift(st) ? new Float64Array(buf, k.stats_shift(st) >>> 0, dim).slice() : null,
    };
  }

  /** Flushes, reports the summary, then hands M2 over in tile-row groups (views, no copies). */
  finish(onSummary: (s: Summary) => void, onM2: M2Sink): void {
    const { k, st, dim } = this;
    onSummary(this.snapshot());
    const buf = k.memory.buffer;
    const m2 = k.stats_m2(st) >>> 0;
    const pw = PANEL[this.element];
    for (const [pi0, pi1, t0, t1] of tileRowGroups(Math.ceil(dim / pw), pw)) {
      onM2(pi0, pi1, new Float64Array(buf, m2 + t0 * pw * pw * 8, (t1 - t0) * pw * pw));
    }
  }
}

/** What the kernels return for one block, with its NaN/±Inf rows (null when every row is finite) and, when asked, its finite rows' hashRow keys. */
interface BlockResult {
  norms: Float64Array;
  keys: Float64Array;
  nonFinite: Map<number, 'nan' | 'inf'> | null;
  rowKeys: Float64Array | null;
}

/**
 * The worker: a self-contained script (run with eval, so that it works from any bundle). It
 * receives the compiled module in workerData, instantiates it once, and mirrors Accumulator with
 * the same exports for each WasmStatistics that takes it ('init': the kernels' memory is reset).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const nonFiniteRows = (${nonFiniteRows});
const k = new WebAssembly.Instance(workerData.module, {}).exports;
const alloc = (n) => { const p = k.alloc(n) >>> 0; if (!p) throw new RangeError('WebAssembly memory exhausted'); return p; };
let dim, f64, Arr, st, inPtr, normsPtr, keysPtr, rowKeysPtr;
parentPort.on('message', (m) => {
  if (m.type === 'init') {
    k.reset();
    dim = m.dim;
    f64 = m.element === 'float64';
    Arr = f64 ? Float64Array : Float32Array;
    st = (f64 ? k.stats64_create(dim) : k.stats_create(dim)) >>> 0;
    if (!st) throw new RangeError('WebAssembly memory exhausted');
    inPtr = alloc(m.maxRows * dim * Arr.BYTES_PER_ELEMENT); normsPtr = alloc(m.maxRows * 8); keysPtr = alloc(m.maxRows * 8);
    rowKeysPtr = m.withRowKeys ? alloc(m.maxRows * 8) : 0;
  } else if (m.type === 'rows') {
    const block = new Arr(m.buffer, m.byteOffset, m.rows * dim);
    new Arr(k.memory.buffer, inPtr, m.rows * dim).set(block);
    const finite = (f64 ? k.stats64_add_rows : k.stats_add_rows)(st, inPtr, m.rows, normsPtr, keysPtr, rowKeysPtr);
    const norms = new Float64Array(k.memory.buffer, normsPtr, finite).slice();
    const keys = new Float64Array(k.memory.buffer, keysPtr, finite).slice();
    const nonFinite = finite < m.rows ? nonFiniteRows(block, m.rows, dim) : null;
    const rowKeys = rowKeysPtr ? new Float64Array(k.memory.buffer, rowKeysPtr, finite).slice() : null;
    parentPort.postMessage({ type: 'rows', seq: m.seq, norms, keys, nonFinite, rowKeys }, rowKeys ? [norms.buffer, keys.buffer, rowKeys.buffer] : [norms.buffer, keys.buffer]);
  } else if (m.type === 'finish' || m.type === 'snapshot') {
    (f64 ? k.stats64_flush : k.stats_flush)(st);
    const mean = new Float64Array(k.memory.buffer, k.stats_mean(st) >>> 0, dim).slice();
    const shiftPtr = k.stats_shift(st) >>> 0;
    const shift = shiftPtr ? new Float64Array(k.memory.buffer, shiftPtr, dim).slice() : null;
    parentPort.postMessage({ type: m.type === 'finish' ? 'summary' : 'snapshot', summary: { count: k.stats_count(st), nanRows: k.stats_nan_rows(st),
      infRows: k.stats_inf_rows(st), zeroRows: k.stats_zero_rows(st), mean, shift } }, [mean.buffer]);
    if (m.type === 'snapshot') return;
    const m2 = k.stats_m2(st) >>> 0;
    for (const [pi0, pi1, t0, t1] of m.groups) {
      const tiles = new Float64Array(k.memory.buffer, m2 + t0 * m.tileDoubles * 8, (t1 - t0) * m.tileDoubles).slice();
      parentPort.postMessage({ type: 'm2', pi0, pi1, tiles }, [tiles.buffer]);
    }
    parentPort.postMessage({ type: 'done' });
  }
});
`;

interface Pending { resolve: () => void; reject: (e: unknown) => void }

/** Statistics workers waiting for their next WasmStatistics (unreferenced: they never keep the process alive). */
const idleWorkers: Worker[] = [];
/**
 * Only a worker whose kernels' memory stayed small waits idle (WebAssembly memory never shrinks):
 * up to this dimension, M2's packed tiles take 8·d²/2 bytes, 17 MB at 2,048, beside a 4 MB block.
 */
const POOLED_MAX_DIM = 2048;

function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Workers waiting for their next WasmStatistics (for tests and benchmarks). */
export function idleStatisticsWorkers(): number {
  return idleWorkers.length;
}

/** An idle worker, or a new one. */
function takeWorker(module: WebAssembly.Module): Worker {
  const idle = idleWorkers.pop();
  if (idle) {
    idle.ref();
    return idle;
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
  // an idle worker that dies (it should not) is simply not reused
  worker.on('exit', () => { const i = idleWorkers.indexOf(worker); if (i >= 0) idleWorkers.splice(i, 1); });
  worker.on('error', () => undefined);
  return worker;
}

/** Keeps a worker that finished cleanly for the next WasmStatistics, up to one per core and if its memory is small; ends the others. */
async function returnWorker(worker: Worker, dim: number): Promise<void> {
  if (idleWorkers.length < cores() && dim <= POOLED_MAX_DIM) {
    worker.unref();
    idleWorkers.push(worker);
  } else {
    await worker.terminate();
  }
}

/** A worker thread running one Accumulator, with at most `depth` blocks queued. */
class WorkerLane {
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

export interface WasmStatisticsOptions {
  /** Element type of the rows passed to `add`. Default 'float32'. */
  element?: WasmElement;
  /** Worker threads (0: all work on the calling thread). Default: min(2, available cores), 0 when only one. */
  workers?: number;
  /** Largest number of rows passed to one `add` call. */
  maxBlockRows: number;
  /** Count rows identical to an earlier row. Default true. */
  hashDuplicates?: boolean;
  /** Records which rows are NaN, ±Inf, zero, duplicate and finite (default: a recorder of its own). */
  rowIndices?: RowIndexRecorder;
  /**
   * Receives the hashRow keys (rowHash.ts) of the finite rows, block after block in row order,
   * computed by the threads that run the kernels.
   */
  onRowKeys?: (keys: Float64Array) => void;
}

/** A block handed to an accumulator, waiting for its norms and keys. */
interface SentBlock { firstRow: number; rows: number }

/** True when the kernels can run here (WebAssembly SIMD available). */
export function wasmStatisticsAvailable(): boolean {
  return kernelsModule() !== null;
}

/**
 * One-pass statistics of float32 or float64 rows; `add` takes ownership of each block (its
 * buffer may be transferred to a worker thread), so pass a fresh block each time.
 */
export class WasmStatistics {
  private readonly lanes: WorkerLane[] = [];
  private local: Accumulator | null = null;
  private seq = 0;
  private rowsSeen = 0;
  private readonly normParts: Float64Array[] = [];
  /** Blocks by seq, and what the kernels returned once back: taken in seq (row) order by `takeInOrder`. */
  private readonly sent: (SentBlock | undefined)[] = [];
  private readonly results: (BlockResult | undefined)[] = [];
  private readonly onRowKeys: ((keys: Float64Array) => void) | undefined;
  private nextToTake = 0;
  private readonly recorder: RowIndexRecorder;
  /** Duplicate-key shards: key → the first row (global index) with it. */
  private readonly seen: Map<number, number>[] = [];
  private duplicateRows = 0;
  private readonly hashDuplicates: boolean;
  private closed = false;
  private readonly element: WasmElement;
  private readonly pw: number;
  /** Started by the first float64 value beyond OVERFLOW_SAFE_MAGNITUDE (see the file comment). */
  private scaledSums: ScaledColumnSums | null = null;

  constructor(private readonly dim: number, options: WasmStatisticsOptions) {
    if (!(Number.isSafeInteger(dim) && dim >= 1)) throw new RangeError(`dim must be a positive integer (got ${dim})`);
    this.hashDuplicates = options.hashDuplicates ?? true;
    this.element = options.element ?? 'float32';
    this.pw = PANEL[this.element];
    for (let s = 0; s < KEY_SHARDS; s++) this.seen.push(new Map<number, number>());
    this.recorder = options.rowIndices ?? new RowIndexRecorder();
    this.onRowKeys = options.onRowKeys;
    const available = cores();
    const workers = Math.max(0, Math.floor(options.workers ?? (available >= 2 ? Math.min(2, available) : 0)));
    const module = kernelsModule();
    if (!module) throw new Error('WebAssembly SIMD is not available');
    if (workers > 0) {
      for (let w = 0; w < workers; w++) {
        this.lanes.push(new WorkerLane(module, dim, options.maxBlockRows, this.element, 2, this.onRowKeys !== undefined, (seq, r) => this.collect(seq, r)));
      }
    } else {
      this.local = new Accumulator(dim, options.maxBlockRows, this.element, this.onRowKeys !== undefined);
    }
  }

  /** Threads running the kernels: the worker threads, or 1 (the calling thread). */
  get threads(): number {
    return this.lanes.length || 1;
  }

  private collect(seq: number, result: BlockResult): void {
    this.normParts[seq] = result.norms;
    this.results[seq] = result;
    this.takeInOrder();
  }

  /** Records the rows of every block back from its accumulator whose predecessors are all back (lanes answer out of order). */
  private takeInOrder(): void {
    for (let seq = this.nextToTake; this.sent[seq] && this.results[seq]; seq = ++this.nextToTake) {
      const { firstRow, rows } = this.sent[seq]!;
      const { norms, keys, nonFinite, rowKeys } = this.results[seq]!;
      if (rowKeys) this.onRowKeys?.(rowKeys);
      for (let r = 0, f = 0; r < rows; r++) {
        const row = firstRow + r;
        const kind = nonFinite?.get(r);
        if (kind === 'nan') { this.recorder.nan(row); continue; }
        if (kind === 'inf') { this.recorder.inf(row); continue; }
        this.recorder.finite(row);
        if (norms[f] === 0) this.recorder.zero(row);
        if (this.hashDuplicates) {
          const key = keys[f];
          const shard = this.seen[key % KEY_SHARDS];
          const earlier = shard.get(key);
          if (earlier === undefined) shard.set(key, row);
          else { this.duplicateRows++; this.recorder.duplicate(row, earlier); }
        }
        f++;
      }
      this.sent[seq] = undefined;
      this.results[seq] = undefined;
    }
  }

  /**
   * Adds `rows` rows (row-major, at least rows × dim values, of the element type), the global rows
   * firstRow, firstRow + 1, … (default: numbered in the order added). Takes ownership of `block`.
   */
  async add(block: Float32Array | Float64Array, rows: number, firstRow: number = this.rowsSeen): Promise<void> {
    if (this.closed) throw new Error('WasmStatistics: add() after finish()');
    if ((block instanceof Float64Array) !== (this.element === 'float64')) {
      throw new TypeError(`WasmStatistics: ${this.element} rows expected`);
    }
    if (!(Number.isSafeInteger(rows) && rows >= 0 && rows * this.dim <= block.length)) {
      throw new RangeError(`block holds ${block.length} values, fewer than ${rows} rows × ${this.dim}`);
    }
    if (rows === 0) return;
    if (this.element === 'float64') {
      if (!this.scaledSums && largestFiniteMagnitude(block, rows * this.dim) >= OVERFLOW_SAFE_MAGNITUDE) await this.startScaledSums();
      // before the block is handed over (its buffer may be transferred)
      this.scaledSums?.addFiniteRows(block, rows);
    }
    const seq = this.seq++;
    this.sent[seq] = { firstRow, rows };
    this.rowsSeen += rows;
    if (this.local) {
      this.collect(seq, this.local.add(block, rows));
      return;
    }
    await this.lanes[seq % this.lanes.length].send(seq, block, rows);
  }

  /** The scaled sums of every row taken so far, from each accumulator's snapshot (their sums are finite: no large value yet). */
  private async startScaledSums(): Promise<void> {
    const parts = this.local ? [this.local.snapshot()] : await Promise.all(this.lanes.map(l => l.snapshot()));
    const sums = new ScaledColumnSums(this.dim);
    for (const p of parts) {
      if (p.count === 0) continue;
      for (let i = 0; i < this.dim; i++) sums.addTo(i, ((p.shift ? p.shift[i] : 0) + p.mean[i]) * p.count);
      sums.count += p.count;
    }
    this.scaledSums = sums;
  }

  /**
   * Completes the statistics (and stops the workers). With `covarianceInto` (dim × dim), the
   * covariance is built in that array (say, an eigenvalue solver's workspace) instead of a new one.
   */
  async finish(options: { covarianceInto?: Float64Array } = {}): Promise<StatisticsResult> {
    if (this.closed) throw new Error('WasmStatistics: finish() twice');
    this.closed = true;
    const dim = this.dim;
    const PW = this.pw;
    const panels = Math.ceil(dim / PW);
    let count = 0, nanRows = 0, infRows = 0, zeroRows = 0;
    // Running mean relative to `ref` (the first accumulator's shift): differences of shifts are
    // exact for nearby values, so a large common offset costs no precision in δ.
    let ref: Float64Array | null = null;
    let mean = new Float64Array(dim);
    // M2 in full row-major storage (upper triangle filled, mirrored at the end).
    let m2: Float64Array | null = null;
    // Chan et al.'s merge of each accumulator (na rows so far, nb new): M2 += M2_b + w·δδᵀ.
    let delta = new Float64Array(dim);
    let w = 0;
    const onSummary = (p: Summary) => {
      nanRows += p.nanRows; infRows += p.infRows; zeroRows += p.zeroRows;
      const na = count, nb = p.count, n = na + nb;
      if (nb === 0) { w = 0; delta.fill(0); return; }
      if (!m2) {
        if (options.covarianceInto && options.covarianceInto.length >= dim * dim) {
          m2 = options.covarianceInto.subarray(0, dim * dim);
          m2.fill(0);
        } else {
          m2 = new Float64Array(dim * dim);
        }
      }
      if (!ref) ref = p.shift ? Float64Array.from(p.shift) : new Float64Array(dim);
      const rel = new Float64Array(dim);
      for (let i = 0; i < dim; i++) rel[i] = ((p.shift ? p.shift[i] : 0) - ref[i]) + p.mean[i];
      w = na > 0 ? (na * nb) / n : 0;
      delta = new Float64Array(dim);
      for (let i = 0; i < dim; i++) delta[i] = rel[i] - mean[i];
      if (na === 0) mean = rel;
      else for (let i = 0; i < dim; i++) mean[i] += (delta[i] * nb) / n;
      count = n;
    };
    const onM2: M2Sink = (pi0, pi1, tiles) => {
      if (!m2) return; // an accumulator without rows
      const target: Float64Array = m2;
      let t = 0;
      for (let pi = pi0; pi < pi1; pi++) {
        for (let pj = pi; pj < panels; pj++, t += PW * PW) {
          for (let a = 0; a < PW; a++) {
            const i = pi * PW + a;
            if (i >= dim) break;
            const di = delta[i] * w;
            const row = i * dim;
            const jStart = Math.max(pj * PW, i);
            const jEnd = Math.min(pj * PW + PW, dim);
            for (let j = jStart, b = jStart - pj * PW; j < jEnd; j++, b++) target[row + j] += tiles[t + a * PW + b] + di * delta[j];
          }
        }
      }
    };
    try {
      if (this.local) this.local.finish(onSummary, onM2);
      // One lane at a time, closing each before the next hands over its M2: bounded memory.
      for (const lane of this.lanes) {
        await lane.finish(panels, onSummary, onM2);
        await lane.close();
      }
    } finally {
      await Promise.all(this.lanes.map(l => l.close()));
    }
    this.local = null;
    let variance: Float64Array | null = null;
    let covariance: Float64Array | null = null;
    if (count >= 2 && m2) {
      const c: Float64Array = m2;
      const scale = 1 / (count - 1);
      variance = new Float64Array(dim);
      for (let i = 0; i < dim; i++) {
        const row = i * dim;
        for (let j = i; j < dim; j++) {
          const v = c[row + j] * scale;
          c[row + j] = v;
          c[j * dim + i] = v;
        }
        variance[i] = c[row + i];
      }
      covariance = c;
    }
    let total = 0;
    for (const part of this.normParts) total += part?.length ?? 0;
    const rowNorms = new Float64Array(total);
    let off = 0;
    for (const part of this.normParts) { if (part) { rowNorms.set(part, off); off += part.length; } }
    return {
      dim,
      rowsSeen: this.rowsSeen,
      nanRows,
      infRows,
      count,
      zeroRows,
      duplicateRows: this.duplicateRows,
      duplicatesHashed: this.hashDuplicates,
      mean: count > 0 ? this.repairedMean(mean.map((m, i) => (ref ? ref[i] : 0) + m)) : new Float64Array(0),
      variance,
      covariance,
      rowNorms,
      rows: this.recorder.result(),
    };
  }

  private repairedMean(mean: Float64Array): Float64Array {
    this.scaledSums?.repair(mean);
    return mean;
  }

  /** Stops the workers without a result (cancellation, errors). */
  async abort(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map(l => l.close()));
  }
}

/** The rows of block holding a NaN ('nan') or else a ±Inf ('inf'), by position in the block. */
function nonFiniteRows(block: Float32Array | Float64Array, rows: number, dim: number): Map<number, 'nan' | 'inf'> {
  const found = new Map<number, 'nan' | 'inf'>();
  for (let r = 0; r < rows; r++) {
    const base = r * dim;
    // v − v is NaN exactly when v is NaN or ±Inf; four sums, so the adds do not wait on each other
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let i = 0;
    for (; i + 3 < dim; i += 4) {
      const a = block[base + i], b = block[base + i + 1], c = block[base + i + 2], d = block[base + i + 3];
      s0 += a - a; s1 += b - b; s2 += c - c; s3 += d - d;
    }
    for (; i < dim; i++) { const v = block[base + i]; s0 += v - v; }
    const s = s0 + s1 + s2 + s3;
    if (s === s) continue;
    let nan = false;
    for (let k = 0; k < dim && !nan; k++) nan = block[base + k] !== block[base + k];
    found.set(r, nan ? 'nan' : 'inf');
  }
  return found;
}

/** The largest magnitude among the finite values of block[0, n) (NaN and ±Inf rows are not averaged). */
function largestFiniteMagnitude(block: Float32Array | Float64Array, n: number): number {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(block[i]);
    if (a > largest && a !== Infinity) largest = a;
  }
  return largest;
}
