import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertAllClose } from './support';

/** The CLI contract (issue: foundation), exercised as a separate process like CI would. */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const fixture = (rel: string) => path.join(FIXTURES, 'formats', rel);
const expected = (rel: string) => JSON.parse(readFileSync(fixture(rel) + '.expected.json', 'utf8'));

test('--json has the contract fields and numpy\'s numbers; exit 0 when healthy', () => {
  const r = run('analyze', fixture('npy/fortran_f8.npy'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['file', 'format', 'array', 'rowsTotal', 'rowsUsed', 'dim', 'health', 'mean', 'eigenvalues', 'metrics', 'findings']) {
    assert.ok(k in j, `missing key ${k}`);
  }
  for (const k of ['name', 'dtype', 'shape']) assert.ok(k in j.array, `missing array.${k}`);
  for (const k of ['nanRows', 'infRows', 'zeroRows', 'duplicateRows', 'deadDims']) assert.equal(typeof j.health[k], 'number');
  for (const k of ['effectiveRank', 'participationRatio', 'stableRank']) assert.equal(typeof j.metrics[k], 'number');
  const e = expected('npy/fortran_f8.npy').arrays[0];
  assert.deepEqual(j.array.shape, e.shape);
  assertAllClose(j.mean, e.stats.mean, 1e-6, 'mean');
  assertAllClose(j.eigenvalues, e.stats.eigenvalues, 1e-6, 'eigenvalues');
});

test('NaN rows: exit 1 and an error finding', () => {
  const r = run('analyze', fixture('npy/health.npy'), '--json');
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  const nan = j.findings.find((f: { code: string }) => f.code === 'nan-rows');
  assert.equal(nan?.severity, 'error');
  assert.equal(j.health.nanRows, expected('npy/health.npy').arrays[0].stats.health.nanRows);
});

test('bad input: exit 2, and with --json an {error:{code,message}} object on stdout', () => {
  const missing = run('analyze', fixture('does/not/exist.npy'), '--json');
  assert.equal(missing.status, 2);
  const j = JSON.parse(missing.stdout);
  assert.equal(j.error.code, 'file-missing');
  assert.match(j.error.message, /exist\.npy/);

  const badArg = run('analyze', fixture('npy/fortran_f8.npy'), '--max-rows', 'lots', '--json');
  assert.equal(badArg.status, 2);
  assert.equal(JSON.parse(badArg.stdout).error.code, 'bad-argument');

  const text = run('analyze', fixture('does/not/exist.npy'));
  assert.equal(text.status, 2);
  assert.equal(text.stdout, '');
  assert.match(text.stderr, /^embdiag: .*no such file/);
});

test('sampling: --max-rows analyses a seeded uniform sample and says so', () => {
  const full = JSON.parse(run('analyze', fixture('npy/fortran_f8.npy'), '--json').stdout);
  const n = Math.max(2, Math.floor(full.rowsTotal / 2));
  const a = JSON.parse(run('analyze', fixture('npy/fortran_f8.npy'), '--json', '--max-rows', String(n), '--seed', '3').stdout);
  const b = JSON.parse(run('analyze', fixture('npy/fortran_f8.npy'), '--json', '--max-rows', String(n), '--seed', '3').stdout);
  const c = JSON.parse(run('analyze', fixture('npy/fortran_f8.npy'), '--json', '--max-rows', String(n), '--seed', '4').stdout);
  assert.equal(a.rowsTotal, full.rowsTotal);
  assert.equal(a.rowsUsed, n);
  assert.deepEqual(a.sampling, { sampled: true, method: 'uniform random sample without replacement', seed: 3, maxRows: n });
  assert.ok(a.findings.some((f: { code: string; message: string }) => f.code === 'sampled' && f.message.includes('seed 3')));
  assert.deepEqual(a.mean, b.mean, 'same seed, same sample');
  assert.notDeepEqual(a.mean, c.mean, 'another seed, another sample');
  assert.equal(full.sampling.sampled, false);
});

test('--markdown and text say how many rows were used', () => {
  const md = run('analyze', fixture('npy/fortran_f8.npy'), '--markdown');
  assert.equal(md.status, 0);
  assert.match(md.stdout, /^### Embeddings: /);
  assert.match(md.stdout, /\| rows used \| all \d+ rows \|/);
  const txt = run('analyze', fixture('npy/fortran_f8.npy'));
  assert.match(txt.stdout, /rows used {2}all \d+ rows/);
  assert.match(txt.stdout, /Effective rank/);
});

test('--help documents the commands, formats and exit codes', () => {
  const r = run('--help');
  assert.equal(r.status, 0);
  for (const s of ['analyze FILE', '--array', '--max-rows', '--seed', '--json', '--markdown', 'Exit codes', '.safetensors']) assert.ok(r.stdout.includes(s), s);
});

test('values whose squares overflow: an explained error finding, no NaN or Infinity figures', () => {
  const r = run('analyze', fixture('npy/f8_le.npy'), '--json');
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(expected('npy/f8_le.npy').arrays[0].stats.eigenvalues, null, 'numpy also finds no finite covariance');
  assert.ok(j.findings.some((f: { code: string }) => f.code === 'numeric-overflow'));
  assert.deepEqual(j.eigenvalues, []);
  assert.equal(j.metrics, null);
});

test('embdiag analyze on every PyTorch, HDF5, Parquet and Arrow fixture: the shape and numpy\'s numbers, or exit 2 with the refusal code', () => {
  const walk = (rel: string): string[] => readdirSync(fixture(rel), { withFileTypes: true }).flatMap(entry => {
    const child = path.posix.join(rel, entry.name);
    if (entry.isDirectory()) return walk(child);
    return entry.name.endsWith('.expected.json') ? [child.slice(0, -'.expected.json'.length)] : [];
  });
  const all = ['pt', 'h5', 'parquet', 'arrow'].flatMap(walk);
  assert.ok(all.length >= 40, `${all.length} fixtures`);
  for (const rel of all) {
    const want = expected(rel) as { error?: string; array?: string; arrays?: { name: string; shape: number[]; analysable: boolean; stats?: { mean: number[] | null; eigenvalues?: number[] | null } }[] };
    const r = run('analyze', fixture(rel), '--json');
    const j = JSON.parse(r.stdout);
    if (want.error) {
      assert.equal(r.status, 2, `${rel}: ${r.stderr}`);
      assert.equal(j.error.code, want.error, rel);
      continue;
    }
    assert.ok(r.status === 0 || r.status === 1, `${rel}: exit ${r.status}: ${r.stderr}`);
    const chosen = want.arrays!.find(a => a.name === want.array)!;
    assert.equal(j.array.name, chosen.name, rel);
    assert.deepEqual(j.array.shape, chosen.shape, rel);
    if (chosen.stats?.mean) assertAllClose(j.mean, chosen.stats.mean, 1e-6, `${rel} mean`);
    if (chosen.stats?.eigenvalues) assertAllClose(j.eigenvalues, chosen.stats.eigenvalues, 1e-6, `${rel} eigenvalues`);
  }
});
