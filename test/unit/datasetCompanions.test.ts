import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertClose } from './support';
import { partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { informationOfPartial } from '../../src/core/dataset/datasetInformation';
import { readEmbstats, readEmbstatsSource, writeEmbstats } from '../../src/core/dataset/embstatsFile';
import { EmbdiagError } from '../../src/core/errors';
import { openNpz } from '../../src/core/formats/npz';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { mergeAll, type DatasetPartial } from '../../src/core/dataset/partial';
import { PartialCache } from '../../src/core/dataset/partialCache';
import { analyzeInformationFile } from '../../src/core/information/analyzeInformation';
import type { InformationReport } from '../../src/core/information/informationReport';

/** Issue #14: companions (Z̃, Y, Ŷ, X, labels) given per shard: the information report of a dataset. */
const DIR = path.join(FIXTURES, 'dataset', 'companions');
const SHARDS = path.join(DIR, 'shards');
const NAMES = ['comp-1.npz', 'comp-2.npz', 'comp-10.npz'];
const OFFSETS = [0, 120, 210];
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(path.join(tmpdir(), 'embdiag-dataset-companions-'));
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const SCALARS = { noiseStd: expected.sigma };

async function readPartial(paths: string[], firstRow = 0): Promise<DatasetPartial> {
  const r = await partialOfDataset(paths, { seed: 3, firstRow });
  assert.deepEqual(r.failures, []);
  return r.partial!;
}

async function mergedFromFiles(): Promise<DatasetPartial> {
  const parts: DatasetPartial[] = [];
  for (let i = NAMES.length - 1; i >= 0; i--) {
    const out = path.join(tmp, `${i}.embstats`);
    await writeEmbstats(out, await readPartial([path.join(SHARDS, NAMES[i])], OFFSETS[i]));
    parts.push(await readEmbstats(out));
  }
  return mergeAll(parts.reverse());
}

/** Every figure that has a value, by its path in the report. */
function figures(r: InformationReport): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (x: unknown, at: string) => {
    if (!x || typeof x !== 'object') return;
    const f = x as { value?: unknown; unit?: unknown };
    if (typeof f.value === 'number' && typeof f.unit === 'string') out.set(at, f.value);
    for (const [k, v] of Object.entries(x)) if (k !== 'details') visit(v, `${at}.${k}`);
  };
  visit({ entropy: r.entropy, capacity: r.capacity, rateDistortion: r.rateDistortion, collapse: r.collapse, sourceEntropy: r.sourceEntropy }, '');
  return out;
}

test('companions per shard: the dataset\'s Gaussian capacity and R(D) figures equal numpy\'s closed forms on the concatenation (1e-9)', async () => {
  const folder = informationOfPartial(await readPartial([SHARDS]), {}, {}, SCALARS);
  const merged = informationOfPartial(await mergedFromFiles(), {}, {}, SCALARS);
  for (const [name, r] of [['folder', folder], ['merged .embstats', merged]] as const) {
    const p = r.capacity.perturbed!;
    assert.ok(p, `${name}: the perturbed section is there`);
    assertClose(p.cca.value!, expected.ccaBits, 1e-9, 0, `${name}: E7c`);
    assertClose(p.lmmseGaussian.value!, expected.ccaBits, 1e-9, 0, `${name}: E7d with ĥ_G`);
    assertClose(p.snr.value!, expected.snrBits, 1e-9, 0, `${name}: E7b`);
    assertClose(p.perturbationEntropy.value!, expected.perturbationEntropyBits, 1e-9, 0, `${name}: h(E)`);
    assertClose(r.rateDistortion.operatingPoint!.mse.value!, expected.mse, 1e-9, 0, `${name}: D_model`);
    assertClose(r.rateDistortion.operatingPoint!.rateGaussian.value!, expected.rateAtModelMseBits, 1e-9, 0, `${name}: R_G(D_model)`);
    assertClose(r.capacity.awgn.value!, expected.awgnBits, 1e-9, 0, `${name}: E7a with P from the inputs`);
    assert.equal(p.cca.rows, expected.rowsAllFinite, `${name}: the rows where every array is finite`);
    assert.equal(r.rows.droppedNonFinite, expected.rowsTotal - expected.rowsAllFinite);
    assert.deepEqual(Object.entries(r.inputs.present).filter(([, v]) => v).map(([k]) => k), ['perturbed', 'targets', 'predictions', 'inputs', 'labels']);
  }
});

test('companions per shard: the dataset\'s information report equals the single-file report of the concatenated npz, folder and merged alike', async () => {
  const single = await analyzeInformationFile(path.join(DIR, 'concat.npz'), { noiseStd: expected.sigma, manifest: false });
  const want = figures(single);
  assert.ok(want.size > 20, 'the single-file report has its figures');
  for (const [name, r] of [['folder', informationOfPartial(await readPartial([SHARDS]), {}, {}, SCALARS)], ['merged', informationOfPartial(await mergedFromFiles(), {}, {}, SCALARS)]] as const) {
    const got = figures(r);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${name}: the same figures have values`);
    for (const [k, v] of want) assertClose(got.get(k)!, v, 1e-9, 1e-12, `${name}: ${k}`);
    assert.equal(r.rows.used, single.rows.used);
  }
});

test('companions from each shard\'s sidecar manifest: R(D) of the targets over both shards equals numpy', async () => {
  const files = ['s-1.npy', 's-2.npy'].map(f => path.join(DIR, 'manifest', f));
  const p = await readPartial(files);
  assert.deepEqual(p.companions!.roles.map(r => [r.role, r.dim]), [['targets', 2]]);
  const r = informationOfPartial(p, {}, {}, { distortion: expected.manifest.distortion });
  assert.equal(r.rateDistortion.source, 'targets');
  assert.equal(r.rateDistortion.rows, expected.manifest.rows);
  assertClose(r.rateDistortion.rateGaussian.value!, expected.manifest.rateGaussianBits, 1e-9, 0, 'R_G(D) on Y');
});

test('a shard whose companions differ from the others is refused, naming it', async () => {
  const r = await partialOfDataset([path.join(DIR, 'mixed')], { seed: 3 }).then(() => null, (e: Error) => e);
  assert.ok(r, 'refused');
  assert.match(r!.message, /a\.npz \(companion arrays: Y \(2 columns\)\) with .*b\.npz \(companion arrays: none\)/);
});

test('embdiag analyze FOLDER with companions: the information section by default, identical from the merged .embstats', () => {
  const parts = NAMES.map((n, i) => {
    const out = path.join(tmp, `cli-${i}.embstats`);
    const r = run('stats', path.join(SHARDS, n), '--first-row', String(OFFSETS[i]), '-o', out);
    assert.equal(r.status, 0, r.stderr);
    return out;
  });
  const all = path.join(tmp, 'cli-all.embstats');
  assert.equal(run('merge', ...parts, '-o', all).status, 0);
  const i = JSON.parse(run('analyze', SHARDS, '--json').stdout).information;
  const j = JSON.parse(run('analyze', all, '--json').stdout).information;
  assert.ok(i && j, 'both carry the information section');
  assertClose(i.capacity.perturbed.cca.value, expected.ccaBits, 1e-9, 0, 'E7c (folder)');
  assertClose(j.capacity.perturbed.cca.value, expected.ccaBits, 1e-9, 0, 'E7c (merged)');
  assert.equal(j.capacity.perturbed.ksg.value, i.capacity.perturbed.ksg.value);
});

test('.embstats with companions: the arrays numpy sees, and altered companion headers refused in our words', async () => {
  const p = await readPartial([SHARDS]);
  const file = path.join(tmp, 'companions.embstats');
  await writeEmbstats(file, p);
  const back = await readEmbstats(file);
  assert.deepEqual(back.companions, p.companions);
  assert.deepEqual(back.sample.companions, p.sample.companions);
  const source = new MemoryByteSource(readFileSync(file), 'c.embstats');
  const npz = await openNpz(source);
  const shape = (n: string) => npz.arrays.find(a => a.name === n)?.shape;
  // D = 5 (Z) + 5 (Z̃) + 2 (Y) + 2 (Ŷ) + 3 (X) + 1 (labels)
  assert.deepEqual(shape('companion_mean'), [18]);
  assert.deepEqual(shape('companion_comoment'), [18, 18]);
  assert.deepEqual(shape('sample_companion_rows'), [p.sample.indices.length, 13]);
  const text = readFileSync(file).toString('latin1');
  const refused = async (from: string, to: string, re: RegExp) => {
    assert.equal(from.length, to.length);
    assert.ok(text.includes(from), from);
    await assert.rejects(readEmbstatsSource(new MemoryByteSource(Buffer.from(text.replace(from, to), 'latin1'), 'x.embstats')), (e: unknown) => {
      assert.ok(e instanceof EmbdiagError && e.code === 'bad-header', String(e));
      assert.match(e.message, re);
      return true;
    });
  };
  await refused('"role": "targets"', '"role": "targetz"', /companion summary is incomplete/);
  await refused('"finiteRows": 267', '"finiteRows": 999', /companion summary is incomplete/);
  await refused('"dim": 2,', '"dim": 3,', /array companion_mean holds 18 values, not 19/);
});

test('the joint moments are those of numpy whichever statistics engine reads the joint rows (JavaScript or WebAssembly float64)', async () => {
  for (const kernels of ['js', 'float64'] as const) {
    const r = await partialOfDataset([SHARDS], { seed: 3, kernels });
    const info = informationOfPartial(r.partial!, {}, {}, SCALARS);
    assertClose(info.capacity.perturbed!.cca.value!, expected.ccaBits, 1e-9, 0, `${kernels}: E7c`);
    assertClose(info.capacity.perturbed!.snr.value!, expected.snrBits, 1e-9, 0, `${kernels}: E7b`);
    assertClose(info.rateDistortion.operatingPoint!.mse.value!, expected.mse, 1e-9, 0, `${kernels}: D_model`);
  }
});

test('a cached shard partial is read again when its sidecar manifest (its companions) changes', async () => {
  const dir = mkdtempSync(path.join(tmp, 'cache-'));
  for (const f of ['s-1.npy', 's-2.npy', 's-1_targets.npy', 's-2_targets.npy', 's-1.embeddings.json', 's-2.embeddings.json']) copyFileSync(path.join(DIR, 'manifest', f), path.join(dir, f));
  const files = ['s-1.npy', 's-2.npy'].map(f => path.join(dir, f));
  const cache = new PartialCache(path.join(dir, 'cache'));
  const first = await partialOfDataset(files, { seed: 3, cache });
  assert.equal(first.partial!.companions!.roles.length, 1);
  assert.equal((await partialOfDataset(files, { seed: 3, cache })).shardsCached, 2);
  for (const m of ['s-1.embeddings.json', 's-2.embeddings.json']) writeFileSync(path.join(dir, m), '{"version": 1, "description": "no companions any more"}');
  const after = await partialOfDataset(files, { seed: 3, cache });
  assert.equal(after.shardsCached, 0);
  assert.equal(after.partial!.companions, null);
});
