import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES, assertAllClose } from './support';
import { analyzeDataset } from '../../src/core/dataset/analyzeDataset';
import { expandDataset } from '../../src/core/dataset/datasetPaths';

/**
 * Issue #14: a folder (or glob) given as a dataset holds the shards' sidecar companions
 * (emb_rank0.perturbed.npy, targets, metadata named by emb_rank0.embeddings.json): they are not
 * shards. Fixture and expected figures: test/fixtures/dataset/make_sidecar_fixtures.py (numpy).
 */
const DIR = path.join(FIXTURES, 'dataset', 'sidecars');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const SHARDS = ['emb_rank0.npy', 'emb_rank1.npy'];
const ASIDE = ['emb_rank0.perturbed.npy', 'emb_rank0.targets.npy', 'emb_rank0.meta.tsv', 'emb_rank1.perturbed.npy', 'emb_rank1.targets.npy', 'emb_rank1.meta.tsv'];

function copyOfFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-sidecars-'));
  for (const f of readdirSync(DIR)) copyFileSync(path.join(DIR, f), path.join(dir, f));
  return dir;
}

test('a folder of shards with sidecar companions: the companions are not shards; rows and eigenvalues equal numpy on the true shards', async () => {
  const report = await analyzeDataset([DIR], { seed: 1 });
  assert.deepEqual(report.shards!.map(s => path.basename(s.file)), SHARDS);
  assert.equal(report.incomplete, false);
  assert.equal(report.rowsTotal, expected.rows);
  assertAllClose(report.eigenvalues, expected.eigenvalues, 1e-9, 'eigenvalues');
  const note = report.notes.find(n => n.includes('named as companions'));
  assert.ok(note, `a note says which files were set aside: ${report.notes.join(' | ')}`);
  assert.match(note!, /^6 files named as companions by manifests are not shards: /);
  assert.match(note!, /emb_rank0\.perturbed\.npy \(perturbed of emb_rank0\.npy\)/);
});

test('a glob: the same shards, the same companions set aside', async () => {
  const { files, setAside } = await expandDataset([path.join(DIR, '*.npy')]);
  assert.deepEqual(files.map(f => path.basename(f)), SHARDS);
  assert.deepEqual(setAside.map(a => path.basename(a.file)).sort(), ASIDE.filter(f => f.endsWith('.npy')).sort());
  assert.deepEqual(setAside.map(a => a.role).sort(), ['perturbed', 'perturbed', 'targets', 'targets']);
  const folder = await expandDataset([DIR]);
  assert.deepEqual(folder.setAside.map(a => path.basename(a.file)).sort(), [...ASIDE].sort());
  assert.deepEqual(folder.setAside.map(a => a.role).sort(), ['metadata', 'metadata', 'perturbed', 'perturbed', 'targets', 'targets']);
  const report = await analyzeDataset([path.join(DIR, 'emb_rank*.npy')], { seed: 1 });
  assert.equal(report.rowsTotal, expected.rows);
  assertAllClose(report.eigenvalues, expected.eigenvalues, 1e-9, 'eigenvalues');
  assert.ok(report.notes.some(n => n.startsWith('4 files named as companions by manifests are not shards: ')), report.notes.join(' | '));
});

test('a companion given by its own path is a shard; the folder\'s other companions stay set aside', async () => {
  const { files, setAside } = await expandDataset([DIR, path.join(DIR, 'emb_rank1.perturbed.npy')]);
  assert.deepEqual(files.map(f => path.basename(f)), [...SHARDS, 'emb_rank1.perturbed.npy']);
  assert.ok(!setAside.some(a => path.basename(a.file) === 'emb_rank1.perturbed.npy'));
  assert.equal(setAside.length, 5);
});

test('a manifest that names no companion file (or is not JSON) sets nothing aside', async () => {
  const dir = copyOfFixture();
  writeFileSync(path.join(dir, 'emb_rank0.embeddings.json'), '{"version": 1, "noiseStd": 0.5}');
  writeFileSync(path.join(dir, 'emb_rank1.embeddings.json'), '{"version": 1, ');
  const { files, setAside } = await expandDataset([dir]);
  assert.equal(setAside.length, 0);
  assert.deepEqual(files.map(f => path.basename(f)), ['emb_rank0.meta.tsv', 'emb_rank0.npy', 'emb_rank0.perturbed.npy', 'emb_rank0.targets.npy',
    'emb_rank1.meta.tsv', 'emb_rank1.npy', 'emb_rank1.perturbed.npy', 'emb_rank1.targets.npy']);
});
