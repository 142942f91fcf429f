import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expandDatasetPaths } from '../../src/core/dataset/datasetPaths';
import { FIXTURES } from './support';

test('a folder of shards: its dumps in natural order, not the manifest, dataset_info.json or README.txt beside them', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-shards-'));
  for (const f of readdirSync(path.join(FIXTURES, 'dataset', 'shards'))) copyFileSync(path.join(FIXTURES, 'dataset', 'shards', f), path.join(dir, f));
  writeFileSync(path.join(dir, 'part-1.embeddings.json'), '{"version": 1}\n');
  writeFileSync(path.join(dir, 'dataset_info.json'), '{"features": {}}\n');
  writeFileSync(path.join(dir, 'README.txt'), 'shards of the run\n');
  const files = await expandDatasetPaths([dir]);
  assert.deepEqual(files.map(f => path.basename(f)), ['part-1.npy', 'part-2.npy', 'part-10.npy']);
  // named explicitly, a .json file is still taken (its content decides whether it is a dump)
  assert.deepEqual((await expandDatasetPaths([path.join(dir, 'dataset_info.json')])).map(f => path.basename(f)), ['dataset_info.json']);
});
