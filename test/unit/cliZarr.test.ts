import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO_ROOT, assertAllClose } from './support';
import { FORMAT_FIXTURES, loadExpected } from './formats.helpers';
import { expandDatasetPaths } from '../../src/core/dataset/datasetPaths';
import { EmbdiagError } from '../../src/core/errors';

/** `embdiag analyze` on Zarr stores (one dump, though a folder) and on Hugging Face save_to_disk folders (a dataset of their shards). */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const STORES: [string, string | undefined][] = [
  ['zarr/blosc_lz4.zarr', undefined], ['zarr/fortran.zarr', undefined], ['zarr/zipped.zarr.zip', undefined],
  ['zarr/v3_transpose_zstd.zarr', undefined], ['zarr/group.zarr', undefined], ['zarr/group.zarr', 'model/proj'], ['zarr/stacked.zarr', undefined],
];

for (const [rel, array] of STORES) {
  test(`embdiag analyze ${rel}${array ? ` --array ${array}` : ''}: one Zarr dump, numpy's shape, mean and eigenvalues`, () => {
    const expected = loadExpected(rel);
    const want = expected.arrays!.find(a => a.name === (array ?? expected.array))!;
    const r = run('analyze', path.join(FORMAT_FIXTURES, rel), ...(array ? ['--array', array] : []), '--json');
    assert.ok(r.status === 0 || r.status === 1, r.stderr + r.stdout);
    const j = JSON.parse(r.stdout);
    assert.equal(j.format, 'zarr');
    assert.equal(j.array.name, want.name);
    assert.deepEqual(j.array.shape, want.shape);
    assert.equal(j.array.dtype, want.dtype);
    assert.equal(j.shards.length, 1, 'a store is one dump, not a dataset of its files');
    const stats = want.stats as unknown as { mean: number[]; eigenvalues: number[] };
    assertAllClose(j.mean, stats.mean, 1e-6, 'mean');
    assertAllClose(j.eigenvalues, stats.eigenvalues, 1e-6, 'eigenvalues');
  });
}

test('embdiag analyze on a store with a missing chunk: the fill value is read and the report says so', () => {
  const r = run('analyze', path.join(FORMAT_FIXTURES, 'zarr', 'missing_chunk.zarr'), '--json');
  const j = JSON.parse(r.stdout);
  const want = loadExpected('zarr/missing_chunk.zarr').arrays![0].stats as unknown as { mean: number[] };
  assertAllClose(j.mean, want.mean, 1e-6, 'mean');
  const finding = j.findings.find((f: { code: string }) => f.code === 'missing-chunks');
  assert.ok(finding, JSON.stringify(j.findings));
  assert.match(finding.message, /1 chunk of 'missing_chunk' \(first '1\.0'\) is not in the store: read as the fill value 0\.5/);
});

test('embdiag analyze on an unknown v3 codec: exit 2, unsupported-compression naming the codec', () => {
  const r = run('analyze', path.join(FORMAT_FIXTURES, 'zarr', 'refusals', 'v3_unknown_codec.zarr'), '--json');
  assert.equal(r.status, 2, r.stdout);
  const j = JSON.parse(r.stdout);
  assert.equal(j.error.code, 'unsupported-compression');
  assert.match(j.error.message, /'zfpy'/);
});

const HF = path.join(FIXTURES, 'dataset', 'hf_saved');
const hfExpected = JSON.parse(readFileSync(path.join(FIXTURES, 'dataset', 'hf_saved.expected.json'), 'utf8'));

test('embdiag analyze on a save_to_disk folder: its shards in state.json order, rows concatenated, numpy\'s mean and eigenvalues', () => {
  const r = run('analyze', HF, '--json');
  assert.ok(r.status === 0 || r.status === 1, r.stderr + r.stdout);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.shards.map((s: { file: string }) => path.basename(s.file)), hfExpected.shards);
  assert.equal(j.rowsTotal, hfExpected.rows);
  assert.equal(j.dim, hfExpected.dim);
  assert.equal(j.array.name, 'embedding');
  assertAllClose(j.mean, hfExpected.mean, 1e-6, 'mean');
  assertAllClose(j.eigenvalues, hfExpected.eigenvalues, 1e-6, 'eigenvalues');
});

test('a save_to_disk folder\'s shards follow state.json, not the names; a listed name that leaves the folder or is missing is refused', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-hf-'));
  for (const f of hfExpected.shards) copyFileSync(path.join(HF, f), path.join(dir, f));
  const order = [hfExpected.shards[2], hfExpected.shards[0], hfExpected.shards[1]];
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ _data_files: order.map((filename: string) => ({ filename })) }));
  assert.deepEqual((await expandDatasetPaths([dir])).map(f => path.basename(f)), order);
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ _data_files: [{ filename: '../etc/passwd' }] }));
  await assert.rejects(expandDatasetPaths([dir]), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-header');
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ _data_files: [{ filename: 'data-00009-of-00010.arrow' }] }));
  await assert.rejects(expandDatasetPaths([dir]), (e: unknown) => e instanceof EmbdiagError && e.code === 'file-missing' && /data-00009-of-00010/.test(e.message));
  // a Zarr store given as a dataset path is one shard, not a folder of files
  assert.deepEqual(await expandDatasetPaths([path.join(FORMAT_FIXTURES, 'zarr', 'group.zarr')]), [path.join(FORMAT_FIXTURES, 'zarr', 'group.zarr')]);
});
