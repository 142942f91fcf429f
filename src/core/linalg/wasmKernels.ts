/**
 * Loader of the WebAssembly SIMD kernels (wasm/kernels.c, built by wasm/build.sh and committed
 * both as wasm/kernels.wasm + wasm/kernels-relaxed.wasm and, base64, as ./kernelsWasm.ts). Each caller gets its own
 * instance, so its memory is released with it; the compiled module is shared.
 */
import * as v8 from 'node:v8';
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernelsWasm';

export interface KernelExports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  reset(): void;
  stats_create(dim: number): number;
  /** rowKeys: where the finite rows' hashRow keys go (rowHash.ts), or 0 for none. */
  stats_add_rows(stats: number, rows: number, count: number, norms: number, keys: number, rowKeys: number): number;
  stats_flush(stats: number): void;
  stats_m2(stats: number): number;
  stats_mean(stats: number): number;
  stats_shift(stats: number): number;
  stats_count(stats: number): number;
  stats_nan_rows(stats: number): number;
  stats_inf_rows(stats: number): number;
  stats_zero_rows(stats: number): number;
  stats_wide_chunks(stats: number): number;
  stats_dim_pad(stats: number): number;
  stats64_create(dim: number): number;
  stats64_add_rows(stats: number, rows: number, count: number, norms: number, keys: number, rowKeys: number): number;
  /** The hashRow key (rowHash.ts) of every row, finite or not. */
  row_keys_f32(rows: number, count: number, dim: number, keys: number): void;
  row_keys_f64(rows: number, count: number, dim: number, keys: number): void;
  stats64_flush(stats: number): void;
  tridiagonalize(w: number, n: number, d: number, e: number, q: number, next: number): void;
  tridiagonalize_blocked_scratch(n: number): number;
  tridiagonalize_blocked(w: number, n: number, d: number, e: number, scratch: number): void;
  two_stage_scratch(n: number, nb: number): number;
  tridiagonalize_two_stage(w: number, n: number, nb: number, d: number, e: number, scratch: number): void;
}

/** The exports an eigenvalue reduction needs (both kernels.wasm and eigen-threads.wasm have them). */
export type ReductionExports = Pick<KernelExports, 'memory' | 'alloc' | 'tridiagonalize' | 'tridiagonalize_blocked_scratch' | 'tridiagonalize_blocked'
  | 'two_stage_scratch' | 'tridiagonalize_two_stage'>;

let compiled: WebAssembly.Module | null | undefined;
let compiledRelaxed = false;

/**
 * The compiled module, or null when this runtime lacks WebAssembly SIMD (callers then use plain
 * JS). The relaxed-SIMD build (fused multiply-adds) when the runtime validates it, else the
 * SIMD128 one.
 */
export function kernelsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const relaxed = kernelsBytes(true);
    // Relaxed SIMD ships in V8 ≥ 11.4; Node 20's V8 (11.3) has it behind this flag. Set it only
    // where the module does not validate without it (V8 complains on stderr about unknown flags).
    if (!WebAssembly.validate(relaxed) && /^11\.3\./.test(process.versions.v8)) setFlag('--experimental-wasm-relaxed-simd');
    // Our kernels are few, long-running calls: V8's baseline tier (Liftoff) would run a whole
    // O(n³) call unoptimised (wasm has no on-stack replacement), 2–3x slower. Compile this module
    // optimised, then give the process its default back for anyone else's modules.
    // Eagerly: V8 compiles wasm functions lazily, on their first call, with the flags of that
    // moment — after the restore below, that would be Liftoff again (the eigenvalue reduction,
    // a single call, then ran 2x slower). Eager TurboFan compilation costs ~80 ms of CPU, on
    // V8's background threads as well.
    compiledRelaxed = WebAssembly.validate(relaxed);
    compiled = compileOptimised(compiledRelaxed ? relaxed : kernelsBytes(false));
  }
  return compiled;
}

/**
 * A module compiled eagerly by TurboFan (see kernelsModule: our calls are few and long, and a
 * function compiled lazily would get the flags of its first call's moment), or null when the
 * bytes do not compile here. Call after kernelsModule(), which sets the relaxed-SIMD flag.
 */
export function compileOptimised(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  const liftoff = setFlag('--no-liftoff');
  const eager = setFlag('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return null;
  } finally {
    if (liftoff) setFlag('--liftoff');
    if (eager) setFlag('--wasm-lazy-compilation');
  }
}

/** True when the loaded kernels are the relaxed-SIMD build (for reports and benchmarks). */
export function kernelsAreRelaxed(): boolean {
  kernelsModule();
  return compiledRelaxed;
}

function setFlag(flag: string): boolean {
  try {
    v8.setFlagsFromString(flag);
    return true;
  } catch {
    return false; // a runtime that refuses flags keeps its defaults: slower, still correct
  }
}

/** The raw module bytes: the relaxed-SIMD build or the SIMD128 one. */
export function kernelsBytes(relaxed = false): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(relaxed ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64, 'base64'));
}

/** A fresh instance with its own memory, or null when WebAssembly SIMD is unavailable. */
export function instantiateKernels(): KernelExports | null {
  const mod = kernelsModule();
  if (!mod) return null;
  return new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
}

/** Allocates in the instance's memory; throws RangeError when the memory cannot grow that far. */
export function allocOrThrow(k: Pick<KernelExports, 'alloc'>, bytes: number): number {
  const p = bytes <= 0xffffffff ? k.alloc(bytes) >>> 0 : 0;
  if (!p) throw new RangeError(`WebAssembly memory exhausted allocating ${bytes} bytes`);
  return p;
}
