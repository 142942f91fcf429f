import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertClose } from './support';

/** `embdiag analyze` with the information estimates (issue: rate and capacity), against numpy. */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const dir = path.join(FIXTURES, 'information');
const numpy = JSON.parse(readFileSync(path.join(dir, 'pair_expectations.json'), 'utf8'));

test('a sidecar manifest turns the estimates on: --json has key information with numpy\'s numbers', () => {
  const r = run('analyze', path.join(dir, 'pair_z.npy'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout).information;
  assert.ok(info, 'information key present');
  assert.equal(info.representationRate.nominal.perModelUse.value, numpy.nominalPerModelUse);
  assertClose(info.capacity.perturbed.cca.value, numpy.Icca, 1e-8, 1e-12, 'E7c');
  assertClose(info.rateDistortion.rateGaussian.value, numpy.rdAtD, 1e-8, 1e-12, 'R(D)');
  assert.equal(info.rateDistortion.rateGaussian.kind, 'upper-bound');
  assert.equal(info.capacity.perturbed.cca.kind, 'lower-bound');
  assert.ok(['achievable', 'not achievable', 'inconclusive'].includes(info.verdict.status));
});

test('--no-information leaves them out; flags alone turn them on without a manifest', () => {
  const off = JSON.parse(run('analyze', path.join(dir, 'pair_z.npy'), '--json', '--no-information').stdout);
  assert.equal(off.information, undefined);
  const r = run('analyze', path.join(dir, 'pair_z.npy'), '--json', '--no-manifest',
    '--perturbed', path.join(dir, 'pair_z_perturbed.npy'), '--targets', path.join(dir, 'pair_targets.npy'), '--distortion', String(numpy.distortion));
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout).information;
  assertClose(info.capacity.perturbed.cca.value, numpy.Icca, 1e-8, 1e-12, 'E7c from flags');
  assertClose(info.rateDistortion.rateGaussian.value, numpy.rdAtD, 1e-8, 1e-12, 'R(D) from flags');
});

test('text output names the estimators and says where the theory comes from', () => {
  const r = run('analyze', path.join(dir, 'pair_z.npy'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Information estimates \(arXiv 2601\.11334/);
  assert.match(r.stdout, /Verdict \(E9\)/);
});

// ---- companions in the container (issue: estimates by default), and the spec's addendum ----------

const containers = path.join(dir, 'containers');
const expected = JSON.parse(readFileSync(path.join(containers, 'expectations.json'), 'utf8'));
const CAVEAT = 'These single-letter, finite-sample estimates do not certify the paper\'s asymptotic, block-coding statements.';

test('an .npz holding embeddings_perturbed, targets and predictions gets the estimates without --information', () => {
  const r = run('analyze', path.join(containers, 'spec_sample.npz'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout).information;
  assert.ok(info, 'information key present by default');
  for (const [role, key] of [['perturbed', 'embeddings_perturbed'], ['targets', 'targets'], ['predictions', 'predictions']]) {
    assert.equal(info.inputs.companions[role].source, 'container', role);
    assert.equal(info.inputs.companions[role].array, key, role);
    assert.equal(info.inputs.companions[role].file, path.join(containers, 'spec_sample.npz'), role);
  }
  assertClose(info.capacity.perturbed.cca.value, expected.Icca, 1e-8, 1e-12, 'E7c');
  assertClose(info.capacity.perturbed.perturbationEntropy.value, expected.hE, 1e-8, 1e-12, 'h(E)');
  assert.equal(info.verdict.caveat, CAVEAT);
  assert.equal(info.units.perInputSymbol.reading, 'B');
  assert.equal(info.representationRate.targetInjectivity[0].distinctTargets, expected.targetInjectivity.distinctTargets);
  const off = JSON.parse(run('analyze', path.join(containers, 'spec_sample.npz'), '--json', '--no-information').stdout);
  assert.equal(off.information, undefined, '--no-information turns them off');
  const none = JSON.parse(run('analyze', path.join(containers, 'embeddings_only.npz'), '--json').stdout);
  assert.equal(none.information, undefined, 'no companion, no manifest: no estimates');
});

test('Parquet columns named targets/predictions are companions; the text says where each input came from and what the verdict cannot certify', () => {
  const r = run('analyze', path.join(containers, 'spec_sample.parquet'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Information estimates \(arXiv 2601\.11334/);
  assert.ok(r.stdout.includes("Input Z̃ (perturbed-input embeddings): column 'embeddings_perturbed' of spec_sample.parquet (container column)"), r.stdout);
  assert.ok(r.stdout.includes("Input Y (targets): column 'targets' of spec_sample.parquet (container column)"), r.stdout);
  assert.ok(r.stdout.includes('Perturbation entropy h(E)'), r.stdout);
  assert.ok(r.stdout.includes('Target injectivity (Theorem 6 precondition)'), r.stdout);
  const verdict = r.stdout.split('\n').find(l => l.includes('Verdict (E9)'))!;
  assert.ok(verdict.trimEnd().endsWith(CAVEAT), verdict);
  assert.equal(r.stdout.split(CAVEAT).length - 1, 1, 'said once');
});

test('--help says companions in the container turn the estimates on and --no-information turns them off', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /Computed by default when FILE's container holds a companion/);
  assert.match(r.stdout, /--no-information turns them off/);
});
