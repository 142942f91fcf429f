import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertClose } from './support';
import { partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { informationOfPartial, sampleRowsInOrder } from '../../src/core/dataset/datasetInformation';
import { readEmbstats, writeEmbstats } from '../../src/core/dataset/embstatsFile';
import { mergeAll, type DatasetPartial } from '../../src/core/dataset/partial';
import type { InformationReport } from '../../src/core/information/informationReport';

/** Issue #14: the information estimates and the regime analysis on datasets, from the partial. */
const DIR = path.join(FIXTURES, 'dataset');
const SHARDS = path.join(DIR, 'shards');
const NAMES = ['part-1.npy', 'part-2.npy', 'part-10.npy'];
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(path.join(tmpdir(), 'embdiag-dataset-information-'));
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const SAMPLE = 200;

async function readPartial(paths: string[], firstRow = 0): Promise<DatasetPartial> {
  const r = await partialOfDataset(paths, { seed: 5, sampleRows: SAMPLE, firstRow });
  assert.equal(r.failures.length, 0);
  return r.partial!;
}

/** The partial of each shard written to and read back from its own .embstats, then merged (the map/reduce route). */
async function mergedFromFiles(): Promise<DatasetPartial> {
  const offsets = [0, 200, 350];
  const parts: DatasetPartial[] = [];
  for (let i = NAMES.length - 1; i >= 0; i--) {
    const out = path.join(tmp, `${i}.embstats`);
    await writeEmbstats(out, await readPartial([path.join(SHARDS, NAMES[i])], offsets[i]));
    parts.push(await readEmbstats(out));
  }
  return mergeAll(parts.reverse());
}

const gaussian = (r: InformationReport) => ({
  plugin: r.entropy.gaussian.plugin.value!, pluginMl: r.entropy.gaussian.pluginMl.value!, umvu: r.entropy.gaussian.umvu.value!,
  rate: r.rateDistortion.rateGaussian.value!, rdEigenvalues: r.rateDistortion.eigenvalues,
});

test('Gaussian information figures of a dataset come from all its finite rows: numpy on the concatenation (1e-9), from the folder, merged .embstats, or one file', async () => {
  const D = expected.information.distortion;
  const folder = informationOfPartial(await readPartial([SHARDS]), {}, {}, { distortion: D });
  const merged = informationOfPartial(await mergedFromFiles(), {}, {}, { distortion: D });
  const single = informationOfPartial(await readPartial([path.join(DIR, 'concat.npy')]), {}, {}, { distortion: D });
  for (const [name, r] of [['folder', folder], ['merged', merged], ['one file', single]] as const) {
    assertClose(r.entropy.gaussian.plugin.value!, expected.information.gaussianEntropyBits, 1e-9, 0, `${name}: plug-in entropy vs numpy`);
    assertClose(r.entropy.gaussian.pluginMl.value!, expected.information.gaussianEntropyMlBits, 1e-9, 0, `${name}: ML entropy vs numpy`);
    assertClose(r.rateDistortion.rateGaussian.value!, expected.information.rateGaussianBits, 1e-9, 0, `${name}: R(D) vs numpy`);
    assert.equal(r.entropy.gaussian.plugin.rows, expected.rowsInStatistics, `${name}: the Gaussian figures count every finite row`);
    assert.equal(r.rows.total, expected.rowsTotal);
    assert.equal(r.rows.read, SAMPLE, `${name}: the k-NN figures use the shared sample`);
    assert.equal(r.rows.droppedNonFinite, expected.rowsTotal - expected.rowsInStatistics);
  }
  const g = gaussian(folder);
  for (const r of [merged, single]) {
    const h = gaussian(r);
    for (const k of ['plugin', 'pluginMl', 'umvu', 'rate'] as const) assertClose(h[k], g[k], 1e-9, 0, k);
    h.rdEigenvalues.forEach((v, i) => assertClose(v, g.rdEigenvalues[i], 1e-9, 0, `S eigenvalue ${i}`));
  }
  // the k-NN and collision figures: the same sample rows, so the same numbers to the last bit
  assert.equal(merged.entropy.kozachenkoLeonenko.value, folder.entropy.kozachenkoLeonenko.value);
  assert.ok(Number.isFinite(folder.entropy.kozachenkoLeonenko.value));
  assert.deepEqual(merged.representationRate.collision, folder.representationRate.collision);
  assert.deepEqual(merged.collapse, folder.collapse);
});

test('the sample of a dataset: the same rows (global indices ascending) in one process and merged; a smaller sample is its prefix', async () => {
  const folder = await readPartial([SHARDS]);
  const merged = await mergedFromFiles();
  const a = sampleRowsInOrder(folder), b = sampleRowsInOrder(merged);
  assert.deepEqual(a, b);
  assert.equal(a.n, SAMPLE);
  assert.deepEqual([...a.indices], [...a.indices].sort((x, y) => x - y));
  // the rows are those of the concatenation at those global indices
  const concat = await readPartial([path.join(DIR, 'concat.npy')]);
  assert.deepEqual(sampleRowsInOrder(concat), a);
  const small = await partialOfDataset([SHARDS], { seed: 5, sampleRows: 50 });
  assert.deepEqual(sampleRowsInOrder(small.partial!), sampleRowsInOrder(folder, 50));
});

test('embdiag analyze FOLDER --information and analyze MERGED.embstats --information: the same estimates', () => {
  const parts = NAMES.map((n, i) => {
    const out = path.join(tmp, `cli-${i}.embstats`);
    const r = run('stats', path.join(SHARDS, n), '--first-row', String([0, 200, 350][i]), '--sample-rows', '300', '-o', out);
    assert.equal(r.status, 0, r.stderr);
    return out;
  });
  const all = path.join(tmp, 'cli-all.embstats');
  assert.equal(run('merge', ...parts, '-o', all).status, 0);
  const fromFolder = run('analyze', SHARDS, '--information', '--max-rows', '300', '--distortion', String(expected.information.distortion), '--json');
  const fromMerged = run('analyze', all, '--information', '--max-rows', '300', '--distortion', String(expected.information.distortion), '--json');
  assert.equal(fromFolder.status, 1, fromFolder.stderr); // NaN rows: an error finding of the report
  const i = JSON.parse(fromFolder.stdout).information, j = JSON.parse(fromMerged.stdout).information;
  assert.ok(i && j, 'both carry the information section');
  assertClose(i.entropy.gaussian.plugin.value, expected.information.gaussianEntropyBits, 1e-9, 0, 'plug-in vs numpy');
  assertClose(j.entropy.gaussian.plugin.value, expected.information.gaussianEntropyBits, 1e-9, 0, 'plug-in vs numpy (merged)');
  assert.equal(i.rows.read, 300);
  assert.equal(j.entropy.kozachenkoLeonenko.value, i.entropy.kozachenkoLeonenko.value);
  // without --information a dataset has no companions, so no information section by default
  assert.equal(JSON.parse(run('analyze', SHARDS, '--json').stdout).information, undefined);
  // companions are matched within one file: refused for a dataset, with our sentence
  const refused = run('analyze', SHARDS, '--targets', path.join(DIR, 'concat.npy'));
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /companion arrays\) apply to one file/);
});

test('embdiag regime FOLDER and regime MERGED.embstats: the same rows, the same simulation', () => {
  const parts = NAMES.map((n, i) => {
    const out = path.join(tmp, `regime-${i}.embstats`);
    assert.equal(run('stats', path.join(SHARDS, n), '--first-row', String([0, 200, 350][i]), '--sample-rows', '250', '-o', out).status, 0);
    return out;
  });
  const all = path.join(tmp, 'regime-all.embstats');
  assert.equal(run('merge', ...parts, '-o', all).status, 0);
  const args = ['--latent', '3', '--lr', '0.05', '--steps', '60', '--seeds', '2', '--max-rows', '250', '--json'];
  const a = run('regime', SHARDS, ...args), b = run('regime', all, ...args);
  assert.ok(a.status === 0 || a.status === 1, a.stderr);
  const ja = JSON.parse(a.stdout), jb = JSON.parse(b.stdout);
  assert.equal(ja.rowsUsed, 250);
  assert.equal(ja.rowsTotal, expected.rowsTotal);
  assert.equal(ja.droppedNonFiniteRows, expected.rowsTotal - expected.rowsInStatistics);
  assert.ok(ja.regime.simulation && ja.regime.simulation.runs === 2);
  assert.deepEqual(jb.regime, ja.regime);
  // a smaller --max-rows on the same .embstats: the first rows of its sample, as a dataset read with that sample size
  const c = run('regime', all, ...args.slice(0, -3), '--max-rows', '120', '--json'), d = run('regime', SHARDS, ...args.slice(0, -3), '--max-rows', '120', '--json');
  assert.deepEqual(JSON.parse(c.stdout).regime, JSON.parse(d.stdout).regime);
});

test('a large row sample (the regime\'s --max-rows) lowers the shards read at once: memory stays bounded', async () => {
  const { shardConcurrency } = await import('../../src/core/dataset/shardConcurrency');
  // 16 shards of d = 768 on 8 cores: 8 at once with the default sample; a 20,000-row sample holds 3 × 123 MB per shard, so 2
  assert.deepEqual(shardConcurrency(16, 768, { cores: 8, sampleRows: 1024 }), { inFlight: 8, kernelWorkers: 1 });
  assert.deepEqual(shardConcurrency(16, 768, { cores: 8, sampleRows: 20_000 }), { inFlight: 2, kernelWorkers: 1 });
});
