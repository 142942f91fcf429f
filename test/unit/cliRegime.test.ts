import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertClose } from './support';

/** `embdiag regime`: the autoencoder-regime analysis from the terminal (issue: regimes). */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'regime', 'cli_expectations.json'), 'utf8'));
const EMB = path.join(REPO_ROOT, expected.file);

for (const H of ['1', '8', '32']) {
  test(`--json: the exact long-time limit for H = ${H} matches numpy, and the label names H/d and pσ²`, () => {
    const r = run('regime', EMB, '--latent', H, '--lr', '0.05', '--steps', '40', '--held-out', '0', '--no-simulate', '--json');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.rowsUsed, expected.n);
    assert.equal(j.regime.input.trainRows, expected.n);
    assert.equal(j.regime.limits.applies, true);
    assertClose(j.regime.limits.train.value, expected.limits[H], 1e-9, 1e-12, 'L_train(∞)');
    // closed forms of the prism coordinates: y = H/p, z = p·σ² with σ² = 1/(3p) for the PyTorch default init
    const y = Number(H) / expected.d;
    assert.ok(j.regime.placement.parameters.LD.some((p: { name: string; value: number }) => p.name === 'y' && Math.abs(p.value - y) < 1e-12));
    assert.ok(j.regime.placement.parameters.LD.some((p: { name: string; value: number }) => p.name === 'z' && Math.abs(p.value - 1 / 3) < 1e-12));
    assert.match(j.regime.placement.label, /^(large-data|small-data|mean-field|narrow-latent|free)/);
    assert.equal(j.regime.simulation, null);
  });
}

test('a step above the stability bound: exit 1, verdict "diverges", and the largest safe step', () => {
  const r = run('regime', EMB, '--latent', '8', '--lr', '50', '--steps', '5', '--seeds', '1', '--json');
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.regime.stepSize.verdict, 'diverges');
  assert.ok(j.regime.stepSize.largestSafeStepInput > 0 && j.regime.stepSize.largestSafeStepInput < 50);
});

test('the simulation check runs with the requested number of seeds; text output says what produced each curve', () => {
  const r = run('regime', EMB, '--latent', '8', '--lr', '0.05', '--steps', '60', '--seeds', '2', '--json');
  assert.equal(r.status, 0, r.stderr);
  const sim = JSON.parse(r.stdout).regime.simulation;
  assert.equal(sim.runs, 2);
  assert.equal(sim.t.length, sim.trainMean.length);
  const txt = run('regime', EMB, '--latent', '8', '--lr', '0.05', '--steps', '60', '--seeds', '2');
  assert.match(txt.stdout, /Simulation \(full-batch GD, 2 seeds\)/);
  assert.match(txt.stdout, /could not be read/);
});

for (const [args, fragment] of [
  [['regime', 'x.npy', '--lr', '0.1', '--steps', '10'], '--latent'],
  [['regime', 'x.npy', '--latent', '4', '--lr', '0.1', '--steps', '10', '--init-std', '0.1', '--init', 'xavier-normal'], 'one of'],
  [['regime', 'x.npy', '--latent', '4', '--lr', '-1', '--steps', '10'], '--lr'],
  [['regime', 'x.npy', '--latent', '4', '--lr', '0.1', '--steps', '10', '--init', 'he'], '--init must be one of'],
  [['analyze', 'x.npy', '--latent', '4'], 'belongs to "embdiag regime"'],
] as [string[], string][]) {
  test(`bad regime arguments: ${args.slice(2).join(' ')}`, () => {
    const r = run(...args, '--json');
    assert.equal(r.status, 2);
    const j = JSON.parse(r.stdout);
    assert.equal(j.error.code, 'bad-argument');
    assert.ok(j.error.message.includes(fragment), j.error.message);
  });
}

test('the issue\'s own example flags: --init torch-linear --lr-convention torch-mse map to nn.Linear\'s σ² = 1/(3d) and η_GF = 2η/d', () => {
  const r = run('regime', EMB, '--latent', '8', '--init', 'torch-linear', '--lr', '0.01', '--lr-convention', 'torch-mse', '--steps', '20', '--no-simulate', '--json');
  assert.equal(r.status, 0, r.stderr);
  const a = JSON.parse(r.stdout).regime.autoencoder;
  assertClose(a.sigma2.value, 1 / (3 * expected.d), 1e-12, 1e-12, 'σ²');
  assertClose(a.eta.value, (2 * 0.01) / expected.d, 1e-12, 1e-12, 'η in gradient-flow units');
  assert.equal(a.convention, 'torch-mse-mean');
});

test('the issue\'s command: no predicted loss is negative; the narrow-latent curve ends where its formula leaves its domain', () => {
  const r = run('regime', EMB, '--latent', '8', '--lr', '0.05', '--steps', '200', '--held-out', '0', '--no-simulate', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const p of j.regime.predictions) {
    for (const v of [...p.train, ...(p.pop ?? [])]) assert.ok(typeof v === 'number' && v >= 0, `${p.face}: ${v}`);
  }
  const nl = j.regime.predictions.find((p: { face: string }) => p.face === 'NL');
  assert.ok(nl, j.regime.placement.label);
  // numpy (make_cli_expectations.py): the formula's floor ½ tr Σ̂ − H·λ_max/2 is negative for H = 8.
  assert.ok(expected.nlFloor['8'] < 0);
  assert.notEqual(nl.endedAt, null);
  assert.ok(nl.t[nl.t.length - 1] < nl.endedAt);
  assert.ok(nl.notes.some((s: string) => s.includes(`= ${expected.nlFloor['8'].toPrecision(3)} < 0`)), nl.notes.join(' | '));
});
