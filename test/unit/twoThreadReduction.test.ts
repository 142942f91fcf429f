import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BLOCKED_REDUCTION_MIN, EigenWorkspace, symmetricEigenvalues } from '../../src/core/linalg/symmetricEigenvalues';
import { EIGEN_THREADS_RELAXED_WASM_SHA256, EIGEN_THREADS_WASM_SHA256 } from '../../src/core/linalg/eigenThreadsWasm';
import { allocTeam, eigenThreadsBytes, twoThreadInstance } from '../../src/core/linalg/twoThreadReduction';
import { instantiateKernels, type ReductionExports } from '../../src/core/linalg/wasmKernels';
import { REPO_ROOT } from './support';
import { assertNumpyClose, recipeCases, reduceInInstance } from './eigenRecipes';

/**
 * The blocked reduction on two threads (shared WebAssembly memory, wasm/eigenThreads.c) against
 * numpy's eigvalsh on matrices that test/fixtures/eigen/make_two_thread_fixtures.py describes by
 * recipe (rebuilt here bit for bit): random, graded and clustered, at sizes across the block and
 * tile edges. Each reduction waits for its worker, so that the worker's halves are really taken.
 */
const cases = recipeCases('two_threads.json');

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
      // the default path above the threshold (two-stage from TWO_STAGE_REDUCTION_MIN), as the analysis runs it (the worker joins when ready)
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
  const reduce = (k: ReductionExports, run: (w: number, d: number, e: number, s: number) => void) =>
    reduceInInstance(k, c.matrix, n, k.tridiagonalize_blocked_scratch(n), run);
  const one = instantiateKernels()!;
  const two = twoThreadInstance()!;
  const { team } = allocTeam(two, n); // no worker is started for this team
  const alone = reduce(two.k, (w, d, e, s) => two.k.tridiagonalize_two_threads(w, n, d, e, s, team));
  const blocked = reduce(one, (w, d, e, s) => one.tridiagonalize_blocked(w, n, d, e, s));
  assert.deepEqual(alone, blocked);
});
