import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from './support';
import { partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { PartialCache } from '../../src/core/dataset/partialCache';

/**
 * The dataset cache does not grow without bound: entries of shards that changed and of datasets no
 * longer analysed are pruned, least recently used first, once the folder passes its limit; what
 * the current run uses is never pruned.
 */
const shard = (name: string) => path.join(FIXTURES, 'dataset', 'shards', name);

function datasets(names: string[]) {
  const root = mkdtempSync(path.join(tmpdir(), 'embdiag-cachelimit-'));
  const dirs = names.map(n => {
    const d = path.join(root, n);
    mkdirSync(d);
    copyFileSync(shard('part-1.npy'), path.join(d, 'part-1.npy'));
    copyFileSync(shard('part-2.npy'), path.join(d, 'part-2.npy'));
    return d;
  });
  return { dirs, cacheDir: path.join(root, '.cache') };
}
const entries = (dir: string) => readdirSync(dir).filter(f => f.endsWith('.embstats')).sort();
const folderBytes = (dir: string) => entries(dir).reduce((a, f) => a + statSync(path.join(dir, f)).size, 0);

test('past the limit the least recently used entries go, and a run never prunes what it uses', async () => {
  const { dirs: [a, b, c], cacheDir } = datasets(['a', 'b', 'c']);
  await partialOfDataset([a], { seed: 0, cache: new PartialCache(cacheDir) });
  const ofA = entries(cacheDir);
  assert.equal(ofA.length, 3, 'two shard entries and the merged one');
  const oneDataset = folderBytes(cacheDir);
  await partialOfDataset([b], { seed: 0, cache: new PartialCache(cacheDir) });
  const ofB = entries(cacheDir).filter(f => !ofA.includes(f));
  assert.equal(ofB.length, 3);
  // b was used before a, and a is used again now (its merged entry read from the cache)
  const ago = (s: number) => new Date(Date.now() - s * 1000);
  for (const f of ofB) utimesSync(path.join(cacheDir, f), ago(120), ago(120));
  for (const f of ofA) utimesSync(path.join(cacheDir, f), ago(60), ago(60));
  const again = await partialOfDataset([a], { seed: 0, cache: new PartialCache(cacheDir) });
  assert.deepEqual([again.shardsRead, again.shardsCached, again.shardsInCachedPrefix], [0, 2, 2]);
  // room for two datasets (the three hold the same bytes but for a few digits of their files' times):
  // c's entries push exactly b's out
  const twoDatasets = folderBytes(cacheDir) + 64;
  assert.ok(Math.abs(twoDatasets - 64 - 2 * oneDataset) < 64);
  const r = await partialOfDataset([c], { seed: 0, cache: new PartialCache(cacheDir, twoDatasets) });
  assert.equal(r.shardsRead, 2);
  const left = entries(cacheDir);
  assert.deepEqual(ofB.filter(f => left.includes(f)), [], `b's entries pruned: ${left.join(', ')}`);
  assert.deepEqual(ofA.filter(f => !left.includes(f)), [], 'a (used more recently) kept whole');
  assert.ok(folderBytes(cacheDir) <= twoDatasets);
  // a limit of 0: everything else goes, but never the entries this run read or wrote
  const d = await partialOfDataset([c], { seed: 0, cache: new PartialCache(cacheDir, 0) });
  assert.deepEqual([d.shardsRead, d.shardsCached], [0, 2]);
  assert.equal(entries(cacheDir).length, 1, `only the merged entry c's run read remains: ${entries(cacheDir).join(', ')}`);
  const e = await partialOfDataset([c], { seed: 0, cache: new PartialCache(cacheDir) });
  assert.deepEqual([e.shardsRead, e.shardsCached, e.shardsInCachedPrefix], [0, 2, 2], 'and it still serves c');
});

test('a temporary file abandoned by a write that died is removed after an hour, a fresh one (a write in progress) is not', async () => {
  const { dirs: [a], cacheDir } = datasets(['a']);
  mkdirSync(cacheDir, { recursive: true });
  const abandoned = path.join(cacheDir, 'x.embstats.123.abcd.tmp');
  const inProgress = path.join(cacheDir, 'y.embstats.456.ef01.tmp');
  writeFileSync(abandoned, 'half');
  writeFileSync(inProgress, 'half');
  const hoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(abandoned, hoursAgo, hoursAgo);
  await partialOfDataset([a], { seed: 0, cache: new PartialCache(cacheDir) });
  assert.equal(existsSync(abandoned), false);
  assert.equal(existsSync(inProgress), true);
});
