import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUPPORTED_EXTENSIONS } from '../../src/core/formats/openDump';
import { REPO_ROOT } from './support';

/**
 * The custom editor ("Embedding Report") is offered for every file format we read, so that
 * Reopen Editor With… lists it. Left out on purpose, each for its reason.
 */
const NOT_IN_EDITOR: Record<string, string> = {
  '.json': 'most JSON files are configs and manifests, not embedding responses',
  '.txt': 'most text files are not GloVe vectors',
  '.tsv': 'most TSV files are tables, not projector tensors',
  '.csv': 'most CSV files are tables',
  '.bin': 'too generic: only pytorch_model*.bin is listed',
  '.zip': 'too generic: only *.zarr.zip is listed',
  '.zarr': 'a Zarr directory store is a folder, and an editor opens files (Analyze File opens it)',
};

test('the custom editor is offered for every dump file format we read', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const editor = pkg.contributes.customEditors.find((e: { viewType: string }) => e.viewType === 'embeddingDiagnostics.dumpEditor');
  const patterns: string[] = editor.selector.map((s: { filenamePattern: string }) => s.filenamePattern);
  for (const ext of SUPPORTED_EXTENSIONS) {
    if (NOT_IN_EDITOR[ext]) continue;
    assert.ok(patterns.includes(`*${ext}`), `the custom editor lists *${ext}`);
  }
  for (const named of ['pytorch_model*.bin', '*.zarr.zip']) assert.ok(patterns.includes(named), `the custom editor lists ${named}`);
  for (const ext of Object.keys(NOT_IN_EDITOR)) assert.ok((SUPPORTED_EXTENSIONS as readonly string[]).includes(ext), `${ext} is still a supported extension`);
});
