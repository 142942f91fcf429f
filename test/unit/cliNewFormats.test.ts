import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT, assertAllClose } from './support';
import { FORMAT_FIXTURES, expectedFiles, loadExpected } from './formats.helpers';
import { completeRowMean, referenceList } from './arrowReference';

/** `embdiag analyze FILE` on the fixtures of the formats of issue 16, as a separate process like CI would. */
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const FOLDERS = ['jsonl', 'json', 'wordvec'];

test('embdiag analyze on every JSON Lines, JSON and word-vector fixture: the shape and numpy\'s numbers, or exit 2 with the refusal code and line', () => {
  const all = FOLDERS.flatMap(f => expectedFiles(f));
  assert.ok(all.length >= 10, `${all.length} fixtures`);
  for (const rel of all) {
    const expected = loadExpected(rel);
    const file = path.join(FORMAT_FIXTURES, rel);
    const array = expected.array && !expected.error ? ['--array', expected.array] : [];
    const r = run('analyze', file, ...array, '--json', '--max-rows', '1000000');
    const j = JSON.parse(r.stdout);
    if (expected.error) {
      assert.equal(r.status, 2, `${rel}: ${r.stdout}`);
      assert.equal(j.error.code, expected.error, rel);
      if (expected.line) assert.match(j.error.message, new RegExp(`line ${expected.line}\\b`), rel);
      continue;
    }
    assert.ok(r.status === 0 || r.status === 1, `${rel}: ${r.stderr}`);
    const want = expected.arrays!.find(a => a.name === expected.array)!;
    assert.equal(j.format, expected.format, rel);
    assert.deepEqual(j.array.shape, want.shape, rel);
    assert.equal(j.array.dtype, want.dtype, rel);
    assertAllClose(j.mean, want.stats!.mean!, 1e-6, `${rel} mean`);
  }
});

test('embdiag analyze on a Hugging Face datasets file (Arrow IPC stream): the shape and apache-arrow\'s mean', () => {
  const rel = 'arrow/stream/hf_dataset/data-00000-of-00001.arrow';
  const r = run('analyze', path.join(FORMAT_FIXTURES, rel), '--json');
  assert.ok(r.status === 0 || r.status === 1, r.stderr + r.stdout);
  const j = JSON.parse(r.stdout);
  const ref = referenceList(rel, 'embedding');
  assert.equal(j.format, 'arrow');
  assert.equal(j.array.name, 'embedding');
  assert.deepEqual(j.array.shape, [ref.rows, ref.dim]);
  assertAllClose(j.mean, completeRowMean(ref), 1e-6, 'mean');
});
