import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertClose } from './support';
import { partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { informationOfPartial } from '../../src/core/dataset/datasetInformation';
import { assertScalarsAgree } from '../../src/core/dataset/datasetScalars';
import { readEmbstats, readEmbstatsSource, writeEmbstats } from '../../src/core/dataset/embstatsFile';
import { mergeAll, type DatasetPartial } from '../../src/core/dataset/partial';
import { PartialCache } from '../../src/core/dataset/partialCache';
import { EmbdiagError } from '../../src/core/errors';
import { inputSourceLines } from '../../src/core/information/inputSources';
import { MemoryByteSource } from '../../src/core/io/byteSource';

/**
 * Issue #14: the scalars of the information analysis (n, b, σ, P, D, δ) given by each shard's
 * sidecar manifest are the dataset's when the shards agree; a disagreement is named, never a
 * pick; flags override. Fixture and closed-form figures: test/fixtures/dataset/make_sidecar_fixtures.py.
 */
const DIR = path.join(FIXTURES, 'dataset', 'sidecars');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** A copy of the fixture folder, with the manifest of shard `k` given `edit`. */
function copyWith(edit?: { k: number; change: (m: Record<string, unknown>) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-scalars-'));
  for (const f of readdirSync(DIR)) copyFileSync(path.join(DIR, f), path.join(dir, f));
  if (edit) {
    const file = path.join(dir, `emb_rank${edit.k}.embeddings.json`);
    const m = JSON.parse(readFileSync(file, 'utf8'));
    edit.change(m);
    writeFileSync(file, JSON.stringify(m));
  }
  return dir;
}

async function partialOf(paths: string[], firstRow = 0): Promise<DatasetPartial> {
  const r = await partialOfDataset(paths, { seed: 5, firstRow });
  assert.deepEqual(r.failures, []);
  return r.partial!;
}

test('the scalars every shard\'s manifest gives are the dataset\'s: E7a and R(D) equal the closed forms, the source says "manifest of 2 shards"', async () => {
  const p = await partialOf([DIR]);
  assert.deepEqual(p.shards.map(s => s.scalars), [expected.scalars, expected.scalars]);
  const r = informationOfPartial(p);
  assert.deepEqual(r.inputs.scalars.noiseStd, { value: 0.5, source: 'manifest', shards: { given: 2, total: 2 } });
  assert.deepEqual(r.problems.filter(q => q.code === 'scalar-disagreement'), []);
  assertClose(r.capacity.awgn.value!, expected.awgnBits, 1e-12, 0, 'E7a from the manifests\' n, P, σ');
  assert.equal(r.rateDistortion.source, 'targets');
  assertClose(r.rateDistortion.rateGaussian.value!, expected.rateGaussianBits, 1e-9, 0, 'R_G(D) at the manifests\' D');
  const line = inputSourceLines(r.inputs).find(l => l.startsWith('Scalars:'));
  assert.ok(line?.includes('σ (input noise) = 0.5 (manifest of 2 shards)'), line);
});

test('shards whose manifests disagree: an error problem naming both shards and values, the value not used; a flag overrides', async () => {
  const dir = copyWith({ k: 1, change: m => { m.noiseStd = 0.7; } });
  const p = await partialOf([dir]);
  const r = informationOfPartial(p);
  const problem = r.problems.find(q => q.code === 'scalar-disagreement');
  assert.ok(problem, 'a disagreement problem');
  assert.equal(problem!.severity, 'error');
  assert.match(problem!.message, /"noiseStd" is 0\.5 in the manifest of .*emb_rank0\.npy but 0\.7 in that of .*emb_rank1\.npy; it is not used\. .*--noise-std/);
  assert.equal(r.inputs.scalars.noiseStd, undefined);
  assert.equal(r.capacity.awgn.value, null, 'E7a needs σ: no value rather than one of the two');
  // the others agree and are used
  assert.equal(r.inputs.scalars.inputPower?.source, 'manifest');
  const flagged = informationOfPartial(p, {}, {}, { noiseStd: 0.5 });
  assert.deepEqual(flagged.problems.filter(q => q.code === 'scalar-disagreement'), []);
  assert.deepEqual(flagged.inputs.scalars.noiseStd, { value: 0.5, source: 'flag' });
  assertClose(flagged.capacity.awgn.value!, expected.awgnBits, 1e-12, 0, 'E7a with the flag\'s σ');
});

test('a scalar given by some shards\' manifests only (none disagreeing) is used, and said so', async () => {
  const dir = copyWith({ k: 1, change: m => { delete m.noiseStd; } });
  const r = informationOfPartial(await partialOf([dir]));
  assert.deepEqual(r.inputs.scalars.noiseStd, { value: 0.5, source: 'manifest', shards: { given: 1, total: 2 } });
  assert.ok(r.notes.some(n => n.includes('"noiseStd" = 0.5 is given by the manifests of 1 of the 2 shards')), r.notes.join(' | '));
  assertClose(r.capacity.awgn.value!, expected.awgnBits, 1e-12, 0, 'E7a');
  assert.ok(inputSourceLines(r.inputs).some(l => l.includes('σ (input noise) = 0.5 (manifest of 1 of 2 shards)')));
});

test('.embstats keeps each shard\'s manifest scalars (an optional header field: files without it still read); merging disagreeing partials is refused naming them', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'embdiag-scalars-embstats-'));
  const dir = copyWith({ k: 1, change: m => { m.inputSymbols = 5; } });
  const a = await partialOf([path.join(dir, 'emb_rank0.npy')]);
  const b = await partialOf([path.join(dir, 'emb_rank1.npy')], 30);
  await writeEmbstats(path.join(tmp, 'a.embstats'), a);
  const back = await readEmbstats(path.join(tmp, 'a.embstats'));
  assert.deepEqual(back.shards[0].scalars, expected.scalars);
  // the merge of the partials keeps every shard's values; a partial refuses to hold a disagreement
  const merged = mergeAll([back, b]);
  assert.deepEqual(merged.shards.map(s => s.scalars?.inputSymbols), [3, 5]);
  assert.throws(() => assertScalarsAgree(merged.shards, 'Cannot merge'), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-argument'
    && /^Cannot merge: the shards' sidecar manifests disagree: "inputSymbols" is 3 in the manifest of .*emb_rank0\.npy but 5 in that of .*emb_rank1\.npy\. Make the shards. manifests give the same value, or give it with --input-symbols when analysing/.test(e.message));
  // an older file: no scalars
  const old = await readEmbstats(path.join(FIXTURES, 'hostile', 'embstats', 'seeds', 'small.embstats'));
  assert.ok(old.shards.every(s => s.scalars === undefined));
  // a header whose scalars lie is refused in our words
  const text = readFileSync(path.join(tmp, 'a.embstats')).toString('latin1');
  for (const [from, to, re] of [['"noiseStd": 0.5', '"noiseStd": -1 ', /shard 0's manifest scalar "noiseStd" must be a positive noise standard deviation \(got -1\)/],
    ['"noiseStd": 0.5', '"noisyStd": 0.5', /shard 0's manifest scalars hold the unknown key "noisyStd"/]] as const) {
    assert.ok(text.includes(from));
    await assert.rejects(readEmbstatsSource(new MemoryByteSource(Buffer.from(text.replace(from, to), 'latin1'), 'x.embstats')),
      (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-header' && re.test(e.message));
  }
});

test('a cached shard partial keeps its manifest scalars', async () => {
  const dir = copyWith();
  const cache = new PartialCache(path.join(dir, 'cache'));
  await partialOfDataset([dir], { seed: 5, cache });
  const again = await partialOfDataset([dir], { seed: 5, cache });
  assert.equal(again.shardsCached, 2);
  assert.deepEqual(again.partial!.shards.map(s => s.scalars), [expected.scalars, expected.scalars]);
});

test('embdiag analyze FOLDER: the manifests\' scalars in the information section (text and JSON), a disagreement named, a flag overriding; stats and merge refuse a disagreement', () => {
  const json = run('analyze', DIR, '--json');
  const info = JSON.parse(json.stdout).information;
  assert.ok(info, json.stderr);
  assert.deepEqual(info.inputs.scalars.inputSymbols, { value: 3, source: 'manifest', shards: { given: 2, total: 2 } });
  assertClose(info.capacity.awgn.value, expected.awgnBits, 1e-12, 0, 'E7a');
  assert.match(run('analyze', DIR).stdout, /n \(input symbols per model use\) = 3 \(manifest of 2 shards\)/);

  const dir = copyWith({ k: 1, change: m => { m.distortion = 0.9; } });
  const bad = run('analyze', dir, '--json');
  assert.equal(bad.status, 1, bad.stderr);
  const problem = JSON.parse(bad.stdout).information.problems.find((q: { code: string }) => q.code === 'scalar-disagreement');
  assert.match(problem.message, /"distortion" is 0\.6 in the manifest of .*emb_rank0\.npy but 0\.9 in that of .*emb_rank1\.npy/);
  const flagged = JSON.parse(run('analyze', dir, '--distortion', '0.6', '--json').stdout).information;
  assert.equal(flagged.problems.some((q: { code: string }) => q.code === 'scalar-disagreement'), false);
  assert.deepEqual(flagged.inputs.scalars.distortion, { value: 0.6, source: 'flag' });
  assertClose(flagged.rateDistortion.rateGaussian.value, expected.rateGaussianBits, 1e-9, 0, 'R_G(D) at the flag\'s D');

  const stats = run('stats', dir, '-o', path.join(dir, 'all.embstats'));
  assert.equal(stats.status, 2);
  assert.match(stats.stdout + stats.stderr, /Cannot write .*all\.embstats: the shards' sidecar manifests disagree: "distortion" is 0\.6 in the manifest of .*emb_rank0\.npy but 0\.9/);
  const parts = [0, 1].map(k => {
    const out = path.join(dir, `${k}.embstats`);
    assert.equal(run('stats', path.join(dir, `emb_rank${k}.npy`), '--first-row', String(k * 30), '-o', out).status, 0);
    return out;
  });
  const merge = run('merge', ...parts, '-o', path.join(dir, 'merged.embstats'));
  assert.equal(merge.status, 2);
  assert.match(merge.stdout + merge.stderr, /Cannot merge .*0\.embstats and .*1\.embstats: the shards' sidecar manifests disagree: "distortion" is 0\.6 in the manifest of .*emb_rank0\.npy \(in .*0\.embstats\) but 0\.9 in that of .*emb_rank1\.npy \(in .*1\.embstats\)/);
  // agreeing partials merge, and the merged file says the same as the folder
  const good = [0, 1].map(k => {
    const out = path.join(dir, `good-${k}.embstats`);
    assert.equal(run('stats', path.join(DIR, `emb_rank${k}.npy`), '--first-row', String(k * 30), '-o', out).status, 0);
    return out;
  });
  assert.equal(run('merge', ...good, '-o', path.join(dir, 'good.embstats')).status, 0);
  const fromMerged = JSON.parse(run('analyze', path.join(dir, 'good.embstats'), '--json').stdout).information;
  assert.deepEqual(fromMerged.inputs.scalars, info.inputs.scalars);
  assert.equal(fromMerged.capacity.awgn.value, info.capacity.awgn.value);
});
