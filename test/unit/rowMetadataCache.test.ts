/**
 * The worker's row metadata cache (src/core/rows/rowMetadataCache.ts): its answers are the values the
 * writers wrote (test/fixtures/rows/make_metadata_fixtures.py) and equal the uncached path's; a
 * repeated request opens nothing; a file changed on disk (size or mtime) is read again; at most
 * `maxFiles` dumps stay open, and none after the idle time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRowMetadata } from '../../src/core/rows/readRowMetadata';
import { RowMetadataCache } from '../../src/core/rows/rowMetadataCache';
import { readDatasetRowMetadata } from '../../src/core/rows/datasetRows';
import { FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'rows', 'metadata');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'metadata.expected.json'), 'utf8'));
const ASK: number[] = EXPECTED.ask;

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-metacache-'));

for (const file of ['meta.parquet', 'meta.arrow', 'meta.npz', 'meta.jsonl']) {
  test(`${file}: the cache answers the values written, equal to the uncached read, and a repeated or other request opens nothing`, async () => {
    const cache = new RowMetadataCache({ idleMs: 0 });
    try {
      const at = path.join(DIR, file);
      const cached = await cache.read(at, ASK);
      assert.deepEqual(cached, await readRowMetadata(at, ASK));
      for (const [name, values] of Object.entries(EXPECTED[file].columns)) {
        assert.deepEqual(cached!.columns.find(c => c.name === name)?.values, values, `${file}: ${name}`);
      }
      assert.deepEqual(await cache.read(at, ASK), cached);
      // other rows, in another order, from the reader kept open
      const other = [...ASK].reverse().concat(ASK[0]);
      assert.deepEqual(await cache.read(at, other), await readRowMetadata(at, other));
      assert.equal(cache.opens, 1);
    } finally {
      await cache.close();
    }
  });
}

test('concurrent requests for the same rows (the warm-up and the panel\'s) open the file once and get the same answer', async () => {
  const cache = new RowMetadataCache({ idleMs: 0 });
  try {
    const at = path.join(DIR, 'meta.parquet');
    const [a, b] = await Promise.all([cache.read(at, ASK), cache.read(at, ASK)]);
    assert.deepEqual(a, b);
    assert.equal(cache.opens, 1);
  } finally {
    await cache.close();
  }
});

test('a file changed on disk (its size, or only its mtime) is read again: the new values, never the old ones', async () => {
  const dir = tmp();
  const cache = new RowMetadataCache({ idleMs: 0 });
  try {
    const at = path.join(dir, 'rows.jsonl');
    const original = fs.readFileSync(path.join(DIR, 'meta.jsonl'), 'utf8');
    fs.writeFileSync(at, original);
    const before = await cache.read(at, ASK);
    assert.deepEqual(before!.columns.find(c => c.name === 'label')!.values, EXPECTED['meta.jsonl'].columns.label);
    // another label, same length: only the mtime tells (set it apart, whatever the clock's resolution)
    const renamed = original.replace(/"label": "cat"/g, '"label": "cow"');
    assert.equal(renamed.length, original.length);
    fs.writeFileSync(at, renamed);
    const t = fs.statSync(at).mtime.getTime() / 1000 + 5;
    fs.utimesSync(at, t, t);
    const after = await cache.read(at, ASK);
    assert.deepEqual(after!.columns.find(c => c.name === 'label')!.values,
      EXPECTED['meta.jsonl'].columns.label.map((v: string) => (v === 'cat' ? 'cow' : v)));
    assert.equal(cache.opens, 2);
    // a longer file (its size differs): read again too
    fs.writeFileSync(at, original.replace(/"label": "cat"/g, '"label": "kitten"'));
    const longer = await cache.read(at, ASK);
    assert.deepEqual(longer!.columns.find(c => c.name === 'label')!.values,
      EXPECTED['meta.jsonl'].columns.label.map((v: string) => (v === 'cat' ? 'kitten' : v)));
    assert.equal(cache.opens, 3);
    assert.equal(cache.size, 1);
  } finally {
    await cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('at most maxFiles dumps stay open, the least recently used closed first', async () => {
  const cache = new RowMetadataCache({ maxFiles: 2, idleMs: 0 });
  const files = ['meta.parquet', 'meta.arrow', 'meta.npz'].map(f => path.join(DIR, f));
  await cache.read(files[0], ASK);
  await cache.read(files[1], ASK);
  await cache.read(files[0], [1]); // files[0] used last: files[1] goes next
  await cache.read(files[2], ASK);
  assert.equal(cache.size, 2);
  assert.equal(cache.opens, 3);
  await cache.read(files[0], ASK);
  assert.equal(cache.opens, 3, 'files[0] kept');
  await cache.read(files[1], ASK);
  assert.equal(cache.opens, 4, 'files[1] was closed: opened again');
  assert.equal(cache.size, 2);
  await cache.close();
  assert.equal(cache.size, 0);
});

test('no dump stays open after the idle time', async () => {
  const cache = new RowMetadataCache({ idleMs: 50 });
  await cache.read(path.join(DIR, 'meta.parquet'), ASK);
  // a lower bound on the wait only: the timer fires 50 ms after the last request at the earliest
  await new Promise(r => setTimeout(r, 1000));
  assert.equal(cache.size, 0);
});

test('a dataset\'s rows read through the cache equal the uncached merge', async () => {
  const cache = new RowMetadataCache({ idleMs: 0 });
  try {
    const shards = [
      { file: path.join(DIR, 'meta.parquet'), rows: 40, firstRow: 0 },
      { file: path.join(DIR, 'meta.jsonl'), rows: 40, firstRow: 40 },
    ];
    const rows = [3, 45, 0, 79, 13];
    const read = cache.read.bind(cache);
    assert.deepEqual(await readDatasetRowMetadata(shards, rows, {}, read), await readDatasetRowMetadata(shards, rows));
    assert.deepEqual(await readDatasetRowMetadata(shards, rows, {}, read), await readDatasetRowMetadata(shards, rows));
    assert.equal(cache.opens, 2);
  } finally {
    await cache.close();
  }
});

test('a dataset of more shards than files kept: a repeated request is the answer kept, and a changed shard is read again', async () => {
  const dir = tmp();
  const cache = new RowMetadataCache({ maxFiles: 2, idleMs: 0 });
  try {
    const original = fs.readFileSync(path.join(DIR, 'meta.jsonl'), 'utf8');
    const files = [0, 1, 2].map(i => path.join(dir, `shard${i}.jsonl`));
    for (const f of files) fs.writeFileSync(f, original);
    const shards = files.map((file, i) => ({ file, rows: 40, firstRow: 40 * i }));
    const rows = [3, 47, 0, 119, 93];
    const labels = rows.map(r => EXPECTED['meta.jsonl'].columns.label[EXPECTED.ask.indexOf(r % 40)]);
    const first = await cache.readDataset(shards, rows);
    assert.deepEqual(first!.columns.find(c => c.name === 'label')!.values, labels);
    assert.deepEqual(first, await readDatasetRowMetadata(shards, rows));
    const opened = cache.opens;
    assert.deepEqual(await cache.readDataset(shards, rows), first);
    assert.equal(cache.opens, opened, 'nothing opened again');
    // shard 2 rewritten (another label, same size): its rows read again
    fs.writeFileSync(files[2], original.replace(/"label": "cat"/g, '"label": "cow"'));
    const t = fs.statSync(files[2]).mtime.getTime() / 1000 + 5;
    fs.utimesSync(files[2], t, t);
    const after = await cache.readDataset(shards, rows);
    assert.deepEqual(after!.columns.find(c => c.name === 'label')!.values, labels.map((v, k) => (rows[k] >= 80 && v === 'cat' ? 'cow' : v)));
  } finally {
    await cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is missing is refused, and not kept', async () => {
  const cache = new RowMetadataCache({ idleMs: 0 });
  await assert.rejects(cache.read(path.join(tmp(), 'none.parquet'), [0]));
  assert.equal(cache.size, 0);
});
