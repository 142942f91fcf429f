import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from './support';
import { analyzeDataset, partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { PartialCache } from '../../src/core/dataset/partialCache';

/**
 * Issue #14, "when a training job adds a shard, only that shard is read": the cache also keeps the
 * merged partial of the whole dataset, so that the next run reads one entry for all the shards it
 * had, not one per shard, and reports exactly what it reports without any cache.
 */
const shard = (name: string) => path.join(FIXTURES, 'dataset', 'shards', name);
const datasetEntries = (dir: string) => readdirSync(dir).filter(f => f.startsWith('dataset-') && f.endsWith('.embstats'));
const withoutTimings = (r: object) => ({ ...r, timings: null, notes: null });

function freshDataset() {
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-prefix-'));
  const data = path.join(dir, 'data');
  mkdirSync(data);
  copyFileSync(shard('part-1.npy'), path.join(data, 'part-1.npy'));
  copyFileSync(shard('part-2.npy'), path.join(data, 'part-2.npy'));
  return { data, cacheDir: path.join(dir, '.cache') };
}

test('a shard added to a cached dataset: the shards before it come from one merged entry, and the report is that of no cache', async () => {
  const { data, cacheDir } = freshDataset();
  const cache = new PartialCache(cacheDir);
  let r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached, r.shardsInCachedPrefix], [2, 0, 0]);
  assert.equal(datasetEntries(cacheDir).length, 1, 'the merged partial of the two shards is cached');
  copyFileSync(shard('part-10.npy'), path.join(data, 'part-10.npy'));
  r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached, r.shardsInCachedPrefix], [1, 2, 2]);
  // the two-shard entry is superseded by the three-shard one
  assert.equal(datasetEntries(cacheDir).length, 1);
  const cached = await analyzeDataset([data], { seed: 0, cache, displayPath: 'd' });
  const fresh = await analyzeDataset([data], { seed: 0, displayPath: 'd' });
  assert.deepEqual(withoutTimings(cached), withoutTimings(fresh));
  assert.ok(cached.notes.some(n => /3 of 3 shards unchanged/.test(n)), cached.notes.join('\n'));
  r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached, r.shardsInCachedPrefix], [0, 3, 3]);
  // another seed is another dataset: nothing of it is cached
  r = await partialOfDataset([data], { seed: 1, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached, r.shardsInCachedPrefix], [3, 0, 0]);
});

test('the merged entry is not used when a shard before the new one changed, nor when it is damaged', async () => {
  const { data, cacheDir } = freshDataset();
  const cache = new PartialCache(cacheDir);
  await partialOfDataset([data], { seed: 0, cache });
  const fresh = await analyzeDataset([data], { seed: 0, displayPath: 'd' });
  // a damaged merged entry: the shards' own entries serve, and the report is unchanged
  const [entry] = datasetEntries(cacheDir);
  writeFileSync(path.join(cacheDir, entry), 'PK\u0003\u0004 not a zip');
  let r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached, r.shardsInCachedPrefix], [0, 2, 0]);
  const report = await analyzeDataset([data], { seed: 0, cache, displayPath: 'd' });
  assert.deepEqual(withoutTimings(report), withoutTimings(fresh));
  // the first shard rewritten (same bytes, new time): only it is read, the second comes from its own entry
  utimesSync(path.join(data, 'part-1.npy'), new Date(), new Date(Date.now() + 5000));
  r = await partialOfDataset([data], { seed: 0, cache });
  assert.deepEqual([r.shardsRead, r.shardsCached, r.shardsInCachedPrefix], [1, 1, 0]);
  const again = await analyzeDataset([data], { seed: 0, cache, displayPath: 'd' });
  assert.deepEqual(withoutTimings(again), withoutTimings(await analyzeDataset([data], { seed: 0, displayPath: 'd' })));
});

test('an unreadable shard: the dataset is not cached as one merged entry (the next run tries that shard again)', async () => {
  const { data, cacheDir } = freshDataset();
  writeFileSync(path.join(data, 'part-3.npy'), Buffer.from('\u0093NUMPY\u0001\u0000 broken header', 'latin1'));
  const cache = new PartialCache(cacheDir);
  const r = await partialOfDataset([data], { seed: 0, cache });
  assert.equal(r.failures.length, 1);
  assert.deepEqual(datasetEntries(cacheDir), []);
});
