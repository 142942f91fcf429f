/**
 * One WebAssembly instance of the statistics kernels (wasm/kernels.c) accumulating rows on the
 * calling thread, and what every accumulator reports, on this thread or on a worker thread
 * (statisticsWorkerScript.ts mirrors it): each block's norms and keys, then a summary and M2.
 */
import { allocOrThrow, instantiateKernels, type KernelExports } from '../linalg/wasmKernels';
import { nonFiniteRows } from './nonFiniteRows';

// (float32 and float64 kernels share everything below but the panel width and the exports)

export type WasmElement = 'float32' | 'float64';
/** Dimensions per panel (and M2 tile side) of each kernel. */
export const PANEL: Record<WasmElement, number> = { float32: 8, float64: 4 };

/** What one accumulator (one thread) reports at the end, before its M2. */
export interface Summary {
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
export type M2Sink = (pi0: number, pi1: number, tiles: Float64Array) => void;

/** Bytes of M2 per message from a worker: the copy a worker makes is bounded by this, not by dim². */
const M2_PART_BYTES = 4 << 20;

/** Splits tile rows [0, panels) into groups of about M2_PART_BYTES: [pi0, pi1, first tile, end tile]. */
export function tileRowGroups(panels: number, pw: number): [number, number, number, number][] {
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

/** One WebAssembly instance accumulating rows; used on the calling thread (workers run STATISTICS_WORKER_SOURCE). */
export class Accumulator {
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
export interface BlockResult {
  norms: Float64Array;
  keys: Float64Array;
  nonFinite: Map<number, 'nan' | 'inf'> | null;
  rowKeys: Float64Array | null;
}