import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EigenWorkspace, symmetricEigenvalues, TWO_STAGE_BANDWIDTH, TWO_STAGE_REDUCTION_MIN } from '../../src/core/linalg/symmetricEigenvalues';
import { allocTeam, twoThreadInstance } from '../../src/core/linalg/twoThreadReduction';
import { instantiateKernels, type ReductionExports } from '../../src/core/linalg/wasmKernels';
import { assertNumpyClose, recipeCases, reduceInInstance } from './eigenRecipes';
import { assertAllClose } from './support';

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

/** Matrices whose panels or band are already (partly) reduced, so that reflectors are the identity, with closed-form spectra. */
function structured(n: number): { name: string; a: Float64Array; expected: number[] }[] {
  const laplacian = new Float64Array(n * n); // 2 on the diagonal, −1 beside it: 2 − 2cos(kπ/(n+1))
  for (let i = 0; i < n; i++) {
    laplacian[i * n + i] = 2;
    if (i > 0) laplacian[i * n + i - 1] = laplacian[(i - 1) * n + i] = -1;
  }
  const squared = new Float64Array(n * n); // its square, bandwidth 2: (2 − 2cos(kπ/(n+1)))²
  for (let i = 0; i < n; i++) for (let j = Math.max(0, i - 2); j <= Math.min(n - 1, i + 2); j++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += laplacian[i * n + k] * laplacian[k * n + j];
    squared[i * n + j] = sum;
  }
  const lap = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  const diagonal = new Float64Array(n * n); // entries (7i mod n) − n/3, in scrambled order
  const diag = Array.from({ length: n }, (_, i) => ((7 * i) % n) - n / 3);
  diag.forEach((x, i) => { diagonal[i * n + i] = x; });
  const rankOne = new Float64Array(n * n); // u uᵀ, u = (1, …, n): |u|² and zeros
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rankOne[i * n + j] = (i + 1) * (j + 1);
  const desc = (xs: number[]) => xs.sort((x, y) => y - x);
  return [
    { name: 'tridiagonal', a: laplacian, expected: desc(lap.slice()) },
    { name: 'pentadiagonal', a: squared, expected: desc(lap.map(x => x * x)) },
    { name: 'diagonal', a: diagonal, expected: desc(diag.slice()) },
    { name: 'rank one', a: rankOne, expected: desc([(n * (n + 1) * (2 * n + 1)) / 6, ...new Array(n - 1).fill(0)]) },
    { name: 'zero', a: new Float64Array(n * n), expected: new Array(n).fill(0) },
  ];
}

test('already reduced panels and bands (identity reflectors), at sizes around the band width: closed-form spectra', () => {
  for (const bandwidth of [8, 16]) {
    for (const n of [3, bandwidth - 1, bandwidth, bandwidth + 1, bandwidth + 2, bandwidth + 3, 2 * bandwidth + 1, 3 * bandwidth + 3, 70]) {
      for (const c of structured(n)) {
        const got = symmetricEigenvalues(c.a, n, { reduction: 'two-stage', bandwidth });
        assertAllClose(got, c.expected, 1e-12, `${c.name}, n = ${n}, band width ${bandwidth}`);
      }
    }
  }
});

test('band width checks', () => {
  const a = small[0].matrix, n = small[0].n;
  for (const bandwidth of [0, 4, 10, 68, 8.5]) {
    assert.throws(() => symmetricEigenvalues(a, n, { reduction: 'two-stage', bandwidth }), RangeError, `band width ${bandwidth}`);
  }
});
