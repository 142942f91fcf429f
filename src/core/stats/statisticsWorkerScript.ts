import { nonFiniteRows } from './nonFiniteRows';

/**
 * The statistics worker: a self-contained script (run with eval, so that it works from any
 * bundle). It receives the compiled module in workerData, instantiates it once, and mirrors
 * Accumulator (statisticsAccumulator.ts) with the same exports for each WasmStatistics that takes
 * it ('init': the kernels' memory is reset). Its messages are those of WorkerLane
 * (statisticsWorkerLane.ts). Whatever it embeds by `${…}` must be self-contained source.
 */
export const STATISTICS_WORKER_SOURCE = `
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