import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WasmStatistics } from '../../src/core/stats/wasmStatistics';
import { StreamingStatistics, type StatisticsResult } from '../../src/core/stats/streamingStatistics';
import { gramEigenvalues } from '../../src/core/linalg/gramEigenvalues';
import { EigenWorkspace, symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { KERNELS_RELAXED_WASM_SHA256, KERNELS_WASM_SHA256 } from '../../src/core/linalg/kernelsWasm';
import { kernelsAreRelaxed, kernelsBytes, type KernelExports } from '../../src/core/linalg/wasmKernels';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import { REPO_ROOT, assertAllClose } from './support';
import { npyBytes } from './npyFiles';

/** Deterministic uniform values in [-0.5, 0.5). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => { s = (s * 16807) % 2147483647; return s / 2147483647 - 0.5; };
}

/** rows × dim float32 data with a decaying spectrum (dimension j scaled by 1/(j+1)) and an offset. */
function spectrumData(rows: number, dim: number, seed = 7, offset = 0.3): Float32Array {
  const r = lcg(seed);
  const out = new Float32Array(rows * dim);
  const mix = Array.from({ length: dim }, () => r());
  for (let i = 0; i < rows; i++) {
    let shared = 0;
    for (let j = 0; j < dim; j++) {
      shared += r();
      out[i * dim + j] = offset + r() / (j + 1) + 0.2 * mix[j] * shared / (j + 1);
    }
  }
  return out;
}

/** |actual − expected| ≤ rel · max|expected| entrywise: covariance entries relative to the largest. */
function assertCloseToScale(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= rel * scale)) throw new Error(`${what}[${i}]: expected ${expected[i]}, got ${actual[i]} (|diff| ${diff} > ${rel} × ${scale})`);
  }
}

async function runWasm64(data: Float64Array, dim: number, blockRows: number, workers: number): Promise<StatisticsResult> {
  const st = new WasmStatistics(dim, { element: 'float64', workers, maxBlockRows: blockRows });
  const rows = data.length / dim;
  for (let r = 0; r < rows; r += blockRows) {
    const n = Math.min(blockRows, rows - r);
    await st.add(data.slice(r * dim, (r + n) * dim), n);
  }
  return st.finish();
}

async function run32(data: Float32Array, dim: number, blockRows: number, workers: number): Promise<StatisticsResult> {
  const st = new WasmStatistics(dim, { workers, maxBlockRows: blockRows });
  const rows = data.length / dim;
  for (let r = 0; r < rows; r += blockRows) {
    const n = Math.min(blockRows, rows - r);
    await st.add(data.slice(r * dim, (r + n) * dim), n);
  }
  return st.finish();
}

function run64(data: Float32Array, dim: number): StatisticsResult {
  const st = new StreamingStatistics(dim);
  st.add(Float64Array.from(data), data.length / dim);
  return st.finish();
}

test('the embedded kernels are wasm/kernels.wasm and wasm/kernels-relaxed.wasm (rebuild with wasm/build.sh)', () => {
  for (const [file, sha256, relaxed] of [['kernels.wasm', KERNELS_WASM_SHA256, false], ['kernels-relaxed.wasm', KERNELS_RELAXED_WASM_SHA256, true]] as const) {
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'wasm', file));
    assert.equal(crypto.createHash('sha256').update(committed).digest('hex'), sha256, file);
    assert.deepEqual(Buffer.from(kernelsBytes(relaxed)), committed, file);
  }
  assert.ok(WebAssembly.validate(kernelsBytes(false)), 'the SIMD128 build validates');
});

test('both builds (SIMD128 and relaxed SIMD, when this runtime has it) compute the same statistics and tridiagonal form', () => {
  const dim = 19, rows = 600;
  const data = spectrumData(rows, dim, 23);
  const ref = run64(data, dim);
  const n = 30;
  const r = lcg(29);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = r(); a[i * n + j] = v; a[j * n + i] = v; }
  kernelsAreRelaxed(); // loads the kernels, which enables relaxed SIMD where the runtime has it behind a flag
  const builds = [false, true].filter(relaxed => WebAssembly.validate(kernelsBytes(relaxed)));
  assert.ok(builds.includes(false), 'the SIMD128 build always runs');
  for (const relaxed of builds) {
    const k = new WebAssembly.Instance(new WebAssembly.Module(kernelsBytes(relaxed)), {}).exports as unknown as KernelExports;
    const st = k.stats_create(dim) >>> 0;
    const inp = k.alloc(rows * dim * 4) >>> 0, norms = k.alloc(rows * 8) >>> 0, keys = k.alloc(rows * 8) >>> 0;
    new Float32Array(k.memory.buffer, inp, rows * dim).set(data);
    assert.equal(k.stats_add_rows(st, inp, rows, norms, keys, 0), rows);
    k.stats_flush(st);
    assertAllClose(new Float64Array(k.memory.buffer, k.stats_mean(st) >>> 0, dim), ref.mean, 1e-9, `mean (relaxed ${relaxed})`);
    // tile (0, 0) holds M2 of dimensions 0..7: compare its upper triangle with the float64 covariance
    const tile = new Float64Array(k.memory.buffer, k.stats_m2(st) >>> 0, 64);
    for (let i = 0; i < 8; i++) for (let j = i; j < 8; j++) {
      const expected = ref.covariance![i * dim + j] * (rows - 1);
      assert.ok(Math.abs(tile[i * 8 + j] - expected) <= 1e-6 * ref.covariance![0] * rows, `M2(${i}, ${j}) (relaxed ${relaxed})`);
    }
    const w = k.alloc(n * n * 8) >>> 0, d = k.alloc(n * 8) >>> 0, e = k.alloc(n * 8) >>> 0, q = k.alloc(n * 8) >>> 0, nx = k.alloc(n * 8) >>> 0;
    new Float64Array(k.memory.buffer, w, n * n).set(a);
    k.tridiagonalize(w, n, d, e, q, nx);
    let trace = 0, diag = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    for (const v of new Float64Array(k.memory.buffer, d, n)) diag += v;
    assert.ok(Math.abs(trace - diag) < 1e-12, `the reduction keeps the trace (relaxed ${relaxed})`);
    const fused = { d: new Float64Array(k.memory.buffer, d, n).slice(), e: new Float64Array(k.memory.buffer, e, n).map(Math.abs) };
    const scratch = k.alloc(k.tridiagonalize_blocked_scratch(n) * 8) >>> 0;
    new Float64Array(k.memory.buffer, w, n * n).set(a);
    k.tridiagonalize_blocked(w, n, d, e, scratch);
    // the same reflectors in another order of operations: the same tridiagonal form to rounding
    assertAllClose(new Float64Array(k.memory.buffer, d, n), fused.d, 1e-9, `blocked reduction, diagonal (relaxed ${relaxed})`);
    assertAllClose(new Float64Array(k.memory.buffer, e, n).map(Math.abs), fused.e, 1e-9, `blocked reduction, off-diagonal (relaxed ${relaxed})`);
  }
});

interface StatsFixture {
  name: string; rows: number; dim: number; data: (number | string)[][];
  expected: { rowsSeen: number; nanRows: number; infRows: number; count: number; zeroRows: number; duplicateRows: number;
    mean: number[]; rowNorms: number[]; variance: number[] | null; covariance: number[] | null };
}
const STATS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'stats');
const statsFixtures: StatsFixture[] = fs.readdirSync(STATS_DIR).filter(f => f.startsWith('dataset_')).sort()
  .map(f => JSON.parse(fs.readFileSync(path.join(STATS_DIR, f), 'utf8')) as StatsFixture);
const decodeValue = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

for (const ds of statsFixtures) {
  test(`float64 kernel: numpy (1e-6) and StreamingStatistics (1e-12): ${ds.name}`, async () => {
    const matrix = Float64Array.from(ds.data.flat().map(decodeValue));
    const js = new StreamingStatistics(ds.dim);
    js.add(matrix, ds.rows);
    const ref = js.finish();
    const e = ds.expected;
    for (const [workers, block] of [[0, ds.rows], [2, 7]] as const) {
      const r = await runWasm64(matrix, ds.dim, Math.max(1, block), workers);
      const what = `${workers} workers, blocks of ${block}`;
      assert.deepEqual(
        { rowsSeen: r.rowsSeen, nanRows: r.nanRows, infRows: r.infRows, count: r.count, zeroRows: r.zeroRows, duplicateRows: r.duplicateRows },
        { rowsSeen: e.rowsSeen, nanRows: e.nanRows, infRows: e.infRows, count: e.count, zeroRows: e.zeroRows, duplicateRows: e.duplicateRows }, what);
      assertAllClose(r.mean, e.mean, 1e-6, `mean vs numpy (${what})`);
      assertAllClose(r.rowNorms, e.rowNorms, 1e-6, `rowNorms vs numpy (${what})`);
      assertAllClose(r.rowNorms, ref.rowNorms, 1e-12, `rowNorms vs JS (${what})`);
      if (e.covariance === null) {
        assert.equal(r.covariance, null);
        continue;
      }
      assertAllClose(r.covariance!, e.covariance, 1e-6, `covariance vs numpy (${what})`);
      assertAllClose(r.variance!, e.variance!, 1e-6, `variance vs numpy (${what})`);
      // the 1e6-offset set: both sides lose ~1e-9 of the spread to the offset, differently
      const rel = ds.name.startsWith('offset') ? 1e-8 : 1e-12;
      assertAllClose(r.covariance!, ref.covariance!, rel, `covariance vs JS (${what})`);
      assertAllClose(r.mean, ref.mean, 1e-12, `mean vs JS (${what})`);
    }
  });
}

test('float64 kernel on 2,000 × 45 random rows: StreamingStatistics to 1e-12, huge values norm like it', async () => {
  const dim = 45, rows = 2000;
  const data = Float64Array.from(spectrumData(rows, dim, 31), (v, i) => v + 1e-9 * Math.sin(i));
  data[7 * dim + 3] = 1e200; // one huge row: its norm needs rescaling
  const js = new StreamingStatistics(dim);
  js.add(data.slice(8 * dim), rows - 8);
  const ref = js.finish();
  const got = await runWasm64(data.slice(8 * dim), dim, 333, 2);
  assertAllClose(got.covariance!, ref.covariance!, 1e-12, 'covariance');
  assertAllClose(got.mean, ref.mean, 1e-12, 'mean');
  const norms = await runWasm64(data.slice(0, 10 * dim), dim, 10, 0);
  const jsNorms = new StreamingStatistics(dim);
  jsNorms.add(data.slice(0, 10 * dim), 10);
  assertAllClose(norms.rowNorms, jsNorms.finish().rowNorms, 1e-12, 'row norms incl. a 1e200 entry');
});

test('quarters in [-1, 1] (a lattice, where rounding errors do not cancel): within 1e-7 of float64', async () => {
  const dim = 37, rows = 1000;
  const r = lcg(3);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(r() * 8) / 4; // quarters in [-1, 1]
  const ref = run64(data, dim);
  for (const workers of [0, 2]) {
    const got = await run32(data, dim, 97, workers);
    assertCloseToScale(got.covariance!, ref.covariance!, 1e-7, `covariance (workers ${workers})`);
    assertAllClose(got.mean, ref.mean, 1e-12, 'mean');
    assertAllClose(got.variance!, ref.variance!, 1e-7, 'variance');
    assertAllClose(got.rowNorms, ref.rowNorms, 1e-12, 'row norms');
    assert.equal(got.count, ref.count);
  }
});

test('float32 kernel against float64 statistics: covariance, mean, norms and eigenvalues within 1e-6', async () => {
  const dim = 50, rows = 3000;
  const data = spectrumData(rows, dim);
  const ref = run64(data, dim);
  const got = await run32(data, dim, 256, 0);
  assertCloseToScale(got.covariance!, ref.covariance!, 1e-7, 'covariance');
  assertAllClose(got.variance!, ref.variance!, 1e-6, 'variance');
  assertAllClose(got.mean, ref.mean, 1e-9, 'mean');
  assertAllClose(got.rowNorms, ref.rowNorms, 1e-12, 'row norms');
  assertAllClose(symmetricEigenvalues(got.covariance!, dim), symmetricEigenvalues(ref.covariance!, dim), 1e-6, 'eigenvalues');
});

test('two workers, one worker and the calling thread agree, whatever the block size', async () => {
  const dim = 21, rows = 2500;
  const data = spectrumData(rows, dim, 11);
  const local = await run32(data, dim, 300, 0);
  for (const [workers, block] of [[1, 300], [2, 7], [2, 1024]] as const) {
    const got = await run32(data, dim, block, workers);
    // Each worker chunks its own rows, so float32 partial sums differ: agreement to float32 level.
    assertCloseToScale(got.covariance!, local.covariance!, 1e-7, `covariance, ${workers} workers, blocks of ${block}`);
    assertAllClose(got.mean, local.mean, 1e-12, 'mean');
    assert.deepEqual(Array.from(got.rowNorms), Array.from(local.rowNorms));
  }
});

test('NaN, Inf, zero and duplicate rows are counted like StreamingStatistics (−0 equals +0)', async () => {
  const dim = 13;
  const rows: number[][] = [];
  const r = lcg(5);
  for (let i = 0; i < 40; i++) rows.push(Array.from({ length: dim }, () => r()));
  rows.push(rows[3].slice());                       // duplicate
  rows.push(rows[3].slice());                       // another
  rows.push(new Array(dim).fill(0));                // zero
  rows.push(new Array(dim).fill(-0));               // zero, duplicate of the previous
  rows.push(rows[5].map((v, j) => (j === 12 ? NaN : v)));      // NaN in the scalar tail
  rows.push(rows[6].map((v, j) => (j === 2 ? Infinity : v)));  // Inf in the SIMD body
  rows.push(rows[7].map((v, j) => (j === 1 ? NaN : j === 9 ? -Infinity : v))); // NaN wins
  rows.push(rows[8].map((v, j) => (j === 0 ? 1e-45 : v)));     // subnormal: not a duplicate
  const data = Float32Array.from(rows.flat());
  const ref = run64(data, dim);
  for (const workers of [0, 2]) {
    const got = await run32(data, dim, 5, workers);
    assert.deepEqual(
      { rowsSeen: got.rowsSeen, nanRows: got.nanRows, infRows: got.infRows, count: got.count, zeroRows: got.zeroRows, duplicateRows: got.duplicateRows },
      { rowsSeen: ref.rowsSeen, nanRows: ref.nanRows, infRows: ref.infRows, count: ref.count, zeroRows: ref.zeroRows, duplicateRows: ref.duplicateRows },
    );
    assert.equal(got.duplicateRows, 3);
    assertCloseToScale(got.covariance!, ref.covariance!, 1e-6, 'covariance');
  }
});

test('huge and tiny magnitudes fall back to float64 products; a 1e6 offset keeps full precision', async () => {
  const dim = 9, rows = 700;
  const r = lcg(9);
  for (const [scale, offset] of [[1e30, 0], [1e-30, 0], [0.0625 * 64, 1e6]]) {
    const data = new Float32Array(rows * dim);
    for (let i = 0; i < data.length; i++) data[i] = offset + Math.round(r() * 64) * scale / 64;
    const ref = run64(data, dim);
    const got = await run32(data, dim, 100, 0);
    // float64 products; only x − centre is rounded to float32 (exact near the centre)
    assertCloseToScale(got.covariance!, ref.covariance!, 1e-8, `covariance (scale ${scale}, offset ${offset})`);
    assertAllClose(got.mean, ref.mean, 1e-12, 'mean');
  }
});

test('count < 2: no covariance; no rows: empty mean', async () => {
  const one = await run32(Float32Array.from([1, 2, 3]), 3, 4, 0);
  assert.equal(one.count, 1);
  assert.equal(one.covariance, null);
  assert.equal(one.variance, null);
  assertAllClose(one.mean, [1, 2, 3], 1e-12, 'mean');
  const none = await run32(Float32Array.from([NaN, 2, 3]), 3, 4, 2);
  assert.equal(none.count, 0);
  assert.equal(none.mean.length, 0);
  assert.equal(none.nanRows, 1);
});

test('Gram route: same nonzero eigenvalues as the covariance, the rest 0', () => {
  const dim = 60, m = 25;
  const data = Float64Array.from(spectrumData(m, dim, 13));
  const st = new StreamingStatistics(dim);
  st.add(data, m);
  const ref = st.finish();
  const cov = symmetricEigenvalues(ref.covariance!, dim);
  const gram = gramEigenvalues(data, m, dim, ref.mean);
  assert.equal(gram.length, dim);
  assertAllClose(gram.subarray(0, m - 1), cov.subarray(0, m - 1), 1e-9, 'nonzero eigenvalues');
  for (let i = m; i < dim; i++) assert.equal(gram[i], 0);
});

test('EigenWorkspace: a matrix built in the solver\'s memory gives the eigenvalues of symmetricEigenvalues (JS and WebAssembly)', () => {
  const n = 120;
  const r = lcg(21);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = r(); a[i * n + j] = v; a[j * n + i] = v; }
  const ws = EigenWorkspace.create(n)!;
  assert.ok(ws, 'WebAssembly SIMD is available in the test runtime');
  ws.matrix.set(a);
  const got = ws.eigenvalues();
  assertAllClose(got, symmetricEigenvalues(a, n), 1e-12, 'workspace vs symmetricEigenvalues');
  assertAllClose(got, symmetricEigenvalues(a, n, { forceJs: true }), 1e-10, 'workspace vs the JS reduction');
  ws.matrix.fill(0);
  ws.matrix[5] = NaN; // (0, 5): upper triangle, never read
  assert.deepEqual(Array.from(ws.eigenvalues()), new Array(n).fill(0));
  ws.matrix[5 * n] = NaN; // (5, 0): lower triangle
  assert.throws(() => ws.eigenvalues(), RangeError);
});

function writeNpy(file: string, data: Float32Array, rows: number, dim: number): void {
  fs.writeFileSync(file, npyBytes([rows, dim], data));
}

test('analyzeFile: the float32 kernels give the float64 report (eigenvalues within 1e-6); the quick pass comes first, labelled', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-f32-'));
  try {
    const rows = 4000, dim = 40;
    const data = spectrumData(rows, dim, 17);
    data.set(data.subarray(0, dim), 10 * dim); // one duplicate row
    const file = path.join(dir, 'emb.npy');
    writeNpy(file, data, rows, dim);
    const base = { maxRows: 100_000, seed: 0 };
    const f64 = await analyzeFile(file, { ...base, kernels: 'js' });
    const wasm64 = await analyzeFile(file, { ...base, kernels: 'float64' });
    assertAllClose(wasm64.eigenvalues, f64.eigenvalues, 1e-10, 'eigenvalues, float64 kernels');
    assert.deepEqual(wasm64.health, f64.health);
    const quick: AnalysisReport[] = [];
    const f32 = await analyzeFile(file, { ...base, kernels: 'float32', quickFirstPass: { rows: 300 } }, { onQuickReport: r => quick.push(r) });
    assertAllClose(f32.eigenvalues, f64.eigenvalues, 1e-6, 'eigenvalues');
    assertAllClose(f32.variance, f64.variance, 1e-6, 'variance');
    assertAllClose(f32.mean, f64.mean, 1e-9, 'mean');
    assert.deepEqual(f32.health.duplicateRows, 1);
    assert.deepEqual({ ...f32.health, rowNorms: null }, { ...f64.health, rowNorms: null });
    assert.equal(f32.sampling.sampled, false);
    assert.equal(quick.length, 1);
    assert.equal(quick[0].sampling.sampled, true);
    assert.equal(quick[0].rowsUsed, 300);
    assert.equal(quick[0].eigenvalues.length, dim);
    assert.match(quick[0].notes[0], /Quick first pass.*300 of the 4000 rows/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
