/** A dump that a training job rewrites while we read it: detected, never silently mixed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { analyzeInformationFile } from '../../src/core/information/analyzeInformation';
import { isEmbdiagError } from '../../src/core/errors';
import { FIXTURES } from './support';

const changed = (e: unknown) => isEmbdiagError(e) && e.code === 'file-changed' && /changed during analysis/.test(e.message);

function inTempDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-changes-'));
    try { await fn(dir); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  };
}

/** Moves the file's mtime on, as any write does (some filesystems' clocks are too coarse to rely on). */
function bumpMtime(file: string): void {
  const later = new Date(fs.statSync(file).mtimeMs + 5000);
  fs.utimesSync(file, later, later);
}

test('FileByteSource.assertUnchanged: passes untouched, fails on growth, on shrinking and on an in-place rewrite', inTempDir(async dir => {
  const file = path.join(dir, 'x.bin');
  fs.writeFileSync(file, Buffer.alloc(1000, 1));
  for (const change of [
    () => fs.appendFileSync(file, Buffer.alloc(10)),
    () => fs.truncateSync(file, 500),
    () => { const fd = fs.openSync(file, 'r+'); fs.writeSync(fd, Buffer.alloc(10, 7), 0, 10, 0); fs.closeSync(fd); bumpMtime(file); },
  ]) {
    const source = await FileByteSource.open(file);
    try {
      await source.assertUnchanged();
      change();
      await assert.rejects(source.assertUnchanged(), changed);
    } finally {
      await source.close();
    }
  }
}));

test('a read that finds the file shorter says it changed during analysis', inTempDir(async dir => {
  const file = path.join(dir, 'x.bin');
  fs.writeFileSync(file, Buffer.alloc(1000, 1));
  const source = await FileByteSource.open(file);
  try {
    fs.truncateSync(file, 100);
    await assert.rejects(source.read(500, 100), changed);
  } finally {
    await source.close();
  }
}));

test('an HDF5 dump (read by h5wasm, not through the byte source) rewritten during analysis fails with file-changed', inTempDir(async dir => {
  const file = path.join(dir, 'nested.h5');
  fs.copyFileSync(path.join(FIXTURES, 'formats', 'h5', 'nested.h5'), file);
  const untouched = await analyzeFile(file, { maxRows: 100_000, seed: 0 });
  assert.ok(untouched.rowsUsed > 0, 'the fixture reads when nobody writes it');
  let touched = false;
  await assert.rejects(analyzeFile(file, { maxRows: 100_000, seed: 0 }, {
    onProgress: () => { if (!touched) { touched = true; bumpMtime(file); } },
  }), changed);
  assert.ok(touched);
}));

test('the information analysis of a dump rewritten while its rows are read fails with file-changed', inTempDir(async dir => {
  const file = path.join(dir, 'pair_z.npy');
  fs.copyFileSync(path.join(FIXTURES, 'information', 'pair_z.npy'), file);
  const options = { maxRows: 2000, knnMaxRows: 500 };
  const untouched = await analyzeInformationFile(file, {}, options);
  assert.ok(untouched.rows.read > 0, 'the fixture is analysed when nobody writes it');
  let touched = false;
  await assert.rejects(analyzeInformationFile(file, {}, options, {
    onProgress: () => { if (!touched) { touched = true; bumpMtime(file); } },
  }), changed);
  assert.ok(touched);
}));
