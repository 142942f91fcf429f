import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BLOCKED_REDUCTION_MIN, EigenWorkspace, symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { EIGEN_THREADS_RELAXED_WASM_SHA256, EIGEN_THREADS_WASM_SHA256 } from '../../src/core/linalg/eigenThreadsWasm';
import { allocTeam, eigenThreadsBytes, twoThreadInstance } from '../../src/core/linalg/twoThreadReduction';
import { instantiateKernels } from '../../src/core/linalg/wasmKernels';
import { FIXTURES, REPO_ROOT } from './support';

/**
 * The blocked reduction on two threads (shared WebAssembly memory, wasm/eigenThreads.c) against
 * numpy's eigvalsh on matrices that test/fixtures/eigen/make_two_thread_fixtures.py describes by
 * recipe (rebuilt here bit for bit): random, graded and clustered, at sizes across the block and
 * tile edges. Each reduction waits for its worker, so that the worker's halves are really taken.
 */
const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'eigen', 'two_threads.json'), 'utf8'));
const EPS = 2 ** -52;

function lcgSymmetric(n: number, seed: number): Float64Array {
  const a = new Float64Array(n * n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      x = (Math.imul(1103515245, x) + 12345) >>> 0;
      a[i * n + j] = a[j * n + i] = x / 2 ** 32 - 0.5;
    }
  }
  return a;
}

function graded(n: number, seed: number): Float64Array {
  const a = lcgSymmetric(n, seed);
  const d = Array.from({ length: n }, (_, i) => 2 ** -Math.floor((60 * i) / n));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = a[i * n + j] * d[i] * d[j];
  return a;
}

function clustered(n: number, big = 256): Float64Array {
  let h: number[][] = [[1]];
  while (h.length < big) h = [...h.map(r => [...r, ...r]), ...h.map(r => [...r, ...r.map(x => -x)])];
  const lam = Array.from({ length: big }, (_, k) => (k % 11 === 0 ? 0 : (1 + (k % 7) * 2 ** -30) * 2 ** -(10 * (Math.floor(k / 7) % 3))));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < big; k++) s += (h[i][k] * h[j][k]) * lam[k];
      a[i * n + j] = a[j * n + i] = s / big;
    }
  }
  return a;
}

const cases = (fixture.cases as { recipe: string; n: number; seed: number; eigenvaluesF64LE: string }[]).map(c => {
  const bytes = Buffer.from(c.eigenvaluesF64LE, 'base64');
  const expected = Array.from({ length: c.n }, (_, i) => bytes.readDoubleLE(8 * i));
  const matrix = c.recipe === 'random' ? lcgSymmetric(c.n, c.seed) : c.recipe === 'graded' ? graded(c.n, c.seed) : clustered(c.n);
  return { name: `${c.recipe} n = ${c.n}`, n: c.n, matrix, expected };
});

/** Each eigenvalue within 1e-6 of numpy's relatively, or within LAPACK's absolute bound 2·n·ε·‖A‖ (eigenvalues near 0). */
function assertNumpyClose(got: ArrayLike<number>, ref: number[], what: string): void {
  assert.equal(got.length, ref.length, `${what}: count`);
  const norm = Math.max(...ref.map(Math.abs));
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(got[i] - ref[i]);
    assert.ok(diff <= 1e-6 * Math.abs(ref[i]) || diff <= 2 * ref.length * EPS * norm, `${what}: λ[${i}] = ${got[i]}, numpy ${ref[i]}`);
  }
}

test('the embedded two-thread modules are wasm/eigen-threads*.wasm (rebuild with wasm/build.sh)', () => {
  for (const [file, sha256, relaxed] of [['eigen-threads.wasm', EIGEN_THREADS_WASM_SHA256, false], ['eigen-threads-relaxed.wasm', EIGEN_THREADS_RELAXED_WASM_SHA256, true]] as const) {
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'wasm', file));
    assert.deepEqual(Buffer.from(eigenThreadsBytes(relaxed)), committed, file);
    assert.equal(crypto.createHash('sha256').update(committed).digest('hex'), sha256, file);
  }
  assert.ok(twoThreadInstance(), 'shared WebAssembly memory is available in the test runtime');
});

test('the fixtures cover sizes off the block and tile edges, and one above the default threshold', () => {
  assert.ok(cases.some(c => c.n % 32 !== 0 && c.n % 4 !== 0));
  assert.ok(cases.some(c => c.n >= BLOCKED_REDUCTION_MIN));
  assert.deepEqual([...new Set(cases.map(c => c.name.split(' ')[0]))].sort(), ['clustered', 'graded', 'random']);
});

for (const c of cases) {
  test(`two-thread reduction matches numpy's eigvalsh and the one-thread reduction: ${c.name}`, () => {
    const sharing = { workerHalves: 0 };
    const two = symmetricEigenvalues(c.matrix, c.n, { reduction: 'two-threads', awaitWorker: true, sharing });
    assert.ok(sharing.workerHalves > 0, `${c.name}: the worker took part (${sharing.workerHalves} halves)`);
    assertNumpyClose(two, c.expected, `${c.name}, two threads`);
    assertNumpyClose(symmetricEigenvalues(c.matrix, c.n, { reduction: 'blocked' }), c.expected, `${c.name}, one thread`);
    if (c.n >= BLOCKED_REDUCTION_MIN) {
      // the default path above the threshold, as the analysis runs it (the worker joins when ready)
      assertNumpyClose(symmetricEigenvalues(c.matrix, c.n), c.expected, `${c.name}, default`);
      const ws = EigenWorkspace.create(c.n)!;
      ws.matrix.set(c.matrix);
      assertNumpyClose(ws.eigenvalues(), c.expected, `${c.name}, EigenWorkspace`);
    }
  });
}

test('a worker that never comes leaves the whole reduction to the calling thread: the one-thread tridiagonal, bit for bit', () => {
  const c = cases.find(x => x.name === 'random n = 517')!;
  const n = c.n;
  const reduce = (k: NonNullable<ReturnType<typeof instantiateKernels>> | NonNullable<ReturnType<typeof twoThreadInstance>>['k'], run: (w: number, d: number, e: number, s: number) => void) => {
    const w = k.alloc(n * n * 8) >>> 0, d = k.alloc(n * 8) >>> 0, e = k.alloc(n * 8) >>> 0, s = k.alloc(k.tridiagonalize_blocked_scratch(n) * 8) >>> 0;
    new Float64Array(k.memory.buffer, w, n * n).set(c.matrix);
    run(w, d, e, s);
    return [new Float64Array(k.memory.buffer, d, n).slice(), new Float64Array(k.memory.buffer, e, n).slice()];
  };
  const one = instantiateKernels()!;
  const two = twoThreadInstance()!;
  const { team } = allocTeam(two, n); // no worker is started for this team
  const alone = reduce(two.k, (w, d, e, s) => two.k.tridiagonalize_two_threads(w, n, d, e, s, team));
  const blocked = reduce(one, (w, d, e, s) => one.tridiagonalize_blocked(w, n, d, e, s));
  assert.deepEqual(alone, blocked);
});
