import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EigenWorkspace, symmetricEigenvalues, TWO_STAGE_BANDWIDTH, TWO_STAGE_REDUCTION_MIN } from '../../src/core/linalg/symmetricEigenvalues';
import { allocTeam, twoThreadInstance } from '../../src/core/linalg/twoThreadReduction';
import { instantiateKernels, type ReductionExports } from '../../src/core/linalg/wasmKernels';
import { assertNumpyClose, recipeCases, reduceInInstance } from './eigenRecipes';

/**
 * The two-stage reduction (dense → band → tridiagonal, wasm/twoStage.h) against numpy's eigvalsh
 * on the matrices of test/fixtures/eigen/make_two_thread_fixtures.py (random, graded, clustered;
 * 200 to 1,600 rows, forced on below its threshold) and make_two_stage_fixtures.py (just above
 * the threshold, where it is the default), at several band widths. Each reduction waits for its
 * worker, so that the worker's halves of the panels' products and updates are really taken.
 */
const small = recipeCases('two_threads.json');
const large = recipeCases('two_stage.json');
/** Panels share their product and update from 192 rows below the band on (TEAM_MIN in wasm/eigenThreads.c). */
const SHARED_FROM = 192;

test('the fixtures cover sizes above the two-stage threshold, off the panel and tile edges', () => {
  assert.ok(large.some(c => c.n > TWO_STAGE_REDUCTION_MIN && c.n % TWO_STAGE_BANDWIDTH !== 0 && c.n % 4 !== 0));
  assert.ok(large.some(c => c.name.startsWith('graded')));
  assert.deepEqual([...new Set(small.map(c => c.name.split(' ')[0]))].sort(), ['clustered', 'graded', 'random']);
});

for (const c of small) {
  test(`two-stage reduction matches numpy's eigvalsh: ${c.name}`, () => {
    for (const bandwidth of c.n <= 600 ? [8, 12, TWO_STAGE_BANDWIDTH, 64] : [TWO_STAGE_BANDWIDTH]) {
      const sharing = { workerHalves: 0 };
      const got = symmetricEigenvalues(c.matrix, c.n, { reduction: 'two-stage', bandwidth, awaitWorker: true, sharing });
      assertNumpyClose(got, c.expected, `${c.name}, band width ${bandwidth}`);
      if (c.n - bandwidth >= SHARED_FROM) assert.ok(sharing.workerHalves > 0, `${c.name}: the worker took part`);
    }
  });
}

for (const c of large) {
  test(`above the threshold the default is the two-stage reduction, and it matches numpy's eigvalsh: ${c.name}`, () => {
    assert.ok(c.n >= TWO_STAGE_REDUCTION_MIN);
    const sharing = { workerHalves: 0 };
    assertNumpyClose(symmetricEigenvalues(c.matrix, c.n, { awaitWorker: true, sharing }), c.expected, `${c.name}, default`);
    assert.ok(sharing.workerHalves > 0, `${c.name}: the worker took part`);
    const ws = EigenWorkspace.create(c.n)!;
    ws.matrix.set(c.matrix);
    assertNumpyClose(ws.eigenvalues(), c.expected, `${c.name}, EigenWorkspace`);
    assertNumpyClose(symmetricEigenvalues(c.matrix, c.n, { reduction: 'two-threads' }), c.expected, `${c.name}, one-stage`);
  });
}

test('without its worker the two-thread module\'s two-stage reduction is the one-thread one, bit for bit', () => {
  const c = small.find(x => x.name === 'random n = 517')!;
  const n = c.n, nb = TWO_STAGE_BANDWIDTH;
  const reduce = (k: ReductionExports, run: (w: number, d: number, e: number, s: number) => void) =>
    reduceInInstance(k, c.matrix, n, k.two_stage_scratch(n, nb), run);
  const one = instantiateKernels()!;
  const two = twoThreadInstance()!;
  const { team } = allocTeam(two, n); // no worker is started for this team
  const alone = reduce(two.k, (w, d, e, s) => two.k.tridiagonalize_two_stage_threads(w, n, nb, d, e, s, team));
  const oneThread = reduce(one, (w, d, e, s) => one.tridiagonalize_two_stage(w, n, nb, d, e, s));
  assert.deepEqual(alone, oneThread);
});

test('band width checks', () => {
  const a = small[0].matrix, n = small[0].n;
  for (const bandwidth of [0, 4, 10, 68, 8.5]) {
    assert.throws(() => symmetricEigenvalues(a, n, { reduction: 'two-stage', bandwidth }), RangeError, `band width ${bandwidth}`);
  }
});
