import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import { looksLikeEmbeddingResponse, RESPONSE_SNIFF_BYTES } from '../../src/core/formats/jsonResponse';
import { CountingSource, FORMAT_FIXTURES, assertExactly, assertRefused, checkFixture, decodeNumbers, expectedFiles, loadExpected, withDump } from './formats.helpers';

/** Fixtures written by python's json module (test/fixtures/make_json_fixtures.py). */
const NESTED = 'jsonl/nested.jsonl';
const readable = [...expectedFiles('jsonl'), ...expectedFiles('json')].filter(rel => !loadExpected(rel).error);
const refusals = expectedFiles('jsonl/refusals');

for (const rel of readable.filter(r => r !== NESTED)) {
  test(`JSON fixture ${rel} reads as python's json module wrote it`, () => checkFixture(rel));
}

test('JSON Lines: a field found by no name is read by its dot path (--array)', async () => {
  const expected = loadExpected(NESTED);
  const want = expected.arrays![0];
  await withDump(NESTED, async dump => {
    assert.equal(dump.format, 'jsonl');
    assert.deepEqual(dump.arrays, []);
    await assert.rejects(dump.open(), (e: Error & { code?: string }) => e.code === 'no-array' && /--array/.test(e.message));
    await assert.rejects(dump.open('response.data.0.vector'), (e: Error & { code?: string }) => e.code === 'array-not-found' && /line 1/.test(e.message));
    const m = await dump.open(want.name);
    assert.deepEqual([...m.shape], want.shape);
    assertExactly(await m.readRows(0, m.rows), decodeNumbers(want.data!), 'nested rows');
  });
});

for (const rel of refusals) {
  const expected = loadExpected(rel);
  test(`JSON refusal ${rel}: ${expected.error}${expected.line ? ` on line ${expected.line}` : ''}`, async () => {
    const file = path.join(FORMAT_FIXTURES, rel);
    const source = await FileByteSource.open(file);
    try {
      const error = await assertRefused(() => openDump(source, { fileName: file }), expected.error!, file);
      if (expected.line) assert.match(error.message, new RegExp(`line ${expected.line}\\b`));
      assert.doesNotMatch(error.message, /Unexpected token|JSON\.parse|SyntaxError/, 'our own sentence, not the engine\'s');
    } finally {
      await source.close();
    }
  });
}

test('JSON Lines: rows deep in the file are read from the nearest indexed line, not from the start', async () => {
  const file = path.join(FORMAT_FIXTURES, 'jsonl/records.jsonl');
  const expected = decodeNumbers(loadExpected('jsonl/records.jsonl').arrays![0].data!);
  const bytes = fs.readFileSync(file);
  const lineStarts = [0];
  bytes.forEach((b, i) => { if (b === 10 && i + 1 < bytes.length) lineStarts.push(i + 1); });
  assert.equal(lineStarts.length, 200);
  const source = new CountingSource(await FileByteSource.open(file));
  try {
    const m = await (await openDump(source, { fileName: file })).open();
    const opened = source.bytesRead;
    assert.ok(opened >= bytes.length, 'the index pass reads the file once');
    source.ranges.length = 0;
    assertExactly(await m.readRows(190, 10), expected.slice(190 * 8, 200 * 8), 'rows 190..199');
    // the index keeps every 64th line: the read starts at line 128's first byte, not before
    assert.ok(source.ranges.every(([from]) => from >= lineStarts[128]), JSON.stringify(source.ranges));
    assert.ok(source.bytesRead - opened <= bytes.length - lineStarts[128]);
    assertExactly(await m.readRows(63, 3), expected.slice(63 * 8, 66 * 8), 'rows across an index step');
  } finally {
    await source.close();
  }
});

test('JSON: a .json that is not an embedding response is not a dump; JSON Lines and responses are sniffed without an extension', async () => {
  const enc = new TextEncoder();
  const manifest = enc.encode('{"embeddings": "emb.npy", "targets": "y.npy"}');
  await assert.rejects(openDump(new MemoryByteSource(manifest, 'emb.embeddings.json'), { fileName: 'emb.embeddings.json' }),
    (e: Error & { code?: string }) => e.code === 'unknown-format' && e.message.includes('emb.embeddings.json'));
  const lines = enc.encode('{"embedding": [1, 2]}\n{"embedding": [3, 5]}\n');
  const jsonl = await openDump(new MemoryByteSource(lines, 'dump'), { fileName: 'dump' });
  assert.equal(jsonl.format, 'jsonl');
  assertExactly(await (await jsonl.open()).readRows(0, 2), [1, 2, 3, 5], 'sniffed JSON Lines');
  const response = enc.encode('{"data": [{"embedding": [1, 2], "index": 1}, {"embedding": [3, 4], "index": 0}]}');
  const json = await openDump(new MemoryByteSource(response, 'out'), { fileName: 'out' });
  assert.equal(json.format, 'json');
  assertExactly(await (await json.open()).readRows(0, 2), [3, 4, 1, 2], 'rows in index order');
});

test('a .json path is a dump for hovers only when its start is an embedding response', () => {
  const enc = new TextEncoder();
  const head = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel))).subarray(0, RESPONSE_SNIFF_BYTES);
  assert.ok(looksLikeEmbeddingResponse(head('json/response.json')));
  assert.ok(looksLikeEmbeddingResponse(head('json/response_base64.json')));
  assert.ok(!looksLikeEmbeddingResponse(head('jsonl/refusals/manifest_like.json')));
  assert.ok(!looksLikeEmbeddingResponse(enc.encode('{"embeddings": "emb.npy", "information": {"targets": "y.npy"}}')));
  assert.ok(!looksLikeEmbeddingResponse(enc.encode('{"data": [1, 2, 3], "embedding": "x"}')));
  assert.ok(!looksLikeEmbeddingResponse(enc.encode('[{"data": [{"embedding": [1]}]}]')));
});
