import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { CountingSource, FORMAT_FIXTURES, assertExactly, assertRefused, checkFixture, decodeNumbers, expectedFiles, loadExpected, withDump } from './formats.helpers';

/** Fixtures written by test/fixtures/make_format_fixtures_ml.py (see make_parquet there for the writer). */
const fixtures = expectedFiles('parquet');
const readable = fixtures.filter(rel => !loadExpected(rel).error);
const refusals = fixtures.filter(rel => loadExpected(rel).error);

for (const rel of readable) {
  test(`parquet fixture ${rel} reads as written`, () => checkFixture(rel));
}

for (const rel of refusals) {
  const expected = loadExpected(rel);
  test(`parquet refusal ${rel}: ${expected.error}`, async () => {
    const file = path.join(FORMAT_FIXTURES, rel);
    const source = await FileByteSource.open(file);
    try {
      const error = await assertRefused(() => openDump(source, { fileName: file }), expected.error!, file);
      for (const word of (expected.mentions as string[] | undefined) ?? []) assert.ok(error.message.includes(word), `'${word}' in: ${error.message}`);
    } finally {
      await source.close();
    }
  });
}

test('list columns are chosen by name or automatically; others are listed with the reason', async () => {
  await withDump('parquet/hf_gzip.parquet', async dump => {
    assert.equal(dump.format, 'parquet');
    assert.equal((await dump.open()).name, 'embeddings');
    const other = await dump.open('other');
    assert.deepEqual([other.rows, other.dim, other.dtype], [40, 10, 'float32']);
  });
  await withDump('parquet/list_float_snappy.parquet', async dump => {
    assert.equal((await dump.open()).name, 'embedding');
    await assert.rejects(dump.open('label'), (e: unknown) => e instanceof EmbdiagError && e.code === 'unsupported-dtype' && /strings/.test(e.message));
    await assert.rejects(dump.open('id'), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && /one number per row/.test(e.message));
    const m = await dump.open('embedding');
    assert.ok(m.notes.some(n => /null/i.test(n)));
  });
  await withDump('parquet/per_dim_columns.parquet', async dump => {
    assert.ok(dump.notes.some(n => /'dim_\*' gathers 8 numeric columns \(dim_0 … dim_7\)/.test(n)), dump.notes.join(' | '));
    assert.equal((await dump.open()).name, 'dim_*');
  });
});

test('rows are decoded by row group: reads spanning groups, in any order, match one full read', async () => {
  const want = decodeNumbers(loadExpected('parquet/list_float_snappy.parquet').arrays!.find(a => a.name === 'embedding')!.data!);
  await withDump('parquet/list_float_snappy.parquet', async dump => {
    const m = await dump.open('embedding');
    const pieces: [number, number][] = [[55, 5], [20, 10], [0, 3], [24, 2], [3, 17], [30, 25]];
    for (const [start, count] of pieces) {
      assertExactly(await m.readRows(start, count), want.slice(start * m.dim, (start + count) * m.dim), `rows ${start}+${count}`);
    }
  });
});

test('opening reads only the footer and a row group, not the whole file', async () => {
  const file = path.join(FORMAT_FIXTURES, 'parquet/hf_gzip.parquet');
  const inner = await FileByteSource.open(file);
  const counting = new CountingSource(inner);
  try {
    const dump = await openDump(counting, { fileName: file });
    const m = await dump.open('other');
    const before = counting.bytesRead;
    await m.readRows(33, 2); // second row group only
    assert.ok(counting.bytesRead - before < inner.size / 2, `read ${counting.bytesRead - before} of ${inner.size} bytes`);
  } finally {
    await inner.close();
  }
});

test('a damaged page is an EmbdiagError naming the column', async () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, 'parquet/hf_gzip.parquet')));
  for (let i = 200; i < 600; i++) bytes[i] ^= 0x5a; // inside the first column chunk's gzip pages
  const dump = await openDump(new MemoryByteSource(bytes, 'damaged.parquet'), { fileName: 'damaged.parquet' });
  const m = await dump.open('embeddings');
  await assert.rejects(m.readRows(0, m.rows), (e: unknown) => e instanceof EmbdiagError && e.message.includes('damaged.parquet') && e.message.includes("'embeddings'"));
});
