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
