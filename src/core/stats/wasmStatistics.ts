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
 * The threads: Accumulator (statisticsAccumulator.ts) on the calling thread, or WorkerLanes
 * (statisticsWorkerLane.ts) on worker threads running statisticsWorkerScript.ts, which outlive
 * a WasmStatistics, idle between analyses (statisticsWorkerPool.ts).
 *
 * Float64 values near the limits (±1e308) overflow the kernels' sums. Each float64 block is
 * scanned for them first; from the first one on, the mean is also kept as a scaled compensated
 * sum (scaledMean.ts), started from a snapshot of every accumulator's rows so far, and gives the
 * mean where the kernels' came out non-finite. (Float32 values cannot overflow a float64 sum.)
 */
import { kernelsModule } from '../linalg/wasmKernels';
import type { StatisticsResult } from './streamingStatistics';
import { largestFiniteMagnitude, OVERFLOW_SAFE_MAGNITUDE, ScaledColumnSums } from './scaledMean';
import { RowIndexRecorder } from './rowIndices';
import { Accumulator, PANEL, type BlockResult, type M2Sink, type Summary, type WasmElement } from './statisticsAccumulator';
import { availableCores } from './statisticsWorkerPool';
import { WorkerLane } from './statisticsWorkerLane';

export type { WasmElement } from './statisticsAccumulator';

/** Duplicate-key shards: one JS Set holds at most 2²⁴ entries. */
const KEY_SHARDS = 16;

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
    const available = availableCores();
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
