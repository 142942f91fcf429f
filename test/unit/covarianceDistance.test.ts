import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { compareReports, relativeFrobeniusDistance } from '../../src/core/analysis/compareReports';
import { covarianceDistanceOfFiles, MAX_COVARIANCE_DISTANCE_DIM } from '../../src/core/analysis/covarianceDistance';
import { isEmbdiagError } from '../../src/core/errors';
import { FIXTURES, assertClose } from './support';

/**
 * The covariance distance of the compare view against numpy
 * (test/fixtures/make_compare_fixtures.py writes the dumps and numpy's figures).
 */
const DIR = path.join(FIXTURES, 'compare');
interface Case { left: string; right: string; covarianceDistance: number; frobeniusLeft: number; frobeniusRight: number; spectrumDistance: number; rowsLeft: number; rowsRight: number }
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<'rotated' | 'rotated_nonfinite' | 'doubled', Case>;
const file = (name: string) => path.join(DIR, name);
const ALL_ROWS = { maxRows: 100_000, seed: 0 };

test('relativeFrobeniusDistance: closed forms', () => {
  const a = [4, 1, 1, 3];
  assert.equal(relativeFrobeniusDistance(a, a).value, 0);
  assert.equal(relativeFrobeniusDistance(a, [0, 0, 0, 0]).value, 2, 'one side zero: 2‖A‖/‖A‖');
  // equal norms, no common support: 2√2‖A‖ / 2‖A‖ = √2
  assertClose(relativeFrobeniusDistance([1, 0, 0, 0], [0, 0, 0, 1]).value!, Math.SQRT2, 1e-15);
  // B = 4A: 2·3‖A‖ / 5‖A‖
  assertClose(relativeFrobeniusDistance(a, a.map(x => 4 * x)).value!, 1.2, 1e-15);
  assert.equal(relativeFrobeniusDistance([0, 0], [0, 0]).value, null, 'undefined when both are zero');
  // entries whose squares overflow float64 still give the right ratio
  assertClose(relativeFrobeniusDistance([1e200, 0], [0, 1e200]).value!, Math.SQRT2, 1e-15);
});

for (const kernels of ['js', 'float64', 'auto'] as const) {
  test(`a rotated dump: same spectrum, different covariance, as numpy computes it (kernels ${kernels})`, async () => {
    const e = expected.rotated;
    const r = await covarianceDistanceOfFiles(file(e.left), file(e.right), { ...ALL_ROWS, kernels, workers: 0 });
    assert.ok(r.value !== null, r.unavailable);
    assertClose(r.value, e.covarianceDistance, 1e-6, 1e-12, 'covariance distance');
    assert.ok(r.value > 1, 'a random rotation moves the covariance a long way');
    assertClose(r.frobeniusLeft!, e.frobeniusLeft, 1e-6, 1e-12, '‖Σ_L‖_F');
    assertClose(r.frobeniusRight!, e.frobeniusRight, 1e-6, 1e-12, '‖Σ_R‖_F');
    assert.equal(r.kind, 'estimate');
    assert.equal(r.formula, '2‖Σ_R − Σ_L‖_F / (‖Σ_L‖_F + ‖Σ_R‖_F)');
    for (const side of [r.left!, r.right!]) {
      assert.deepEqual([side.rowsTotal, side.rowsRead, side.rowsInStatistics, side.dim, side.sampled, side.method], [400, 400, 400, 6, false, 'all rows']);
    }
    assert.equal(r.unavailable, undefined);
  });
}

test('a rotated dump: the spectrum distance of the two analyses is about 0, as numpy says', async () => {
  const e = expected.rotated;
  const [l, r] = await Promise.all([analyzeFile(file(e.left), ALL_ROWS), analyzeFile(file(e.right), ALL_ROWS)]);
  const c = compareReports(l, r);
  assert.ok(c.spectrumDistance !== null);
  assert.ok(Math.abs(c.spectrumDistance.value - e.spectrumDistance) < 1e-9, `spectrum distance ${c.spectrumDistance.value}, numpy ${e.spectrumDistance}`);
});

test('non-finite rows are left out on their own side only', async () => {
  const e = expected.rotated_nonfinite;
  const r = await covarianceDistanceOfFiles(file(e.left), file(e.right), ALL_ROWS);
  assertClose(r.value!, e.covarianceDistance, 1e-6, 1e-12, 'covariance distance');
  assertClose(r.frobeniusLeft!, e.frobeniusLeft, 1e-6, 1e-12, '‖Σ_L‖_F');
  assert.equal(r.left!.rowsInStatistics, e.rowsLeft);
  assert.equal(r.left!.rowsRead, 400);
  assert.equal(r.right!.rowsInStatistics, e.rowsRight);
  assert.deepEqual(r.notes, [], 'no sampling note when every row was read');
});

test('all rows of a float32 pair (right = 2 · left), on the float64 and float32 kernels', async () => {
  const e = expected.doubled;
  for (const [kernels, rel] of [['js', 1e-6], ['float32', 1e-5]] as const) {
    const r = await covarianceDistanceOfFiles(file(e.left), file(e.right), { ...ALL_ROWS, kernels, workers: 0 });
    assertClose(r.value!, e.covarianceDistance, rel, 1e-12, `covariance distance (${kernels})`);
    assertClose(r.frobeniusRight!, e.frobeniusRight, rel, 1e-12, `‖Σ_R‖_F (${kernels})`);
    assert.equal(r.left!.rowsInStatistics, 3000);
  }
});

test('above maxRows both sides use the seeded sample of the analysis: the same rows on each side', async () => {
  const e = expected.doubled;
  const options = { maxRows: 500, seed: 3 };
  const r = await covarianceDistanceOfFiles(file(e.left), file(e.right), options);
  for (const side of [r.left!, r.right!]) {
    assert.deepEqual([side.rowsTotal, side.rowsRead, side.sampled, side.seed, side.method], [3000, 500, true, 3, 'uniform random sample without replacement']);
  }
  // C_R = 4 C_L holds on the sample only if both sides hold the same rows: 2·3/(1+4), a closed form
  assertClose(r.value!, 1.2, 1e-9, 1e-12, 'covariance distance on a common sample');
  assert.ok(r.notes.some(n => /row sample/.test(n)), r.notes.join(' | '));
  // and they are the rows the analysis used: ‖Σ‖_F² is the sum of its squared eigenvalues
  const report = await analyzeFile(file(e.left), options);
  assert.equal(report.rowsUsed, 500);
  const fromSpectrum = Math.sqrt(report.eigenvalues.reduce((s, v) => s + v * v, 0));
  assertClose(r.frobeniusLeft!, fromSpectrum, 1e-9, 1e-12, '‖Σ_L‖_F against the analysis of the same sample');
  const other = await covarianceDistanceOfFiles(file(e.left), file(e.right), { maxRows: 500, seed: 4 });
  assert.notEqual(other.frobeniusLeft, r.frobeniusLeft, 'another seed draws other rows');
});

test('different dimensions, or a dimension above the cap: no figure, and the reason', async () => {
  const dims = await covarianceDistanceOfFiles(file('rotated_left.npy'), file('other_dim.npy'), ALL_ROWS);
  assert.equal(dims.value, null);
  assert.match(dims.unavailable!, /different dimensions \(d = 6 and 5\)/);
  assert.equal(dims.left!.rowsInStatistics, 0, 'no rows were read');

  const capped = await covarianceDistanceOfFiles(file('rotated_left.npy'), file('rotated_right.npy'), { ...ALL_ROWS, maxDim: 4 });
  assert.equal(capped.value, null);
  assert.match(capped.unavailable!, /d = 6 is above 4; the two 6 × 6 covariances/);
  assert.equal(MAX_COVARIANCE_DISTANCE_DIM, 4096);
});

test('cancellation and unreadable input are typed errors', async () => {
  await assert.rejects(
    covarianceDistanceOfFiles(file('rotated_left.npy'), file('rotated_right.npy'), { ...ALL_ROWS, kernels: 'js' }, { isCancelled: () => true }),
    (e: unknown) => isEmbdiagError(e) && e.code === 'cancelled');
  await assert.rejects(
    covarianceDistanceOfFiles(file('rotated_left.npy'), file('no_such.npy'), ALL_ROWS),
    (e: unknown) => isEmbdiagError(e) && e.code === 'file-missing');
});

test('progress runs over both files, left first', async () => {
  const seen: { fraction: number; message: string }[] = [];
  await covarianceDistanceOfFiles(file('rotated_left.npy'), file('rotated_right.npy'), ALL_ROWS, {
    onProgress: (fraction, message) => seen.push({ fraction, message }),
  });
  assert.ok(seen.length > 0);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].fraction >= seen[i - 1].fraction, 'progress never goes back');
  assert.equal(seen[seen.length - 1].fraction, 1);
});
