/**
 * The files besides a dump that its report reads (watch mode re-analyses an open report when one
 * changes): every file findMetadataColumns records for the row metadata is among them, and a
 * changed file maps to the dumps it feeds. Fixtures: plain.npy with its manifest naming
 * plain_meta.tsv and plain_labels.npy, vectors.tsv with metadata.tsv (numpy,
 * test/fixtures/rows/make_metadata_fixtures.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dumpsFedBy, reportSourceFiles } from '../../src/core/rows/reportSourceFiles';
import { FileStamps } from '../../src/core/io/fileStamps';
import { openDumpFile } from '../../src/core/formats/openDumpFile';
import { openRowMetadata } from '../../src/core/rows/readRowMetadata';
import { copyPlain, METADATA_DIR, PLAIN_MANIFEST } from './plainMetadataFixture';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-sources-'));

/** The files the row metadata reader records while it opens (what the worker's caches re-stat). */
async function recordedByRowMetadata(file: string): Promise<string[]> {
  const stamps = new FileStamps();
  const { source, dump } = await openDumpFile(file);
  try {
    const reader = await openRowMetadata(file, dump, {}, stamps);
    await reader?.close();
  } finally {
    await source.close();
  }
  return stamps.files();
}

test('reportSourceFiles: the manifest, and the metadata and labels files it names, resolved beside it', async () => {
  const dir = tmp();
  try {
    const file = copyPlain(dir);
    const sources = await reportSourceFiles(file);
    for (const f of [PLAIN_MANIFEST, 'plain.npy.embeddings.json', 'plain_meta.tsv', 'plain_labels.npy']) {
      assert.ok(sources.includes(path.join(dir, f)), `${f} is a source of plain.npy: ${sources.join(', ')}`);
    }
    assert.ok(!sources.includes(file), 'the dump itself is not listed (a dump change is watched as such)');
    for (const f of await recordedByRowMetadata(file)) if (f !== file) assert.ok(sources.includes(f), `${f}, read for the row metadata, is a source`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reportSourceFiles: without a manifest, the manifests that could appear; a projector .tsv, its metadata.tsv', async () => {
  const dir = tmp();
  try {
    const file = copyPlain(dir, { manifest: false });
    assert.deepEqual((await reportSourceFiles(file)).sort(), [path.join(dir, PLAIN_MANIFEST), path.join(dir, 'plain.npy.embeddings.json')].sort());
    const tsv = path.join(METADATA_DIR, 'vectors.tsv');
    const sources = await reportSourceFiles(tsv);
    assert.ok(sources.includes(path.join(METADATA_DIR, 'metadata.tsv')), `metadata.tsv is a source of vectors.tsv: ${sources.join(', ')}`);
    for (const f of await recordedByRowMetadata(tsv)) if (f !== tsv) assert.ok(sources.includes(f), `${f}, read for the row metadata, is a source`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dumpsFedBy: a changed file maps to every dump it feeds, and to none when it feeds none', () => {
  const sources = new Map([
    ['/d/a.npy', ['/d/a.embeddings.json', '/d/labels.tsv']],
    ['/d/b.npy', ['/d/b.embeddings.json', '/d/labels.tsv']],
    ['/d/c.npy', ['/d/c.embeddings.json']],
  ]);
  assert.deepEqual(dumpsFedBy('/d/labels.tsv', sources), ['/d/a.npy', '/d/b.npy']);
  assert.deepEqual(dumpsFedBy('/d/c.embeddings.json', sources), ['/d/c.npy']);
  assert.deepEqual(dumpsFedBy('/d/other.tsv', sources), []);
});
