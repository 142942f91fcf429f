/**
 * The blocked Householder reduction on two threads (wasm/eigenThreads.c, built with shared
 * memory into wasm/eigen-threads.wasm and embedded, base64, in ./eigenThreadsWasm.ts): the
 * calling thread runs the reduction and a worker thread, instantiated over the same memory,
 * takes half of every step's matrix–vector product and of every block's rank-2k update.
 * Synchronous for the caller (it waits in WebAssembly's atomic wait, which Node allows on the
 * main thread). Where shared WebAssembly memory is unavailable, twoThreadInstance() is null
 * and callers use the one-thread reduction of kernels.wasm.
 */
import { Worker } from 'node:worker_threads';
import { EIGEN_THREADS_RELAXED_WASM_BASE64, EIGEN_THREADS_WASM_BASE64 } from './eigenThreadsWasm';
import { allocOrThrow, compileOptimised, kernelsModule, type ReductionExports } from './wasmKernels';

interface TwoThreadExports extends ReductionExports {
  __stack_pointer: WebAssembly.Global;
  team_create(n: number): number;
  team_worker(team: number): void;
  team_quit(team: number): void;
  tridiagonalize_two_threads(w: number, n: number, d: number, e: number, scratch: number, team: number): void;
  tridiagonalize_two_stage_threads(w: number, n: number, nb: number, d: number, e: number, scratch: number, team: number): void;
}

/** An instance of the two-thread module over its own shared memory. */
export interface TwoThreadInstance {
  k: TwoThreadExports;
  memory: WebAssembly.Memory;
  /** The module's bytes, which the worker compiles for itself. */
  bytes: Uint8Array<ArrayBuffer>;
}

/** The worker's stack (the module's functions need little; its instance must not share ours). */
const WORKER_STACK_BYTES = 65536;
/** Int32 offsets in struct Team (wasm/eigenThreads.c): ready, then the order counter. */
const TEAM_READY = 32;
const TEAM_ORDERS = 33;

let compiled: { module: WebAssembly.Module; bytes: Uint8Array<ArrayBuffer> } | null | undefined;

/** The raw module bytes: the relaxed-SIMD build or the SIMD128 one. */
export function eigenThreadsBytes(relaxed: boolean): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(relaxed ? EIGEN_THREADS_RELAXED_WASM_BASE64 : EIGEN_THREADS_WASM_BASE64, 'base64'));
}

/** The compiled module (relaxed SIMD when the runtime has it), or null without shared memory or SIMD. */
function twoThreadModule(): { module: WebAssembly.Module; bytes: Uint8Array<ArrayBuffer> } | null {
  if (compiled === undefined) {
    compiled = null;
    // kernelsModule() first: it sets the relaxed-SIMD flag where the runtime needs one.
    if (kernelsModule() && typeof SharedArrayBuffer === 'function') {
      const bytes = [eigenThreadsBytes(true), eigenThreadsBytes(false)].find(b => WebAssembly.validate(b));
      const module = bytes ? compileOptimised(bytes) : null;
      compiled = bytes && module ? { module, bytes } : null;
    }
  }
  return compiled;
}

/** A fresh instance over a new shared memory, or null where that is unavailable. */
export function twoThreadInstance(): TwoThreadInstance | null {
  const compiledModule = twoThreadModule();
  if (!compiledModule) return null;
  const { module, bytes } = compiledModule;
  try {
    // 16 pages: the module's declared minimum; the bump allocator grows it in place.
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Omit<TwoThreadExports, 'memory'>;
    return { k: { ...exports, memory }, memory, bytes };
  } catch {
    return null;
  }
}

/** The team (the threads' shared control block) and the worker's stack, allocated with the reduction's buffers. */
export function allocTeam(t: TwoThreadInstance, n: number): { team: number; stackTop: number } {
  const team = t.k.team_create(n) >>> 0;
  if (!team) throw new RangeError('WebAssembly memory exhausted allocating the reduction\'s team');
  return { team, stackTop: allocOrThrow(t.k, WORKER_STACK_BYTES) + WORKER_STACK_BYTES };
}

/**
 * Runs tridiagonalize_two_threads (or, with a `bandwidth`, the two-stage reduction
 * tridiagonalize_two_stage_threads through a band that wide) on buffers allocated in `t`
 * (allocTeam's `team` and `stackTop` among them; a team serves one reduction). The worker starts in the background and takes its
 * halves from the moment it is ready; `awaitWorker` (tests) waits for it first, so that even a
 * small reduction is shared. Returns how many halves the worker took.
 */
export function reduceOnTwoThreads(t: TwoThreadInstance, n: number, p: { w: number; d: number; e: number; scratch: number; team: number; stackTop: number; bandwidth: number },
                                   options: { awaitWorker?: boolean } = {}): number {
  const control = new Int32Array(t.memory.buffer, p.team, TEAM_ORDERS + 1);
  try {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes: t.bytes, memory: t.memory, team: p.team, stackTop: p.stackTop } });
    worker.unref();
    // A worker that fails before it is ready leaves all the work to this thread; once ready it only runs our kernels.
    worker.on('error', () => undefined);
    if (options.awaitWorker) Atomics.wait(control, TEAM_READY, 0, 30_000);
  } catch {
    // no worker thread here: the reduction runs on this thread alone
  }
  if (p.bandwidth) t.k.tridiagonalize_two_stage_threads(p.w, n, p.bandwidth, p.d, p.e, p.scratch, p.team);
  else t.k.tridiagonalize_two_threads(p.w, n, p.d, p.e, p.scratch, p.team);
  const orders = Atomics.load(control, TEAM_ORDERS);
  t.k.team_quit(p.team);
  return orders;
}

/**
 * The worker: instantiates the module over the shared memory, on a stack of its own, and takes
 * orders until told to quit. It compiles the bytes itself, eagerly by TurboFan like
 * compileOptimised: a module received from another thread ran its one long call (team_worker)
 * unoptimised, about 0.4 s slower at 4,096 dimensions.
 */
const WORKER_SOURCE = `
const { workerData: { bytes, memory, team, stackTop } } = require('node:worker_threads');
const v8 = require('node:v8');
const set = (flag) => { try { v8.setFlagsFromString(flag); return true; } catch { return false; } };
const liftoff = set('--no-liftoff'), eager = set('--no-wasm-lazy-compilation');
let module;
try { module = new WebAssembly.Module(bytes); } finally { if (liftoff) set('--liftoff'); if (eager) set('--wasm-lazy-compilation'); }
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
k.__stack_pointer.value = stackTop;
k.team_worker(team);
`;
