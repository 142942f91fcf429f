/**
 * The worker's row views (src/core/rows/rowViewCache.ts) read their rows' metadata through the
 * worker's RowMetadataCache: a row view right after a report (whose shown rows' metadata the worker
 * warms up) opens the dump's metadata files no second time, and answers what the standalone row
 * view (`embdiag row`) answers. Fixtures: plain.npy, whose manifest names plain_meta.tsv and
 * plain_labels.npy (numpy, test/fixtures/rows/make_metadata_fixtures.py); expected values from
 * metadata.expected.json, written there from the arrays written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { RowMetadataCache } from '../../src/core/rows/rowMetadataCache';
import { RowViewCache } from '../../src/core/rows/rowViewCache';
import { openRowViewContext, rowView, rowViewOf } from '../../src/core/rows/rowView';
import { copyPlain, METADATA_DIR, METADATA_FILES } from './plainMetadataFixture';

const DIR = METADATA_DIR;
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'metadata.expected.json'), 'utf8'));
const ASK: number[] = EXPECTED.ask;

/** Counts the files opened (FileByteSource.open: every dump, sidecar and metadata file) until restored. */
function countOpens(): { of(file: string): number; restore(): void } {
  const original = FileByteSource.open;
  const counts = new Map<string, number>();
  FileByteSource.open = (file: string) => {
    counts.set(path.resolve(file), (counts.get(path.resolve(file)) ?? 0) + 1);
    return original.call(FileByteSource, file);
  };
  return { of: (file) => counts.get(path.resolve(file)) ?? 0, restore: () => { FileByteSource.open = original; } };
}

test('a row view after the warm-up of the rows shown opens the dump\'s metadata files no second time, and answers as `embdiag row` does', async () => {
  const file = path.join(DIR, 'plain.npy');
  const metadata = new RowMetadataCache({ idleMs: 0 });
  const views = new RowViewCache(metadata, { idleMs: 0 });
  const opens = countOpens();
  try {
    // the report done, the worker reads the shown rows' metadata ahead (analysisWorker.ts warmUpRowMetadata)
    const warm = await metadata.read(file, ASK);
    const view = await views.view(file, 13);
    for (const f of METADATA_FILES) assert.equal(opens.of(path.join(DIR, f)), 1, `${f} opened once`);
    // the row view's rows did not replace the rows shown: the panel's request is still answered as kept
    assert.equal(await metadata.read(file, ASK), warm);
    opens.restore();
    const at = ASK.indexOf(13);
    const columns = EXPECTED['plain.npy'].columns as Record<string, (string | number)[]>;
    assert.deepEqual(Object.fromEntries(view.metadata!.map(m => [m.name, m.value])), Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v[at]])));
    assert.deepEqual(view, await rowView(file, 13));
  } finally {
    opens.restore();
    await views.close();
    await metadata.close();
  }
});

test('a dataset\'s shard: its row view after the dataset\'s warm-up opens the shard\'s metadata once, and names global rows as the standalone path does', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-rowviews-'));
  const metadata = new RowMetadataCache({ idleMs: 0 });
  const views = new RowViewCache(metadata, { idleMs: 0 });
  const opens = countOpens();
  try {
    const shards = [{ file: copyPlain(path.join(dir, 'a')), firstRow: 0, rows: 40 }, { file: copyPlain(path.join(dir, 'b')), firstRow: 40, rows: 40 }];
    await metadata.readDataset(shards, [3, 53, 79]);
    const shard = { file: shards[1].file, localRow: 13 };
    const view = await views.view(shard.file, 13, {}, { shard, globalOffset: 40 });
    for (const f of METADATA_FILES) assert.equal(opens.of(path.join(dir, 'b', f)), 1, `b/${f} opened once`);
    opens.restore();
    assert.equal(view.row, 53);
    assert.equal(view.metadata!.find(m => m.name === 'caption')!.value, EXPECTED['plain.npy'].columns.caption[ASK.indexOf(13)]);
    assert.ok(Object.keys(view.neighbourMetadata!.rows).every(r => Number(r) >= 40 && Number(r) < 80), 'neighbours named by global rows');
    const ctx = await openRowViewContext(shard.file);
    try {
      assert.deepEqual(view, await rowViewOf(ctx, 13, { shard, globalOffset: 40 }));
    } finally {
      await ctx.close();
    }
  } finally {
    opens.restore();
    await views.close();
    await metadata.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a metadata file changed on disk after the warm-up: the row view reads the new values, never the old ones', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-rowviews-'));
  const metadata = new RowMetadataCache({ idleMs: 0 });
  const views = new RowViewCache(metadata, { idleMs: 0 });
  try {
    const file = copyPlain(dir);
    await metadata.read(file, ASK);
    const first = await views.view(file, 13);
    assert.equal(first.metadata!.find(m => m.name === 'caption')!.value, 'a photo of a dog, number 13');
    // the vectors unchanged (the row view's sample is kept), the dump itself touched as a writer would
    const meta = path.join(dir, 'plain_meta.tsv');
    fs.writeFileSync(meta, fs.readFileSync(meta, 'utf8').replace('a photo of a dog, number 13', 'a photo of a cow, number 13'));
    const t = fs.statSync(file).mtime.getTime() / 1000 + 5;
    fs.utimesSync(file, t, t);
    const after = await views.view(file, 13);
    assert.equal(after.metadata!.find(m => m.name === 'caption')!.value, 'a photo of a cow, number 13');
    assert.deepEqual(after, await rowView(file, 13));
  } finally {
    await views.close();
    await metadata.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
