/**
 * The worker's row metadata caches (RowMetadataCache, RowViewCache) answer from what they kept only
 * while every file the answer was read from is unchanged: the dump, and the metadata files beside
 * it (a sidecar manifest's "metadata" and "labels" files, a projector metadata.tsv), including a
 * manifest that appears or disappears. The dump itself is never touched here. Fixtures: plain.npy
 * with its manifest plain.embeddings.json, and vectors.tsv with metadata.tsv (numpy,
 * test/fixtures/rows/make_metadata_fixtures.py); expected values from metadata.expected.json,
 * written there from the arrays written, with our own edit of one value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRowMetadata } from '../../src/core/rows/readRowMetadata';
import { readDatasetRowMetadata } from '../../src/core/rows/datasetRows';
import { RowMetadataCache } from '../../src/core/rows/rowMetadataCache';
import { RowViewCache } from '../../src/core/rows/rowViewCache';
import { rowView } from '../../src/core/rows/rowView';
import type { RowMetadata } from '../../src/core/rows/rowMetadata';
import { copyPlain, METADATA_DIR, PLAIN_MANIFEST } from './plainMetadataFixture';

const EXPECTED = JSON.parse(fs.readFileSync(path.join(METADATA_DIR, 'metadata.expected.json'), 'utf8'));
const ASK: number[] = EXPECTED.ask;
const CAPTIONS: string[] = EXPECTED['plain.npy'].columns.caption;
const OLD = 'a photo of a dog, number 13';
const NEW = 'a photo of a cow, number 13';
/** Longer: the lines after it move (a reader kept open reads them at their old offsets). */
const LONGER = 'a photo of a brown cow, number 13';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-sidecars-'));
const column = (meta: RowMetadata | undefined, name: string) => meta?.columns.find(c => c.name === name)?.values;

/**
 * Replaces `from` by `to` in `file`, and sets its mtime 5 s later whatever the clock's resolution
 * (for a value of the same length, only the mtime tells).
 */
function rewrite(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${file} holds '${from}'`);
  fs.writeFileSync(file, text.replace(from, to));
  const t = fs.statSync(file).mtime.getTime() / 1000 + 5;
  fs.utimesSync(file, t, t);
}

/** The dump's size and mtime, to show it was left untouched. */
const stampOf = (file: string) => { const st = fs.statSync(file); return [st.size, st.mtimeMs]; };

test('RowMetadataCache.read: a metadata file named by the manifest rewritten (the dump untouched) is read again', async () => {
  const dir = tmp();
  const cache = new RowMetadataCache({ idleMs: 0 });
  try {
    const file = copyPlain(dir);
    const dump = stampOf(file);
    assert.deepEqual(column(await cache.read(file, ASK), 'caption'), CAPTIONS);
    rewrite(path.join(dir, 'plain_meta.tsv'), OLD, NEW);
    const after = await cache.read(file, ASK);
    assert.deepEqual(column(after, 'caption'), CAPTIONS.map(c => (c === OLD ? NEW : c)));
    assert.deepEqual(after, await readRowMetadata(file, ASK));
    // the same rows once more: the file is unchanged since, so nothing is opened again
    const opens = cache.opens;
    assert.equal(await cache.read(file, ASK), after);
    assert.equal(cache.opens, opens);
    assert.deepEqual(stampOf(file), dump, 'the dump was not touched');
  } finally {
    await cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('RowMetadataCache.readDataset: a shard\'s metadata file rewritten (no shard touched) is read again', async () => {
  const dir = tmp();
  const cache = new RowMetadataCache({ idleMs: 0 });
  try {
    const shards = [{ file: copyPlain(path.join(dir, 'a')), firstRow: 0, rows: 40 }, { file: copyPlain(path.join(dir, 'b')), firstRow: 40, rows: 40 }];
    const rows = [3, 53, 79];
    const captions = [CAPTIONS[ASK.indexOf(3)], OLD, CAPTIONS[ASK.indexOf(39)]];
    assert.deepEqual(column(await cache.readDataset(shards, rows), 'caption'), captions);
    const dumps = shards.map(s => stampOf(s.file));
    rewrite(path.join(dir, 'b', 'plain_meta.tsv'), OLD, NEW);
    const after = await cache.readDataset(shards, rows);
    assert.deepEqual(column(after, 'caption'), [captions[0], NEW, captions[2]]);
    assert.deepEqual(after, await readDatasetRowMetadata(shards, rows));
    assert.deepEqual(shards.map(s => stampOf(s.file)), dumps, 'no shard was touched');
  } finally {
    await cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('RowViewCache.view: a metadata file rewritten after the warm-up (the dump untouched) shows the new value', async () => {
  const dir = tmp();
  const metadata = new RowMetadataCache({ idleMs: 0 });
  const views = new RowViewCache(metadata, { idleMs: 0 });
  try {
    const file = copyPlain(dir);
    const dump = stampOf(file);
    await metadata.read(file, ASK);
    assert.equal((await views.view(file, 13)).metadata!.find(m => m.name === 'caption')!.value, OLD);
    rewrite(path.join(dir, 'plain_meta.tsv'), OLD, LONGER);
    const after = await views.view(file, 13);
    assert.equal(after.metadata!.find(m => m.name === 'caption')!.value, LONGER);
    assert.deepEqual(after, await rowView(file, 13));
    assert.deepEqual(stampOf(file), dump, 'the dump was not touched');
  } finally {
    await views.close();
    await metadata.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a manifest that appears after the first read, is edited, then removed: each answer follows it (read, readDataset, view)', async () => {
  const dir = tmp();
  const metadata = new RowMetadataCache({ idleMs: 0 });
  const views = new RowViewCache(metadata, { idleMs: 0 });
  try {
    const file = copyPlain(dir, { manifest: false });
    const shards = [{ file, firstRow: 0, rows: 40 }];
    // plain.npy alone holds one array: no metadata
    assert.equal(await metadata.read(file, ASK), undefined);
    assert.equal(await metadata.readDataset(shards, ASK), undefined);
    assert.equal((await views.view(file, 13)).metadata, undefined);
    fs.copyFileSync(path.join(METADATA_DIR, PLAIN_MANIFEST), path.join(dir, PLAIN_MANIFEST));
    const expected = EXPECTED['plain.npy'].columns as Record<string, (string | number)[]>;
    for (const meta of [await metadata.read(file, ASK), await metadata.readDataset(shards, ASK)]) {
      assert.deepEqual(Object.fromEntries(meta!.columns.map(c => [c.name, c.values])), expected);
      assert.equal(meta!.labelColumn, 'plain_labels');
    }
    const view = await views.view(file, 13);
    assert.equal(view.metadata!.find(m => m.name === 'caption')!.value, OLD);
    assert.deepEqual(view, await rowView(file, 13));
    // the manifest edited: the labels file no longer named
    fs.writeFileSync(path.join(dir, PLAIN_MANIFEST), JSON.stringify({ metadata: 'plain_meta.tsv' }));
    for (const meta of [await metadata.read(file, ASK), await metadata.readDataset(shards, ASK)]) {
      assert.deepEqual(meta!.columns.map(c => c.name), ['caption', 'split']);
    }
    assert.deepEqual((await views.view(file, 13)).metadata!.map(m => m.name), ['caption', 'split']);
    fs.rmSync(path.join(dir, PLAIN_MANIFEST));
    assert.equal(await metadata.read(file, ASK), undefined);
    assert.equal(await metadata.readDataset(shards, ASK), undefined);
    assert.equal((await views.view(file, 13)).metadata, undefined);
  } finally {
    await views.close();
    await metadata.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a projector metadata.tsv beside vectors.tsv rewritten (the tensor untouched) is read again', async () => {
  const dir = tmp();
  const cache = new RowMetadataCache({ idleMs: 0 });
  try {
    for (const f of ['vectors.tsv', 'metadata.tsv']) fs.copyFileSync(path.join(METADATA_DIR, f), path.join(dir, f));
    const file = path.join(dir, 'vectors.tsv');
    const classes: string[] = EXPECTED['vectors.tsv'].columns.class;
    assert.deepEqual(column(await cache.read(file, ASK), 'class'), classes);
    rewrite(path.join(dir, 'metadata.tsv'), 'item 13\tdog', 'item 13\tcow');
    assert.deepEqual(column(await cache.read(file, ASK), 'class'), classes.map((c, k) => (ASK[k] === 13 ? 'cow' : c)));
  } finally {
    await cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
