import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { finiteRowKeys, hashRow } from '../../src/core/stats/rowHash';
import { kernelsAreRelaxed, kernelsBytes, type KernelExports } from '../../src/core/linalg/wasmKernels';
import { WasmStatistics } from '../../src/core/stats/wasmStatistics';

/**
 * The SIMD row keys of wasm/kernels.c (several rows per vector) against hashRow, the plain
 * TypeScript definition, row by row: every value kind the bit patterns can hold.
 */

/** Deterministic uniform values in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
}

/** Random rows with NaN, ±Inf, −0, +0, subnormals, huge and tiny values, a repeated row and a row equal to another but for −0. */
function mixedRows(rows: number, dim: number, seed: number, Type: Float32ArrayConstructor | Float64ArrayConstructor): Float32Array | Float64Array {
  const r = lcg(seed);
  const specials = Type === Float32Array
    ? [NaN, Infinity, -Infinity, -0, 0, 1e-45, -1.4e-40, 3.4e38, 1e-30]
    : [NaN, Infinity, -Infinity, -0, 0, 5e-324, -2e-310, 1.7e308, 1e-300];
  const x = new Type(rows * dim).map(() => {
    const u = r();
    if (u < 0.05) return specials[Math.floor(r() * specials.length)];
    return (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6);
  });
  if (rows >= 4) {
    x.copyWithin(dim, 0, dim); // row 1 = row 0
    for (let i = 0; i < dim; i++) if (x[i] === 0) x[dim + i] = Object.is(x[i], -0) ? 0 : -0; // but its zeros of the other sign
    x.copyWithin(3 * dim, 2 * dim, 3 * dim); // row 3 = row 2
  }
  return x;
}

/** hashRow of every row, widened to float64 as the dataset does. */
function referenceKeys(x: Float32Array | Float64Array, rows: number, dim: number): number[] {
  const wide = new Float64Array(dim), words = new Uint32Array(wide.buffer);
  return Array.from({ length: rows }, (_, r) => { wide.set(x.subarray(r * dim, (r + 1) * dim)); return hashRow(wide, words, 0, dim); });
}

const DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 33, 127, 768, 769];
const ROWS = [1, 3, 15, 16, 17, 33, 50];

function builds(): KernelExports[] {
  kernelsAreRelaxed(); // loads the kernels, which enables relaxed SIMD where the runtime has it behind a flag
  return [false, true].filter(relaxed => WebAssembly.validate(kernelsBytes(relaxed)))
    .map(relaxed => new WebAssembly.Instance(new WebAssembly.Module(kernelsBytes(relaxed)), {}).exports as unknown as KernelExports);
}

test('row_keys_f32 / row_keys_f64 equal hashRow on random rows (NaN, ±Inf, −0, subnormals; odd lengths; any row count), in both builds', () => {
  let compared = 0;
  for (const k of builds()) {
    for (const Type of [Float32Array, Float64Array]) {
      for (const dim of DIMS) for (const rows of ROWS) {
        k.reset();
        const x = mixedRows(rows, dim, 1000 * dim + rows, Type);
        const inp = k.alloc(x.byteLength) >>> 0, out = k.alloc(rows * 8) >>> 0;
        new Type(k.memory.buffer, inp, x.length).set(x);
        (Type === Float32Array ? k.row_keys_f32 : k.row_keys_f64)(inp, rows, dim, out);
        const got = [...new Float64Array(k.memory.buffer, out, rows)];
        const expected = referenceKeys(x, rows, dim);
        assert.deepEqual(got, expected, `${Type.name}, ${rows} × ${dim}`);
        if (rows >= 4) assert.equal(got[1], got[0], 'a row equal to another but for the sign of its zeros has its key');
        compared += rows;
      }
    }
  }
  assert.ok(compared > 0);
});

test('stats_add_rows / stats64_add_rows write the finite rows\' hashRow keys in row order (as finiteRowKeys)', () => {
  for (const k of builds()) {
    for (const Type of [Float32Array, Float64Array]) {
      for (const dim of [3, 13, 768]) for (const rows of [17, 50]) {
        k.reset();
        const x = mixedRows(rows, dim, 7 * dim + rows, Type);
        const f64 = Type === Float64Array;
        const st = (f64 ? k.stats64_create(dim) : k.stats_create(dim)) >>> 0;
        const inp = k.alloc(x.byteLength) >>> 0, norms = k.alloc(rows * 8) >>> 0, keys = k.alloc(rows * 8) >>> 0, rowKeys = k.alloc(rows * 8) >>> 0;
        new Type(k.memory.buffer, inp, x.length).set(x);
        const finite = (f64 ? k.stats64_add_rows : k.stats_add_rows)(st, inp, rows, norms, keys, rowKeys);
        const expected = [...finiteRowKeys(x, rows, dim)];
        assert.equal(finite, expected.length, `${Type.name}, ${rows} × ${dim}: finite rows`);
        assert.deepEqual([...new Float64Array(k.memory.buffer, rowKeys, finite)], expected, `${Type.name}, ${rows} × ${dim}`);
      }
    }
  }
});

test('WasmStatistics onRowKeys of float64 rows: hashRow keys, on workers and on the calling thread', async () => {
  const rows = 83, dim = 11, blockRows = 20;
  const x = mixedRows(rows, dim, 5, Float64Array) as Float64Array;
  const expected = [...finiteRowKeys(x, rows, dim)];
  for (const workers of [2, 0]) {
    const got: number[] = [];
    const stats = new WasmStatistics(dim, { workers, element: 'float64', maxBlockRows: blockRows, onRowKeys: keys => got.push(...keys) });
    for (let r = 0; r < rows; r += blockRows) {
      const n = Math.min(blockRows, rows - r);
      await stats.add(x.slice(r * dim, (r + n) * dim), n);
    }
    await stats.finish();
    assert.deepEqual(got, expected, `workers: ${workers}`);
  }
});
