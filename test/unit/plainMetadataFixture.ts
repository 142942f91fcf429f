/**
 * plain.npy, whose sidecar manifest plain.embeddings.json names the metadata files plain_meta.tsv
 * and plain_labels.npy (numpy, test/fixtures/rows/make_metadata_fixtures.py), copied where a test
 * may change them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from './support';

export const METADATA_DIR = path.join(FIXTURES, 'rows', 'metadata');
/** The files of plain.npy's metadata, named by its manifest. */
export const METADATA_FILES = ['plain_meta.tsv', 'plain_labels.npy'];
export const PLAIN_MANIFEST = 'plain.embeddings.json';

/** plain.npy and its metadata files copied into `dir` (its manifest too unless left out); the copy's path. */
export function copyPlain(dir: string, { manifest = true } = {}): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['plain.npy', ...(manifest ? [PLAIN_MANIFEST] : []), ...METADATA_FILES]) fs.copyFileSync(path.join(METADATA_DIR, f), path.join(dir, f));
  return path.join(dir, 'plain.npy');
}
