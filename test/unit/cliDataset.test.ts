import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertAllClose } from './support';

/** Issue #14: the dataset CLI contract (analyze PATH..., stats, merge), as a separate process. */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const DIR = path.join(FIXTURES, 'dataset');
const SHARDS = path.join(DIR, 'shards');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(path.join(tmpdir(), 'embdiag-cli-dataset-'));
const figures = (j: Record<string, unknown>) => ({ rowsTotal: j.rowsTotal, rowsInStatistics: j.rowsInStatistics, dim: j.dim, health: j.health,
  mean: j.mean, variance: j.variance, eigenvalues: j.eigenvalues, metrics: j.metrics, findings: j.findings });

test('analyze FOLDER --json: today\'s keys, numpy\'s figures, and shards in natural order', () => {
  const r = run('analyze', SHARDS, '--json');
  assert.equal(r.status, 1, r.stderr); // NaN rows: an error finding
  const j = JSON.parse(r.stdout);
  for (const k of ['file', 'format', 'array', 'rowsTotal', 'rowsUsed', 'dim', 'health', 'mean', 'eigenvalues', 'metrics', 'findings', 'shards']) assert.ok(k in j, k);
  assert.deepEqual(j.shards.map((s: { file: string; rows: number; dtype: string; firstRow: number }) => [path.basename(s.file), s.firstRow, s.rows, s.dtype]),
    [['part-1.npy', 0, 200, 'float32'], ['part-2.npy', 200, 150, 'float64'], ['part-10.npy', 350, 7, 'float32']]);
  for (const s of j.shards) for (const k of ['size', 'mtime', 'format', 'array']) assert.ok(k in s, k);
  assert.equal(j.incomplete, false);
  assertAllClose(j.eigenvalues, expected.eigenvalues, 1e-6, 'eigenvalues');
  for (const k of ['nanRows', 'infRows', 'zeroRows', 'duplicateRows']) assert.equal(j.health[k], expected.health[k], k);
});

test('a quoted glob and explicit files give the same dataset as the folder', () => {
  const folder = figures(JSON.parse(run('analyze', SHARDS, '--json').stdout));
  assert.deepEqual(figures(JSON.parse(run('analyze', path.join(SHARDS, 'part-*.npy'), '--json').stdout)), folder);
  const listed = JSON.parse(run('analyze', ...['part-1', 'part-2', 'part-10'].map(n => path.join(SHARDS, `${n}.npy`)), '--json').stdout);
  assert.deepEqual(figures(listed), folder);
});

test('stats of two parts (with --first-row), merge, analyze OUT.embstats: the same report as the shards', () => {
  const a = path.join(tmp, 'a.embstats'), b = path.join(tmp, 'b.embstats'), all = path.join(tmp, 'all.embstats');
  let r = run('stats', path.join(SHARDS, 'part-1.npy'), '-o', a);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Wrote .*a\.embstats: 1 shard, 200 rows, dim 12/);
  r = run('stats', path.join(SHARDS, 'part-2.npy'), path.join(SHARDS, 'part-10.npy'), '--first-row', '200', '-o', b, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).rows, 157);
  r = run('merge', b, a, '-o', all);
  assert.equal(r.status, 0, r.stderr);
  const fromPartial = JSON.parse(run('analyze', all, '--json').stdout);
  const fromShards = JSON.parse(run('analyze', SHARDS, '--json').stdout);
  // another tree of merges: the same figures to rounding (1e-12), the same counts and findings exactly
  for (const k of ['rowsTotal', 'rowsInStatistics', 'dim']) assert.equal(fromPartial[k], fromShards[k], k);
  assert.deepEqual({ ...fromPartial.health, rowNorms: null }, { ...fromShards.health, rowNorms: null });
  assert.deepEqual(fromPartial.findings.map((f: { code: string }) => f.code), fromShards.findings.map((f: { code: string }) => f.code));
  for (const k of ['eigenvalues', 'mean', 'variance'] as const) assertAllClose(fromPartial[k], fromShards[k], 1e-12, k);
  for (const k of ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'conditionNumber', 'totalVariance']) {
    assertAllClose([fromPartial.metrics[k]], [fromShards.metrics[k]], 1e-12, k);
  }
  assertAllClose(Object.values(fromPartial.health.rowNorms), Object.values(fromShards.health.rowNorms), 1e-12, 'row norms');
  assert.deepEqual(fromPartial.shards.map((s: { rows: number }) => s.rows), [200, 150, 7]);
  // without --first-row the parts overlap: refused, saying what to do
  run('stats', path.join(SHARDS, 'part-2.npy'), '-o', b);
  r = run('merge', a, b, '-o', all);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /overlap.*--first-row/);
});

test('merging partials of different seeds: exit 2 naming the seeds', () => {
  const a = path.join(tmp, 's1.embstats'), b = path.join(tmp, 's2.embstats');
  run('stats', path.join(SHARDS, 'part-1.npy'), '-o', a, '--seed', '1');
  run('stats', path.join(SHARDS, 'part-2.npy'), '-o', b, '--seed', '2', '--first-row', '200');
  const r = run('merge', a, b, '-o', path.join(tmp, 'x.embstats'), '--json');
  assert.equal(r.status, 2);
  assert.match(JSON.parse(r.stdout).error.message, /s1\.embstats \(sample seed 1\).*s2\.embstats \(sample seed 2\)/);
});

test('a shard of another dimension: exit 2 naming it and both dims', () => {
  const r = run('analyze', path.join(DIR, 'otherdim'), '--json');
  assert.equal(r.status, 2);
  assert.match(JSON.parse(r.stdout).error.message, /b\.npy has 9 dimensions, but .*a\.npy has 12/);
});

test('an unreadable shard: listed with its error, report incomplete; --strict: exit 2', () => {
  const dir = mkdtempSync(path.join(tmp, 'broken-'));
  copyFileSync(path.join(SHARDS, 'part-10.npy'), path.join(dir, 'part-10.npy'));
  writeFileSync(path.join(dir, 'part-3.npy'), 'not an npy file');
  let r = run('analyze', dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.incomplete, true);
  assert.equal(j.rowsTotal, 7);
  const bad = j.shards.find((s: { error?: unknown }) => s.error);
  assert.match(bad.file, /part-3\.npy$/);
  assert.equal(typeof bad.error.message, 'string');
  assert.ok(j.findings.some((f: { code: string }) => f.code === 'incomplete-dataset'));
  // the shard is named once per sentence, and the note counts the shards that were read
  const incomplete = j.findings.find((f: { code: string }) => f.code === 'incomplete-dataset');
  assert.equal(incomplete.message.split('part-3.npy').length - 1, 1, incomplete.message);
  assert.ok(j.notes.some((n: string) => /^Dataset of 1 readable of 2 shards: every row of every readable shard analysed\./.test(n)), j.notes.join('\n'));
  r = run('analyze', dir, '--strict', '--json');
  assert.equal(r.status, 2);
  const strict = JSON.parse(r.stdout).error.message;
  assert.match(strict, /part-3\.npy/);
  assert.equal(strict.split('part-3.npy').length - 1, 1, strict);
  assert.match(run('analyze', dir).stdout, /INCOMPLETE/);
});

test('numbered shards with one missing: a shard-missing finding', () => {
  const r = run('analyze', path.join(DIR, 'numbered'), '--json');
  const j = JSON.parse(r.stdout);
  const f = j.findings.find((x: { code: string }) => x.code === 'shard-missing');
  assert.ok(f, r.stdout);
  assert.match(f.message, /missing number 2\b/);
});

test('a truncated .embstats: exit 2 with our refusal', () => {
  const good = path.join(tmp, 'good.embstats'), cut = path.join(tmp, 'cut.embstats');
  run('stats', SHARDS, '-o', good);
  const bytes = readFileSync(good);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
  const r = run('analyze', cut, '--json');
  assert.equal(r.status, 2);
  const e = JSON.parse(r.stdout).error;
  assert.notEqual(e.code, 'internal');
  assert.match(e.message, /cut\.embstats/);
});

test('one file is a dataset of one shard: --json lists it in shards', () => {
  const r = run('analyze', path.join(SHARDS, 'part-10.npy'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.shards.length, 1);
  assert.deepEqual([path.basename(j.shards[0].file), j.shards[0].firstRow, j.shards[0].rows, j.shards[0].dtype], ['part-10.npy', 0, 7, 'float32']);
  assert.match(j.shards[0].mtime, /^\d{4}-/);
});

test('a dataset\'s NaN, ±Inf and all-zero findings name their global rows, as numpy finds them, from the shards and from merged .embstats alike', () => {
  const rowsOf = (j: { findings: { code: string; rows?: number[] }[] }, code: string) => j.findings.find(f => f.code === code)?.rows;
  const direct = JSON.parse(run('analyze', SHARDS, '--json').stdout);
  const parts = ['part-1', 'part-2', 'part-10'].map(n => path.join(SHARDS, `${n}.npy`));
  const a = path.join(tmp, 'rows-a.embstats'), b = path.join(tmp, 'rows-b.embstats'), all = path.join(tmp, 'rows-all.embstats');
  assert.equal(run('stats', parts[0], '-o', a).status, 0);
  assert.equal(run('stats', parts[1], parts[2], '--first-row', String(expected.shardRows[0]), '-o', b).status, 0);
  assert.equal(run('merge', b, a, '-o', all).status, 0);
  const merged = JSON.parse(run('analyze', all, '--json').stdout);
  for (const j of [direct, merged]) {
    assert.deepEqual(rowsOf(j, 'nan-rows'), expected.rows.nan);
    assert.deepEqual(rowsOf(j, 'inf-rows'), expected.rows.inf);
    assert.deepEqual(rowsOf(j, 'zero-rows'), expected.rows.zero);
  }
});
