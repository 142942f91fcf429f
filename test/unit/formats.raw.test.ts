import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { parseManifest } from '../../src/core/information/manifest';
import { REPO_ROOT, assertAllClose } from './support';
import { FORMAT_FIXTURES, assertExactly, checkFixture, decodeNumbers, expectedFiles, loadExpected, withDump } from './formats.helpers';

/**
 * Headerless arrays written by numpy's ndarray.tofile (test/fixtures/make_faiss_fixtures.py), each
 * with a sidecar manifest giving what the file cannot: its dimension (and dtype, where the
 * extension does not say it). Mean and eigenvalues against numpy: analyzeFixtures.test.ts.
 */
const fixtures = expectedFiles('raw');
const readable = fixtures.filter(rel => !loadExpected(rel).error);
for (const rel of readable) {
  test(`raw fixture ${rel} reads as numpy's tofile wrote it (shape from its manifest)`, () => checkFixture(rel));
}

for (const rel of fixtures.filter(r => loadExpected(r).error)) {
  const expected = loadExpected(rel);
  test(`raw refusal ${rel}: ${expected.error}`, async () => {
    await assert.rejects(withDump(rel, async dump => { await (await dump.open()).readRows(0, 1); }), (e: unknown) => {
      assert.ok(e instanceof EmbdiagError, String(e));
      assert.equal(e.code, expected.error, e.message);
      for (const word of expected.mentions as string[]) assert.ok(e.message.includes(word), `'${word}' in: ${e.message}`);
      return true;
    });
  });
}

const bytesOf = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));

test('raw: the dtype and dim given win over the extension; ">f8" is big-endian; the values are numpy\'s', async () => {
  const want = decodeNumbers(loadExpected('raw/vectors_be.bin').arrays![0].data!);
  const dump = await openDump(new MemoryByteSource(bytesOf('raw/vectors_be.bin'), 'v.f32'), { fileName: 'v.f32', raw: { dtype: '>f8', dim: 5 } });
  assert.equal(dump.format, 'raw');
  const m = await dump.open();
  assert.equal(m.dtype, 'float64');
  assert.deepEqual([m.rows, m.dim], [20, 5]);
  assertExactly(await m.readRows(0, m.rows), want, 'big-endian float64');
  assert.ok(dump.notes.some(n => /extension says float32/.test(n)), dump.notes.join(' | '));
});

test('raw: a size that is no whole number of rows names both numbers; a missing shape says how to give it', async () => {
  const bytes = new Uint8Array(4 * 41);
  await assert.rejects(openDump(new MemoryByteSource(bytes, 'x.f32'), { fileName: 'x.f32', raw: { dim: 4 } }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'raw-size-mismatch' && /164 bytes/.test(e.message) && /16-byte rows/.test(e.message));
  await assert.rejects(openDump(new MemoryByteSource(bytes, 'x.raw'), { fileName: 'x.raw', raw: { dim: 4 } }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'raw-needs-shape' && /dtype/.test(e.message) && /--dtype float32/.test(e.message));
  await assert.rejects(openDump(new MemoryByteSource(bytes, 'x.f16'), { fileName: 'x.f16' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'raw-needs-shape' && /dimension is needed/.test(e.message) && /--dim/.test(e.message));
  await assert.rejects(openDump(new MemoryByteSource(bytes, 'x.f32'), { fileName: 'x.f32', raw: { dtype: 'complex64', dim: 4 } }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-argument');
});

test('raw: a .bin that is word2vec or PyTorch stays so, even with a shape given (a note says it is ignored); noise needs the shape', async () => {
  const w2v = await openDump(new MemoryByteSource(bytesOf('wordvec/gensim.bin'), 'model.bin'), { fileName: 'model.bin', raw: { dtype: 'float32', dim: 4 } });
  assert.equal(w2v.format, 'word2vec-binary');
  assert.ok(w2v.notes.some(n => /ignored/.test(n)));
  const noise = Uint8Array.from({ length: 64 }, (_, i) => i);
  await assert.rejects(openDump(new MemoryByteSource(noise, 'noise.bin'), { fileName: 'noise.bin' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'unknown-format' && /--dtype/.test(e.message));
  const raw = await openDump(new MemoryByteSource(noise, 'noise.bin'), { fileName: 'noise.bin', raw: { dtype: 'u1', dim: 8 } });
  assert.equal(raw.format, 'raw');
  const m = await raw.open();
  assert.deepEqual([m.rows, m.dim, m.dtype], [8, 8, 'uint8']);
  assertExactly(await m.readRows(7, 1), [56, 57, 58, 59, 60, 61, 62, 63], 'last row');
});

test('manifest: "dtype" and "dim" are read and checked', () => {
  assert.deepEqual(parseManifest('{"dtype": ">f4", "dim": 768}').manifest.raw, { dtype: '>f4', dim: 768 });
  const bad = parseManifest('{"dtype": "complex", "dim": 0.5}');
  assert.deepEqual(bad.problems.map(p => [p.code, p.pointer]), [['manifest-value', '/dtype'], ['manifest-range', '/dim']]);
  assert.equal(parseManifest('{"dim": 3}').problems.length, 0);
});

const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('embdiag analyze --dtype --dim on a tofile dump: numpy\'s mean; without them exit 2 with raw-needs-shape', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-raw-'));
  try {
    const file = path.join(dir, 'emb.bin');
    fs.copyFileSync(path.join(FORMAT_FIXTURES, 'raw/emb.f32'), file); // no manifest beside it
    const want = loadExpected('raw/emb.f32').arrays![0];
    const r = run('analyze', file, '--dtype', 'float32', '--dim', '12', '--json');
    assert.ok(r.status === 0 || r.status === 1, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.format, 'raw');
    assert.deepEqual(j.array.shape, want.shape);
    assertAllClose(j.mean, want.stats!.mean!, 1e-6, 'mean');
    const f32 = path.join(dir, 'emb.f32');
    fs.copyFileSync(path.join(FORMAT_FIXTURES, 'raw/emb.f32'), f32);
    const missing = run('analyze', f32, '--json');
    assert.equal(missing.status, 2);
    assert.equal(JSON.parse(missing.stdout).error.code, 'raw-needs-shape');
    const mismatch = run('analyze', f32, '--dim', '7', '--json');
    assert.equal(JSON.parse(mismatch.stdout).error.code, 'raw-size-mismatch');
    const rows = run('rows', f32, '--dim', '12', '--finding', 'nan-rows');
    assert.equal(rows.status, 0, rows.stderr);
    assert.match(rows.stderr, /0 nan-rows of 64 rows/);
    const badType = run('analyze', f32, '--dtype', 'float128', '--dim', '12', '--json');
    assert.equal(JSON.parse(badType.stdout).error.code, 'bad-argument');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('embdiag analyze --dtype --dim --information on a tofile dump with its targets: the estimates read the raw embeddings too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-raw-info-'));
  try {
    const file = path.join(dir, 'emb.bin');
    fs.copyFileSync(path.join(FORMAT_FIXTURES, 'raw/emb.f32'), file);
    const targets = path.join(dir, 'y.f32');
    fs.copyFileSync(path.join(FORMAT_FIXTURES, 'raw/emb.f32'), targets);
    fs.writeFileSync(path.join(dir, 'y.embeddings.json'), '{"dim": 12}');
    const r = run('analyze', file, '--dtype', 'float32', '--dim', '12', '--targets', targets, '--json');
    assert.ok(r.status === 0 || r.status === 1, r.stdout + r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.format, 'raw');
    assert.ok(j.information, 'information estimates present');
    assert.ok(!j.information.problems.some((p: { code: string }) => /raw/.test(p.code)), JSON.stringify(j.information.problems));
    assert.deepEqual([j.information.inputs.embeddings.format, ...j.information.inputs.embeddings.shape], ['raw', 64, 12]);
    // the targets (a .f32 with its own manifest's dim) are read raw too
    assert.deepEqual([j.information.inputs.companions.targets.format, ...j.information.inputs.companions.targets.shape], ['raw', 64, 12]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('raw: a .bin whose first float happens to start with "{" is still read as the array given', async () => {
  const values = new Float32Array(8);
  const bytes = new Uint8Array(values.buffer);
  bytes.set([0x20, 0x7b, 0x41, 0x42]); // " {AB": a float32 whose bytes begin like a JSON object
  const dump = await openDump(new MemoryByteSource(bytes, 'x.bin'), { fileName: 'x.bin', raw: { dtype: 'float32', dim: 4 } });
  assert.equal(dump.format, 'raw');
  const m = await dump.open();
  assertExactly(await m.readRows(0, 2), [new DataView(bytes.buffer).getFloat32(0, true), 0, 0, 0, 0, 0, 0, 0], 'rows');
});
