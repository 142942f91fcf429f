import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import { sniffWordVectors } from '../../src/core/formats/wordVectors';
import { FORMAT_FIXTURES, assertExactly, assertRefused, checkFixture, expectedFiles, loadExpected } from './formats.helpers';

/** Word vectors written by gensim's save_word2vec_format and, for GloVe, plain python (test/fixtures/make_word_vector_fixtures.py). */
const fixtures = expectedFiles('wordvec');
for (const rel of fixtures.filter(r => !loadExpected(r).error)) {
  test(`word-vector fixture ${rel} reads as its writer wrote it`, () => checkFixture(rel));
}

for (const rel of fixtures.filter(r => loadExpected(r).error)) {
  const expected = loadExpected(rel);
  test(`word-vector refusal ${rel}: ${expected.error}${expected.line ? ` on line ${expected.line}` : ''}`, async () => {
    const file = path.join(FORMAT_FIXTURES, rel);
    const source = await FileByteSource.open(file);
    try {
      const error = await assertRefused(() => openDump(source, { fileName: file }), expected.error!, file);
      if (expected.line) assert.match(error.message, new RegExp(`line ${expected.line}\\b`));
    } finally {
      await source.close();
    }
  });
}

const bytesOf = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));

test('word2vec binary is told from a PyTorch pytorch_model.bin by its bytes, whatever the name', async () => {
  const torch = await openDump(new MemoryByteSource(bytesOf('pt/bare_tensor.pt'), 'pytorch_model.bin'), { fileName: 'pytorch_model.bin' });
  assert.equal(torch.format, 'pt');
  const vectors = await openDump(new MemoryByteSource(bytesOf('wordvec/gensim.bin'), 'pytorch_model.bin'), { fileName: 'pytorch_model.bin' });
  assert.equal(vectors.format, 'word2vec-binary');
  // and word vectors under other names: a binary .vec, text without an extension
  assert.equal((await openDump(new MemoryByteSource(bytesOf('wordvec/gensim.bin'), 'model.vec'), { fileName: 'model.vec' })).format, 'word2vec-binary');
  assert.equal((await openDump(new MemoryByteSource(bytesOf('wordvec/gensim.vec'), 'vectors'), { fileName: 'vectors' })).format, 'word2vec-text');
  assert.equal((await openDump(new MemoryByteSource(bytesOf('wordvec/glove.6B.12d.txt'), 'glove'), { fileName: 'glove' })).format, 'glove');
});

test('a .txt is GloVe only when its first lines have that exact shape', () => {
  const enc = new TextEncoder();
  assert.equal(sniffWordVectors(bytesOf('wordvec/glove.6B.12d.txt').subarray(0, 4096)), 'glove');
  for (const text of ['numpy==1.24\nscipy\n', 'hello world\nthis is text\n', '0.1 0.2 0.3\n0.4 0.5 0.6\n', 'a 1 2\nb 3\n', 'a\t1\t2\nb\t3\t4\n', '']) {
    assert.equal(sniffWordVectors(enc.encode(text)), undefined, JSON.stringify(text));
  }
});

test('word2vec text: the values are the last d fields, so gensim\'s words with spaces stay one word', async () => {
  const dump = await openDump(new MemoryByteSource(bytesOf('wordvec/spaces.vec'), 'spaces.vec'), { fileName: 'spaces.vec' });
  assert.deepEqual(dump.findings, []);
  const m = await dump.open();
  assert.deepEqual([...m.shape], [4, 5]);
  // a line with one value too many is refused, not read with a number glued to its word
  const text = new TextEncoder().encode('2 2\nnew york 1 2\nthe 3 4 5\n');
  await assert.rejects(openDump(new MemoryByteSource(text, 'x.vec'), { fileName: 'x.vec' }),
    (e: Error & { code?: string }) => e.code === 'bad-shape' && /line 3/.test(e.message));
  const ok = new TextEncoder().encode('2 2\nnew york 1 2\nthe 3 4\n');
  assertExactly(await (await (await openDump(new MemoryByteSource(ok, 'x.vec'), { fileName: 'x.vec' })).open()).readRows(0, 2), [1, 2, 3, 4], 'rows');
});

test('duplicate words are a finding naming the word and its row', async () => {
  const dump = await openDump(new MemoryByteSource(bytesOf('wordvec/duplicates.vec'), 'duplicates.vec'), { fileName: 'duplicates.vec' });
  assert.equal(dump.findings.length, 1);
  assert.match(dump.findings[0].message, /"of" again at row 20/);
});

test('a .txt with a word2vec header (as glove2word2vec writes it) is read as word2vec text; a binary one is not read as .txt', async () => {
  const vec = bytesOf('wordvec/gensim.vec');
  const dump = await openDump(new MemoryByteSource(vec, 'glove.w2v.txt'), { fileName: 'glove.w2v.txt' });
  assert.equal(dump.format, 'word2vec-text');
  assert.deepEqual(dump.arrays[0].shape, loadExpected('wordvec/gensim.vec').arrays![0].shape);
  await assert.rejects(openDump(new MemoryByteSource(bytesOf('wordvec/gensim.bin'), 'vectors.txt'), { fileName: 'vectors.txt' }),
    (e: Error & { code?: string }) => e.code === 'unknown-format');
});

test('words with odd bytes (invalid UTF-8, as gensim\'s unicode_errors="replace" or "ignore" accept) are read, and still compared for duplicates', async () => {
  const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
  const enc = new TextEncoder();
  const odd = new Uint8Array([0xff, 0xfe, 0x41]);
  const binary = Buffer.concat([enc.encode('3 2\n'), odd, enc.encode(' '), f32(1, 2), enc.encode('b '), f32(3, 4), odd, enc.encode(' '), f32(5, 6)]);
  const dump = await openDump(new MemoryByteSource(binary, 'odd.bin'), { fileName: 'odd.bin' });
  assert.equal(dump.format, 'word2vec-binary');
  assertExactly(await (await dump.open()).readRows(0, 3), [1, 2, 3, 4, 5, 6], 'binary rows');
  assert.deepEqual(dump.findings.map(f => f.code), ['duplicate-words']);
  const text = Buffer.concat([enc.encode('2 2\n'), odd, enc.encode(' 1.5 -2\nb 3 4e-1\n')]);
  const t = await openDump(new MemoryByteSource(text, 'odd.vec'), { fileName: 'odd.vec' });
  assertExactly(await (await t.open()).readRows(0, 2), [1.5, -2, 3, Math.fround(0.4)], 'text rows (float32, as gensim loads them)');
});
